"""`knowhow new KIND` writes a scaffold that documents every field and that validation refuses
until its placeholders are replaced; kind names are accepted as people type them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from knowhow.cli import cli
from knowhow.registry.model import KINDS
from knowhow.registry.scaffold import HARVEST_ONLY, scaffold
from knowhow.registry.yamlio import write_yaml

REAL = {"https://example.org/source-page": "https://tools.example.net/about",
        "https://example.org/": "https://tools.example.net/",
        "Describe it in a few sentences.": "A real description."}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scaffold_mentions_every_field_and_validates_once_filled_in(tmp_path, kind):
    runner = CliRunner()
    # A required reference (a job's facility) needs its target: the scaffold's example id.
    model = KINDS[kind]
    for pattern, target in model.links_to:
        if model.model_fields[pattern.split("/")[0]].is_required():
            example = scaffold(kind, "first-entry").split(f"\n{pattern}: ", 1)[1].split("\n", 1)[0]
            write_yaml(tmp_path / "curated" / target / f"{example}.yaml", {
                "id": example, "name": "Target", "website": "https://target.example.net/",
                "description": "The record the scaffold's example refers to.",
                "references": ["https://target.example.net/"]})
    result = runner.invoke(cli, ["new", kind, "--id", "first-entry", "--registry", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "curated" / kind / "first-entry.yaml"
    text = path.read_text(encoding="utf-8")
    for name in KINDS[kind].model_fields:
        if name not in HARVEST_ONLY:
            assert f"{name}:" in text, name

    # As written, every required placeholder is an error naming its line, and nothing else is.
    check = runner.invoke(cli, ["validate", "--registry", str(tmp_path), "--format", "json"])
    assert check.exit_code == 1
    problems = json.loads(check.output)["problems"]
    assert problems and {p["code"] for p in problems} == {"placeholder"}
    lines = text.split("\n")
    for p in problems:
        assert "placeholder" in p["message"] and lines[p["line"] - 1].rstrip().endswith(p["message"].split("'")[1])

    for old, new in REAL.items():
        text = text.replace(old, new)
    text = text.replace(f"Name of the {kind.replace('_', ' ')} record", "Real name")
    path.write_text(text, encoding="utf-8")
    check = runner.invoke(cli, ["validate", "--registry", str(tmp_path)])
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("typed, kind", [("event", "events"), ("facility", "facilities"), ("open-data", "open_data"),
                                         ("collaboration", "collaborations"), ("software", "software")])
def test_new_accepts_the_singular_and_spelling_variants(tmp_path, typed, kind):
    result = CliRunner().invoke(cli, ["new", typed, "--id", "x", "--registry", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "curated" / kind / "x.yaml").is_file()


def test_new_names_the_kinds_for_an_unknown_one(tmp_path):
    result = CliRunner().invoke(cli, ["new", "gadget", "--registry", str(tmp_path)])
    assert result.exit_code == 2
    assert "'gadget' is not a record kind; use one of: collaborations, events" in result.output
    assert "Traceback" not in result.output


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["new", "software", "--id", "a", "--registry", str(tmp_path)]).exit_code == 0
    again = runner.invoke(cli, ["new", "software", "--id", "a", "--registry", str(tmp_path)])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(cli, ["new", "software", "--id", "My Tool", "--registry", str(tmp_path)])
    assert bad.exit_code == 1 and "lower-case" in bad.output
