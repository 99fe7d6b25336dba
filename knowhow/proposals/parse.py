"""Read a submitted issue form back into a record dict. The issue text is untrusted input.

GitHub renders a form submission as Markdown: one `### Label` heading per question, the answer
below it, `_No response_` when left empty, several dropdown choices joined by ", ". Anyone can
open an issue, so the parser is strict: a bounded size, each known heading exactly once (an
answer that types a heading of its own is refused rather than guessed at), every choice one of
the form's options, and all text passed through `sanitize` before it reaches a record.
"""

from __future__ import annotations

import re
from typing import Any

from ..registry.model import KINDS
from ..sanitize import clean_line, clean_text
from .forms import CONSENT_LABEL, KIND_LABEL, Question, nested_model, questions

MAX_BODY = 65_536  # GitHub's own limit for an issue body
NO_RESPONSE = "_No response_"
_HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*$")
_TRAILING_VALUE = re.compile(r"\(([A-Za-z0-9_-]{1,80})\)$")


class ProposalError(Exception):
    """The submission cannot become a record; `problems` are one-line messages for the proposer."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def kind_from_labels(labels: list[str]) -> str:
    found = [k for k in KINDS if KIND_LABEL.format(kind=k) in labels]
    if len(found) != 1:
        wanted = ", ".join(KIND_LABEL.format(kind=k) for k in KINDS)
        raise ProposalError([f"the issue needs exactly one kind label ({wanted}); it has {len(found)}"])
    return found[0]


def sections(body: str, labels: list[str]) -> dict[str, str]:
    """Answer text under each known heading. Unknown `###` lines stay part of the answer."""
    if len(body.encode("utf-8", "replace")) > MAX_BODY:
        raise ProposalError([f"the issue body is larger than {MAX_BODY} bytes"])
    known = set(labels)
    out: dict[str, list[str]] = {}
    current: str | None = None
    problems = []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        m = _HEADING.match(line)
        if m and m.group(1) in known:
            current = m.group(1)
            if current in out:
                problems.append(f"'{current}': the heading appears twice; an answer must not contain "
                                f"a line '### {current}'")
            out[current] = []
        elif current is not None:
            out[current].append(line)
    if problems:
        raise ProposalError(problems)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def _choice(q: Question, text: str) -> str:
    value = q.value_of(text)
    if value is None:
        # A renamed label in a regenerated form still carries the stored value in brackets.
        m = _TRAILING_VALUE.search(text)
        if m and m.group(1) in {v for v, _ in q.options}:
            value = m.group(1)
    if value is None:
        raise ValueError(f"{clean_line(text, 80)!r} is not one of the form's choices")
    return value


def answer(q: Question, text: str) -> Any:
    """The record value for one answer, or None when it was left empty."""
    if not text or text == NO_RESPONSE:
        return None
    if q.shape == "text":
        value = clean_text(text) if q.widget == "textarea" else clean_line(text)
        return value or None
    if q.shape == "lines":
        items = [clean_line(line.strip().removeprefix("- ").removeprefix("* ")) for line in text.split("\n")]
        return [i for i in items if i] or None
    if q.shape == "commas":
        items = [clean_line(part) for part in text.replace("\n", ",").split(",")]
        return [i for i in items if i] or None
    if q.shape == "int":
        digits = clean_line(text)
        if not re.fullmatch(r"\d{1,4}", digits):
            raise ValueError(f"{digits[:20]!r} is not a whole number")
        return int(digits)
    if q.shape == "choice":
        return _choice(q, clean_line(text))
    if q.shape == "choices":
        return [_choice(q, part.strip()) for part in clean_line(text, 20_000).split(", ") if part.strip()] or None
    raise ValueError(f"unknown answer shape {q.shape!r}")


def record_from_issue(body: str, kind: str, facilities: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The record dict a submitted form describes; ProposalError lists every problem at once."""
    qs = questions(kind, facilities)
    found = sections(body, [q.label for q in qs] + [CONSENT_LABEL])
    problems: list[str] = []
    values: dict[str, Any] = {}
    for q in qs:
        if q.label not in found:
            if q.required:
                problems.append(f"'{q.label}': missing; was the issue written with the '{kind}' form?")
            continue
        try:
            value = answer(q, found[q.label])
        except ValueError as exc:
            problems.append(f"'{q.label}': {exc}")
            continue
        if value is None:
            if q.required:
                problems.append(f"'{q.label}': required, but left empty")
            continue
        values[q.key] = value
    if problems:
        raise ProposalError(problems)
    return _assemble(kind, values)


def _assemble(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Form answers to the record's shape: dotted keys nest, facility choices become objects."""
    if "api.endpoint" in values and "api.type" not in values:
        raise ProposalError(["'Search API': choose the kind of API for the endpoint you gave"])
    support = values.pop("support", None)
    # Where the model keeps facilities as objects ({id, support} or {id, joined}), ids become objects.
    item = nested_model(KINDS[kind].model_fields["facilities"].annotation) \
        if "facilities" in values and "facilities" in KINDS[kind].model_fields else None
    if item is not None:
        extra = {"support": support or "uses"} if "support" in item.model_fields else {}
        values["facilities"] = [{"id": f, **extra} for f in values["facilities"]]
    record: dict[str, Any] = {}
    for key, value in values.items():
        head, _, rest = key.partition(".")
        if rest:
            record.setdefault(head, {})[rest] = value
        else:
            record[key] = value
    return record

