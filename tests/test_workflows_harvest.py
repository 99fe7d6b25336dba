"""The nightly harvest workflow, run locally step by step against the replay server.

Every `run:` script of `.github/workflows/harvest.yml` runs as written, in order, with bash, in
a clone of a throwaway repository; `uses:` steps are stood in for (checkout = git clone,
artifacts = a folder, setup-python/cache = nothing to do); `${{ }}` expressions are replaced by
the values a scheduled run without a bot token would see. The outside world is faked at its two
edges only: the sources are the replay server on 127.0.0.1, and `gh` is a stub that records
what it is asked. The result is the branch the workflow would push (to a local bare repository)
and the pull request and issue bodies it would send.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harvest_support import DATA, replay  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "harvest.yml"
BIN = Path(sys.executable).parent

# What `gh` answers; every call is appended to $GH_LOG as one JSON line with the files it was given.
FAKE_GH = r"""#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
files = {}
for flag in ("--body-file",):
    if flag in args:
        files[flag] = open(args[args.index(flag) + 1], encoding="utf-8").read()
with open(os.environ["GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": args, "files": files, "token": os.environ.get("GH_TOKEN", "")}) + "\n")
if args[:2] in (["pr", "list"], ["issue", "list"]):
    print(os.environ.get("GH_OPEN", ""))
elif args[:2] == ["pr", "create"]:
    print("https://github.com/leaps-wg3/knowhow/pull/7")
elif args[:2] == ["issue", "create"]:
    print("https://github.com/leaps-wg3/knowhow/issues/8")
"""

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


def git(*args: str, cwd: Path, config: Path | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config)} if config else None
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


class Runner:
    """Runs one job of the workflow the way Actions would, with local stand-ins for `uses:`."""

    def __init__(self, tmp: Path, remote: Path, base_url: str, open_pr: str = ""):
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp, self.remote, self.base_url, self.open_pr = tmp, remote, base_url, open_pr
        (tmp / "gitconfig").write_text("[user]\n\tname = runner\n\temail = runner@example.org\n", encoding="utf-8")
        self.artifacts = tmp / "artifacts"
        self.gh_log = tmp / "gh.jsonl"
        self.bin = tmp / "bin"
        self.bin.mkdir()
        _script(self.bin / "gh", FAKE_GH)
        # `knowhow harvest` may reach the replay server on 127.0.0.1: the one test-only flag the
        # workflow does not pass. Everything else runs as the workflow wrote it.
        host = base_url.split("//")[1].rstrip("/")
        _script(self.bin / "knowhow", f"""#!/usr/bin/env bash
if [ "$1" = harvest ]; then exec "{BIN / 'knowhow'}" "$@" --allow-private-host {host}; fi
exec "{BIN / 'knowhow'}" "$@"
""")

    def expressions(self, temp: Path) -> dict[str, str]:
        return {
            "github.token": "ghs_default_token",
            "inputs.only": "",
            "github.repository": "leaps-wg3/knowhow",
            "github.event.repository.default_branch": "main",
            "github.server_url": "https://github.com",
            "github.run_id": "1234",
            "runner.temp": str(temp),
            "vars.PORTAL_APP_CLIENT_ID != ''": "false",
            "steps.app-token.outputs.token || secrets.PORTAL_BOT_TOKEN || github.token": "ghs_default_token",
            "steps.app-token.outputs.token != '' || secrets.PORTAL_BOT_TOKEN != ''": "false",
        }

    def value(self, text: str, temp: Path) -> str:
        out, known = str(text), self.expressions(temp)
        while "${{" in out:
            start = out.index("${{")
            end = out.index("}}", start)
            expr = out[start + 3:end].strip()
            assert expr in known, f"the local runner does not know `{expr}`: add its value above"
            out = out[:start] + known[expr] + out[end + 2:]
        return out

    def job(self, name: str, wf: dict) -> Path:
        temp = self.tmp / f"runner-temp-{name}"
        work = self.tmp / f"work-{name}"
        temp.mkdir()
        output = temp / "github_output"
        env = {
            "PATH": f"{self.bin}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.tmp), "LANG": "C.UTF-8",
            "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output), "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "leaps-wg3/knowhow", "GITHUB_WORKSPACE": str(work), "CI": "true",
            "GH_LOG": str(self.gh_log), "GH_OPEN": self.open_pr, "GIT_CONFIG_GLOBAL": str(self.tmp / "gitconfig"),
            # The branch is pushed to the local bare repository instead of GitHub.
            "PUSH_URL": str(self.remote),
            "NO_MKDOCS_2_WARNING": "1",
        }
        for step in wf["jobs"][name]["steps"]:
            if "if" in step and self.value("${{ " + step["if"] + " }}", temp) == "false":
                continue
            uses = step.get("uses", "")
            w = step.get("with", {})
            if uses.startswith("actions/checkout@"):
                assert w.get("persist-credentials") is False
                git("clone", "--quiet", "--branch", "main", str(self.remote), str(work), cwd=self.tmp,
                    config=self.tmp / "gitconfig")
            elif uses.startswith(("actions/setup-python@", "actions/cache@")):
                pass  # this interpreter's environment; no cache between local runs
            elif uses.startswith("actions/upload-artifact@"):
                shutil.copytree(self.value(w["path"], temp), self.artifacts / w["name"])
            elif uses.startswith("actions/download-artifact@"):
                shutil.copytree(self.artifacts / w["name"], self.value(w["path"], temp), dirs_exist_ok=True)
            elif uses:
                raise AssertionError(f"no local stand-in for {uses}")
            elif step["run"].strip() == "python -m pip install .":
                pass  # the package under test is installed already
            else:
                step_env = {**env, **{k: self.value(v, temp) for k, v in step.get("env", {}).items()}}
                result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                        cwd=work, env=step_env, capture_output=True, text=True, timeout=120)
                assert result.returncode == 0, f"step {step.get('name')!r} failed:\n{result.stdout}\n{result.stderr}"
        return temp

    def gh_calls(self) -> list[dict]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text(encoding="utf-8").splitlines()]


def serve_tess(replay) -> None:
    for page in (1, 2):
        name = "events_page1.json" if page == 1 else "events_page2_last.json"
        replay.add("/tess/events.json_api", DATA / "tess" / name, query={"page_number": str(page)},
                   content_type="application/vnd.api+json")


def _script(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def repo(tmp_path, replay):
    """A bare 'GitHub' repository whose main holds the real registry, workflows and scripts."""
    seed = tmp_path / "seed"
    for part in ("registry/curated", "registry/schemas", ".github"):
        shutil.copytree(ROOT / part, seed / part)
    (seed / "harvest").mkdir()
    (seed / "harvest" / "sources.yaml").write_text(SOURCES.format(base=replay.base_url), encoding="utf-8")
    config = tmp_path / "seed-gitconfig"
    config.write_text("[user]\n\tname = test\n\temail = test@example.org\n", encoding="utf-8")
    git("init", "--quiet", "--initial-branch", "main", cwd=seed, config=config)
    git("add", ".", cwd=seed, config=config)
    git("commit", "--quiet", "-m", "main", cwd=seed, config=config)
    remote = tmp_path / "remote.git"
    git("clone", "--quiet", "--bare", str(seed), str(remote), cwd=tmp_path, config=config)
    return remote


def test_harvest_workflow_produces_the_branch_and_the_pull_request(tmp_path, replay, repo):
    serve_tess(replay)
    replay.fault("/broken/events.json_api", "html200", times=5)
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    runner = Runner(tmp_path, repo, replay.base_url)

    harvest_temp = runner.job("harvest", wf)
    report = json.loads((harvest_temp / "harvest" / "report.json").read_text(encoding="utf-8"))
    assert report["failed"] == ["broken-training"]
    runner.job("propose", wf)

    # The branch the workflow pushed: main plus harvested files only.
    branches = git("branch", "--list", cwd=repo)
    assert "bot/harvest" in branches
    changed = git("diff", "--name-only", "main", "bot/harvest", cwd=repo).split()
    assert changed and all(p.startswith("registry/harvested/events/") or p == "harvest/state.json"
                           for p in changed), changed
    events = [p for p in changed if p.startswith("registry/harvested/events/")]
    assert len(events) == 5  # both pages of the catalogue
    first = yaml.safe_load(git("show", f"bot/harvest:{events[0]}", cwd=repo))
    assert first["provenance"] and first["start"] and first["url"].startswith("http")
    log = git("log", "-1", "--format=%an|%s", "bot/harvest", cwd=repo).strip()
    assert log == "github-actions[bot]|harvest: nightly update"

    # The pull request: opened once, its body the report's plain-language summary plus the note
    # that the default token does not start the checks.
    calls = runner.gh_calls()
    (create,) = [c for c in calls if c["args"][:2] == ["pr", "create"]]
    assert create["args"][create["args"].index("--head") + 1] == "bot/harvest"
    assert create["args"][create["args"].index("--title") + 1] == "Nightly harvest"
    body = create["files"]["--body-file"]
    assert body.startswith("## Harvest ")
    assert "5 new events" in body and "broken-training" in body and "Needs attention" in body
    assert "default token" in body and "close and reopen" in body.lower()
    assert create["token"] == "ghs_default_token"

    # The rolling issue about the failed source.
    (issue,) = [c for c in calls if c["args"][:2] == ["issue", "create"]]
    assert issue["args"][issue["args"].index("--label") + 1] == "harvest-failure"
    assert "broken-training" in issue["files"]["--body-file"]

    # The token was never written into the clone's git config.
    work = tmp_path / "work-propose"
    assert "ghs_default_token" not in (work / ".git" / "config").read_text(encoding="utf-8")


def test_second_night_updates_the_same_pull_request(tmp_path, replay, repo):
    serve_tess(replay)
    replay.fault("/broken/events.json_api", "html200", times=5)
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    first = Runner(tmp_path / "night1", repo, replay.base_url)
    first.job("harvest", wf)
    first.job("propose", wf)
    tree1 = git("rev-parse", "bot/harvest^{tree}", cwd=repo)

    # The stub now reports the open pull request #7.
    second = Runner(tmp_path / "night2", repo, replay.base_url, open_pr="7")
    second.job("harvest", wf)
    second.job("propose", wf)
    assert git("rev-parse", "bot/harvest^{tree}", cwd=repo) == tree1  # same content, no churn
    calls = second.gh_calls()
    assert not [c for c in calls if c["args"][:2] == ["pr", "create"]]
    (edit,) = [c for c in calls if c["args"][:2] == ["pr", "edit"]]
    assert edit["args"][2] == "7"
