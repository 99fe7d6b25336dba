"""The contributor field reference, generated from the record model's JSON Schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..registry import vocab
from ..registry.model import KINDS
from ..registry.schemas import schema_for

ENUM_SHOWN = 16
HARVEST_ONLY = {"facts", "withdrawn", "also_listed", "review"}
# Big controlled lists are named, not listed.
NAMED_LISTS = {"PaNET": "a PaNET technique id (knowhow/registry/panet.yaml)",
               "country": "an ISO 3166-1 alpha-2 country code, e.g. FR"}
# Every portal list of vocab.py (upper-case name, value -> label), whichever kind uses it.
VOCAB_TABLES = [v for k, v in vars(vocab).items() if k.isupper() and isinstance(v, dict)
                and all(isinstance(x, str) for x in v.values())]


@dataclass(frozen=True)
class FieldRow:
    name: str
    type: str
    need: str  # required, recommended, optional, harvested
    description: str
    values: str


def field_rows(kind: str) -> list[FieldRow]:
    model = KINDS[kind]
    schema = schema_for(kind)
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows: list[FieldRow] = []
    for name, prop in schema.get("properties", {}).items():
        if name == "provenance":
            continue
        need = ("required" if name in required else "harvested" if name in HARVEST_ONLY
                else "recommended" if name in model.recommended else "optional")
        rows.extend(_rows(name, prop, defs, need))
    return rows


def _rows(name: str, prop: dict, defs: dict, need: str) -> list[FieldRow]:
    prop = _unwrap(prop)
    desc = str(prop.get("description", ""))
    target = _ref(prop, defs)
    items = _unwrap(prop.get("items", {})) if prop.get("type") == "array" else None
    item_target = _ref(items, defs) if items else None
    if target is not None and need != "harvested":
        head = FieldRow(name, "mapping", need, desc or str(target.get("description", "")), "")
        return [head] + [r for sub, sp in target.get("properties", {}).items()
                         for r in _rows(f"{name}.{sub}", sp, defs, "optional" if sub not in target.get("required", [])
                                        else "required")]
    if item_target is not None and need != "harvested":
        head = FieldRow(name, "list of mappings", need, desc, "")
        return [head] + [r for sub, sp in item_target.get("properties", {}).items()
                         for r in _rows(f"{name}[].{sub}", sp, defs,
                                        "required" if sub in item_target.get("required", []) else "optional")]
    return [FieldRow(name, _type(prop, items), need, desc, _values(items or prop))]


def _unwrap(prop: dict) -> dict:
    """`X | None` appears as anyOf [X, null]: keep X (with the outer description)."""
    if "anyOf" in prop:
        inner = [p for p in prop["anyOf"] if p.get("type") != "null"]
        if len(inner) == 1:
            return {**inner[0], **{k: v for k, v in prop.items() if k not in ("anyOf", "default")}}
    return prop


def _ref(prop: dict | None, defs: dict) -> dict | None:
    if prop and "$ref" in prop:
        return defs.get(prop["$ref"].rsplit("/", 1)[-1])
    return None


def _type(prop: dict, items: dict | None) -> str:
    if items is not None:
        return f"list of {_type(items, None)}s"
    t = prop.get("type", "text")
    if prop.get("format") == "uri":
        return "URL"
    if prop.get("format") == "date":
        return "date"
    if "pattern" in prop and str(prop["pattern"]).startswith("^\\d{4}"):
        return "date or date-time"
    return {"string": "text", "integer": "integer", "boolean": "true/false", "object": "mapping"}.get(t, str(t))


def _values(prop: dict) -> str:
    enum = prop.get("enum")
    if not enum:
        return ""
    if len(enum) > ENUM_SHOWN:
        first = str(enum[0])
        return NAMED_LISTS["PaNET"] if first.startswith("PaNET") else NAMED_LISTS["country"] \
            if len(first) == 2 else f"one of {len(enum)} values (see the JSON Schema)"
    labels = {}
    for table in VOCAB_TABLES:
        if set(enum) <= set(table):
            labels = table
            break
    return ", ".join(f"{v} ({labels[v]})" if v in labels else str(v) for v in enum)


def schema_text(kind: str) -> str:
    return json.dumps(schema_for(kind), indent=2, sort_keys=True)
