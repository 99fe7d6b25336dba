"""`knowhow new KIND` writes a scaffold that validates as it stands and documents every field."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from knowhow.cli import cli
from knowhow.registry.model import KINDS
from knowhow.registry.scaffold import HARVEST_ONLY, scaffold


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scaffold_validates_and_mentions_every_field(tmp_path, kind):
    runner = CliRunner()
    # A required reference (a job's facility) needs its target: the scaffold's example id.
    model = KINDS[kind]
    for pattern, target in model.links_to:
        if model.model_fields[pattern.split("/")[0]].is_required():
            example = scaffold(kind, "first-entry").split(f"\n{pattern}: ", 1)[1].split("\n", 1)[0]
            assert runner.invoke(cli, ["new", target, "--id", example, "--registry", str(tmp_path)]).exit_code == 0
    result = runner.invoke(cli, ["new", kind, "--id", "first-entry", "--registry", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "curated" / kind / "first-entry.yaml"
    text = path.read_text(encoding="utf-8")
    for name in KINDS[kind].model_fields:
        if name not in HARVEST_ONLY:
            assert f"{name}:" in text, name
    check = runner.invoke(cli, ["validate", "--registry", str(tmp_path)])
    assert check.exit_code == 0, check.output


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["new", "software", "--id", "a", "--registry", str(tmp_path)]).exit_code == 0
    again = runner.invoke(cli, ["new", "software", "--id", "a", "--registry", str(tmp_path)])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(cli, ["new", "software", "--id", "My Tool", "--registry", str(tmp_path)])
    assert bad.exit_code == 1 and "lower-case" in bad.output
