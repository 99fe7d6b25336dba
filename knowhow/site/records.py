"""One page per published record: `<kind>/<id>/index.md` (so an id can never clash with an index)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from markupsafe import Markup

from ..registry.merge import Merged
from ..registry.model import KINDS
from . import jsonld, kinds_pages
from .graph import Graph
from .render import description_html, page, record_url, render, script_json

KIND_LABELS = {k: m.kind_label for k, m in KINDS.items()}
# The search index holds a record's title and the opening of its description, cut at a word
# boundary near this many characters. Measured (Material's worker under node, 10,000 records):
# 160 characters -> 1.0 s to build the index in the browser, 90 -> 0.55 s, titles only -> 0.3 s.
SEARCH_SUMMARY = 90
RELATED_CAP = 12  # long related lists on a record page are cut; the facility and index pages list all
PAST_CAP = 20


def src_path(kind: str, record_id: str) -> str:
    return f"{record_url(kind, record_id)}index.md"


def summary(rec: Merged, limit: int = 160) -> str:
    """What the search index holds for a record besides its title: the description's opening,
    as written (Markdown marks and all), one line; escaped wherever it is output."""
    text = " ".join(str(rec.data.get("description") or "").split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def record_pages(g: Graph) -> Iterator[tuple[str, str]]:
    links = RecordLinks(g)
    for kind, recs in g.by_kind.items():
        extra = EXTRA[kind]
        for rec in recs:
            yield src_path(kind, rec.id), record_page(g, rec, extra(g, rec), links)


UP = "../../"  # every record page lives at <kind>/<id>/, two levels below the site root


def up(target: str) -> str:
    """URL of a site path from any record page (same as relurl(record_url(...), target), faster)."""
    return UP + target


class RecordLinks:
    """Links from record pages to records and facilities, made once each (in Python, not template
    macros: at 10,000 pages the template call overhead is most of the generation time)."""

    def __init__(self, g: Graph):
        self.g = g
        self._cache: dict[tuple[str, str], Markup | str] = {}

    def rec(self, rec: Merged) -> Markup | str:
        key = (rec.kind, rec.id)
        if key not in self._cache:
            self._cache[key] = Markup('<a href="{}">{}</a>').format(up(self.g.url(rec)), self.g.title(rec))
        return self._cache[key]

    def fac(self, fid: str) -> Markup | str:
        key = ("facilities-short", fid)
        if key not in self._cache:
            self._cache[key] = (Markup('<a href="{}">{}</a>').format(up(f"facilities/{fid}/"), self.g.short(fid))
                                if fid in self.g.ids["facilities"] else fid)
        return self._cache[key]


def record_page(g: Graph, rec: Merged, extra: dict[str, Any], links: RecordLinks | None = None) -> str:
    title = g.title(rec)
    body = render(
        f"{rec.kind}.html", rec=rec, d=rec.data, g=g, u=up, L=links or RecordLinks(g), title=title,
        summary=summary(rec, SEARCH_SUMMARY), kind_label=KIND_LABELS[rec.kind], bs=g.badges(rec),
        description=description_html(rec.data.get("description")), origin=g.origin(rec),
        jsonld=script_json(jsonld.for_record(g, rec)), **extra)
    # Past events stay on the events page (with its word filter), the calendar and facility pages,
    # but leave the search index: it is rebuilt in every visitor's browser, and they pile up.
    searchable = not (rec.kind == "events" and g.is_past(rec))
    return page(title, body, description=summary(rec), hide=("toc",), search=searchable)


def _software(g: Graph, rec: Merged) -> dict[str, Any]:
    supported = [(link["id"], str(link.get("support") or "uses")) for link in rec.data.get("facilities") or []
                 if isinstance(link, dict) and isinstance(link.get("id"), str)]
    collabs = sorted((g.ids["collaborations"][c] for c in g.collabs_for_sw.get(rec.id, ())), key=g.title)
    facility_ids = {f for f, s in supported if s in ("develops", "supports")} or {f for f, _ in supported}
    techniques = set(rec.data.get("techniques") or [])
    data = {od.id: od for f in sorted(facility_ids) for od in g.data_of.get(f, [])}
    ranked = sorted(data.values(), key=lambda od: (-len(techniques & set(od.data.get("techniques") or [])),
                                                   g.title(od)))
    return {"supported": supported, "collabs": collabs, "events": g.events_about(rec)[:RELATED_CAP],
            "open_data": ranked[:RELATED_CAP]}


def _event(g: Graph, rec: Merged) -> dict[str, Any]:
    return {}


def _collaboration(g: Graph, rec: Merged) -> dict[str, Any]:
    parts = [(p["id"], p.get("joined")) for p in rec.data.get("facilities") or []
             if isinstance(p, dict) and isinstance(p.get("id"), str)]
    software = sorted((g.ids["software"][s] for s in g.sw_for_collab.get(rec.id, ())), key=g.title)
    return {"participants": parts, "software": software}


def _open_data(g: Graph, rec: Merged) -> dict[str, Any]:
    return {}


def _facility(g: Graph, rec: Merged) -> dict[str, Any]:
    by_level: dict[str, list[Merged]] = {}
    for sw, support in g.software_at.get(rec.id, []):
        by_level.setdefault(support, []).append(sw)
    software = [(level, sorted(by_level[level], key=g.title)) for level in ("develops", "supports", "uses")
                if level in by_level]
    events = g.events_sorted(g.events_by.get(rec.id, []))
    upcoming = [e for e in events if g.times.get(e.id) and not g.is_past(e)]
    past = [e for e in reversed(events) if e not in upcoming]
    collabs = g.collabs_of.get(rec.id, [])
    return {
        "software": software,
        "upcoming": upcoming,
        "past": past[:PAST_CAP],
        "past_more": max(0, len(past) - PAST_CAP),
        "collabs": sorted((c for c, _ in collabs), key=g.title),
        "joined": {c.id: j for c, j in collabs if j},
        "open_data": sorted(g.data_of.get(rec.id, []), key=g.title),
        "feed": f"feeds/facility/{rec.id}.ics" if upcoming else "",
        **kinds_pages.facility_extra(g, rec),
    }


EXTRA = {"software": _software, "events": _event, "collaborations": _collaboration, "open_data": _open_data,
         "facilities": _facility, **kinds_pages.EXTRA}
