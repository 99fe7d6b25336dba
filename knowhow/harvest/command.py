"""`knowhow harvest`: run the sources in harvest/sources.yaml into registry/harvested/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..registry.yamlio import write_atomic


class _Progress:
    """One status line per source on stderr (rewritten in place on a terminal)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.current: str | None = None

    def __call__(self, name: str, count: int) -> None:
        if name != self.current:
            self.done()
            self.current = name
        if self.tty:
            click.echo(f"\r  {name}: {count} records", nl=False, err=True)
        elif count % 500 == 0:
            click.echo(f"  {name}: {count} records", err=True)

    def done(self) -> None:
        if self.current and self.tty:
            click.echo("", err=True)
        self.current = None


@click.command()
@click.option("--sources", "sources_file", default="harvest/sources.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The sources file.")
@click.option("--registry", default="registry", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Registry root; records go to <registry>/harvested/<kind>/<id>.yaml.")
@click.option("--only", multiple=True, metavar="NAME", help="Run only this source (repeatable).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the run report as JSON here.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the Markdown summary (pull-request body) here.")
@click.option("--failures", "failures_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write Markdown about failing sources here (empty file when none failed).")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when a source failed (when --failures/--report carry the news).")
@click.option("--state", "state_file", default="harvest/state.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Per-source last success/error and last-seen days (dates only).")
@click.option("--cache-dir", default=".harvest-cache", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Stored responses and validators for conditional requests.")
@click.option("--allow-shrink", multiple=True, metavar="NAME",
              help="Accept that this source now lists far fewer records (after checking why).")
@click.option("--accept-figure", multiple=True, metavar="NAME:facts.FIELD",
              help="Accept that this figure of this source fell, went back or vanished (after checking why).")
@click.option("--allow-private-host", multiple=True, metavar="HOST[:PORT]",
              help="Let this host resolve to a private address (tests and local mirrors only).")
def harvest(sources_file: Path, registry: Path, only: tuple[str, ...], report_file: Path | None,
            summary_file: Path | None, failures_file: Path | None, exit_zero: bool, state_file: Path, cache_dir: Path, allow_shrink: tuple[str, ...],
            accept_figure: tuple[str, ...], allow_private_host: tuple[str, ...]) -> None:
    """Harvest events, software facts, collaboration activity and open-data figures.

    Exit status: 0 when every source succeeded, 1 when any failed or was held (unless
    --exit-zero), 2 for a bad sources file.
    """
    from .config import ConfigError, load
    from .http import HttpSettings
    from .report import as_dict, failures, markdown, table
    from .runner import run

    try:
        config = load(sources_file)
        config.select(only)
    except ConfigError as exc:
        for p in exc.problems:
            click.echo(p.text(), err=True)
        sys.exit(2)
    for item in accept_figure:
        name, _, fname = item.partition(":")
        if not fname.startswith("facts.") or name not in {s.name for s in config.sources}:
            click.echo(f"--accept-figure {item}: expected SOURCE:facts.FIELD with a configured source name", err=True)
            sys.exit(2)
    selected = config.select(only)
    click.echo(f"harvesting {len(selected)} source{'s' if len(selected) != 1 else ''} into {registry}/harvested/",
               err=True)
    progress = _Progress()
    settings = HttpSettings(allow_private=frozenset(allow_private_host))
    report = run(config, registry=registry, state_path=state_file, cache_dir=cache_dir, only=only,
                 settings=settings, allow_shrink=allow_shrink, progress=progress,
                 accept_figures=accept_figure)
    progress.done()
    click.echo(table(report))
    click.echo("")
    click.echo(markdown(report).split("\n<details>")[0].rstrip())
    if report_file:
        write_atomic(report_file, json.dumps(as_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    if summary_file:
        write_atomic(summary_file, markdown(report))
    if failures_file:
        write_atomic(failures_file, failures(report))
    if report.failed and not exit_zero:
        sys.exit(1)
