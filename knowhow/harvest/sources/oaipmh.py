"""OAI-PMH: how many records an endpoint (or one of its sets) holds, and the latest datestamp.

`ListIdentifiers` (headers only; `verb: ListRecords` also works) is followed through every
resumption token until the token is empty or absent. Records with `status="deleted"` headers
are not counted. XML is parsed with defusedxml (no DTDs, entities or external references) and
strictly: a truncated or malformed page fails the source. Lenient parsing (lxml `recover=True`,
as Sickle does) would hand back a shorter list, which the store would read as records gone.

A partial listing never publishes a figure: when the last page holds fewer identifiers than the
server's `completeListSize`, or a later page ends without the (empty) resumptionToken element
the protocol requires, the record gets errors instead of `records` and `latest_record`, and the
store keeps the last complete figures. Invalid datestamps and identifiers listed twice are
reported per item (the latest date is taken from the valid ones).

Protocol errors: `noRecordsMatch` on the first request is an empty list (0 records; the figures
guard holds a fall to 0 from a positive count for a human);
`badResumptionToken` (tokens expire, Zenodo's after 2 minutes) restarts the listing from the
beginning, at most `max_restarts` times. Zenodo sends these errors with HTTP 422.

Which open_data record receives the figures: `params.record`, else every open_data record
whose curated `api` is `{type: oai-pmh, endpoint: <this base_url>}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..base import Adapter, BadResponse, SourceError, SourceUnavailable
from . import values as v
from .targets import records_of, same_endpoint

OAI = "{http://www.openarchives.org/OAI/2.0/}"
FACTS = ("records", "latest_record")
VERBS = ("ListIdentifiers", "ListRecords")


@dataclass(frozen=True)
class Header:
    identifier: str
    datestamp: str | None  # normalised; None when absent or invalid
    deleted: bool
    raw_datestamp: str = ""  # as sent, for the report when it is invalid


@dataclass
class Page:
    """One parsed OAI-PMH response."""

    headers: list[Header] = field(default_factory=list)
    token: str | None = None  # None or "" ends the list
    complete_size: int | None = None
    error: tuple[str, str] | None = None  # (code, message)


class TokenExpired(Exception):
    """badResumptionToken on a token we sent: the listing must start again."""


# --------------------------------------------------------------------------- parsing (pure)

def parse_page(content: bytes | str, verb: str = "ListIdentifiers") -> Page:
    """One response body to a Page; BadResponse for anything that is not a whole OAI-PMH document."""
    try:
        root = SafeET.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadResponse(f"OAI-PMH response refused: {type(exc).__name__} (DTDs and entities are not allowed)") from None
    except ParseError as exc:
        raise BadResponse(f"OAI-PMH response is truncated or not XML ({exc})") from None
    if root.tag != OAI + "OAI-PMH":
        raise BadResponse(f"not an OAI-PMH response (root element {root.tag!r})")
    error = root.find(OAI + "error")
    if error is not None:
        code = error.get("code") or "unknown"
        return Page(error=(code, v.text(error.text or "", 200) or ""))
    body = root.find(OAI + verb)
    if body is None:
        raise BadResponse(f"OAI-PMH response without <{verb}> or <error>")
    page = Page()
    holders = body.findall(OAI + "header") if verb == "ListIdentifiers" else [
        r.find(OAI + "header") for r in body.findall(OAI + "record")]
    for h in holders:
        page.headers.append(_header(h))
    token = body.find(OAI + "resumptionToken")
    if token is not None:
        page.token = (token.text or "").strip()
        page.complete_size = v.count(token.get("completeListSize"))
    return page


def _header(h: Element | None) -> Header:
    ident = h.find(OAI + "identifier") if h is not None else None
    if h is None or ident is None or not (ident.text or "").strip():
        raise BadResponse("OAI-PMH record without a header identifier")
    stamp = h.find(OAI + "datestamp")
    raw = (stamp.text or "").strip() if stamp is not None else ""
    return Header(ident.text.strip(), v.when(raw) if raw else None, h.get("status") == "deleted", raw)


def listing_facts(headers: dict[str, Header]) -> dict[str, Any]:
    """OpenDataFacts from every header seen (latest state per identifier)."""
    live = [h for h in headers.values() if not h.deleted]
    return v.compact({"records": len(live), "latest_record": v.latest(h.datestamp for h in live)})


# --------------------------------------------------------------------------- iteration

class OAIPMH(Adapter):
    """`type: oaipmh`, `kind: open_data`; base_url is the endpoint (`https://zenodo.org/oai2d`).

    params: `record`, `metadataPrefix` (default oai_dc), `set`, `from`, `until`,
    `verb` (ListIdentifiers or ListRecords), `max_pages` (default 1000), `max_restarts` (default 2),
    `mode: size` (one request; the count is the server's completeListSize, no latest date).
    """

    type: ClassVar[str] = "oaipmh"
    kind: ClassVar[str] = "open_data"
    kinds: ClassVar[tuple[str, ...]] = ("open_data",)
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"open_data": FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.verb = str(self.config.params.get("verb", "ListIdentifiers"))
        self.restarts = 0

    def targets(self) -> list[str]:
        known = dict(records_of(self.context, "open_data"))
        wanted = self.config.params.get("record")
        if wanted:
            if str(wanted) not in known:
                raise SourceError(f"{self.config.name}: params.record {wanted!r} is not an open_data record")
            return [str(wanted)]
        return [oid for oid, rec in known.items()
                if isinstance(rec.get("api"), dict) and rec["api"].get("type") == "oai-pmh"
                and same_endpoint(rec["api"].get("endpoint"), self.config.base_url)]

    def records(self) -> Iterator[dict[str, Any]]:
        if self.verb not in VERBS:
            raise SourceError(f"{self.config.name}: verb must be one of {', '.join(VERBS)}")
        targets = self.targets()
        if not targets:
            self.problem(f"no open_data record names {self.config.base_url} as its OAI-PMH endpoint")
            return
        record = self._harvest()
        for oid in targets:
            yield {"id": oid, **record}

    # ------------------------------------------------------------------ the listing

    def _harvest(self) -> dict[str, Any]:
        max_restarts = int(self.config.params.get("max_restarts", 2))
        while True:
            try:
                return self._list()
            except TokenExpired:
                self.restarts += 1
                if self.restarts > max_restarts:
                    raise SourceUnavailable(f"{self.config.base_url}: resumption token expired "
                                            f"{self.restarts} times; listing given up") from None
                self.problem(f"resumption token expired; listing restarted ({self.restarts}/{max_restarts})")

    def _first_params(self) -> dict[str, Any]:
        p = self.config.params
        params = {"verb": self.verb, "metadataPrefix": str(p.get("metadataPrefix", "oai_dc"))}
        for key in ("set", "from", "until"):
            if p.get(key):
                params[key] = str(p[key])
        return params

    def _list(self) -> dict[str, Any]:
        max_pages = int(self.config.params.get("max_pages", 1000))
        size_only = self.config.params.get("mode") == "size"
        params = self._first_params()
        headers: dict[str, Header] = {}
        seen_tokens: set[str] = set()
        complete_size: int | None = None
        self._reported: set[tuple[str, str]] = set()
        for number in range(max_pages):
            page = parse_page(self._get(params), self.verb)
            if page.error:
                code, message = page.error
                if code == "noRecordsMatch" and number == 0:
                    return {"facts": {"records": 0}}
                if code == "badResumptionToken" and "resumptionToken" in params:
                    raise TokenExpired(message)
                raise BadResponse(f"OAI-PMH error {code}" + (f": {message}" if message else ""))
            complete_size = page.complete_size if page.complete_size is not None else complete_size
            if size_only:
                if complete_size is None:
                    raise BadResponse("mode: size needs a completeListSize, and this endpoint sends none")
                return {"facts": {"records": complete_size}}
            for h in page.headers:
                self._check_header(h, headers)
                headers[h.identifier] = h
            if not page.token:
                partial = self._partial(complete_size, len(headers), number, page.token)
                if partial:
                    self.problem(partial)
                    return {"facts": {}, "_errors": {f"facts.{k}": partial for k in FACTS}}
                return {"facts": listing_facts(headers)}
            if page.token in seen_tokens:
                raise BadResponse("OAI-PMH resumption token repeated: the endpoint is looping")
            seen_tokens.add(page.token)
            params = {"verb": self.verb, "resumptionToken": page.token}
        # Bounded: the figures are partial, so the store keeps the last complete ones.
        why = f"more than {max_pages} pages; raise max_pages or harvest a set"
        self.problem(why)
        return {"facts": {}, "_errors": {f"facts.{k}": why for k in FACTS}}

    def _check_header(self, h: Header, headers: dict[str, Header]) -> None:
        """Per-item news: an identifier listed twice, a datestamp that is not a date."""
        if h.identifier in headers and ("duplicate", h.identifier) not in self._reported:
            self._reported.add(("duplicate", h.identifier))
            self.problem(f"{h.identifier}: listed twice in one listing", item=h.identifier, code="duplicate")
        if h.raw_datestamp and h.datestamp is None and ("invalid-date", h.identifier) not in self._reported:
            self._reported.add(("invalid-date", h.identifier))
            self.problem(f"{h.identifier}: invalid datestamp {h.raw_datestamp[:40]!r}; not used for the latest date",
                         item=h.identifier, code="invalid-date")

    def _partial(self, complete_size: int | None, seen: int, number: int, token: str | None) -> str | None:
        """Why a listing that ended is not the whole list, or None."""
        if number > 0 and token is None:
            return ("partial listing: a later page ended without the resumptionToken element that closes a "
                    "list; figures not published")
        if complete_size is not None and seen < complete_size:
            return (f"partial listing: {seen} distinct identifiers where completeListSize says {complete_size}; "
                    "figures not published")
        if complete_size is not None and seen > complete_size:
            self.problem(f"completeListSize says {complete_size}, {seen} identifiers were listed")
        return None

    def _get(self, params: dict[str, Any]) -> bytes:
        try:
            return self.http.get(self.config.base_url, params=params, expect="xml").content
        except BadResponse as exc:
            status, body = getattr(exc, "status", None), getattr(exc, "body", None)
            if status in (400, 422) and body:
                return body  # OAI-PMH errors in a 4xx body (Zenodo uses 422): parsed like any page
            if "resumptionToken" in params and (status == 422 or "HTTP 422" in str(exc)):
                # Only verb and token were sent, so any protocol error is about the token.
                raise TokenExpired(str(exc)) from None
            raise
