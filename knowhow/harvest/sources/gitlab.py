"""GitLab (gitlab.com and facility GitLabs): project facts for software, group activity for collaborations.

One source instance per GitLab host. Its `base_url` is the site or its API root
(`https://gitlab.com/` or `https://gitlab.com/api/v4/`, a facility GitLab, a mirror); `params.host`
is the web host whose repository URLs in
the registry belong to it (default: the host of base_url), so tests and mirrors can point
base_url anywhere. Projects are addressed by their URL-encoded path (`group%2Fsub%2Fproject`).

Per project: `GET /projects/:path?license=true`, the default branch head and the newest
release. A collaboration repository URL that is not a project is listed as a group
(`/groups/:path/projects?include_subgroups=true`, `X-Next-Page` / Link pages).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator
from urllib.parse import quote, urlsplit

from ..base import Adapter, BadResponse, NotFound, WrongAnswer
from . import values as v
from .citation import CffError, citation, decode_content
from .targets import RepoRef, api_root, gitlab_ref, records_of

SOFTWARE_FACTS = ("stars", "forks", "open_issues", "archived", "last_commit", "latest_release",
                  "latest_release_date", "repository_license", "topics", "citation")
COLLABORATION_FACTS = ("repositories", "stars", "last_activity")


# --------------------------------------------------------------------------- mapping (pure)

def project_url(api: str, path: str) -> str:
    """`{api}projects/group%2Fproject`: GitLab wants the whole path as one encoded segment."""
    return f"{api}projects/{quote(path, safe='')}"


def project_facts(project: dict[str, Any], branch: dict[str, Any] | None = None,
                  releases: list[Any] | None = None) -> dict[str, Any]:
    """SoftwareFacts from `/projects/:id`, `/repository/branches/:default` and `/releases` (newest first).

    Anonymous answers on older GitLabs lack `open_issues_count` and `archived`; those facts are
    then simply not stated.
    """
    licence = project.get("license") if isinstance(project.get("license"), dict) else {}
    commit = (branch or {}).get("commit") if isinstance((branch or {}).get("commit"), dict) else {}
    release = next((r for r in releases or [] if isinstance(r, dict) and not r.get("upcoming_release")), {})
    topics = project.get("topics") if isinstance(project.get("topics"), list) else project.get("tag_list")
    return v.compact({
        "stars": v.count(project.get("star_count")),
        "forks": v.count(project.get("forks_count")),
        "open_issues": v.count(project.get("open_issues_count")),
        "archived": project.get("archived") if isinstance(project.get("archived"), bool) else None,
        "last_commit": v.when(commit.get("committed_date") or commit.get("authored_date")),
        "latest_release": v.text(release.get("tag_name") or release.get("name"), 100),
        "latest_release_date": v.when(release.get("released_at") or release.get("created_at")),
        "repository_license": v.spdx(licence.get("key")) or v.text(licence.get("name"), 100),
        "topics": v.topics(topics),
    })


def check_project(host: str, ref: RepoRef, project: dict[str, Any]) -> None:
    """The answer must be the project asked for (GitLab redirects renamed projects): WrongAnswer otherwise."""
    found = project.get("path_with_namespace")
    if not isinstance(found, str) or found.lower() != ref.path.lower():
        raise WrongAnswer(f"{host}/{ref.path}: the answer is about {str(found)[:100]!r} (renamed or moved? update "
                          "the curated repository URL); nothing taken")


def project_extras(project: dict[str, Any]) -> dict[str, Any]:
    licence = project.get("license") if isinstance(project.get("license"), dict) else {}
    return {"license": v.spdx(licence.get("key"))}


def activity_facts(projects: list[dict[str, Any]]) -> dict[str, Any]:
    """CollaborationFacts from project objects (forks left out when GitLab says so)."""
    own: dict[str, dict[str, Any]] = {}
    for p in projects:
        if not isinstance(p, dict) or p.get("forked_from_project"):
            continue
        key = str(p.get("path_with_namespace") or p.get("id") or "").lower()
        if key:
            own[key] = p
    return v.compact({
        "repositories": len(own),
        "stars": sum(v.count(p.get("star_count")) or 0 for p in own.values()),
        "last_activity": v.latest(v.when(p.get("last_activity_at")) for p in own.values()),
    })


# --------------------------------------------------------------------------- iteration

class GitLab(Adapter):
    """`type: gitlab`; `kind: software` or `kind: collaborations`.

    params: `host` (web host of the registry URLs, default base_url's host), `max_pages`
    (group listing, default 50), `token_env` / `token_header: PRIVATE-TOKEN` (transport).
    """

    type: ClassVar[str] = "gitlab"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software", "collaborations")
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"software": SOFTWARE_FACTS,
                                                   "collaborations": COLLABORATION_FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api = api_root(self.config.base_url, "api/v4")
        self.host = str(self.config.params.get("host") or urlsplit(self.config.base_url).hostname or "").lower()

    def records(self) -> Iterator[dict[str, Any]]:
        if self.config.kind == "software":
            yield from self._software()
        else:  # "collaborations": the base class refuses any other kind
            yield from self._collaborations()

    # ------------------------------------------------------------------ software

    def _software(self) -> Iterator[dict[str, Any]]:
        done: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, str]] | None] = {}
        for sid, rec in records_of(self.context, "software"):
            ref = gitlab_ref(rec.get("repository"), self.host)
            if ref is None or not ref.name:
                continue
            if ref.key not in done:
                done[ref.key] = self._project_facts(ref)
            if done[ref.key] is not None:
                facts, extras, errors = done[ref.key]  # type: ignore[misc]
                yield {"id": sid, **v.missing_only(rec, extras), "facts": facts, **({"_errors": errors} if errors else {})}

    def _project_facts(self, ref: RepoRef) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]] | None:
        url = project_url(self.api, ref.path)
        try:
            project = self.get_object(url, {"license": "true"})
        except NotFound:
            self.problem(f"{self.host}/{ref.path}: project not found")
            return None
        check_project(self.host, ref, project)
        branch = None
        if project.get("default_branch"):
            branch = self.get_optional(f"{url}/repository/branches/{quote(str(project['default_branch']), safe='')}")
        try:
            releases = self.http.get(f"{url}/releases",
                                     params={"per_page": 1, "order_by": "released_at", "sort": "desc"}).json()
        except NotFound:
            releases = []
        if not isinstance(releases, list):
            raise BadResponse(f"{url}/releases: expected a JSON array")
        facts, errors = project_facts(project, branch, releases), {}
        if project.get("default_branch"):
            cff = self.get_optional(f"{url}/repository/files/CITATION.cff",
                                    {"ref": str(project["default_branch"])})
            if cff is not None:
                try:
                    facts["citation"] = citation(decode_content(cff))
                except CffError as exc:
                    errors["facts.citation"] = str(exc)  # the last good citation is kept
                    self.problem(f"{self.host}/{ref.path}: {exc}", item=f"{self.host}/{ref.path}", code="unreadable")
        return facts, project_extras(project), errors

    # ------------------------------------------------------------------ collaborations

    def _collaborations(self) -> Iterator[dict[str, Any]]:
        listed: dict[str, list[dict[str, Any]] | None] = {}
        for cid, rec in records_of(self.context, "collaborations"):
            refs = [r for r in (gitlab_ref(u, self.host) for u in rec.get("repositories") or []) if r]
            if not refs:
                continue
            projects: list[dict[str, Any]] = []
            found = False
            for ref in refs:
                if ref.key not in listed:
                    listed[ref.key] = self._project_or_group(ref)
                if listed[ref.key] is not None:
                    found = True
                    projects.extend(listed[ref.key] or [])
            if found:
                yield {"id": cid, "facts": activity_facts(projects)}

    def _project_or_group(self, ref: RepoRef) -> list[dict[str, Any]] | None:
        if ref.name:  # group/project or group/subgroup: a project first
            try:
                project = self.get_object(project_url(self.api, ref.path))
            except NotFound:
                project = None
            if project is not None:
                check_project(self.host, ref, project)
                return [project]
        for kind, extra in (("groups", {"include_subgroups": "true"}), ("users", {})):
            if kind == "users" and ref.name:
                break  # users have no nested namespaces
            try:
                return list(self.list_pages(f"{self.api}{kind}/{quote(ref.path, safe='')}/projects",
                                            {"per_page": 100, "order_by": "id", "sort": "asc", **extra}))
            except NotFound:
                continue
        self.problem(f"{self.host}/{ref.path}: no such project, group or user")
        return None
