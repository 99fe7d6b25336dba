"""DataCite REST API: citations of software DOIs; DOI counts and usage of facility collections.

Software (curated `doi`, any registrar that uses DataCite): `GET /dois/{doi}` gives the DOI's own
citation count; its versions (DOIs that declare `IsVersionOf` it) are found with a cursor-paged
query (`page[cursor]=1`, then `links.next` until it is missing) and their citations added, since
papers cite a version as often as the concept. For DOIs outside Zenodo (which the zenodo source
covers) the number of versions is stated too.

Open data: one `GET /dois?prefix=...&page[size]=0` (or `client-id=...`) per collection: the
total is the DOI count, the yearly `citations` / `views` / `downloads` facets are summed. Targets
are `params.clients` {open_data id: client id}, `params.queries` {open_data id: query}, and
open_data records with a `doi_prefix` (a prefix shared by a facility portal and a curated
collection counts for the portal only).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator
from urllib.parse import quote, urlsplit

from ..base import Adapter, BadResponse, NotFound, SourceError, WrongAnswer
from . import values as v
from .targets import doi_of, records_of

SOFTWARE_FACTS = ("citations", "versions", "concept_doi")
OPEN_DATA_FACTS = ("dois", "citations", "views", "downloads")
ZENODO_PREFIX = "10.5281/"


# --------------------------------------------------------------------------- mapping (pure)

def doi_attributes(body: Any) -> dict[str, Any]:
    """`data.attributes` of a single-DOI answer; BadResponse when it is not JSON:API."""
    data = body.get("data") if isinstance(body, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attrs, dict):
        raise BadResponse("DataCite answer without data.attributes")
    return attrs


def check_doi(body: Any, doi: str) -> None:
    """A single-DOI answer must be about that DOI (DOIs are case-insensitive); WrongAnswer otherwise."""
    data = body.get("data") if isinstance(body, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) and isinstance(data.get("attributes"), dict) else {}
    found = doi_of(attrs.get("doi")) or doi_of(data.get("id") if isinstance(data, dict) else None)
    if found != doi:
        raise WrongAnswer(f"asked DataCite for {doi}, the answer is about {found or 'no DOI'}; nothing taken")


def list_items(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise BadResponse("DataCite list answer without a data array")
    return [d for d in data if isinstance(d, dict)]


def is_version_of(item: dict[str, Any], doi: str) -> bool:
    attrs = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
    for rel in attrs.get("relatedIdentifiers") or []:
        if (isinstance(rel, dict) and rel.get("relationType") == "IsVersionOf"
                and doi_of(rel.get("relatedIdentifier")) == doi):
            return True
    return False


def software_facts(doi: str, attrs: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any]:
    """SoftwareFacts: citations of the DOI and of its versions; the version count outside Zenodo."""
    own = [i for i in versions if is_version_of(i, doi) and doi_of(i.get("id")) != doi]
    cited = v.count(attrs.get("citationCount"))
    version_cites = [v.count((i.get("attributes") or {}).get("citationCount")) for i in own]
    facts: dict[str, Any] = {}
    if cited is not None or any(c is not None for c in version_cites):
        facts["citations"] = (cited or 0) + sum(c or 0 for c in version_cites)
    if not doi.startswith(ZENODO_PREFIX):
        counted = v.count(attrs.get("versionCount"))
        if counted is not None or own:
            facts["versions"] = max(counted or 0, len({doi_of(i.get("id")) for i in own}))
        concept = concept_of(doi, attrs, bool(own) or bool(counted))
        if concept:
            facts["concept_doi"] = concept
    return facts


def concept_of(doi: str, attrs: dict[str, Any], has_versions: bool) -> str | None:
    """The concept DOI of a software DOI: the DOI it `IsVersionOf`, or itself when versions
    declare it as theirs (the zenodo source states it for Zenodo DOIs)."""
    for rel in attrs.get("relatedIdentifiers") or []:
        if isinstance(rel, dict) and rel.get("relationType") == "IsVersionOf" and doi_of(rel.get("relatedIdentifier")):
            return doi_of(rel.get("relatedIdentifier"))
    return doi if has_versions else None


def count_facts(body: Any) -> dict[str, Any]:
    """OpenDataFacts from a `page[size]=0` list answer: total DOIs and summed yearly usage facets."""
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(meta, dict):
        raise BadResponse("DataCite list answer without meta")
    total = v.count(meta.get("total"))
    if total is None:
        raise BadResponse("DataCite list answer without meta.total")
    facts: dict[str, Any] = {"dois": total}
    for name in ("citations", "views", "downloads"):
        buckets = meta.get(name)
        if isinstance(buckets, list):
            facts[name] = sum(v.count(b.get("count")) or 0 for b in buckets if isinstance(b, dict))
    return facts


# --------------------------------------------------------------------------- iteration

class DataCite(Adapter):
    """`type: datacite`; `kind: software` (curated DOIs) or `kind: open_data` (prefixes, clients).

    params: `clients` {open_data id: DataCite client id}, `queries` {open_data id: DataCite query},
    `resource_type` (e.g. dataset: count only those), `page_size` (version query, default 1000),
    `max_pages` (default 20).
    """

    type: ClassVar[str] = "datacite"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software", "open_data")
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"software": SOFTWARE_FACTS, "open_data": OPEN_DATA_FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api = self.config.base_url.rstrip("/") + "/"

    def records(self) -> Iterator[dict[str, Any]]:
        if self.config.kind == "software":
            yield from self._software()
        else:  # "open_data": the base class refuses any other kind
            yield from self._collections()

    # ------------------------------------------------------------------ software

    def _software(self) -> Iterator[dict[str, Any]]:
        for sid, rec in records_of(self.context, "software"):
            doi = doi_of(rec.get("doi"))
            if doi is None:
                continue
            try:
                body = self.http.get(f"{self.api}dois/{quote(doi, safe='/')}").json()
            except NotFound:
                self.problem(f"{doi}: not a DataCite DOI")
                continue
            attrs = doi_attributes(body)
            check_doi(body, doi)
            facts = software_facts(doi, attrs, list(self._versions(doi)))
            if facts:
                yield {"id": sid, "facts": facts}

    def _versions(self, doi: str) -> Iterator[dict[str, Any]]:
        """Every DOI whose related identifiers mention this one, over cursor pages."""
        params: dict[str, Any] | None = {
            "query": f'relatedIdentifiers.relatedIdentifier:"{doi}"',
            "page[cursor]": 1, "page[size]": int(self.config.params.get("page_size", 1000)),
            "disable-facets": "true", "fields[dois]": "doi,citationCount,relatedIdentifiers"}
        url = f"{self.api}dois"
        origin = urlsplit(url)[:2]
        seen: set[str] = set()
        max_pages = int(self.config.params.get("max_pages", 20))
        for _ in range(max_pages):
            body = self.http.get(url, params=params).json()
            items = list_items(body)
            yield from items
            nxt = (body.get("links") or {}).get("next") if isinstance(body.get("links"), dict) else None
            if not nxt or not items:
                return
            if urlsplit(nxt)[:2] != origin or nxt in seen:
                raise BadResponse(f"{url}: refusing next link {nxt!r} (other host or a loop)")
            seen.add(nxt)
            url, params = nxt, None
        raise BadResponse(f"{self.api}dois: more than {max_pages} cursor pages for {doi}")

    # ------------------------------------------------------------------ open data

    def _collections(self) -> Iterator[dict[str, Any]]:
        for oid, query in sorted(self.collection_queries().items()):
            if self.config.params.get("resource_type"):
                query["resource-type-id"] = str(self.config.params["resource_type"])
            body = self.http.get(f"{self.api}dois", params={**query, "page[size]": 0}).json()
            yield {"id": oid, "facts": count_facts(body)}

    def collection_queries(self) -> dict[str, dict[str, str]]:
        """open_data id -> DataCite filter: `params.clients`, then `params.queries`, then the curated doi_prefix.

        A prefix names a registrant (a facility), not a collection: when records share one, only
        the record that is not a curated collection is counted by it, and the others need a
        client or a query.
        """
        clients, queries = self.config.params.get("clients") or {}, self.config.params.get("queries") or {}
        if not isinstance(clients, dict) or not isinstance(queries, dict):
            raise SourceError(f"{self.config.name}: params.clients and params.queries map open_data ids to strings")
        known = dict(records_of(self.context, "open_data"))
        out: dict[str, dict[str, str]] = {}
        for oid in sorted(set(clients) | set(queries)):
            if oid not in known:
                self.problem(f"{oid}: not an open_data record in the registry")
            elif oid in clients:
                out[oid] = {"client-id": str(clients[oid]).lower()}
            else:
                out[oid] = {"query": str(queries[oid])}
        by_prefix: dict[str, list[str]] = {}
        for oid, rec in known.items():
            if oid not in out and rec.get("doi_prefix"):
                by_prefix.setdefault(str(rec["doi_prefix"]), []).append(oid)
        for prefix, oids in sorted(by_prefix.items()):
            owners = [o for o in oids if known[o].get("type") != "curated-collection"] if len(oids) > 1 else oids
            if len(owners) == 1:
                out[owners[0]] = {"prefix": prefix}
            for oid in oids:
                if oid not in owners or len(owners) != 1:
                    others = ", ".join(o for o in oids if o != oid)
                    self.problem(f"{oid}: shares DOI prefix {prefix} with {others}; give it a DataCite client "
                                 "or query in params.clients / params.queries to count it")
        return out
