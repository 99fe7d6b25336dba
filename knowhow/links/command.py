"""`knowhow links`: check the registry's links, keep their status history, report dead ones."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from ..registry.commands import REGISTRY_OPTION


@click.command()
@REGISTRY_OPTION
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--changed-only", is_flag=True,
              help="Check only the records stored in FILES (e.g. the files a pull request changes).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Status history to read and update (e.g. harvest/link-status.json).")
@click.option("--threshold", type=click.IntRange(min=1), default=3, show_default=True,
              help="Consecutive failed checks before a link is flagged broken.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the Markdown list of broken links here (empty when none).")
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True,
              help="text for people, github for workflow annotations.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a link is definitely dead (scheduled runs).")
@click.option("--workers", type=click.IntRange(min=1, max=32), default=8, show_default=True,
              help="Hosts checked in parallel (one request at a time per host).")
def links(registry: Path, files: tuple[Path, ...], changed_only: bool, state_file: Path | None, threshold: int,
          report_file: Path | None, fmt: str, exit_zero: bool, workers: int) -> None:
    """Check the links of every record (or, with --changed-only, of the records in FILES).

    403 and 429 answers are inconclusive and never fail; a 404 fails at once; timeouts and 5xx
    count towards the --threshold consecutive failures that flag a link broken in --state.
    """
    run_links(registry, files, changed_only, state_file, threshold, report_file, fmt, exit_zero, workers)


def run_links(registry: Path, files, changed_only: bool, state_file: Path | None, threshold: int,
              report_file: Path | None, fmt: str, exit_zero: bool, workers: int, settings=None,
              today=None) -> None:
    from . import report, state
    from .check import LINK_SETTINGS, check_all
    from .collect import registry_links

    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    if files and not changed_only:
        raise click.ClickException("FILES are only read with --changed-only")
    wanted = [str(f) for f in files if f.suffix == ".yaml"] if changed_only else None
    if changed_only and not wanted:
        click.echo("no changed record files: no links to check")
        if report_file:
            report_file.write_text("", encoding="utf-8")
        return
    places = registry_links(registry, wanted)
    try:
        old = state.load(state_file) if state_file else None
    except state.StateError as exc:
        raise click.ClickException(str(exc)) from None
    total, done = len(places), 0

    def progress(result) -> None:
        nonlocal done
        done += 1
        if fmt == "text" and (done % 25 == 0 or done == total):
            click.echo(f"  checked {done}/{total}", err=True)

    results = check_all(places, settings or LINK_SETTINGS, workers, progress)
    for line in report.render(report.problems(results, places), fmt):
        click.echo(line)
    click.echo(report.summary(results))
    if state_file is not None and old is not None:
        day = today or datetime.now(timezone.utc).date()
        new = state.update(old, results, places, day, threshold, full=wanted is None)
        changed = state.save(state_file, new)
        flagged = state.broken(new)
        click.echo(f"{len(flagged)} links flagged broken (>= {threshold} failures in a row); "
                   f"{state_file} {'updated' if changed else 'unchanged'}")
        if report_file:
            report_file.write_text(report.issue_markdown(flagged, places, threshold), encoding="utf-8")
    elif report_file:
        dead = {u: {"status": r.status, "code": r.code, "reason": r.reason} for u, r in results.items()
                if r.failed and r.definite}
        report_file.write_text(report.issue_markdown(dead, places, 1), encoding="utf-8")
    if not exit_zero and any(r.failed and r.definite for r in results.values()):
        sys.exit(1)
