"""Harvested records on disk, and the rules that keep people's work and history safe.

`registry/harvested/<kind>/<id>.yaml` holds what machines found: the model's fields plus
`provenance: {field or "facts.<name>": {source, changed, error}}`. A source updates only the
fields it owns, so several sources can enrich one record (GitHub and PyPI facts on `silx`).
Files are written atomically and only when their bytes change; nothing under `curated/` is ever
written. Everything that changes on every run (last attempt, last success, last seen) lives in
one state file, with dates only, so a run against unchanged sources changes no record at all.

Safety rules, in the order `apply` checks them:
- a failed source writes nothing; its records turn stale after `stale_after_days`;
- a source returning fewer than `min_keep_ratio` of last run's records writes nothing and is held
  for a human (`--allow-shrink NAME` accepts the drop);
- records a source no longer lists are marked `withdrawn: true`, never deleted, and only when
  the listing was complete (no item skipped as unreadable);
- a record that would not validate against the model is not written (reported instead);
- a figure (`facts.*` count or date) that falls to zero, falls steeply, moves back or vanishes
  is held at its last good value and reported (guard.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from ..registry.merge import MERGED_BY_KEY, PROVENANCE_KEY, merge
from ..registry.model import KINDS, title_of
from ..registry.types import SLUG
from ..registry.yamlio import load_file, write_yaml
from .base import ItemProblem, SourceConfig, SourceError
from .dedup import EventIndex
from .guard import MISSING, FigureRules, HeldFigure, verdict
from .state import State

log = logging.getLogger(__name__)

ERRORS_KEY = "_errors"  # optional in an adapter's record: {field: message} kept in provenance
FIXED = ("id",)
# A figure and the fact it dates: when the figure is held, its companion is held with it.
COMPANIONS = {"facts.latest_release_date": "facts.latest_release", "facts.pypi_release_date": "facts.pypi_version"}
_SLUG = re.compile(SLUG)


# --------------------------------------------------------------------------- outcome

@dataclass
class Change:
    """One record a source created, changed, withdrew, restored or listed on another record."""

    kind: str
    id: str
    title: str
    source: str
    status: str  # new | changed | withdrawn | restored | listed
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new)


@dataclass
class Outcome:
    """What applying one source's run did (the store's half of the report row)."""

    name: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    listed: int = 0  # merged into another source's record (also_listed)
    withdrawn: int = 0
    stale: int = 0
    invalid: int = 0
    failed: bool = False
    error: str | None = None
    reset: str | None = None
    held: str | None = None
    problems: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    figures: list[HeldFigure] = field(default_factory=list)  # held at their last good value
    items: list[ItemProblem] = field(default_factory=list)  # per-item news: invalid, duplicate, dropped


# --------------------------------------------------------------------------- store

def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields, with `facts` split into `facts.<name>` (each owned separately)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in (PROVENANCE_KEY, ERRORS_KEY):
            continue
        if key in MERGED_BY_KEY and isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        top, dot, sub = key.partition(".")
        if dot and top in MERGED_BY_KEY:
            out.setdefault(top, {})[sub] = value
        else:
            out[key] = value
    return out


class HarvestStore:
    """Applies one source's records to `<root>/harvested/`, keeping the rules above."""

    def __init__(self, root: str | Path, state: State, today: date | None = None):
        self.root = Path(root)
        self.state = state
        self.today = today or date.today()
        self.day = self.today.isoformat()
        self._events: EventIndex | None = None  # built when first needed (a new event to match)
        self._rules = FigureRules()  # the figures guard of the source being applied

    @property
    def events(self) -> EventIndex:
        if self._events is None:
            self._events = self._event_index()
        return self._events

    # ------------------------------------------------------------------ paths and reading

    def path(self, kind: str, record_id: str, origin: str = "harvested") -> Path:
        return self.root / origin / kind / f"{record_id}.yaml"

    def _read(self, kind: str, record_id: str, origin: str = "harvested") -> dict[str, Any] | None:
        path = self.path(kind, record_id, origin)
        if not path.exists():
            return None
        loaded = load_file(path)
        if not loaded.ok or not isinstance(loaded.data, dict):
            log.warning("%s: unreadable (%s); the harvester will rewrite it", path,
                        "; ".join(p.message for p in loaded.problems) or "not a mapping")
            return {}
        return loaded.data

    def _event_index(self) -> EventIndex:
        """Every known event; a curated event with a harvested twin is owned by the twin's source."""
        index = EventIndex()
        stems: set[str] = set()
        for origin in ("curated", "harvested"):
            folder = self.root / origin / "events"
            if folder.is_dir():
                stems.update(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("."))
        for stem in sorted(stems):
            curated = self._read("events", stem, "curated")
            harvested = self._read("events", stem)
            if not curated and not harvested:
                continue
            owner = ((harvested or {}).get(PROVENANCE_KEY) or {}).get("id") or {}
            data = merge("events", stem, curated or None, harvested or None).data
            index.add(stem, owner.get("source") or ("curated" if curated else "?"), data)
        return index

    # ------------------------------------------------------------------ the run of one source

    def apply(self, src: SourceConfig, records: Iterable[dict[str, Any]], *, error: SourceError | None = None,
              complete: bool = True, allow_shrink: bool = False, problems: Iterable[str] = (),
              accept_figures: Iterable[str] = (), items: Iterable[ItemProblem] = ()) -> Outcome:
        out = Outcome(src.name, problems=list(problems), items=list(items))
        self._rules = FigureRules(src.max_figure_drop, dict(src.figure_overrides), allow_shrink,
                                  frozenset(accept_figures))
        st = self.state.source(src.name)
        records = list(records)
        out.fetched = len(records)
        previous = list(st.get("records") or [])
        if error is not None:
            out.failed, out.error = True, f"{error.reason}: {error}"
            out.reset = getattr(error, "reset", None)
            self._failed(src, st, out)
            return out
        dropped = len(out.items)
        records = self._checked(src, records, out)
        if any(i.code == "dropped" for i in out.items[dropped:]):
            complete = False  # an item without a usable id may be one that is still listed upstream
        if previous and len(records) < src.min_keep_ratio * len(previous):
            previous = [k for k in previous if not self._ended(k)]  # ended events leave listings normally
        if previous and len(records) < src.min_keep_ratio * len(previous) and not allow_shrink:
            out.failed = True
            out.held = (f"returned {len(records)} records where the last run had {len(previous)} "
                        f"(below {src.min_keep_ratio:.0%}); nothing written or withdrawn; if the drop is real, "
                        f"run again with --allow-shrink {src.name}")
            out.error = "held: " + out.held
            self._failed(src, st, out)
            return out
        seen: list[str] = []
        for record in records:
            key = self._write(src, record, out)
            if key:
                seen.append(key)
        gone = [k for k in sorted(set(previous) - set(seen)) if not self._ended(k)]
        if gone and not complete:
            out.problems.append(f"{len(gone)} earlier records not listed, but items were skipped: none withdrawn")
            seen.extend(gone)
        elif gone:
            for key in gone:
                self._vanished(src, key, out)
        st["records"] = sorted(set(seen))
        st.pop("last_error", None)
        st.pop("failing_since", None)
        return out

    def _ended(self, key: str) -> bool:
        """An event that is over: sources stop listing those, which is no reason to withdraw them."""
        kind, _, rid = key.partition("/")
        if kind != "events":
            return False
        data = self._read(kind, rid) or {}
        last = data.get("end") or data.get("start")
        return isinstance(last, str) and last[:10] < self.day

    def _failed(self, src: SourceConfig, st: dict[str, Any], out: Outcome) -> None:
        st["last_error"] = out.error
        st.setdefault("failing_since", self.day)
        if self.state.stale_since(src, self.today):
            out.stale = len(st.get("records") or [])

    def _checked(self, src: SourceConfig, records: list[dict[str, Any]], out: Outcome) -> list[dict[str, Any]]:
        ok: list[dict[str, Any]] = []
        ids: set[str] = set()
        for record in records:
            rid = record.get("id") if isinstance(record, dict) else None
            if not isinstance(rid, str) or not _SLUG.match(rid):
                message = f"item without a usable id skipped: {str(rid)[:80]!r}"
                out.problems.append(message)
                out.items.append(ItemProblem("dropped", str(rid)[:80], message))
                continue
            if rid in ids:
                message = f"{rid}: listed twice; the first is kept"
                out.problems.append(message)
                out.items.append(ItemProblem("duplicate", rid, message))
                continue
            ids.add(rid)
            ok.append(record)
        return ok

    # ------------------------------------------------------------------ one record

    def _write(self, src: SourceConfig, record: dict[str, Any], out: Outcome) -> str | None:
        kind = src.kind
        own = record["id"]
        if kind != "events" or self.path(kind, own).exists():
            return self._update(src, own, record, out)
        for hit in self.events.matches(record):
            owner = self.events.owner(hit)
            curated = self.path(kind, hit, "curated").exists()
            if owner == src.name:
                if curated:
                    return self._update(src, hit, record, out)  # our earlier twin of a curated event
                continue  # look-alikes within one source stay separate records
            if owner == "curated":
                return self._update(src, hit, record, out)  # become the curated event's harvested twin
            return self._list_on(src, record, hit, out)
        return self._update(src, own, record, out)

    def _update(self, src: SourceConfig, rid: str, record: dict[str, Any], out: Outcome) -> str | None:
        kind = src.kind
        key = f"{kind}/{rid}"
        existed = self.path(kind, rid).exists()
        old = self._read(kind, rid) or {}
        old_prov: dict[str, Any] = {k: dict(v) for k, v in (old.get(PROVENANCE_KEY) or {}).items()
                                    if isinstance(v, dict)}
        errors = record.get(ERRORS_KEY) if isinstance(record.get(ERRORS_KEY), dict) else {}
        flat_old = flatten(old)
        flat_new = dict(flat_old)
        prov = {k: dict(v) for k, v in old_prov.items()}
        incoming = flatten({k: v for k, v in record.items() if k not in FIXED})
        errors = dict(errors)
        held_before = len(out.figures)
        diff: dict[str, tuple[Any, Any]] = {}
        for name, value in sorted(incoming.items()):
            owner = (prov.get(name) or {}).get("source")
            if owner not in (None, src.name) and name in flat_old:
                continue  # another source's field
            if name in flat_old and self._held(kind, rid, name, flat_old[name], value, errors, out):
                continue
            if flat_old.get(name) != value or name not in flat_old:
                diff[name] = (flat_old.get(name), value)
                flat_new[name] = value
                prov[name] = {"source": src.name, "changed": self.day}
            else:
                prov[name] = {**(prov.get(name) or {}), "source": src.name}
                prov[name].setdefault("changed", self.day)
        for name, p in sorted(old_prov.items()):
            if p.get("source") != src.name or name in incoming or name in FIXED:
                continue
            if name == "withdrawn":
                diff[name] = (flat_old.get(name), None)
                flat_new.pop(name, None)
                prov.pop(name, None)
            elif name in errors:
                pass  # the source could not read it this time: keep the last good value
            elif name in flat_new and self._held(kind, rid, name, flat_new[name], MISSING, errors, out):
                pass
            elif name in flat_new:
                diff[name] = (flat_new.pop(name), None)
                prov.pop(name, None)
        held = {f.field for f in out.figures[held_before:]}
        for name, companion in COMPANIONS.items():
            if name in held and companion in diff and companion in flat_old:
                # A held date keeps its release name with it, so the pair never disagrees.
                flat_new[companion] = flat_old[companion]
                prov[companion] = dict(old_prov.get(companion) or prov[companion])
                diff.pop(companion)
                errors.setdefault(companion, errors[name])
        for name, p in prov.items():
            if p.get("source") != src.name:
                continue
            if name in errors and name in flat_new:
                p["error"] = str(errors[name])[:300]
            else:
                p.pop("error", None)
        flat_new["id"] = rid
        prov.setdefault("id", {"source": src.name, "changed": self.day})
        if not existed and set(flat_new) == {"id"}:
            out.unchanged += 1  # nothing to say about this record (e.g. no review flags): no file
            return key
        data = unflatten(flat_new)
        data[PROVENANCE_KEY] = {k: prov[k] for k in sorted(prov) if k == "id" or k in flat_new}
        if existed and data == old:
            out.unchanged += 1  # the common nightly case: nothing to check, nothing to write
            return key
        problem = self._invalid(kind, rid, data)
        if problem:
            out.invalid += 1
            out.problems.append(problem)
            out.items.append(ItemProblem("invalid", rid, problem))
            return key if existed else None  # an existing record stays as it was, and is not withdrawn
        changed = write_yaml(self.path(kind, rid), data)
        if kind == "events" and self._events is not None:
            owner = (data[PROVENANCE_KEY].get("id") or {}).get("source") or src.name
            self._events.add(rid, owner, merge(kind, rid, self._read(kind, rid, "curated") or None, data).data)
        title = self._title(kind, rid, data)
        if not existed:
            out.new += 1
            out.changes.append(Change(kind, rid, title, src.name, "new", diff))
        elif changed:
            out.changed += 1
            status = "restored" if "withdrawn" in diff else "changed"
            out.changes.append(Change(kind, rid, title, src.name, status, diff))
        else:
            out.unchanged += 1
        return key

    def _list_on(self, src: SourceConfig, record: dict[str, Any], target: str, out: Outcome) -> str:
        """Name this source in another record's `also_listed` instead of writing a duplicate."""
        kind = src.kind
        data = self._read(kind, target) or {"id": target}
        listing = {"source": src.name}
        if record.get("url"):
            listing["url"] = record["url"]
        others = [x for x in data.get("also_listed") or [] if isinstance(x, dict) and x.get("source") != src.name]
        new_list = sorted(others + [listing], key=lambda x: x["source"])
        key = f"{kind}/{target}"
        if new_list != data.get("also_listed"):
            data["also_listed"] = new_list
            prov = data.setdefault(PROVENANCE_KEY, {})
            prov["also_listed"] = {"source": src.name, "changed": self.day}
            if not self._invalid(kind, target, data):
                write_yaml(self.path(kind, target), data)
                out.changes.append(Change(kind, target, self._title(kind, target, data), src.name, "listed"))
        out.listed += 1
        return key

    def _vanished(self, src: SourceConfig, key: str, out: Outcome) -> None:
        kind, _, rid = key.partition("/")
        data = self._read(kind, rid)
        if not data:
            return
        prov = data.setdefault(PROVENANCE_KEY, {})
        listed = [x for x in data.get("also_listed") or [] if isinstance(x, dict)]
        if any(x.get("source") == src.name for x in listed):
            data["also_listed"] = [x for x in listed if x.get("source") != src.name]
            if not data["also_listed"]:
                del data["also_listed"]
                prov.pop("also_listed", None)
            else:
                prov["also_listed"] = {"source": src.name, "changed": self.day}
            write_yaml(self.path(kind, rid), data)
            return
        owner = (prov.get("id") or {}).get("source")
        if owner != src.name or data.get("withdrawn") or self.path(kind, rid, "curated").exists():
            return  # enrichment of someone else's record, already withdrawn, or a curated twin
        if listed:
            return  # other sources still list it
        data["withdrawn"] = True
        prov["withdrawn"] = {"source": src.name, "changed": self.day}
        write_yaml(self.path(kind, rid), data)
        out.withdrawn += 1
        out.changes.append(Change(kind, rid, self._title(kind, rid, data), src.name, "withdrawn",
                                  {"withdrawn": (None, True)}))

    # ------------------------------------------------------------------ helpers

    def _held(self, kind: str, rid: str, name: str, old: Any, new: Any, errors: dict[str, Any],
              out: Outcome) -> bool:
        """True when the figures guard keeps `old`; the reason goes to provenance and the report."""
        reason = verdict(name, old, new, self._rules)
        if reason is None:
            return False
        held = HeldFigure(kind, rid, name, old, None if new is MISSING else new, reason)
        errors.setdefault(name, f"held at its last good value: {reason}")
        out.figures.append(held)
        return True

    def _invalid(self, kind: str, rid: str, data: dict[str, Any]) -> str | None:
        """A message when curated + this harvested record would not validate, else None."""
        curated = self._read(kind, rid, "curated")
        merged = merge(kind, rid, curated or None, data).data
        try:
            KINDS[kind].model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = "/".join(str(p) for p in err["loc"])
            return f"{rid}: not written: /{where}: {err['msg']}"
        return None

    def _title(self, kind: str, rid: str, data: dict[str, Any]) -> str:
        title = title_of(kind, data)
        if title == rid or not title:
            curated = self._read(kind, rid, "curated")
            if curated:
                title = title_of(kind, curated)
        return title or rid
