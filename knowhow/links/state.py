"""Per-link status history, kept in a JSON file the site reads (`harvest/link-status.json`).

One entry per URL: the latest status (`alive`, `redirect` with `redirect_to`, `inconclusive`
for 403/429, which neither counts nor forgives a failure, or `dead`), since when it has had that
status, the consecutive failure count and whether the link is flagged broken
(`failures >= threshold`): readers show `broken`, not a single `dead`. Dates change only when a
status changes and the file is written only when its content changes, so a week in which
nothing happened leaves no diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from ..registry.yamlio import write_atomic
from .check import DEAD, INCONCLUSIVE, Result
from .collect import Where

DEFAULT_THRESHOLD = 3
VERSION = 1


@dataclass(frozen=True)
class StateError(Exception):
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def load(path: Path) -> dict[str, Any]:
    """The state file's content, or an empty state when there is none yet."""
    if not path.exists():
        return {"version": VERSION, "links": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(str(path), f"not a readable link-status file ({exc}); delete it to start afresh") from None
    if not isinstance(data, dict) or not isinstance(data.get("links"), dict):
        raise StateError(str(path), "not a link-status file (no 'links' mapping); delete it to start afresh")
    return data


def update(state: Mapping[str, Any], results: Mapping[str, Result], places: Mapping[str, list[Where]],
           today: date, threshold: int = DEFAULT_THRESHOLD, full: bool = True) -> dict[str, Any]:
    """The new state. `full`: the run saw the whole registry, so links no longer in it are dropped."""
    old = state.get("links", {})
    links: dict[str, Any] = {} if full else {k: v for k, v in old.items() if k not in results}
    for url, result in sorted(results.items()):
        before = old.get(url, {})
        failures = int(before.get("failures", 0))
        if result.status == DEAD:
            failures += 1
        elif result.status != INCONCLUSIVE:
            failures = 0  # inconclusive neither counts nor forgives
        status = result.status
        entry: dict[str, Any] = {
            "status": status,
            "since": before.get("since") if before.get("status") == status else today.isoformat(),
            "failures": failures,
            "broken": failures >= threshold,
            "records": sorted({w.record for w in places.get(url, [])}),
        }
        if result.code is not None:
            entry["code"] = result.code
        if result.final_url:
            entry["redirect_to"] = result.final_url
        same = before.get("status") == status and before.get("code") == result.code
        # An error page's text may change every run; keep the first reason while nothing else does.
        reason = before.get("reason", "") if same else result.reason
        if reason:
            entry["reason"] = reason
        links[url] = entry
    return {"version": VERSION, "threshold": threshold, "links": dict(sorted(links.items()))}


def render(state: Mapping[str, Any]) -> str:
    return json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save(path: Path, state: Mapping[str, Any]) -> bool:
    """Write the state if it changed; return whether it did."""
    return write_atomic(path, render(state))


def broken(state: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {url: e for url, e in state.get("links", {}).items() if e.get("broken")}
