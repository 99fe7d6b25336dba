"""GitHub: repository facts for software, organisation activity for collaborations.

Two paths to the same facts. Without a token, REST per repository (`/repos/{o}/{r}`, its latest
release and its default branch), every request conditional so an unchanged repository costs a
304. With a token (`token_env: GITHUB_TOKEN` in sources.yaml), GraphQL with up to 100 aliased
`repository` lookups per POST, so 500 repositories take 5 requests. Both paths count open issues
the REST way (issues + pull requests), so switching paths never changes a value.

Collaborations: every `https://github.com/<org>` in a collaboration's `repositories` is listed
with `/orgs/{org}/repos` (Link-header pages); `https://github.com/<o>/<r>` adds that repository.
Facts: public non-fork repositories, their stars, and the latest push.

Rate limits: the transport stops the source with `RateLimited` (reset time included) once
`x-ratelimit-remaining` reaches 0; GraphQL reports an exhausted budget in a 200 body, handled here.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator
from urllib.parse import quote, urljoin

from ...sanitize import safe_url
from ..base import Adapter, BadResponse, NotFound, RateLimited, WrongAnswer
from . import values as v
from .citation import CffError, citation, decode_content
from .targets import RepoRef, github_ref, records_of

ACCEPT = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
BATCH = 100  # aliases per GraphQL request: the largest batch third-party tools report working

SOFTWARE_FACTS = ("stars", "forks", "open_issues", "archived", "last_commit", "latest_release",
                  "latest_release_date", "repository_license", "topics", "citation")
COLLABORATION_FACTS = ("repositories", "stars", "last_activity")

REPO_FIELDS = """
  nameWithOwner url homepageUrl stargazerCount forkCount isArchived isFork pushedAt
  issues(states: OPEN) { totalCount }
  pullRequests(states: OPEN) { totalCount }
  licenseInfo { spdxId key name }
  repositoryTopics(first: 20) { nodes { topic { name } } }
  latestRelease { tagName name publishedAt url }
  defaultBranchRef { name target { ... on Commit { committedDate } } }
  citationFile: object(expression: "HEAD:CITATION.cff") { ... on Blob { text byteSize } }
"""


# --------------------------------------------------------------------------- mapping (pure)

def rest_facts(repo: dict[str, Any], release: dict[str, Any] | None = None,
               branch: dict[str, Any] | None = None) -> dict[str, Any]:
    """SoftwareFacts from REST `/repos/{o}/{r}`, `/releases/latest` and `/branches/{default}`."""
    licence = repo.get("license") if isinstance(repo.get("license"), dict) else {}
    commit = ((branch or {}).get("commit") or {}).get("commit") or {}
    committed = (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date")
    release = release if isinstance(release, dict) and not release.get("draft") else None
    return v.compact({
        "stars": v.count(repo.get("stargazers_count")),
        "forks": v.count(repo.get("forks_count")),
        "open_issues": v.count(repo.get("open_issues_count")),
        "archived": repo.get("archived") if isinstance(repo.get("archived"), bool) else None,
        "last_commit": v.when(committed),
        "latest_release": v.text((release or {}).get("tag_name") or (release or {}).get("name"), 100),
        "latest_release_date": v.when((release or {}).get("published_at") or (release or {}).get("created_at")),
        "repository_license": v.licence_label(licence.get("spdx_id")),
        "topics": v.topics(repo.get("topics")),
    })


def graphql_facts(node: dict[str, Any]) -> dict[str, Any]:
    """SoftwareFacts from one aliased GraphQL `repository` node (same values as `rest_facts`)."""
    issues = v.count((node.get("issues") or {}).get("totalCount"))
    pulls = v.count((node.get("pullRequests") or {}).get("totalCount"))
    release = node.get("latestRelease") or {}
    target = (node.get("defaultBranchRef") or {}).get("target") or {}
    topic_nodes = ((node.get("repositoryTopics") or {}).get("nodes")) or []
    return v.compact({
        "stars": v.count(node.get("stargazerCount")),
        "forks": v.count(node.get("forkCount")),
        "open_issues": issues + pulls if issues is not None and pulls is not None else None,
        "archived": node.get("isArchived") if isinstance(node.get("isArchived"), bool) else None,
        "last_commit": v.when(target.get("committedDate")),
        "latest_release": v.text(release.get("tagName") or release.get("name"), 100),
        "latest_release_date": v.when(release.get("publishedAt")),
        "repository_license": v.licence_label((node.get("licenseInfo") or {}).get("spdxId")),
        "topics": v.topics([((n or {}).get("topic") or {}).get("name") for n in topic_nodes]),
    })


def check_repo(ref: RepoRef, full_name: Any) -> None:
    """The answer must be about the repository asked for (GitHub follows renames and transfers
    with a redirect, and GraphQL silently): WrongAnswer otherwise, naming where it went."""
    if not isinstance(full_name, str) or full_name.lower() != ref.path.lower():
        raise WrongAnswer(f"github.com/{ref.path}: the answer is about {str(full_name)[:100]!r} (renamed or moved? "
                          "update the curated repository URL); nothing taken")


def rest_extras(repo: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields GitHub can fill where the curated record has none."""
    licence = repo.get("license") if isinstance(repo.get("license"), dict) else {}
    return {"license": v.spdx(licence.get("spdx_id")), "homepage": safe_url(repo.get("homepage"))}


def graphql_extras(node: dict[str, Any]) -> dict[str, Any]:
    return {"license": v.spdx((node.get("licenseInfo") or {}).get("spdxId")),
            "homepage": safe_url(node.get("homepageUrl"))}


def software_record(software_id: str, curated: dict[str, Any], facts: dict[str, Any],
                    extras: dict[str, Any], errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The harvested record for a curated software id: facts, plus only the fields curated lacks."""
    record = {"id": software_id, **v.missing_only(curated, extras), "facts": facts}
    if errors:
        record["_errors"] = errors
    return record


def activity_facts(repos: list[dict[str, Any]]) -> dict[str, Any]:
    """CollaborationFacts from REST repository objects (forks left out: they are not the org's work)."""
    own: dict[str, dict[str, Any]] = {}
    for repo in repos:
        if not isinstance(repo, dict) or repo.get("fork") is True or repo.get("private") is True:
            continue
        name = str(repo.get("full_name") or repo.get("id") or "").lower()
        if name:
            own[name] = repo
    return v.compact({
        "repositories": len(own),
        "stars": sum(v.count(r.get("stargazers_count")) or 0 for r in own.values()),
        "last_activity": v.latest(v.when(r.get("pushed_at")) for r in own.values()),
    })


def graphql_query(refs: list[RepoRef]) -> dict[str, Any]:
    """One GraphQL request body for up to BATCH repositories; owner and name travel as variables."""
    decls, parts, variables = [], [], {}
    for i, ref in enumerate(refs):
        decls.append(f"$o{i}: String!, $n{i}: String!")
        parts.append(f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...F }}")
        variables[f"o{i}"], variables[f"n{i}"] = ref.owner, ref.name
    query = (f"query({', '.join(decls)}) {{\n  " + "\n  ".join(parts)
             + "\n  rateLimit { cost remaining resetAt }\n}\nfragment F on Repository {" + REPO_FIELDS + "}")
    return {"query": query, "variables": variables}


def graphql_nodes(body: Any, count: int) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """Split a batch answer into found nodes and per-alias problems; raise when the batch itself failed."""
    if not isinstance(body, dict):
        raise BadResponse("GraphQL answer is not an object")
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    for err in errors:
        if isinstance(err, dict) and str(err.get("type", "")).upper() == "RATE_LIMITED":
            reset = (((body.get("data") or {}).get("rateLimit")) or {}).get("resetAt")
            raise RateLimited(f"GitHub GraphQL: {v.text(err.get('message')) or 'rate limit exceeded'}", v.when(reset))
    data = body.get("data")
    if not isinstance(data, dict):
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        raise BadResponse(f"GitHub GraphQL failed: {v.text(first.get('message')) or 'no data'}")
    problems: dict[int, str] = {}
    for err in errors:
        path = err.get("path") if isinstance(err, dict) else None
        alias = path[0] if isinstance(path, list) and path else None
        if isinstance(alias, str) and alias.startswith("r") and alias[1:].isdigit():
            problems[int(alias[1:])] = v.text(err.get("message")) or str(err.get("type") or "error")
    nodes: dict[int, dict[str, Any]] = {}
    for i in range(count):
        node = data.get(f"r{i}")
        if isinstance(node, dict):
            nodes[i] = node
        elif i not in problems:
            problems[i] = "no data for this repository"
    return nodes, problems


# --------------------------------------------------------------------------- iteration

class GitHub(Adapter):
    """`type: github`; `kind: software` (repository facts) or `kind: collaborations` (org activity).

    params: `mode` auto|rest|graphql (auto: GraphQL when the transport holds a token),
    `batch` (GraphQL aliases per request, ≤ 100), `max_pages` (org listing pages, default 50),
    `token_env` (read by the transport, e.g. GITHUB_TOKEN).
    """

    type: ClassVar[str] = "github"
    kind: ClassVar[str] = "software"
    kinds: ClassVar[tuple[str, ...]] = ("software", "collaborations")
    facts: ClassVar[dict[str, tuple[str, ...]]] = {"software": SOFTWARE_FACTS,
                                                   "collaborations": COLLABORATION_FACTS}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api = self.config.base_url.rstrip("/") + "/"

    def records(self) -> Iterator[dict[str, Any]]:
        if self.config.kind == "collaborations":
            yield from self._collaborations()
        else:  # "software": the base class refuses any other kind
            yield from self._software()

    # ------------------------------------------------------------------ software

    def _targets(self) -> dict[str, tuple[RepoRef, list[tuple[str, dict[str, Any]]]]]:
        by_repo: dict[str, tuple[RepoRef, list[tuple[str, dict[str, Any]]]]] = {}
        for sid, rec in records_of(self.context, "software"):
            ref = github_ref(rec.get("repository"))
            if ref and ref.name:
                by_repo.setdefault(ref.key, (ref, []))[1].append((sid, rec))
        return by_repo

    def use_graphql(self) -> bool:
        mode = str(self.config.params.get("mode", "auto")).lower()
        if mode in ("rest", "graphql"):
            return mode == "graphql"
        return getattr(self.http, "token", None) is not None

    def _software(self) -> Iterator[dict[str, Any]]:
        targets = self._targets()
        fetch = self._graphql_batches if self.use_graphql() else self._rest_each
        for key, (facts, extras, cff) in fetch([ref for ref, _ in targets.values()]):
            ref = targets[key][0]
            errors: dict[str, str] = {}
            if cff is not None:  # the text (GraphQL) or the contents answer (REST)
                try:
                    facts = {**facts, "citation": citation(cff if isinstance(cff, str) else decode_content(cff))}
                except CffError as exc:
                    errors["facts.citation"] = str(exc)  # the last good citation is kept
                    self.problem(f"github.com/{ref.path}: {exc}", item=f"github.com/{ref.path}", code="unreadable")
            for sid, rec in targets[key][1]:
                yield software_record(sid, rec, facts, extras, errors)

    def _rest_each(self, refs: list[RepoRef]) -> Iterator[tuple[str, tuple[dict, dict, Any]]]:
        for ref in refs:
            base = f"{self.api}repos/{quote(ref.owner, safe='')}/{quote(ref.name, safe='')}"
            try:
                repo = self._json(base)
            except NotFound:
                self.problem(f"github.com/{ref.path}: repository not found")
                continue
            check_repo(ref, repo.get("full_name"))
            release = self._optional(base + "/releases/latest")
            branch_name = repo.get("default_branch")
            branch = self._optional(f"{base}/branches/{quote(str(branch_name), safe='')}") if branch_name else None
            cff = self._optional(base + "/contents/CITATION.cff")  # from the default branch; None without one
            yield ref.key, (rest_facts(repo, release, branch), rest_extras(repo), cff)

    def _graphql_batches(self, refs: list[RepoRef]) -> Iterator[tuple[str, tuple[dict, dict, Any]]]:
        url = self.config.params.get("graphql_url") or urljoin(self.api, "graphql")
        size = max(1, min(BATCH, int(self.config.params.get("batch", BATCH))))
        for start in range(0, len(refs), size):
            batch = refs[start:start + size]
            resp = self.http.post(url, json=graphql_query(batch), headers=ACCEPT)
            nodes, problems = graphql_nodes(resp.json(), len(batch))
            for i, message in sorted(problems.items()):
                self.problem(f"github.com/{batch[i].path}: {message}")
            for i, node in sorted(nodes.items()):
                url_ref = github_ref(node.get("url"))
                check_repo(batch[i], node.get("nameWithOwner") or (url_ref.path if url_ref else None))
                blob = node.get("citationFile") if isinstance(node.get("citationFile"), dict) else None
                text = blob.get("text") if blob else None
                yield batch[i].key, (graphql_facts(node), graphql_extras(node), text if isinstance(text, str) else None)

    def _json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.get_object(url, params, ACCEPT)

    def _optional(self, url: str) -> dict[str, Any] | None:
        """A resource whose absence is an answer (no release yet, empty repository)."""
        return self.get_optional(url, None, ACCEPT)

    # ------------------------------------------------------------------ collaborations

    def _collaborations(self) -> Iterator[dict[str, Any]]:
        listed: dict[str, list[dict[str, Any]] | None] = {}
        for cid, rec in records_of(self.context, "collaborations"):
            refs = [r for r in (github_ref(u) for u in rec.get("repositories") or []) if r]
            if not refs:
                continue
            repos: list[dict[str, Any]] = []
            found = False
            for ref in refs:
                if ref.key not in listed:
                    listed[ref.key] = self._org_repos(ref.owner) if not ref.name else self._one_repo(ref)
                if listed[ref.key] is not None:
                    found = True
                    repos.extend(listed[ref.key] or [])
            if found:
                yield {"id": cid, "facts": activity_facts(repos)}

    def _one_repo(self, ref: RepoRef) -> list[dict[str, Any]] | None:
        try:
            repo = self._json(f"{self.api}repos/{quote(ref.owner, safe='')}/{quote(ref.name, safe='')}")
        except NotFound:
            self.problem(f"github.com/{ref.path}: repository not found")
            return None
        check_repo(ref, repo.get("full_name"))
        return [repo]

    def _org_repos(self, owner: str) -> list[dict[str, Any]] | None:
        for kind, query in (("orgs", {"type": "public"}), ("users", {"type": "owner"})):
            try:
                repos = list(self.list_pages(f"{self.api}{kind}/{quote(owner, safe='')}/repos",
                                             {"per_page": 100, "sort": "full_name", **query}, ACCEPT))
            except NotFound:
                continue
            for repo in repos:  # every repository listed must be the organisation's own
                login = (repo.get("owner") or {}).get("login") if isinstance(repo.get("owner"), dict) else None
                if login is not None and str(login).lower() != owner.lower():
                    raise WrongAnswer(f"github.com/{owner}: the listing holds {repo.get('full_name')!r} of another "
                                      "owner; nothing taken")
            return repos
        self.problem(f"github.com/{owner}: no such organisation or user")
        return None
