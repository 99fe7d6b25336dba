"""`knowhow validate`: every bad input gives located one-line errors, exit 1, no traceback."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from knowhow.cli import cli
from registry_support import FACILITY, SOFTWARE, small_registry, write

LINE = re.compile(r"^(?P<path>[^:]+\.yaml):(?P<line>\d+):( (?P<ptr>/\S*):)?( warning)? \[(?P<code>[a-z0-9-]+)\] .+")


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def problems(output: str) -> list[dict]:
    return [m.groupdict() for line in output.splitlines() if (m := LINE.match(line))]


def test_valid_registry_passes_with_summary(tmp_path):
    small_registry(tmp_path)
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "3 records (2 facilities, 1 software): 0 errors, 0 warnings"


BAD = {
    "malformed": (b"id: tool\nname: [unclosed\n", "yaml-syntax", 3),
    "tabs": (b"id: tool\nname: x\n\tdescription: y\n", "yaml-syntax", 3),
    "alias-bomb": (b"id: tool\na: &a [x, x]\nb: &b [*a, *a]\n", "yaml-anchor", 2),
    "duplicate-keys": (b"id: tool\nname: a\nname: b\n", "duplicate-key", 3),
    "ten-mb": (b"id: tool\ndescription: " + b"x" * (10 * 1024 * 1024), "file-too-large", None),
    "not-utf8": ("id: tool\nname: Zürich\n".encode("latin-1"), "not-utf8", 2),
    "empty": (b"", "empty-file", 1),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_unreadable_files_are_located_errors(tmp_path, case):
    small_registry(tmp_path)
    raw, code, line = BAD[case]
    write(tmp_path, "curated", "software", "tool", raw)
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    found = problems(result.output) or [
        {"path": p.split(":")[0], "code": re.search(r"\[(.+?)\]", p).group(1), "line": None}
        for p in result.output.splitlines() if "[" in p]
    assert [p["code"] for p in found if p["path"].endswith("tool.yaml")] == [code]
    if line is not None:
        assert int(found[0]["line"]) == line


MODEL_CASES = {
    "wrong-type": ("license: MIT\n", "license: 42\n", "wrong-type", "/license"),
    "unknown-field": ("license: MIT\n", "licence: MIT\n", "unknown-field", "/licence"),
    "misspelled-facility": ("  - id: alpha\n", "  - id: alpah\n", "unknown-reference", "/facilities/0/id"),
    "javascript-url": ("homepage: https://example.org/tool\n", "homepage: javascript:alert(1)\n", "unsafe-url",
                       "/homepage"),
    "data-url": ("homepage: https://example.org/tool\n", "homepage: 'data:text/html,<script>x</script>'\n",
                 "unsafe-url", "/homepage"),
    "bad-spdx": ("license: MIT\n", "license: MIT Licence\n", "unknown-spdx", "/license"),
    "bad-support": ("support: develops\n", "support: develop\n", "not-in-list", "/facilities/0/support"),
    "missing-name": ("name: Tool tool\n", "", "missing", "/name"),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_model_errors_name_line_pointer_and_hint(tmp_path, case):
    small_registry(tmp_path)
    old, new, code, pointer = MODEL_CASES[case]
    text = SOFTWARE.format(id="tool", facility="alpha")
    assert old in text
    path = write(tmp_path, "curated", "software", "tool", text.replace(old, new))
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    (found,) = [p for p in problems(result.output) if p["code"] == code]
    assert found["ptr"] == pointer
    lines = path.read_text().splitlines()
    if new:
        assert new.strip().split(":")[0].strip("- ") in lines[int(found["line"]) - 1]


def test_suggestions_are_given(tmp_path):
    small_registry(tmp_path)
    text = SOFTWARE.format(id="tool", facility="alpah").replace("license: MIT", "licence: MIT Licence")
    write(tmp_path, "curated", "software", "tool", text)
    out = run("validate", "--registry", str(tmp_path)).output
    assert "did you mean 'alpha'?" in out
    assert "did you mean 'license'?" in out


def test_id_differs_from_file_name(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool", SOFTWARE.format(id="other", facility="alpha"))
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    (p,) = [p for p in problems(result.output) if p["code"] == "id-mismatch"]
    assert p["path"].endswith("tool.yaml") and p["line"] == "1"


def test_two_files_with_the_same_id(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool2", SOFTWARE.format(id="tool", facility="alpha"))
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    assert "duplicate-id" in {p["code"] for p in problems(result.output)}


def test_end_before_start(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "events", "school", """\
id: school
title: A school
description: Learn things.
url: https://example.org/school
start: 2026-05-04T09:00:00+02:00
end: 2026-05-03
organisers: [alpha]
references: [https://example.org/school]
""")
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    (p,) = [p for p in problems(result.output) if p["code"] == "end-before-start"]
    assert p["ptr"] == "/end" and p["line"] == "6"


@pytest.mark.parametrize("value, code", [
    ("2026-05-04T09:00:00", "missing-timezone"),
    ("2024-02-30", "bad-date"),
    ("next tuesday", "bad-date"),
])
def test_event_dates_need_real_dates_and_offsets(tmp_path, value, code):
    small_registry(tmp_path)
    write(tmp_path, "curated", "events", "school", f"""\
id: school
title: A school
description: Learn things.
url: https://example.org/school
start: {value}
references: [https://example.org/school]
""")
    result = run("validate", "--registry", str(tmp_path))
    assert result.exit_code == 1
    assert [p["code"] for p in problems(result.output)] == [code]


def test_all_errors_reported_at_once(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "a", b"id: a\nname: [x\n")
    write(tmp_path, "curated", "software", "b", SOFTWARE.format(id="b", facility="nope"))
    write(tmp_path, "curated", "facilities", "c", FACILITY.format(id="c", upper="C").replace("FR", "France"))
    result = run("validate", "--registry", str(tmp_path))
    found = {(p["path"].rsplit("/", 1)[-1], p["code"]) for p in problems(result.output)}
    assert {("a.yaml", "yaml-syntax"), ("b.yaml", "unknown-reference"), ("c.yaml", "unknown-country")} <= found
    assert "did you mean 'FR'?" in result.output
    assert result.output.strip().splitlines()[-1].endswith("3 errors, 0 warnings")


def test_github_and_json_formats(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool", SOFTWARE.format(id="tool", facility="alpah"))
    gh = run("validate", "--registry", str(tmp_path), "--format", "github")
    assert gh.exit_code == 1
    line = [x for x in gh.output.splitlines() if x.startswith("::error ")][0]
    assert re.match(r"::error file=[^,]+tool\.yaml,line=7,title=unknown-reference /facilities/0/id::", line)
    js = run("validate", "--registry", str(tmp_path), "--format", "json")
    data = json.loads(js.output)
    assert data["valid"] is False and data["errors"] == 1
    assert data["problems"][0]["pointer"] == "/facilities/0/id"


def test_validate_writes_nothing(tmp_path):
    small_registry(tmp_path)
    write(tmp_path, "curated", "software", "tool", b"id: tool\nname: [x\n")
    before = sorted((p, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    run("validate", "--registry", str(tmp_path))
    run("export", "--registry", str(tmp_path), "--out", str(tmp_path / "out"))
    after = sorted((p, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    assert before == after


def test_missing_registry_folder_is_one_line(tmp_path):
    result = run("validate", "--registry", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "no such registry folder" in result.output
