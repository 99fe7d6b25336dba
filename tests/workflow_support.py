"""Run a GitHub workflow's jobs locally, step by step, the way Actions would.

Every `run:` script runs as written, in order, with `bash -eo pipefail`, in a clone of a local
bare repository standing in for GitHub. `uses:` steps get local stand-ins (checkout = git clone,
artifacts = a folder, setup-python and cache = nothing to do). `${{ }}` expressions are replaced
from a table of the values a run would see (an unknown expression fails the test, so a changed
workflow cannot slip past), plus the steps' and jobs' outputs. `gh` is a stub that records each
call with the files it was given; pushes go to the bare repository (`PUSH_URL`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Mapping

BIN = Path(sys.executable).parent

FAKE_GH = r"""#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
files = {}
if "--body-file" in args:
    files["--body-file"] = open(args[args.index("--body-file") + 1], encoding="utf-8").read()
with open(os.environ["GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": args, "files": files, "token": os.environ.get("GH_TOKEN", "")}) + "\n")
if args[:2] in (["pr", "list"], ["issue", "list"]):
    print(os.environ.get("GH_OPEN", ""))
elif args[:2] == ["pr", "create"]:
    print("https://github.com/leaps-wg3/knowhow/pull/7")
elif args[:2] == ["issue", "create"]:
    print("https://github.com/leaps-wg3/knowhow/issues/8")
"""

# What a scheduled or label-triggered run without any bot token sees.
DEFAULTS = {
    "github.token": "ghs_default_token",
    "github.repository": "leaps-wg3/knowhow",
    "github.event.repository.default_branch": "main",
    "github.server_url": "https://github.com",
    "github.run_id": "1234",
    "vars.PORTAL_APP_CLIENT_ID != ''": "false",
    "steps.app-token.outputs.token || secrets.PORTAL_BOT_TOKEN || github.token": "ghs_default_token",
    "steps.app-token.outputs.token != '' || secrets.PORTAL_BOT_TOKEN != ''": "false",
}
_OUTPUT = re.compile(r"^(steps|needs)\.([\w-]+)\.(outputs\.([\w-]+)|outcome)$")


def git(*args: str, cwd: Path, config: Path | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config)} if config else None
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def script(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def bare_repo(tmp: Path, files: Mapping[str, Path | str]) -> Path:
    """A bare repository whose main holds `files` (repo path -> source folder/file or text)."""
    seed = tmp / "seed"
    for target, source in files.items():
        dest = seed / target
        if isinstance(source, Path) and source.is_dir():
            shutil.copytree(source, dest)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, Path):
                shutil.copyfile(source, dest)
            else:
                dest.write_text(source, encoding="utf-8")
    config = tmp / "seed-gitconfig"
    config.write_text("[user]\n\tname = test\n\temail = test@example.org\n", encoding="utf-8")
    git("init", "--quiet", "--initial-branch", "main", cwd=seed, config=config)
    git("add", ".", cwd=seed, config=config)
    git("commit", "--quiet", "-m", "main", cwd=seed, config=config)
    remote = tmp / "remote.git"
    git("clone", "--quiet", "--bare", str(seed), str(remote), cwd=tmp, config=config)
    return remote


def _shim(allow_private_host: str | None) -> str:
    """A `knowhow` in front of the real one, adding the one test-only flag."""
    real = BIN / "knowhow"
    lines = ["#!/usr/bin/env bash", 'case "$1" in']
    if allow_private_host:
        # `knowhow harvest` may reach the replay server on 127.0.0.1: the one test-only flag the
        # workflow does not pass. Everything else runs as the workflow wrote it.
        lines.append(f'  harvest) exec "{real}" "$@" --allow-private-host {allow_private_host};;')
    lines += ["esac", f'exec "{real}" "$@"', ""]
    return "\n".join(lines)


class Runner:
    """One simulated workflow run: jobs share artifacts, outputs and the `gh` call log."""

    def __init__(self, tmp: Path, remote: Path, expressions: Mapping[str, str] | None = None,
                 open_number: str = "", allow_private_host: str | None = None):
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp, self.remote = tmp, remote
        self.known = {**DEFAULTS, **(expressions or {})}
        self.open_number = open_number
        self.artifacts = tmp / "artifacts"
        self.gh_log = tmp / "gh.jsonl"
        self.job_outputs: dict[str, dict[str, str]] = {}
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (tmp / "gitconfig").write_text("[user]\n\tname = runner\n\temail = runner@example.org\n", encoding="utf-8")
        script(self.bin / "gh", FAKE_GH)
        script(self.bin / "knowhow", _shim(allow_private_host))

    def _expr(self, expr: str, temp: Path, steps: Mapping[str, dict[str, str]]) -> str:
        if expr == "runner.temp":
            return str(temp)
        m = _OUTPUT.match(expr)
        if m:
            source = steps if m.group(1) == "steps" else self.job_outputs
            values = source.get(m.group(2), {})
            return values.get("outcome" if m.group(3) == "outcome" else m.group(4), "")
        assert expr in self.known, f"the local runner does not know `{expr}`: give it a value"
        return self.known[expr]

    def value(self, text: str, temp: Path, steps: Mapping[str, dict[str, str]] | None = None) -> str:
        out = str(text)
        while "${{" in out:
            start = out.index("${{")
            end = out.index("}}", start)
            out = out[:start] + self._expr(out[start + 3:end].strip(), temp, steps or {}) + out[end + 2:]
        return out

    def _runs(self, condition: str | None, failed: bool, temp: Path, steps: dict) -> bool:
        if condition is None:
            return not failed
        if condition.startswith("failure() && "):
            rest = condition.removeprefix("failure() && ")
            m = re.fullmatch(r"steps\.([\w-]+)\.outcome == 'failure'", rest)
            assert m, f"unsupported condition {condition!r}"
            return failed and steps.get(m.group(1), {}).get("outcome") == "failure"
        if failed:
            return False
        return self.value("${{ " + condition + " }}", temp, steps) != "false"

    def job(self, name: str, wf: dict, expect_failure: bool = False) -> Path:
        """Run one job; return its RUNNER_TEMP. The job must succeed unless expect_failure."""
        job = wf["jobs"][name]
        if "if" in job:
            assert self.value("${{ " + job["if"] + " }}", self.tmp) == "true", f"job {name} would not run"
        temp = self.tmp / f"runner-temp-{name}"
        work = self.tmp / f"work-{name}"
        temp.mkdir()
        env = {
            "PATH": f"{self.bin}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.tmp), "LANG": "C.UTF-8", "CI": "true", "NO_MKDOCS_2_WARNING": "1",
            "RUNNER_TEMP": str(temp), "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "leaps-wg3/knowhow", "GITHUB_WORKSPACE": str(work),
            "GH_LOG": str(self.gh_log), "GH_OPEN": self.open_number,
            "GIT_CONFIG_GLOBAL": str(self.tmp / "gitconfig"),
            "PUSH_URL": str(self.remote),  # the branch goes to the local bare repository
        }
        steps: dict[str, dict[str, str]] = {}
        failed = False
        for i, step in enumerate(job["steps"]):
            if not self._runs(step.get("if"), failed, temp, steps):
                continue
            uses, w = step.get("uses", ""), step.get("with", {})
            outcome = "success"
            if uses.startswith("actions/checkout@"):
                assert w.get("persist-credentials") is False
                git("clone", "--quiet", "--branch", "main", str(self.remote), str(work), cwd=self.tmp,
                    config=self.tmp / "gitconfig")
            elif uses.startswith(("actions/setup-python@", "actions/cache@")):
                pass  # this interpreter's environment; no cache between local runs
            elif uses.startswith("actions/upload-artifact@"):
                shutil.copytree(self.value(w["path"], temp, steps), self.artifacts / w["name"])
            elif uses.startswith("actions/download-artifact@"):
                shutil.copytree(self.artifacts / w["name"], self.value(w["path"], temp, steps), dirs_exist_ok=True)
            elif uses:
                raise AssertionError(f"no local stand-in for {uses}")
            elif step["run"].strip() == "python -m pip install .":
                pass  # the package under test is installed already
            else:
                output = temp / f"github_output_{i}"
                output.touch()
                step_env = {**env, "GITHUB_OUTPUT": str(output),
                            **{k: self.value(v, temp, steps) for k, v in step.get("env", {}).items()}}
                result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                        cwd=work, env=step_env, capture_output=True, text=True, timeout=120)
                if result.returncode != 0:
                    assert expect_failure, f"step {step.get('name')!r} failed:\n{result.stdout}\n{result.stderr}"
                    outcome, failed = "failure", True
                if step.get("id"):
                    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
                    steps[step["id"]] = {**values, "outcome": outcome}
            if step.get("id") and step["id"] not in steps:
                steps[step["id"]] = {"outcome": outcome}
        assert failed == expect_failure, f"job {name} {'succeeded' if not failed else 'failed'}"
        self.job_outputs[name] = {k: self.value(v, temp, steps) for k, v in job.get("outputs", {}).items()}
        return temp

    def gh_calls(self, *prefix: str) -> list[dict]:
        if not self.gh_log.exists():
            return []
        calls = [json.loads(line) for line in self.gh_log.read_text(encoding="utf-8").splitlines()]
        return [c for c in calls if c["args"][:len(prefix)] == list(prefix)]
