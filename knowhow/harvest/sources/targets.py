"""Which registry records the fact adapters ask about: the `context` contract with the runner.

The runner passes every adapter the same read-only context, built once per run:

    context = context_from_registry(registry)   # knowhow.registry.store.read(root)
    # {"software": {id: curated fields}, "collaborations": {...}, "open_data": {...},
    #  "facilities": {...}, "events": {...}}

Only *curated* fields are given (a field whose merged value came from a harvested file is left
out). Adapters decide from them what to ask (repository URLs, PyPI names, DOIs, DOI prefixes,
API endpoints) and which top-level fields the curated record lacks and may be filled; giving
them harvested values would make a filled field look curated on the next run and flip-flop.
Tests and callers may also pass this plain mapping directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from urllib.parse import unquote, urlsplit

KINDS = ("facilities", "software", "events", "collaborations", "open_data")


def context_from_registry(registry: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The context for adapters from a `store.Registry`: curated fields of every record, by kind and id."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in KINDS:
        records = getattr(registry, "records", {}).get(kind, {})
        by_id: dict[str, dict[str, Any]] = {}
        for rid, merged in sorted(records.items()):
            prov = getattr(merged, "provenance", {}) or {}
            curated = {k: v for k, v in merged.data.items()
                       if "." not in k and getattr(prov.get(k), "origin", None) == "curated"}
            if curated:
                curated["id"] = rid
                by_id[rid] = curated
        out[kind] = by_id
    return out


def records_of(context: Mapping[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, curated fields) of one kind, sorted by id, skipping anything that is not a mapping."""
    records = context.get(kind) or {}
    if not isinstance(records, Mapping):
        return
    for rid in sorted(records):
        data = records[rid]
        if isinstance(data, Mapping):
            yield str(rid), dict(data)


@dataclass(frozen=True)
class RepoRef:
    """A repository (or organisation, when `name` is empty) on a code host, from a registry URL."""

    host: str
    owner: str  # GitHub owner, or GitLab full namespace path ("group/subgroup")
    name: str = ""

    @property
    def path(self) -> str:
        return f"{self.owner}/{self.name}" if self.name else self.owner

    @property
    def key(self) -> str:
        """Case-insensitive identity (hosts treat owner and name case-insensitively)."""
        return f"{self.host}/{self.path}".lower()


_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")
# GitHub URLs that are pages, not repositories or organisations.
_GITHUB_RESERVED = {"orgs", "users", "topics", "sponsors", "marketplace", "settings", "features", "about",
                    "apps", "search", "explore", "collections", "enterprise", "login", "notifications"}


def github_ref(url: Any) -> RepoRef | None:
    """`https://github.com/owner[/repo[.git][/...]]` as a RepoRef, else None."""
    parts = _split(url)
    if not parts or parts[0] != "github.com":
        return None
    segs = parts[1]
    if not segs or segs[0].lower() in _GITHUB_RESERVED:
        if len(segs) >= 2 and segs[0].lower() == "orgs" and _SEGMENT.match(segs[1]):
            return RepoRef("github.com", segs[1])
        return None
    owner = segs[0]
    name = segs[1].removesuffix(".git") if len(segs) > 1 else ""
    if not _SEGMENT.match(owner) or (name and not _SEGMENT.match(name)):
        return None
    return RepoRef("github.com", owner, name)


def gitlab_ref(url: Any, host: str) -> RepoRef | None:
    """A project or group URL on the GitLab at `host`; `name` is the last segment (may be a group)."""
    parts = _split(url)
    if not parts or parts[0] != host.lower():
        return None
    segs = parts[1]
    if "-" in segs:  # /group/project/-/tree/main: everything after "-" is a page of the project
        segs = segs[: segs.index("-")]
    segs = [s.removesuffix(".git") for s in segs]
    if not segs or not all(_SEGMENT.match(s) for s in segs):
        return None
    if len(segs) == 1:
        return RepoRef(parts[0], segs[0])
    return RepoRef(parts[0], "/".join(segs[:-1]), segs[-1])


def _split(url: Any) -> tuple[str, list[str]] | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    segs = [unquote(s) for s in parts.path.split("/") if s]
    return host, segs


def doi_of(value: Any) -> str | None:
    """A bare DOI (`10.5281/zenodo.591709`) from a DOI or a doi.org link, lower-cased; else None."""
    if not isinstance(value, str):
        return None
    bare = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.I)
    return bare.lower() if re.fullmatch(r"10\.\d{4,9}/\S+", bare) else None


def same_endpoint(a: Any, b: Any) -> bool:
    """Two API base URLs are the same endpoint (scheme and host case, trailing slash ignored)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    return ((pa.scheme.lower(), (pa.netloc or "").lower(), pa.path.rstrip("/"), pa.query)
            == (pb.scheme.lower(), (pb.netloc or "").lower(), pb.path.rstrip("/"), pb.query))


def api_root(base_url: str, api_path: str) -> str:
    """The API root under a configured base URL that may be the site (`https://gitlab.com/`) or
    already the API (`https://gitlab.com/api/v4/`); always ends with '/'."""
    base = base_url.rstrip("/") + "/"
    tail = api_path.strip("/") + "/"
    return base if base.endswith("/" + tail) else base + tail
