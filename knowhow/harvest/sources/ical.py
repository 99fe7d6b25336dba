"""Any iCalendar feed (`.ics`): facility WordPress calendars, Indico category feeds, hand-made files.

Parsed with `icalendar`, which is lenient: it keeps going past lines it cannot read and records
them in `event.errors`, returns naive times for an unknown TZID, and accepts broken dates. So
every event is checked here: a broken DTSTART/DTEND/UID, or an unknown TZID, skips that event
and marks the listing incomplete (nothing is withdrawn on such a run); an unreadable stray line
elsewhere (the grayscott sample's unindented continuation) is reported and the event kept. A
body that does not parse at all is a failure of the source. Recurring events are expanded, at
most `max_occurrences` within `horizon_days` of the first start; STATUS:CANCELLED is dropped.

params: `organisers` (facility ids), `timezone` (for floating times; default X-WR-TIMEZONE,
else UTC), `page_url` (event URL when an event has none), `max_occurrences` (20),
`horizon_days` (730).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import islice
from typing import Any, ClassVar, Iterator

import icalendar
from dateutil.rrule import rrulestr

from ..base import Adapter, BadResponse
from . import eventfields as f

CRITICAL = {"DTSTART", "DTEND", "DURATION", "UID", "RRULE", "RECURRENCE-ID"}


class Skip(Exception):
    """This event cannot be read; the message says why."""


# --------------------------------------------------------------------------- mapping (pure)

def parse(content: bytes) -> list[Any]:
    """Every VCALENDAR in the body; BadResponse when it is not iCalendar at all (or cut short)."""
    try:
        cals = icalendar.Calendar.from_ical(content, multiple=True)
    except (ValueError, IndexError, KeyError) as exc:
        raise BadResponse(f"not a readable iCalendar feed: {str(exc)[:200]}") from None
    if not cals:
        raise BadResponse("no VCALENDAR in the feed")
    return list(cals)


def _moment(ev: Any, name: str, default_tz: Any) -> date | datetime | None:
    prop = ev.get(name)
    if prop is None:
        return None
    try:
        value = prop.dt
    except Exception as exc:  # icalendar's BrokenCalendarProperty and friends
        raise Skip(f"{name} unreadable: {str(exc)[:120]}") from None
    if isinstance(value, datetime) and value.tzinfo is None:
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
        if tzid:
            raise Skip(f"{name} has unknown TZID {str(tzid)[:60]!r}")
        value = value.replace(tzinfo=default_tz)  # floating time: the feed's zone
    if not isinstance(value, (date, datetime)):
        raise Skip(f"{name} is not a date")
    return value


def _end(ev: Any, start: date | datetime, default_tz: Any) -> date | datetime | None:
    end = _moment(ev, "DTEND", default_tz)
    if end is None and ev.get("DURATION") is not None:
        try:
            end = start + ev.get("DURATION").dt
        except Exception:
            raise Skip("DURATION unreadable") from None
    if end is None:
        return None
    if type(end) is not type(start):
        return None
    if not isinstance(end, datetime):
        end = end - timedelta(days=1)  # DTEND of all-day events is exclusive
    return end if end >= start else None


def _text(ev: Any, name: str) -> Any:
    value = ev.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _categories(ev: Any) -> list[str]:
    value = ev.get("CATEGORIES")
    out: list[str] = []
    for cat in value if isinstance(value, list) else [value] if value is not None else []:
        for c in getattr(cat, "cats", None) or [cat]:
            out.extend(x.strip() for x in str(c).split(","))
    return out


def occurrences(ev: Any, start: date | datetime, end: date | datetime | None, *, limit: int,
                horizon_days: int) -> list[tuple[date | datetime, date | datetime | None]]:
    """The event's (start, end) pairs: itself, or its recurrence bounded by count and horizon."""
    rule = ev.get("RRULE")
    if rule is None:
        return [(start, end)]
    if isinstance(rule, list):
        rule = rule[0]
    exdates: set[Any] = set()
    raw = ev.get("EXDATE")
    for group in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        for d in getattr(group, "dts", []):
            exdates.add(d.dt)
    try:
        moments = rrulestr(rule.to_ical().decode(), dtstart=start if isinstance(start, datetime)
                           else datetime.combine(start, datetime.min.time()))
    except (ValueError, TypeError) as exc:
        raise Skip(f"RRULE unreadable: {str(exc)[:120]}") from None
    stop = (start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time()))
    stop = stop + timedelta(days=horizon_days)
    length = (end - start) if end is not None else None
    out = []
    for m in islice(moments, limit * 4):  # generous, then bounded by limit after EXDATEs
        if m > stop or len(out) >= limit:
            break
        occ = m if isinstance(start, datetime) else m.date()
        if occ in exdates:
            continue
        out.append((occ, occ + length if length is not None else None))
    return out


def map_events(ev: Any, *, source: str, feed_url: str, default_tz: Any, fallback_url: str,
               organisers: list[str] | tuple[str, ...] = (), limit: int = 20,
               horizon_days: int = 730) -> tuple[list[dict[str, Any]], list[str]]:
    """One VEVENT to its records (several when it recurs) and the problems met; raises Skip."""
    problems = []
    for prop, message in getattr(ev, "errors", []) or []:
        if prop in CRITICAL:
            raise Skip(f"{prop} unreadable: {str(message)[:120]}")
        problems.append(f"ignored an unreadable line ({str(prop or 'content')}: {str(message)[:80]})")
    uid = _text(ev, "UID")
    start = _moment(ev, "DTSTART", default_tz)
    if not uid or start is None:
        raise Skip("no UID" if not uid else "no DTSTART")
    name = f.title(_text(ev, "SUMMARY"))
    if not name:
        raise Skip("no SUMMARY")
    end = _end(ev, start, default_tz)
    recurrence = ev.get("RECURRENCE-ID")
    venue = f.line(_text(ev, "LOCATION"))
    link = f.url(_text(ev, "URL")) or fallback_url
    tzname = getattr(start.tzinfo, "key", None) if isinstance(start, datetime) else None
    base = {
        "title": name,
        "description": f.description(_text(ev, "DESCRIPTION"), name),
        "timezone": tzname if f.zone(tzname) else None,
        "presence": f.presence(venue),
        "venue": venue,
        "url": link,
        "organisers": sorted(set(organisers)),
        "event_type": f.event_type(_categories(ev)),
        "topics": f.topics(_categories(ev)),
        "source": source,
    }
    host = f.host_part(feed_url)
    records = []
    if recurrence is not None:
        pairs = [(start, end)]
        key = uid + "|" + f.iso(recurrence.dt) if isinstance(recurrence.dt, (date, datetime)) else uid
        if isinstance(recurrence.dt, datetime) and recurrence.dt.tzinfo is None:
            key = uid + "|" + f.iso(recurrence.dt.replace(tzinfo=default_tz))
        keys = [key]
    else:
        pairs = occurrences(ev, start, end, limit=limit, horizon_days=horizon_days)
        recurring = ev.get("RRULE") is not None
        keys = [uid + "|" + f.iso(s) if recurring else uid for s, _ in pairs]
    for (s, e), key in zip(pairs, keys):
        records.append(f.compact({"id": f.record_id("ical", host, f.short_hash(key)), **base,
                                  "start": f.iso(s), "end": f.iso(e) if e is not None else None}))
    return records, problems


# --------------------------------------------------------------------------- iteration

class ICal(Adapter):
    """`type: ical`, `kind: events`; `base_url` is the feed itself."""

    type: ClassVar[str] = "ical"
    kind: ClassVar[str] = "events"

    def records(self) -> Iterator[dict[str, Any]]:
        resp = self.http.get(self.config.base_url, expect="ical")
        cals = parse(resp.content)
        yield from self.from_calendars(cals)

    def from_calendars(self, cals: list[Any]) -> Iterator[dict[str, Any]]:
        p = self.config.params
        limit = int(p.get("max_occurrences", 20))
        horizon = int(p.get("horizon_days", 730))
        for cal in cals:
            default_tz = f.zone(p.get("timezone")) or f.zone(_text(cal, "X-WR-TIMEZONE")) or timezone.utc
            fallback = (f.url(p.get("page_url")) or f.url(_text(cal, "X-ORIGINAL-URL"))
                        or f.url(self.config.base_url))
            events = list(cal.walk("VEVENT"))
            # Overridden occurrences (RECURRENCE-ID) first, so they win over the generated ones.
            events.sort(key=lambda ev: ev.get("RECURRENCE-ID") is None)
            for ev in events:
                try:
                    records, problems = map_events(ev, source=self.config.name, feed_url=self.config.base_url,
                                                   default_tz=default_tz, fallback_url=fallback or "",
                                                   organisers=list(p.get("organisers") or []),
                                                   limit=limit, horizon_days=horizon)
                except Skip as exc:
                    self.problem(f"event {str(_text(ev, 'UID'))[:60]!r} skipped: {exc}", skipped=True)
                    continue
                for message in problems:
                    self.problem(f"event {str(_text(ev, 'UID'))[:60]!r}: {message}")
                if str(ev.get("STATUS") or "").upper() == "CANCELLED":
                    continue
                yield from records
