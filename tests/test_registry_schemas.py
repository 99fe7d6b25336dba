"""JSON Schemas come from the model; the committed ones are current and agree with the validator."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from knowhow.cli import cli
from knowhow.registry import store
from knowhow.registry.model import KINDS
from knowhow.registry.schemas import render
from knowhow.registry.scaffold import scaffold
from knowhow.registry.yamlio import load_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_committed_schema_is_current(kind):
    committed = (ROOT / "registry" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == render(kind), "run `knowhow schemas` and commit registry/schemas/"


def test_schemas_check_command():
    result = CliRunner().invoke(cli, ["schemas", "--check", "--registry", str(ROOT / "registry")])
    assert result.exit_code == 0, result.output


def test_seed_records_satisfy_their_json_schema():
    reg = store.read(ROOT / "registry")
    checked = 0
    for f in reg.files:
        schema = json.loads(render(f.kind))
        if f.origin == "curated" and f.loaded.ok:
            jsonschema.validate(f.loaded.data, schema)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schema_rejects_what_the_validator_rejects(kind):
    schema = json.loads(render(kind))
    record = load_text(scaffold(kind, "x"), "x.yaml").data
    jsonschema.validate(record, schema)
    for bad in ({"unknown_field": 1}, {"id": "Not A Slug"}, {KINDS[kind].url_field: "javascript:alert(1)"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**record, **bad}, schema)
