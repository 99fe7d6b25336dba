"""Run the configured sources one after another and apply each result to the registry.

A source's failure never stops the run: its `SourceError` (or an unexpected exception, logged
with its traceback) becomes a failed row, and the store leaves its records as they were. The
state file is saved after every source, so a run killed half-way keeps what it finished.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..registry import store as registry_store
from .base import SourceConfig, SourceError
from .config import HarvestConfig
from .http import HttpSettings, ResponseCache, client_for
from .sources import ADAPTERS
from .state import State
from .store import Change, HarvestStore, Outcome

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


@dataclass
class Row:
    """One source's line in the report."""

    source: SourceConfig
    outcome: Outcome
    requests: int = 0
    not_modified: int = 0
    cache_hits: int = 0
    retries: int = 0
    bytes: int = 0  # decoded body bytes downloaded (0 when every answer was a 304 or cached)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return self.source.label or self.source.name


@dataclass
class RunReport:
    rows: list[Row] = field(default_factory=list)
    today: str = ""

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.outcome.failed]

    @property
    def changes(self) -> list[Change]:
        return [c for r in self.rows for c in r.outcome.changes]


class RegistryContext(Mapping[str, Any]):
    """The read-only registry view adapters get (curated fields by kind and id, see
    `sources.targets`), read from disk only when an adapter first looks (event sources never do)."""

    def __init__(self, root: Path):
        self.root = root
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            from .sources.targets import context_from_registry

            self._data = context_from_registry(registry_store.read(self.root))
        return self._data

    def __getitem__(self, kind: str) -> Any:
        return self._load()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def run(config: HarvestConfig, *, registry: str | Path, state_path: str | Path | None = None,
        cache_dir: str | Path | None = None, only: Iterable[str] = (), settings: HttpSettings | None = None,
        today: date | None = None, allow_shrink: Iterable[str] = (), progress: Progress | None = None,
        env: Mapping[str, str] | None = None, accept_figures: Iterable[str] = ()) -> RunReport:
    """Harvest the selected sources into `registry/harvested/`; never raises for a source's failure.

    `allow_shrink` names sources whose record count and figures may fall this run;
    `accept_figures` holds `SOURCE:facts.FIELD` for single figures (see guard.py).
    """
    sources = config.select(only)
    root = Path(registry)
    settings = settings or HttpSettings()
    state = State.load(state_path)
    store = HarvestStore(root, state, today)
    cache = ResponseCache(cache_dir)
    context = RegistryContext(root)
    shrink_ok = set(allow_shrink)
    accepted: dict[str, set[str]] = {}
    for item in accept_figures:
        name, _, fname = item.partition(":")
        accepted.setdefault(name, set()).add(fname)
    report = RunReport(today=store.day)
    for src in sources:
        report.rows.append(_run_one(src, store, cache, settings, context, src.name in shrink_ok, progress, env,
                                    accepted.get(src.name, set())))
        state.save()
    return report


def _run_one(src: SourceConfig, store: HarvestStore, cache: ResponseCache, settings: HttpSettings,
             context: Mapping[str, Any], allow_shrink: bool, progress: Progress | None,
             env: Mapping[str, str] | None, accept_figures: set[str]) -> Row:
    started = time.monotonic()
    client = client_for(src.name, src.base_url, src.params, settings, cache, env, deadline=src.deadline)
    adapter = ADAPTERS[src.type](src, client, context)
    records: list[dict[str, Any]] = []
    error: SourceError | None = None
    try:
        for record in adapter.records():
            records.append(record)
            if progress:
                progress(src.name, len(records))
    except SourceError as exc:
        error = exc
    except Exception as exc:  # an adapter bug must not stop the other sources
        log.exception("%s: unexpected error", src.name)
        error = SourceError(f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        client.close()
    outcome = store.apply(src, records, error=error, complete=adapter.complete, allow_shrink=allow_shrink,
                          problems=adapter.problems, accept_figures=accept_figures, items=adapter.items)
    stats = client.stats
    return Row(src, outcome, stats.requests, stats.not_modified, stats.cache_hits, stats.retries, stats.bytes,
               round(time.monotonic() - started, 2))
