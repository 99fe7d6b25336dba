"""Read and check the registry, gather what surrounds it, generate the site's files.

Shared by both ways of feeding an engine: the MkDocs hook (in memory) and the staging folder
(on disk, for engines without hooks such as Zensical).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from ..registry.store import Registry
from ..registry.validate import validate
from .inputs import SiteInput, env_today, gather
from .pages import Content, generate

log = logging.getLogger(__name__)

REGISTRY_ENV = "KNOWHOW_REGISTRY"
# `knowhow build` validates the registry, then runs MkDocs in the same process; the hook takes the
# registry from here instead of reading 10,000 files a second time.
_VALIDATED: dict[str, Registry] = {}


def hand_over(registry: Path, reg: Registry) -> None:
    _VALIDATED[str(registry.resolve())] = reg


class SiteError(Exception):
    """The site cannot be built from this registry; the message is the validation report."""


def registry_dir(repo_root: Path) -> Path:
    return Path(os.environ.get(REGISTRY_ENV) or repo_root / "registry")


def assemble(registry: Path, repo_root: Path, site_url: str | None = None,
             repo_url: str | None = None) -> tuple[SiteInput, dict[str, Content]]:
    t0 = time.perf_counter()
    if not registry.is_dir():
        raise SiteError(f"{registry}: no such registry folder (set {REGISTRY_ENV} or pass --registry)")
    reg = _VALIDATED.pop(str(registry.resolve()), None)
    if reg is None:
        reg, report = validate(registry)
        if not report.valid:
            raise SiteError(report.render("text") + "\nregistry has errors; site not built")
    t1 = time.perf_counter()
    urls = {k: v for k, v in (("site_url", _slash(site_url)), ("repo_url", (repo_url or "").rstrip("/"))) if v}
    inp = gather(reg, repo_root, today=env_today(), **urls)
    files = generate(inp)
    n = sum(len(v) for v in reg.records.values())
    log.info("knowhow: %d records read in %.1f s, %d files generated in %.1f s", n, t1 - t0, len(files),
             time.perf_counter() - t1)
    return inp, files


def _slash(url: str | None) -> str:
    return url if not url or url.endswith("/") else url + "/"


def write_staging(files: dict[str, Content], docs_src: Path, out: Path) -> Path:
    """A docs folder on disk: the hand-written pages (without theme overrides) plus generated files.

    For engines that ignore MkDocs hooks. `out` is replaced; keep it outside the source tree.
    """
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(docs_src, out, ignore=shutil.ignore_patterns("overrides", ".*"))
    for rel, content in files.items():
        target = out / rel
        if target.exists():
            raise SiteError(f"generated {rel} would overwrite a hand-written page in {docs_src}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
    return out
