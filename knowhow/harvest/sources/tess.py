"""TeSS (pan-training.eu runs TeSS): training events through the JSON:API (`/events.json_api`).

Paging follows `links.next`, but only for its `page_number` (cthoyt/tess-downloader does the
same): the links are root-relative and drop the `.json_api` suffix, so following them as given
would lose a mirror's path prefix. TeSS hides finished events unless `include_expired=true`.

Quirk: `start`/`end` carry a `Z` but are wall-clock times in the event's `timezone` (TeSS's own
iCal export converts them), so they are read as local time in that zone, UTC when it has none.

params: `include_expired` (false), `page_size` (10/20/50/100, default 50), `max_pages` (200),
`filters` (extra query parameters, e.g. {"content_provider[]": ["DESY"]}), `organisers`
(facility ids to set on every event).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Iterator
from urllib.parse import parse_qs, urlsplit

from ..base import Adapter, BadResponse
from . import eventfields as f

JSONAPI = {"Accept": "application/vnd.api+json"}
PAGE_SIZES = (10, 20, 50, 100)


# --------------------------------------------------------------------------- mapping (pure)

def tess_time(value: Any, tz: Any) -> str | None:
    """A TeSS time ("2022-02-16T13:00:00.000Z", wall clock in `tz`) as ISO 8601 with offset."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    text = value.strip().rstrip("Zz")
    try:
        naive = datetime.fromisoformat(text[:19]) if "T" in text else datetime.fromisoformat(text[:10])
    except ValueError:
        return None
    return f.iso(naive.replace(tzinfo=tz or timezone.utc))


def map_event(item: dict[str, Any], *, source: str, base_url: str,
              organisers: list[str] | tuple[str, ...] = ()) -> dict[str, Any] | None:
    """One JSON:API `events` item to an event record, or None when it lacks a slug, title or start."""
    attrs = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
    slug = attrs.get("slug") or item.get("id")
    name = f.title(attrs.get("title"))
    tz = f.zone(attrs.get("timezone"))
    start = tess_time(attrs.get("start"), tz)
    if not isinstance(slug, (str, int)) or not name or not start:
        return None
    rid = f.record_id("tess", str(slug))
    page = f.url(base_url.rstrip("/") + "/events/" + f.slug(str(slug)))
    link = f.url(attrs.get("url")) or page
    venue = f.line(attrs.get("venue"))
    city = f.line(attrs.get("city"), 100)
    keywords = [k for k in attrs.get("keywords") or [] if isinstance(k, str)]
    sci = [t.get("preferred-label") for t in attrs.get("scientific-topics") or [] if isinstance(t, dict)]
    end = tess_time(attrs.get("end"), tz)
    kind, unmapped = f.event_type_and_rest(attrs.get("event-types") or [], name)
    return f.compact({
        "id": rid,
        "title": name,
        "description": f.description(attrs.get("description"), name),
        "start": start,
        "end": end if end and end >= start else None,
        "timezone": str(tz) if tz else None,
        "presence": _presence(attrs, venue, city),
        "venue": venue,
        "city": city,
        "country": f.country(attrs.get("country")),
        "url": link,
        "organisers": sorted(set(organisers)),
        "event_type": kind,
        "topics": f.topics(keywords + sci + [f.label_text(x) for x in unmapped]),  # an unmapped type is kept
        "source": source,
        "references": [page] if page and page != link else [],
    })


def _presence(attrs: dict[str, Any], venue: str | None, city: str | None) -> str | None:
    declared = attrs.get("presence")  # newer TeSS: onsite | online | hybrid
    if isinstance(declared, str) and declared.lower() in ("onsite", "online", "hybrid"):
        return declared.lower()
    # Older records say online:false even for venue "Online"; the venue wins.
    return f.presence(venue, city, online=attrs.get("online"))


def next_page(body: dict[str, Any]) -> int | None:
    """The page number in `links.next`, if there is a next page."""
    nxt = (body.get("links") or {}).get("next") if isinstance(body.get("links"), dict) else None
    if not isinstance(nxt, str):
        return None
    values = parse_qs(urlsplit(nxt).query).get("page_number") or parse_qs(urlsplit(nxt).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- iteration

class TeSS(Adapter):
    """`type: tess`, `kind: events`."""

    type: ClassVar[str] = "tess"
    kind: ClassVar[str] = "events"

    def records(self) -> Iterator[dict[str, Any]]:
        p = self.config.params
        base = self.config.base_url.rstrip("/") + "/"
        size = int(p.get("page_size", 50))
        if size not in PAGE_SIZES:
            size = min(PAGE_SIZES, key=lambda s: abs(s - size))
        max_pages = int(p.get("max_pages", 200))
        organisers = list(p.get("organisers") or [])
        query: dict[str, Any] = {"page_size": size}
        if p.get("include_expired"):
            query["include_expired"] = "true"
        query.update(p.get("filters") or {})
        page, seen_pages, fetched, total = 1, set(), 0, None
        while True:
            body = self.http.get(base + "events.json_api", params={**query, "page_number": page},
                                 headers=JSONAPI).json()
            items = self._items(body)
            total = _results_count(body, total)
            ids = tuple(str(i.get("id")) for i in items if isinstance(i, dict))
            if ids and ids in seen_pages:
                raise BadResponse(f"{self.config.name}: page {page} repeats an earlier page")
            seen_pages.add(ids)
            for item in items:
                fetched += 1
                record = map_event(item, source=self.config.name, base_url=base, organisers=organisers) \
                    if isinstance(item, dict) else None
                if record is None:
                    ident = str(item.get("id") if isinstance(item, dict) else item)[:40]
                    attrs = (item.get("attributes") if isinstance(item, dict) else None) or {}
                    bad_date = bool(attrs.get("start")) and attrs.get("title") and attrs.get("slug")
                    self.problem(f"item {ident!r} " + (f"has an invalid start {str(attrs.get('start'))[:40]!r}"
                                                       if bad_date else "has no slug, title or readable start"),
                                 skipped=True, item=str(attrs.get("slug") or ident),
                                 code="invalid-date" if bad_date else "dropped")
                    continue
                _, unmapped = f.event_type_and_rest((item.get("attributes") or {}).get("event-types") or [], None)
                for label in unmapped:
                    self.problem(f"{record['id']}: event type {label[:60]!r} is not one the portal knows; "
                                 "kept as a topic", item=record["id"], code="unmapped-type")
                end = (item.get("attributes") or {}).get("end")
                if end and "end" not in record:
                    self.problem(f"{record['id']}: end {str(end)[:40]!r} is before the start or unreadable; "
                                 "the event is kept without it", item=record["id"], code="end-before-start")
                yield record
            nxt = next_page(body)
            if nxt is None or not items:
                break
            if nxt <= page:
                raise BadResponse(f"{self.config.name}: links.next goes back to page {nxt}")
            if len(seen_pages) >= max_pages:
                self.problem(f"stopped after {max_pages} pages (max_pages)", skipped=True)
                break
            page = nxt
        if total is not None and fetched < total:
            self.problem(f"TeSS announced {total} events but listed {fetched}", skipped=True)

    def _items(self, body: Any) -> list[Any]:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            msg = f.line(body["error"].get("message")) or "error"
            raise BadResponse(f"{self.config.name}: TeSS answered with an error: {msg}")
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise BadResponse(f"{self.config.name}: not a JSON:API list (no 'data' array)")
        return body["data"]


def _results_count(body: dict[str, Any], current: int | None) -> int | None:
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    n = meta.get("results-count")
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else current
