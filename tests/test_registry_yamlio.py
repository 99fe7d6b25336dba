"""The strict loader: hostile YAML is refused before construction, values keep their spelling."""

from __future__ import annotations

import time

import pytest

from knowhow.registry.yamlio import dump, load_bytes, load_text, write_yaml


def codes(loaded):
    return [p.code for p in loaded.problems]


def test_plain_record_keeps_lines_per_pointer():
    loaded = load_text("id: x\nname: X\nfacilities:\n  - id: esrf\n    support: uses\n", "f.yaml")
    assert loaded.ok
    assert loaded.data == {"id": "x", "name": "X", "facilities": [{"id": "esrf", "support": "uses"}]}
    assert loaded.line("/facilities/0/support") == 5
    assert loaded.line("/facilities/0/unknown") == 4  # nearest ancestor


@pytest.mark.parametrize("text, expected", [
    ("country: NO\n", "NO"),
    ("flag: on\n", "on"),
    ("version: 1.10\n", "1.10"),
    ("mode: 0755\n", "0755"),
    ("phone: 0031201234567\n", "0031201234567"),
    ("duration: 1:20\n", "1:20"),
    ("day: 2024-02-30\n", "2024-02-30"),
    ("x: .nan\n", ".nan"),
])
def test_yaml11_surprises_stay_the_strings_written(text, expected):
    loaded = load_text(text, "f.yaml")
    assert loaded.ok
    assert list(loaded.data.values()) == [expected]


@pytest.mark.parametrize("text", ["country: NO\n", "version: 1.10\n", "mode: 0755\n", "x: .nan\n"])
def test_ambiguous_scalars_warn_with_a_quoting_hint(text):
    loaded = load_text(text, "f.yaml")
    (problem,) = loaded.problems
    assert problem.code == "ambiguous-scalar" and problem.severity == "warning"
    assert problem.line == 1 and "quoted" in problem.hint


def test_null_bool_and_decimal_int_resolve():
    loaded = load_text("a: ~\nb: true\nc: 42\nd: '42'\ne: -3\n", "f.yaml")
    assert loaded.data == {"a": None, "b": True, "c": 42, "d": "42", "e": -3}


@pytest.mark.parametrize("text, code, line", [
    ("a: &x [1]\nb: *x\n", "yaml-anchor", 1),
    ("a: 1\nb: *x\n", "yaml-alias", 2),
    ("base: {x: 1}\nm:\n  <<: {y: 2}\n", "yaml-merge-key", 3),
    ("a: !!python/object/apply:os.system ['id']\n", "yaml-tag", 1),
    ("a: !custom 1\n", "yaml-tag", 1),
    ("id: a\nid: b\n", "duplicate-key", 2),
    ("1: a\n", "non-string-key", 1),
    ("a: 1\n---\nb: 2\n", "multiple-documents", 2),
    ("a: 1\n\tb: 2\n", "yaml-syntax", 2),
    ("title: a: b\n", "yaml-syntax", 1),
])
def test_refused_constructs_are_located(text, code, line):
    loaded = load_text(text, "f.yaml")
    assert not loaded.ok
    assert codes(loaded) == [code]
    assert loaded.problems[0].line == line


def test_duplicate_key_names_both_lines():
    loaded = load_text("id: a\nname: x\nname: y\n", "f.yaml")
    assert "lines 2 and 3" in loaded.problems[0].message


def test_billion_laughs_is_refused_at_once():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi"))
    start = time.perf_counter()
    loaded = load_text(bomb, "bomb.yaml")
    assert time.perf_counter() - start < 0.5
    assert codes(loaded) == ["yaml-anchor"]


def test_merge_key_bomb_is_refused_at_once():
    lines = ["m0: {a: 1}"] + [f"m{i}: {{<<: [{{}}], b: {i}}}" for i in range(1, 30)]
    start = time.perf_counter()
    loaded = load_text("\n".join(lines) + "\n", "merge.yaml")
    assert time.perf_counter() - start < 0.5
    assert codes(loaded) == ["yaml-merge-key"]


@pytest.mark.parametrize("text", ["x: " + "[" * 50_000, "x:\n" + "".join("  " * i + "- \n" for i in range(40))])
def test_deep_nesting_stops_early_without_crashing(text):
    start = time.perf_counter()
    loaded = load_text(text, "deep.yaml")
    assert time.perf_counter() - start < 1.0
    assert not loaded.ok
    assert codes(loaded)[0] in ("too-deep", "yaml-syntax")


@pytest.mark.parametrize("raw, code", [
    (b"", "empty-file"),
    (b"   \n\n", "empty-file"),
    (b"id: \xff\xfe\n", "not-utf8"),
    (b"x: " + b"a" * (10 * 1024 * 1024), "file-too-large"),
    (b"id: a\n<<<<<<< HEAD\nname: x\n=======\nname: y\n>>>>>>> branch\n", "merge-conflict"),
])
def test_byte_level_problems(raw, code):
    loaded = load_bytes(raw, "f.yaml")
    assert codes(loaded) == [code]
    assert loaded.data is None


def test_bom_and_crlf_are_fine():
    loaded = load_bytes(b"\xef\xbb\xbfid: a\r\nname: b\r\n", "f.yaml")
    assert loaded.ok and loaded.data == {"id": "a", "name": "b"}
    assert loaded.line("/name") == 2


def test_comment_truncating_a_title_is_a_lint_warning():
    loaded = load_text("title: Course #3 (advanced)\ncity: Lund # Sweden\nid: x # fine\n", "f.yaml")
    warned = [(p.pointer, p.code) for p in loaded.problems]
    assert ("/title", "truncated-by-comment") in warned
    assert ("/city", "truncated-by-comment") in warned
    assert all(p != "/id" for p, _ in warned)


def test_canonical_dump_round_trips_through_the_strict_loader(tmp_path):
    data = {"b": "no", "a": "0755", "c": "1.10", "d": "2024-01-01", "e": "Zürich: café #1", "f": [1, True, None]}
    text = dump(data)
    assert text.index("a:") < text.index("b:")
    assert "Zürich" in text
    assert load_text(text, "x").data == data
    path = tmp_path / "r.yaml"
    assert write_yaml(path, data) is True
    mtime = path.stat().st_mtime_ns
    assert write_yaml(path, data) is False  # unchanged: not rewritten
    assert path.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".*.tmp"))
