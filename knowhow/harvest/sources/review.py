"""Cross-checks: curated software facts against what their sources say now.

`type: review`, `kind: software`. For every curated software record it asks the code host (GitHub
or a configured GitLab), PyPI, conda-forge and the homepage, and writes what contradicts the
curated record as `review` flags on the harvested twin: a licence the repository declares
differently, an archived repository, a repository that moved (renamed or transferred, or a frozen
copy whose description says where it went), a homepage that redirects to another host or is gone,
a PyPI or conda-forge name that does not exist. Flags are shown on the record page as "needs
review", listed in the run report and by `knowhow review`; curated data is never changed.

Each probe is independent: one that cannot be asked (host down, rate limit) is reported as a
problem and its checks are skipped, never turned into a flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from ...sanitize import clean_line
from ..base import Adapter, NotFound, RateLimited, SourceError, WrongAnswer
from . import values as v
from .targets import RepoRef, api_root, github_ref, gitlab_ref, records_of

GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
_MOVED = re.compile(r"\b(moved|migrated|relocated|moving|new home|now (?:lives|hosted|developed|maintained))\b", re.I)
_WHERE = re.compile(r"https?://[^\s)>\]'\"]+|\b(?:gitlab\.[a-z.]+|codeberg\.org|github\.com|bitbucket\.org)/[\w./-]+",
                    re.I)
ACTIVE = ("active", "maintained")


# --------------------------------------------------------------------------- flags (pure)

def flag(code: str, field: str, message: str, evidence: str | None = None) -> dict[str, str]:
    out = {"code": code, "field": field, "message": clean_line(message, 300)}
    if evidence:
        out["evidence"] = clean_line(evidence, 300)
    return out


def _family(licence: str) -> tuple[str, str]:
    """('GPL-3.0', 'only'|'or-later'|'') for one SPDX id; deprecated bare ids are unspecific."""
    lid = licence.strip()
    for suffix, kind in (("-or-later", "or-later"), ("+", "or-later"), ("-only", "only")):
        if lid.endswith(suffix):
            return lid[: -len(suffix)].lower(), kind
    return lid.lower(), ""


def _ids(expression: str) -> list[str]:
    return [p for p in re.split(r"\s+(?:OR|AND|WITH)\s+|[()\s]+", expression) if p and not p.endswith("-exception")]


def _declared(licence: str) -> tuple[str, str]:
    """(family, specificity) of a licence as a host states it: canonical family, the host's own suffix."""
    _, kind = _family(licence)
    family, _ = _family(v.spdx(licence) or licence)
    return family, kind


def shown(licence: str) -> str:
    """A host's licence id for people: canonical SPDX, without a specificity the host did not state."""
    _, kind = _declared(licence)
    canonical = v.spdx(licence) or v.spdx(licence + "-only") or licence
    return canonical if kind else canonical.removesuffix("-only").removesuffix("-or-later")


def licence_conflict(curated: str | None, declared: str | None) -> str | None:
    """Why a declared licence contradicts the curated one, or None when they agree or one is unknown.

    Hosts detect the licence text, not the header's "or any later version": a bare `GPL-3.0`
    agrees with both `GPL-3.0-only` and `GPL-3.0-or-later`. A declared `-only` against a
    curated `-or-later` (or the reverse) is a conflict. Any licence of a curated dual-licence
    expression agrees.
    """
    if not curated or not declared or declared.startswith("LicenseRef-"):
        return None
    wanted = [_family(v.spdx(x) or x) for x in _ids(curated)]
    for lic in _ids(declared):
        fam, kind = _declared(lic)
        same = [k for f, k in wanted if f == fam]
        if not same:
            return f"the record says '{curated}' but the source declares '{shown(declared)}'"
        if kind and all(k and k != kind for k in same):
            return f"the record says '{curated}' but the source declares '{declared}' (check the source headers)"
    return None


def moved_to(asked: RepoRef, answer: Mapping[str, Any], full_name_key: str, url_key: str) -> str | None:
    """Where a repository went: another owner/name after a redirect, or a description that says so."""
    full = answer.get(full_name_key)
    if isinstance(full, str) and full.lower() != asked.path.lower():
        return str(answer.get(url_key) or full)
    description = answer.get("description")
    if isinstance(description, str) and _MOVED.search(description):
        where = _WHERE.search(description)
        return where.group(0) if where else description
    return None


def repo_flags(rec: Mapping[str, Any], asked: RepoRef, answer: Mapping[str, Any], declared: str | None,
               full_name_key: str, url_key: str, evidence: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    status = rec.get("status")
    if answer.get("archived") is True and status not in ("archived", "legacy"):
        said = f"'{status}'" if status else "no status"
        out.append(flag("archived", "status", f"the repository is archived but the record has {said}", evidence))
    where = moved_to(asked, answer, full_name_key, url_key)
    if where:
        out.append(flag("moved", "repository", f"the repository at {rec.get('repository')} has moved", where))
    conflict = licence_conflict(rec.get("license"), declared)
    if conflict:
        out.append(flag("licence-mismatch", "license", conflict, evidence))
    elif declared and not rec.get("license") and (v.spdx(declared) or v.spdx(declared + "-only")):
        out.append(flag("licence-missing", "license", f"the record has no licence; the repository declares "
                                                      f"'{shown(declared)}'", evidence))
    return out


def pypi_licence(project: Mapping[str, Any]) -> str | None:
    """The SPDX licence a PyPI release declares: `license_expression` (PEP 639), or a `license` that is an id."""
    info = project.get("info") if isinstance(project.get("info"), Mapping) else {}
    for key in ("license_expression", "license"):
        declared = spdx_expression(info.get(key))
        if declared and "\n" not in declared:
            return declared
    return None


def spdx_expression(value: Any) -> str | None:
    """A declared licence, stripped, when every id in it is SPDX; free text is no evidence."""
    text = value.strip() if isinstance(value, str) else ""
    return text if text and all(v.spdx(p) for p in _ids(text)) else None


def same_site(a: str, b: str) -> bool:
    """Same host (and port), ignoring `www.` and http -> https: such a redirect is housekeeping."""
    def site(url: str) -> str:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
        return (parts.hostname or "").lower().removeprefix("www.") + port
    return site(a) == site(b)


# --------------------------------------------------------------------------- adapter

class Review(Adapter):
    """`type: review`; params: `github_api`, `gitlab` ({web host: API base}), `pypi`, `conda`, `homepages`."""

    type: ClassVar[str] = "review"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        p = self.config.params
        self.github_api = str(p.get("github_api") or self.config.base_url).rstrip("/") + "/"
        self.gitlabs = {str(h).lower(): api_root(str(u), "api/v4") for h, u in (p.get("gitlab") or {}).items()}
        self.pypi = api_root(str(p["pypi"]), "pypi") if p.get("pypi") else None
        self.conda = api_root(str(p["conda"]), "package/conda-forge") if p.get("conda") else None
        self.homepages = bool(p.get("homepages", True))
        self.blocked: set[str] = set()  # hosts that rate-limited us: not asked again this run

    def records(self) -> Iterator[dict[str, Any]]:
        for sid, rec in records_of(self.context, "software"):
            flags: list[dict[str, str]] = []
            flags += self._repository(sid, rec)
            flags += self._packages(sid, rec)
            flags += self._homepage(sid, rec)
            record: dict[str, Any] = {"id": sid}
            if flags:
                record["review"] = sorted(flags, key=lambda f: (f["field"], f["code"]))
            yield record

    # ------------------------------------------------------------------ probes

    def _ask(self, sid: str, url: str, what: str, headers: Mapping[str, str] | None = None,
             expect: str = "json") -> Any:
        """The answer, None when the resource does not exist; raises _Skip when it cannot be asked."""
        host = urlsplit(url).netloc
        if host in self.blocked:
            raise _Skip
        try:
            resp = self.http.get(url, headers=headers, expect=expect)
            return resp.json() if expect == "json" else resp
        except NotFound:
            return None
        except RateLimited as exc:
            self.blocked.add(host)
            self.problem(f"{host}: rate limited ({exc}); its checks are skipped for the rest of the run")
            raise _Skip from None
        except SourceError as exc:
            self.problem(f"{sid}: {what} not checked: {clean_line(str(exc), 200)}")
            raise _Skip from None

    def _repository(self, sid: str, rec: Mapping[str, Any]) -> list[dict[str, str]]:
        url = rec.get("repository")
        ref = github_ref(url)
        try:
            if ref and ref.name:
                answer = self._ask(sid, f"{self.github_api}repos/{ref.owner}/{ref.name}", "repository", GITHUB_HEADERS)
                if answer is None:
                    return [flag("repository-gone", "repository", f"{url} does not exist (404)", str(url))]
                licence = answer.get("license") if isinstance(answer.get("license"), dict) else {}
                return repo_flags(rec, ref, answer, _raw(licence.get("spdx_id")), "full_name", "html_url",
                                  str(answer.get("html_url") or url))
            host = (urlsplit(str(url or "")).hostname or "").lower().removeprefix("www.")
            api = self.gitlabs.get(host)
            ref = gitlab_ref(url, host) if api else None
            if ref and ref.name:
                answer = self._ask(sid, f"{api}projects/{quote(ref.path, safe='')}?license=true", "repository")
                if answer is None:
                    return [flag("repository-gone", "repository", f"{url} does not exist (404)", str(url))]
                licence = answer.get("license") if isinstance(answer.get("license"), dict) else {}
                return repo_flags(rec, ref, answer, _raw(licence.get("key")), "path_with_namespace", "web_url",
                                  str(answer.get("web_url") or url))
        except _Skip:
            pass
        return []

    def _packages(self, sid: str, rec: Mapping[str, Any]) -> list[dict[str, str]]:
        packages = rec.get("packages") if isinstance(rec.get("packages"), Mapping) else {}
        out: list[dict[str, str]] = []
        name = packages.get("pypi")
        if self.pypi and isinstance(name, str):
            out += self._package(sid, rec, name, f"{self.pypi}{quote(name, safe='')}/json", "PyPI",
                                 "pypi-missing", "PyPI has no project", f"https://pypi.org/project/{name}/",
                                 lambda project: ((project.get("info") or {}).get("name"), pypi_licence(project)))
        name = packages.get("conda_forge")
        if self.conda and isinstance(name, str):
            out += self._package(sid, rec, name, f"{self.conda}{quote(name, safe='')}", "conda-forge",
                                 "conda-forge-missing", "conda-forge has no package",
                                 f"https://anaconda.org/conda-forge/{name}",
                                 lambda package: (package.get("name"), spdx_expression(package.get("license"))))
        return out

    def _package(self, sid: str, rec: Mapping[str, Any], name: str, api: str, host: str, missing: str,
                 absent: str, page: str, read: Any) -> list[dict[str, str]]:
        """One package index probe: the name exists, is the one asked for, and states no other licence.

        `read(answer)` gives the name the index answered with and its licence (None when unusable)."""
        try:
            answer = self._ask(sid, api, f"{host} name")
        except _Skip:
            return []
        if answer is None:
            return [flag(missing, "packages", f"{absent} named '{name}'", page)]
        if not isinstance(answer, Mapping):
            return []
        answered, licence = read(answer)
        _same_name(page, name, answered)
        conflict = licence_conflict(rec.get("license"), licence) if licence else None
        return [flag("licence-mismatch", "license", conflict.replace("the source", host), page)] if conflict else []

    def _homepage(self, sid: str, rec: Mapping[str, Any]) -> list[dict[str, str]]:
        from ...links.check import DEAD, REDIRECT, check

        url = rec.get("homepage")
        if not self.homepages or not isinstance(url, str) or urlsplit(url).netloc in self.blocked:
            return []
        result = check(self.http, url)  # type: ignore[arg-type]
        if result.status == REDIRECT and result.final_url and not same_site(url, result.final_url):
            return [flag("homepage-moved", "homepage", "the homepage redirects to another site", result.final_url)]
        if result.status == DEAD and result.definite:
            return [flag("homepage-gone", "homepage", f"the homepage is gone ({result.reason})", url)]
        if result.status == DEAD:
            self.problem(f"{sid}: homepage not checked: {result.reason}")
        return []


def _same_name(page: str, asked: str, answered: Any) -> None:
    """An answer about another package than the one asked for is not evidence about ours."""
    def norm(name: Any) -> str:
        return re.sub(r"[-_.]+", "-", str(name or "")).lower()
    if answered is not None and norm(answered) != norm(asked):
        where = page.removeprefix("https://").rstrip("/")
        raise WrongAnswer(f"{where}: the answer is about {str(answered)[:100]!r}; nothing taken")


def _raw(value: Any) -> str | None:
    """A host's licence id as stated (no NOASSERTION / other), kept unspecific for `licence_conflict`."""
    label = v.licence_label(value)
    return clean_line(value, 100) if label and isinstance(value, str) else None


class _Skip(Exception):
    """A probe that could not be asked: its checks are skipped (already reported)."""
