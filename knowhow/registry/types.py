"""Field types shared by the record models; each failure carries a stable code and a hint."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, Field, StrictBool, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from . import hints, vocab

SLUG = r"^[a-z0-9][a-z0-9-]{0,79}$"
RECORD_REF = r"^[a-z_]{2,40}/[a-z0-9][a-z0-9-]{0,79}$"


def _err(code: str, message: str, hint: str = "") -> PydanticCustomError:
    return PydanticCustomError(code, message, {"hint": hint})


def _slug(value: str) -> str:
    if not re.match(SLUG, value):
        near = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:80]
        raise _err("bad-id", f"'{value}' is not a valid id",
                   f"use lower-case letters, digits and '-', e.g. '{near}'" if near else
                   "use lower-case letters, digits and '-'")
    return value


def _url(value: str) -> str:
    if value != value.strip() or any(c.isspace() for c in value):
        raise _err("bad-url", "URL contains spaces", "percent-encode spaces as %20")
    parts = urlsplit(value)
    if not parts.scheme:
        raise _err("bad-url", f"'{value}' is not a web address", "write the full URL, starting with https://")
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "none"
        raise _err("unsafe-url", f"URL scheme '{scheme}' is not allowed", "use an http:// or https:// address")
    if not parts.hostname or parts.username or parts.password:
        raise _err("bad-url", "URL needs a host name and no credentials", "write it as https://host/path")
    return value


def _spdx(value: str) -> str:
    if value.startswith("LicenseRef-"):
        return value
    if re.search(r"\s(OR|AND|WITH)\s", value):  # an SPDX expression: check every licence in it
        for part in re.split(r"\s+(?:OR|AND|WITH)\s+|[()]", value):
            if part.strip() and not part.strip().endswith("-exception"):
                _spdx(part.strip())
        return value
    ids = vocab.spdx_ids()
    if value.lower() in ids:
        if ids[value.lower()] != value:
            raise _err("unknown-spdx", f"'{value}' is spelled differently in SPDX",
                       f"did you mean '{ids[value.lower()]}'?")
        return value
    raise _err("unknown-spdx", f"'{value}' is not an SPDX licence id", hints.licence_hint(value, ids))


def _country(value: str) -> str:
    names = vocab.countries()
    if value in names:
        return value
    by_name = {n.lower(): c for c, n in names.items()}
    near = value.upper() if value.upper() in names else by_name.get(value.lower())
    if not near:
        hit = vocab.suggest(value, by_name)
        near = by_name[hit] if hit else None
    raise _err("unknown-country", f"'{value}' is not an ISO 3166-1 alpha-2 country code",
               f"did you mean '{near}'?" if near else "use two capital letters, e.g. FR")


def _panet(value: str) -> str:
    terms = vocab.panet()
    if value in terms:
        return value
    by_label = {v: k for k, v in terms.items()}
    hit = vocab.suggest(value, by_label)
    raise _err("unknown-technique", f"'{value}' is not a known PaNET technique id",
               f"did you mean '{by_label[hit]}' ({hit})?" if hit else "see knowhow/registry/panet.yaml")


def parse_when(value: str) -> date | datetime:
    """A date, or a date-time that must carry its UTC offset."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _err("bad-date", f"'{value}' is not a real date", "check day and month") from None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise _err("bad-date", f"'{value}' is not an ISO 8601 date or date-time",
                   "write 2026-03-02 or 2026-03-02T09:00:00+01:00") from None
    if dt.tzinfo is None:
        raise _err("missing-timezone", f"'{value}' has no time zone",
                   f"add the UTC offset, e.g. '{value}+01:00', or write a date only")
    return dt


def _when(value: str) -> str:
    parse_when(value)
    return value


def _record_ref(value: str) -> str:
    if not re.fullmatch(RECORD_REF, value):
        raise _err("bad-reference", f"'{value}' is not a kind/id reference",
                   "name the record as kind/id, e.g. software/silx")
    return value


def _tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError):
        hit = vocab.suggest(value, available_timezones())
        raise _err("unknown-timezone", f"'{value}' is not an IANA time zone",
                   f"did you mean '{hit}'?" if hit else "e.g. Europe/Paris") from None
    return value


def _doi(value: str) -> str:
    if value.lower().startswith(("http://", "https://", "doi:")):
        bare = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value, flags=re.I)
        raise _err("bad-doi", f"'{value}' is a DOI link, not a DOI", f"write '{bare}'")
    if not re.fullmatch(r"10\.\d{4,9}/\S+", value):
        raise _err("bad-doi", f"'{value}' is not a DOI", "a DOI looks like 10.5281/zenodo.123")
    return value


_WHEN_RE = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$"

Slug = Annotated[str, AfterValidator(_slug),
                 WithJsonSchema({"type": "string", "pattern": SLUG,
                                 "description": "Record id: lower-case letters, digits and '-'"})]
RecordRef = Annotated[str, AfterValidator(_record_ref),
                      WithJsonSchema({"type": "string", "pattern": RECORD_REF,
                                      "description": "Another record, as kind/id, e.g. software/silx"})]
Url = Annotated[str, AfterValidator(_url),
                WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000})]
Spdx = Annotated[str, AfterValidator(_spdx), WithJsonSchema({"type": "string", "description": "SPDX licence id"})]
Country = Annotated[str, AfterValidator(_country),
                    WithJsonSchema({"type": "string", "enum": sorted(vocab.countries())})]
Technique = Annotated[str, AfterValidator(_panet), WithJsonSchema({"type": "string", "enum": sorted(vocab.panet())})]
When = Annotated[str, AfterValidator(_when), WithJsonSchema({"type": "string", "pattern": _WHEN_RE})]
TimeZone = Annotated[str, AfterValidator(_tz), WithJsonSchema({"type": "string", "description": "IANA time zone"})]
Doi = Annotated[str, AfterValidator(_doi), WithJsonSchema({"type": "string", "pattern": r"^10\.\d{4,9}/\S+$"})]
Year = Annotated[StrictInt, Field(ge=1950, le=2100)]
Count = Annotated[StrictInt, Field(ge=0)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
Prose = Annotated[str, Field(min_length=1, max_length=5000)]
Flag = StrictBool
