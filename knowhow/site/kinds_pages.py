"""Pages of news, jobs, funding calls, groups and links: their index pages, the WG3 page, and
the context their record pages (and facility pages) need beyond the record itself."""

from __future__ import annotations

from functools import partial
from typing import Any

from markupsafe import Markup

from ..registry import vocab
from ..registry.merge import Merged
from ..registry.model import KINDS
from .deadlines import deadlines, funding_past, job_closed, when_of
from .facets import Facet, Row
from .graph import Graph
from .indexes import IndexSpec, Table, _badges, _facility_links, _record_cell, index_page
from .render import description_html, label, page, relurl, render

HOME_NEWS = 5
WG3_NEWS = 5


# --- record page context ------------------------------------------------------------------------

def related_records(g: Graph, refs: object) -> list[Merged]:
    """The published records a list of kind/id references names (unknown ones left out)."""
    out = []
    for ref in refs if isinstance(refs, list) else []:
        kind, _, rid = str(ref).partition("/")
        rec = g.ids.get(kind, {}).get(rid)
        if rec is not None:
            out.append(rec)
    return out


def _news(g: Graph, rec: Merged) -> dict[str, Any]:
    return {"related": related_records(g, rec.data.get("related")),
            "kind_labels": {k: m.kind_label for k, m in KINDS.items()},
            "body_html": description_html(rec.data.get("body")) if rec.data.get("body") else ""}


def _job(g: Graph, rec: Merged) -> dict[str, Any]:
    closing = when_of(rec.data.get("closing_date"))
    return {"closed": job_closed(rec, g.today), "closing": closing.local_text() if closing else "",
            "posted": (when_of(rec.data.get("posted")).local_text()  # type: ignore[union-attr]
                       if when_of(rec.data.get("posted")) else "")}


def _funding(g: Graph, rec: Merged) -> dict[str, Any]:
    due = when_of(rec.data.get("deadline"), rec.data.get("timezone"))
    opens = when_of(rec.data.get("opens"), rec.data.get("timezone"))
    return {"past": funding_past(rec, g.today), "due_local": due.local_text() if due else "",
            "due_utc": due.utc_text() if due and not due.all_day else "",
            "opens": opens.local_text() if opens else ""}


def _group(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    parent = g.ids["groups"].get(str(d.get("parent") or ""))
    children = sorted((c for c in g.by_kind["groups"] if c.data.get("parent") == rec.id), key=g.title)
    return {
        "parent": parent,
        "children": children,
        "members": sorted((f for f in d.get("members") or [] if isinstance(f, str)),
                          key=lambda f: g.short(f).casefold()),
        "roles": [r for r in d.get("roles") or [] if isinstance(r, dict)],
        "collabs": sorted((g.ids["collaborations"][c] for c in d.get("collaborations") or []
                           if c in g.ids["collaborations"]), key=g.title),
        "software": sorted((g.ids["software"][s] for s in d.get("software") or [] if s in g.ids["software"]),
                           key=g.title),
        "meetings": meetings_of(g, rec),
        "html_mandate": description_html(d.get("mandate")) if d.get("mandate") else "",
    }


def _link(g: Graph, rec: Merged) -> dict[str, Any]:
    return {}


EXTRA = {"news": _news, "jobs": _job, "funding": _funding, "groups": _group, "links": _link}


def facility_extra(g: Graph, rec: Merged) -> dict[str, Any]:
    """What a facility page shows of the newer kinds: its proposal deadlines and its jobs."""
    mine = [dl for dl in deadlines(g) if dl.rec.kind == "facilities" and dl.rec.id == rec.id]
    jobs = sorted((j for j in g.by_kind["jobs"] if j.data.get("facility") == rec.id),
                  key=lambda j: (job_closed(j, g.today), str(j.data.get("closing_date") or "9999"), j.id))
    return {
        "proposal_deadlines": [(dl, dl.is_past(g.today)) for dl in mine],
        "jobs": [(j, job_closed(j, g.today)) for j in jobs],
        "jobs_feed": f"feeds/jobs/{rec.id}.xml" if jobs else "",
    }


def meetings_of(g: Graph, rec: Merged) -> dict[str, list[Merged]]:
    source = rec.data.get("meetings_source")
    events = [e for e in g.by_kind["events"] if source and e.data.get("source") == source]
    events = g.events_sorted(events)
    upcoming = [e for e in events if g.times.get(e.id) and not g.is_past(e)]
    return {"upcoming": upcoming, "past": [e for e in reversed(events) if e not in upcoming][:10]}


# --- index pages --------------------------------------------------------------------------------

def news_sorted(g: Graph) -> list[Merged]:
    return sorted(g.by_kind["news"], key=lambda r: (str(r.data.get("date") or ""), r.id), reverse=True)


def news_index(g: Graph) -> str:
    here = "news/"
    body = render("news_index.html", g=g, u=partial(relurl, here), items=news_sorted(g),
                  html=lambda r: description_html(r.data.get("description")))
    return page("News", body, search=False, hide=("toc",))


def jobs_index(g: Graph) -> str:
    here = "jobs/"
    facets = [Facet("field", "Field", partial(label, "JOB_FIELDS")), Facet("facility", "Facility", g.short),
              Facet("contract", "Contract", partial(label, "JOB_CONTRACTS"))]
    open_rows, closed_rows = [], []
    for rec in sorted(g.by_kind["jobs"], key=lambda r: (str(r.data.get("closing_date") or "9999"), r.id)):
        d = rec.data
        closing = when_of(d.get("closing_date"))
        fac = [d["facility"]] if isinstance(d.get("facility"), str) else []
        cells = [_record_cell(g, here, rec), _facility_links(g, here, fac),
                 label("JOB_FIELDS", d["field"]) if d.get("field") else "", str(d.get("location") or ""),
                 label("JOB_CONTRACTS", d["contract"]) if d.get("contract") else "",
                 closing.local_text() if closing else "until filled"]
        values = {"field": [d["field"]] if d.get("field") else [], "facility": fac,
                  "contract": [d["contract"]] if d.get("contract") else []}
        (closed_rows if job_closed(rec, g.today) else open_rows).append(Row(cells, values))
    closed_rows.reverse()  # latest closed first
    spec = IndexSpec(here, "Jobs", "jobs",
                     ["Job", "Facility", "Field", "Location", "Contract", "Apply by"], facets,
                     [Table("kh-jobs-open", "Open jobs, closing soonest first", open_rows, "Open",
                            "No open job recorded."),
                      Table("kh-jobs-closed", "Closed jobs, latest first", closed_rows, "Closed",
                            "No closed job recorded.")],
                     intro="Software, data, IT and controls jobs at the facilities. A job stays listed after "
                           "its closing date, marked closed.",
                     links=[("jobs.xml", "Follow new jobs (Atom)")])
    return index_page(spec, "Jobs")


def funding_index(g: Graph) -> str:
    here = "funding/"
    facets = [Facet("funder", "Funder"), Facet("programme", "Programme"), Facet("topic", "Topic")]
    open_rows, past_rows = [], []
    for rec in sorted(g.by_kind["funding"], key=lambda r: (_deadline_key(r), r.id)):
        d = rec.data
        due = when_of(d.get("deadline"), d.get("timezone"))
        opens = when_of(d.get("opens"), d.get("timezone"))
        not_yet = bool(opens and opens.first_day > g.today)
        cells = [due.local_text() if due else str(d.get("deadline") or ""),
                 due.utc_text() if due and not due.all_day else "day only, no time stated",
                 _record_cell(g, here, rec) + (Markup(' <span class="kh-muted">opens {}</span>').format(
                     opens.local_text()) if not_yet and opens else ""),
                 str(d.get("funder") or ""), str(d.get("programme") or "")]
        values = {"funder": [d["funder"]] if d.get("funder") else [],
                  "programme": [d["programme"]] if d.get("programme") else [],
                  "topic": [str(t) for t in d.get("topics") or []]}
        (past_rows if funding_past(rec, g.today) else open_rows).append(Row(cells, values))
    past_rows.reverse()
    spec = IndexSpec(here, "Funding calls", "calls",
                     ["Deadline (funder's time)", "Deadline (UTC)", "Call", "Funder", "Programme"], facets,
                     [Table("kh-funding-open", "Calls with a deadline ahead, soonest first", open_rows,
                            "Deadline ahead", "No call with a deadline ahead recorded."),
                      Table("kh-funding-past", "Calls whose deadline has passed, latest first", past_rows,
                            "Deadline passed", "No past call recorded.")],
                     intro="Funding calls that facility software, data and IT work can apply to. Deadlines are "
                           "also in the event calendar; past calls stay listed, marked.",
                     links=[("funding.ics", "Subscribe to deadlines (iCalendar)"),
                            ("events/calendar_view/", "Calendar")])
    return index_page(spec, "Funding")


def _deadline_key(rec: Merged) -> str:
    t = when_of(rec.data.get("deadline"), rec.data.get("timezone"))
    return t.sort_key() if t else ""


def links_index(g: Graph) -> str:
    here = "links/"
    by_cat: dict[str, list[Merged]] = {}
    for rec in sorted(g.by_kind["links"], key=lambda r: g.title(r).casefold()):
        by_cat.setdefault(str(rec.data.get("category") or ""), []).append(rec)
    sections = []
    for cat, title in vocab.LINK_CATEGORIES.items():
        recs = by_cat.get(cat, [])
        if cat == "code":
            groups: dict[str, list[Merged]] = {}
            for r in recs:
                groups.setdefault(str(r.data.get("software_category") or ""), []).append(r)
            subs = [(label("SOFTWARE_CATEGORIES", k) if k else "Across categories (facility organisations)", groups[k])
                    for k in sorted(groups, key=lambda k: (k == "", label("SOFTWARE_CATEGORIES", k)))]
        else:
            subs = [("", recs)] if recs else []
        sections.append((cat, title, subs))
    body = render("links_index.html", g=g, u=partial(relurl, here), sections=sections,
                  html=lambda r: description_html(r.data.get("description")), badges=lambda r: _badges(g.badges(r)))
    return page("Links", body, search=False, hide=("toc",))


def root_groups(g: Graph) -> list[Merged]:
    return sorted((r for r in g.by_kind["groups"] if not r.data.get("parent")), key=lambda r: r.id)


def wg3_page(g: Graph) -> str:
    """The group's own page: who it is, its members by facility, current work, outcomes, open data,
    funding and meetings (the sections of the WG3 site), from the groups registry and the rest."""
    here = "groups/"
    roots = root_groups(g)
    root = roots[0] if roots else None
    ctx = _group(g, root) if root else {}
    children = ctx.get("children", [])
    members = ctx.get("members", [])
    people: dict[str, list[dict]] = {}
    for r in ctx.get("roles", []):
        people.setdefault(str(r.get("facility") or ""), []).append(r)
    software = {s.id: s for grp in [root, *children] if grp for s in _group(g, grp)["software"]}
    open_calls = [r for r in sorted(g.by_kind["funding"], key=_deadline_key) if not funding_past(r, g.today)]
    body = render(
        "wg3.html", g=g, u=partial(relurl, here), root=root, ctx=ctx, here=here,
        current=[c for c in children if c.data.get("status") != "completed"],
        completed=[c for c in children if c.data.get("status") == "completed"],
        members=[(f, g.ids["facilities"].get(f), people.get(f, [])) for f in members],
        software=sorted(software.values(), key=g.title),
        open_calls=open_calls, news=news_sorted(g)[:WG3_NEWS], others=roots[1:],
        open_data=len(g.by_kind["open_data"]), html=lambda r: description_html(r.data.get("description")),
        group_mandate=lambda r: description_html(r.data.get("mandate")),
        mandate=description_html(root.data.get("mandate")) if root and root.data.get("mandate") else "",
        rec_link=lambda r: Markup('<a href="{}">{}</a>').format(relurl(here, g.url(r)), g.title(r)),
    )
    title = str(root.data.get("short_name") or g.title(root)) if root else "WG3"
    return page(title, body, description="The group, its members by facility, current work, outcomes, "
                                         "funding and meetings.", hide=("toc",))


def pages(g: Graph) -> dict[str, str]:
    """Index pages of the newer kinds, by path under docs_dir."""
    return {"news/index.md": news_index(g), "jobs/index.md": jobs_index(g), "funding/index.md": funding_index(g),
            "links/index.md": links_index(g), "groups/index.md": wg3_page(g)}
