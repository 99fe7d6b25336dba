"""Indico: the events of a category through the HTTP export API (`/export/categ/ID.json`).

Requests ask for `tz=UTC` and page with `limit`/`offset` (ordered by id so pages do not shift)
until a page comes back shorter than the limit: the API gives neither a next link nor a total.
Times are read with the `tz` each date carries (so a server that ignores `tz` is still read
right) and written in the event's own time zone. Category exports include subcategories.

params: `category` (id, default 0 = the whole server), `from` / `to` (Indico dates or relative
`-30d`, `+365d`), `limit` (≤ 1000, default 500), `max_pages` (50), `organisers` (facility ids),
`country` (ISO code for every event), `token_env` (an `indp_` token for protected categories).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Iterator

from ..base import Adapter, BadResponse
from . import eventfields as f

TYPES = {"conference": "conference", "meeting": "meeting"}
MAX_LIMIT = 1000


# --------------------------------------------------------------------------- mapping (pure)

def indico_time(value: Any, show_in: Any = None) -> str | None:
    """`{date, time, tz}` to ISO 8601, shown in the zone `show_in` (an IANA name) when valid."""
    if not isinstance(value, dict) or not isinstance(value.get("date"), str):
        return None
    tz = f.zone(value.get("tz"))
    if tz is None:
        return None
    try:
        text = value["date"] + "T" + str(value.get("time") or "00:00:00")[:8]
        dt = datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return None
    return f.iso(f.local(dt, f.zone(show_in) or tz))


def cancelled(item: dict[str, Any]) -> bool:
    label = item.get("label")
    return isinstance(label, dict) and label.get("is_event_not_happening") is True


def map_event(item: dict[str, Any], *, source: str, base_url: str, organisers: list[str] | tuple[str, ...] = (),
              country: str | None = None) -> dict[str, Any] | None:
    """One export-API event (`_type: Conference`) to an event record; None without id, title or start."""
    eid = item.get("id")
    name = f.title(item.get("title"))
    tzname = item.get("timezone")
    start = indico_time(item.get("startDate"), tzname)
    if not isinstance(eid, (str, int)) or not str(eid).isdigit() or not name or not start:
        return None
    end = indico_time(item.get("endDate"), tzname)
    page = f.url(base_url.rstrip("/") + f"/event/{eid}/")
    link = f.url(item.get("url")) or page
    location = f.line(item.get("location"))
    room = f.line(item.get("roomFullname") or item.get("room"))
    return f.compact({
        "id": f.record_id("indico", f.host_part(base_url), str(eid)),
        "title": name,
        "description": f.description(item.get("description"), name),
        "start": start,
        "end": end if end and end >= start else None,
        "timezone": tzname if f.zone(tzname) else None,
        "presence": f.presence(location, room),
        "venue": location,
        "country": country if country and f.country(country) == country else None,
        "url": link,
        "organisers": sorted(set(organisers)),
        "event_type": TYPES.get(str(item.get("type") or "").lower()),
        "topics": f.topics(k for k in item.get("keywords") or [] if isinstance(k, str)),
        "source": source,
    })


# --------------------------------------------------------------------------- iteration

class Indico(Adapter):
    """`type: indico`, `kind: events`."""

    type: ClassVar[str] = "indico"
    kind: ClassVar[str] = "events"

    def records(self) -> Iterator[dict[str, Any]]:
        p = self.config.params
        base = self.config.base_url.rstrip("/") + "/"
        category = str(p.get("category", 0))
        limit = max(1, min(int(p.get("limit", 500)), MAX_LIMIT))
        max_pages = int(p.get("max_pages", 50))
        query: dict[str, Any] = {"tz": "UTC", "order": "id", "limit": limit}
        for key in ("from", "to"):
            if p.get(key) is not None:
                query[key] = str(p[key])
        organisers = list(p.get("organisers") or [])
        url = f"{base}export/categ/{category}.json"
        for page in range(max_pages):
            body = self.http.get(url, params={**query, "offset": page * limit}).json()
            results = self._results(body)
            for item in results:
                if not isinstance(item, dict):
                    self.problem("a result that is not an object", skipped=True, item="", code="dropped")
                    continue
                if cancelled(item):
                    continue  # not happening: no longer listed, so withdrawn if it was
                record = map_event(item, source=self.config.name, base_url=base, organisers=organisers,
                                   country=p.get("country"))
                if record is None:
                    bad_date = bool(item.get("startDate")) and bool(item.get("title"))
                    self.problem(f"event {str(item.get('id'))[:20]!r} " + (
                        f"has an invalid start date {str(item.get('startDate'))[:60]}" if bad_date
                        else "has no id, title or readable start date"),
                                 skipped=True, item=str(item.get("id"))[:40],
                                 code="invalid-date" if bad_date else "dropped")
                    continue
                if item.get("endDate") and "end" not in record:
                    end = item["endDate"] if isinstance(item["endDate"], dict) else {}
                    self.problem(f"{record['id']}: end {str(end.get('date'))[:12]} {str(end.get('time'))[:8]} is "
                                 "before the start or unreadable; the event is kept without it",
                                 item=record["id"], code="end-before-start")
                yield record
            if len(results) < limit:
                return
        self.problem(f"stopped after {max_pages} pages of {limit} (max_pages)", skipped=True)

    def _results(self, body: Any) -> list[Any]:
        if not isinstance(body, dict) or body.get("_type") != "HTTPAPIResult" or not isinstance(
                body.get("results"), list):
            msg = f.line(body.get("message")) if isinstance(body, dict) else None
            raise BadResponse(f"{self.config.name}: not an Indico export result" + (f": {msg}" if msg else ""))
        return body["results"]
