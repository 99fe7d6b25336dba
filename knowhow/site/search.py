"""Full-text search: what each record page tells Pagefind, the search page, and the index build.

Pagefind (https://pagefind.app) indexes the built HTML after MkDocs has written it and splits the
index into small chunks; a visitor's browser downloads only the chunks a query needs, so the
whole text of every record is searchable at any registry size. Only elements marked
`data-pagefind-body` are indexed: the record pages and the technique pages. Each record page
carries a hidden block with its filters (kind, facility, technique with its broader terms, event
upcoming or past) and the result metadata (kind, facility, date); the block is built here from
data and escaped like everything else, and the browser code shows it as text only.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..registry.merge import Merged
from ..registry.model import KINDS
from .graph import Graph
from .render import country_name, label, page, plain_line, render
from .techniques import ancestors, label_of, names

INDEX_DIR = "pagefind"  # under site_dir; search.js loads pagefind/pagefind.js from the site root
# Record and technique pages live at <kind>/<id>/index.html. Pagefind reads only files matching
# this, so it never parses the large index pages (which carry no data-pagefind-body anyway).
PAGES_GLOB = "*/*/index.html"
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
# The kind as a result and its filter say it: shorter than the model's `kind_label` for these
# ("Training or event", "IT collaboration", "Open-data collection"); every other kind uses its label.
KIND_NAMES = {"events": "Event", "collaborations": "Collaboration", "open_data": "Open data"}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind) or KINDS[kind].kind_label


def _facilities(g: Graph, rec: Merged) -> list[str]:
    """Facility ids a record belongs to: its own id for a facility, else the ones it names."""
    d = rec.data
    if rec.kind == "facilities":
        return [rec.id]
    raw = {"events": d.get("organisers"), "jobs": [d.get("facility")], "groups": d.get("members")}.get(
        rec.kind, d.get("facilities"))
    ids = []
    for item in raw or []:
        fid = item.get("id") if isinstance(item, dict) else item
        if isinstance(fid, str) and fid in g.ids["facilities"] and fid not in ids:
            ids.append(fid)
    return ids


def _techniques(g: Graph, rec: Merged) -> tuple[list[str], list[str]]:
    """(the record's own PaNET terms, their broader terms) as term ids, sorted."""
    own = sorted({t for t in rec.data.get("techniques") or [] if isinstance(t, str)})
    broader = sorted({a for t in own for a in ancestors(t)} - set(own))
    return own, broader


# Fields whose values are words worth finding, per kind: (field, vocabulary for its labels or None).
FACT_FIELDS = {
    "software": [("categories", "SOFTWARE_CATEGORIES"), ("languages", None), ("license", None),
                 ("status", "SOFTWARE_STATUS"), ("doi", None)],
    "events": [("event_type", "EVENT_TYPES"), ("presence", "PRESENCE"), ("venue", None), ("city", None),
               ("topics", None)],
    "open_data": [("type", "OPEN_DATA_KINDS"), ("formats", None), ("license", None), ("doi_prefix", None)],
    "collaborations": [("category", "COLLABORATION_CATEGORIES"), ("status", "COLLABORATION_STATUS"),
                       ("governance", "GOVERNANCE")],
    "facilities": [("type", "FACILITY_KINDS"), ("consortium", "CONSORTIA"), ("city", None), ("operator", None)],
    "news": [("body", None)],
    "jobs": [("field", "JOB_FIELDS"), ("contract", "JOB_CONTRACTS"), ("location", None)],
    "funding": [("funder", None), ("programme", None), ("call_id", None), ("topics", None)],
    "groups": [("short_name", None), ("type", "GROUP_TYPES"), ("mandate", None)],
    "links": [("category", "LINK_CATEGORIES"), ("software_category", "SOFTWARE_CATEGORIES")],
}
LONG_FIELDS = frozenset({"body", "mandate"})  # prose the page shows in full, indexed in full


def _fact_words(rec: Merged) -> list[str]:
    d = rec.data
    out: list[str] = []
    for name, vocab_name in FACT_FIELDS.get(rec.kind, []):
        value = d.get(name)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str | int) and not isinstance(v, bool) and str(v):
                text = label(vocab_name, v) if vocab_name else v
                out.append(plain_line(text, 20000 if name in LONG_FIELDS else 300))
    if d.get("country"):
        out.append(country_name(d["country"]))
    licence = (d.get("facts") or {}).get("repository_license") if isinstance(d.get("facts"), dict) else None
    if isinstance(licence, str) and licence not in out:
        out.append(plain_line(licence))
    packages = d.get("packages") if isinstance(d.get("packages"), dict) else {}
    out += [plain_line(v) for _, v in sorted(packages.items()) if isinstance(v, str)]
    return out


def record_block(g: Graph, rec: Merged) -> Markup:
    """The hidden part of a record page that Pagefind reads: filters, metadata and the words.

    The page's own fact lists are left out of the index (dt/dd text would run together in the
    excerpts); their words are here instead, one line: the kind, the facts, the techniques with
    the labels of their broader terms (so "imaging" finds a record tagged "x-ray tomography"), and
    the facilities' short and full names and aliases. Filters and metadata are not page text
    (data-pagefind-ignore)."""
    kind = kind_name(rec.kind)
    fac_ids = _facilities(g, rec)
    shorts = [g.short(f) for f in fac_ids]
    own, broader = _techniques(g, rec)
    parts = [Markup('<span data-pagefind-filter="kind">{}</span>').format(kind),
             Markup('<span data-pagefind-meta="kind">{}</span>').format(kind)]
    parts += [Markup('<span data-pagefind-filter="facility">{}</span>').format(s) for s in shorts]
    if shorts:
        parts.append(Markup('<span data-pagefind-meta="facility">{}</span>').format(", ".join(shorts)))
    parts += [Markup('<span data-pagefind-filter="technique">{}</span>').format(label_of(t)) for t in own + broader]
    if rec.kind == "events":
        t = g.times.get(rec.id)
        when = "past" if g.is_past(rec) or t is None else "upcoming"
        parts.append(Markup('<span data-pagefind-filter="event">{}</span>').format(when))
        parts.append(Markup('<span data-pagefind-meta="when">{}</span>').format(when))
        if t is not None:
            parts.append(Markup('<span data-pagefind-meta="date">{}</span>').format(t.local_text()))
    words = [kind] + _fact_words(rec) + [" ".join([*names(t), t]) for t in own] + [" ".join(names(t)) for t in broader]
    for fid in fac_ids:
        fd = g.ids["facilities"][fid].data
        words += [g.short(fid), plain_line(fd.get("name"))]
        words += [plain_line(a) for a in fd.get("aliases") or [] if isinstance(a, str)]
    seen: dict[str, None] = dict.fromkeys(w for w in words if w)
    return Markup('<div hidden class="kh-search-data"><div data-pagefind-ignore>{}</div><p>{}</p></div>').format(
        Markup("").join(parts), " · ".join(seen))


ROW_WORDS = 1000  # characters of description an index table row carries for its word filter


def row_words(rec: Merged) -> str:
    """Words an index table row is found by besides its cells: the opening of the description and
    the record's techniques with their broader terms (lower case, one line; escaped in the page)."""
    own = [t for t in rec.data.get("techniques") or [] if isinstance(t, str)]
    labels = dict.fromkeys(n for t in own + sorted({a for t in own for a in ancestors(t)}) for n in names(t))
    return " ".join([plain_line(rec.data.get("description"), ROW_WORDS), *labels]).casefold().strip()


def search_page(g: Graph) -> str:
    """The full search page: a query box and filters, filled in by assets/search.js."""
    return page("Search", render("search.html"), search=False, hide=("navigation", "toc"))


@dataclass(frozen=True)
class IndexStats:
    pages: int
    files: int
    bytes: int
    seconds: float


def pagefind_binary() -> Path:
    """The Pagefind executable that the `pagefind[bin]` wheel installs."""
    try:
        from pagefind_bin import get_executable
    except ImportError:  # pragma: no cover - only without the declared dependency
        raise RuntimeError("Pagefind is missing: pip install 'pagefind[bin]'") from None
    return get_executable()


def build_index(site_dir: Path) -> IndexStats:
    """Run Pagefind over the built site; the index goes to site_dir/pagefind/ (replaced)."""
    out = site_dir / INDEX_DIR
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    done = subprocess.run([str(pagefind_binary()), "--site", str(site_dir), "--output-subdir", INDEX_DIR,
                           "--glob", PAGES_GLOB, "--quiet"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"pagefind failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
    for name in UNUSED:  # Pagefind's ready-made UIs: the portal has its own (assets/search.js)
        (out / name).unlink(missing_ok=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    pages = sum(1 for _ in (out / "fragment").glob("*.pf_fragment")) if (out / "fragment").is_dir() else 0
    return IndexStats(pages, len(files), sum(p.stat().st_size for p in files), seconds)
