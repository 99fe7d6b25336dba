"""CLI: `knowhow propose` (issue form -> record file) and `knowhow forms` (regenerate the forms)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..registry.commands import REGISTRY_OPTION
from ..registry.model import KINDS

FORMS_DIR = Path(".github") / "ISSUE_TEMPLATE"


@click.command()
@click.argument("body_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(sorted(KINDS)), default=None, help="Record kind of the form.")
@click.option("--labels", "labels_json", default=None,
              help="The issue's labels as a JSON list; the kind is read from its kind/<kind> label.")
@REGISTRY_OPTION
@click.option("--issue", type=click.IntRange(min=1), default=None, help="Issue number, for the pull request text.")
@click.option("--pr-body", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the pull request description (Markdown) here.")
@click.option("--comment", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="On failure, write a comment for the issue (Markdown) here.")
@click.option("--outputs", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append kind=, id= and path= lines here (for $GITHUB_OUTPUT).")
def propose(body_file: Path, kind: str | None, labels_json: str | None, registry: Path, issue: int | None,
            pr_body: Path | None, comment: Path | None, outputs: Path | None) -> None:
    """Turn a submitted issue form (its Markdown body in BODY_FILE) into a validated record file."""
    from .parse import ProposalError, kind_from_labels
    from .propose import failure_comment, pr_body as render_pr_body, propose as run

    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    try:
        body = body_file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise click.ClickException(f"{body_file}: cannot read the issue body ({exc.strerror})") from None
    try:
        if kind is None:
            kind = kind_from_labels(_labels(labels_json))
        proposal = run(body, kind, registry)
    except ProposalError as exc:
        for line in exc.problems:
            click.echo(f"{body_file}: {line}", err=True)
        if comment:
            comment.write_text(failure_comment(exc.problems), encoding="utf-8")
        sys.exit(1)
    if pr_body:
        pr_body.write_text(render_pr_body(proposal, issue), encoding="utf-8")
    if outputs:
        with outputs.open("a", encoding="utf-8") as fh:
            fh.write(f"kind={proposal.kind}\nid={proposal.record['id']}\npath={proposal.path.as_posix()}\n")
    for warning in proposal.warnings:
        click.echo(warning)
    click.echo(f"wrote {proposal.path}")


def _labels(raw: str | None) -> list[str]:
    from .parse import ProposalError

    if not raw:
        raise ProposalError(["pass --kind, or --labels with the issue's labels"])
    try:
        labels = json.loads(raw)
    except ValueError:
        raise ProposalError(["--labels must be a JSON list of label names"]) from None
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ProposalError(["--labels must be a JSON list of label names"])
    return labels


@click.command()
@REGISTRY_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=FORMS_DIR, show_default=True,
              help="Folder of the issue forms.")
@click.option("--check", is_flag=True, help="Fail if the committed forms are out of date.")
def forms(registry: Path, out: Path, check: bool) -> None:
    """Regenerate the GitHub issue forms from the model, the vocabularies and the facility records."""
    from .forms import stale, write_all

    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    if check:
        old = stale(registry, out)
        if old:
            raise click.ClickException(f"issue forms out of date: {', '.join(old)}; run `knowhow forms`")
        click.echo("issue forms up to date")
        return
    changed = write_all(registry, out)
    click.echo(f"{len(changed)} issue form files changed in {out}")
