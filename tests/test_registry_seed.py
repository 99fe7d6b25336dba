"""The committed registry is valid, and every curated record names where its facts come from."""

from __future__ import annotations

from pathlib import Path

from knowhow.registry.validate import validate

ROOT = Path(__file__).resolve().parents[1]


def test_committed_registry_is_valid():
    reg, report = validate(ROOT / "registry")
    assert report.valid, report.render("text")
    assert not [p for p in report.problems if p.code == "no-source"]
    assert sum(report.counts.values()) >= 2


def test_committed_registry_exports_a_valid_data_package(tmp_path):
    from frictionless import validate as frictionless_validate

    from knowhow.registry.export import export

    reg, _ = validate(ROOT / "registry")
    export(reg, tmp_path)
    report = frictionless_validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
