"""Pages that summarise across records: home, the month calendar, the collaboration charts."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from ..registry.merge import Merged
from . import charts, kinds_pages
from .deadlines import Deadline, deadlines
from .graph import Graph
from .records import KIND_LABELS
from .render import label, page, relurl, render
from .times import months_between

HOME_EVENTS = 8
HOME_RECENT = 10
CALENDAR_MONTHS_AHEAD = 18
CALENDAR_MONTHS_BACK = 24  # past months reachable with "previous month"
MAX_SPAN_DAYS = 31  # a multi-day event is listed on at most this many days
WEEKDAYS = [(calendar.day_abbr[i], calendar.day_name[i]) for i in range(7)]
KIND_WHAT = {
    "software": ("software/", ("software package", "software packages"), "developed, supported or used at the facilities"),
    "events": ("events/", ("event", "events"), "upcoming"),
    "collaborations": ("collaborations/", ("IT collaboration", "IT collaborations"), "between facilities"),
    "open_data": ("open_data/", ("open-data collection", "open-data collections"), "portals, catalogues, collections"),
    "facilities": ("facilities/", ("facility", "facilities"), "LEAPS, LENS and partners"),
}


def home(g: Graph) -> str:
    counts = []
    for kind, (href, names, what) in KIND_WHAT.items():
        n = len(g.upcoming) if kind == "events" else len(g.by_kind[kind])
        if kind == "events":
            what = f"upcoming, {len(g.by_kind['events'])} in all"
        counts.append((href, n, names[0] if n == 1 else names[1], what))
    dated = [(rec, g.inp.updated[(rec.kind, rec.id)]) for recs in g.by_kind.values() for rec in recs
             if (rec.kind, rec.id) in g.inp.updated]
    recent = sorted(dated, key=lambda x: (x[1], x[0].kind, x[0].id), reverse=True)[:HOME_RECENT]
    body = render("home.html", g=g, u=partial(relurl, ""), counts=counts, upcoming=g.upcoming[:HOME_EVENTS],
                  recent=recent, kind_labels=KIND_LABELS, news=kinds_pages.news_sorted(g)[:kinds_pages.HOME_NEWS])
    return page("Home", body, description="Software, training, IT collaborations and open data of the European "
                                          "photon and neutron facilities.", search=False, hide=("navigation", "toc"))


@dataclass
class Month:
    first: date
    weeks: list[list[date]]
    days: dict[date, list[Merged]] = field(default_factory=dict)
    due: dict[date, list[Deadline]] = field(default_factory=dict)  # funding and proposal deadlines

    @property
    def month(self) -> int:
        return self.first.month

    @property
    def name(self) -> str:
        return f"{calendar.month_name[self.first.month]} {self.first.year}"

    @property
    def anchor(self) -> str:
        return f"m-{self.first:%Y-%m}"

    @property
    def count(self) -> int:
        return len({e.id for evs in self.days.values() for e in evs})


def calendar_months(g: Graph) -> list[Month]:
    """From last month to the month of the last upcoming event (capped), each with its events per day."""
    today = g.today
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    earliest = date(today.year - CALENDAR_MONTHS_BACK // 12, today.month, 1)
    firsts = [g.times[e.id].first_day.replace(day=1) for e in g.by_kind["events"] if g.times.get(e.id)]
    start = max(min(firsts + [last_month]), earliest)
    horizon = date(today.year + (today.month + CALENDAR_MONTHS_AHEAD - 1) // 12,
                   (today.month + CALENDAR_MONTHS_AHEAD - 1) % 12 + 1, 1)
    last_days = [g.times[e.id].last_day for e in g.upcoming if g.times.get(e.id)]
    last_days += [dl.when.first_day for dl in deadlines(g) if not dl.is_past(today)]
    end = min(max(last_days + [today]), horizon)
    cal = calendar.Calendar(firstweekday=0)
    months = {m: Month(m, cal.monthdatescalendar(m.year, m.month)) for m in months_between(start, end)}
    for ev in g.events_sorted(g.by_kind["events"]):
        t = g.times.get(ev.id)
        if t is None or t.last_day < start:
            continue
        day = max(t.first_day, start)
        stop = min(t.last_day, t.first_day + timedelta(days=MAX_SPAN_DAYS - 1))
        while day <= stop:
            mo = months.get(day.replace(day=1))
            if mo is None:
                break
            mo.days.setdefault(day, []).append(ev)
            day += timedelta(days=1)
    for dl in deadlines(g):
        mo = months.get(dl.when.first_day.replace(day=1))
        if mo is not None:
            mo.due.setdefault(dl.when.first_day, []).append(dl)
    return list(months.values())


def calendar_page(g: Graph) -> str:
    here = "events/calendar_view/"
    months = calendar_months(g)
    current = next((m for m in months if (m.first.year, m.first.month) == (g.today.year, g.today.month)), None)
    body = render("calendar.html", g=g, u=partial(relurl, here), months=months, weekdays=WEEKDAYS,
                  today=g.today, current=current)
    return page("Event calendar", body, search=False, hide=("toc",))


def matrix_page(g: Graph) -> str:
    here = "collaborations/participation_matrix/"
    m = charts.matrix_data(g)
    headers = ["Facility"] + [g.title(c) for c in m.collaborations] + ["Total"]
    rows = []
    for fid in m.facilities:
        marks = []
        for c in m.collaborations:
            if (fid, c.id) in m.joined:
                year = m.joined[(fid, c.id)]
                marks.append(str(year) if year else "✓")
            else:
                marks.append("")
        rows.append([g.short(fid)] + marks + [str(sum(1 for x in marks if x))])
    body = render("chart.html", u=partial(relurl, here), heading="Participation matrix",
                  intro="Which facility takes part in which IT collaboration, from the collaborations registry.",
                  svg=charts.matrix_svg(g, m), chart_label="Participation matrix chart",
                  caption="Facilities (rows) by collaborations (columns), sorted by number of collaborations and "
                          "by start year; the colour is the collaboration's category.", table_id="kh-matrix",
                  table_caption="Participation of facilities in collaborations: the year a facility joined, "
                                "or ✓ where the year is not recorded",
                  headers=headers, rows=rows, matrix=True)
    return page("Participation matrix", body, search=False, hide=("toc",))


def trends_page(g: Graph) -> str:
    here = "collaborations/trends_chart/"
    bubbles = charts.trend_data(g)
    rows = [[g.title(b.col), str(b.started), str(b.col.data.get("ended") or ""), str(b.participants), str(b.years),
             str(b.size), charts.category_label(b.col)] for b in bubbles]
    body = render("chart.html", u=partial(relurl, here), heading="Collaboration trends",
                  intro="When collaborations started and how many facilities take part; bubble area shows years "
                        "existing times participants, so long and large collaborations stand out.",
                  svg=charts.trends_svg(g, bubbles), chart_label="Collaboration trends chart",
                  caption="Start year against number of participating facilities; labels that would overlap "
                          "are left out.", table_id="kh-trends", table_caption="Collaborations with a start year",
                  headers=["Collaboration", "Started", "Ended", "Facilities", "Years", "Size (years × facilities)",
                           "Category"],
                  rows=rows)
    return page("Collaboration trends", body, search=False, hide=("toc",))
