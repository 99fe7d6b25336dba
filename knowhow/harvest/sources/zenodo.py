"""Zenodo REST: versions, views and downloads of software DOIs; record figures of communities.

Software: a curated `doi` on Zenodo (`10.5281/zenodo.N`, normally the concept DOI) is looked up
with `GET /api/records?q=conceptrecid:N&all_versions=true&sort=mostrecent&size=1`: the hit count
is the number of versions, the newest hit carries the all-versions statistics. A version DOI is
resolved to its concept first (`GET /api/records/N`).

Open data: `params.communities` maps open_data ids to Zenodo community slugs; every page of
`/api/records?communities=...` is followed through `links.next` to sum views and downloads.

Views and downloads are Zenodo's *unique* counts (what its record pages show); the concept DOI
(all versions) is stated as `concept_doi`, for citing the software.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Iterator
from urllib.parse import urlsplit

from ..base import Adapter, BadResponse, NotFound, SourceError, WrongAnswer
from . import values as v
from .targets import api_root, doi_of, records_of

SOFTWARE_FACTS = ("versions", "views", "downloads", "concept_doi")
OPEN_DATA_FACTS = ("records", "views", "downloads", "latest_record")


# --------------------------------------------------------------------------- mapping (pure)

def search_hits(body: Any) -> tuple[int, list[dict[str, Any]]]:
    """(total, hits) of a `/api/records` answer; BadResponse when the envelope is not Zenodo's."""
    hits = body.get("hits") if isinstance(body, dict) else None
    if not isinstance(hits, dict) or not isinstance(hits.get("hits"), list):
        raise BadResponse("Zenodo search answer without hits.hits")
    total = hits.get("total")
    if isinstance(total, dict):  # Elasticsearch 7 style {"value": n, "relation": "eq"}
        total = total.get("value")
    n = v.count(total)
    if n is None:
        raise BadResponse("Zenodo search answer without a hit count")
    return n, [h for h in hits["hits"] if isinstance(h, dict)]


def record_stats(hit: dict[str, Any]) -> dict[str, Any]:
    stats = hit.get("stats") if isinstance(hit.get("stats"), dict) else {}
    return {"views": v.count(stats.get("unique_views", stats.get("views"))),
            "downloads": v.count(stats.get("unique_downloads", stats.get("downloads")))}


def software_facts(body: Any) -> dict[str, Any]:
    """SoftwareFacts from a newest-first, all-versions search for one concept."""
    total, hits = search_hits(body)
    if not total or not hits:
        return {}
    # The concept DOI names every version together: what a "cite this software" should link.
    return v.compact({"versions": total, **record_stats(hits[0]), "concept_doi": doi_of(hits[0].get("conceptdoi"))})


def community_facts(total: int, hits: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
    """OpenDataFacts for a community; sums only when every page was read."""
    facts: dict[str, Any] = {"records": total,
                             "latest_record": v.latest(v.when(h.get("created")) for h in hits)}
    if complete:
        stats = [record_stats(h) for h in hits]
        facts["views"] = sum(s["views"] or 0 for s in stats)
        facts["downloads"] = sum(s["downloads"] or 0 for s in stats)
    return v.compact(facts)


def check_concept(body: Any, concept: str, asked: str) -> None:
    """Every hit of a concept search must belong to that concept; WrongAnswer otherwise."""
    _, hits = search_hits(body)
    for hit in hits:
        found = str(hit.get("conceptrecid") or "")
        if found != concept:
            raise WrongAnswer(f"{asked}: asked for Zenodo concept {concept}, the answer is about concept "
                              f"{found or 'none'} (record {str(hit.get('id'))[:20]}); nothing taken")


def zenodo_recid(doi: str | None, prefix: str = "10.5281") -> str | None:
    """N from `10.5281/zenodo.N`, else None."""
    if not doi:
        return None
    m = re.fullmatch(re.escape(prefix.lower()) + r"/zenodo\.(\d+)", doi.lower())
    return m.group(1) if m else None


# --------------------------------------------------------------------------- iteration

class Zenodo(Adapter):
    """`type: zenodo`; `kind: software` (curated DOIs) or `kind: open_data` (`params.communities`).

    base_url: `https://zenodo.org/` or its API root `https://zenodo.org/api/`.
    params: `communities` {open_data id: slug}, `size` (page size, default 25, the anonymous
    maximum), `max_pages` (default 400: Zenodo stops deep paging at 10,000 hits), `prefix`
    (DOI prefix of the instance, default 10.5281), `token_env` (transport).
    """

    type: ClassVar[str] = "zenodo"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software", "open_data")
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"software": SOFTWARE_FACTS, "open_data": OPEN_DATA_FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api = api_root(self.config.base_url, "api") + "records"

    def records(self) -> Iterator[dict[str, Any]]:
        if self.config.kind == "software":
            yield from self._software()
        else:  # "open_data": the base class refuses any other kind
            yield from self._communities()

    # ------------------------------------------------------------------ software

    def _software(self) -> Iterator[dict[str, Any]]:
        prefix = str(self.config.params.get("prefix", "10.5281"))
        for sid, rec in records_of(self.context, "software"):
            doi = doi_of(rec.get("doi"))
            recid = zenodo_recid(doi, prefix)
            if recid is None:
                continue
            facts = self._concept_facts(recid, doi or "")
            if facts is None:
                concept = self._concept_of(recid, doi or "")
                facts = self._concept_facts(concept, doi or "") if concept and concept != recid else None
            if facts:
                yield {"id": sid, "facts": facts}
            else:
                self.problem(f"{doi}: no published Zenodo record")

    def _concept_facts(self, recid: str, doi: str) -> dict[str, Any] | None:
        body = self._search({"q": f"conceptrecid:{recid}", "all_versions": "true", "sort": "mostrecent", "size": 1})
        check_concept(body, recid, doi)
        facts = software_facts(body)
        return facts or None

    def _concept_of(self, recid: str, doi: str) -> str | None:
        try:
            record = self.http.get(f"{self.api}/{recid}").json()
        except NotFound:
            return None
        if not isinstance(record, dict):
            raise BadResponse(f"{doi}: Zenodo record answer is not an object")
        found = str(record.get("id") or record.get("recid") or "")
        if found != recid:
            raise WrongAnswer(f"{doi}: asked for Zenodo record {recid}, the answer is record {found or 'without id'}; "
                              "nothing taken")
        concept = record.get("conceptrecid")
        return str(concept) if isinstance(concept, (str, int)) and str(concept).isdigit() else None

    def _search(self, params: dict[str, Any]) -> Any:
        return self.http.get(self.api, params=params).json()

    # ------------------------------------------------------------------ communities

    def _communities(self) -> Iterator[dict[str, Any]]:
        communities = self.config.params.get("communities") or {}
        if not isinstance(communities, dict):
            raise SourceError(f"{self.config.name}: params.communities must map open_data ids to community slugs")
        known = dict(records_of(self.context, "open_data"))
        for oid in sorted(communities):
            if oid not in known:  # facts alone cannot make a record
                self.problem(f"{oid}: not an open_data record in the registry")
                continue
            total, hits, complete = self._all_pages(str(communities[oid]))
            record: dict[str, Any] = {"id": oid, "facts": community_facts(total, hits, complete)}
            if not complete:
                # The store keeps the last complete sums (with this error) instead of dropping them.
                why = "not every record of the community could be listed"
                record["_errors"] = {"facts.views": why, "facts.downloads": why}
            yield record

    def _all_pages(self, community: str) -> tuple[int, list[dict[str, Any]], bool]:
        size = int(self.config.params.get("size", 25))
        max_pages = int(self.config.params.get("max_pages", 400))
        url: str | None = self.api
        params: dict[str, Any] | None = {"communities": community, "size": size, "page": 1, "sort": "newest"}
        origin = urlsplit(self.api)[:2]
        seen: set[str] = set()
        total, hits = 0, []
        for _ in range(max_pages):
            body = self.http.get(url, params=params).json()  # type: ignore[arg-type]
            total, page = search_hits(body)
            hits.extend(page)
            nxt = ((body.get("links") or {}).get("next")) if isinstance(body.get("links"), dict) else None
            if not nxt or not page:
                break
            if urlsplit(nxt)[:2] != origin or nxt in seen:
                raise BadResponse(f"{self.api}: refusing next link {nxt!r} (other host or a loop)")
            seen.add(nxt)
            url, params = nxt, None
        else:
            self.problem(f"community {community}: more than {max_pages} pages; views and downloads not summed")
            return total, hits, False
        unique = {str(h.get("id")) for h in hits}
        complete = len(unique) >= total
        if not complete:
            self.problem(f"community {community}: {len(unique)} of {total} records listed; "
                         "views and downloads not summed")
        return total, hits, complete
