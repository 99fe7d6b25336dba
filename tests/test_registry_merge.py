"""Curated and harvested records merge: curated wins and locks, harvested fills in, provenance kept."""

from __future__ import annotations

from click.testing import CliRunner

from knowhow.cli import cli
from knowhow.registry import store
from knowhow.registry.merge import merge
from registry_support import SOFTWARE, small_registry, write

HARVESTED = {
    "id": "tool",
    "name": "tool (from GitHub)",
    "repository": "https://github.com/example/tool",
    "facts": {"stars": 12, "latest_release": "1.2.0"},
    "provenance": {
        "name": {"source": "github", "changed": "2026-11-01T00:00:00+00:00"},
        "repository": {"source": "github", "changed": "2026-10-01T00:00:00+00:00"},
        "facts.stars": {"source": "github", "changed": "2026-11-20T00:00:00+00:00"},
        "facts.latest_release": {"source": "pypi", "changed": "2026-11-02T00:00:00+00:00",
                                 "error": "HTTP 503"},
    },
}


def test_curated_fields_win_and_harvested_fill_in():
    curated = {"id": "tool", "name": "Tool", "facts": {"stars": 99}}
    m = merge("software", "tool", curated, HARVESTED, "c.yaml", "h.yaml")
    assert m.data["name"] == "Tool"
    assert m.data["repository"] == "https://github.com/example/tool"
    assert m.data["facts"] == {"stars": 99, "latest_release": "1.2.0"}
    assert "provenance" not in m.data
    assert m.provenance["name"].origin == "curated"
    assert m.provenance["repository"].as_dict() == {
        "origin": "harvested", "source": "github", "changed": "2026-10-01T00:00:00+00:00"}
    assert m.provenance["facts.stars"].origin == "curated"
    assert m.provenance["facts.latest_release"].error == "HTTP 503"
    assert m.sources == ["github", "pypi"]
    assert m.origin_path("repository") == "h.yaml" and m.origin_path("name") == "c.yaml"


def test_merge_is_pure():
    curated = {"id": "tool", "name": "Tool"}
    before = (dict(curated), {k: v for k, v in HARVESTED.items()})
    merge("software", "tool", curated, HARVESTED)
    assert (curated, HARVESTED) == before


def test_either_side_alone():
    only_h = merge("software", "tool", None, HARVESTED, None, "h.yaml")
    assert only_h.path == "h.yaml" and only_h.provenance["name"].source == "github"
    only_c = merge("software", "tool", {"id": "tool"}, None, "c.yaml", None)
    assert only_c.harvested_path is None and only_c.provenance["id"].origin == "curated"


def test_hidden_curated_record_suppresses_harvested(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "harvested", "software", "ghost", SOFTWARE.format(id="ghost", facility="alpha"))
    write(tmp_path, "curated", "software", "ghost", "id: ghost\nhidden: true\n")
    reg = store.read(tmp_path)
    assert reg.get("software", "ghost").hidden
    assert [m.id for m in reg.published("software")] == ["tool"]
    result = CliRunner().invoke(cli, ["validate", "--registry", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_errors_in_harvested_fields_point_at_the_harvested_file(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "harvested", "software", "tool",
          "id: tool\nfacts:\n  stars: lots\nprovenance:\n  facts.stars: {source: github}\n")
    result = CliRunner().invoke(cli, ["validate", "--registry", str(tmp_path)])
    assert result.exit_code == 1
    line = [x for x in result.output.splitlines() if "/facts/stars" in x][0]
    assert "harvested/software/tool.yaml:3:" in line


def test_curated_file_may_not_carry_provenance(tmp_path):
    small_registry(tmp_path)
    text = SOFTWARE.format(id="tool", facility="alpha") + "provenance: {}\n"
    write(tmp_path, "curated", "software", "tool", text)
    result = CliRunner().invoke(cli, ["validate", "--registry", str(tmp_path)])
    assert result.exit_code == 1 and "[harvest-only]" in result.output
