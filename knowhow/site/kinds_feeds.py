"""Feeds of the newer kinds: Atom for news and jobs (all jobs and per facility), iCalendar for
funding deadlines and beamtime proposal deadlines. Past items stay in the feeds, marked; output
is deterministic (dates come from the records, never from the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar, Event

from ..registry import vocab
from ..registry.merge import Merged
from ..sanitize import safe_url
from .deadlines import Deadline, deadlines, job_closed, when_of
from .feeds import ATOM_NS, PRODID
from .graph import Graph
from .kinds_pages import news_sorted
from .records import summary
from .render import plain_line, plain_text


def feeds(g: Graph) -> dict[str, bytes]:
    out = {"news.xml": news_atom(g), "jobs.xml": jobs_atom(g, g.by_kind["jobs"], "jobs.xml",
                                                            "Jobs at the photon and neutron facilities")}
    for fid in sorted({str(j.data.get("facility")) for j in g.by_kind["jobs"]} & set(g.ids["facilities"])):
        mine = [j for j in g.by_kind["jobs"] if j.data.get("facility") == fid]
        out[f"feeds/jobs/{fid}.xml"] = jobs_atom(g, mine, f"feeds/jobs/{fid}.xml", f"Jobs at {g.short(fid)}")
    all_due = deadlines(g)
    out["funding.ics"] = deadlines_ics(g, [d for d in all_due if d.rec.kind == "funding"],
                                       "Funding call deadlines (LEAPS WG3 know-how portal)")
    out["proposal-deadlines.ics"] = deadlines_ics(g, [d for d in all_due if d.rec.kind == "facilities"],
                                                  "Beamtime proposal deadlines (LEAPS WG3 know-how portal)")
    return out


def listed(g: Graph, files) -> list[tuple[str, str]]:
    """(path, what it holds) of these feeds, for the downloads page."""
    out = [("news.xml", "news (Atom)"), ("jobs.xml", "jobs, open and closed (Atom)")]
    out += [(p, f"jobs at {g.short(p.rsplit('/', 1)[1][:-4])} (Atom)") for p in sorted(files)
            if p.startswith("feeds/jobs/")]
    out += [("funding.ics", "funding call deadlines (iCalendar)"),
            ("proposal-deadlines.ics", "beamtime proposal deadlines of the facilities (iCalendar)")]
    return [(p, text) for p, text in out if p in files]


# --- Atom ---------------------------------------------------------------------------------------

def _feed(g: Graph, path: str, title: str, newest: str) -> ET.Element:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", f"{g.inp.site_url}{path}")
    _sub(feed, "updated", _atom_time(newest) if newest else "1970-01-01T00:00:00Z")
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=f"{g.inp.site_url}{path}", rel="self",
                  type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=g.inp.site_url, rel="alternate", type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "LEAPS WG3")
    return feed


def _entry(g: Graph, feed: ET.Element, rec: Merged, title: str, day: str, text: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    page = f"{g.inp.site_url}{g.url(rec)}"
    _sub(entry, "title", title)
    _sub(entry, "id", page)
    _sub(entry, "updated", _atom_time(day) if day else "1970-01-01T00:00:00Z")
    ET.SubElement(entry, f"{{{ATOM_NS}}}link", href=page, rel="alternate", type="text/html")
    _sub(entry, "summary", text)  # type text: ElementTree escapes it


def _done(feed: ET.Element) -> bytes:
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def news_atom(g: Graph) -> bytes:
    items = news_sorted(g)
    feed = _feed(g, "news.xml", "LEAPS WG3 know-how portal: news", _day(items[0].data.get("date")) if items else "")
    for rec in items:
        _entry(g, feed, rec, plain_line(g.title(rec)), _day(rec.data.get("date")), summary(rec, 300))
    return _done(feed)


def jobs_atom(g: Graph, jobs: list[Merged], path: str, title: str) -> bytes:
    """Every job, newest first (by posting date, else the record's last change); closed ones say so."""
    def day(rec: Merged) -> str:
        return _day(rec.data.get("posted")) or (g.inp.updated.get((rec.kind, rec.id)) or "")[:10]

    items = sorted(jobs, key=lambda r: (day(r), r.id), reverse=True)
    feed = _feed(g, path, f"{title} (LEAPS WG3 know-how portal)", day(items[0]) if items else "")
    for rec in items:
        d = rec.data
        closed = job_closed(rec, g.today)
        closing = when_of(d.get("closing_date"))
        head = f"{'Closed: ' if closed else ''}{plain_line(g.title(rec))} ({g.short(str(d.get('facility')))})"
        facts = [vocab.JOB_FIELDS.get(str(d.get("field")), ""), plain_line(d.get("location"))]
        if closing:
            facts.append(("closed " if closed else "apply by ") + closing.local_text())
        text = "; ".join(x for x in facts if x) + ". " + summary(rec, 300)
        _entry(g, feed, rec, head, day(rec), text)
    return _done(feed)


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    el.text = text
    return el


def _day(value: object) -> str:
    t = when_of(value)
    return t.first_day.isoformat() if t else ""


def _atom_time(day: str) -> str:
    return f"{day[:10]}T00:00:00Z"


# --- iCalendar ----------------------------------------------------------------------------------

def deadlines_ics(g: Graph, items: list[Deadline], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for dl in items:
        cal.add_component(vevent(g, dl))
    return cal.to_ical()


def vevent(g: Graph, dl: Deadline) -> Event:
    """A deadline as an instant (a date-time) or an all-day item (a date); past ones say so."""
    t = dl.when
    item = Event()
    item.add("uid", f"{dl.key}@deadlines.leaps-wg3-knowhow")
    first = t.first_day
    stamp = g.inp.updated.get((dl.rec.kind, dl.rec.id))
    item.add("dtstamp", datetime.fromisoformat(stamp[:10]).replace(tzinfo=UTC) if stamp
             else datetime(first.year, first.month, first.day, tzinfo=UTC))
    if t.all_day:
        item.add("dtstart", first)
        item.add("dtend", first + timedelta(days=1))
    else:
        item.add("dtstart", t.start.astimezone(UTC))  # type: ignore[union-attr]
        item.add("dtend", t.start.astimezone(UTC))  # type: ignore[union-attr]
    past = dl.is_past(g.today)
    item.add("summary", f"{'Passed: ' if past else ''}{dl.what}: {plain_line(dl.title)}")
    page = f"{g.inp.site_url}{g.url(dl.rec)}"
    url = safe_url(dl.url)
    text = plain_text(dl.rec.data.get("description"), 2000) if dl.rec.kind == "funding" else ""
    item.add("description", "\n\n".join(x for x in (text, url or "", f"Portal: {page}") if x))
    if url:
        item.add("url", url)
    item.add("categories", [dl.what])
    item.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return item
