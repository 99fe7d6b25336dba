"""PaNOSC search API: how many public datasets and documents a facility's catalogue holds.

Each facility runs a PaNOSC search API (LoopBack 3: `/Datasets`, `/Documents`, each with
`/count`); the federated service (`federated.panosc.ess.eu`) fans a query out to all of them and
only returns a summed count, so per-facility figures come from each facility's own API, the URL
the federated service reports as an item's `provider`.

Which API feeds which open_data record, first rule that applies:
1. `params.providers` {open_data id: API URL}; a relative URL is resolved against base_url, so
   one instance (base_url = the federated host or a mirror) can serve every facility;
2. `params.record`: that open_data record, from the API at base_url;
3. every open_data record whose curated `api` is `{type: panosc, endpoint: URL}`.

`GET {api}/Datasets/count` answers `{"count": N}`. An API without count endpoints is paged with
the LoopBack filter `{"limit": L, "skip": S, "fields": {"pid": true}}` until a short page.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Iterator
from urllib.parse import urljoin

from ...sanitize import safe_url
from ..base import Adapter, BadResponse, NotFound, SourceError, WrongAnswer
from . import values as v
from .targets import records_of, same_endpoint

FACTS = ("datasets", "documents")
MODELS = {"datasets": "Datasets", "documents": "Documents"}


# --------------------------------------------------------------------------- mapping (pure)

def count_of(body: Any) -> int:
    """N from a LoopBack count answer (`{"count": N}`; a bare number is accepted too)."""
    n = v.count(body.get("count") if isinstance(body, dict) else body)
    if n is None:
        raise BadResponse(f"not a LoopBack count answer: {str(body)[:80]!r}")
    return n


def page_pids(body: Any, api: str | None = None) -> list[str]:
    """The pids of one `/Datasets` or `/Documents` page (a JSON array of objects).

    An item naming its `provider` (the federated service adds it) must come from `api`, the
    facility API asked: WrongAnswer otherwise, so one facility is never counted for another.
    """
    if not isinstance(body, list):
        raise BadResponse("PaNOSC list answer is not a JSON array")
    pids = []
    for item in body:
        provider = item.get("provider") if isinstance(item, dict) else None
        if api is not None and provider is not None and not same_endpoint(provider, api):
            raise WrongAnswer(f"{api}: an item from provider {str(provider)[:100]!r}; nothing taken")
        pid = item.get("pid") if isinstance(item, dict) else None
        if not isinstance(pid, (str, int)) or not str(pid).strip():
            raise BadResponse(f"PaNOSC item without a pid: {str(item)[:80]!r}")
        pids.append(str(pid).strip())
    return pids


def loopback_filter(limit: int, skip: int) -> str:
    """The `filter` query value: compact JSON, as LoopBack reads it."""
    return json.dumps({"limit": limit, "skip": skip, "fields": {"pid": True}}, separators=(",", ":"), sort_keys=True)


# --------------------------------------------------------------------------- iteration

class PaNOSC(Adapter):
    """`type: panosc`, `kind: open_data`.

    params: `providers` {open_data id: API URL}, `record` (open_data id for base_url),
    `page_size` (fallback paging, default 100), `max_pages` (default 200).
    """

    type: ClassVar[str] = "panosc"
    kind: ClassVar[str] = "open_data"
    kinds: ClassVar[tuple[str, ...]] = ("open_data",)
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"open_data": FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.base = self.config.base_url.rstrip("/") + "/"

    def targets(self) -> dict[str, str]:
        """open_data id -> API base URL (ending in '/')."""
        params = self.config.params
        known = dict(records_of(self.context, "open_data"))
        if params.get("providers"):
            if not isinstance(params["providers"], dict):
                raise SourceError(f"{self.config.name}: params.providers must map open_data ids to API URLs")
            wanted = {str(k): urljoin(self.base, str(u)) for k, u in params["providers"].items()}
        elif params.get("record"):
            wanted = {str(params["record"]): self.base}
        else:
            wanted = {}
            for oid, rec in known.items():
                api = rec.get("api") if isinstance(rec.get("api"), dict) else {}
                if api.get("type") == "panosc" and safe_url(api.get("endpoint")):
                    wanted[oid] = str(api["endpoint"])
        out: dict[str, str] = {}
        for oid, url in sorted(wanted.items()):
            if oid not in known:
                self.problem(f"{oid}: not an open_data record in the registry")
            elif not safe_url(url):
                self.problem(f"{oid}: {url!r} is not an http(s) API URL")
            else:
                out[oid] = url.rstrip("/") + "/"
        return out

    def records(self) -> Iterator[dict[str, Any]]:
        for oid, api in self.targets().items():
            facts: dict[str, Any] = {}
            errors: dict[str, str] = {}
            for fact, model in MODELS.items():
                n, complete = self._count(api, model)
                if n is None:
                    continue
                if not complete:  # a partial count is never published; the store keeps the last one
                    errors[f"facts.{fact}"] = f"{model} could not be counted to the end"
                    continue
                facts[fact] = n
            if facts or errors:
                yield {"id": oid, "facts": facts, **({"_errors": errors} if errors else {})}

    def _count(self, api: str, model: str) -> tuple[int | None, bool]:
        try:
            return count_of(self.http.get(f"{api}{model}/count").json()), True
        except NotFound:
            pass  # an implementation without count endpoints: page through the pids instead
        try:
            return self._paged_count(api, model)
        except NotFound:
            self.problem(f"{api}: no {model} endpoint")
            return None, True

    def _paged_count(self, api: str, model: str) -> tuple[int, bool]:
        size = max(1, int(self.config.params.get("page_size", 100)))
        max_pages = int(self.config.params.get("max_pages", 200))
        pids: set[str] = set()
        for page in range(max_pages):
            items = page_pids(self.http.get(f"{api}{model}", params={"filter": loopback_filter(size, page * size)}).json(),
                              api)
            before = len(pids)
            pids.update(items)
            if len(items) < size:
                return len(pids), True
            if len(pids) == before:
                raise BadResponse(f"{api}{model}: skip={page * size} returned the same items again")
        self.problem(f"{api}{model}: more than {max_pages} pages; count kept from the last complete run")
        return len(pids), False
