"""Subscriptions: iCalendar feeds of upcoming events and Atom feeds of new and updated entries, for
the whole portal and for every filter a reader may want: each facility, event type and technique
has `feeds/<facility|type|technique>/<id>.ics` and `.xml`, always (an empty calendar or feed is
still valid, never a 404). Every event also has its own `events/<id>/<id>.ics` ("add to
calendar"). Output is deterministic: no build timestamps inside."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar, Event
from markupsafe import Markup

from ..registry import vocab
from ..registry.merge import Merged
from ..sanitize import safe_url
from .graph import Graph
from .records import KIND_LABELS, summary
from .render import plain_line, plain_text, technique_label
from .techniques import TechniqueIndex

PRODID = "-//LEAPS WG3//know-how portal//EN"
ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_ENTRIES = 50


def event_blobs(g: Graph) -> dict[str, bytes]:
    """Every event's VEVENT, serialised once and reused in every calendar it belongs to."""
    return {e.id: item.to_ical() for e in g.by_kind["events"] if (item := vevent(g, e)) is not None}


def ics_feeds(g: Graph, blobs: dict[str, bytes]) -> dict[str, bytes]:
    """events.ics for all upcoming events, one per facility and per event type (empty ones too),
    and one per event with just that event."""
    out = {"events.ics": calendar_ics(g.upcoming, blobs, "Upcoming events of the LEAPS WG3 know-how portal")}
    for fid in sorted(g.ids["facilities"]):
        events = [e for e in g.upcoming if fid in (e.data.get("organisers") or [])]
        out[f"feeds/facility/{fid}.ics"] = calendar_ics(events, blobs, f"Upcoming events of {g.short(fid)}")
    for kind in sorted(vocab.EVENT_TYPES):
        events = [e for e in g.upcoming if e.data.get("event_type") == kind]
        out[f"feeds/type/{kind}.ics"] = calendar_ics(events, blobs,
                                                      f"Upcoming {vocab.EVENT_TYPES.get(kind, kind)} events")
    for ev in g.by_kind["events"]:
        if ev.id in blobs:
            out[event_ics_path(ev.id)] = calendar_ics([ev], blobs, plain_line(g.title(ev)))
    return out


def event_ics_path(event_id: str) -> str:
    return f"events/{event_id}/{event_id}.ics"


def filter_feeds(g: Graph, tech: TechniqueIndex, blobs: dict[str, bytes]) -> dict[str, bytes]:
    """Per technique: an iCalendar feed of its upcoming events. Per facility, event type and
    technique: an Atom feed of its new and updated entries. `blobs`: from event_blobs."""
    out: dict[str, bytes] = {}
    for term in tech.terms:
        name = technique_label(term)
        related = {e.id for e in tech.events_for(term)}
        events = [e for e in g.upcoming if e.id in related]
        out[f"feeds/technique/{term}.ics"] = calendar_ics(events, blobs, f"Upcoming events on {name}")
        recs = [r for kind in ("software", "open_data", "events", "facilities")
                for r in tech.holdings[term].records[kind]]
        out[f"feeds/technique/{term}.xml"] = atom(g, recs, f"New and updated entries on {name}",
                                                  f"feeds/technique/{term}.xml", f"techniques/{term}/")
    for fid, fac in sorted(g.ids["facilities"].items()):
        recs = [fac] + [sw for sw, _ in g.software_at.get(fid, [])] + g.events_by.get(fid, []) + \
            [c for c, _ in g.collabs_of.get(fid, [])] + g.data_of.get(fid, [])
        out[f"feeds/facility/{fid}.xml"] = atom(g, recs, f"New and updated entries of {g.short(fid)}",
                                                f"feeds/facility/{fid}.xml", g.url(fac))
    for kind, name in sorted(vocab.EVENT_TYPES.items()):
        recs = [e for e in g.by_kind["events"] if e.data.get("event_type") == kind]
        out[f"feeds/type/{kind}.xml"] = atom(g, recs, f"New and updated {name} events", f"feeds/type/{kind}.xml",
                                             "events/")
    return out


def subscribe_box() -> Markup:
    """The events page's subscription note; assets/feeds.js keeps it in step with the filters."""
    return Markup(
        '<section class="kh-subscribe" data-kh-subscribe aria-labelledby="kh-subscribe-h">'
        '<h2 id="kh-subscribe-h">Subscribe</h2><div data-kh-subscribe-text><p>All upcoming events: '
        '<a href="../events.ics">events.ics</a> (iCalendar), new and changed entries: '
        '<a href="../feed.xml">feed.xml</a> (Atom). Every facility, event type and technique has its own '
        'feeds too: <code>feeds/facility/&lt;id&gt;.ics</code>, <code>feeds/type/&lt;type&gt;.ics</code>, '
        '<code>feeds/technique/&lt;PaNET id&gt;.ics</code>, and <code>.xml</code> for Atom.</p></div></section>'
    )


def calendar_ics(events: list[Merged], blobs: dict[str, bytes], name: str) -> bytes:
    """A VCALENDAR around already serialised VEVENTs (RFC 5545: CRLF lines, folded by icalendar)."""
    head, end = new_calendar(name).to_ical().rsplit(b"END:VCALENDAR", 1)
    return head + b"".join(blobs[e.id] for e in events if e.id in blobs) + b"END:VCALENDAR" + end


def vevent(g: Graph, ev: Merged) -> Event | None:
    """One event: dates as all-day dates (end exclusive), date-times in UTC (no VTIMEZONE needed)."""
    t = g.times.get(ev.id)
    if t is None:
        return None
    d = ev.data
    item = Event()
    item.add("uid", f"{ev.id}@events.leaps-wg3-knowhow")
    item.add("dtstamp", dtstamp(g, ev, t.first_day))
    if t.all_day:
        item.add("dtstart", t.first_day)
        item.add("dtend", t.last_day + timedelta(days=1))
    else:
        item.add("dtstart", t.start.astimezone(UTC))  # type: ignore[union-attr]
        if isinstance(t.end, datetime):
            item.add("dtend", t.end.astimezone(UTC))
    item.add("summary", plain_line(d.get("title")))
    url = safe_url(d.get("url"))
    page = f"{g.inp.site_url}{g.url(ev)}"
    text = plain_text(d.get("description"), 2000)
    item.add("description", "\n\n".join(x for x in (text, url or "", f"Portal: {page}") if x))
    if url:
        item.add("url", url)
    where = ", ".join(plain_line(x) for x in (d.get("venue"), d.get("city"),
                                              vocab.countries().get(str(d.get("country")), "")) if x)
    if d.get("presence") == "online":
        where = "Online"
    if where:
        item.add("location", where)
    if d.get("event_type"):
        item.add("categories", [vocab.EVENT_TYPES.get(d["event_type"], d["event_type"])])
    return item


def dtstamp(g: Graph, rec: Merged, first: date) -> datetime:
    """DTSTAMP: the record's last change (stable between builds), else the item's first day."""
    day = g.inp.updated.get((rec.kind, rec.id))
    if day:
        return datetime.fromisoformat(day[:10]).replace(tzinfo=UTC)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def atom(g: Graph, records: list[Merged] | None = None, title: str = "", path: str = "feed.xml",
         alternate: str = "") -> bytes:
    """The newest changed records (by the date of their last change) as an Atom 1.0 feed: all
    records of the portal, or the given ones. Without dated records the feed is valid and empty."""
    pool = records if records is not None else [rec for recs in g.by_kind.values() for rec in recs]
    unique = {(rec.kind, rec.id): rec for rec in pool}
    dated = sorted(((day, rec) for rec in unique.values() if (day := g.inp.updated.get((rec.kind, rec.id)))),
                   key=lambda x: (x[0], x[1].kind, x[1].id), reverse=True)[:ATOM_ENTRIES]
    feed = atom_feed(g, path, title or "LEAPS WG3 know-how portal: new and updated entries",
                     dated[0][0] if dated else "", alternate,
                     feed_id=f"{g.inp.site_url}{path}" if records is not None else g.inp.site_url)
    for day, rec in dated:
        atom_entry(g, feed, rec, f"{KIND_LABELS[rec.kind]}: {plain_line(g.title(rec))}", day, summary(rec, 300))
    return atom_bytes(feed)


def new_calendar(name: str) -> Calendar:
    """An empty VCALENDAR with the portal's PRODID and this name."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def atom_feed(g: Graph, path: str, title: str, newest: str, alternate: str = "", feed_id: str = "") -> ET.Element:
    """An Atom feed element without entries; `newest` is the day of its newest entry ('' when none)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", feed_id or f"{g.inp.site_url}{path}")
    _sub(feed, "updated", _atom_time(newest))
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=f"{g.inp.site_url}{path}", rel="self",
                  type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=f"{g.inp.site_url}{alternate}", rel="alternate",
                  type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "LEAPS WG3")
    return feed


def atom_entry(g: Graph, feed: ET.Element, rec: Merged, title: str, day: str, text: str) -> None:
    """One entry linking to the record's page; `text` is plain (ElementTree escapes it)."""
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    page = f"{g.inp.site_url}{g.url(rec)}"
    _sub(entry, "title", title)
    _sub(entry, "id", page)
    _sub(entry, "updated", _atom_time(day))
    ET.SubElement(entry, f"{{{ATOM_NS}}}link", href=page, rel="alternate", type="text/html")
    _sub(entry, "summary", text)


def atom_bytes(feed: ET.Element) -> bytes:
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    el.text = text
    return el


def _atom_time(day: str) -> str:
    return f"{day[:10]}T00:00:00Z" if day else "1970-01-01T00:00:00Z"
