"""The engine-neutral heart of the site: a pure function from the merged registry (plus the
facts around it) to {path under docs_dir: content}. Markdown pages, feeds and data files alike.

MkDocs receives the result in memory through `hook.py`; any other engine (Zensical) gets it
written to a staging folder by `stage.py`. Nothing here reads or writes files, except the
data-package export, which goes through a private temporary folder.
"""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from ..registry import vocab
from ..registry.export import export
from ..registry.model import KINDS
from . import feeds, indexes, kinds_feeds, kinds_pages, overview, records, search, techniques
from .graph import Graph
from .inputs import SiteInput
from .reference import field_rows
from .render import page, relurl, render

Content = str | bytes
KIND_TITLES = {k: m.kind_plural for k, m in KINDS.items()}


def generate(inp: SiteInput) -> dict[str, Content]:
    """Every generated file of the site, keyed by its path relative to docs_dir."""
    g = Graph(inp)
    out: dict[str, Content] = {"index.md": overview.home(g)}
    out["software/index.md"] = indexes.software_index(g)
    out["events/index.md"] = indexes.events_index(g)
    out["events/calendar_view/index.md"] = overview.calendar_page(g)
    out["collaborations/index.md"] = indexes.collaborations_index(g)
    out["collaborations/participation_matrix/index.md"] = overview.matrix_page(g)
    out["collaborations/trends_chart/index.md"] = overview.trends_page(g)
    out["open_data/index.md"] = indexes.open_data_index(g)
    out["facilities/index.md"] = indexes.facilities_index(g)
    out.update(kinds_pages.pages(g))
    out.update(kinds_feeds.feeds(g))
    out.update(records.record_pages(g))
    tech = techniques.TechniqueIndex(g)
    out.update(techniques.pages(g, tech))
    out["search/index.md"] = search.search_page(g)
    blobs = feeds.event_blobs(g)
    out.update(feeds.ics_feeds(g, blobs))
    out["feed.xml"] = feeds.atom(g)
    out.update(feeds.filter_feeds(g, tech, blobs))
    data = data_files(inp)
    out.update(data)
    out["downloads/index.md"] = downloads_page(g, data, out)
    out["contribute/fields/index.md"] = fields_page(inp)
    out["compression/index.md"] = compression_page(inp)
    out.update(inp.compression_files)
    return out


def data_files(inp: SiteInput) -> dict[str, bytes]:
    """The Frictionless data package (registry.export) and the JSON Schemas."""
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="knowhow-export-") as tmp:
        export(inp.registry, tmp)
        for f in sorted(Path(tmp).iterdir()):
            out[f"data/{f.name}"] = f.read_bytes()
    for kind, text in sorted(inp.schemas.items()):
        out[f"schemas/{kind}.schema.json"] = text.encode("utf-8")
    return out


def _size(content: Content) -> str:
    n = len(content.encode("utf-8") if isinstance(content, str) else content)
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def downloads_page(g: Graph, data: dict[str, bytes], files: dict[str, Content]) -> str:
    sizes = {path: _size(content) for path, content in data.items()}
    kinds = [(k, KIND_TITLES[k], len(g.by_kind[k])) for k in KINDS]
    ics = [(p, f"upcoming events of {g.short(p.rsplit('/', 1)[1][:-4])}") for p in sorted(files)
           if p.startswith("feeds/facility/") and p.endswith(".ics")]
    ics += [(p, f"upcoming {vocab.EVENT_TYPES.get(p.rsplit('/', 1)[1][:-4], '')} events".lower()) for p in sorted(files)
            if p.startswith("feeds/type/") and p.endswith(".ics")]
    ics += kinds_feeds.listed(g, files)
    body = render("downloads.html", u=partial(relurl, "downloads/"), sizes=sizes, kinds=kinds, ics=ics)
    return page("Downloads", body, search=False, hide=("navigation", "toc"))


def fields_page(inp: SiteInput) -> str:
    kinds = [(k, KIND_TITLES[k], (KINDS[k].__doc__ or "").strip().splitlines()[0], field_rows(k)) for k in KINDS]
    body = render("fields.html", u=partial(relurl, "contribute/fields/"), kinds=kinds, forms=inp.issue_forms,
                  repo_url=inp.repo_url)
    return page("Field reference", body, description="Every field of every registry record, from the model.")


def compression_page(inp: SiteInput) -> str:
    """The benchmark's own page (Markdown written by knowhow.bench from our results files), or a placeholder."""
    if inp.compression_md:
        text = inp.compression_md.lstrip()
        return text if text.startswith("---\n") else "---\ntitle: Compression\n---\n\n" + text
    return page("Compression", render("compression_placeholder.html"))
