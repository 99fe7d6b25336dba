"""`knowhow export`: a Frictionless Data Package that passes `frictionless validate`."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from frictionless import validate as frictionless_validate

from knowhow.cli import cli
from knowhow.registry import store
from knowhow.registry.export import export
from registry_support import SOFTWARE, small_registry, write


def test_export_is_a_valid_data_package(tmp_path):
    reg_dir = small_registry(tmp_path / "registry")
    write(reg_dir, "harvested", "software", "tool",
          "id: tool\nfacts:\n  stars: 5\nprovenance:\n  facts.stars: {source: github, changed: '2026-11-01'}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", "--registry", str(reg_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = frictionless_validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader((out / "software.csv").open(encoding="utf-8")))
    assert rows[0]["id"] == "tool" and rows[0]["facilities"] == "alpha:develops"
    assert rows[0]["facts_stars"] == "5"
    records = json.loads((out / "software.json").read_text(encoding="utf-8"))
    assert records[0]["provenance"]["facts.stars"] == {"origin": "harvested", "source": "github",
                                                       "changed": "2026-11-01"}
    assert records[0]["tier"] in ("basic", "good", "complete")


def test_export_is_deterministic_and_skips_unchanged_files(tmp_path):
    reg = store.read(small_registry(tmp_path / "registry"))
    first = export(reg, tmp_path / "out")
    snapshot = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert export(reg, tmp_path / "out") == []
    assert snapshot == {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert len(first) == len(snapshot)


def test_hidden_records_are_not_exported(tmp_path):
    reg_dir = small_registry(tmp_path / "registry")
    write(reg_dir, "curated", "software", "secret", SOFTWARE.format(id="secret", facility="alpha")
          + "hidden: true\n")
    export(store.read(reg_dir), tmp_path / "out")
    ids = [r["id"] for r in json.loads((tmp_path / "out" / "software.json").read_text())]
    assert ids == ["tool"]


def test_completeness_tier_grows_with_optional_fields(tmp_path):
    from knowhow.registry.model import Software, tier

    base = {"id": "x", "name": "X", "description": "d", "homepage": "https://x.org"}
    assert tier(Software, base) == "basic"
    half = dict(base, repository="https://x.org/r", license="MIT", languages=["C"], categories=["control"],
                status="active")
    assert tier(Software, half) == "good"
    full = dict(half, techniques=["PaNET01012"], facilities=[{"id": "a", "support": "uses"}],
                documentation="https://x.org/doc", doi="10.5281/zenodo.1")
    assert tier(Software, full) == "complete"
