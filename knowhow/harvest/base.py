"""The contract between the harvest runner and each source adapter.

An adapter has three parts: transport (the shared `Http`, the only code that talks HTTP),
iteration (`records()`, a generator that hides pagination) and mapping (a pure function from
one API item to one record dict, tested without a network).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator, Mapping, Protocol
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)


class SourceError(Exception):
    """Stops one source's run; its previous records stay untouched. Subclasses say why.

    For HTTP errors, `status` and the first bytes of the error `body` let an adapter read
    protocol errors that an API sends with a 4xx (OAI-PMH on Zenodo answers 422).
    """

    reason: ClassVar[str] = "failed"

    def __init__(self, message: str = "", *, status: int | None = None, body: bytes | None = None):
        super().__init__(message)
        self.status = status
        self.body = body


class SourceUnavailable(SourceError):
    """Timeouts, connection errors, 5xx after retries."""

    reason = "unavailable"


class BadResponse(SourceError):
    """A body that is not what the API promises: wrong content type, HTML with 200, truncated, unparsable."""

    reason = "bad-response"


class WrongAnswer(BadResponse):
    """An answer about another record than the one asked for (another Zenodo concept, DOI,
    repository or PaNOSC provider): nothing from it is taken, and the source stops."""

    reason = "wrong-answer"


class NotFound(BadResponse):
    """404/410: adapters may catch it for one item (a repository without releases) and go on."""

    reason = "not-found"


class AuthError(SourceError):
    reason = "auth"


class RateLimited(SourceError):
    """The source told us to stop; `reset` is when it may be asked again (ISO 8601, UTC) if known."""

    reason = "rate-limited"

    def __init__(self, message: str, reset: str | None = None, **kw):
        super().__init__(message, **kw)
        self.reset = reset


@dataclass(frozen=True)
class SourceConfig:
    """One entry of harvest/sources.yaml."""

    name: str  # unique instance name, e.g. "desy-indico"
    type: str  # adapter type, e.g. "indico"
    kind: str  # record kind it fills
    base_url: str  # full URL, may carry a path prefix
    params: Mapping[str, Any] = field(default_factory=dict)
    schedule: str = "daily"
    label: str = ""  # how people name it in summaries ("DESY"); defaults to name
    stale_after_days: int = 7
    min_keep_ratio: float = 0.5  # fewer than this fraction of last run's records: delete nothing, report
    max_figure_drop: float = 0.5  # a facts.* count falling by more than this fraction is held (guard.py)
    figure_overrides: Mapping[str, float] = field(default_factory=dict)  # facts.FIELD -> its own max drop
    deadline: float = 240.0  # seconds for the whole source, all requests included; then it is cut


@dataclass(frozen=True)
class ItemProblem:
    """One item a source got wrong, for the per-source list in the run report."""

    code: str  # invalid-date | duplicate | dropped | partial | mismatch | unreadable | end-before-start ...
    item: str  # the item's id at the source (identifier, UID, slug, DOI), "" when it has none
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "id": self.item, "message": self.message}


class Response(Protocol):
    status: int
    headers: Mapping[str, str]
    url: str
    from_cache: bool  # answered by the local cache or a 304
    not_modified: bool  # the server answered 304 to a conditional request
    links: Mapping[str, Mapping[str, str]]  # RFC 8288 Link header by rel, as in requests
    content: bytes

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Http(Protocol):
    """The shared transport; raises SourceError subclasses, never returns an error page as data."""

    def get(self, url: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, expect: str = "json") -> Response: ...

    def post(self, url: str, *, json: Any, headers: Mapping[str, str] | None = None,
             expect: str = "json") -> Response: ...


class Adapter:
    """Base of every source adapter; subclasses set `type` and `kind` (or `kinds`) and implement `records`."""

    type: ClassVar[str]
    kind: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ()  # the record kinds it can fill; empty means just `kind`

    def __init__(self, config: SourceConfig, http: Http, context: Mapping[str, Any] | None = None):
        fills = self.kinds or (self.kind,)
        if config.kind not in fills:
            raise SourceError(f"{config.name}: {self.type} fills {' or '.join(fills)}, not {config.kind!r}")
        self.config = config
        self.http = http
        # Read-only view of the registry the adapter may need (e.g. which repositories to ask about).
        self.context = context or {}
        # Per-record problems (skipped items), reported but not fatal; `items` is the same news
        # per item, with the item's id and a code, for the report's per-source list.
        self.problems: list[str] = []
        self.items: list[ItemProblem] = []
        # False when items were skipped as unreadable: the store then withdraws nothing this run,
        # because a lenient parse is not proof that a record vanished upstream.
        self.complete = True

    def records(self) -> Iterator[dict[str, Any]]:
        """Yield one record dict per item (with 'id'); raise SourceError to stop the source."""
        raise NotImplementedError

    def problem(self, message: str, *, skipped: bool = False, item: str | None = None,
                code: str | None = None) -> None:
        """Report a problem; `skipped` items make the run incomplete (nothing is withdrawn).

        With `item` (the item's id at the source) it is also listed per item in the report,
        under `code` (default "dropped" when skipped, else "unreadable").
        """
        log.warning("%s: %s", self.config.name, message)
        self.problems.append(message)
        if item is not None:
            self.items.append(ItemProblem(code or ("dropped" if skipped else "unreadable"), str(item)[:200],
                                          message))
        if skipped:
            self.complete = False

    def get_object(self, url: str, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A JSON object from url; anything else is a bad response."""
        body = self.http.get(url, params=params, headers=headers).json()
        if not isinstance(body, dict):
            raise BadResponse(f"{url}: expected a JSON object")
        return body

    def list_pages(self, url: str, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Objects of a JSON-array list endpoint, page after page (`params.max_pages`, default 50).

        Follows `Link: rel="next"` on the same host (GitHub, GitLab; a relative link is resolved
        against the page it came with) or `X-Next-Page` (GitLab without keyset paging); a next
        link to another host, or a page seen twice, is refused.
        """
        max_pages = int(self.config.params.get("max_pages", 50))
        origin = urlsplit(url)[:2]
        base_params = dict(params or {})
        seen: set[str] = set()
        current: Mapping[str, Any] | None = params
        for _ in range(max_pages):
            resp = self.http.get(url, params=current, headers=headers)
            items = resp.json()
            if not isinstance(items, list):
                raise BadResponse(f"{url}: expected a JSON array")
            yield from (i for i in items if isinstance(i, dict))
            nxt = (resp.links.get("next") or {}).get("url")
            nxt = urljoin(resp.url or url, nxt.strip()) if nxt else None
            page = (resp.headers.get("X-Next-Page") or "").strip()
            if nxt:
                if urlsplit(nxt)[:2] != origin or nxt in seen:
                    raise BadResponse(f"{url}: refusing next link {nxt!r} (other host or a loop)")
                seen.add(nxt)
                url, current = nxt, None
            elif page.isdigit():
                if page in seen:
                    raise BadResponse(f"{url}: page {page} served twice")
                seen.add(page)
                current = {**base_params, "page": page}
            else:
                return
        raise BadResponse(f"{url}: more than {max_pages} pages; raise max_pages if this is real")

    def get_optional(self, url: str, params: Mapping[str, Any] | None = None,
                     headers: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """Like get_object, for a resource whose absence is an answer (no release yet): None on 404."""
        try:
            return self.get_object(url, params, headers)
        except NotFound:
            return None
