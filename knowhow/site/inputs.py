"""Everything the page generator needs, gathered at the edge (files, git); the generator stays pure."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..registry.merge import Merged
from ..registry.model import KINDS
from ..registry.store import Registry
from ..registry.yamlio import load_file

log = logging.getLogger(__name__)

REPO_URL = "https://github.com/leaps-wg3/knowhow"
SITE_URL = "https://leaps-wg3.github.io/knowhow/"
# Written by the harvester (knowhow.harvest.store.State) and the link checker (knowhow.links.state).
HARVEST_STATE = "harvest/state.json"
HARVEST_SOURCES = "harvest/sources.yaml"
LINK_STATUS = "harvest/link-status.json"

@dataclass
class SiteInput:
    """The merged registry plus the facts around it that pages show."""

    registry: Registry
    today: date
    repo_url: str = REPO_URL
    site_url: str = SITE_URL
    branch: str = "main"
    edit_paths: dict[tuple[str, str], str] = field(default_factory=dict)  # repo-relative YAML path
    updated: dict[tuple[str, str], str] = field(default_factory=dict)  # ISO date of the last change
    link_status: dict[str, str] = field(default_factory=dict)  # url -> broken | inconclusive | ok
    stale: dict[str, dict[str, str]] = field(default_factory=dict)  # "kind/id" -> {stale_since, source, error}
    schemas: dict[str, str] = field(default_factory=dict)  # kind -> JSON text
    compression_md: str | None = None
    compression_files: dict[str, bytes] = field(default_factory=dict)  # results offered for download
    issue_forms: list[tuple[str, str]] = field(default_factory=list)  # (file name, form name)

    def edit_url(self, rec: Merged) -> str | None:
        path = self.edit_paths.get((rec.kind, rec.id))
        return f"{self.repo_url}/edit/{self.branch}/{path}" if path and self.repo_url else None


def gather(reg: Registry, repo_root: Path, today: date | None = None, repo_url: str = REPO_URL,
           site_url: str = SITE_URL) -> SiteInput:
    """Read the files around the registry (all optional) into a SiteInput."""
    repo_root = repo_root.resolve()
    inp = SiteInput(reg, today or datetime.now(UTC).date(), repo_url, site_url)
    inp.edit_paths = {(r.kind, r.id): edit_path(r, reg.root, repo_root)
                      for recs in reg.records.values() for r in recs.values()}
    inp.updated = last_changes(reg, repo_root, inp.edit_paths)
    inp.link_status = read_link_status(repo_root / LINK_STATUS)
    inp.stale = read_stale(repo_root / HARVEST_STATE, repo_root / HARVEST_SOURCES, inp.today)
    inp.schemas = read_schemas(reg.root)
    inp.compression_md = compression_markdown(repo_root / "codecs" / "results")
    inp.compression_files = compression_files(repo_root / "codecs" / "results") if inp.compression_md else {}
    inp.issue_forms = issue_forms(repo_root / ".github" / "ISSUE_TEMPLATE")
    return inp


def edit_path(rec: Merged, registry_root: Path, repo_root: Path) -> str:
    """The repository path of the file a contributor edits (curated if any, else harvested)."""
    rel = _repo_rel(rec.path, repo_root)
    if rel:
        return rel
    absolute = os.path.abspath(rec.path)
    base = os.path.abspath(registry_root) + os.sep
    if absolute.startswith(base):
        return "registry/" + Path(absolute[len(base):]).as_posix()
    return f"registry/curated/{rec.kind}/{rec.id}.yaml"


def last_changes(reg: Registry, repo_root: Path, edit_paths: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Date of each record's last change: the newest of its harvested provenance dates and the
    last commit touching its files (one `git log` call; nothing if the registry is not in git)."""
    commits = git_file_dates(repo_root, reg.root)
    out: dict[tuple[str, str], str] = {}
    for kind, recs in reg.records.items():
        for rid, rec in recs.items():
            dates = [o.changed[:10] for o in rec.provenance.values() if o.changed]
            if commits:
                for p in (rec.curated_path, rec.harvested_path):
                    hit = commits.get(_repo_rel(p, repo_root)) if p else None
                    if hit:
                        dates.append(hit)
            if dates:
                out[(kind, rid)] = max(dates)
    return out


def _repo_rel(shown: str, repo_root: Path) -> str:
    """shown (relative to the working directory, or absolute) relative to the repository, or ''.

    String arithmetic on absolute paths: resolving 10,000 paths costs a second of system calls.
    """
    absolute = os.path.abspath(shown)
    base = str(repo_root) + os.sep
    return Path(absolute[len(base):]).as_posix() if absolute.startswith(base) else ""


def git_file_dates(repo_root: Path, registry_root: Path) -> dict[str, str]:
    """Repository path -> ISO date of the newest commit that touched it."""
    try:
        registry_rel = registry_root.resolve().relative_to(repo_root)
    except ValueError:
        return {}
    if not (repo_root / ".git").exists():
        return {}
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo_root), "log", "--format=%x1e%cs", "--name-only", "--no-renames", "--",
             str(registry_rel)], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("git history unavailable: %s", exc)
        return {}
    dates: dict[str, str] = {}
    for chunk in proc.stdout.split("\x1e"):
        lines = [line for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        day = lines[0].strip()
        for name in lines[1:]:
            dates.setdefault(name.strip(), day)  # newest commit first
    return dates


def _load_any(path: Path) -> Any:
    if path.suffix != ".json":
        loaded = load_file(path)
        for problem in loaded.problems:
            log.warning("%s", problem.text())
        return loaded.data if loaded.ok else None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored (%s)", path, exc)
        return None


def read_link_status(path: Path) -> dict[str, str]:
    """url -> broken | inconclusive | ok from the link checker's history, if there is one.

    `broken` is the checker's verdict (failed several runs in a row); a dead link not yet
    confirmed, or an inconclusive check, shows as unverified.
    """
    if not path.is_file():
        return {}
    data = _load_any(path)
    links = data.get("links") if isinstance(data, dict) else None
    if not isinstance(links, dict):
        log.warning("%s: not a link-status file; link badges left out", path)
        return {}
    out = {}
    for url, entry in links.items():
        if not isinstance(url, str) or not isinstance(entry, dict):
            continue
        status = entry.get("status")
        if entry.get("broken"):
            out[url] = "broken"
        elif status in ("dead", "inconclusive"):
            out[url] = "inconclusive"
        elif status in ("alive", "redirect"):
            out[url] = "ok"
    return out


def read_stale(state_path: Path, sources_path: Path, today: date) -> dict[str, dict[str, str]]:
    """"kind/id" -> {stale_since, source, error} for records of failing sources (the harvester's rule)."""
    if not state_path.is_file() or not sources_path.is_file():
        return {}
    try:
        from ..harvest.config import ConfigError, load
        from ..harvest.store import State
    except ImportError as exc:  # the harvest stage is optional for the site
        log.info("harvest state not read: %s", exc)
        return {}
    try:
        config = load(sources_path)
    except (ConfigError, OSError) as exc:
        log.warning("%s: unreadable (%s); stale badges left out", sources_path, str(exc).splitlines()[0])
        return {}
    return State.load(state_path).freshness(config.sources, today)


def read_schemas(registry_root: Path) -> dict[str, str]:
    """The committed JSON Schemas, or freshly generated ones where a file is missing."""
    from ..registry.schemas import render

    out = {}
    for kind in KINDS:
        path = registry_root / "schemas" / f"{kind}.schema.json"
        out[kind] = path.read_text(encoding="utf-8") if path.is_file() else render(kind)
    return out


def compression_markdown(results_dir: Path) -> str | None:
    """The benchmark's results page, or None when there are no results (or no renderer yet)."""
    if not results_dir.is_dir() or not any(results_dir.iterdir()):
        return None
    try:
        from ..bench.page import (
            render_results_markdown,  # written by the benchmark stage
        )
    except ImportError as exc:
        log.info("compression results not rendered: %s", exc)
        return None
    try:
        text = render_results_markdown(results_dir)
    except Exception as exc:  # noqa: BLE001 - a broken results file must not take the site down
        log.warning("compression results not rendered: %s", exc)
        return None
    return text if isinstance(text, str) and text.strip() else None


def compression_files(results_dir: Path) -> dict[str, bytes]:
    """The benchmark's results files (CSV, JSON, schema, data package), published beside its page."""
    from ..bench.page import result_files

    return {f"compression/data/{name}": data for name, data in result_files(results_dir).items()}


def issue_forms(folder: Path) -> list[tuple[str, str]]:
    """(file name, form name) of every GitHub issue form in the repository."""
    out = []
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.suffix in (".yml", ".yaml") and f.stem != "config":
                data = _load_any(f)
                name = data.get("name") if isinstance(data, dict) else None
                out.append((f.name, str(name or f.stem)))
    return out


def env_today() -> date | None:
    """KNOWHOW_TODAY=YYYY-MM-DD pins 'today' (reproducible builds, tests)."""
    value = os.environ.get("KNOWHOW_TODAY")
    return date.fromisoformat(value) if value else None
