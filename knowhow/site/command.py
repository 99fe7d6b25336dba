"""`knowhow build`: validate the registry, then build the site with `mkdocs build --strict`.

The pages, feeds, data package and JSON Schemas are added by the MkDocs hook
(`knowhow/site/hook.py`, named in mkdocs.yml), so plain `mkdocs build` and `mkdocs serve` give the
same site; this command adds the readable validation report, runs MkDocs in-process (so the hook
reuses the registry just validated) and prints a summary.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from ..registry.commands import REGISTRY_OPTION
from .assemble import REGISTRY_ENV, hand_over
from .search import INDEX_DIR


def find_config(name: Path) -> Path:
    """mkdocs.yml in the working directory, else the one of the checkout this package lives in."""
    if name.is_file():
        return name
    fallback = Path(__file__).resolve().parents[2] / name.name
    if fallback.is_file():
        return fallback
    raise click.ClickException(f"{name}: no MkDocs configuration here (run from the repository root or pass "
                               "--config-file)")


@click.command()
@REGISTRY_OPTION
@click.option("--site-dir", default="site", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder.")
@click.option("--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False,
              path_type=Path), help="MkDocs configuration.")
def build(registry: Path, site_dir: Path, config_file: Path) -> None:
    """Validate the registry, then build the whole site (pages, feeds, data package) strictly."""
    from ..registry.validate import validate

    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    config = find_config(config_file)
    t0 = time.perf_counter()
    reg, report = validate(registry)
    if not report.valid:
        click.echo(report.render("text"), err=True)
        raise click.ClickException("registry has errors; site not built (fix them, then run again)")
    click.echo(report.summary())
    os.environ[REGISTRY_ENV] = str(registry.resolve())
    hand_over(registry, reg)
    run_mkdocs(config, site_dir)
    index = [p for p in (site_dir / INDEX_DIR).rglob("*") if p.is_file()]
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    size = f", search index {sum(p.stat().st_size for p in index) / 1e6:.2f} MB" if index else ""
    click.echo(f"built {pages} pages into {site_dir}{size} in {time.perf_counter() - t0:.1f} s")


def run_mkdocs(config: Path, site_dir: Path) -> None:
    """`mkdocs build --strict --clean`, in this process (the hook then reuses the validated registry)."""
    import logging

    from mkdocs.commands import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    handler.setLevel(logging.WARNING)
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.propagate = False
    try:
        cfg = load_config(config_file=str(config.resolve()), site_dir=str(site_dir.resolve()), strict=True)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build.build(cfg, dirty=False)
        finally:
            cfg.plugins.on_shutdown()
    except (Abort, MkDocsException) as exc:
        raise click.ClickException(f"mkdocs build --strict failed: {exc}") from None
    finally:
        mkdocs_log.removeHandler(handler)
        mkdocs_log.propagate = True
