"""Harvest at scale against the replay server: 2,000 events and 500 GitHub repositories.

    python benchmarks/harvest_scale.py [--events N] [--repos N]

Each scenario runs the real harvest (runner, transport, adapters, store) twice into a fresh
temporary registry and prints, per run, the HTTP requests made, how many were answered 304 or
from the cache, body bytes downloaded, records written and seconds:

- events_part: a TeSS instance listing N events (JSON:API pages of 100, with ETags);
- repositories_part(mode="graphql"): the GitHub adapter's GraphQL path (token set), 100 aliases
  per POST; GraphQL answers carry no ETag (as on api.github.com), so a second run asks again
  unless `cache_ttl` lets the stored answer stand (shown as a third run);
- repositories_part(mode="rest"): the REST path (repository, latest release, default branch),
  every request conditional, so an unchanged second run is all 304s.

Targets (issue 4): the second run downloads no full body; GitHub facts for 500 repositories in
at most 10 requests on the GraphQL path.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # the replay server lives with the tests

from replay import Replay  # noqa: E402

from knowhow.harvest.base import SourceConfig  # noqa: E402
from knowhow.harvest.config import HarvestConfig  # noqa: E402
from knowhow.harvest.http import HttpSettings, allow_hosts  # noqa: E402
from knowhow.harvest.runner import run  # noqa: E402
from knowhow.registry.validate import validate  # noqa: E402
from knowhow.registry.yamlio import write_yaml  # noqa: E402

TODAY = date(2026, 1, 1)


def settings_for(srv: Replay, **over) -> HttpSettings:
    return replace(HttpSettings(allow_private=allow_hosts(srv.base_url), retries=1, backoff_factor=0.1), **over)


def one_run(config: HarvestConfig, root: Path, srv: Replay, **over) -> dict:
    started = time.perf_counter()
    report = run(config, registry=root / "registry", state_path=root / "state.json", cache_dir=root / "cache",
                 settings=settings_for(srv, **over), today=TODAY,
                 env={"BENCH_TOKEN": "not-a-real-token"})
    seconds = time.perf_counter() - started
    rows = report.rows
    o = [r.outcome for r in rows]
    failed = [f"{r.source.name}: {r.outcome.error}" for r in rows if r.outcome.failed]
    if failed:
        raise SystemExit("benchmark run failed: " + "; ".join(failed))
    return {"requests": sum(r.requests for r in rows), "304": sum(r.not_modified for r in rows),
            "cache_hits": sum(r.cache_hits for r in rows), "bytes": sum(r.bytes for r in rows),
            "fetched": sum(x.fetched for x in o), "new": sum(x.new for x in o),
            "changed": sum(x.changed for x in o), "unchanged": sum(x.unchanged for x in o),
            "seconds": round(seconds, 2)}


# --------------------------------------------------------------------------- events

def tess_item(i: int) -> dict:
    return {"id": str(100000 + i), "type": "events", "attributes": {
        "title": f"Synthetic training event {i}", "slug": f"synthetic-training-event-{i}",
        "url": f"https://training.example.org/events/{i}", "description": f"Event {i}: hands-on data analysis.",
        "start": f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}T09:00:00.000Z",
        "end": f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}T17:00:00.000Z", "timezone": "Europe/Berlin",
        "venue": "DESY", "city": "Hamburg", "country": "Germany", "online": False,
        "keywords": ["Python", "Data analysis"], "event-types": ["workshops_and_courses"],
        "scientific-topics": []}, "links": {"self": f"/events/synthetic-training-event-{i}"}}


def events_part(n_events: int = 2000, page_size: int = 100) -> dict:
    """A TeSS source with n_events, twice; returns the two runs' figures."""
    with tempfile.TemporaryDirectory() as tmp, Replay() as srv:
        root = Path(tmp)
        pages = (n_events + page_size - 1) // page_size
        for p in range(1, pages + 1):
            items = [tess_item(i) for i in range((p - 1) * page_size, min(p * page_size, n_events))]
            links = {"self": f"/events?page_number={p}"}
            if p < pages:
                links["next"] = f"/events?page_number={p + 1}"
            srv.add("tess/events.json_api", {"data": items, "links": links, "meta": {"results-count": n_events}},
                    query={"page_number": str(p)}, content_type="application/vnd.api+json")
        config = HarvestConfig("bench", (SourceConfig("bench-tess", "tess", "events", srv.url("tess/"),
                                                      {"include_expired": True, "page_size": page_size}),))
        first = one_run(config, root, srv)
        second = one_run(config, root, srv)
        assert validate(root / "registry")[1].valid
        return {"first": first, "second": second}


# --------------------------------------------------------------------------- repositories

def repo_rest(owner: str, name: str, i: int) -> dict:
    return {"full_name": f"{owner}/{name}", "html_url": f"https://github.com/{owner}/{name}",
            "description": f"Synthetic repository {i}", "homepage": None, "topics": ["python", "synchrotron"],
            "license": {"key": "mit", "spdx_id": "MIT", "name": "MIT License"}, "stargazers_count": i,
            "forks_count": i // 3, "open_issues_count": i % 17, "archived": False, "fork": False,
            "default_branch": "main", "pushed_at": "2025-12-01T10:00:00Z"}


def repo_graphql(owner: str, name: str, i: int) -> dict:
    return {"nameWithOwner": f"{owner}/{name}", "url": f"https://github.com/{owner}/{name}", "homepageUrl": None,
            "stargazerCount": i, "forkCount": i // 3, "isArchived": False, "isFork": False,
            "pushedAt": "2025-12-01T10:00:00Z", "issues": {"totalCount": i % 11},
            "pullRequests": {"totalCount": i % 6}, "licenseInfo": {"spdxId": "MIT", "key": "mit", "name": "MIT License"},
            "repositoryTopics": {"nodes": [{"topic": {"name": "python"}}, {"topic": {"name": "synchrotron"}}]},
            "latestRelease": {"tagName": f"v1.{i}.0", "name": f"v1.{i}.0", "publishedAt": "2025-11-20T08:00:00Z",
                              "url": f"https://github.com/{owner}/{name}/releases/tag/v1.{i}.0"},
            "defaultBranchRef": {"name": "main", "target": {"committedDate": "2025-12-01T09:59:00Z"}}}


def software_registry(root: Path, n: int) -> None:
    for i in range(n):
        rid = f"tool-{i:04d}"
        write_yaml(root / "registry/curated/software" / f"{rid}.yaml", {
            "id": rid, "name": f"Tool {i}", "description": f"Synthetic software {i}.",
            "homepage": f"https://github.com/bench-org/tool-{i:04d}",
            "repository": f"https://github.com/bench-org/tool-{i:04d}",
            "references": [f"https://github.com/bench-org/tool-{i:04d}"]})


def graphql_answer(request) -> dict:
    """Build the answer for whichever repositories this POST asks about (aliases r0..rN)."""
    variables = json.loads(request.body)["variables"]
    data = {}
    for key, owner in variables.items():
        if key.startswith("o"):
            n = key[1:]
            name = variables[f"n{n}"]
            data[f"r{n}"] = repo_graphql(owner, name, int(name.rsplit("-", 1)[1]))
    data["rateLimit"] = {"cost": 1, "remaining": 4990, "resetAt": "2026-01-01T01:00:00Z"}
    return {"data": data}


def repositories_part(n_repos: int = 500, mode: str = "graphql") -> dict:
    """The GitHub adapter over n_repos software records, twice (three times on GraphQL: with cache_ttl)."""
    with tempfile.TemporaryDirectory() as tmp, Replay() as srv:
        root = Path(tmp)
        software_registry(root, n_repos)
        params = {"mode": mode, "token_env": "BENCH_TOKEN"}
        if mode == "graphql":
            srv.add("github/graphql", graphql_answer, method="POST", etag=False)
        else:
            for i in range(n_repos):
                name = f"tool-{i:04d}"
                base = f"github/repos/bench-org/{name}"
                srv.add(base, repo_rest("bench-org", name, i))
                srv.add(base + "/releases/latest", {"tag_name": f"v1.{i}.0", "published_at": "2025-11-20T08:00:00Z",
                                                    "draft": False, "prerelease": False})
                srv.add(base + "/branches/main", {"name": "main", "commit": {"commit": {
                    "committer": {"date": "2025-12-01T09:59:00Z"}}}})
        config = HarvestConfig("bench", (SourceConfig("bench-github", "github", "software", srv.url("github/"),
                                                      params),))
        out = {"first": one_run(config, root, srv), "second": one_run(config, root, srv)}
        if mode == "graphql":
            out["second_with_cache_ttl"] = one_run(config, root, srv, cache_ttl=3600)
        assert validate(root / "registry")[1].valid
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--repos", type=int, default=500)
    args = ap.parse_args(argv)
    results = {f"events ({args.events})": events_part(args.events),
               f"repositories ({args.repos}), GraphQL": repositories_part(args.repos, "graphql"),
               f"repositories ({args.repos}), REST": repositories_part(args.repos, "rest")}
    cols = ("requests", "304", "cache_hits", "bytes", "fetched", "new", "changed", "unchanged", "seconds")
    print(f"{'scenario':42} {'run':22} " + " ".join(f"{c:>10}" for c in cols))
    for scenario, runs in results.items():
        for name, fig in runs.items():
            print(f"{scenario:42} {name:22} " + " ".join(f"{fig[c]:>10}" for c in cols))


if __name__ == "__main__":
    main()
