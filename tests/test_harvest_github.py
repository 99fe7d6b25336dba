"""GitHub adapter: pure mapping, REST with conditional requests, Link pages, GraphQL batching, rate limits."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, RateLimited, SourceConfig, SourceUnavailable
from knowhow.harvest.http import Token
from knowhow.harvest.sources import github as gh
from knowhow.registry.model import SoftwareFacts

D = DATA / "github"


def load(name: str) -> Any:
    return json.loads((D / name).read_text(encoding="utf-8"))


def adapter(srv, context, *, kind="software", token=None, client=None, **params):
    config = SourceConfig(name="github", type="github", kind=kind, base_url=srv.base_url + "gh/", params=params)
    http = client or make_client(srv, token=token)
    return gh.GitHub(config, http, context)


def token_for(srv) -> Token:
    return Token("GITHUB_TOKEN", "test-token", frozenset({"127.0.0.1"}))


SOFTWARE = {"software": {
    "silx": {"id": "silx", "name": "silx", "repository": "https://github.com/silx-kit/silx", "license": "MIT",
             "homepage": "http://www.silx.org/"},
    "fabio": {"id": "fabio", "name": "FabIO", "repository": "https://github.com/silx-kit/fabio.git",
              "homepage": "https://github.com/silx-kit/fabio"},
    "elsewhere": {"id": "elsewhere", "name": "X", "repository": "https://gitlab.com/a/b", "homepage": "https://x.org"},
}}


def serve_silx_and_fabio(srv) -> None:
    srv.add("/gh/repos/silx-kit/silx", D / "repo_silx.json")
    srv.add("/gh/repos/silx-kit/silx/releases/latest", D / "release_latest_silx.json")
    srv.add("/gh/repos/silx-kit/silx/branches/main", D / "branch_main_silx.json")
    srv.add("/gh/repos/silx-kit/fabio", D / "repo_fabio_hostile.json")
    srv.add("/gh/repos/silx-kit/fabio/releases/latest", D / "release_latest_not_found_404.json", status=404)
    srv.add("/gh/repos/silx-kit/fabio/branches/master", D / "branch_master_fabio.json")


# --------------------------------------------------------------------------- mapping

def test_rest_facts_map_every_fact_and_validate():
    facts = gh.rest_facts(load("repo_silx.json"), load("release_latest_silx.json"), load("branch_main_silx.json"))
    assert facts == {
        "stars": 147, "forks": 80, "open_issues": 271, "archived": False,
        "last_commit": "2026-11-02T16:39:41+00:00",  # committer date of the default branch head
        "latest_release": "v2.2.0", "latest_release_date": "2026-10-21T12:03:51+00:00",
        "repository_license": "MIT",
        "topics": ["data-visualization", "hdf5", "opengl", "python", "synchrotron"],
    }
    SoftwareFacts(**facts)  # the record model accepts them as they are


def test_graphql_and_rest_paths_give_identical_facts():
    node = load("graphql_batch_found_and_missing.json")["data"]["r0"]
    rest = gh.rest_facts(load("repo_silx.json"), load("release_latest_silx.json"), load("branch_main_silx.json"))
    assert gh.graphql_facts(node) == rest  # open issues = issues + pull requests, as REST counts them


def test_hostile_repository_text_is_sanitised_and_unsafe_homepage_dropped():
    repo = load("repo_fabio_hostile.json")
    facts = gh.rest_facts(repo, None, load("branch_master_fabio.json"))
    assert "repository_license" not in facts  # NOASSERTION is not a licence
    assert "latest_release" not in facts
    assert facts["archived"] is True
    assert facts["last_commit"] == "2026-09-14T05:01:30+00:00"
    joined = " ".join(facts["topics"])
    assert "<" not in joined and "\u202e" not in joined
    assert facts["topics"] == ["image-formats", "Synchrotron", "{{ 7*7 }}"]  # empty after cleaning dropped, deduped
    assert gh.rest_extras(repo) == {"license": None, "homepage": None}  # javascript: refused


def test_software_record_fills_only_fields_the_curated_record_lacks():
    extras = gh.rest_extras(load("repo_silx.json"))
    assert extras == {"license": "MIT", "homepage": "http://www.silx.org"}
    curated = {"id": "silx", "license": "MIT", "homepage": "http://www.silx.org/"}
    assert gh.software_record("silx", curated, {"stars": 1}, extras) == {"id": "silx", "facts": {"stars": 1}}
    bare = {"id": "silx", "homepage": "http://www.silx.org/"}
    assert gh.software_record("silx", bare, {}, extras) == {"id": "silx", "license": "MIT", "facts": {}}


def test_activity_facts_leave_out_forks_and_private_repositories():
    repos = [r for p in ("org_repos_page1.json", "org_repos_page2.json", "org_repos_page3_last.json") for r in load(p)]
    assert gh.activity_facts(repos) == {"repositories": 4, "stars": 147 + 31 + 112 + 77,
                                        "last_activity": "2026-11-05T10:00:00+00:00"}


# --------------------------------------------------------------------------- REST with a server

def test_rest_harvest_then_second_run_is_all_304(replay):
    serve_silx_and_fabio(replay)
    client = make_client(replay)
    first = list(adapter(replay, SOFTWARE, client=client).records())
    assert [r["id"] for r in first] == ["fabio", "silx"]
    fabio, silx = first
    assert silx == {"id": "silx", "facts": gh.rest_facts(load("repo_silx.json"), load("release_latest_silx.json"),
                                                         load("branch_main_silx.json"))}
    assert fabio["facts"]["stars"] == 31 and "latest_release" not in fabio["facts"]  # 404 = no release yet
    assert "license" not in fabio and "homepage" not in fabio
    assert all(r.path.startswith("/gh/repos/silx-kit/") for r in replay.requests)  # gitlab.com left alone

    sent = len(replay.requests)
    second = list(adapter(replay, SOFTWARE, client=client).records())
    assert second == first
    again = replay.requests[sent:]
    cached = [r for r in again if "If-None-Match" in r.headers]
    assert len(cached) == 5 and client.stats.not_modified == 5  # 2 repositories, 2 branches, 1 release
    assert all(r.path.endswith(("/releases/latest", "/contents/CITATION.cff")) for r in again
               if r not in cached)  # 404s (no release, no citation file) are not cached


def test_missing_repository_is_a_problem_not_a_failure(replay):
    serve_silx_and_fabio(replay)
    ctx = {"software": {**SOFTWARE["software"],
                        "gone": {"id": "gone", "repository": "https://github.com/silx-kit/gone-away"}}}
    a = adapter(replay, ctx)
    assert [r["id"] for r in a.records()] == ["fabio", "silx"]
    assert a.problems == ["github.com/silx-kit/gone-away: repository not found"]


# GitHub's reset is an epoch second; an hour from now, so the budget is still exhausted when tested.
RESET = int(time.time()) + 3600
RESET_ISO = datetime.fromtimestamp(RESET, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_rate_limit_exhaustion_stops_the_source_with_the_reset_time(replay):
    replay.add("/gh/repos/silx-kit/fabio", D / "rate_limit_exceeded_403.json", status=403,
               headers={"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-used": "60",
                        "x-ratelimit-reset": str(RESET), "x-ratelimit-resource": "core"})
    with pytest.raises(RateLimited) as err:
        list(adapter(replay, SOFTWARE).records())
    assert err.value.reset == RESET_ISO
    assert len(replay.requests) == 1  # no retry storm against an exhausted budget


def test_last_request_of_the_budget_stops_before_the_next_one(replay):
    serve_silx_and_fabio(replay)
    replay.clear("/gh/repos/silx-kit/fabio")
    replay.add("/gh/repos/silx-kit/fabio", D / "repo_fabio_hostile.json",
               headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(RESET)})
    with pytest.raises(RateLimited) as err:
        list(adapter(replay, SOFTWARE).records())
    assert err.value.reset == RESET_ISO
    assert len(replay.requests) == 1


# --------------------------------------------------------------------------- organisations

def test_org_listing_follows_link_pages_for_collaboration_facts(replay):
    base = replay.base_url + "gh/"
    replay.add("/gh/orgs/silx-kit/repos", D / "org_repos_page1.json", query={"per_page": "100"},
               headers={"Link": f'<{base}organizations/7771373/repos?per_page=100&page=2>; rel="next", '
                                f'<{base}organizations/7771373/repos?per_page=100&page=3>; rel="last"'})
    replay.add("/gh/organizations/7771373/repos", D / "org_repos_page2.json", query={"page": "2"},
               headers={"Link": f'<{base}organizations/7771373/repos?per_page=100&page=3>; rel="next", '
                                f'<{base}organizations/7771373/repos?per_page=100&page=1>; rel="first"'})
    replay.add("/gh/organizations/7771373/repos", D / "org_repos_page3_last.json", query={"page": "3"},
               headers={"Link": f'<{base}organizations/7771373/repos?per_page=100&page=2>; rel="prev"'})
    replay.add("/gh/repos/ess-dmsc/scipp", {"full_name": "ess-dmsc/scipp", "fork": False, "stargazers_count": 5,
                                            "pushed_at": "2026-11-21T08:00:00Z"})
    ctx = {"collaborations": {
        "silx-community": {"id": "silx-community", "repositories": ["https://github.com/silx-kit"]},
        "mixed": {"id": "mixed", "repositories": ["https://github.com/silx-kit/", "https://github.com/ess-dmsc/scipp",
                                                  "https://gitlab.esrf.fr/group"]},
        "no-code": {"id": "no-code", "repositories": []},
    }}
    records = list(adapter(replay, ctx, kind="collaborations").records())
    assert records == [
        {"id": "mixed", "facts": {"repositories": 5, "stars": 372, "last_activity": "2026-11-21T08:00:00+00:00"}},
        {"id": "silx-community", "facts": {"repositories": 4, "stars": 367,
                                           "last_activity": "2026-11-05T10:00:00+00:00"}},
    ]
    assert len(replay.requests_to("/gh/orgs/silx-kit/repos")) == 1  # listed once, shared by both


def test_next_link_to_another_host_is_refused(replay):
    replay.add("/gh/orgs/silx-kit/repos", D / "org_repos_page1.json",
               headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'})
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://github.com/silx-kit"]}}}
    with pytest.raises(BadResponse, match="refusing next link"):
        list(adapter(replay, ctx, kind="collaborations").records())


# --------------------------------------------------------------------------- GraphQL

def graphql_answer(first: int, count: int) -> dict[str, Any]:
    node = load("graphql_batch_found_and_missing.json")["data"]["r0"]
    data = {f"r{i}": {**node, "nameWithOwner": f"org/repo{first + i}", "stargazerCount": first + i}
            for i in range(count)}
    data["rateLimit"] = {"cost": 1, "remaining": 4000, "resetAt": "2026-11-22T06:00:00Z"}
    return {"data": data}


def test_graphql_batches_500_repositories_in_5_requests(replay):
    ctx = {"software": {f"sw{i:03d}": {"id": f"sw{i:03d}", "repository": f"https://github.com/org/repo{i}"}
                        for i in range(500)}}
    # Batches go out in id order (sw000..sw099 first), so answer i carries repositories i*100...
    for b in range(5):
        replay.add("/gh/graphql", graphql_answer(b * 100, 100), method="POST")
    records = list(adapter(replay, ctx, token=token_for(replay)).records())
    posts = [r for r in replay.requests if r.method == "POST"]
    assert len(posts) == 5 and len(replay.requests) == 5
    assert all(r.headers.get("Authorization") == "Bearer test-token" for r in posts)
    bodies = [json.loads(r.body) for r in posts]
    assert [len(b["variables"]) // 2 for b in bodies] == [100] * 5
    assert bodies[0]["variables"]["o0"] == "org" and bodies[4]["variables"]["n99"] == "repo499"
    assert "$o0: String!" in bodies[0]["query"]  # owner/name are variables, never spliced into the query
    assert len(records) == 500
    by_id = {r["id"]: r["facts"]["stars"] for r in records}
    assert by_id["sw000"] == 0 and by_id["sw499"] == 499


def test_graphql_missing_repository_is_a_problem_for_that_alias(replay):
    replay.add("/gh/graphql", D / "graphql_batch_found_and_missing.json", method="POST")
    ctx = {"software": {"silx": {"id": "silx", "repository": "https://github.com/silx-kit/silx"},
                        "zz-gone": {"id": "zz-gone", "repository": "https://github.com/silx-kit/gone-away"}}}
    a = adapter(replay, ctx, token=token_for(replay))
    records = list(a.records())
    assert [r["id"] for r in records] == ["silx"]
    assert records[0]["facts"]["open_issues"] == 271
    assert a.problems == ["github.com/silx-kit/gone-away: Could not resolve to a Repository with the name "
                          "'silx-kit/gone-away'."]


def test_graphql_rate_limited_in_a_200_body_stops_the_source(replay):
    replay.add("/gh/graphql", D / "graphql_rate_limited.json", method="POST",
               headers={"x-ratelimit-resource": "graphql", "x-ratelimit-remaining": "0",
                        "x-ratelimit-reset": str(RESET)})
    ctx = {"software": {"silx": {"id": "silx", "repository": "https://github.com/silx-kit/silx"}}}
    with pytest.raises(RateLimited) as err:
        list(adapter(replay, ctx, token=token_for(replay)).records())
    assert "rate limit" in str(err.value)


def test_mode_rest_forces_rest_even_with_a_token(replay):
    serve_silx_and_fabio(replay)
    records = list(adapter(replay, SOFTWARE, token=token_for(replay), mode="rest").records())
    assert len(records) == 2 and not any(r.method == "POST" for r in replay.requests)


@pytest.mark.parametrize("fault, error", [("html200", BadResponse), ("truncate_clean", BadResponse),
                                          ("truncate", BadResponse), ("500", SourceUnavailable)])
def test_broken_answers_fail_the_source_instead_of_yielding(replay, fault, error):
    serve_silx_and_fabio(replay)
    replay.fault("/gh/repos/silx-kit/silx", fault, times=5)
    with pytest.raises(error):
        list(adapter(replay, SOFTWARE).records())


def test_429_with_a_short_retry_after_is_retried(replay):
    serve_silx_and_fabio(replay)
    replay.fault("/gh/repos/silx-kit/silx", "429", times=1, retry_after=0)
    assert [r["id"] for r in adapter(replay, SOFTWARE).records()] == ["fabio", "silx"]
    assert len(replay.requests_to("/gh/repos/silx-kit/silx")) == 2
