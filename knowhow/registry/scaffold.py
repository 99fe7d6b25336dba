"""`knowhow new KIND`: a record file with every field present or commented, ready to fill in."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from .model import KINDS

# Fields only the harvester writes; a contributor never starts with them.
HARVEST_ONLY = {"withdrawn", "also_listed", "facts", "hidden", "source", "review"}
PLACEHOLDER_URL = "https://example.org/"
SOURCE_PLACEHOLDER = "https://example.org/source-page"
EXAMPLES = {
    "id": None,  # filled with the chosen id
    "description": "Describe it in a few sentences.",
    "start": "2026-01-31T09:00:00+01:00",
    "end": "2026-01-31T17:00:00+01:00",
    "registration_deadline": "2026-01-15",
    "timezone": "Europe/Paris",
    "country": "FR",
    "license": "MIT",
    "doi": "10.5281/zenodo.0000000",
    "started": "2010",
    "ror": "02550n020",
    "embargo_years": "3",
    "date": "2026-01-31",
    "posted": "2026-01-05",
    "closing_date": "2026-01-31",
    "opens": "2026-01-15",
    "deadline": "2026-03-12T17:00:00+01:00",
    "facility": "esrf",
    "funder": "European Commission",
}


def _choices(ann: Any) -> list[str]:
    for a in (ann, *typing.get_args(ann)):
        if typing.get_origin(a) is typing.Literal:
            return [str(x) for x in typing.get_args(a)]
        inner = _choices(a) if typing.get_args(a) and a is not ann else []
        if inner:
            return inner
    return []


def _nested(ann: Any) -> type[BaseModel] | None:
    for a in (ann, *typing.get_args(ann)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        for b in typing.get_args(a):
            if isinstance(b, type) and issubclass(b, BaseModel):
                return b
    return None


def _is_list(ann: Any) -> bool:
    return any(typing.get_origin(a) is list for a in (ann, *typing.get_args(ann)))


def _url_like(ann: Any) -> bool:
    return "function _url " in repr(ann)


def _example(name: str, ann: Any, url_like: bool) -> str:
    if name in EXAMPLES and EXAMPLES[name] is not None:
        return EXAMPLES[name]
    choices = _choices(ann)
    if choices:
        return choices[0]
    if url_like:
        return PLACEHOLDER_URL
    return "..."


def title_placeholder(kind: str) -> str:
    return f"Name of the {kind.replace('_', ' ')} record"


def is_placeholder(kind: str, field: str, value: object) -> bool:
    """Whether a value is still the one `scaffold` wrote for the contributor to replace."""
    if not isinstance(value, str):
        return False
    return value in (PLACEHOLDER_URL, SOURCE_PLACEHOLDER, "...", title_placeholder(kind)) or (
        field in ("description", "doi") and value == EXAMPLES[field])


def scaffold(kind: str, record_id: str = "my-new-record") -> str:
    model = KINDS[kind]
    fields = model.model_fields
    lines = [
        f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json",
        f"# A new {kind} record: fill in the required fields, uncomment the optional ones you know,",
        f"# save as registry/curated/{kind}/<id>.yaml and run `knowhow validate`.",
        "# Quote a value if it contains ': ' or ' #'.",
        "",
        "# --- required",
    ]
    required = ["id", model.title_field, model.url_field, "description"]
    required += [n for n, f in fields.items() if f.is_required() and n not in required]
    for name in required:
        info = fields[name]
        url_like = _url_like(info.annotation) or _url_like(info.metadata)
        value = record_id if name == "id" else _example(name, info.annotation, url_like)
        if name == model.title_field:
            value = title_placeholder(kind)
        if info.description:
            lines.append(f"# {info.description}")
        lines.append(f"{name}: {value}")
    lines += ["# Public pages the facts of this record come from:", "references:",
              f"  - {SOURCE_PLACEHOLDER}", "", "# --- optional"]
    for name, info in fields.items():
        if name in required or name in HARVEST_ONLY or name == "references":
            continue
        ann = info.annotation
        choices = _choices(ann)
        note = info.description or ""
        if choices:
            note = (note + " " if note else "") + "One of: " + ", ".join(choices) + "."
        if note:
            lines.append(f"# {note}")
        nested = _nested(ann)
        url_like = _url_like(ann)
        if nested is not None and _is_list(ann):
            sub = ", ".join(f"{k}: {_example(k, f.annotation, False)}" for k, f in nested.model_fields.items())
            lines.append(f"# {name}:\n#   - {{{sub}}}")
        elif nested is not None:
            lines.append(f"# {name}:")
            for k, f in nested.model_fields.items():
                lines.append(f"#   {k}: {_example(k, f.annotation, _url_like(f.annotation))}")
        elif _is_list(ann):
            lines.append(f"# {name}: [{_example(name, ann, url_like)}]")
        else:
            lines.append(f"# {name}: {_example(name, ann, url_like)}")
    return "\n".join(lines) + "\n"
