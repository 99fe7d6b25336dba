"""CLI commands of the registry stage: parse options, call a plain function, print."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .model import KINDS

REGISTRY_OPTION = click.option("--registry", "registry", default="registry", show_default=True,
                               type=click.Path(file_okay=False, path_type=Path),
                               help="Registry folder (with curated/ and harvested/).")


class KindName(click.ParamType):
    """A record kind as people type it: `event`, `events`, `open-data` all work."""

    name = "kind"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        from .hints import kind_named

        kind = kind_named(str(value), KINDS)
        if kind is None:
            self.fail(f"{value!r} is not a record kind; use one of: {', '.join(sorted(KINDS))}", param, ctx)
        return kind

    def get_metavar(self, param, ctx=None):  # type: ignore[no-untyped-def,override]
        return "{" + "|".join(sorted(KINDS)) + "}"


def _require(registry: Path) -> None:
    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")


@click.command()
@REGISTRY_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text", show_default=True,
              help="text for people, github for workflow annotations, json for tools.")
def validate(registry: Path, fmt: str) -> None:
    """Check every record file; print all problems, one line each. Exit 1 on any error."""
    from .validate import validate as run

    _require(registry)
    _, report = run(registry)
    click.echo(report.render(fmt))
    sys.exit(0 if report.valid else 1)


@click.command()
@REGISTRY_OPTION
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for datapackage.json and the per-kind CSV/JSON files.")
def export(registry: Path, out: Path) -> None:
    """Write the merged registry as a Frictionless Data Package (refuses an invalid registry)."""
    from .export import export as run
    from .validate import validate as check

    _require(registry)
    reg, report = check(registry)
    if not report.valid:
        click.echo(report.render("text"), err=True)
        raise click.ClickException("registry has errors; nothing exported (fix them, then run again)")
    changed = run(reg, out)
    click.echo(f"exported {sum(len(reg.published(k)) for k in KINDS)} records to {out} "
               f"({len(changed)} files changed)")


@click.command()
@click.argument("kind", type=KindName())
@click.option("--id", "record_id", default=None, help="Id of the new record (also the file name).")
@REGISTRY_OPTION
@click.option("--stdout", is_flag=True, help="Print the scaffold instead of writing a file.")
def new(kind: str, record_id: str | None, registry: Path, stdout: bool) -> None:
    """Start a new record file with every field explained."""
    import re

    from .scaffold import scaffold
    from .types import SLUG

    rid = record_id or "my-new-record"
    if not re.match(SLUG, rid):
        raise click.ClickException(f"--id {rid!r}: use lower-case letters, digits and '-' (e.g. my-tool)")
    text = scaffold(kind, rid)
    if stdout:
        click.echo(text, nl=False)
        return
    path = registry / "curated" / kind / f"{rid}.yaml"
    if path.exists():
        raise click.ClickException(f"{path} exists already; edit it, or choose another --id")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}: fill it in, then run `knowhow validate`")


@click.command()
@REGISTRY_OPTION
@click.option("--check", is_flag=True, help="Fail if the committed schemas are out of date.")
def schemas(registry: Path, check: bool) -> None:
    """Regenerate registry/schemas/*.schema.json from the model."""
    from .schemas import render, write_all

    out = registry / "schemas"
    if check:
        stale = [k for k in KINDS if not (out / f"{k}.schema.json").is_file()
                 or (out / f"{k}.schema.json").read_text(encoding="utf-8") != render(k)]
        if stale:
            raise click.ClickException(f"schemas out of date for {', '.join(stale)}; run `knowhow schemas`")
        click.echo("schemas up to date")
        return
    changed = write_all(out)
    click.echo(f"{len(changed)} schema files changed in {out}")
