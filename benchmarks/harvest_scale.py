"""Harvest at scale against the replay server: every configured source, 2,000 events and 500
GitHub repositories.

    python benchmarks/harvest_scale.py [--events N] [--repos N] [--software N] [--only all]

Each scenario runs the real harvest (runner, transport, adapters, store) twice into a fresh
temporary registry and prints, per run, the HTTP requests made, how many were answered 304 or
from the cache, body bytes downloaded, records written and seconds:

- events_part: a TeSS instance listing N events (JSON:API pages of 100, with ETags);
- repositories_part(mode="graphql"): the GitHub adapter's GraphQL path (token set), 100 aliases
  per POST; GraphQL answers carry no ETag (as on api.github.com), so a second run asks again
  unless `cache_ttl` lets the stored answer stand (shown as a third run);
- repositories_part(mode="rest"): the REST path (repository, latest release, default branch,
  CITATION.cff),
  every request conditional, so an unchanged second run is all 304s except the 404s of
  repositories without a CITATION.cff (asked again each run; a 404 carries no validator).

- all_sources_part: every source of harvest/sources.yaml, its base_url moved to the replay
  server, over a registry of N software records (GitHub, PyPI, Zenodo DOIs, some on GitLab),
  collaborations and open-data collections; prints each source's seconds and the wall time of
  the whole harvest (first run, then the quiet second run), with each source's deadline.

Targets: the second run downloads no full body; GitHub facts for 500 repositories in at most
10 requests on the GraphQL path; the whole configured harvest far inside the nightly job.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

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


def serve_tess(srv: Replay, path: str, n_events: int, page_size: int = 100) -> None:
    """n_events synthetic TeSS events under `path`, page_size to a page, pages linked by `next`."""
    pages = (n_events + page_size - 1) // page_size
    for p in range(1, pages + 1):
        items = [tess_item(i) for i in range((p - 1) * page_size, min(p * page_size, n_events))]
        links = {"self": f"/events?page_number={p}"}
        if p < pages:
            links["next"] = f"/events?page_number={p + 1}"
        srv.add(path + "events.json_api", {"data": items, "links": links, "meta": {"results-count": n_events}},
                query={"page_number": str(p)}, content_type="application/vnd.api+json")


def events_part(n_events: int = 2000, page_size: int = 100) -> dict:
    """A TeSS source with n_events, twice; returns the two runs' figures."""
    with tempfile.TemporaryDirectory() as tmp, Replay() as srv:
        root = Path(tmp)
        serve_tess(srv, "tess/", n_events, page_size)
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


# --------------------------------------------------------------------------- every configured source

def _moved(src: SourceConfig, srv: Replay) -> SourceConfig:
    """The configured source with every URL it asks on the replay server (same path shape)."""
    base = srv.url(src.name + "/")
    params = dict(src.params)
    if src.type == "ical":
        base = srv.url(src.name + "/events.ics")
    elif src.type == "gitlab":
        params["host"] = urlsplit(src.base_url).hostname  # registry URLs keep naming gitlab.com
    elif src.type in ("zenodo", "pypi"):
        base = srv.url(src.name + "/" + urlsplit(src.base_url).path.strip("/") + "/")
    elif src.type == "review":
        params["gitlab"] = {host: srv.url(f"{src.name}-gitlab/api/v4/") for host in params.get("gitlab") or {}}
        params["pypi"] = srv.url(f"{src.name}-pypi/pypi/")
        params.pop("conda", None)  # no synthetic record names a conda-forge package
        params["homepages"] = False  # homepages are elsewhere on the internet, not on the replay server
    return replace(src, base_url=base, params=params)


def _registry(root: Path, n: int, config: HarvestConfig) -> None:
    cur = root / "registry/curated"
    write_yaml(cur / "facilities/desy-petra-iii.yaml", {  # the organiser the configured event sources name
        "id": "desy-petra-iii", "name": "PETRA III", "description": "Synthetic facility for the benchmark.",
        "website": "https://facility.example.org/"})
    for i in range(n):
        rid = f"tool-{i:04d}"
        host = "gitlab.com" if i % 10 == 0 else "github.com"
        data = {"id": rid, "name": f"Tool {i}", "description": f"Synthetic software {i}.",
                "homepage": f"https://{host}/bench-org/{rid}", "repository": f"https://{host}/bench-org/{rid}",
                "license": "MIT", "doi": f"10.5281/zenodo.{900000 + i}", "packages": {"pypi": rid},
                "references": [f"https://{host}/bench-org/{rid}"]}
        write_yaml(cur / "software" / f"{rid}.yaml", data)
    for j in range(5):
        write_yaml(cur / "collaborations" / f"collab-{j}.yaml", {
            "id": f"collab-{j}", "name": f"Collaboration {j}", "description": "Synthetic.",
            "website": f"https://collab-{j}.example.org/", "repositories": [f"https://github.com/bench-org-{j}"]})
    portals = [f"portal-{j}" for j in range(5)] + [str(s.params["record"]) for s in config.sources
                                                    if s.type in ("panosc", "oaipmh") and s.params.get("record")]
    for j, oid in enumerate(portals):
        data = {"id": oid, "name": f"Portal {j}", "description": "Synthetic.", "url": f"https://data-{j}.example.org/"}
        if oid.startswith("portal-"):
            data["doi_prefix"] = f"10.{15150 + j}"
        write_yaml(cur / "open_data" / f"{oid}.yaml", data)


def _indico(srv: Replay, path: str, category: str, offset: int) -> None:
    results = [{"_type": "Conference", "id": str(offset + i), "title": f"Bridge school session {i}",
                "description": f"<p>Session <strong>{i}</strong></p>",
                "startDate": {"date": f"2026-{i % 12 + 1:02d}-10", "time": "07:00:00", "tz": "UTC"},
                "endDate": {"date": f"2026-{i % 12 + 1:02d}-11", "time": "15:00:00", "tz": "UTC"},
                "timezone": "Europe/Berlin", "location": "DESY", "type": "meeting", "keywords": ["Python"],
                "url": f"https://indico.example.org/event/{offset + i}/"} for i in range(60)]
    srv.add(f"{path}export/categ/{category}.json", {"_type": "HTTPAPIResult", "count": 60, "results": results},
            etag=False)


def _software(srv: Replay, src: SourceConfig, n: int) -> None:
    path = urlsplit(src.base_url).path.lstrip("/")
    for i in range(n):
        rid, recid = f"tool-{i:04d}", str(900000 + i)
        if src.type == "gitlab" and i % 10 == 0:
            base = f"{path}api/v4/projects/bench-org/{rid}"  # the server sees the encoded path decoded
            srv.add(base, {"id": i, "path_with_namespace": f"bench-org/{rid}", "star_count": i, "forks_count": 1,
                           "default_branch": "main", "license": {"key": "mit"}, "topics": ["python"]})
            srv.add(base + "/repository/branches/main", {"commit": {"committed_date": "2025-12-01T09:59:00Z"}})
            srv.add(base + "/releases", [{"tag_name": "v1.0", "released_at": "2025-11-01T00:00:00Z"}])
        elif src.type == "pypi":
            srv.add(f"{path}{rid}/json", {"info": {"name": rid, "version": "1.0.0", "license_expression": "MIT"},
                                          "urls": [{"upload_time_iso_8601": "2025-11-20T08:00:00Z", "yanked": False}]})
        elif src.type == "zenodo":
            srv.add(f"{path}records", {"hits": {"total": 3, "hits": [{
                "id": 1000000 + i, "conceptrecid": recid, "conceptdoi": f"10.5281/zenodo.{recid}",
                "stats": {"unique_views": 10 * i, "unique_downloads": i}}]}}, query={"q": f"conceptrecid:{recid}"})
        elif src.type == "review":
            if i % 10:
                srv.add(f"{path}repos/bench-org/{rid}", repo_rest("bench-org", rid, i))
            else:
                srv.add(f"{src.name}-gitlab/api/v4/projects/bench-org/{rid}", {
                    "id": i, "path_with_namespace": f"bench-org/{rid}", "license": {"key": "mit"}, "archived": False})
            srv.add(f"{src.name}-pypi/pypi/{rid}/json", {"info": {"name": rid, "version": "1.0.0",
                                                                   "license_expression": "MIT"}})


def _serve_all(srv: Replay, config: HarvestConfig, n: int, n_events: int) -> None:
    """Synthetic answers for every configured source, by adapter type."""
    for k, src in enumerate(config.sources):
        path = urlsplit(src.base_url).path.lstrip("/")
        if src.type == "tess":
            serve_tess(srv, path, n_events)
        elif src.type == "indico":
            _indico(srv, path, str(src.params.get("category", 0)), 5000 + 100 * k)
        elif src.type == "ical":
            srv.add(path, HERE.parent / "tests/data/harvest/ical/outlook_windows_zones.ics",
                    content_type="text/calendar; charset=utf-8", etag=False)
        elif src.type == "github" and src.kind == "software":
            srv.add(path + "graphql", graphql_answer, method="POST", etag=False)
        elif src.type == "github":
            for j in range(5):
                org = f"bench-org-{j}"
                srv.add(f"{path}orgs/{org}/repos", [dict(repo_rest(org, f"r{r}", r), owner={"login": org})
                                                    for r in range(30)])
        elif src.type == "datacite":
            for j in range(5):
                srv.add(f"{path}dois", {"data": [], "meta": {"total": 1000 * (j + 1),
                                                             "citations": [{"id": "2025", "count": j}]}},
                        query={"prefix": f"10.{15150 + j}"})
        elif src.type == "panosc":
            for model in ("Datasets", "Documents"):
                srv.add(f"{path}{model}/count", {"count": 100 * (k + 1)})
        else:
            _software(srv, src, n)


def all_sources_part(n_software: int = 200, n_events: int = 1000) -> dict:
    """Every source in harvest/sources.yaml against the replay server, twice; wall time per run."""
    from knowhow.harvest.config import load

    configured = load(HERE.parent / "harvest/sources.yaml")
    with tempfile.TemporaryDirectory() as tmp, Replay() as srv:
        root = Path(tmp)
        config = HarvestConfig("bench", tuple(_moved(s, srv) for s in configured.sources))
        _registry(root, n_software, config)
        _serve_all(srv, config, n_software, n_events)
        out = {}
        for name in ("first", "second"):
            started = time.perf_counter()
            report = run(config, registry=root / "registry", state_path=root / "state.json",
                         cache_dir=root / "cache", settings=settings_for(srv), today=TODAY,
                         env={"GITHUB_TOKEN": "not-a-real-token"})
            wall = time.perf_counter() - started
            failed = [f"{r.source.name}: {r.outcome.error}" for r in report.rows if r.outcome.failed]
            if failed:
                raise SystemExit("benchmark run failed: " + "; ".join(failed))
            out[name] = {"wall": round(wall, 2),
                         "sources": {r.source.name: (r.requests, r.outcome.fetched, r.seconds, r.source.deadline)
                                     for r in report.rows}}
        problems = validate(root / "registry")[1]
        assert problems.valid, problems.render()
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--repos", type=int, default=500)
    ap.add_argument("--software", type=int, default=200, help="software records for the all-sources run")
    ap.add_argument("--only", choices=("all", "scale", "both"), default="both",
                    help="all: every configured source; scale: the event and repository scenarios")
    args = ap.parse_args(argv)
    logging.getLogger("knowhow").setLevel(logging.ERROR)  # per-item warnings are the report's job
    if args.only in ("all", "both"):
        whole = all_sources_part(args.software, min(args.events, 1000))
        print(f"every configured source ({args.software} software records), against the replay server")
        print(f"{'source':34} {'run':7} {'requests':>9} {'fetched':>8} {'seconds':>8} {'deadline':>9}")
        for run_name, fig in whole.items():
            for name, (requests, fetched, seconds, deadline) in fig["sources"].items():
                print(f"{name:34} {run_name:7} {requests:>9} {fetched:>8} {seconds:>8.2f} {deadline:>9.0f}")
            print(f"{'whole harvest':34} {run_name:7} {'':>9} {'':>8} {fig['wall']:>8.2f}")
        print()
    if args.only == "all":
        return
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
