"""Event times shown honestly: in the event's own time zone (or offset) and in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..registry.types import parse_when


@dataclass(frozen=True)
class EventTime:
    """Start and end of one event; `all_day` when given as dates (local calendar days)."""

    start: date | datetime
    end: date | datetime | None
    tz: str | None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def first_day(self) -> date:
        return _local(self.start, self.tz).date() if isinstance(self.start, datetime) else self.start

    @property
    def last_day(self) -> date:
        end = self.end or self.start
        return _local(end, self.tz).date() if isinstance(end, datetime) else end

    def sort_key(self) -> str:
        """A string that sorts events by start in UTC (all-day events at 00:00 UTC)."""
        if isinstance(self.start, datetime):
            return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        return self.start.isoformat() + "T00:00"

    def is_past(self, today: date) -> bool:
        end = self.end or self.start
        if isinstance(end, datetime):
            return end.astimezone(UTC).date() < today
        return end < today

    def local_text(self) -> str:
        """'2 Mar 2026, 09:00–17:00 CET (Europe/Berlin)' or, for dates, '2–4 Mar 2026'."""
        if self.all_day:
            return _day_range(self.first_day, self.last_day)
        s = _local(self.start, self.tz)
        e = _local(self.end, self.tz) if isinstance(self.end, datetime) else None
        zone = _zone_text(s, self.tz)
        return f"{_span(s, e)} {zone}"

    def utc_text(self) -> str:
        if self.all_day:
            return "all day, local dates"
        s = self.start.astimezone(UTC)  # type: ignore[union-attr]
        e = self.end.astimezone(UTC) if isinstance(self.end, datetime) else None
        return f"{_span(s, e)} UTC"

    def utc_hint(self) -> str:
        """The UTC time where it helps a reader elsewhere: timed events not already in UTC; else ''."""
        if self.all_day or self.start.utcoffset() == timedelta(0) and not self.tz:  # type: ignore[union-attr]
            return ""
        return self.utc_text()

    def iso_start(self) -> str:
        return self.start.isoformat()

    def iso_end(self) -> str | None:
        return self.end.isoformat() if self.end is not None else None


def event_time(data: dict) -> EventTime | None:
    """The event's times, or None if the record's dates do not parse (validation reports it)."""
    try:
        start = parse_when(str(data["start"]))
        end = parse_when(str(data["end"])) if data.get("end") else None
    except Exception:  # noqa: BLE001 - a bad date is reported by `knowhow validate`, not here
        return None
    if end is not None and isinstance(start, datetime) != isinstance(end, datetime):
        # A date start with a date-time end (or the reverse): compare as days.
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
    tz = data.get("timezone")
    if tz:
        try:
            ZoneInfo(str(tz))
        except Exception:  # noqa: BLE001
            tz = None
    return EventTime(start, end, str(tz) if tz else None)


def _local(value: datetime, tz: str | None) -> datetime:
    return value.astimezone(ZoneInfo(tz)) if tz else value


def _zone_text(value: datetime, tz: str | None) -> str:
    offset = value.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    if tz:
        abbrev = value.tzname() or ""
        shown = abbrev if abbrev and not abbrev.startswith(("+", "-")) else offset
        return f"{shown} ({tz})"
    return offset


def _span(s: datetime, e: datetime | None) -> str:
    day = _day(s.date())
    if e is None:
        return f"{day}, {s:%H:%M}"
    if e.date() == s.date():
        return f"{day}, {s:%H:%M}–{e:%H:%M}"
    return f"{day} {s:%H:%M} – {_day(e.date())} {e:%H:%M}"


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _day_range(a: date, b: date) -> str:
    if a == b:
        return _day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
    return f"{_day(a)} – {_day(b)}"


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from first's month to last's month, inclusive."""
    out, cur = [], date(first.year, first.month, 1)
    while cur <= last:
        out.append(cur)
        cur = (cur.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out
