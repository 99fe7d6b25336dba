"""Find and read the registry's files: `<root>/{curated,harvested}/<kind>/<id>.yaml`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .hints import kind_named
from .merge import Merged, merge
from .model import KINDS
from .problems import Problem
from .yamlio import Loaded, load_file

ORIGINS = ("curated", "harvested")


@dataclass
class RecordFile:
    kind: str
    origin: str
    path: Path
    shown: str  # path as printed in messages, relative to the working directory when possible
    loaded: Loaded

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class Registry:
    """Every file read, and the merged records grouped by kind and id."""

    root: Path
    files: list[RecordFile] = field(default_factory=list)
    records: dict[str, dict[str, Merged]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def published(self, kind: str) -> list[Merged]:
        """Records of one kind that the site shows, sorted by id."""
        return [m for _, m in sorted(self.records.get(kind, {}).items()) if not m.hidden]

    def get(self, kind: str, record_id: str) -> Merged | None:
        return self.records.get(kind, {}).get(record_id)


def shown_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def discover(root: Path) -> tuple[list[tuple[str, str, Path]], list[Problem]]:
    """All record files under root, sorted, plus problems with stray files and folders."""
    found: list[tuple[str, str, Path]] = []
    problems: list[Problem] = []
    for origin in ORIGINS:
        base = root / origin
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            if entry.name.startswith("."):
                continue
            if not entry.is_dir() or entry.name not in KINDS:
                meant = kind_named(entry.name, KINDS) if entry.is_dir() else None
                hint = f"rename it to {meant}/" if meant else f"use one of: {', '.join(KINDS)}"
                problems.append(Problem(shown_path(entry), None, "", "unknown-kind",
                                        f"'{entry.name}' is not a record kind folder", hint))
                continue
            for f in sorted(entry.iterdir()):
                if f.name.startswith("."):
                    continue
                if f.suffix == ".yml":
                    problems.append(Problem(shown_path(f), None, "", "wrong-extension",
                                            "record files end in .yaml", f"rename to {f.stem}.yaml"))
                elif f.suffix != ".yaml" or not f.is_file():
                    problems.append(Problem(shown_path(f), None, "", "stray-file",
                                            "not a record file", "remove it or move it out of the registry",
                                            "warning"))
                else:
                    found.append((entry.name, origin, f))
    return found, problems


def read(root: str | Path) -> Registry:
    """Read every file and merge curated with harvested by (kind, id); never raises for bad files."""
    root = Path(root)
    reg = Registry(root)
    found, reg.problems = discover(root)
    pairs: dict[tuple[str, str], dict[str, RecordFile]] = {}
    for kind, origin, path in found:
        shown = shown_path(path)
        rf = RecordFile(kind, origin, path, shown, load_file(path, shown))
        reg.files.append(rf)
        reg.problems.extend(rf.loaded.problems)
        if not rf.loaded.ok:
            continue
        if not isinstance(rf.loaded.data, dict):
            reg.problems.append(Problem(shown, rf.loaded.line(""), "", "not-a-mapping",
                                        "a record file holds one mapping of field: value",
                                        "start from `knowhow new " + kind + "`"))
            continue
        record_id = rf.loaded.data.get("id")
        key = str(record_id) if isinstance(record_id, str) and record_id else path.stem
        pairs.setdefault((kind, key), {}).setdefault(origin, rf)
    for (kind, rid), by_origin in sorted(pairs.items()):
        cur, har = by_origin.get("curated"), by_origin.get("harvested")
        reg.records.setdefault(kind, {})[rid] = merge(
            kind, rid,
            cur.loaded.data if cur else None, har.loaded.data if har else None,
            cur.shown if cur else None, har.shown if har else None)
    return reg
