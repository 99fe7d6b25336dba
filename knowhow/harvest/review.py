"""`knowhow review`: every open cross-check flag, with its evidence, one line each.

Two kinds of flags are listed. Stored ones were written by the `review` source during the last
harvest (`registry/harvested/<kind>/<id>.yaml`, field `review`). Others are read from the merged
registry now, without the network: a curated field that contradicts the record's own harvested
facts (an archived repository on an "active" record, a licence the code host declares
differently, no commit for years on an "active" record). Lines point at the curated field, so an
editor jumps to what needs a decision.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from ..registry import store as registry_store
from ..registry.merge import REVIEW_KEY, Merged
from ..registry.problems import Problem
from ..registry.yamlio import load_file
from .sources.review import ACTIVE, flag, licence_conflict

INACTIVE_AFTER = timedelta(days=3 * 365)  # an "active" record with no commit for this long


def fact_flags(rec: Merged, today: date) -> Iterator[dict[str, str]]:
    """Curated fields that contradict the record's own harvested facts (pure)."""
    data = rec.data
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    status = data.get("status")
    if facts.get("archived") is True and status in ACTIVE:
        yield flag("archived", "status", f"the repository is archived but the record has '{status}'",
                   "harvested facts: archived")
    conflict = licence_conflict(data.get("license"), facts.get("repository_license"))
    if conflict:
        yield flag("licence-mismatch", "license", conflict, "harvested facts: repository licence")
    last = facts.get("last_commit")
    if status == "active" and isinstance(last, str) and last[:10] < (today - INACTIVE_AFTER).isoformat():
        yield flag("inactive", "status", f"the record says 'active' but the last commit was on {last[:10]}",
                   "harvested facts: last commit")


def open_flags(root: Path, today: date) -> list[tuple[Merged, dict[str, str]]]:
    reg = registry_store.read(root)
    out: list[tuple[Merged, dict[str, str]]] = []
    for kind in sorted(reg.records):
        for rec in reg.published(kind):
            seen: set[tuple[str, str]] = set()
            stored = [f for f in rec.data.get(REVIEW_KEY) or [] if isinstance(f, dict)]
            found = [*stored, *fact_flags(rec, today)]
            for f in sorted(found, key=lambda f: (str(f.get("field")), str(f.get("code")))):
                key = (str(f.get("code")), str(f.get("field")))
                if key not in seen:  # a stored flag and the same fact check say one thing once
                    seen.add(key)
                    out.append((rec, {k: str(v) for k, v in f.items()}))
    return out


def as_problem(rec: Merged, f: dict[str, str]) -> Problem:
    """A flag located at the curated field it is about (or the record's file)."""
    field = f.get("field", "")
    path = rec.curated_path or rec.harvested_path or rec.id
    line = None
    if rec.curated_path:
        line = load_file(rec.curated_path).line("/" + field) if field else None
    evidence = f.get("evidence")
    return Problem(path, line or 1, "/" + field if field else "", f.get("code", "review"), f.get("message", ""),
                   f"evidence: {evidence}" if evidence else "", "warning")


@click.command()
@click.option("--registry", "registry", default="registry", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Registry folder (with curated/ and harvested/).")
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text", show_default=True)
@click.option("--today", default=None, help="Fix today's date (YYYY-MM-DD), for reproducible output.")
@click.option("--fail", is_flag=True, help="Exit 1 when any flag is open (for CI).")
def review(registry: Path, fmt: str, today: str | None, fail: bool) -> None:
    """List every open cross-check flag with its evidence; curated data is never changed."""
    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise click.ClickException(f"--today {today!r}: write a date as YYYY-MM-DD") from None
    flags = open_flags(registry, day)
    problems = [as_problem(rec, f) for rec, f in flags]
    if fmt == "json":
        rows: list[dict[str, Any]] = [{"kind": rec.kind, "id": rec.id, **f} for rec, f in flags]
        click.echo(json.dumps({"flags": rows}, indent=2, sort_keys=True))
    elif fmt == "github":
        for p in problems:
            click.echo(p.github())
    else:
        for p in problems:
            click.echo(p.text())
        records = len({(rec.kind, rec.id) for rec, _ in flags})
        click.echo(f"{len(flags)} open flag{'s' * (len(flags) != 1)} on {records} record{'s' * (records != 1)}"
                   + ("" if flags else ": nothing to review"))
    sys.exit(1 if fail and flags else 0)
