"""Every URL in the registry, with the records (file, line, field) that hold it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..registry.merge import PROVENANCE_KEY
from ..registry.store import Registry, read
from ..sanitize import safe_url


@dataclass(frozen=True, order=True)
class Where:
    """One place a URL appears: the record, the file a contributor edits, its line and field."""

    kind: str
    id: str
    path: str
    line: int | None
    pointer: str

    @property
    def record(self) -> str:
        return f"{self.kind}/{self.id}"


def _walk(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != PROVENANCE_KEY:
                yield from _walk(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{pointer}/{i}")


def links(reg: Registry, only_paths: Iterable[str] | None = None) -> dict[str, list[Where]]:
    """URL -> places, for published records (or only those stored in `only_paths`), sorted."""
    loaded = {f.shown: f.loaded for f in reg.files}
    wanted = {os.path.realpath(p) for p in only_paths} if only_paths is not None else None
    out: dict[str, list[Where]] = {}
    for kind in sorted(reg.records):
        for rec in reg.published(kind):
            files = {p for p in (rec.curated_path, rec.harvested_path) if p}
            if wanted is not None and not {os.path.realpath(p) for p in files} & wanted:
                continue
            for pointer, url in _walk(rec.data):
                if safe_url(url) is None:
                    continue  # the validator reports malformed URLs
                path = rec.origin_path(pointer.split("/")[1])
                file = loaded.get(path)
                line = file.line(pointer) if file else None
                out.setdefault(url, []).append(Where(kind, rec.id, path, line, pointer))
    return {url: sorted(places) for url, places in sorted(out.items())}


def registry_links(root: Path, only_paths: Iterable[str] | None = None) -> dict[str, list[Where]]:
    return links(read(root), only_paths)
