"""Turn a submitted issue form into a new curated record file, validated with the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry.model import title_of
from ..registry.store import ORIGINS, shown_path
from ..registry.types import SLUG
from ..registry.validate import validate
from ..registry.yamlio import dump, write_yaml
from .forms import facility_options
from .parse import ProposalError, record_from_issue


@dataclass
class Proposal:
    kind: str
    record: dict[str, Any]
    path: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return title_of(self.kind, self.record)


def propose(body: str, kind: str, registry: Path) -> Proposal:
    """Write registry/curated/<kind>/<id>.yaml from the issue body, or raise ProposalError.

    The file is kept only if the whole registry still validates without an error in it.
    """
    record = record_from_issue(body, kind, facility_options(registry))
    rid = record.get("id", "")
    if not re.match(SLUG, rid):
        raise ProposalError([f"'Identifier': {rid[:40]!r} must be lower-case letters, digits and '-'"])
    for origin in ORIGINS:
        existing = registry / origin / kind / f"{rid}.yaml"
        if existing.exists():
            raise ProposalError([f"'Identifier': a {kind} record '{rid}' exists already ({origin}); "
                                 "to change it, use the 'Report a wrong entry' form or edit its file"])
    path = registry / "curated" / kind / f"{rid}.yaml"
    write_yaml(path, record)
    try:
        _, report = validate(registry)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    shown = shown_path(path)
    mine = [p for p in report.sorted() if p.path == shown]
    errors = [p.text() for p in mine if p.severity == "error"]
    if errors:
        path.unlink(missing_ok=True)
        raise ProposalError(errors)
    return Proposal(kind, record, path, [p.text() for p in mine if p.severity == "warning"])


def _fence(text: str) -> str:
    # A fence longer than any backtick run inside, so the text cannot close it.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def pr_body(p: Proposal, issue: int | None) -> str:
    text = dump(p.record)
    fence = _fence(text)
    lines = [f"Adds the {p.kind} record `{p.record['id']}`, proposed with the issue form"
             + (f" in #{issue}." if issue else "."), "",
             "The file was generated from the issue and validated; please review the facts against "
             "the sources before merging.", "",
             f"{fence}yaml", text.rstrip("\n"), fence]
    if p.warnings:
        lines += ["", "Warnings (fine to merge, better to fix):", "", "```text", *p.warnings, "```"]
    if issue:
        lines += ["", f"Closes #{issue}"]
    return "\n".join(lines) + "\n"


def failure_comment(problems: list[str]) -> str:
    text = "\n".join(problems)
    fence = _fence(text)
    return ("The proposal could not be turned into a record yet. Please edit the issue to fix these, "
            "then a maintainer can label it `approved` again:\n\n"
            f"{fence}text\n{text}\n{fence}\n")
