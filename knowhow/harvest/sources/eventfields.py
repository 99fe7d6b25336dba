"""Pure helpers shared by the event adapters (TeSS, Indico, iCal): ids, times, places, topics.

Everything returned is already safe for a record: text through `knowhow.sanitize`, URLs
http(s) only, countries ISO codes, times ISO 8601 with their UTC offset.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone
from typing import Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...registry import vocab
from ...sanitize import clean_line, clean_markdown, safe_url

MAX_ID = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_ONLINE = re.compile(r"\b(online|virtual|zoom|webex|teams|webinar|remote)\b", re.I)

# TeSS `event-types` and free-text categories to the portal's event types.
EVENT_TYPES = {
    "workshops_and_courses": "workshop", "workshop": "workshop", "workshops": "workshop",
    "meetings_and_conferences": "conference", "conference": "conference", "symposium": "conference",
    "meeting": "meeting", "receptions_and_networking": "meeting",
    "course": "course", "training": "course", "tutorial": "course", "school": "school",
    "summer school": "school", "winter school": "school", "webinar": "webinar", "hackathon": "hackathon",
}


def slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


def record_id(prefix: str, *parts: str) -> str | None:
    """`prefix-part-part` as a record id; long ids keep their start and gain a short hash."""
    body = "-".join(p for p in (slug(str(x)) for x in parts) if p)
    if not body:
        return None
    rid = f"{prefix}-{body}"
    if len(rid) > MAX_ID:
        digest = hashlib.sha1(rid.encode()).hexdigest()[:8]
        rid = rid[: MAX_ID - 9].rstrip("-") + "-" + digest
    return rid


def host_part(url: str) -> str:
    """The host of a URL for ids: `indico.desy.de` -> `desy-de` (a leading `www.`/`indico.` is noise)."""
    host = (urlsplit(url).hostname or "").lower()
    for noise in ("www.", "indico."):
        host = host.removeprefix(noise)
    return slug(host) or "local"


def short_hash(value: str, n: int = 10) -> str:
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip() or "/" not in name and name.strip().upper() != "UTC":
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def iso(value: date | datetime) -> str:
    """A date as YYYY-MM-DD; an aware date-time to the second with its offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive date-time")
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def local(dt: datetime, tz: ZoneInfo | None) -> datetime:
    """An aware date-time shown in the event's time zone (UTC when it has none)."""
    return dt.astimezone(tz or timezone.utc)


def title(value: Any) -> str | None:
    return clean_line(value, 300) or None


def description(value: Any, fallback: str) -> str:
    """Remote HTML, escaped HTML or Markdown as the record's Markdown subset; the title when empty."""
    return clean_markdown(value, 5000) or fallback


def line(value: Any, max_len: int = 300) -> str | None:
    return clean_line(value, max_len) or None


def url(value: Any) -> str | None:
    u = safe_url(value.strip()) if isinstance(value, str) else None
    return u if u and len(u) <= 2000 else None


def presence(*places: Any, online: Any = None) -> str | None:
    """online / hybrid / onsite from an explicit flag or from words in the venue."""
    text = " ".join(str(p) for p in places if p)
    if "hybrid" in text.lower():
        return "hybrid"
    if online is True or _ONLINE.search(text):
        return "online"
    return "onsite" if text.strip() else None


def country(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or an English country name; None when unsure."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    names = vocab.countries()
    if v.upper() in names and len(v) == 2:
        return v.upper()
    by_name = {n.lower(): c for c, n in names.items()}
    if v.lower() in by_name:
        return by_name[v.lower()]
    try:
        import pycountry

        return pycountry.countries.lookup(v).alpha_2
    except LookupError:
        return None


# Words that name a kind of event, for labels outside EVENT_TYPES (TeSS adds types over time)
# and for titles: "receptions_and_networking" is a meeting, "Summer School on ..." a school.
TYPE_WORDS = (("hackathon", "hackathon"), ("school", "school"), ("webinar", "webinar"), ("workshop", "workshop"),
              ("conference", "conference"), ("symposium", "conference"), ("congress", "conference"),
              ("course", "course"), ("training", "course"), ("tutorial", "course"), ("masterclass", "course"),
              ("meeting", "meeting"), ("networking", "meeting"), ("reception", "meeting"), ("forum", "meeting"))
_WORD = re.compile(r"[a-z]+")


def event_type(values: Iterable[Any]) -> str | None:
    for v in values:
        if isinstance(v, str):
            hit = EVENT_TYPES.get(v.strip().lower())
            if hit:
                return hit
    return None


def type_from_words(*texts: Any) -> str | None:
    """The first kind of event named by a word in the texts (labels first, then the title)."""
    for text in texts:
        words = set(_WORD.findall(str(text or "").lower().replace("_", " ")))
        for word, kind in TYPE_WORDS:
            if word in words or word + "s" in words:
                return kind
    return None


def event_type_and_rest(labels: Iterable[Any], title: Any) -> tuple[str | None, list[str]]:
    """The portal's event type for a source's labels, and the labels it could not map.

    A label outside EVENT_TYPES is read by its words, then the title is; labels that still map
    to nothing are returned so the caller keeps them (as topics) and reports them.
    """
    labels = [x for x in labels if isinstance(x, str) and x.strip()]
    kind = event_type(labels) or type_from_words(*labels)
    unmapped = [x for x in labels if not event_type([x]) and not type_from_words(x)]
    return kind or type_from_words(title), unmapped


def label_text(label: str) -> str:
    """A source's code-like label as words: `awards_and_prizegivings` -> `Awards and prizegivings`."""
    text = clean_line(label.replace("_", " "), 100)
    return text[:1].upper() + text[1:]


def topics(values: Iterable[Any], limit: int = 20) -> list[str]:
    """Keywords cleaned, without case duplicates, sorted (sources keep no stable order)."""
    seen: dict[str, str] = {}
    for v in values:
        t = clean_line(v, 100)
        if t and t.lower() not in seen:
            seen[t.lower()] = t
    return sorted(seen.values(), key=str.lower)[:limit]


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop unknown values so a record only states what the source said."""
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}
