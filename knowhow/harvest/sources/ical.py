"""Any iCalendar feed (`.ics`): facility WordPress calendars, Indico category feeds, Outlook exports.

Parsed with `icalendar`, which is lenient: it keeps going past lines it cannot read and records
them in `event.errors`, and accepts broken dates. So every event is checked here: a broken
DTSTART/DTEND/UID, or a time zone nothing can resolve, skips that event and marks the listing
incomplete (nothing is withdrawn on such a run); an unreadable stray line elsewhere (the
grayscott sample's unindented continuation) is reported and the event kept. A body that does not
parse at all is a failure of the source.

Calendars as they are in the wild:
- Windows/Outlook zone names (`W. Europe Standard Time`) are IANA zones through the CLDR
  windowsZones table that icalendar ships (`WINDOWS_TO_OLSON`);
- `X-WR-TIMEZONE` (Google Calendar and WordPress exports) is honoured by `x-wr-timezone`, which
  rewrites the calendar to standard RFC 5545 first;
- a VTIMEZONE with a name no database knows ("Customized Time Zone") is read from its own rules;
- an event that ends before it starts is kept without its end, and reported;
- recurrence (RRULE, RDATE, EXDATE and overridden occurrences) is expanded by
  `recurring-ical-events`, at most `max_occurrences` within `horizon_days` of the first start;
  STATUS:CANCELLED is dropped.

params: `organisers` (facility ids), `timezone` (for floating times; default X-WR-TIMEZONE,
else UTC), `page_url` (event URL when an event has none), `max_occurrences` (20),
`horizon_days` (730).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import islice
from typing import Any, ClassVar, Iterator

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from ..base import Adapter, BadResponse
from . import eventfields as f

CRITICAL = {"DTSTART", "DTEND", "DURATION", "UID", "RRULE", "RECURRENCE-ID"}


class Skip(Exception):
    """This event cannot be read; the message says why (and `code` how the report files it)."""

    def __init__(self, message: str, code: str = "dropped"):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- mapping (pure)

def parse(content: bytes) -> list[Any]:
    """Every VCALENDAR in the body, X-WR-TIMEZONE applied; BadResponse when it is not iCalendar."""
    try:
        cals = icalendar.Calendar.from_ical(content, multiple=True)
    except (ValueError, IndexError, KeyError) as exc:
        raise BadResponse(f"not a readable iCalendar feed: {str(exc)[:200]}") from None
    if not cals:
        raise BadResponse("no VCALENDAR in the feed")
    out = []
    for cal in cals:
        _mark_unknown_zones(cal)
        try:
            out.append(x_wr_timezone.to_standard(cal))
        except Exception:  # an unknown X-WR-TIMEZONE or a broken event: read the calendar as it is
            out.append(cal)
    return out


UNRESOLVED = "X-UNRESOLVED-TZID"  # set here (in memory only) on events whose TZID nothing resolves


def _mark_unknown_zones(cal: Any) -> None:
    """Mark times whose TZID neither the database, the Windows table nor a VTIMEZONE resolves,
    before x-wr-timezone would take them for floating times of the feed's zone."""
    for ev in cal.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            prop = ev.get(name)
            try:
                value = prop.dt if prop is not None else None
            except Exception:
                continue  # unreadable: reported when the event is mapped
            tzid = prop.params.get("TZID") if prop is not None and hasattr(prop, "params") else None
            if isinstance(value, datetime) and value.tzinfo is None and tzid and iana_name(tzid) is None:
                ev[UNRESOLVED] = str(tzid)[:60]


def iana_name(tzid: Any) -> str | None:
    """The IANA name for a TZID: itself when the database knows it, else the CLDR mapping of a
    Windows name (quotes and surrounding space ignored)."""
    name = str(tzid or "").strip().strip('"')
    if f.zone(name):
        return name
    mapped = WINDOWS_TO_OLSON.get(name)
    return mapped if mapped and f.zone(mapped) else None


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
            mapped = iana_name(tzid)
            if mapped is None:
                raise Skip(f"{name} has unknown TZID {str(tzid)[:60]!r}", "unknown-zone")
            value = value.replace(tzinfo=f.zone(mapped))
        else:
            value = value.replace(tzinfo=default_tz)  # floating time: the feed's zone
    if not isinstance(value, (date, datetime)):
        raise Skip(f"{name} is not a date")
    return value


def _zone_name(ev: Any, start: date | datetime) -> str | None:
    """The event's IANA zone, when its start names one (directly or by a Windows name)."""
    if not isinstance(start, datetime):
        return None
    key = getattr(start.tzinfo, "key", None)
    if key and f.zone(key):
        return key
    prop = ev.get("DTSTART")
    return iana_name(prop.params.get("TZID")) if hasattr(prop, "params") and prop.params.get("TZID") else None


def _end(ev: Any, start: date | datetime, default_tz: Any, problems: list[tuple[str, str]]) -> date | datetime | None:
    end = _moment(ev, "DTEND", default_tz)
    if end is None and ev.get("DURATION") is not None:
        try:
            end = start + ev.get("DURATION").dt
        except Exception:
            raise Skip("DURATION unreadable") from None
    if end is None:
        return None
    if type(end) is not type(start):
        problems.append(("unreadable", "DTEND is a date and DTSTART a date-time (or the reverse); end left out"))
        return None
    if not isinstance(end, datetime):
        end = end - timedelta(days=1)  # DTEND of all-day events is exclusive
    if end < start:
        problems.append(("end-before-start", f"ends ({f.iso(end)}) before it starts ({f.iso(start)}); "
                                             "kept without its end"))
        return None
    return end


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


def occurrences(group: list[Any], start: date | datetime, *, limit: int,
                horizon_days: int) -> list[Any]:
    """The occurrences (VEVENT copies with their own DTSTART/DTEND) of one UID's master event and
    its overrides, expanded by recurring-ical-events: at most `limit`, within `horizon_days`."""
    cal = icalendar.Calendar()
    for ev in group:
        cal.add_component(ev)
    first = start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
    stop = first + timedelta(days=horizon_days)
    try:
        query = recurring_ical_events.of(cal)
        out = []
        for occ in islice(query.after(start), limit):
            moment = occ["DTSTART"].dt
            moment = moment if isinstance(moment, datetime) else datetime.combine(moment, datetime.min.time())
            if (moment.replace(tzinfo=None) if first.tzinfo is None else moment) > stop:
                break
            out.append(occ)
        return out
    except Exception as exc:  # recurring-ical-events raises its own errors for broken rules
        raise Skip(f"RRULE unreadable: {str(exc)[:120]}") from None


def map_events(group: list[Any], *, source: str, feed_url: str, default_tz: Any, fallback_url: str,
               organisers: list[str] | tuple[str, ...] = (), limit: int = 20,
               horizon_days: int = 730) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """One UID's VEVENTs (the event, or a recurring master and its overridden occurrences) to
    records, and the problems met as (code, message); raises Skip."""
    problems: list[tuple[str, str]] = []
    master = next((ev for ev in group if ev.get("RECURRENCE-ID") is None), group[0])
    for ev in group:
        for prop, message in getattr(ev, "errors", []) or []:
            if prop in CRITICAL:
                raise Skip(f"{prop} unreadable: {str(message)[:120]}")
            problems.append(("unreadable", f"ignored an unreadable line ({str(prop or 'content')}: "
                                           f"{str(message)[:80]})"))
    for ev in group:
        if ev.get(UNRESOLVED) is not None:
            raise Skip(f"DTSTART or DTEND has unknown TZID {str(ev.get(UNRESOLVED))!r}", "unknown-zone")
    uid = _text(master, "UID")
    start = _moment(master, "DTSTART", default_tz)
    if not uid or start is None:
        raise Skip("no UID" if not uid else "no DTSTART")
    recurring = master.get("RRULE") is not None or master.get("RDATE") is not None or len(group) > 1
    if recurring:
        for ev in group:  # every start must be readable before the library sees it
            _moment(ev, "DTSTART", default_tz)
            _moment(ev, "DTEND", default_tz)
        events = occurrences(group, start, limit=limit, horizon_days=horizon_days)
    else:
        events = [master]
    host = f.host_part(feed_url)
    records = []
    for ev in events:
        name = f.title(_text(ev, "SUMMARY"))
        if not name:
            raise Skip("no SUMMARY")
        if str(ev.get("STATUS") or "").upper() == "CANCELLED":
            continue
        s = _moment(ev, "DTSTART", default_tz)
        e = _end(ev, s, default_tz, problems)
        venue = f.line(_text(ev, "LOCATION"))
        categories = _categories(ev)
        key = uid
        if recurring:
            rid = ev.get("RECURRENCE-ID")
            moment = rid.dt if rid is not None else s
            if isinstance(moment, datetime) and moment.tzinfo is None:
                moment = moment.replace(tzinfo=default_tz)
            key = uid + "|" + f.iso(moment)
        tzname = _zone_name(ev, s)
        records.append(f.compact({
            "id": f.record_id("ical", host, f.short_hash(key)),
            "title": name,
            "description": f.description(_text(ev, "DESCRIPTION"), name),
            "timezone": tzname,
            "presence": f.presence(venue),
            "venue": venue,
            "url": f.url(_text(ev, "URL")) or fallback_url,
            "organisers": sorted(set(organisers)),
            "event_type": f.event_type(categories),
            "topics": f.topics(categories),
            "source": source,
            "start": f.iso(s),
            "end": f.iso(e) if e is not None else None,
        }))
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
            groups: dict[str, list[Any]] = {}
            for n, ev in enumerate(cal.walk("VEVENT")):
                groups.setdefault(str(_text(ev, "UID") or f"#{n}"), []).append(ev)
            for uid, group in groups.items():
                try:
                    records, problems = map_events(group, source=self.config.name, feed_url=self.config.base_url,
                                                   default_tz=default_tz, fallback_url=fallback or "",
                                                   organisers=list(p.get("organisers") or []),
                                                   limit=limit, horizon_days=horizon)
                except Skip as exc:
                    self.problem(f"event {uid[:60]!r} skipped: {exc}", skipped=True, item=uid, code=exc.code)
                    continue
                for code, message in problems:
                    self.problem(f"event {uid[:60]!r}: {message}", item=uid, code=code)
                yield from records
