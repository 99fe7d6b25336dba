"""Retries and rate-limit headers: urllib3 `Retry` that counts and knows when to give up."""

from __future__ import annotations

import email.utils
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.exceptions import ResponseError as Urllib3ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from .http import Stats


class CountingRetry(Retry):
    """urllib3 Retry that counts attempts and gives up (instead of sleeping) on long waits."""

    stats: Stats | None = None

    def new(self, **kw: Any) -> "CountingRetry":
        new = super().new(**kw)
        new.stats = self.stats
        return new

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:  # an unreadable Retry-After falls back to back-off
            return None

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> "CountingRetry":
        if response is not None:
            wait = retry_after_seconds(response.headers)
            exhausted = response.headers.get("x-ratelimit-remaining") == "0"
            if exhausted or (wait is not None and wait > self.retry_after_max):
                # Hand the response back unretried; the client turns it into RateLimited.
                raise MaxRetryError(_pool, url, Urllib3ResponseError("rate limited"))  # type: ignore[arg-type]
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.stats is not None:
            self.stats.retries += 1
            self.stats.requests += 1
        return new


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def reset_time(headers: Mapping[str, str]) -> str | None:
    """When a rate-limited source may be asked again (ISO 8601 UTC), from the usual headers."""
    wait = retry_after_seconds(headers)
    if wait is not None:
        return _iso(time.time() + wait)
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = (headers.get(name) or "").strip()
        if value.isdigit():
            n = int(value)
            return _iso(n if n > 1_000_000_000 else time.time() + n)  # epoch (GitHub) or delta (IETF draft)
    return None
