"""The nightly harvest workflow, run locally step by step against the replay server.

`workflow_support.Runner` runs every `run:` script of `.github/workflows/harvest.yml` as
written, with local stand-ins for `uses:` steps. The outside world is faked at its edges only:
the sources are the replay server on 127.0.0.1, `gh` is a stub that records what it is asked,
and the branch is pushed to a local bare repository. What comes out is the branch content, the
pull request body and the failure issue the workflow would produce on GitHub.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harvest_support import DATA
from workflow_support import Runner, bare_repo, git

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "harvest.yml").read_text(encoding="utf-8"))
EXPRESSIONS = {"inputs.only": ""}

SOURCES = """\
defaults:
  stale_after_days: 7
  min_keep_ratio: "0.5"
sources:
  - name: pan-training
    type: tess
    kind: events
    label: the PaN training catalogue
    base_url: {base}tess/
    params: {{include_expired: true, page_size: 3}}
  - name: broken-training
    type: tess
    kind: events
    label: a broken catalogue
    base_url: {base}broken/
"""


def serve(replay) -> None:
    for page, name in ((1, "events_page1.json"), (2, "events_page2_last.json")):
        replay.add("/tess/events.json_api", DATA / "tess" / name, query={"page_number": str(page)},
                   content_type="application/vnd.api+json")
    replay.fault("/broken/events.json_api", "html200", times=5)


@pytest.fixture
def repo(tmp_path, replay):
    """'GitHub': main holds the real registry, schemas, workflows and scripts; sources on 127.0.0.1."""
    return bare_repo(tmp_path, {"registry/curated": ROOT / "registry" / "curated",
                                "registry/schemas": ROOT / "registry" / "schemas",
                                ".github": ROOT / ".github",
                                "harvest/sources.yaml": SOURCES.format(base=replay.base_url)})


def night(tmp: Path, repo: Path, replay, open_number: str = "") -> Runner:
    runner = Runner(tmp, repo, EXPRESSIONS, open_number, allow_private_host=replay.base_url.split("//")[1].rstrip("/"))
    runner.job("harvest", WORKFLOW)
    runner.job("propose", WORKFLOW)
    return runner


def test_harvest_workflow_produces_the_branch_and_the_pull_request(tmp_path, replay, repo):
    serve(replay)
    runner = night(tmp_path / "night", repo, replay)
    report = json.loads((tmp_path / "night" / "runner-temp-harvest" / "harvest" / "report.json").read_text())
    assert report["failed"] == ["broken-training"]

    # The branch the workflow pushed: main plus harvested files only.
    assert "bot/harvest" in git("branch", "--list", cwd=repo)
    changed = git("diff", "--name-only", "main", "bot/harvest", cwd=repo).split()
    assert changed and all(p.startswith("registry/harvested/events/") or p == "harvest/state.json"
                           for p in changed), changed
    events = [p for p in changed if p.startswith("registry/harvested/events/")]
    assert len(events) == 5  # both pages of the catalogue
    first = yaml.safe_load(git("show", f"bot/harvest:{events[0]}", cwd=repo))
    assert first["provenance"] and first["start"] and first["url"].startswith("http")
    log = git("log", "-1", "--format=%an|%s", "bot/harvest", cwd=repo).strip()
    assert log == "github-actions[bot]|harvest: nightly update"

    # The pull request: opened once; its body is the report's plain-language summary plus the
    # note that the default token does not start the checks.
    (create,) = runner.gh_calls("pr", "create")
    args = create["args"]
    assert args[args.index("--head") + 1] == "bot/harvest" and args[args.index("--title") + 1] == "Nightly harvest"
    body = create["files"]["--body-file"]
    assert body.startswith("## Harvest ")
    assert "5 new events" in body and "broken-training" in body and "Needs attention" in body
    assert "default token" in body and "close and reopen" in body.lower()
    assert create["token"] == "ghs_default_token"

    # The rolling issue about the failed source.
    (issue,) = runner.gh_calls("issue", "create")
    assert issue["args"][issue["args"].index("--label") + 1] == "harvest-failure"
    assert "broken-training" in issue["files"]["--body-file"]

    # The token was never written into the clone's git configuration.
    config = (tmp_path / "night" / "work-propose" / ".git" / "config").read_text(encoding="utf-8")
    assert "ghs_default_token" not in config


def test_second_night_updates_the_same_pull_request(tmp_path, replay, repo):
    serve(replay)
    night(tmp_path / "night1", repo, replay)
    tree = git("rev-parse", "bot/harvest^{tree}", cwd=repo)
    serve(replay)
    second = night(tmp_path / "night2", repo, replay, open_number="7")  # the stub now lists PR #7
    assert git("rev-parse", "bot/harvest^{tree}", cwd=repo) == tree  # same content: no churn
    assert not second.gh_calls("pr", "create")
    (edit,) = second.gh_calls("pr", "edit")
    assert edit["args"][2] == "7"
