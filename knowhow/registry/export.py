"""The merged registry as a Frictionless Data Package: per kind one CSV and one JSON file."""

from __future__ import annotations

import csv
import io
import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .model import KINDS, Record, tier
from .store import Registry
from .yamlio import write_atomic

PACKAGE_NAME = "leaps-wg3-knowhow"


def record_json(kind: str, rec) -> dict[str, Any]:
    """One published record as open data: its fields, tier and per-field provenance."""
    data = {k: v for k, v in rec.data.items() if k not in ("hidden",)}
    data["tier"] = tier(KINDS[kind], rec.data)
    data["provenance"] = {k: o.as_dict() for k, o in sorted(rec.provenance.items())}
    return data


def _columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, tuple[str, ...]]]:
    """(column name, Table Schema type, path) for every flattened field of a model."""
    cols: list[tuple[str, str, tuple[str, ...]]] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        nested = _single_model(ann)
        if nested is not None:
            for col, typ, path in _columns(nested, f"{prefix}{name}_"):
                cols.append((col, typ, (name,) + path))
            continue
        cols.append((f"{prefix}{name}", _kind_of(ann), (name,)))
    return cols


def _single_model(ann: Any) -> type[BaseModel] | None:
    if getattr(ann, "__origin__", None) is list:
        return None
    for a in (ann, *getattr(ann, "__args__", ())):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _kind_of(ann: Any) -> str:
    """Table Schema type of a field: integer and boolean where the model says so, else string."""
    if typing.get_origin(ann) is list:
        return "string"
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    base = ann if not args else args[0]
    while typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if base is bool:
        return "boolean"
    if base is int:
        return "integer"
    return "string"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell_item(v) for v in value)
    return str(value)


def _cell_item(v: Any) -> str:
    if isinstance(v, dict):
        return ":".join(str(x) for x in v.values() if x is not None)
    return str(v)


def _get(data: dict, path: tuple[str, ...]) -> Any:
    for p in path:
        if not isinstance(data, dict):
            return None
        data = data.get(p)
    return data


def table(kind: str, records: list) -> tuple[list[dict], str]:
    """Table Schema fields and CSV text for one kind."""
    model: type[Record] = KINDS[kind]
    cols = [c for c in _columns(model) if c[0] not in ("hidden",)]
    cols.append(("tier", "string", ("tier",)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c[0] for c in cols])
    for rec in records:
        row_data = dict(rec.data, tier=tier(model, rec.data))
        writer.writerow([_cell(_get(row_data, path)) for _, _, path in cols])
    fields = []
    for name, typ, _ in cols:
        desc = model.model_fields[name].description if name in model.model_fields else None
        f = {"name": name, "type": typ}
        if desc:
            f["description"] = desc
        fields.append(f)
    return fields, buf.getvalue()


def export(reg: Registry, out: str | Path) -> list[Path]:
    """Write datapackage.json and <kind>.csv / <kind>.json; return the files that changed."""
    out = Path(out)
    changed: list[Path] = []
    resources = []
    for kind in KINDS:
        records = reg.published(kind)
        fields, text = table(kind, records)
        if write_atomic(out / f"{kind}.csv", text):
            changed.append(out / f"{kind}.csv")
        payload = json.dumps([record_json(kind, r) for r in records], indent=2, sort_keys=True,
                             ensure_ascii=False) + "\n"
        if write_atomic(out / f"{kind}.json", payload):
            changed.append(out / f"{kind}.json")
        resources.append({
            "name": kind.replace("_", "-"),
            "path": f"{kind}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": KINDS[kind].__doc__.strip().splitlines()[0] if KINDS[kind].__doc__ else kind,
            "schema": {"fields": fields, "primaryKey": ["id"]},
        })
        resources.append({
            "name": f"{kind.replace('_', '-')}-json",
            "path": f"{kind}.json",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
        })
    package = {
        "name": PACKAGE_NAME,
        "title": "LEAPS WG3 know-how portal registries",
        "profile": "data-package",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": resources,
    }
    text = json.dumps(package, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if write_atomic(out / "datapackage.json", text):
        changed.append(out / "datapackage.json")
    return changed
