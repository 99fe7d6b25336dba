"""JSON Schemas for editors, generated from the model into `registry/schemas/`."""

from __future__ import annotations

import json
from pathlib import Path

from .model import KINDS
from .yamlio import write_atomic

SCHEMA_BASE = "https://leaps-wg3.github.io/knowhow/schemas/"


def schema_for(kind: str) -> dict:
    model = KINDS[kind]
    schema = model.model_json_schema(mode="validation")
    props = schema.get("properties", {})
    # Harvester bookkeeping may appear in harvested files only; editors see it too.
    props["provenance"] = {"type": "object", "description": "Harvested only: where each field came from."}
    schema["properties"] = props
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{SCHEMA_BASE}{kind}.schema.json"
    schema["title"] = f"{model.__name__} record"
    return schema


def render(kind: str) -> str:
    return json.dumps(schema_for(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(out_dir: str | Path) -> list[Path]:
    """Write one schema per kind; return the files that changed."""
    changed = []
    for kind in KINDS:
        path = Path(out_dir) / f"{kind}.schema.json"
        if write_atomic(path, render(kind)):
            changed.append(path)
    return changed
