"""CITATION.cff (Citation File Format 1.2) to the `facts.citation` of a software record (pure).

GitHub and GitLab serve the file from the default branch; this reads the fields a citation needs
(title, authors as "Given Family" or a team's name, version, release date, DOI, URL, repository)
with the registry's strict YAML reader, so a file that is not YAML, not a mapping or lacks every
useful field is reported, never guessed at. `preferred-citation` (often a paper) is left to the
record's curated DOI and references: the facts describe the software itself.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from ...registry.yamlio import load_text
from ...sanitize import safe_url
from . import values as v
from .targets import doi_of

FILE = "CITATION.cff"
MAX_AUTHORS = 100
MAX_BYTES = 256 * 1024  # a CITATION.cff is a few kilobytes; anything far larger is not one


class CffError(ValueError):
    """The file cannot be used; the message says why."""


def decode_content(body: Any) -> str:
    """The text of a GitHub/GitLab file answer (`content` in base64, `encoding: base64`)."""
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        raise CffError("file answer without content")
    if str(body.get("encoding") or "base64") != "base64":
        raise CffError(f"file content in {str(body.get('encoding'))[:20]!r}, not base64")
    try:
        raw = base64.b64decode(body["content"], validate=False)
    except (binascii.Error, ValueError):
        raise CffError("file content is not base64") from None
    if len(raw) > MAX_BYTES:
        raise CffError(f"{len(raw):,} bytes: too large for a CITATION.cff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CffError("file is not UTF-8") from None


def person(entry: Any) -> str | None:
    """One CFF author: "Given [particle] Family [suffix]", or an entity's name."""
    if not isinstance(entry, dict):
        return None
    if entry.get("name") and not entry.get("family-names"):
        return v.text(entry.get("name"), 300)
    parts = [entry.get(k) for k in ("given-names", "name-particle", "family-names")]
    name = " ".join(str(p).strip() for p in parts if isinstance(p, (str, int)) and str(p).strip())
    suffix = entry.get("name-suffix")
    if name and isinstance(suffix, str) and suffix.strip():
        name += ", " + suffix.strip()
    return v.text(name, 300)


def released(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    when = v.when(str(value)[:10]) if isinstance(value, str) else None
    return when if when and "T" not in when else None


def citation(text: str) -> dict[str, Any]:
    """The citation facts from a CITATION.cff text; CffError when it is not a usable file."""
    loaded = load_text(text, FILE)
    data = loaded.data
    if not isinstance(data, dict):
        why = loaded.problems[0].message if loaded.problems else "not a mapping of keys"
        raise CffError(f"{FILE} is not readable: {why}"[:200])
    doi = doi_of(data.get("doi"))
    if doi is None:
        for ident in data.get("identifiers") or []:
            if isinstance(ident, dict) and ident.get("type") == "doi" and doi_of(ident.get("value")):
                doi = doi_of(ident.get("value"))
                break
    authors = [a for a in (person(x) for x in (data.get("authors") or [])[:MAX_AUTHORS]) if a]
    version = data.get("version")
    facts = v.compact({
        "title": v.text(data.get("title"), 300),
        "authors": authors,
        "version": v.text(version, 100) if isinstance(version, (str, int, float)) else None,
        "date_released": released(data.get("date-released")),
        "doi": doi,
        "url": safe_url(data.get("url")),
        "repository": safe_url(data.get("repository-code")),
    })
    if not facts.get("title") or not facts.get("authors"):
        raise CffError(f"{FILE} names no title or no author")
    return facts
