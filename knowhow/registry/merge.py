"""Curated and harvested files with the same id make one record; a pure function.

Curated fields win and lock the field; harvested fields fill in. Nested `facts` merge key by
key. Every merged field keeps where it came from: `curated`, or the harvest source with the
time its value last changed and the source's last error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROVENANCE_KEY = "provenance"
REVIEW_KEY = "review"  # open cross-check flags; written by the harvester only
MERGED_BY_KEY = ("facts",)


@dataclass(frozen=True)
class Origin:
    """Where one published field came from."""

    origin: str  # "curated" or "harvested"
    source: str | None = None
    changed: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("origin", self.origin), ("source", self.source), ("changed", self.changed),
                                  ("error", self.error)) if v is not None}


@dataclass
class Merged:
    """One record as the site sees it, with the provenance of each field."""

    kind: str
    id: str
    data: dict[str, Any]
    provenance: dict[str, Origin] = field(default_factory=dict)
    curated_path: str | None = None
    harvested_path: str | None = None

    @property
    def hidden(self) -> bool:
        return bool(self.data.get("hidden"))

    @property
    def path(self) -> str:
        """The file a contributor should open to change this record."""
        return self.curated_path or self.harvested_path or ""

    def origin_path(self, top_field: str) -> str:
        prov = self.provenance.get(top_field)
        if prov and prov.origin == "harvested" and self.harvested_path:
            return self.harvested_path
        return self.path

    @property
    def sources(self) -> list[str]:
        return sorted({p.source for p in self.provenance.values() if p.source})


def _origin(raw: Any) -> Origin:
    if not isinstance(raw, dict):
        return Origin("harvested")
    return Origin("harvested", _str(raw.get("source")), _str(raw.get("changed")), _str(raw.get("error")))


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def merge(kind: str, record_id: str, curated: dict | None, harvested: dict | None,
          curated_path: str | None = None, harvested_path: str | None = None) -> Merged:
    """Merge a curated and a harvested record of the same id (either may be None)."""
    data: dict[str, Any] = {}
    prov: dict[str, Origin] = {}
    if harvested:
        hprov = harvested.get(PROVENANCE_KEY) or {}
        if not isinstance(hprov, dict):
            hprov = {}
        for key, value in harvested.items():
            if key == PROVENANCE_KEY:
                continue
            data[key] = value
            prov[key] = _origin(hprov.get(key))
            if key in MERGED_BY_KEY and isinstance(value, dict):
                for sub in value:
                    prov[f"{key}.{sub}"] = _origin(hprov.get(f"{key}.{sub}") or hprov.get(key))
    for key, value in (curated or {}).items():
        if key in MERGED_BY_KEY and isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
            for sub in value:
                prov[f"{key}.{sub}"] = Origin("curated")
        else:
            data[key] = value
        prov[key] = Origin("curated")
    return Merged(kind, record_id, data, prov, curated_path, harvested_path if harvested else None)
