"""Index pages: one faceted table per registry (plus upcoming/past events), readable without JS."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import partial

from markupsafe import Markup

from ..registry import vocab
from ..registry.merge import Merged
from .facets import Facet, Row, fill_options, pair
from .search import row_words
from .graph import Badge, Graph
from .render import (
    badges_html,
    country_name,
    description_html,
    label,
    page,
    relurl,
    render,
    technique_label,
)


@dataclass
class Table:
    id: str
    caption: str
    rows: list[Row]
    heading: str = ""
    empty: str = "Nothing recorded yet."


@dataclass
class IndexSpec:
    here: str
    heading: str
    noun: str
    headers: list[str]
    facets: list[Facet]
    tables: list[Table]
    intro: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    after: Markup | str = ""
    before: Markup | str = ""  # shown above the filters


def link(here: str, target: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(relurl(here, target), text)


def _badges(badges: list[Badge]) -> Markup:
    return Markup(" ") + badges_html(badges) if badges else Markup("")


def drop_empty_columns(spec: IndexSpec) -> None:
    """Columns no row fills (release and stars before the first harvest) are left out."""
    rows = [r for t in spec.tables for r in t.rows]
    if not rows:
        return
    keep = [i for i in range(len(spec.headers)) if i == 0 or any(str(r.cells[i]).strip() for r in rows)]
    if len(keep) == len(spec.headers):
        return
    spec.headers = [spec.headers[i] for i in keep]
    for r in rows:
        r.sort_keys = {new: r.sort_keys[old] for new, old in enumerate(keep) if old in r.sort_keys}
        r.cells = [r.cells[i] for i in keep]


def index_page(spec: IndexSpec, title: str) -> str:
    drop_empty_columns(spec)
    facets = fill_options(spec.facets, [r for t in spec.tables for r in t.rows])
    links = [(relurl(spec.here, target), text) for target, text in spec.links]
    body = render("index.html", heading=spec.heading, intro=spec.intro, links=links, facets=facets, before=spec.before,
                  tables=spec.tables, headers=spec.headers, noun=spec.noun, after=spec.after,
                  rows_total=sum(len(t.rows) for t in spec.tables))
    return page(title, body, search=False, hide=("navigation", "toc"))


def _facility_links(g: Graph, here: str, ids: list[str]) -> Markup:
    return Markup(", ").join(link(here, f"facilities/{f}/", g.short(f)) if f in g.ids["facilities"] else f
                             for f in ids)


def _record_cell(g: Graph, here: str, rec: Merged) -> Markup:
    return link(here, g.url(rec), g.title(rec)) + _badges(g.badges(rec))


def first_sentence(text: object, limit: int = 160) -> str:
    """The description's first sentence as plain text (Markdown marks and tags dropped), capped at a word."""
    plain = _TAGS.sub("", str(description_html(text)))
    plain = " ".join(html.unescape(plain).split())
    m = _SENTENCE_END.search(plain)
    out = plain[: m.start() + 1] if m else plain
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return out


_TAGS = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(])")


def _named_cell(g: Graph, here: str, rec: Merged) -> Markup:
    """Name (link) and badges, then the first sentence of the description."""
    blurb = first_sentence(rec.data.get("description"))
    return _record_cell(g, here, rec) + (Markup('<span class="kh-blurb">{}</span>').format(blurb) if blurb else "")


def effective_status(d: dict) -> tuple[str, bool]:
    """(status key, disputed): a harvested 'archived' repository wins over a curated status."""
    facts = d.get("facts") or {}
    curated = d.get("status")
    if facts.get("archived") is True:
        return "archived", bool(curated) and curated not in ("archived", "legacy")
    return (curated or ""), False


def status_text(d: dict) -> Markup:
    key, disputed = effective_status(d)
    if not key:
        return Markup("")
    text = Markup("{}").format(label("SOFTWARE_STATUS", key) if key in vocab.SOFTWARE_STATUS else key.capitalize())
    if disputed:
        text += Markup(' <span class="kh-badge kh-badge--disputed" title="The repository is archived, yet the '
                       'entry says {}">disputed</span>').format(label("SOFTWARE_STATUS", d["status"]).lower())
    return text


def release_text(facts: dict) -> tuple[Markup | str, str]:
    """Latest release (GitHub/GitLab, else PyPI) and its date; plus a sort key (the date)."""
    version = facts.get("latest_release") or facts.get("pypi_version")
    when = facts.get("latest_release_date") if facts.get("latest_release") else facts.get("pypi_release_date")
    if not version:
        return "", ""
    day = str(when)[:10] if when else ""
    out = Markup('<span class="kh-nowrap">{}</span>').format(version)
    if day:
        out += Markup(' <span class="kh-muted kh-nowrap">{}</span>').format(day)
    return out, day or "0000"


def _roles(g: Graph, here: str, links: list[dict]) -> Markup:
    return Markup(", ").join(
        Markup('<span class="kh-nowrap">{} <span class="kh-muted">{}</span></span>').format(
            link(here, f"facilities/{x['id']}/", g.short(x["id"])) if x["id"] in g.ids["facilities"] else x["id"],
            label("SUPPORT_LEVELS", str(x.get("support") or "uses")).lower()) for x in links)


def software_index(g: Graph) -> str:
    here = "software/"
    facets = [Facet("category", "Category", partial(label, "SOFTWARE_CATEGORIES")),
              Facet("technique", "Technique", technique_label),
              Facet("facility", "Facility", g.short),
              Facet("support", "Support level", partial(label, "SUPPORT_LEVELS")),
              Facet("language", "Language"), Facet("licence", "Licence"),
              Facet("status", "Status", _status_label)]
    rows = []
    for rec in sorted(g.by_kind["software"], key=lambda r: g.title(r).casefold()):
        d = rec.data
        facts = d.get("facts") or {}
        links = [x for x in d.get("facilities") or [] if isinstance(x, dict) and isinstance(x.get("id"), str)]
        fac_ids = [x["id"] for x in links]
        licence = d.get("license") or facts.get("repository_license")
        release, release_key = release_text(facts)
        stars = facts.get("stars")
        status, _ = effective_status(d)
        cells = [_named_cell(g, here, rec),
                 Markup(", ").join(Markup('<span class="kh-nowrap">{}</span>').format(
                     label("SOFTWARE_CATEGORIES", c)) for c in d.get("categories") or []),
                 _roles(g, here, links), release, f"{stars:,}" if isinstance(stars, int) else "", status_text(d)]
        values = {"category": list(d.get("categories") or []), "technique": list(d.get("techniques") or []),
                  "facility": fac_ids, "support": [str(x.get("support") or "uses") for x in links],
                  "language": list(d.get("languages") or []), "licence": [licence] if licence else [],
                  "status": [status] if status else []}
        pairs = [pair(x["id"], str(x.get("support") or "uses")) for x in links]
        rows.append(Row(cells, values, pairs, words=row_words(rec), sort_keys={3: release_key} if release_key else {}))
    spec = IndexSpec(here, "Software catalogue", "software",
                     ["Software", "Category", "Facilities", "Latest release", "Stars", "Status"], facets,
                     [Table("kh-software", "Software used at photon and neutron facilities", rows)],
                     intro="The common software catalogue of the photon and neutron facilities: what each package "
                           "does, which facilities develop, support or use it, and how alive it is. Filter by "
                           "category, technique, facility and role, language, licence and status; sort by any "
                           "column.")
    return index_page(spec, "Software")


def _status_label(key: str) -> str:
    return label("SOFTWARE_STATUS", key) if key in vocab.SOFTWARE_STATUS else key.capitalize()


def _event_row(g: Graph, here: str, ev: Merged) -> Row:
    d = ev.data
    t = g.times.get(ev.id)
    organisers = [f for f in d.get("organisers") or [] if isinstance(f, str)]
    place = ", ".join(x for x in (d.get("city"), country_name(d.get("country"))) if x)
    when = Markup("{}").format(t.local_text() if t else str(d.get("start")))
    if t and t.utc_hint():
        when += Markup('<span class="kh-blurb">{}</span>').format(t.utc_hint())
    cells = [when, _record_cell(g, here, ev),
             label("EVENT_TYPES", d["event_type"]) if d.get("event_type") else "",
             label("PRESENCE", d["presence"]) if d.get("presence") else "",
             _facility_links(g, here, organisers), place]
    values = {"type": [d["event_type"]] if d.get("event_type") else [],
              "presence": [d["presence"]] if d.get("presence") else [],
              "facility": organisers, "country": [d["country"]] if d.get("country") else []}
    return Row(cells, values, words=row_words(ev), sort_keys={0: t.sort_key()} if t else {})


def events_index(g: Graph) -> str:
    here = "events/"
    facets = [Facet("type", "Type", partial(label, "EVENT_TYPES")),
              Facet("presence", "Attendance", partial(label, "PRESENCE")),
              Facet("facility", "Organiser", g.short), Facet("country", "Country", country_name)]
    tables = [Table("kh-upcoming", "Upcoming events, soonest first", [_event_row(g, here, e) for e in g.upcoming],
                    "Upcoming", "No upcoming event recorded."),
              Table("kh-past", "Past events, latest first", [_event_row(g, here, e) for e in g.past],
                    "Past", "No past event recorded.")]
    from .feeds import subscribe_box  # feeds imports records, which imports this module

    spec = IndexSpec(here, "Training and events", "events",
                     ["When", "Event", "Type", "Attendance", "Organisers", "Place"],
                     facets, tables,
                     intro="Schools, courses, workshops and conferences of the facilities. Times are shown in "
                           "the event's own time zone, with UTC below where it differs.",
                     links=[("events/calendar_view/", "Month calendar"), ("events.ics", "Subscribe (iCalendar)")],
                     before=subscribe_box())
    return index_page(spec, "Events")


def collaborations_index(g: Graph) -> str:
    here = "collaborations/"
    facets = [Facet("category", "Category", partial(label, "COLLABORATION_CATEGORIES")),
              Facet("status", "Status", partial(label, "COLLABORATION_STATUS")),
              Facet("governance", "Governance", partial(label, "GOVERNANCE")),
              Facet("facility", "Facility", g.short)]
    rows = []
    for rec in sorted(g.by_kind["collaborations"], key=lambda c: g.title(c).casefold()):
        d = rec.data
        fac = [p["id"] for p in d.get("facilities") or [] if isinstance(p, dict) and isinstance(p.get("id"), str)]
        cells = [_record_cell(g, here, rec),
                 label("COLLABORATION_CATEGORIES", d["category"]) if d.get("category") else "",
                 str(d.get("started") or ""), str(len(fac)),
                 label("COLLABORATION_STATUS", d["status"]) if d.get("status") else ""]
        values = {"category": [d["category"]] if d.get("category") else [],
                  "status": [d["status"]] if d.get("status") else [],
                  "governance": [d["governance"]] if d.get("governance") else [], "facility": fac}
        rows.append(Row(cells, values, words=row_words(rec)))
    spec = IndexSpec(here, "IT collaborations", "collaborations",
                     ["Name", "Category", "Started", "Facilities", "Status"], facets,
                     [Table("kh-collaborations", "IT collaborations between facilities", rows)],
                     intro="Software and IT collaborations between the facilities.",
                     links=[("collaborations/participation_matrix/", "Participation matrix"),
                            ("collaborations/trends_chart/", "Trends chart")])
    return index_page(spec, "Collaborations")


def open_data_index(g: Graph) -> str:
    here = "open_data/"
    facets = [Facet("kind", "Kind", partial(label, "OPEN_DATA_KINDS")), Facet("facility", "Facility", g.short),
              Facet("api", "Access route", partial(label, "API_TYPES")), Facet("licence", "Licence"),
              Facet("embargo", "Embargo", _embargo_label)]
    rows = []
    for rec in sorted(g.by_kind["open_data"], key=lambda r: g.title(r).casefold()):
        d = rec.data
        fac = [f for f in d.get("facilities") or [] if isinstance(f, str)]
        api = (d.get("api") or {}).get("type") if isinstance(d.get("api"), dict) else None
        facts = d.get("facts") or {}
        figure = facts.get("datasets", facts.get("records", facts.get("dois")))
        cells = [_record_cell(g, here, rec), label("OPEN_DATA_KINDS", d["type"]) if d.get("type") else "",
                 _facility_links(g, here, fac), label("API_TYPES", api) if api else "web portal",
                 _embargo_label(str(d["embargo_years"])) if d.get("embargo_years") is not None else "",
                 f"{figure:,}" if isinstance(figure, int) else ""]
        values = {"kind": [d["type"]] if d.get("type") else [], "facility": fac, "api": [api] if api else [],
                  "licence": [d["license"]] if d.get("license") else [],
                  "embargo": [str(d["embargo_years"])] if d.get("embargo_years") is not None else []}
        rows.append(Row(cells, values, words=row_words(rec)))
    spec = IndexSpec(here, "Open data", "open-data collections",
                     ["Collection", "Kind", "Facilities", "Access route", "Embargo", "Datasets"], facets,
                     [Table("kh-open-data", "Open-data collections of the facilities", rows)],
                     intro="Where the facilities' data become open: portals, catalogues and curated collections, "
                           "with harvested figures where the source publishes them.")
    return index_page(spec, "Open data")


def _embargo_label(years: str) -> str:
    return "none" if years == "0" else f"{years} year{'s' if years != '1' else ''}"


def facilities_index(g: Graph) -> str:
    here = "facilities/"
    facets = [Facet("type", "Kind", partial(label, "FACILITY_KINDS")),
              Facet("consortium", "Consortium", partial(label, "CONSORTIA")),
              Facet("country", "Country", country_name)]
    rows = []
    for rec in sorted(g.by_kind["facilities"], key=lambda r: g.short(r.id).casefold()):
        d = rec.data
        cells = [link(here, g.url(rec), g.short(rec.id)) + _badges(g.badges(rec)), str(d.get("name") or ""),
                 label("FACILITY_KINDS", d["type"]) if d.get("type") else "", country_name(d.get("country")),
                 str(len(g.software_at.get(rec.id, []))), str(len(g.events_by.get(rec.id, []))),
                 str(len(g.collabs_of.get(rec.id, []))), str(len(g.data_of.get(rec.id, [])))]
        values = {"type": [d["type"]] if d.get("type") else [],
                  "consortium": [d["consortium"]] if d.get("consortium") else [],
                  "country": [d["country"]] if d.get("country") else []}
        rows.append(Row(cells, values, words=row_words(rec)))
    spec = IndexSpec(here, "Facilities", "facilities",
                     ["Facility", "Name", "Kind", "Country", "Software", "Events", "Collaborations", "Open data"],
                     facets, [Table("kh-facilities", "Facilities and what the portal records about them", rows)],
                     intro="Each facility's page joins everything that refers to it.")
    return index_page(spec, "Facilities")

