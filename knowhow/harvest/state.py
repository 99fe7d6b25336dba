"""The harvest state file (`harvest/state.json`): what the next run must remember.

Per source: the records it listed last time (for withdrawal and the shrink guard) and, while it
fails, since when and why (for staleness). Sorted keys, dates only, nothing per run, so a quiet
night leaves the file byte for byte as it was. `freshness()` is what the site shows as stale.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from ..registry.yamlio import write_atomic
from .base import SourceConfig

log = logging.getLogger(__name__)


class State:
    """`harvest/state.json`: per source the records it listed last time, and, while it fails,
    since when and why. Sorted keys, dates only, nothing that changes on a quiet night."""

    def __init__(self, path: str | Path | None, data: dict[str, Any] | None = None):
        self.path = Path(path) if path else None
        self.data: dict[str, Any] = data or {"sources": {}}
        self.data.setdefault("sources", {})

    @classmethod
    def load(cls, path: str | Path | None) -> "State":
        if not path or not Path(path).exists():
            return cls(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("sources", {}), dict):
                raise ValueError("not a state object")
        except (OSError, ValueError) as exc:
            # Losing the state forgets last counts and failure dates; records are intact.
            log.warning("%s: unreadable state (%s); starting afresh", path, exc)
            return cls(path)
        return cls(path, data)

    def source(self, name: str) -> dict[str, Any]:
        return self.data["sources"].setdefault(name, {})

    def save(self) -> bool:
        if self.path is None:
            return False
        return write_atomic(self.path, json.dumps(self.data, sort_keys=True, indent=1, ensure_ascii=False) + "\n")

    def stale_since(self, src: SourceConfig, today: date) -> str | None:
        """The day a failing source's records became stale (failing since + stale_after_days), if they are."""
        st = self.data["sources"].get(src.name) or {}
        failing = st.get("failing_since")
        if not failing or not st.get("records"):
            return None
        since = date.fromordinal(date.fromisoformat(failing).toordinal() + src.stale_after_days)
        return since.isoformat() if since <= today else None

    def freshness(self, sources: Iterable[SourceConfig], today: date) -> dict[str, dict[str, str]]:
        """`kind/id` -> {stale_since, source, error} for records of stale sources (for the site)."""
        out: dict[str, dict[str, str]] = {}
        for src in sources:
            since = self.stale_since(src, today)
            if since:
                st = self.data["sources"][src.name]
                for key in st.get("records") or []:
                    out[key] = {"stale_since": since, "source": src.name, "error": st.get("last_error") or ""}
        return out
