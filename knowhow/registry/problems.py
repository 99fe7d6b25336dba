"""Problems are data: a located, coded message that prints like a compiler diagnostic."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one file: where it is, what it is, and what to do about it."""

    path: str
    line: int | None
    pointer: str
    code: str
    message: str
    hint: str = ""
    severity: Severity = "error"

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        pointer = f" {self.pointer}:" if self.pointer else ""
        level = "" if self.severity == "error" else " warning"
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}:{pointer}{level} [{self.code}] {self.message}{hint}"

    def github(self) -> str:
        # Workflow commands: data must not contain newlines or '::' sequences that start a command.
        def esc(s: str) -> str:
            return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        def prop(s: str) -> str:
            return esc(s).replace(":", "%3A").replace(",", "%2C")

        kind = "error" if self.severity == "error" else "warning"
        loc = f"file={prop(self.path)}"
        if self.line:
            loc += f",line={self.line}"
        title = prop(f"{self.code} {self.pointer}".strip())
        hint = f" ({self.hint})" if self.hint else ""
        return f"::{kind} {loc},title={title}::{esc(self.message + hint)}"


class RegistryError(Exception):
    """Base of every error that stops a registry operation with located problems."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.text() for p in self.problems))


@dataclass
class Report:
    """All problems found in one run, plus counts, renderable as text, GitHub annotations or JSON."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems), key=lambda p: (p.path, p.line or 0, p.pointer, p.code, p.message))

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))
        total = sum(self.counts.values())
        return (
            f"{total} records ({kinds or 'none'}): "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )

    def render(self, fmt: str = "text") -> str:
        problems = self.sorted()
        if fmt == "json":
            return json.dumps(
                {
                    "valid": self.valid,
                    "counts": dict(sorted(self.counts.items())),
                    "errors": len(self.errors),
                    "warnings": len(self.warnings),
                    "problems": [asdict(p) for p in problems],
                },
                indent=2,
                sort_keys=True,
            )
        lines = [p.github() if fmt == "github" else p.text() for p in problems]
        lines.append(self.summary())
        return "\n".join(lines)

    def codes(self) -> Counter[str]:
        return Counter(p.code for p in self.problems)
