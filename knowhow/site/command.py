"""`knowhow build` and `knowhow serve`: validate the registry, then build or serve the site.

The pages, feeds, data package and JSON Schemas are added by the MkDocs hook
(`knowhow/site/hook.py`, named in mkdocs.yml), so plain `mkdocs build` and `mkdocs serve` give the
same site; this command adds the readable validation report, runs MkDocs in-process (so the hook
reuses the registry just validated) and prints a summary. `--engine properdocs` builds with
ProperDocs, the maintained continuation of MkDocs 1.x, from the same mkdocs.yml (in a child
process: ProperDocs redirects every `mkdocs.*` import of the process it runs in).

Material for MkDocs prints an end-of-life banner whenever it is imported under MkDocs; the
portal's own commands set its documented switch (NO_MKDOCS_2_WARNING) so their output stays
about the portal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

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
@click.option("--engine", type=click.Choice(["mkdocs", "properdocs"]), default="mkdocs", show_default=True,
              help="Site engine: MkDocs 1.6 or ProperDocs (its maintained continuation); same pages.")
def build(registry: Path, site_dir: Path, config_file: Path, engine: str) -> None:
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
    if engine == "properdocs":
        run_properdocs(config, site_dir)
    else:
        hand_over(registry, reg)
        run_mkdocs(config, site_dir)
    index = [p for p in (site_dir / INDEX_DIR).rglob("*") if p.is_file()]
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    size = f", search index {sum(p.stat().st_size for p in index) / 1e6:.2f} MB" if index else ""
    click.echo(f"built {pages} pages into {site_dir}{size} with {engine} in {time.perf_counter() - t0:.1f} s")


def run_properdocs(config: Path, site_dir: Path) -> None:
    """`properdocs build --strict` on the same mkdocs.yml (the hook reads KNOWHOW_REGISTRY)."""
    cmd = [sys.executable, "-m", "properdocs", "build", "--strict", "--clean", "-q", "-f", str(config.resolve()),
           "-d", str(site_dir.resolve())]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=config.resolve().parent)
    except FileNotFoundError:
        raise click.ClickException("properdocs is not installed (pip install properdocs)") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise click.ClickException(f"properdocs build --strict failed: {last[0]}")


def serve_url(config: Path, dev_addr: str) -> str:
    """Where `mkdocs serve` shows the site: the dev address plus the path of site_url."""
    import yaml

    site_url = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("site_url") or ""
    path = urlsplit(str(site_url)).path.strip("/")
    return f"http://{dev_addr}/" + (f"{path}/" if path else "")


@click.command()
@REGISTRY_OPTION
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False,
              path_type=Path), help="MkDocs configuration.")
def serve(registry: Path, dev_addr: str, config_file: Path) -> None:
    """Serve the site locally and rebuild it when a page, registry or result file changes."""
    from mkdocs.commands import serve as mkdocs_serve

    if not registry.is_dir():
        raise click.ClickException(f"{registry}: no such registry folder (pass --registry DIR)")
    config = find_config(config_file)
    os.environ[REGISTRY_ENV] = str(registry.resolve())
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    click.echo(f"serving the portal at {serve_url(config, dev_addr)} (Ctrl-C stops)")
    mkdocs_serve.serve(config_file=str(config.resolve()), dev_addr=dev_addr, livereload=True)


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
