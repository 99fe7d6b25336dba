"""The contributor experience stays true: forms current with the lists, docs name real commands,
editor and pre-commit settings point at real files, CODEOWNERS protects harvested files."""

from __future__ import annotations

import importlib
import json
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from knowhow.cli import COMMANDS
from knowhow.proposals.command import forms
from knowhow.proposals.forms import FORM_FILES, stale
from knowhow.registry import vocab
from knowhow.registry.model import KINDS

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"



def command(name: str) -> click.Command:
    target = COMMANDS.get(name)
    assert target, f"`knowhow {name}` is not a command"
    module, attr = target.split(":")
    cmd = getattr(importlib.import_module(module), attr)
    assert isinstance(cmd, click.Command)
    return cmd


def invocations(text: str) -> list[list[str]]:
    """Every `knowhow ...` command line in a text (code spans, code blocks and scripts)."""
    out = []
    for m in re.finditer(r"(?:^|[\s`(/])knowhow ([a-z][^`\n|;&)#]*)", text):
        words = shlex.split(m.group(1).replace("\\", " "), posix=True)
        out.append(words)
    return out


def check_invocation(words: list[str], where: str) -> None:
    """The command exists and every option written exists on it."""
    cmd = command(words[0])
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    for word in words[1:]:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"{where}: `knowhow {words[0]}` has no option {word}"


def test_issue_forms_are_current():
    result = CliRunner().invoke(forms, ["--check", "--registry", str(ROOT / "registry"), "--out", str(FORMS)])
    assert result.exit_code == 0, result.output
    assert stale(ROOT / "registry", FORMS) == []


def test_dropdowns_offer_every_controlled_value():
    facility_ids = sorted(p.stem for p in (ROOT / "registry" / "curated" / "facilities").glob("*.yaml"))
    assert facility_ids
    software = yaml.safe_load((FORMS / FORM_FILES["software"]).read_text(encoding="utf-8"))
    options = {el["id"]: el["attributes"]["options"] for el in software["body"] if el["type"] == "dropdown"}
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in options["facilities"]] == facility_ids
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in options["categories"]] == list(vocab.SOFTWARE_CATEGORIES)
    assert len(options["techniques"]) == len(vocab.panet())
    for path in FORMS.glob("[0-9]*.yml"):
        for el in yaml.safe_load(path.read_text(encoding="utf-8"))["body"]:
            if el["type"] == "dropdown":
                options = el["attributes"]["options"]
                assert len(set(options)) == len(options), path.name
                assert all(", " not in o for o in options), path.name  # GitHub joins choices with ", "


def test_a_form_per_proposable_kind_and_one_to_report():
    names = {p.name for p in FORMS.glob("*.yml")}
    assert set(FORM_FILES.values()) <= names and "5-wrong-entry.yml" in names and "config.yml" in names
    assert set(FORM_FILES) == set(KINDS) - {"facilities"}  # facilities are curated by maintainers


def test_contributing_commands_exist_with_their_options():
    text = CONTRIBUTING.read_text(encoding="utf-8")
    calls = invocations(text)
    assert {c[0] for c in calls} >= {"new", "validate", "schemas", "forms", "links", "build"}
    for words in calls:
        check_invocation(words, "CONTRIBUTING.md")


def test_contributing_names_every_kind_and_links_the_field_reference():
    text = CONTRIBUTING.read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"registry/curated/{kind}/" in text
    assert "/contribute/fields/" in text


def test_contributing_example_record_is_valid(tmp_path):
    from knowhow.registry.validate import validate

    text = CONTRIBUTING.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    block = "\n".join(line[3:] if line.startswith("   ") else line for line in block.splitlines()) + "\n"
    root = tmp_path / "registry"
    (root / "curated" / "software").mkdir(parents=True)
    (root / "curated" / "software" / "my-tool.yaml").write_text(block, encoding="utf-8")
    facilities = root / "curated" / "facilities"
    facilities.mkdir()
    (facilities / "esrf.yaml").write_bytes((ROOT / "registry/curated/facilities/esrf.yaml").read_bytes())
    _, report = validate(root)
    assert report.valid, report.render("text")


def test_workflow_commands_exist_with_their_options():
    seen = set()
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        wf = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in wf["jobs"].values():
            for step in job.get("steps", []):
                for words in invocations(step.get("run", "")):
                    check_invocation(words, path.name)
                    seen.add(words[0])
    assert {"validate", "build", "links", "propose"} <= seen


def test_pre_commit_hooks_run_real_commands():
    for name in (".pre-commit-config.yaml", ".pre-commit-hooks.yaml"):
        data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        hooks = data if isinstance(data, list) else [h for repo in data["repos"] for h in repo["hooks"]]
        for hook in hooks:
            words = shlex.split(hook["entry"])
            if words[0] == "knowhow":
                check_invocation(words[1:], name)
            re.compile(hook["files"])
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert any(h["entry"] == "knowhow validate" for repo in config["repos"] for h in repo["hooks"])


def test_editor_schema_mapping_covers_every_kind():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    for kind in KINDS:
        schema = f"./registry/schemas/{kind}.schema.json"
        assert (ROOT / schema).is_file()
        assert mapping[schema] == [f"registry/curated/{kind}/*.yaml", f"registry/harvested/{kind}/*.yaml"]


def test_codeowners_keeps_harvested_files_to_maintainers():
    rules = [line.split() for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    owners = {r[0]: r[1:] for r in rules}
    assert owners["/registry/harvested/"] == ["@leaps-wg3/maintainers"]
    assert owners["/.github/"] == ["@leaps-wg3/maintainers"]
    # The harvested rule comes after the broader ones, so it is the one that applies.
    order = [r[0] for r in rules]
    assert order.index("/registry/harvested/") > order.index("*")


@pytest.mark.parametrize("words", [["links", "--help"], ["propose", "--help"], ["forms", "--help"]])
def test_own_commands_have_help(words):
    result = CliRunner().invoke(command(words[0]), words[1:])
    assert result.exit_code == 0 and "Usage" in result.output
