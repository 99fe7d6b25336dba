"""PyPI: latest version and its release date for software with `packages.pypi`.

One `GET /pypi/{name}/json` per package; PyPI's CDN sends an ETag, so an unchanged project
costs a 304 on the next run.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Iterator
from urllib.parse import quote

from ..base import Adapter, BadResponse, NotFound, WrongAnswer
from . import values as v
from .targets import api_root, records_of

FACTS = ("pypi_version", "pypi_release_date")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}$")


def normalise_name(name: Any) -> str | None:
    """The PEP 503 form of a project name, or None when it cannot be a PyPI name."""
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        return None
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def release_facts(project: dict[str, Any]) -> dict[str, Any]:
    """SoftwareFacts from `/pypi/{name}/json`: `info.version` and the first upload of its files."""
    info = project.get("info") if isinstance(project.get("info"), dict) else {}
    version = info.get("version")
    if not isinstance(version, str) or not _VERSION.match(version.strip()):
        return {}
    files = project.get("urls")
    if not isinstance(files, list) or not files:
        releases = project.get("releases") if isinstance(project.get("releases"), dict) else {}
        files = releases.get(version) or []
    uploads = [v.when(f.get("upload_time_iso_8601") or f.get("upload_time"))
               for f in files if isinstance(f, dict) and not f.get("yanked")]
    uploads = [u for u in uploads if u]
    return v.compact({"pypi_version": version.strip(), "pypi_release_date": min(uploads) if uploads else None})


def release_extras(project: dict[str, Any]) -> dict[str, Any]:
    info = project.get("info") if isinstance(project.get("info"), dict) else {}
    return {"license": v.spdx(info.get("license_expression")) or v.spdx(info.get("license"))}


class PyPI(Adapter):
    """`type: pypi`, `kind: software`; base_url `https://pypi.org/` (or its JSON API root `.../pypi/`)."""

    type: ClassVar[str] = "pypi"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software",)
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"software": FACTS}

    def records(self) -> Iterator[dict[str, Any]]:
        base = api_root(self.config.base_url, "pypi")
        fetched: dict[str, dict[str, Any] | None] = {}
        for sid, rec in records_of(self.context, "software"):
            raw = (rec.get("packages") or {}).get("pypi") if isinstance(rec.get("packages"), dict) else None
            if raw is None:
                continue
            name = normalise_name(raw)
            if name is None:
                self.problem(f"{sid}: {raw!r} is not a PyPI project name")
                continue
            if name not in fetched:
                fetched[name] = self._project(base, name)
            project = fetched[name]
            if project is None:
                continue
            facts = release_facts(project)
            if not facts:
                self.problem(f"pypi.org/project/{name}: no usable version in the answer")
                continue
            yield {"id": sid, **v.missing_only(rec, release_extras(project)), "facts": facts}

    def _project(self, base: str, name: str) -> dict[str, Any] | None:
        try:
            body = self.http.get(f"{base}{quote(name, safe='')}/json").json()
        except NotFound:
            self.problem(f"pypi.org/project/{name}: no such project")
            return None
        if not isinstance(body, dict):
            raise BadResponse(f"PyPI answered a non-object for {name}")
        found = normalise_name((body.get("info") or {}).get("name") if isinstance(body.get("info"), dict) else None)
        if found != name:
            raise WrongAnswer(f"pypi.org/project/{name}: the answer is about {found or 'no project'!r}; nothing taken")
        return body
