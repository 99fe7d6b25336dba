"""Normalisers shared by the fact adapters: remote values in, record values out (pure).

Every value a source reports goes through one of these before it reaches a record: counts are
non-negative ints, times are ISO 8601 in UTC with an explicit offset and whole seconds (so a
re-serialised timestamp never churns), licences are canonical SPDX ids, text is sanitised.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Iterable

from ...registry import vocab
from ...sanitize import clean_line

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NO_LICENCE = {"", "noassertion", "none", "other"}


def count(value: Any) -> int | None:
    """A non-negative int, or None (bools, negatives such as PyPI's -1, floats with a fraction, junk)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or value < 0:
        return None
    return value


def when(value: Any) -> str | None:
    """An API timestamp as `YYYY-MM-DDTHH:MM:SS+00:00` (UTC), a bare date as `YYYY-MM-DD`, else None.

    Naive date-times are taken as UTC: every API used here documents UTC (GitHub `Z`, PyPI
    `upload_time`, OAI-PMH datestamps).
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                return None
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def epoch(value: Any) -> str | None:
    """A Unix time (e.g. `X-RateLimit-Reset`) as ISO 8601 UTC, or None."""
    seconds = count(value)
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()


def moment(value: str) -> str:
    """A normalised `when` value as a sortable instant: a date counts as midnight UTC, so
    "2026-01-02" and "2026-01-02T00:00:00+00:00" compare equal."""
    return value if "T" in value else value + "T00:00:00+00:00"


def latest(values: Iterable[str | None]) -> str | None:
    """The latest of some normalised `when` values (dates count as midnight UTC)."""
    best: tuple[str, str] | None = None
    for v in values:
        if not v:
            continue
        key = moment(v)
        if best is None or key > best[0]:
            best = (key, v)
    return best[1] if best else None


def spdx(value: Any) -> str | None:
    """The canonical SPDX id for value (any case), or None when it is not a known SPDX id."""
    if not isinstance(value, str) or value.strip().lower() in _NO_LICENCE:
        return None
    return vocab.spdx_ids().get(value.strip().lower())


def licence_label(value: Any) -> str | None:
    """What a host says the licence is: its SPDX id when known, else the id as given (cleaned)."""
    if not isinstance(value, str) or value.strip().lower() in _NO_LICENCE:
        return None
    return spdx(value) or clean_line(value, 100) or None


def text(value: Any, max_len: int = 300) -> str | None:
    """One line of remote text, sanitised; None when nothing is left."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return clean_line(value, max_len) or None


def topics(values: Any, limit: int = 30) -> list[str]:
    """Topic names cleaned, de-duplicated case-insensitively and sorted (hosts do not keep an order)."""
    if not isinstance(values, list):
        return []
    seen: dict[str, str] = {}
    for v in values:
        t = text(v, 50)
        if t and t.lower() not in seen:
            seen[t.lower()] = t
    return sorted(seen.values(), key=str.lower)[:limit]


def compact(facts: dict[str, Any]) -> dict[str, Any]:
    """Drop unknown values (None, empty lists) so a record only states what the source said."""
    return {k: v for k, v in facts.items() if v is not None and v != []}


def missing_only(curated: dict[str, Any], candidates: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields a source may fill: only those the curated record lacks (curated always wins)."""
    return {k: v for k, v in candidates.items()
            if v not in (None, "", []) and curated.get(k) in (None, "", [])}
