"""`harvest/sources.yaml`: one entry per source instance, read with the registry's strict loader.

    defaults: {stale_after_days: 7, min_keep_ratio: 0.5}
    sources:
      - name: pan-training          # unique; --only uses it
        type: tess                  # adapter type (knowhow.harvest.sources.ADAPTERS)
        kind: events                # record kind it fills
        base_url: https://pan-training.eu/   # full URL, may carry a path prefix
        label: PaN training catalogue        # how summaries name it
        params: {include_expired: true}      # adapter options
        schedule: daily

Every mistake is one located line: `harvest/sources.yaml:12: /sources/3/type: [unknown-type] ...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..registry import vocab
from ..registry.model import KINDS
from ..registry.problems import Problem
from ..registry.yamlio import Loaded, load_file
from ..sanitize import safe_url
from .base import SourceConfig

ENTRY_KEYS = ("name", "type", "kind", "base_url", "label", "params", "schedule", "stale_after_days",
              "min_keep_ratio", "max_figure_drop", "figure_overrides", "deadline_seconds")
DEFAULT_KEYS = ("stale_after_days", "min_keep_ratio", "schedule", "max_figure_drop", "figure_overrides",
                "deadline_seconds")
FIGURE_FIELD = re.compile(r"^facts\.[a-z_]+$")
MAX_DEADLINE = 3600.0  # the nightly job allows far more; one source must never use it all
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ConfigError(Exception):
    """The sources file cannot be used; `problems` says where and why."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.text() for p in self.problems))


@dataclass(frozen=True)
class HarvestConfig:
    path: str
    sources: tuple[SourceConfig, ...]

    def select(self, only: Iterable[str] = ()) -> list[SourceConfig]:
        """The sources named in `only` (all when empty), in file order; unknown names are an error."""
        wanted = list(only)
        names = [s.name for s in self.sources]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            near = vocab.suggest(unknown[0], names)
            raise ConfigError([Problem(self.path, None, "", "unknown-source",
                                       f"no source named '{unknown[0]}'",
                                       f"did you mean '{near}'?" if near else "names: " + ", ".join(names))])
        return [s for s in self.sources if not wanted or s.name in wanted]


def load(path: str | Path, adapter_kinds: Mapping[str, tuple[str, ...]] | None = None) -> HarvestConfig:
    """Read and check the sources file; raise ConfigError with every problem found."""
    if adapter_kinds is None:
        from .sources import adapter_kinds as known

        adapter_kinds = known()
    loaded = load_file(path)
    if not loaded.ok:
        raise ConfigError(loaded.problems)
    problems: list[Problem] = []
    data = loaded.data
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ConfigError([Problem(loaded.path, 1, "", "bad-config", "expected a mapping with a 'sources:' list",
                                   "see the example at the top of knowhow/harvest/config.py")])
    for key in data:
        if key not in ("sources", "defaults"):
            problems.append(_problem(loaded, f"/{key}", "unknown-field", f"unknown key '{key}'",
                                     "top-level keys: sources, defaults"))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(_problem(loaded, "/defaults", "wrong-type", "defaults must be a mapping"))
        defaults = {}
    for key in defaults:
        if key not in DEFAULT_KEYS:
            problems.append(_problem(loaded, f"/defaults/{key}", "unknown-field", f"unknown default '{key}'",
                                     "defaults: " + ", ".join(DEFAULT_KEYS)))
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data["sources"]):
        src = _entry(loaded, i, entry, defaults, adapter_kinds, problems)
        if src is None:
            continue
        if src.name in seen:
            problems.append(_problem(loaded, f"/sources/{i}/name", "duplicate-name",
                                     f"source name '{src.name}' is already used by entry {seen[src.name]}",
                                     "names are unique"))
            continue
        seen[src.name] = i
        sources.append(src)
    if problems:
        raise ConfigError(problems)
    return HarvestConfig(loaded.path, tuple(sources))


def _problem(loaded: Loaded, pointer: str, code: str, message: str, hint: str = "") -> Problem:
    return Problem(loaded.path, loaded.line(pointer), pointer, code, message, hint)


def _entry(loaded: Loaded, i: int, entry: Any, defaults: dict, adapter_kinds: Mapping[str, tuple[str, ...]],
           problems: list[Problem]) -> SourceConfig | None:
    at = f"/sources/{i}"
    if not isinstance(entry, dict):
        problems.append(_problem(loaded, at, "wrong-type", "each source is a mapping of key: value"))
        return None
    before = len(problems)
    for key in entry:
        if key not in ENTRY_KEYS:
            near = vocab.suggest(str(key), ENTRY_KEYS)
            problems.append(_problem(loaded, f"{at}/{key}", "unknown-field", f"unknown key '{key}'",
                                     f"did you mean '{near}'?" if near else "keys: " + ", ".join(ENTRY_KEYS)))
    for key in ("name", "type", "kind", "base_url"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            problems.append(_problem(loaded, f"{at}/{key}" if key in entry else at, "missing",
                                     f"'{key}' is required (text)", f"add '{key}:'"))
    name, typ, kind, base = (entry.get(k) for k in ("name", "type", "kind", "base_url"))
    if isinstance(name, str) and name and not NAME.match(name):
        problems.append(_problem(loaded, f"{at}/name", "bad-name", f"'{name}' is not a plain name",
                                 "use lower-case letters, digits and '-'"))
    if isinstance(typ, str) and typ and typ not in adapter_kinds:
        near = vocab.suggest(typ, adapter_kinds)
        problems.append(_problem(loaded, f"{at}/type", "unknown-type", f"no adapter of type '{typ}'",
                                 f"did you mean '{near}'?" if near else "types: " + ", ".join(sorted(adapter_kinds))))
    elif isinstance(typ, str) and isinstance(kind, str) and kind and kind not in adapter_kinds.get(typ, ()):
        problems.append(_problem(loaded, f"{at}/kind", "wrong-kind", f"a {typ} source cannot fill '{kind}'",
                                 "it fills: " + ", ".join(adapter_kinds.get(typ, ())) if kind in KINDS
                                 else "kinds: " + ", ".join(KINDS)))
    if isinstance(base, str) and base and safe_url(base) is None:
        problems.append(_problem(loaded, f"{at}/base_url", "bad-url", f"'{base}' is not an http(s) URL",
                                 "write the full URL, e.g. https://indico.desy.de/"))
    params = entry.get("params", {}) or {}
    if not isinstance(params, dict):
        problems.append(_problem(loaded, f"{at}/params", "wrong-type", "params must be a mapping"))
        params = {}
    merged = {**defaults, **entry}
    stale = merged.get("stale_after_days", 7)
    if not isinstance(stale, int) or isinstance(stale, bool) or stale < 1:
        problems.append(_problem(loaded, f"{at}/stale_after_days", "out-of-range",
                                 f"stale_after_days must be a whole number of days ≥ 1, not {stale!r}"))
    ratio = _ratio(merged.get("min_keep_ratio", "0.5"))
    if ratio is None:
        problems.append(_problem(loaded, f"{at}/min_keep_ratio", "out-of-range",
                                 f"min_keep_ratio must be a number from 0 to 1, not {merged.get('min_keep_ratio')!r}",
                                 "e.g. 0.5: fewer than half of last run's records holds the source"))
    drop = _ratio(merged.get("max_figure_drop", "0.5"))
    if drop is None:
        problems.append(_problem(loaded, f"{at}/max_figure_drop", "out-of-range",
                                 f"max_figure_drop must be a number from 0 to 1, not {merged.get('max_figure_drop')!r}",
                                 "e.g. 0.5: a count falling by more than half is held for a human"))
    base_over, own_over = defaults.get("figure_overrides") or {}, entry.get("figure_overrides") or {}
    overrides = {**base_over, **own_over} if isinstance(base_over, dict) and isinstance(own_over, dict) else None
    figure_overrides: dict[str, float] = {}
    if overrides is None:
        problems.append(_problem(loaded, f"{at}/figure_overrides", "wrong-type",
                                 "figure_overrides must map facts.FIELD to a number from 0 to 1"))
    else:
        for fname, value in overrides.items():
            ratio = _ratio(value)
            if not FIGURE_FIELD.match(str(fname)) or ratio is None:
                problems.append(_problem(loaded, f"{at}/figure_overrides", "out-of-range",
                                         f"figure_overrides: {fname!r}: {value!r} is not facts.FIELD: 0..1",
                                         "e.g. {facts.open_issues: 1} accepts any fall of open issues"))
            else:
                figure_overrides[str(fname)] = ratio
    deadline = _number(merged.get("deadline_seconds", "240"), 1, MAX_DEADLINE)
    if deadline is None:
        problems.append(_problem(loaded, f"{at}/deadline_seconds", "out-of-range",
                                 f"deadline_seconds must be a number of seconds from 1 to {MAX_DEADLINE:g}, "
                                 f"not {merged.get('deadline_seconds')!r}", "e.g. 240"))
    label, schedule = merged.get("label", ""), merged.get("schedule", "daily")
    for key, value in (("label", label), ("schedule", schedule)):
        if not isinstance(value, str):
            problems.append(_problem(loaded, f"{at}/{key}", "wrong-type", f"{key} must be text"))
    if len(problems) > before:
        return None
    return SourceConfig(name=name, type=typ, kind=kind, base_url=base, params=params, schedule=schedule,
                        stale_after_days=stale, min_keep_ratio=ratio, label=label, max_figure_drop=drop,
                        figure_overrides=figure_overrides, deadline=deadline)


def _number(value: Any, low: float, high: float) -> float | None:
    # The strict loader keeps "0.5" as text (no implicit floats), so numbers are parsed here.
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high and not isinstance(value, bool) else None


def _ratio(value: Any) -> float | None:
    return _number(value, 0, 1)
