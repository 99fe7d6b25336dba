"""Index pages: one faceted table per registry (plus upcoming/past events), readable without JS."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from markupsafe import Markup

from ..registry.merge import Merged
from .facets import Facet, Row, fill_options, pair
from .search import row_words
from .graph import Badge, Graph
from .render import (
    badges_html,
    country_name,
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


def index_page(spec: IndexSpec, title: str) -> str:
    facets = fill_options(spec.facets, [r for t in spec.tables for r in t.rows])
    links = [(relurl(spec.here, target), text) for target, text in spec.links]
    body = render("index.html", heading=spec.heading, intro=spec.intro, links=links, facets=facets, before=spec.before,
                  tables=spec.tables, headers=spec.headers, noun=spec.noun, after=spec.after,
                  rows_total=sum(len(t.rows) for t in spec.tables))
    return page(title, body, search=False)


def _facility_links(g: Graph, here: str, ids: list[str]) -> Markup:
    return Markup(", ").join(link(here, f"facilities/{f}/", g.short(f)) if f in g.ids["facilities"] else f
                             for f in ids)


def _record_cell(g: Graph, here: str, rec: Merged) -> Markup:
    return link(here, g.url(rec), g.title(rec)) + _badges(g.badges(rec))


def software_index(g: Graph) -> str:
    here = "software/"
    facets = [Facet("category", "Category", partial(label, "SOFTWARE_CATEGORIES")),
              Facet("technique", "Technique", technique_label),
              Facet("facility", "Facility", g.short),
              Facet("support", "Support level", partial(label, "SUPPORT_LEVELS")),
              Facet("language", "Language"), Facet("licence", "Licence"),
              Facet("status", "Status", partial(label, "SOFTWARE_STATUS"))]
    rows = []
    for rec in g.by_kind["software"]:
        d = rec.data
        links = [x for x in d.get("facilities") or [] if isinstance(x, dict) and isinstance(x.get("id"), str)]
        fac_ids = [x["id"] for x in links]
        licence = d.get("license") or (d.get("facts") or {}).get("repository_license")
        cells = [_record_cell(g, here, rec),
                 ", ".join(label("SOFTWARE_CATEGORIES", c) for c in d.get("categories") or []),
                 _facility_links(g, here, fac_ids),
                 ", ".join(d.get("languages") or []), licence or "",
                 label("SOFTWARE_STATUS", d["status"]) if d.get("status") else ""]
        values = {"category": list(d.get("categories") or []), "technique": list(d.get("techniques") or []),
                  "facility": fac_ids, "support": [str(x.get("support") or "uses") for x in links],
                  "language": list(d.get("languages") or []), "licence": [licence] if licence else [],
                  "status": [d["status"]] if d.get("status") else []}
        pairs = [pair(x["id"], str(x.get("support") or "uses")) for x in links]
        rows.append(Row(cells, values, pairs, row_words(rec)))
    spec = IndexSpec(here, "Software catalogue", "software",
                     ["Name", "Category", "Facilities", "Languages", "Licence", "Status"], facets,
                     [Table("kh-software", "Software used at photon and neutron facilities", rows)],
                     intro="The common software catalogue of the photon and neutron facilities. Filter by "
                           "category, technique, facility and how the facility relates to the software.")
    return index_page(spec, "Software")


def _event_row(g: Graph, here: str, ev: Merged) -> Row:
    d = ev.data
    t = g.times.get(ev.id)
    organisers = [f for f in d.get("organisers") or [] if isinstance(f, str)]
    place = ", ".join(x for x in (d.get("city"), country_name(d.get("country"))) if x)
    cells = [t.local_text() if t else str(d.get("start")), t.utc_text() if t else "",
             _record_cell(g, here, ev),
             label("EVENT_TYPES", d["event_type"]) if d.get("event_type") else "",
             label("PRESENCE", d["presence"]) if d.get("presence") else "",
             _facility_links(g, here, organisers), place]
    values = {"type": [d["event_type"]] if d.get("event_type") else [],
              "presence": [d["presence"]] if d.get("presence") else [],
              "facility": organisers, "country": [d["country"]] if d.get("country") else []}
    return Row(cells, values, words=row_words(ev))


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
                     ["When (local)", "When (UTC)", "Event", "Type", "Attendance", "Organisers", "Place"],
                     facets, tables,
                     intro="Schools, courses, workshops and conferences of the facilities. Times are shown in "
                           "the event's own time zone and in UTC.",
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

