"""Feeds of the newer kinds: Atom for news and jobs (all jobs and per facility), iCalendar for
funding deadlines and beamtime proposal deadlines. Past items stay in the feeds, marked; output
is deterministic (dates come from the records, never from the clock)."""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Event

from ..registry import vocab
from ..registry.merge import Merged
from ..sanitize import safe_url
from .deadlines import Deadline, deadlines, job_closed, when_of
from .feeds import atom_bytes, atom_entry, atom_feed, dtstamp, new_calendar
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

def news_atom(g: Graph) -> bytes:
    items = news_sorted(g)
    newest = _day(items[0].data.get("date")) if items else ""
    feed = atom_feed(g, "news.xml", "LEAPS WG3 know-how portal: news", newest)
    for rec in items:
        atom_entry(g, feed, rec, plain_line(g.title(rec)), _day(rec.data.get("date")), summary(rec, 300))
    return atom_bytes(feed)


def jobs_atom(g: Graph, jobs: list[Merged], path: str, title: str) -> bytes:
    """Every job, newest first (by posting date, else the record's last change); closed ones say so."""
    def day(rec: Merged) -> str:
        return _day(rec.data.get("posted")) or (g.inp.updated.get((rec.kind, rec.id)) or "")[:10]

    items = sorted(jobs, key=lambda r: (day(r), r.id), reverse=True)
    feed = atom_feed(g, path, f"{title} (LEAPS WG3 know-how portal)", day(items[0]) if items else "")
    for rec in items:
        d = rec.data
        closed = job_closed(rec, g.today)
        closing = when_of(d.get("closing_date"))
        head = f"{'Closed: ' if closed else ''}{plain_line(g.title(rec))} ({g.short(str(d.get('facility')))})"
        facts = [vocab.JOB_FIELDS.get(str(d.get("field")), ""), plain_line(d.get("location"))]
        if closing:
            facts.append(("closed " if closed else "apply by ") + closing.local_text())
        text = "; ".join(x for x in facts if x) + ". " + summary(rec, 300)
        atom_entry(g, feed, rec, head, day(rec), text)
    return atom_bytes(feed)


def _day(value: object) -> str:
    t = when_of(value)
    return t.first_day.isoformat() if t else ""


# --- iCalendar ----------------------------------------------------------------------------------

def deadlines_ics(g: Graph, items: list[Deadline], name: str) -> bytes:
    cal = new_calendar(name)
    for dl in items:
        cal.add_component(vevent(g, dl))
    return cal.to_ical()


def vevent(g: Graph, dl: Deadline) -> Event:
    """A deadline as an instant (a date-time) or an all-day item (a date); past ones say so."""
    t = dl.when
    item = Event()
    item.add("uid", f"{dl.key}@deadlines.leaps-wg3-knowhow")
    first = t.first_day
    item.add("dtstamp", dtstamp(g, dl.rec, first))
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
