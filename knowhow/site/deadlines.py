"""Dated items that are not events: funding-call deadlines, beamtime proposal deadlines and job
closing dates. Past ones are marked, never dropped: the registry keeps them and so do the pages.

`deadlines(g)` is computed once per site graph and shared by the calendar, the facility pages,
the funding pages and the iCalendar feeds.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date

from ..registry.merge import Merged
from .times import EventTime, event_time

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Deadline:
    """One deadline: `key` is stable (it becomes the iCalendar UID), `rec` the record holding it."""

    key: str
    what: str  # "Funding deadline" or "Proposal deadline"
    title: str
    when: EventTime
    rec: Merged
    url: str | None

    def is_past(self, today: date) -> bool:
        return self.when.is_past(today)


def when_of(value: object, tz: object = None) -> EventTime | None:
    """A single date or date-time as an EventTime (None if it does not parse: validation says why)."""
    if not value:
        return None
    data = {"start": str(value)}
    if tz:
        data["timezone"] = str(tz)
    return event_time(data)


def deadlines(g) -> list[Deadline]:
    """Every funding and proposal deadline, soonest first (ties by key)."""
    if g in _CACHE:
        return _CACHE[g]
    out: list[Deadline] = []
    for rec in g.by_kind.get("funding", []):
        t = when_of(rec.data.get("deadline"), rec.data.get("timezone"))
        if t:
            out.append(Deadline(f"funding-{rec.id}", "Funding deadline", g.title(rec), t, rec, rec.data.get("url")))
    for rec in g.by_kind.get("facilities", []):
        for i, item in enumerate(rec.data.get("proposal_deadlines") or []):
            if not isinstance(item, dict):
                continue
            t = when_of(item.get("deadline"), item.get("timezone"))
            if t:
                cycle = f" ({item['cycle']})" if item.get("cycle") else ""
                out.append(Deadline(f"proposals-{rec.id}-{i}", "Proposal deadline",
                                    f"{g.short(rec.id)} beamtime proposals{cycle}", t, rec,
                                    item.get("url") or rec.data.get("website")))
    out.sort(key=lambda d: (d.when.sort_key(), d.key))
    _CACHE[g] = out
    return out


def job_closed(rec: Merged, today: date) -> bool:
    t = when_of(rec.data.get("closing_date"))
    return bool(t and t.is_past(today))


def funding_past(rec: Merged, today: date) -> bool:
    t = when_of(rec.data.get("deadline"), rec.data.get("timezone"))
    return bool(t and t.is_past(today))


def status_badges(rec: Merged, today: date) -> list[tuple[str, str, str]]:
    """(css key, text, title) of the date badges of a job or a funding call."""
    if rec.kind == "jobs" and job_closed(rec, today):
        return [("past", "closed", "The closing date has passed; kept here for the record.")]
    if rec.kind == "funding" and funding_past(rec, today):
        return [("past", "deadline passed", "The deadline of this call has passed; kept here for the record.")]
    return []
