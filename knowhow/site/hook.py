"""MkDocs hook (`hooks:` in mkdocs.yml): adds the generated pages in memory, nothing on disk.

Each event does one job: `on_files` adds the pages from `knowhow.site.pages.generate` (record
pages get an edit link to their YAML file); `on_page_markdown`/`on_page_content` pass a generated
page's finished HTML through without re-parsing it; `on_post_build` builds the Pagefind search
index over the written site; `on_serve` makes `mkdocs serve` rebuild when the registry, the
harvest state or the benchmark results change. Engines that ignore hooks
(Zensical) get the same pages in a staging folder (`knowhow.site.assemble.write_staging`, used by
`benchmarks/zensical_smoke.py`).
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from knowhow.site.assemble import SiteError, assemble, registry_dir
from knowhow.site.records import src_path
from knowhow.site.search import build_index

log = logging.getLogger("mkdocs.hooks.knowhow")

# Generated pages are one line of finished HTML inside Markdown. Python-Markdown would return that
# line unchanged (a raw HTML block) after parsing every tag of it, which is the largest single
# cost of a 10,000-record build; so the hook hands the line straight to MkDocs instead. Engines
# without hooks convert the same Markdown the slow way and get the same HTML.
_GENERATED: set[str] = set()
_HTML: dict[str, str] = {}


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files: Files, config) -> Files:
    root = _root(config)
    try:
        inp, generated = assemble(registry_dir(root), root, config.site_url, config.repo_url)
    except SiteError as exc:
        raise PluginError(str(exc)) from None
    docs_rel = posixpath.relpath(Path(config.docs_dir).resolve().as_posix(), root.as_posix())
    edit = {src_path(kind, rid): posixpath.relpath(path, docs_rel) for (kind, rid), path in inp.edit_paths.items()}
    for path, content in sorted(generated.items()):
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"generated page {path} clashes with a hand-written file in {config.docs_dir}")
        record = path in edit
        f = File.generated(config, path, content=content,
                           inclusion=InclusionLevel.NOT_IN_NAV if record else InclusionLevel.UNDEFINED)
        if record:
            f.edit_uri = edit[path]
        files.append(f)
        if path.endswith(".md"):
            _GENERATED.add(path)
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    body = markdown.strip()
    if page.file.src_uri in _GENERATED and body.startswith("<div") and "\n" not in body:
        _HTML[page.file.src_uri] = body
        return ""
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    body = _HTML.pop(page.file.src_uri, None)
    return html if body is None else body


def on_post_build(config) -> None:
    """The full-text index, from the HTML just written (so `mkdocs build` alone makes it too)."""
    try:
        stats = build_index(Path(config.site_dir))
    except (OSError, RuntimeError) as exc:
        raise PluginError(f"search index: {exc}") from None
    log.info("knowhow: search index of %d pages, %.2f MB in %d files, built in %.1f s", stats.pages,
             stats.bytes / 1e6, stats.files, stats.seconds)


def on_serve(server, config, builder):
    root = _root(config)
    for path in (registry_dir(root), root / "harvest", root / "codecs" / "results"):
        if path.exists():
            server.watch(str(path))
    return server
