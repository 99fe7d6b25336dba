"""The conditional-request store: the last good body and its validators, per request.

One file per request under the cache directory (`.harvest-cache/`), written atomically; a
missing or damaged file just means the next request is unconditional. The key names whether a
token was sent (GitHub's ETags vary with Authorization), never the token.
"""

from __future__ import annotations

import hashlib
import json as jsonlib
from dataclasses import dataclass
from pathlib import Path

from ..registry.yamlio import write_atomic


@dataclass
class Stored:
    url: str
    status: int
    headers: dict[str, str]
    stored_at: float
    content: bytes

    @property
    def validators(self) -> dict[str, str]:
        out = {}
        if self.headers.get("etag"):
            out["If-None-Match"] = self.headers["etag"]
        if self.headers.get("last-modified"):
            out["If-Modified-Since"] = self.headers["last-modified"]
        return out


KEPT_HEADERS = ("content-type", "etag", "last-modified", "link", "date")


class ResponseCache:
    """Last good body and validators per request, one file each (directory or memory)."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self._memory: dict[str, Stored] = {}

    @staticmethod
    def key(method: str, url: str, body: bytes = b"", authenticated: bool = False) -> str:
        # The token's presence is part of the key (GitHub ETags vary with Authorization),
        # never its value.
        h = hashlib.sha256(f"{method} {url} {'auth' if authenticated else 'anon'}\n".encode())
        h.update(body)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.bin"

    def get(self, key: str) -> Stored | None:
        if self.directory is None:
            return self._memory.get(key)
        try:
            raw = self._path(key).read_bytes()
            head, _, content = raw.partition(b"\n")
            meta = jsonlib.loads(head)
            return Stored(meta["url"], int(meta["status"]), dict(meta["headers"]), float(meta["stored_at"]), content)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: ask the server again

    def put(self, key: str, stored: Stored) -> None:
        if self.directory is None:
            self._memory[key] = stored
            return
        meta = {"url": stored.url, "status": stored.status, "headers": stored.headers, "stored_at": stored.stored_at}
        write_atomic(self._path(key), jsonlib.dumps(meta, sort_keys=True).encode() + b"\n" + stored.content)
