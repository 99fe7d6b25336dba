"""Issue form submissions become validated record files; hostile submissions do not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from knowhow.proposals.command import propose
from knowhow.proposals.forms import FORM_FILES
from knowhow.proposals.parse import ProposalError, record_from_issue
from knowhow.registry.yamlio import load_file

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"


def issue_body(kind: str, answers: dict[str, str]) -> str:
    """The Markdown GitHub writes for a submitted form: `### Label`, blank line, answer, CRLF."""
    form = yaml.safe_load((FORMS / FORM_FILES[kind]).read_text(encoding="utf-8"))
    parts = []
    for el in form["body"]:
        if el["type"] == "markdown":
            continue
        label = el["attributes"]["label"]
        if el["type"] == "checkboxes":
            value = "\r\n".join(f"- [X] {o['label']}" for o in el["attributes"]["options"])
        else:
            value = answers.get(el["id"], "") or "_No response_"
        parts.append(f"### {label}\r\n\r\n{value}")
    return "\r\n\r\n".join(parts)


def option(kind: str, field: str, value: str) -> str:
    form = yaml.safe_load((FORMS / FORM_FILES[kind]).read_text(encoding="utf-8"))
    el = next(e for e in form["body"] if e.get("id") == field)
    return next(o for o in el["attributes"]["options"] if o.endswith(f"({value})"))


@pytest.fixture
def registry(tmp_path):
    """A copy of the facilities (for the dropdowns and references); no other records."""
    root = tmp_path / "registry"
    shutil.copytree(ROOT / "registry" / "curated" / "facilities", root / "curated" / "facilities")
    return root


SOFTWARE = {
    "id": "tomoscan",
    "name": "tomoscan",
    "homepage": "https://gitlab.esrf.fr/tomotools/tomoscan",
    "description": "Reads tomography scans (EDF, HDF5/NXtomo).\r\n\r\nUsed by **nabu**.",
    "license": "MIT",
    "languages": "Python, Cython",
}


def software_answers(**extra: str) -> dict[str, str]:
    answers = dict(SOFTWARE)
    answers["categories"] = ", ".join([option("software", "categories", "data-reduction"),
                                       option("software", "categories", "library")])
    answers["facilities"] = option("software", "facilities", "esrf")
    answers["support"] = option("software", "support", "develops")
    answers["status"] = option("software", "status", "active")
    answers["references"] = "https://gitlab.esrf.fr/tomotools/tomoscan\r\n- https://pypi.org/project/tomoscan/"
    answers["packages-pypi"] = "tomoscan"
    answers.update(extra)
    return answers


def run(registry: Path, tmp_path: Path, body: str, *args: str):
    path = tmp_path / "issue.md"
    path.write_text(body, encoding="utf-8")
    return CliRunner().invoke(propose, [str(path), "--registry", str(registry), *args])


def test_software_proposal_becomes_a_valid_record(registry, tmp_path):
    outputs, pr = tmp_path / "out.txt", tmp_path / "pr.md"
    result = run(registry, tmp_path, issue_body("software", software_answers()),
                 "--labels", json.dumps(["proposal", "kind/software", "approved"]), "--issue", "42",
                 "--pr-body", str(pr), "--outputs", str(outputs))
    assert result.exit_code == 0, result.output
    path = registry / "curated" / "software" / "tomoscan.yaml"
    data = load_file(path).data
    assert data == {
        "id": "tomoscan", "name": "tomoscan", "homepage": "https://gitlab.esrf.fr/tomotools/tomoscan",
        "description": "Reads tomography scans (EDF, HDF5/NXtomo).\n\nUsed by **nabu**.",
        "license": "MIT", "languages": ["Python", "Cython"], "categories": ["data-reduction", "library"],
        "facilities": [{"id": "esrf", "support": "develops"}], "status": "active",
        "packages": {"pypi": "tomoscan"},
        "references": ["https://gitlab.esrf.fr/tomotools/tomoscan", "https://pypi.org/project/tomoscan/"],
    }
    assert outputs.read_text().splitlines() == [
        "kind=software", "id=tomoscan", f"path={path.as_posix()}"]
    body = pr.read_text()
    assert "Closes #42" in body and "id: tomoscan" in body


@pytest.mark.parametrize("kind, answers, expected", [
    ("events", {"id": "hercules-2027", "title": "HERCULES school 2027", "url": "https://hercules-school.eu/",
                "description": "European school on neutrons and synchrotron radiation.",
                "start": "2027-03-01", "end": "2027-03-26", "timezone": "Europe/Paris", "country": "FR",
                "topics": "neutrons, synchrotron"},
     {"start": "2027-03-01", "end": "2027-03-26", "topics": ["neutrons", "synchrotron"]}),
    ("open_data", {"id": "esrf-data", "name": "ESRF data portal", "url": "https://data.esrf.fr/",
                   "description": "Open data of ESRF experiments.", "embargo_years": "3",
                   "doi_prefix": "10.15151", "api-endpoint": "https://icatplus.esrf.fr/api",
                   "api-type": "ICAT (icat)"},
     {"embargo_years": 3, "api": {"type": "icat", "endpoint": "https://icatplus.esrf.fr/api"}}),
    ("collaborations", {"id": "tango", "name": "Tango Controls", "website": "https://www.tango-controls.org/",
                        "description": "Open-source control system toolkit.", "started": "2003",
                        "repositories": "https://gitlab.com/tango-controls"},
     {"started": 2003, "repositories": ["https://gitlab.com/tango-controls"]}),
])
def test_every_form_kind(registry, tmp_path, kind, answers, expected):
    result = run(registry, tmp_path, issue_body(kind, answers), "--kind", kind)
    assert result.exit_code == 0, result.output
    data = load_file(registry / "curated" / kind / f"{answers['id']}.yaml").data
    assert {k: data[k] for k in expected} == expected


def test_dropdowns_reach_the_record(registry, tmp_path):
    answers = {"id": "esrf-data", "name": "ESRF data", "url": "https://data.esrf.fr/", "description": "Data.",
               "type": option("open_data", "type", "facility-portal"),
               "api-type": option("open_data", "api-type", "icat"),
               "facilities": option("open_data", "facilities", "esrf"),
               "techniques": option("open_data", "techniques", "PaNET01030")}
    result = run(registry, tmp_path, issue_body("open_data", answers), "--kind", "open_data")
    assert result.exit_code == 0, result.output
    data = load_file(registry / "curated" / "open_data" / "esrf-data.yaml").data
    assert (data["type"], data["api"], data["facilities"], data["techniques"]) == (
        "facility-portal", {"type": "icat"}, ["esrf"], ["PaNET01030"])


def test_validation_errors_are_reported_and_nothing_is_written(registry, tmp_path):
    comment = tmp_path / "comment.md"
    body = issue_body("software", software_answers(license="MIT Licence", homepage="javascript:alert(1)"))
    result = run(registry, tmp_path, body, "--kind", "software", "--comment", str(comment))
    assert result.exit_code == 1
    assert "unknown-spdx" in result.output and "unsafe-url" in result.output
    assert "Traceback" not in result.output
    assert not (registry / "curated" / "software" / "tomoscan.yaml").exists()
    assert "```text" in comment.read_text()


def test_an_answer_cannot_forge_another_field(registry, tmp_path):
    # Typing a heading into the description would otherwise replace the homepage.
    forged = "Nice tool.\r\n\r\n### Homepage\r\n\r\nhttps://evil.example/"
    body = issue_body("software", software_answers(description=forged))
    result = run(registry, tmp_path, body, "--kind", "software")
    assert result.exit_code == 1
    assert "'Homepage': the heading appears twice" in result.output


def test_choices_must_come_from_the_form(registry, tmp_path):
    body = issue_body("software", software_answers(categories="Hacking (hacking)"))
    with pytest.raises(ProposalError, match="not one of the form's choices"):
        record_from_issue(body, "software", (("esrf", "ESRF (esrf)"),))


def test_hostile_text_is_cleaned(registry, tmp_path):
    name = "tomo\u202escan\x07 <script>alert(1)</script>"
    body = issue_body("software", software_answers(name=name))
    result = run(registry, tmp_path, body, "--kind", "software")
    assert result.exit_code == 0, result.output
    data = load_file(registry / "curated" / "software" / "tomoscan.yaml").data
    assert data["name"] == "tomoscan"  # controls, bidi overrides and markup (with its script) removed


@pytest.mark.parametrize("rid", ["../../evil", "Tomo Scan", "-x", ""])
def test_identifier_must_be_a_slug(registry, tmp_path, rid):
    result = run(registry, tmp_path, issue_body("software", software_answers(id=rid)), "--kind", "software")
    assert result.exit_code == 1
    assert not list((registry / "curated").glob("software/*.yaml"))
    assert not (tmp_path / "evil.yaml").exists()


def test_existing_record_is_not_overwritten(registry, tmp_path):
    body = issue_body("software", software_answers())
    assert run(registry, tmp_path, body, "--kind", "software").exit_code == 0
    again = run(registry, tmp_path, body, "--kind", "software")
    assert again.exit_code == 1 and "exists already" in again.output


def test_kind_comes_from_exactly_one_label(registry, tmp_path):
    body = issue_body("software", software_answers())
    result = run(registry, tmp_path, body, "--labels", json.dumps(["proposal"]))
    assert result.exit_code == 1 and "kind/software" in result.output
    bad = run(registry, tmp_path, body, "--labels", "not json")
    assert bad.exit_code == 1 and "JSON list" in bad.output


def test_oversized_body_is_refused(registry, tmp_path):
    body = issue_body("software", software_answers(description="x" * 70_000))
    result = run(registry, tmp_path, body, "--kind", "software")
    assert result.exit_code == 1 and "larger than" in result.output


def test_endpoint_needs_an_api_type(registry, tmp_path):
    answers = {"id": "d", "name": "D", "url": "https://d.example.org/", "description": "D.",
               "api-endpoint": "https://d.example.org/api"}
    result = run(registry, tmp_path, issue_body("open_data", answers), "--kind", "open_data")
    assert result.exit_code == 1 and "choose the kind of API" in result.output


def test_unknown_facility_in_an_old_form_is_a_clear_error(registry, tmp_path):
    body = issue_body("software", software_answers(facilities="Gone Facility (gone)"))
    result = run(registry, tmp_path, body, "--kind", "software")
    assert result.exit_code == 1 and "'Facilities'" in result.output
