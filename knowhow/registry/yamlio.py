"""The one place that reads and writes registry YAML.

Reading builds data straight from libyaml parse events, so hostile constructs (anchors,
aliases, merge keys, tags, deep nesting, several documents) are refused before anything is
constructed, and every value keeps the line it came from. Scalars resolve to a small,
predictable schema: null, true/false, decimal integers; everything else stays the string it
was written as (no YAML 1.1 Norway, octal, sexagesimal, float-version or date surprises).

Writing is canonical (sorted keys, unicode, no folding, LF) and atomic, so an unchanged
record produces an unchanged file.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MAX_FILE_BYTES = 256 * 1024
MAX_SCALAR_CHARS = 20_000
MAX_DEPTH = 8
MAX_EVENTS = 20_000

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
# Plain scalars that YAML 1.1 tools (MkDocs, many editors) would read as something else.
_YAML11_BOOL = re.compile(r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)\Z")
_YAML11_OTHER = re.compile(
    r"""(?:[-+]?0[0-7_]+                        # octal
        |[-+]?0x[0-9a-fA-F_]+                   # hex
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?   # sexagesimal
        |[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+][0-9]+)?  # float
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+       # exponent
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |[-+]?[0-9][0-9_]*_[0-9_]*)\Z""",
    re.X,
)
_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7})(?: |$)", re.M)
# Fields whose plain value is prose: a ' #' there silently truncates it.
PROSE_KEYS = frozenset({"name", "title", "description", "short_name", "venue", "city", "summary"})


@dataclass
class Loaded:
    """A parsed file: its data, the line of every JSON pointer, and any lint warnings."""

    path: str
    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(p.severity == "error" for p in self.problems)

    def line(self, pointer: str) -> int | None:
        """Line of the pointer, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]


class _Refused(Exception):
    def __init__(self, line: int | None, pointer: str, code: str, message: str, hint: str = ""):
        self.args = (line, pointer, code, message, hint)


def _esc(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text: UTF-8 only (a BOM is dropped, CRLF becomes LF), within the size cap."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(path, None, "", "file-too-large",
                              f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                              "a record is a few KB; move long text to a linked page")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, "", "not-utf8",
                              f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8",
                              "save the file as UTF-8")]
    text = text.replace("\r\n", "\n")
    if not text.strip():
        return None, [Problem(path, 1, "", "empty-file", "file is empty",
                              "start from `knowhow new KIND`")]
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n")):
        return None, [Problem(path, 1, "", "only-comments", "file holds only comments, no record",
                              "uncomment and fill in the fields, or delete the file")]
    m = _CONFLICT.search(text)
    if m:
        line = text[: m.start()].count("\n") + 1
        return None, [Problem(path, line, "", "merge-conflict",
                              "merge-conflict marker found", "resolve the conflict and remove the markers")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(path, line, "", "control-character", "NUL character in file")]
    return text, []


def load_file(path: str | Path, display: str | None = None) -> Loaded:
    """Read and parse one registry file; never raises for bad content."""
    shown = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return Loaded(shown, problems=[Problem(shown, None, "", "unreadable", exc.strerror or str(exc))])
    return load_bytes(raw, shown)


def load_bytes(raw: bytes, path: str) -> Loaded:
    text, problems = decode(raw, path)
    if text is None:
        return Loaded(path, problems=problems)
    return load_text(text, path)


def load_text(text: str, path: str) -> Loaded:
    out = Loaded(path)
    source_lines = text.split("\n")
    try:
        out.data = _build(text, out, source_lines)
    except _Refused as exc:
        line, pointer, code, message, hint = exc.args
        out.data = None
        out.problems.append(Problem(path, line, pointer, code, message, hint))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = (exc.problem or str(exc)).strip()
        out.data = None
        out.problems.append(Problem(path, line, "", "yaml-syntax", message, _syntax_hint(message, source_lines, line)))
    except yaml.YAMLError as exc:
        out.data = None
        out.problems.append(Problem(path, None, "", "yaml-syntax", str(exc).splitlines()[0]))
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # last resort, still located
        out.data = None
        out.problems.append(Problem(path, None, "", "yaml-syntax", f"cannot parse: {type(exc).__name__}"))
    return out


def _syntax_hint(message: str, lines: list[str], line: int | None) -> str:
    text = lines[line - 1] if line and line <= len(lines) else ""
    if "\t" in text[: len(text) - len(text.lstrip())] or "found character '\\t'" in message:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character" in message and ("'@'" in message or "'`'" in message or "'%'" in message):
        return "quote the value"
    if "could not find expected ':'" in message or "expected <block end>" in message:
        return "check the indentation of this and the previous line"
    return "quote values that contain special characters (: # & * ! | > @ `)"


def _build(text: str, out: Loaded, source_lines: list[str]) -> Any:
    # A stack of [container, pointer, pending key, key line, seen keys] frames.
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    events = 0
    for ev in yaml.parse(text, Loader=_Loader):
        events += 1
        line = ev.start_mark.line + 1
        if events > MAX_EVENTS:
            raise _Refused(line, "", "too-complex", f"more than {MAX_EVENTS} YAML nodes")
        if isinstance(ev, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused(line, "", "multiple-documents", "file holds more than one YAML document",
                               "one record per file; remove the '---' line")
            continue
        if isinstance(ev, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            continue
        pointer = _child_pointer(stack)
        if isinstance(ev, yaml.AliasEvent):
            raise _Refused(line, pointer, "yaml-alias", f"alias '*{ev.anchor}' is not allowed",
                           "write the value out; if '*' is part of the text, quote it")
        if getattr(ev, "anchor", None):
            raise _Refused(line, pointer, "yaml-anchor", f"anchor '&{ev.anchor}' is not allowed",
                           "if '&' is part of the text, quote the value")
        tag = getattr(ev, "tag", None)
        if tag:
            raise _Refused(line, pointer, "yaml-tag", f"tag '{tag}' is not allowed",
                           "remove the tag; if '!' is part of the text, quote the value")
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _Refused(line, pointer, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
            container: Any = {} if isinstance(ev, yaml.MappingStartEvent) else []
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                raise _Refused(line, pointer, "complex-key", "mapping keys must be plain strings")
            out.lines[pointer] = line
            _attach(stack, container, line)
            stack.append([container, pointer, None, 0, {}])
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if not stack:
                root = frame[0]
            continue
        if isinstance(ev, yaml.ScalarEvent):
            value = ev.value
            if len(value) > MAX_SCALAR_CHARS:
                raise _Refused(line, pointer, "value-too-long",
                               f"value has {len(value):,} characters; the limit is {MAX_SCALAR_CHARS:,}")
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                _take_key(stack[-1], ev, line, out.path)
                continue
            resolved = _resolve(ev, out, pointer, line)
            if not ev.style and isinstance(resolved, str) and stack and isinstance(stack[-1][0], dict):
                _lint_comment(ev, stack[-1][2], source_lines, out, pointer, line)
            if not stack:
                root = resolved
                out.lines[""] = line
                continue
            out.lines[pointer] = line
            _attach(stack, resolved, line)
    return root


def _child_pointer(stack: list[list[Any]]) -> str:
    if not stack:
        return ""
    container, pointer, key = stack[-1][0], stack[-1][1], stack[-1][2]
    if isinstance(container, list):
        return f"{pointer}/{len(container)}"
    if key is None:
        return pointer
    return f"{pointer}/{_esc(key)}"


def _take_key(frame: list[Any], ev: Any, line: int, path: str) -> None:
    key = ev.value
    pointer = f"{frame[1]}/{_esc(key)}"
    plain = not ev.style
    if plain and key == "<<":
        raise _Refused(line, frame[1], "yaml-merge-key", "merge keys ('<<') are not allowed",
                       "write the fields out")
    if plain and (key in _NULLS or key in _BOOLS or _INT.match(key)):
        raise _Refused(line, pointer, "non-string-key", f"key {key!r} is not a plain name", "keys are field names")
    seen = frame[4]
    if key in seen:
        raise _Refused(line, pointer, "duplicate-key",
                       f"key '{key}' appears twice (lines {seen[key]} and {line})",
                       "keep one of them")
    seen[key] = line
    frame[2] = key
    frame[3] = line


def _attach(stack: list[list[Any]], value: Any, line: int) -> None:
    if not stack:
        return
    frame = stack[-1]
    container = frame[0]
    if isinstance(container, list):
        container.append(value)
    else:
        container[frame[2]] = value
        frame[2] = None


def _resolve(ev: Any, out: Loaded, pointer: str, line: int) -> Any:
    value = ev.value
    if ev.style:  # quoted or block scalar: always a string
        return value
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.match(value):
        return int(value)
    if _YAML11_BOOL.match(value) or _YAML11_OTHER.match(value):
        out.problems.append(Problem(
            out.path, line, pointer, "ambiguous-scalar",
            f"{value!r} is read as text here but as a {'boolean' if _YAML11_BOOL.match(value) else 'number'} "
            "by other YAML tools", f"write it quoted: \"{value}\"", "warning"))
    return value


def _lint_comment(ev: Any, key: str | None, lines: list[str], out: Loaded, pointer: str, line: int) -> None:
    if key not in PROSE_KEYS:
        return
    end = ev.end_mark
    rest = lines[end.line][end.column:] if end.line < len(lines) else ""
    if rest.lstrip().startswith("#") and rest[:1].isspace():
        out.problems.append(Problem(
            out.path, line, pointer, "truncated-by-comment",
            f"text after ' #' is a comment, so {key} reads {ev.value!r}",
            "quote the whole value if the '#' belongs to it", "warning"))


# ---------------------------------------------------------------- writing

def dump(data: Any) -> str:
    """Canonical YAML text for data: sorted keys, unicode kept, no line folding, LF endings."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=True, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)


def write_atomic(path: str | Path, content: str | bytes) -> bool:
    """Write content to path via a temporary file and rename; return False if it was unchanged.

    Readers (and a run killed at any moment) see the old file or the new one, never half of it.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if target.read_bytes() == data:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def write_yaml(path: str | Path, data: Any) -> bool:
    """Canonical, atomic YAML write; return whether the file changed."""
    return write_atomic(path, dump(data))
