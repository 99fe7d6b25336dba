"""Validate a registry: every file, every merged record, every reference. Errors are data."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from . import hints, store, vocab
from .merge import PROVENANCE_KEY, REVIEW_KEY, Merged
from .model import KINDS, Record
from .problems import Problem, Report
from .scaffold import is_placeholder
from .types import parse_when
from .yamlio import Loaded

_TYPE_CODES = {
    "missing": "missing",
    "extra_forbidden": "unknown-field",
    "literal_error": "not-in-list",
    "string_type": "wrong-type",
    "int_type": "wrong-type",
    "bool_type": "wrong-type",
    "list_type": "wrong-type",
    "dict_type": "wrong-type",
    "model_type": "wrong-type",
    "model_attributes_type": "wrong-type",
    "string_pattern_mismatch": "bad-format",
    "string_too_long": "too-long",
    "string_too_short": "empty",
    "greater_than_equal": "out-of-range",
    "less_than_equal": "out-of-range",
}


def pointer_of(loc: tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested model that owns the last element of loc (for 'did you mean' suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(getattr(a, "__args__", ()) or ())
    return None


def _hint(err: dict, model: type[Record], value: Any) -> str:
    ctx = err.get("ctx") or {}
    if "hint" in ctx:
        return str(ctx["hint"])
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        owner = _model_at(model, loc)
        if owner is not None:
            near = vocab.suggest(str(loc[-1]), [f for f in owner.model_fields])
            if near:
                return f"did you mean '{near}'?"
            return "known fields: " + ", ".join(owner.model_fields)
    if err["type"] == "literal_error" and isinstance(value, str):
        choices = [c.strip(" '") for c in str(ctx.get("expected", "")).replace(" or ", ",").split(",")]
        near = vocab.suggest(value, [c for c in choices if c])
        return f"did you mean '{near}'?" if near else f"one of: {', '.join(c for c in choices if c)}"
    if err["type"] in ("string_type",) and isinstance(value, (int, bool)):
        return "quote the value"
    if err["type"] == "list_type":
        return "write a list: one '- item' per line"
    if err["type"] == "missing":
        return f"add '{loc[-1]}:'"
    return ""


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


class Validator:
    """Collects problems for one registry; each check is a generator of Problems."""

    def __init__(self, reg: store.Registry):
        self.reg = reg
        self.loaded: dict[str, Loaded] = {f.shown: f.loaded for f in reg.files}

    def locate(self, rec: Merged, loc: tuple[Any, ...], code: str, message: str, hint: str = "",
               severity: str = "error") -> Problem:
        top = str(loc[0]) if loc else ""
        path = rec.origin_path(top) if top else rec.path
        loaded = self.loaded.get(path)
        ptr = pointer_of(loc)
        line = loaded.line(ptr) if loaded else None
        return Problem(path, line or 1, ptr, code, message, hint, severity)  # type: ignore[arg-type]

    def run(self) -> Report:
        report = Report(list(self.reg.problems))
        report.extend(self.file_checks())
        for kind, records in sorted(self.reg.records.items()):
            model = KINDS[kind]
            report.counts[kind] = len(records)
            for rec in records.values():
                report.extend(self.record_checks(model, rec))
        report.extend(self.reference_checks())
        return report

    def file_checks(self) -> Iterator[Problem]:
        seen: dict[tuple[str, str, str], str] = {}
        for f in self.reg.files:
            data = f.loaded.data
            if not f.loaded.ok or not isinstance(data, dict):
                continue
            rid = data.get("id")
            if not isinstance(rid, str) or not rid:
                yield Problem(f.shown, 1, "/id", "missing", "record has no id", f"add 'id: {f.stem}'")
                continue
            if rid != f.stem:
                yield Problem(f.shown, f.loaded.line("/id"), "/id", "id-mismatch",
                              f"id '{rid}' differs from the file name '{f.stem}'",
                              f"rename the file to {rid}.yaml or set 'id: {f.stem}'")
            key = (f.kind, f.origin, rid.casefold())
            if key in seen:
                yield Problem(f.shown, f.loaded.line("/id"), "/id", "duplicate-id",
                              f"id '{rid}' is already used by {seen[key]}", "ids are unique per kind")
            else:
                seen[key] = f.shown
            if f.origin == "curated":
                for key in (PROVENANCE_KEY, REVIEW_KEY):
                    if key in data:
                        yield Problem(f.shown, f.loaded.line("/" + key), "/" + key, "harvest-only",
                                      f"{key} is written by the harvester", "remove it from the curated file")
                yield from _placeholders(f, data)

    def record_checks(self, model: type[Record], rec: Merged) -> Iterator[Problem]:
        data = rec.data
        try:
            model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                code = err["type"] if "hint" in (err.get("ctx") or {}) else _TYPE_CODES.get(err["type"], "invalid")
                yield self.locate(rec, loc, code, _message(err, loc), _hint(err, model, _value_at(data, loc)))
        if rec.curated_path and not data.get("references") and not rec.harvested_path:
            yield self.locate(rec, ("id",), "no-source", "curated record names no public source",
                              "add 'references:' with the page its facts come from", "warning")
        yield from self.date_checks(model, rec)

    def date_checks(self, model: type[Record], rec: Merged) -> Iterator[Problem]:
        data = rec.data
        for a, b in model.date_order:
            if data.get(a) is None or data.get(b) is None:
                continue
            try:
                wrong = _before(data[a], data[b])
            except (ValueError, TypeError, PydanticCustomError):  # reported by the model check
                continue
            if wrong:
                yield self.locate(rec, (b,), "end-before-start", f"{b} {data[b]} is before {a} {data[a]}",
                                  f"check the {b} date")

    def reference_checks(self) -> Iterator[Problem]:
        ids = {kind: set(recs) for kind, recs in self.reg.records.items()}
        facility_names = hints.facility_names({fid: m.data for fid, m in self.reg.records.get("facilities", {}).items()})
        for kind, records in sorted(self.reg.records.items()):
            for pattern, target in KINDS[kind].links_to:
                for rec in records.values():
                    for loc, value in _walk(rec.data, pattern.split("/")):
                        if target == "*":  # kind/id of any kind; a malformed one the model reports
                            problem = self._any_kind(rec, loc, value, ids) if isinstance(value, str) \
                                and "/" in value else None
                            if problem:
                                yield problem
                            continue
                        if not isinstance(value, str) or value in ids.get(target, ()):
                            continue
                        if target == "facilities":
                            hint = hints.facility_hint(value, facility_names, ids.get(target, ()))
                        else:
                            near = vocab.suggest(value, ids.get(target, ()))
                            hint = f"did you mean '{near}'?" if near else ""
                        yield self.locate(rec, loc, "unknown-reference", f"no {target} record with id '{value}'",
                                          hint or f"add registry/curated/{target}/{value}.yaml first")

    def _any_kind(self, rec: Merged, loc: tuple[Any, ...], value: str, ids: dict[str, set[str]]) -> Problem | None:
        kind, _, rid = value.partition("/")
        if kind not in KINDS:
            near = vocab.suggest(kind, KINDS)
            return self.locate(rec, loc, "unknown-reference", f"no record kind '{kind}' in '{value}'",
                               f"did you mean '{near}/{rid}'?" if near else "kinds: " + ", ".join(KINDS))
        if rid in ids.get(kind, ()):
            return None
        near = vocab.suggest(rid, ids.get(kind, ()))
        return self.locate(rec, loc, "unknown-reference", f"no {kind} record with id '{rid}'",
                           f"did you mean '{kind}/{near}'?" if near
                           else f"add registry/curated/{kind}/{rid}.yaml first")


def _placeholders(f: store.RecordFile, data: Any, loc: tuple[Any, ...] = ()) -> Iterator[Problem]:
    """Values a contributor left as `knowhow new` wrote them."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _placeholders(f, value, loc + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _placeholders(f, value, loc + (i,))
    else:
        field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        if is_placeholder(f.kind, field, data):
            ptr = pointer_of(loc)
            yield Problem(f.shown, f.loaded.line(ptr) or 1, ptr, "placeholder",
                          f"'{data}' is the placeholder `knowhow new` wrote",
                          "replace it with the real value, or delete the line if it is optional")


def _message(err: dict, loc: tuple[Any, ...]) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown field '{loc[-1]}'"
    if err["type"] == "missing":
        return f"required field '{loc[-1]}' is missing"
    return str(err["msg"])


def _walk(data: Any, parts: list[str], loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if not parts:
        yield loc, data
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _walk(item, rest, loc + (i,))
    elif isinstance(data, dict) and head in data:
        yield from _walk(data[head], rest, loc + (head,))


def _before(a: Any, b: Any) -> bool:
    """Whether b is strictly before a; years compare as years, dates as calendar days."""
    if isinstance(a, int) and isinstance(b, int):
        return b < a
    va, vb = parse_when(str(a)), parse_when(str(b))
    if isinstance(va, datetime) and isinstance(vb, datetime):
        return vb.astimezone(timezone.utc) < va.astimezone(timezone.utc)
    da = va.date() if isinstance(va, datetime) else va
    db = vb.date() if isinstance(vb, datetime) else vb
    return db < da


def validate(root: str | Path) -> tuple[store.Registry, Report]:
    reg = store.read(root)
    return reg, Validator(reg).run()
