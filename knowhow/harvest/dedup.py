"""One event listed by several sources is one record.

A new event matches a known one (from another source, or curated) when their normalised URLs
are equal and they start within a day of each other (time zones differ between sources), or,
failing that, when their normalised titles are equal and they start on the same day. The first
source to list an event owns the record; the others are named in its `also_listed`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|source)$", re.I)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_url(url: Any) -> str | None:
    """A comparable form of an event URL: scheme, `www.`, default port, case of host, trailing
    slash, fragment, tracking parameters and parameter order do not matter."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/+", "/", parts.path).rstrip("/")
    path = re.sub(r"/index\.(html?|php)$", "", path)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("", host, path, query, "")).lstrip("/")


def normalise_title(title: Any) -> str | None:
    """Case, accents, punctuation and spacing do not matter."""
    if not isinstance(title, str):
        return None
    text = unicodedata.normalize("NFKD", title.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_WORD.sub(" ", text).strip()
    return text or None


def start_day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Entry:
    id: str
    owner: str  # the source that listed it first, or "curated"
    url: str | None
    title: str | None
    day: date | None


class EventIndex:
    """Known events by URL and by (title, day); updated as a run writes records."""

    def __init__(self) -> None:
        self._by_id: dict[str, Entry] = {}
        self._by_url: dict[str, set[str]] = {}
        self._by_title: dict[tuple[str, date], set[str]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._by_id

    def owner(self, record_id: str) -> str | None:
        entry = self._by_id.get(record_id)
        return entry.owner if entry else None

    def add(self, record_id: str, owner: str, record: dict[str, Any]) -> None:
        self.remove(record_id)
        entry = Entry(record_id, owner, normalise_url(record.get("url")), normalise_title(record.get("title")),
                      start_day(record.get("start")))
        self._by_id[record_id] = entry
        if entry.url:
            self._by_url.setdefault(entry.url, set()).add(record_id)
        if entry.title and entry.day:
            self._by_title.setdefault((entry.title, entry.day), set()).add(record_id)

    def remove(self, record_id: str) -> None:
        entry = self._by_id.pop(record_id, None)
        if entry is None:
            return
        if entry.url:
            self._by_url.get(entry.url, set()).discard(record_id)
        if entry.title and entry.day:
            self._by_title.get((entry.title, entry.day), set()).discard(record_id)

    def matches(self, record: dict[str, Any]) -> list[str]:
        """Ids of known events that are the same event: URL matches first, then title + day."""
        day = start_day(record.get("start"))
        url = normalise_url(record.get("url"))
        hits: list[str] = []
        if url:
            hits += sorted(i for i in self._by_url.get(url, ()) if _near(self._by_id[i].day, day))
        title = normalise_title(record.get("title"))
        if title and day:
            hits += sorted(i for i in self._by_title.get((title, day), ()) if i not in hits)
        return hits

    def match(self, record: dict[str, Any], source: str) -> str | None:
        """The first known event listed by another source (or curated) that is the same event."""
        return next((i for i in self.matches(record) if self._by_id[i].owner != source), None)

    def entries(self) -> Iterator[Entry]:
        return iter(self._by_id.values())


def _near(a: date | None, b: date | None) -> bool:
    if a is None or b is None:
        return True
    return abs((a - b).days) <= 1
