"""The figures guard: a harvested count or date never silently falls to a worse value.

The records guard (store.py) protects *which* records a source lists; this one protects the
*figures* on them (`facts.*` counts such as records, citations, versions, stars, and dates such
as latest_record). A figure that

- drops to zero from a positive value,
- falls by more than `max_figure_drop` of its last value (sources.yaml, default 0.5),
- moves back in time (a date), or
- disappears while the record is still listed

is held at its last good value, and the record's provenance and the run report say why, so a
human can look. Such answers come from a listing that stopped early, an index being rebuilt, a
`noRecordsMatch` from a wrong set name, or an answer about another record, far more often than
from a real loss. `--allow-shrink NAME` accepts every such change of that source for one run,
`--accept-figure NAME:FIELD` one field; `figure_overrides: {facts.FIELD: 1}` in sources.yaml
accepts a field's falls for good (1 means any fall is fine, as for open issues).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .sources.values import moment

FACTS_PREFIX = "facts."
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class Missing:
    """The figure is absent from this run's answer."""

    def __repr__(self) -> str:
        return "missing"


MISSING = Missing()


@dataclass(frozen=True)
class FigureRules:
    """What one source may do to its figures in one run."""

    max_drop: float = 0.5  # a fall by more than this fraction is held
    overrides: Mapping[str, float] = field(default_factory=dict)  # field -> its own max_drop
    accept_all: bool = False  # --allow-shrink NAME
    accepted: frozenset[str] = frozenset()  # --accept-figure NAME:FIELD

    def limit(self, name: str) -> float:
        return float(self.overrides.get(name, self.max_drop))


@dataclass(frozen=True)
class HeldFigure:
    """A figure kept at its last good value; `reason` says what the source answered."""

    kind: str
    id: str
    field: str
    old: Any
    new: Any
    reason: str

    def message(self) -> str:
        return f"{self.id}: {self.field} held at {self.old} ({self.reason})"


def is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(_DATE.match(value))


def is_figure(name: str, value: Any) -> bool:
    """Counts and dates under `facts.` are figures; flags, names and lists are not."""
    return name.startswith(FACTS_PREFIX) and (is_count(value) or is_date(value))


def verdict(name: str, old: Any, new: Any, rules: FigureRules) -> str | None:
    """Why `old -> new` must be held, or None when the new value may be written."""
    if rules.accept_all or name in rules.accepted or not is_figure(name, old):
        return None
    limit = rules.limit(name)
    if limit >= 1:
        return None
    if new is MISSING or new is None:
        return "no longer stated by the source"
    if is_count(old) and is_count(new):
        if new == 0 and old > 0:
            return f"the source answered 0 where it had {old}"
        if new < old * (1 - limit):
            return f"the source answered {new}, a fall of more than {limit:.0%} from {old}"
        return None
    if is_date(old) and is_date(new):
        if moment(new) < moment(old):
            return f"the source answered {new}, earlier than {old}"
        return None
    if is_count(old) != is_count(new) or is_date(old) != is_date(new):
        return f"the source answered {str(new)[:40]!r}, not a figure of the same kind"
    return None
