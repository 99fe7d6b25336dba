"""Check one URL with the harvester's shared transport and say what it is: alive, redirect,
inconclusive or dead.

The transport (`knowhow.harvest.http.HttpClient`) follows redirects itself and checks every hop
with `knowhow.harvest.urls.check_url`: http(s) only, never https to http, and every address the
host resolves to must be public, whatever numeric spelling the URL uses. So a registry URL (or a
redirect) pointing at 127.0.0.1, 10.x, 169.254.169.254 or `0x7f000001` is refused before any
connection is made.

Outcomes: 401, 403 and 429 are *inconclusive*: bot walls and rate limits say nothing about the
page, so they neither count as a failure nor reset the count. Everything else that fails is
*dead* for this run. Timeouts, connection errors and 5xx may pass, so they are not *definite*:
they count towards the consecutive failures of the status history but never fail a pull
request. Definite failures (404/410 and other 4xx, an unresolvable host, a refused address, too
many redirects) do.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable

import requests

from ..harvest.base import AuthError, BadResponse, NotFound, RateLimited, SourceError, SourceUnavailable
from ..harvest.http import HttpClient, HttpSettings, ResponseCache
from ..harvest.urls import BlockedURL, check_url
from ..sanitize import clean_line

log = logging.getLogger(__name__)

ALIVE, REDIRECT, INCONCLUSIVE, DEAD = "alive", "redirect", "inconclusive", "dead"
STATUSES = (ALIVE, REDIRECT, INCONCLUSIVE, DEAD)
# Servers that refuse HEAD answer these; the page may still be fine with GET.
RETRY_WITH_GET = (400, 403, 404, 405, 406, 429, 500, 501, 502, 503)
_CODE = re.compile(r"\bHTTP (\d{3})\b")

# Link checks ask once and move on: a slow or rate-limited site is inconclusive, not waited for.
LINK_SETTINGS = HttpSettings(connect_timeout=5.0, read_timeout=10.0, deadline=20.0, retries=1, backoff_factor=0.5,
                             backoff_max=2.0, backoff_jitter=0.5, retry_after_max=5.0,
                             max_bytes=2 * 1024 * 1024, max_redirects=5)


@dataclass(frozen=True)
class Result:
    """What one check found. `definite` marks a failure that is not the network's fault."""

    url: str
    status: str
    code: int | None = None
    final_url: str | None = None
    reason: str = ""
    definite: bool = False

    @property
    def failed(self) -> bool:
        return self.status == DEAD


def _code(exc: BaseException) -> int | None:
    m = _CODE.search(str(exc))
    return int(m.group(1)) if m else None


def _normal(url: str) -> str:
    prepared = requests.models.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except requests.RequestException:
        return url
    return prepared.url or url


def _classify(url: str, exc: SourceError) -> Result:
    code, reason = _code(exc), clean_line(str(exc), 200)
    if isinstance(exc, (RateLimited, AuthError)):
        return Result(url, INCONCLUSIVE, code, reason=reason)
    if isinstance(exc, NotFound):
        return Result(url, DEAD, code, reason=reason, definite=True)
    if isinstance(exc, SourceUnavailable):
        # Timeouts, refused connections, 5xx: maybe passing, so dead but not definite.
        return Result(url, DEAD, code, reason=reason)
    if isinstance(exc, BadResponse) and "exceeds the" in reason and code is None:
        # The server answered 2xx with a body larger than a link check reads: it is there.
        return Result(url, ALIVE, reason="large body")
    return Result(url, DEAD, code, reason=reason, definite=True)


def check(client: HttpClient, url: str) -> Result:
    """HEAD, then GET if the server seems to refuse HEAD; never raises for a bad link."""
    try:
        check_url(url, allow_private=client.settings.allow_private)
    except BlockedURL as exc:
        return Result(url, DEAD, reason=clean_line(f"refused: {exc}", 200), definite=True)
    first: SourceError | None = None
    for method in ("HEAD", "GET"):
        try:
            resp = client.request(method, url, expect="text")
        except SourceError as exc:
            code = _code(exc)
            if method == "HEAD" and (code in RETRY_WITH_GET or isinstance(exc, (NotFound, AuthError,
                                                                                 RateLimited))):
                first = exc
                continue
            return _classify(url, exc)
        except (requests.RequestException, OSError) as exc:  # the transport should map these; be safe
            return Result(url, INCONCLUSIVE, reason=clean_line(f"{type(exc).__name__}: {exc}", 200))
        final = resp.url or url
        if _normal(final) != _normal(url):
            return Result(url, REDIRECT, resp.status, final_url=final)
        return Result(url, ALIVE, resp.status)
    assert first is not None
    return _classify(url, first)


def check_all(urls: Iterable[str], settings: HttpSettings = LINK_SETTINGS, workers: int = 8,
              progress: Callable[[Result], None] | None = None) -> dict[str, Result]:
    """Check many URLs; one host is asked one URL at a time, several hosts in parallel."""
    from urllib.parse import urlsplit

    by_host: dict[str, list[str]] = {}
    for url in sorted(set(urls)):
        by_host.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
    results: dict[str, Result] = {}
    lock = threading.Lock()

    def host_job(batch: list[str]) -> None:
        # One client per host batch: its session, retry budget and rate-limit memory stay per host.
        with HttpClient(settings, cache=ResponseCache(None), source="links") as client:
            for url in batch:
                result = check(client, url)
                with lock:
                    results[url] = result
                if progress:
                    progress(result)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in [pool.submit(host_job, batch) for batch in by_host.values()]:
            future.result()
    return dict(sorted(results.items()))
