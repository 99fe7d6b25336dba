"""Cross-checks (`type: review`) through the real runner and store against a replay server: each
contradiction becomes a flag with its evidence, curated files are never touched, a second run
changes nothing, a fixed upstream clears its flag, and `knowhow review` lists what is open."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from harvest_support import DATA, make_settings
from knowhow.cli import cli
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.http import allow_hosts
from knowhow.harvest.report import markdown
from knowhow.harvest.runner import run
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file
from replay import Replay

D = DATA / "review"


def software(sid: str, **fields) -> str:
    lines = [f"id: {sid}", f"name: Tool {sid}", "description: A tool.", f"references: [https://{sid}.example.net/]"]
    lines += [f"{k}: {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def make_registry(root: Path, srv: Replay) -> dict[str, bytes]:
    home = srv.url("home/")
    records = {
        "steady": software("steady", repository="https://github.com/good-org/steady", license="MIT",
                           status="active", homepage=home + "steady",
                           packages={"pypi": "steady", "conda_forge": "steady"}),
        "frozen-tool": software("frozen-tool", repository="https://github.com/old-home/frozen-tool",
                                license="GPL-3.0-or-later", status="active", homepage=home + "steady"),
        "renamed-tool": software("renamed-tool", repository="https://github.com/old-owner/renamed-tool",
                                 license="MIT", homepage=home + "slash"),
        "relicensed": software("relicensed", repository="https://github.com/licence-org/relicensed", license="MIT",
                               homepage=home + "steady"),
        "sleepy": software("sleepy", repository="https://github.com/sleepy-org/sleepy", license="MIT",
                           status="maintained", homepage=home + "steady"),
        "odd": software("odd", repository="https://github.com/odd-org/odd", homepage=home + "steady"),
        "vanished": software("vanished", repository="https://github.com/gone-org/vanished", homepage=home + "steady"),
        "gui-kit": software("gui-kit", repository="https://gitlab.com/gui-group/gui-kit", homepage=home + "steady"),
        "bsd-tool": software("bsd-tool", license="MIT", homepage=home + "steady", packages={"pypi": "bsd-tool"}),
        "no-dist": software("no-dist", homepage=home + "gone", packages={"pypi": "no-such-dist",
                                                                          "conda_forge": "no-such-pkg"}),
        "wanderer": software("wanderer", homepage=home + "moving"),
    }
    written = {}
    for sid, text in records.items():
        path = root / "curated" / "software" / f"{sid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[sid] = path.read_bytes()
    return written


def serve(srv: Replay, elsewhere: Replay) -> None:
    srv.add("gh/repos/good-org/steady", D / "github_repo_consistent.json")
    srv.add("gh/repos/old-home/frozen-tool", D / "github_repo_frozen_moved.json")
    srv.add("gh/repos/old-owner/renamed-tool", b"", status=301, headers={"Location": srv.url("gh/repositories/77")})
    srv.add("gh/repositories/77", D / "github_repo_renamed.json")
    srv.add("gh/repos/licence-org/relicensed", D / "github_repo_gpl.json")
    srv.add("gh/repos/sleepy-org/sleepy", D / "github_repo_archived.json")
    srv.add("gh/repos/odd-org/odd", D / "github_repo_noassertion.json")
    srv.add("gh/repos/gone-org/vanished", D / "not_found_404.json", status=404)
    srv.add("gl/api/v4/projects/gui-group/gui-kit", D / "gitlab_project_lgpl.json", query={"license": "true"})
    srv.add("pypi-mirror/pypi/steady/json", {"info": {"name": "steady", "license_expression": "MIT"}, "releases": {}})
    srv.add("pypi-mirror/pypi/bsd-tool/json", D / "pypi_project_bsd.json")
    srv.add("pypi-mirror/pypi/no-such-dist/json", D / "not_found_404.json", status=404)
    srv.add("conda/package/conda-forge/steady", D / "conda_package_mit.json")
    srv.add("conda/package/conda-forge/no-such-pkg", D / "not_found_404.json", status=404)
    page = b"<!DOCTYPE html><html><head><title>Tool</title></head><body>Tool</body></html>"
    srv.add("home/steady", page, content_type="text/html")
    srv.add("home/slash", b"", status=301, headers={"Location": srv.url("home/slash/")}, content_type="text/html")
    srv.add("home/slash/", page, content_type="text/html")
    srv.add("home/gone", b"<html><body>Not found</body></html>", status=404, content_type="text/html")
    srv.add("home/moving", b"", status=301, headers={"Location": elsewhere.url("new-home/")}, content_type="text/html")
    elsewhere.add("new-home/", page, content_type="text/html")


def sources(srv: Replay) -> HarvestConfig:
    return HarvestConfig("sources.yaml", (SourceConfig(
        name="review", type="review", kind="software", base_url=srv.url("gh/"),
        params={"gitlab": {"gitlab.com": srv.url("gl/")}, "pypi": srv.url("pypi-mirror/"), "conda": srv.url("conda/")}),))


def flags(root: Path, sid: str) -> list[dict]:
    path = root / "harvested" / "software" / f"{sid}.yaml"
    return load_file(path).data.get("review", []) if path.exists() else []


def codes(root: Path, sid: str) -> list[tuple[str, str]]:
    return [(f["field"], f["code"]) for f in flags(root, sid)]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_cross_checks_flag_contradictions_with_evidence(tmp_path):
    with Replay() as srv, Replay() as elsewhere:
        root = tmp_path / "registry"
        curated = make_registry(root, srv)
        serve(srv, elsewhere)
        settings = make_settings(srv, allow_private=allow_hosts(srv.base_url, elsewhere.base_url))
        kwargs = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
                      settings=settings)
        report = run(sources(srv), **kwargs)
        (row,) = report.rows
        assert not row.outcome.failed, row.outcome.error
        assert row.outcome.problems == []

        # Consistent records get no file at all; each contradiction names its field and evidence.
        assert not (root / "harvested/software/steady.yaml").exists()
        assert codes(root, "frozen-tool") == [("repository", "moved"), ("status", "archived")]
        moved = flags(root, "frozen-tool")[0]
        assert moved["evidence"] == "https://gitlab.com/new-home/frozen-tool"
        assert codes(root, "renamed-tool") == [("repository", "moved")]
        assert flags(root, "renamed-tool")[0]["evidence"] == "https://github.com/new-owner/renamed-tool"
        (licence,) = flags(root, "relicensed")
        assert licence == {"code": "licence-mismatch", "field": "license",
                           "message": "the record says 'MIT' but the source declares 'GPL-3.0'",
                           "evidence": "https://github.com/licence-org/relicensed"}
        assert flags(root, "sleepy")[0]["message"] == "the repository is archived but the record has 'maintained'"
        assert not (root / "harvested/software/odd.yaml").exists()  # NOASSERTION says nothing
        assert codes(root, "vanished") == [("repository", "repository-gone")]
        (gui,) = flags(root, "gui-kit")
        assert gui["message"] == "the record has no licence; the repository declares 'LGPL-3.0'"
        assert flags(root, "bsd-tool")[0]["message"] == "the record says 'MIT' but PyPI declares 'BSD-3-Clause'"
        assert codes(root, "no-dist") == [("homepage", "homepage-gone"), ("packages", "conda-forge-missing"),
                                          ("packages", "pypi-missing")]
        (wander,) = flags(root, "wanderer")
        assert wander["code"] == "homepage-moved" and wander["evidence"] == elsewhere.url("new-home/")
        assert not (root / "harvested/software/renamed-tool.yaml").read_text().count("homepage")  # same-site slash

        # Curated files are never changed; the registry still validates with the flags in it.
        for sid, raw in curated.items():
            assert (root / "curated/software" / f"{sid}.yaml").read_bytes() == raw
        _, problems = validate(root)
        assert problems.valid, problems.render()

        # The pull-request summary lists the new flags for a human.
        body = markdown(report)
        assert "### Needs review" in body
        assert "- **Tool relicensed** `license`: the record says 'MIT' but the source declares 'GPL-3.0'" in body

        # A second run against unchanged sources changes no file.
        before = snapshot(root)
        again = run(sources(srv), **kwargs)
        assert snapshot(root) == before
        assert again.rows[0].outcome.changed == again.rows[0].outcome.new == 0

        # The upstream fixes its licence: the flag goes away on the next run.
        fixed = json.loads((D / "github_repo_gpl.json").read_text())
        fixed["license"] = {"key": "mit", "name": "MIT License", "spdx_id": "MIT"}
        srv.add("gh/repos/licence-org/relicensed", fixed)
        run(sources(srv), **kwargs)
        assert flags(root, "relicensed") == []


def test_a_probe_that_cannot_be_asked_is_a_problem_not_a_flag(tmp_path, replay):
    root = tmp_path / "registry"
    make_registry(root, replay)
    replay.fault("gh/repos/licence-org/relicensed", "500", times=10)
    replay.add("gh/repos/licence-org/relicensed", D / "github_repo_gpl.json")
    report = run(HarvestConfig("sources.yaml", (SourceConfig(
        name="review", type="review", kind="software", base_url=replay.url("gh/"), params={"homepages": False}),)),
        registry=root, state_path=tmp_path / "s.json", cache_dir=tmp_path / "c", settings=make_settings(replay),
        only=())
    (row,) = report.rows
    assert not row.outcome.failed
    assert any(p.startswith("relicensed: repository not checked:") for p in row.outcome.problems)
    assert flags(root, "relicensed") == []


def test_knowhow_review_lists_open_flags_and_fact_contradictions(tmp_path):
    root = tmp_path / "registry"
    (root / "curated/software").mkdir(parents=True)
    (root / "harvested/software").mkdir(parents=True)
    (root / "curated/software/old.yaml").write_text(software("old", status="active", license="MIT"))
    (root / "harvested/software/old.yaml").write_text(
        "id: old\nfacts:\n  archived: true\n  repository_license: Apache-2.0\n  last_commit: '2019-05-01'\n"
        "review:\n- code: moved\n  field: repository\n  message: the repository has moved\n"
        "  evidence: https://gitlab.example.net/old\n")
    result = CliRunner().invoke(cli, ["review", "--registry", str(root), "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    curated = str(root / "curated/software/old.yaml")
    assert lines == [
        f"{curated}:6: /license: warning [licence-mismatch] the record says 'MIT' but the source declares "
        "'Apache-2.0' (evidence: harvested facts: repository licence)",
        f"{curated}:1: /repository: warning [moved] the repository has moved "
        "(evidence: https://gitlab.example.net/old)",
        f"{curated}:5: /status: warning [archived] the repository is archived but the record has 'active' "
        "(evidence: harvested facts: archived)",
        f"{curated}:5: /status: warning [inactive] the record says 'active' but the last commit was on 2019-05-01 "
        "(evidence: harvested facts: last commit)",
        "4 open flags on 1 record",
    ]
    as_json = json.loads(CliRunner().invoke(cli, ["review", "--registry", str(root), "--format", "json",
                                                  "--today", "2026-12-01"]).output)
    assert sorted(f["code"] for f in as_json["flags"]) == ["archived", "inactive", "licence-mismatch", "moved"]
    strict = CliRunner().invoke(cli, ["review", "--registry", str(root), "--fail", "--today", "2026-12-01"])
    assert strict.exit_code == 1


def test_an_answer_about_another_package_stops_the_source(tmp_path, replay):
    root = tmp_path / "registry"
    make_registry(root, replay)
    replay.add("pypi-mirror/pypi/bsd-tool/json", {"info": {"name": "other-tool", "license_expression": "GPL-3.0"}})
    report = run(HarvestConfig("sources.yaml", (SourceConfig(
        name="review", type="review", kind="software", base_url=replay.url("gh/"),
        params={"homepages": False, "pypi": replay.url("pypi-mirror/")}),)),
        registry=root, state_path=tmp_path / "s.json", cache_dir=tmp_path / "c", settings=make_settings(replay))
    (row,) = report.rows
    assert row.outcome.failed
    assert "pypi.org/project/bsd-tool: the answer is about 'other-tool'; nothing taken" in row.outcome.error
    assert not (root / "harvested").exists()  # nothing written from a source that stopped


def test_conda_forge_licences_count_only_when_they_are_spdx(tmp_path, replay):
    root = tmp_path / "registry"
    for sid in ("conda-gpl", "conda-free-text"):
        path = root / "curated" / "software" / f"{sid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(software(sid, license="MIT", homepage=f"https://{sid}.example.net/",
                                  packages={"conda_forge": sid}), encoding="utf-8")
    replay.add("conda/package/conda-forge/conda-gpl", {"name": "conda-gpl", "license": " GPL-3.0-only "})
    replay.add("conda/package/conda-forge/conda-free-text", {"name": "conda-free-text", "license": "BSD-like"})
    report = run(HarvestConfig("sources.yaml", (SourceConfig(
        name="review", type="review", kind="software", base_url=replay.url("gh/"),
        params={"homepages": False, "conda": replay.url("conda/")}),)),
        registry=root, state_path=tmp_path / "s.json", cache_dir=tmp_path / "c", settings=make_settings(replay))
    (row,) = report.rows
    assert not row.outcome.failed, row.outcome.error
    assert flags(root, "conda-gpl") == [{
        "code": "licence-mismatch", "field": "license",
        "message": "the record says 'MIT' but conda-forge declares 'GPL-3.0-only'",
        "evidence": "https://anaconda.org/conda-forge/conda-gpl"}]
    assert flags(root, "conda-free-text") == []  # free text is no evidence
