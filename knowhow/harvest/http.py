"""The one HTTP transport of the harvester (implements `base.Http`).

requests for the session, urllib3 `Retry` for retries (connection errors, 429, 5xx; exponential
back-off with jitter; Retry-After honoured up to a cap, above it the source stops as rate
limited). Everything requests leaves open is done here: a total deadline per request and a cap
on the *decoded* size while streaming (a double-gzip bomb stops at the cap), content-type and
HTML-error-page checks, strict JSON, redirects followed by hand so each hop is checked
(http(s) only, public addresses, never https to http, the token only to its own hosts), and a
small on-disk store of validators (ETag / Last-Modified) so an unchanged upstream costs a 304.
Helpers live beside it: `retry.py` (the Retry policy, rate-limit headers), `cache.py` (the
store), `urls.py` (which addresses may be fetched).

Why not requests-cache: it reads the whole body into memory when it saves a response
(`CachedResponse.from_response` calls `response.content`), which defeats the streaming size cap
and the deadline; conditional requests need only a small store (`ResponseCache`).
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import parse_header_links
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    DecodeError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from .. import __version__
from ..sanitize import clean_line
from .base import AuthError, BadResponse, NotFound, RateLimited, SourceUnavailable
from .cache import KEPT_HEADERS, ResponseCache, Stored
from .retry import CountingRetry, reset_time, retry_after_seconds
from .urls import BlockedURL, Unresolvable, check_url, is_public_address

log = logging.getLogger(__name__)
ERROR_BODY_BYTES = 16_384  # enough for an OAI-PMH or JSON error document

USER_AGENT = (f"knowhow-harvester/{__version__} (LEAPS WG3 know-how portal; "
              "+https://github.com/leaps-wg3/knowhow)")
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = {"json": "application/json", "xml": "application/xml, text/xml;q=0.9",
          "ical": "text/calendar, text/plain;q=0.5", "text": "*/*"}
# Substrings the Content-Type must contain for each expectation ("text" takes anything).
CONTENT_TYPES = {"json": ("json", "javascript", "text/plain"), "xml": ("xml",),
                 "ical": ("calendar", "text/plain", "octet-stream", "ics"), "text": ()}


@dataclass(frozen=True)
class HttpSettings:
    """Transport limits; tests shrink them, the CLI keeps the defaults."""

    user_agent: str = USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float = 120.0  # whole request, body included
    retries: int = 3
    backoff_factor: float = 1.0
    backoff_max: float = 30.0
    backoff_jitter: float = 1.0
    retry_after_max: float = 120.0  # a longer Retry-After stops the source (rate limited) instead of sleeping
    max_bytes: int = 64 * 1024 * 1024  # decoded body
    max_redirects: int = 5
    allow_private: frozenset[str] = frozenset()  # hosts exempt from the public-address rule (tests only)
    cache_ttl: float = 0.0  # serve a stored response without asking when younger than this


@dataclass
class Stats:
    """What the transport did for one source, for the run report."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    not_modified: int = 0  # 304 answers to conditional requests
    cache_hits: int = 0  # answered from the local store without asking (cache_ttl)
    bytes: int = 0  # decoded body bytes received

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Token:
    """A secret read from the environment; only its variable name is ever shown."""

    env: str
    value: str = field(repr=False)
    hosts: frozenset[str] = frozenset()
    header: str = "Authorization"
    scheme: str = "Bearer"

    def header_value(self) -> str:
        return f"{self.scheme} {self.value}" if self.scheme else self.value

    def __str__(self) -> str:
        return f"${self.env}"


class HttpResponse:
    """A fully read, checked response (base.Response)."""

    def __init__(self, status: int, headers: Mapping[str, str], url: str, content: bytes, *,
                 from_cache: bool = False, not_modified: bool = False):
        self.status = status
        self.headers = CaseInsensitiveDict(headers)
        self.url = url
        self.content = content
        self.from_cache = from_cache
        self.not_modified = not_modified
        self._json: Any = None

    @property
    def text(self) -> str:
        return self.content.decode(_charset(self.headers.get("Content-Type", "")), errors="replace")

    def json(self) -> Any:
        if self._json is None:
            self._json = parse_json(self.content, self.url)
        return self._json

    @property
    def links(self) -> dict[str, dict[str, str]]:
        value = self.headers.get("Link")
        if not value:
            return {}
        return {(link.get("rel") or link.get("url")): link for link in parse_header_links(value)}

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status} {self.url}{' cached' if self.from_cache else ''}>"


def _charset(content_type: str) -> str:
    m = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    if m:
        try:
            "".encode(m.group(1))
            return m.group(1)
        except LookupError:
            pass
    return "utf-8"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_json(content: bytes, url: str = "") -> Any:
    """Strict JSON: NaN/Infinity and duplicate keys are errors; failures are BadResponse."""
    try:
        text = content.decode("utf-8-sig")
        return jsonlib.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_pairs)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadResponse(f"invalid JSON from {url}: {exc}"[:300]) from None


# --------------------------------------------------------------------------- client

class HttpClient:
    """One per source: a requests session with retries, limits, checks and the conditional store."""

    def __init__(self, settings: HttpSettings | None = None, *, cache: ResponseCache | None = None,
                 token: Token | None = None, source: str = "", deadline: float | None = None):
        self.settings = settings or HttpSettings()
        # The source's whole budget (sources.yaml `deadline_seconds`): every request and body
        # read stops when it is spent, so one source that drips or hangs cannot eat the night.
        self.source_deadline = deadline
        self.deadline_at = time.monotonic() + deadline if deadline else None
        self.cache = cache if cache is not None else ResponseCache()
        self.token = token
        self.source = source
        self.stats = Stats()
        self._blocked_until: dict[str, tuple[float, str | None]] = {}
        s = self.settings
        retry = CountingRetry(total=s.retries, connect=s.retries, read=s.retries, status=s.retries, other=0,
                       redirect=False, backoff_factor=s.backoff_factor, backoff_max=s.backoff_max,
                       backoff_jitter=s.backoff_jitter, status_forcelist=(429, 500, 502, 503, 504),
                       # GraphQL reads are POSTs; nothing here writes.
                       allowed_methods=frozenset({"GET", "HEAD", "POST"}),
                       respect_retry_after_header=True, retry_after_max=int(s.retry_after_max),
                       raise_on_status=False, raise_on_redirect=False)
        retry.stats = self.stats
        self.session = requests.Session()
        self.session.trust_env = False  # no ~/.netrc credentials sent to harvested hosts
        self.session.headers["User-Agent"] = s.user_agent
        adapter = PeerCheckedAdapter(s.allow_private, max_retries=retry, pool_connections=4, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    def get(self, url: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, expect: str = "json") -> HttpResponse:
        return self.request("GET", url, params=params, headers=headers, expect=expect)

    def post(self, url: str, *, json: Any, headers: Mapping[str, str] | None = None,
             expect: str = "json") -> HttpResponse:
        body = jsonlib.dumps(json, sort_keys=True, separators=(",", ":")).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", url, body=body, headers=hdrs, expect=expect)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, body: bytes = b"",
                headers: Mapping[str, str] | None = None, expect: str = "json") -> HttpResponse:
        if expect not in ACCEPT:
            raise ValueError(f"expect must be one of {', '.join(ACCEPT)}")
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, params)
        full_url = prepared.url or url
        host = urlsplit(full_url).hostname or ""
        self._check_blocked(host)
        self._check_deadline(full_url)
        authed = self._token_for(full_url) is not None
        key = ResponseCache.key(method, full_url, body, authed)
        stored = self.cache.get(key)
        if stored and self.settings.cache_ttl > 0 and time.time() - stored.stored_at < self.settings.cache_ttl:
            self.stats.cache_hits += 1
            return HttpResponse(stored.status, stored.headers, stored.url, stored.content, from_cache=True)
        hdrs = {"Accept": ACCEPT[expect], **(headers or {})}
        if stored:
            hdrs.update(stored.validators)
        started = time.monotonic()
        retries_before = self.stats.retries
        resp = self._send(method, full_url, body, hdrs)
        try:
            self._note_rate_limit(host, resp)
            if resp.status_code == 304:
                if stored is None:
                    raise BadResponse(f"304 Not Modified from {full_url} but nothing is cached")
                self.stats.not_modified += 1
                stored.stored_at = time.time()
                self.cache.put(key, stored)
                return HttpResponse(stored.status, stored.headers, stored.url, stored.content,
                                    from_cache=True, not_modified=True)
            if resp.status_code >= 300:
                self._raise_for_status(resp, full_url, self.stats.retries - retries_before)
            content = self._read_body(resp, started, full_url)
        finally:
            resp.close()
        checked_type(resp.headers.get("Content-Type", ""), content, expect, full_url)
        out = HttpResponse(resp.status_code, dict(resp.headers), resp.url or full_url, content)
        if expect == "json":
            out.json()  # parse now: a malformed body is a failure of the source, here
        kept = {k: v for k, v in ((h, resp.headers.get(h)) for h in KEPT_HEADERS) if v}
        # Stored even without validators, so a later run with cache_ttl can use it.
        self.cache.put(key, Stored(out.url, out.status, kept, time.time(), content))
        return out

    # ------------------------------------------------------------------ steps

    def _token_for(self, url: str) -> Token | None:
        t = self.token
        if t is None:
            return None
        host = urlsplit(url).hostname or ""
        return t if host in t.hosts else None

    def _remaining(self) -> float | None:
        return None if self.deadline_at is None else self.deadline_at - time.monotonic()

    def _check_deadline(self, url: str) -> None:
        left = self._remaining()
        if left is not None and left <= 0:
            raise SourceUnavailable(f"{url}: cut at the source's deadline of {self.source_deadline:g} s")

    def _check_blocked(self, host: str) -> None:
        until = self._blocked_until.get(host)
        if until and until[0] > time.time():
            raise RateLimited(f"{host}: rate limit exhausted, not asking again before {until[1] or 'reset'}",
                              until[1])

    def _note_rate_limit(self, host: str, resp: requests.Response) -> None:
        if resp.headers.get("x-ratelimit-remaining") == "0":
            reset = reset_time({"x-ratelimit-reset": resp.headers.get("x-ratelimit-reset", "")})
            reset_ts = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() if reset else time.time() + 60
            self._blocked_until[host] = (reset_ts, reset)

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        s = self.settings
        previous: str | None = None
        for _ in range(s.max_redirects + 1):
            try:
                check_url(url, allow_private=s.allow_private, came_from=previous)
            except Unresolvable as exc:
                raise SourceUnavailable(str(exc)) from None
            except BlockedURL as exc:
                raise BadResponse(f"refused {url}: {exc}") from None
            hdrs = dict(headers)
            token = self._token_for(url)
            if token is not None:
                hdrs[token.header] = token.header_value()
            self.stats.requests += 1
            log.debug("%s %s", method, url)
            left = self._remaining()
            read_timeout = s.read_timeout if left is None else max(0.05, min(s.read_timeout, left))
            try:
                resp = self.session.request(method, url, data=body or None, headers=hdrs, stream=True,
                                            allow_redirects=False, timeout=(s.connect_timeout, read_timeout))
            except requests.Timeout as exc:
                self._check_deadline(url)
                raise SourceUnavailable(f"{urlsplit(url).netloc}: timed out ({_reason(exc)})") from None
            except requests.RequestException as exc:
                self._check_deadline(url)  # a read cut short by the source's budget says so
                raise SourceUnavailable(f"{urlsplit(url).netloc}: {_reason(exc)}") from None
            if resp.status_code not in REDIRECTS or not resp.headers.get("Location"):
                return resp
            resp.close()
            previous, url = url, urljoin(url, resp.headers["Location"])
            if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                method, body = "GET", b""
        raise BadResponse(f"more than {s.max_redirects} redirects from {previous}")

    def _raise_for_status(self, resp: requests.Response, url: str, retried: int = 0) -> None:
        status = resp.status_code
        netloc = urlsplit(url).netloc
        try:
            body = resp.raw.read(ERROR_BODY_BYTES, decode_content=True)
        except Exception:  # the body of an error is only a hint
            body = b""
        snippet = clean_line(body[:2000].decode("utf-8", "replace"), 160)
        where = f"HTTP {status} from {netloc}" + (f": {snippet}" if snippet else "")
        kw = {"status": status, "body": body}
        limited = resp.headers.get("x-ratelimit-remaining") == "0" or retry_after_seconds(resp.headers) is not None
        if status == 429 or (status == 403 and (limited or "rate limit" in snippet.lower())):
            raise RateLimited(where, reset_time(resp.headers), **kw)
        if status in (401, 403):
            hint = f" (check {self.token})" if self.token else ""
            raise AuthError(where + hint, **kw)
        if status in (404, 410):
            raise NotFound(where, **kw)
        if status >= 500:
            # Say what happened: a Retry-After beyond the cap is not waited for, so no retry was made.
            wait = retry_after_seconds(resp.headers)
            tries = "no retry" if retried == 0 else f"after {retried} retr{'y' if retried == 1 else 'ies'}"
            if wait is not None and wait > self.settings.retry_after_max:
                raise SourceUnavailable(f"{where} ({tries}: Retry-After of {wait:.0f} s exceeds the "
                                        f"{self.settings.retry_after_max:g} s cap)", **kw)
            raise SourceUnavailable(f"{where} ({tries})", **kw)
        raise BadResponse(where, **kw)

    def _read_body(self, resp: requests.Response, started: float, url: str) -> bytes:
        s = self.settings
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > s.max_bytes:
            raise BadResponse(f"{url}: body of {int(declared):,} bytes exceeds the {s.max_bytes:,}-byte cap")
        buf = bytearray()
        raw = resp.raw
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        try:
            while True:
                if time.monotonic() - started > s.deadline:
                    raise SourceUnavailable(f"{url}: no complete answer within {s.deadline:g} s")
                self._check_deadline(url)
                left = self._remaining()
                if left is not None and sock is not None:
                    # A server that sends headers and then hangs is cut when the budget ends,
                    # not a full read timeout later.
                    sock.settimeout(max(0.05, min(s.read_timeout, left)))
                # read1 returns what has arrived (never waits for a full chunk), so a slow drip
                # cannot hold us past the deadline by more than one read timeout.
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > s.max_bytes:
                    raise BadResponse(f"{url}: decoded body exceeds the {s.max_bytes:,}-byte cap")
        except (ReadTimeoutError, requests.Timeout, TimeoutError) as exc:
            self._check_deadline(url)
            raise SourceUnavailable(f"{url}: timed out while reading ({_reason(exc)})") from None
        except ProtocolError as exc:
            raise BadResponse(f"{url}: truncated body ({_reason(exc)})") from None
        except DecodeError as exc:
            raise BadResponse(f"{url}: undecodable body ({_reason(exc)})") from None
        except OSError as exc:
            raise SourceUnavailable(f"{url}: connection lost ({_reason(exc)})") from None
        self.stats.bytes += len(buf)
        return bytes(buf)


def _reason(exc: BaseException) -> str:
    """A short reason from requests/urllib3's nested exceptions (never headers or tokens)."""
    if isinstance(exc, ProtocolError) and len(exc.args) > 1 and isinstance(exc.args[1], BaseException):
        exc = exc.args[1]
    while isinstance(exc, (requests.RequestException, MaxRetryError)) and exc.args:
        inner = getattr(exc, "reason", None) or (exc.args[0] if isinstance(exc.args[0], BaseException) else None)
        if inner is None or inner is exc:
            break
        exc = inner
    text = str(exc)
    text = re.sub(r"<urllib3\.[^>]*>: ?", "", text)
    return clean_line(text, 200) or type(exc).__name__


def checked_type(content_type: str, content: bytes, expect: str, url: str) -> None:
    """Raise BadResponse when the body is not the kind of document expected (HTML error pages first)."""
    if expect == "text":
        return
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    ctype = content_type.lower()
    if "text/html" in ctype or head.startswith((b"<!doctype html", b"<html")):
        raise BadResponse(f"{url}: an HTML page where {expect} was expected")
    if ctype and not any(part in ctype for part in CONTENT_TYPES[expect]):
        raise BadResponse(f"{url}: content type {content_type!r} where {expect} was expected")
    if expect == "ical" and not head.startswith(b"begin:vcalendar"):
        raise BadResponse(f"{url}: body does not start with BEGIN:VCALENDAR")
    if expect == "xml" and not head.startswith(b"<"):
        raise BadResponse(f"{url}: body is not XML")


def token_from_env(params: Mapping[str, Any], base_url: str, env: Mapping[str, str] | None = None) -> Token | None:
    """The source's token, from the environment variable named by `token_env` (absent: no token)."""
    name = params.get("token_env")
    if not name:
        return None
    value = (env if env is not None else os.environ).get(str(name), "").strip()
    if not value:
        return None
    hosts = {urlsplit(base_url).hostname or ""} | set(params.get("token_hosts") or ())
    header = str(params.get("token_header") or "Authorization")
    scheme = "Bearer" if header.lower() == "authorization" else ""
    return Token(str(name), value, frozenset(h for h in hosts if h), header, scheme)


class _PeerCheck:
    """Refuses a connection whose peer is not a public address.

    `check_url` resolves the host before the request; this checks the address the socket
    actually reached, so DNS that answers differently the second time (rebinding) cannot
    steer a fetch to an internal address.
    """

    allow_private: frozenset[str] = frozenset()

    def _new_conn(self):  # type: ignore[no-untyped-def]
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        exempt = self.host in self.allow_private or f"{self.host}:{self.port}" in self.allow_private
        if not exempt and not is_public_address(peer):
            sock.close()
            raise NewConnectionError(self, f"refused: {self.host} connected to the non-public address {peer}")
        return sock


class PeerCheckedAdapter(HTTPAdapter):
    """requests' adapter with connection pools whose connections check their peer address."""

    def __init__(self, allow_private: frozenset[str], **kw: Any):
        conn = type("PeerCheckedHTTPConnection", (_PeerCheck, HTTPConnection), {"allow_private": allow_private})
        sconn = type("PeerCheckedHTTPSConnection", (_PeerCheck, HTTPSConnection), {"allow_private": allow_private})
        self._pools = {"http": type("PeerCheckedPool", (HTTPConnectionPool,), {"ConnectionCls": conn}),
                       "https": type("PeerCheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": sconn})}
        super().__init__(**kw)

    def init_poolmanager(self, *args: Any, **kw: Any) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = self._pools


def client_for(name: str, base_url: str, params: Mapping[str, Any], settings: HttpSettings,
               cache: ResponseCache, env: Mapping[str, str] | None = None,
               deadline: float | None = None) -> HttpClient:
    """The transport for one configured source (`deadline`: its whole budget in seconds)."""
    return HttpClient(settings, cache=cache, token=token_from_env(params, base_url, env), source=name,
                      deadline=deadline)


def allow_hosts(*urls: str) -> frozenset[str]:
    """The host:port of each URL, for `HttpSettings.allow_private` (tests pointing at 127.0.0.1)."""
    out = set()
    for u in urls:
        p = urlsplit(u)
        if p.hostname:
            out.add(f"{p.hostname}:{p.port or (443 if p.scheme == 'https' else 80)}")
    return frozenset(out)
