"""Read the suite definition: which datasets and codecs each profile runs.

The bundled definition ships inside the package (`knowhow/bench/suite.yaml`, read through
`importlib.resources`), so `knowhow bench` works from any working directory; `--suite FILE`
replaces it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..registry.problems import Problem
from ..registry.yamlio import load_file
from .configs import CODECS
from .datasets import DATASETS


def bundled_suite() -> Path:
    """The suite definition shipped with the package."""
    return Path(str(resources.files("knowhow.bench").joinpath("suite.yaml")))



class SuiteError(Exception):
    """The suite file cannot be used; carries located problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.text() for p in problems))


@dataclass(frozen=True)
class Profile:
    """One named profile: sizes (leading-axis length per dataset), codecs, repetitions, limits."""

    name: str
    datasets: dict[str, int]
    codecs: tuple[str, ...]
    reps: int = 3
    timeout_s: int = 120
    budget_s: int = 0
    description: str = ""
    dimensions: dict = field(default_factory=dict)  # the engineer's questions: threads, direct, chunking
    exposure: dict = field(default_factory=dict)  # ratio against counts per pixel: levels, codecs, frames


def load_suite(path: str | Path | None = None) -> dict[str, Profile]:
    """Profiles by name; SuiteError naming file, line and field for anything unknown or mistyped."""
    loaded = load_file(path if path is not None else bundled_suite())
    problems = list(loaded.problems)
    if not loaded.ok:
        raise SuiteError([p for p in problems if p.severity == "error"] or problems)
    shown = loaded.path
    data = loaded.data
    out: dict[str, Profile] = {}

    def bad(pointer: str, code: str, message: str, hint: str = "") -> None:
        problems.append(Problem(shown, loaded.line(pointer), pointer, code, message, hint))

    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict) or not profiles:
        bad("/profiles", "missing", "no profiles defined", "add profiles: {quick: {...}}")
        raise SuiteError(problems)
    known_codecs = {c.name for c in CODECS}
    known_data = {d.name for d in DATASETS}
    for name, body in profiles.items():
        ptr = f"/profiles/{name}"
        if not isinstance(body, dict):
            bad(ptr, "type", "a profile is a mapping")
            continue
        datasets = body.get("datasets") or {}
        for ds, size in datasets.items():
            if ds not in known_data:
                bad(f"{ptr}/datasets/{ds}", "unknown-dataset", f"unknown dataset {ds!r}", _near(ds, known_data))
            elif not isinstance(size, int) or size < 1:
                bad(f"{ptr}/datasets/{ds}", "type", "size must be a positive integer (frames or samples)")
        codecs = body.get("codecs") or []
        if codecs == "all":
            codecs = [c.name for c in CODECS]
        for i, c in enumerate(codecs):
            if c not in known_codecs:
                bad(f"{ptr}/codecs/{i}", "unknown-codec", f"unknown codec {c!r}", _near(c, known_codecs))
        ints = {}
        for key, default in (("reps", 3), ("timeout_s", 120), ("budget_s", 0)):
            value = body.get(key, default)
            if not isinstance(value, int) or value < 0:
                bad(f"{ptr}/{key}", "type", f"{key} must be a non-negative integer")
                value = default
            ints[key] = value
        dims = body.get("dimensions") or {}
        for key in ("direct", "threads_codecs", "chunk_codecs"):
            for i, c in enumerate(dims.get(key) or []):
                if c not in known_codecs:
                    bad(f"{ptr}/dimensions/{key}/{i}", "unknown-codec", f"unknown codec {c!r}", _near(c, known_codecs))
        for i, ds in enumerate(dims.get("datasets") or []):
            if ds not in known_data:
                bad(f"{ptr}/dimensions/datasets/{i}", "unknown-dataset", f"unknown dataset {ds!r}",
                    _near(ds, known_data))
        unknown_keys = set(dims) - {"datasets", "threads", "threads_codecs", "direct", "chunking", "chunk_codecs"}
        for key in sorted(unknown_keys):
            bad(f"{ptr}/dimensions/{key}", "unknown-key", f"unknown dimension {key!r}",
                "use datasets, threads, threads_codecs, direct, chunking, chunk_codecs")
        exposure = body.get("exposure") or {}
        for i, level in enumerate(exposure.get("levels") or []):
            try:
                ok = float(level) > 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                bad(f"{ptr}/exposure/levels/{i}", "type", "a level is a positive number of counts per pixel")
        for i, c in enumerate(exposure.get("codecs") or []):
            if c not in known_codecs:
                bad(f"{ptr}/exposure/codecs/{i}", "unknown-codec", f"unknown codec {c!r}", _near(c, known_codecs))
        out[name] = Profile(name, dict(datasets), tuple(codecs), ints["reps"], ints["timeout_s"], ints["budget_s"],
                            str(body.get("description", "")), dict(dims), dict(exposure))
    if any(p.severity == "error" for p in problems):
        raise SuiteError(problems)
    return out


def _near(word: str, choices: set[str]) -> str:
    match = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean {match[0]!r}?" if match else "see `knowhow bench --list`"
