"""`knowhow new KIND`: a record file with every field present or commented, ready to fill in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .model import KINDS

# Fields only the harvester writes; a contributor never starts with them.
HARVEST_ONLY = {"withdrawn", "also_listed", "facts", "hidden", "source"}


def _example(name: str, info: Any) -> str:
    text = repr(info.annotation)
    if "list" in text:
        return "[]"
    if name in ("start", "end", "registration_deadline"):
        return "2026-01-31T09:00:00+01:00"
    if "Url" in text or name in ("website", "homepage", "url") or "_url" in text:
        return "https://"
    return '""'


def scaffold(kind: str, record_id: str = "my-new-record") -> str:
    model = KINDS[kind]
    first = ["id", model.title_field, model.url_field, "description"]
    lines = [
        f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json",
        f"# A new {kind} record. Required fields are filled in; uncomment optional ones you know.",
        f"# Save as registry/curated/{kind}/<id>.yaml, then run: knowhow validate",
    ]
    fields = model.model_fields
    for name in first:
        info = fields[name]
        lines.append(f"# {info.description}" if info.description else f"# {name}")
        value = record_id if name == "id" else ("Describe it in a few sentences." if name == "description"
                                                  else ("https://example.org/" if name == model.url_field
                                                        else "Name"))
        lines.append(f"{name}: {value}")
    lines.append("# Public pages the facts come from:")
    lines.append("references:\n  - https://example.org/source-page")
    for name, info in fields.items():
        if name in first or name in HARVEST_ONLY or name == "references":
            continue
        desc = f"  # {info.description}" if info.description else ""
        nested = _nested(info.annotation)
        if nested is not None and "list" in repr(info.annotation):
            sub = ", ".join(f"{k}: ..." for k in nested.model_fields)
            lines.append(f"# {name}:{desc}\n#   - {{{sub}}}")
        elif nested is not None:
            lines.append(f"# {name}:{desc}")
            for k in nested.model_fields:
                lines.append(f"#   {k}: ")
        else:
            lines.append(f"# {name}: {_example(name, info)}{desc}")
    return "\n".join(lines) + "\n"


def _nested(ann: Any) -> type[BaseModel] | None:
    for a in (ann, *getattr(ann, "__args__", ())):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        for b in getattr(a, "__args__", ()):
            if isinstance(b, type) and issubclass(b, BaseModel):
                return b
    return None
