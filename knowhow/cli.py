"""The `knowhow` command: one thin sub-command per stage, each imported only when used."""

from __future__ import annotations

import importlib
import logging
import sys

import click

# Every command of the portal, in one visible list: name -> "module:function".
COMMANDS = {
    "validate": "knowhow.registry.commands:validate",
    "export": "knowhow.registry.commands:export",
    "new": "knowhow.registry.commands:new",
    "schemas": "knowhow.registry.commands:schemas",
    "build": "knowhow.site.command:build",
    "serve": "knowhow.site.command:serve",
    "harvest": "knowhow.harvest.command:harvest",
    "bench": "knowhow.bench.command:bench",
    "links": "knowhow.links.command:links",
    "propose": "knowhow.proposals.command:propose",
    "forms": "knowhow.proposals.command:forms",
    "review": "knowhow.harvest.review:review",
}


class LazyGroup(click.Group):
    """Imports a sub-command's module only when it runs, so `knowhow validate` starts fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="knowhow")
@click.option("-v", "--verbose", is_flag=True, help="Log details while working.")
def cli(verbose: bool) -> None:
    """The LEAPS WG3 know-how portal: validate, harvest, benchmark and build."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def main() -> None:
    try:
        cli(prog_name="knowhow")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
