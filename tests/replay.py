"""A real HTTP server on 127.0.0.1 that replays recorded responses, with injectable faults.

    with Replay() as srv:
        srv.add("/tess/events.json_api", Path("tests/data/harvest/tess/events_page1.json"),
                query={"page_number": "1"}, content_type="application/vnd.api+json")
        srv.fault("/tess/events.json_api", "503", times=2, retry_after=0)
        ...  # point a client at srv.base_url + "tess/"
        assert srv.requests[-1].query["page_number"] == "1"

Routes are (method, path); an `add` with `query` only answers requests whose query has those
values (most specific match wins). Several adds on one route are served in order, then the last
repeats. Every body gets a weak ETag (unless `etag=False`), so a repeated request with
`If-None-Match` gets 304; `last_modified` enables `If-Modified-Since` the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

FAULTS = ("timeout", "500", "503", "429", "truncate", "truncate_clean", "html200", "drip", "gzipbomb", "drop",
          "hang")

HTML_ERROR_PAGE = (b"<!DOCTYPE html>\n<html><head><title>We'll be back soon</title></head>"
                   b"<body><h1>Maintenance</h1><p>The service is temporarily unavailable.</p></body></html>\n")


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    delay: float = 0.0
    make: Any = None  # callable(Recorded) -> body, for answers that depend on the request


@dataclass
class _Route:
    query: dict[str, Any] | None
    replies: list[_Reply] = field(default_factory=list)
    served: int = 0

    def matches(self, query: dict[str, Any]) -> bool:
        return self.query is None or all(query.get(k) == v for k, v in self.query.items())

    def next_reply(self) -> _Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass
class _Fault:
    kind: str
    times: int
    retry_after: float | None


def _norm_query(query: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if query is None:
        return None
    out: dict[str, Any] = {}
    for k, v in query.items():
        out[str(k)] = [str(x) for x in v] if isinstance(v, (list, tuple)) else str(v)
    return out


def _parse_query(raw: str) -> dict[str, Any]:
    parsed = parse_qs(raw, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes gzipped twice (served with Content-Encoding: gzip, gzip)."""
    if size not in _BOMBS:
        _BOMBS[size] = gzip.compress(gzip.compress(bytes(size), 9), 9)
    return _BOMBS[size]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        # Clients that give up (deadline, timeout tests) reset connections: expected, not noise.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Replay:
    """The replay server; use as a context manager or call `close()`."""

    def __init__(self, *, slow: float = 2.0, drip_interval: float = 0.1, bomb_size: int = 64 * 1024 * 1024,
                 hang: float = 5.0):
        self.slow = slow  # seconds a 'timeout' fault sleeps: keep it above the client's read timeout
        self.hang = hang  # seconds a 'hang' fault waits after its headers before it closes
        self.drip_interval = drip_interval
        self.bomb_size = bomb_size
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], list[_Route]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.host = "127.0.0.1"
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"replay-{self.port}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ set-up

    def url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def add(self, path: str, body: bytes | str | Path | Any = b"", *, status: int = 200,
            headers: Mapping[str, str] | None = None, content_type: str | None = "application/json",
            method: str = "GET", query: Mapping[str, Any] | None = None, etag: bool | str = True,
            last_modified: str | None = None, delay: float = 0.0) -> "Replay":
        """Queue a reply for `method path` (and `query` when given); bodies may be a fixture Path.

        A dict or list body is served as JSON; a callable body is called with the `Recorded`
        request and returns the body (e.g. a GraphQL answer built from the query's variables).
        `delay` seconds pass before the answer (a slow but healthy server); `etag=False` serves
        no ETag (Indico, most iCal hosts, GitHub GraphQL).
        """
        make = body if callable(body) else None
        if make is not None:
            data = b""
        elif isinstance(body, Path):
            data = body.read_bytes()
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        else:
            data = json.dumps(body).encode("utf-8")
        hdrs = {k: v for k, v in (headers or {}).items()}
        if content_type and not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = content_type
        tag: str | None = None
        if etag is True and status == 200:
            tag = 'W/"' + hashlib.sha1(data).hexdigest()[:20] + '"'
        elif isinstance(etag, str):
            tag = etag
        reply = _Reply(status, data, hdrs, tag, last_modified, delay, make)
        key = (method.upper(), "/" + path.lstrip("/"))
        q = _norm_query(query)
        with self._lock:
            routes = self._routes.setdefault(key, [])
            for route in routes:
                if route.query == q:
                    route.replies.append(reply)
                    break
            else:
                routes.append(_Route(q, [reply]))
        return self

    def clear(self, path: str | None = None, method: str = "GET") -> None:
        """Forget the replies of one route (or of all routes)."""
        with self._lock:
            if path is None:
                self._routes.clear()
            else:
                self._routes.pop((method.upper(), "/" + path.lstrip("/")), None)

    def fault(self, path: str, kind: str, *, times: int = 1, retry_after: float | None = None) -> "Replay":
        """The next `times` requests to path (any method, any query) get this fault instead."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        if kind == "gzipbomb":
            gzip_bomb(self.bomb_size)  # build it now, not while the client waits
        with self._lock:
            self._faults.setdefault("/" + path.lstrip("/"), []).append(_Fault(kind, times, retry_after))
        return self

    def requests_to(self, path: str) -> list[Recorded]:
        p = "/" + path.lstrip("/")
        return [r for r in self.requests if r.path == p]

    # ------------------------------------------------------------------ life cycle

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Replay":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ serving

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def _find(self, method: str, path: str, query: dict[str, Any]) -> _Reply | None:
        with self._lock:
            routes = self._routes.get((method, path)) or []
            hits = [r for r in routes if r.matches(query)]
            if not hits:
                return None
            best = max(hits, key=lambda r: len(r.query or {}))
            return best.next_reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "replay/1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                replay._serve(self)

            do_POST = do_HEAD = do_PUT = do_DELETE = do_GET

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        query = _parse_query(parts.query)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        recorded = Recorded(h.command, path, query, dict(h.headers.items()), body)
        with self._lock:
            self.requests.append(recorded)
        fault = self._take_fault(path)
        reply = self._find(h.command, path, query)
        if reply is not None and reply.make is not None:
            made = reply.make(recorded)
            data = made if isinstance(made, bytes) else json.dumps(made).encode("utf-8")
            tag = reply.etag if reply.etag and not reply.etag.startswith('W/"') else (
                'W/"' + hashlib.sha1(data).hexdigest()[:20] + '"' if reply.etag else None)
            reply = _Reply(reply.status, data, reply.headers, tag, reply.last_modified, reply.delay)
        try:
            if fault is not None:
                self._serve_fault(h, fault, reply)
            elif reply is None:
                self._send(h, 404, b'{"message":"Not Found (no recorded response)"}',
                           {"Content-Type": "application/json"})
            else:
                self._serve_reply(h, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _serve_reply(self, h: BaseHTTPRequestHandler, reply: _Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        headers = dict(reply.headers)
        if reply.etag:
            headers["ETag"] = reply.etag
        if reply.last_modified:
            headers["Last-Modified"] = reply.last_modified
        if reply.status == 200 and self._not_modified(h, reply):
            keep = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
            self._send(h, 304, b"", keep)
            return
        self._send(h, reply.status, reply.body, headers)

    @staticmethod
    def _not_modified(h: BaseHTTPRequestHandler, reply: _Reply) -> bool:
        inm = h.headers.get("If-None-Match")
        if inm is not None:
            if not reply.etag:
                return False
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return reply.etag.removeprefix("W/") in tags or "*" in tags
        ims = h.headers.get("If-Modified-Since")
        if ims and reply.last_modified:
            try:
                return parsedate_to_datetime(reply.last_modified) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: Mapping[str, str],
              *, declared_length: int | None = None, close: bool = False) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body) if declared_length is None else declared_length))
        if close:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command != "HEAD" and status != 304:
            h.wfile.write(body)
        h.wfile.flush()

    def _serve_fault(self, h: BaseHTTPRequestHandler, fault: _Fault, reply: _Reply | None) -> None:
        body = reply.body if reply else b'{"data": []}'
        ctype = (reply.headers.get("Content-Type") if reply else None) or "application/json"
        kind = fault.kind
        if kind == "timeout":
            time.sleep(self.slow)
            self._send(h, 200, body, {"Content-Type": ctype}, close=True)
        elif kind in ("500", "503"):
            extra = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
            page = b"<html><body><h1>%s Server Error</h1></body></html>" % kind.encode()
            self._send(h, int(kind), page, {"Content-Type": "text/html; charset=utf-8", **extra})
        elif kind == "429":
            wait = 1 if fault.retry_after is None else fault.retry_after
            self._send(h, 429, b'{"message":"Too Many Requests"}',
                       {"Content-Type": "application/json", "Retry-After": str(int(wait))})
        elif kind == "truncate":  # Content-Length says more than is sent, then the connection closes
            self._send(h, 200, body[: len(body) // 2], {"Content-Type": ctype},
                       declared_length=len(body), close=True)
        elif kind == "truncate_clean":  # a cut body with an honest Content-Length: HTTP sees no error
            self._send(h, 200, body[: len(body) // 2], {"Content-Type": ctype}, close=True)
        elif kind == "html200":
            self._send(h, 200, HTML_ERROR_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        elif kind == "drip":
            self._send(h, 200, b"", {"Content-Type": ctype}, declared_length=len(body), close=True)
            for i in range(len(body)):
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
                time.sleep(self.drip_interval)
        elif kind == "hang":  # headers, a first byte, then nothing until the connection is dropped
            self._send(h, 200, b"", {"Content-Type": ctype}, declared_length=len(body), close=True)
            h.wfile.write(body[:1])
            h.wfile.flush()
            time.sleep(self.hang)
        elif kind == "gzipbomb":
            self._send(h, 200, gzip_bomb(self.bomb_size), {"Content-Type": ctype, "Content-Encoding": "gzip, gzip"})
        elif kind == "drop":
            h.close_connection = True
            h.wfile.flush()
            h.connection.close()
