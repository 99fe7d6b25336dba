"""The proposal workflow, run locally step by step: an approved issue becomes a pull request
with one new record file; a broken proposal gets a comment instead; hostile text stays data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from test_proposals import issue_body, software_answers
from workflow_support import Runner, bare_repo, git

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "proposal.yml").read_text(encoding="utf-8"))


def expressions(body: str, labels: list[str]) -> dict[str, str]:
    return {
        "github.event.issue.body": body,
        "toJSON(github.event.issue.labels.*.name)": json.dumps(labels),
        "github.event.issue.number": "42",
        "github.event.label.name == 'approved' && contains(github.event.issue.labels.*.name, 'proposal')": "true",
    }


@pytest.fixture
def repo(tmp_path):
    return bare_repo(tmp_path, {"registry/curated": ROOT / "registry" / "curated",
                                "registry/schemas": ROOT / "registry" / "schemas",
                                ".github": ROOT / ".github"})


LABELS = ["proposal", "kind/software", "approved"]


def test_approved_proposal_becomes_a_pull_request(tmp_path, repo):
    runner = Runner(tmp_path / "run", repo, expressions(issue_body("software", software_answers()), LABELS))
    runner.job("record", WORKFLOW)
    assert runner.job_outputs["record"]["path"] == "registry/curated/software/tomoscan.yaml"
    runner.job("pull-request", WORKFLOW)

    changed = git("diff", "--name-status", "main", "proposal/software-tomoscan", cwd=repo).split("\n")
    assert changed[0] == "A\tregistry/curated/software/tomoscan.yaml" and changed[1:] == [""]
    record = yaml.safe_load(git("show", "proposal/software-tomoscan:registry/curated/software/tomoscan.yaml",
                                cwd=repo))
    assert record["facilities"] == [{"id": "esrf", "support": "develops"}]
    (create,) = runner.gh_calls("pr", "create")
    body = create["files"]["--body-file"]
    assert "Closes #42" in body and "id: tomoscan" in body and "default token" in body
    assert create["args"][create["args"].index("--title") + 1] == "Add software record tomoscan"
    assert not runner.gh_calls("issue", "comment")


def test_a_broken_proposal_gets_a_comment_and_loses_the_label(tmp_path, repo):
    body = issue_body("software", software_answers(license="MIT Licence"))
    runner = Runner(tmp_path / "run", repo, expressions(body, LABELS))
    runner.job("record", WORKFLOW, expect_failure=True)
    (comment,) = runner.gh_calls("issue", "comment")
    assert comment["args"][2] == "42" and "unknown-spdx" in comment["files"]["--body-file"]
    (edit,) = runner.gh_calls("issue", "edit")
    assert edit["args"][2:] == ["42", "--remove-label", "approved"]
    assert "proposal/" not in git("branch", "--list", cwd=repo)


def test_shell_syntax_in_the_issue_is_only_text(tmp_path, repo):
    # If the body reached the shell as code, this would create the canary file.
    canary = tmp_path / "pwned"
    evil = f'Nice tool. $(touch {canary}) `touch {canary}` "; touch {canary}; echo "'
    body = issue_body("software", software_answers(description=evil))
    runner = Runner(tmp_path / "run", repo, expressions(body, LABELS))
    runner.job("record", WORKFLOW)
    runner.job("pull-request", WORKFLOW)
    assert not canary.exists()
    record = yaml.safe_load(git("show", "proposal/software-tomoscan:registry/curated/software/tomoscan.yaml",
                                cwd=repo))
    assert f"$(touch {canary})" in record["description"]
