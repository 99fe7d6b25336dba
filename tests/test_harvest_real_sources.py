"""Every real recording in ../shared/fixtures/<source>/ through the matching adapter (skipped without them).

For each fact source (github, gitlab, zenodo, datacite, panosc, oaipmh, pypi) the recorded bodies
go through the pure mapping, and the ones an adapter requests are served by the replay server
with their recorded headers (ETag, Link, rate-limit headers) so the iteration runs on them too.
`test_every_recording_is_used` keeps the list honest: a new recording must be used here or
listed in NOT_USED with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harvest_support import SHARED_FIXTURES, make_client
from knowhow.harvest.base import BadResponse, RateLimited, SourceConfig
from knowhow.harvest.sources import datacite, github, gitlab, oaipmh, panosc, pypi, zenodo
from knowhow.registry.model import CollaborationFacts, OpenDataFacts, SoftwareFacts

SOURCES = ("github", "gitlab", "zenodo", "datacite", "panosc", "oaipmh", "pypi")
pytestmark = pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="../shared/fixtures is not present")

# Recordings no adapter of these sources requests, and why.
NOT_USED = {
    "github/rate_limit.json": "GET /rate_limit: the adapters read the x-ratelimit-* headers of every answer instead",
    "oaipmh/zenodo_identify.xml": "Identify: not needed to count records",
    "oaipmh/tess_identify.xml": "Identify: not needed to count records",
    "oaipmh/zenodo_listmetadataformats.xml": "ListMetadataFormats: the prefix is configured",
}
# Recordings the tests below replay ("*": every file of the folder, by parametrisation).
REPLAYED = {
    "github": {"repos_PyGithub_PyGithub.json", "repos_PyGithub_PyGithub.headers.json",
               "releases_latest_rickrickston123_RepoTest.json", "releases_latest_rickrickston123_RepoTest.headers.json",
               "conditional_200_then_304.headers.json", "users_jacquev6_repos_trimmed.json",
               "releases_pagination_link.headers.json", "rate_limit_exceeded_403.json",
               "graphql_repository_url.json", "graphql_repository_url.headers.json"},
    "gitlab": {"project_unauthenticated_events4j.json", "project_authenticated_moon_sortedkeys.json"},
    "zenodo": {"records_communities_ardc_page1_trimmed.json", "records_communities_ardc_page2_trimmed.json"},
    "datacite": {"doi_10.5281_zenodo.3763271_xml_truncated.json", "dois_list_page1_size5_trimmed.json",
                 "dois_list_page1_size5.headers.json"},
    "panosc": "*",
    "oaipmh": "*",
    "pypi": {"release_poetry-core_2.1.3.json"},
}


def fixture(rel: str) -> Path:
    source, _, name = rel.partition("/")
    assert REPLAYED[source] == "*" or name in REPLAYED[source], f"declare {rel} in REPLAYED"
    path = SHARED_FIXTURES / rel
    if not path.exists():
        pytest.skip(f"{rel} is not in ../shared/fixtures")
    return path


def load(rel: str) -> Any:
    return json.loads(fixture(rel).read_text(encoding="utf-8"))


def need(source: str) -> None:
    if not (SHARED_FIXTURES / source).is_dir():
        pytest.skip(f"../shared/fixtures/{source} is not present")


DROP = {"content-encoding", "transfer-encoding", "content-length", "connection", "status", "etag", "last-modified"}


def serve(srv, path: str, body: Any, recorded: dict[str, Any] | None = None, *, status: int = 200,
          query: dict[str, Any] | None = None, rebase: tuple[str, str] | None = None) -> None:
    """Serve a recorded body with its recorded headers (minus transfer framing), ETag included."""
    headers = {k: v for k, v in ((recorded or {}).get("headers") or {}).items() if k.lower() not in DROP}
    if rebase:
        headers = {k: v.replace(*rebase) if isinstance(v, str) else v for k, v in headers.items()}
    lower = {k.lower(): v for k, v in ((recorded or {}).get("headers") or {}).items()}
    etag = lower.get("etag") if isinstance(lower.get("etag"), str) else True
    ctype = lower.get("content-type") if isinstance(lower.get("content-type"), str) else "application/json"
    srv.add(path, body, status=status, headers=headers, query=query, etag=etag if status == 200 else False,
            last_modified=lower.get("last-modified"), content_type=ctype)


def config(srv, type_: str, kind: str, prefix: str, **params) -> SourceConfig:
    return SourceConfig(name=f"real-{type_}", type=type_, kind=kind, base_url=srv.base_url + prefix, params=params)


# --------------------------------------------------------------------------- github

def test_github_repository_mapping_and_conditional_second_run(replay):
    need("github")
    repo = load("github/repos_PyGithub_PyGithub.json")
    release = load("github/releases_latest_rickrickston123_RepoTest.json")
    facts = github.rest_facts(repo, release)
    assert facts == {"stars": 7122, "forks": 1793, "open_issues": 357, "archived": False,
                     "latest_release": "v1.0", "latest_release_date": "2020-07-14T00:58:20+00:00",
                     "repository_license": "LGPL-3.0",  # GitHub's (deprecated SPDX) id, kept as the host says
                     "topics": ["github", "github-api", "pygithub", "python"]}
    SoftwareFacts(**facts)
    assert github.rest_extras(repo) == {"license": None, "homepage": "https://pygithub.readthedocs.io/"}

    serve(replay, "/gh/repos/PyGithub/PyGithub", fixture("github/repos_PyGithub_PyGithub.json"),
          load("github/repos_PyGithub_PyGithub.headers.json"))
    serve(replay, "/gh/repos/PyGithub/PyGithub/releases/latest",
          fixture("github/releases_latest_rickrickston123_RepoTest.json"),
          load("github/releases_latest_rickrickston123_RepoTest.headers.json"))
    ctx = {"software": {"pygithub": {"id": "pygithub", "repository": "https://github.com/PyGithub/PyGithub"}}}
    client = make_client(replay)
    first = list(github.GitHub(config(replay, "github", "software", "gh/"), client, ctx).records())
    assert first == [{"id": "pygithub", "homepage": "https://pygithub.readthedocs.io/", "facts": facts}]
    again = list(github.GitHub(config(replay, "github", "software", "gh/"), client, ctx).records())
    assert again == first and client.stats.not_modified == 2
    recorded_tag = load("github/repos_PyGithub_PyGithub.headers.json")["headers"]["ETag"]
    assert replay.requests_to("/gh/repos/PyGithub/PyGithub")[-1].headers["If-None-Match"] == recorded_tag


def test_github_recorded_conditional_pair(replay):
    need("github")
    pair = load("github/conditional_200_then_304.headers.json")
    serve(replay, "/gh/repos/akfish/PyGithub", load("github/repos_PyGithub_PyGithub.json"), pair[0])
    client = make_client(replay)
    # The recorded request asked for the old name; GitHub answered about the repository's new one.
    old = {"collaborations": {"c": {"id": "c", "repositories": ["https://github.com/akfish/PyGithub"]}}}
    with pytest.raises(BadResponse, match="'PyGithub/PyGithub' \\(renamed or moved"):
        list(github.GitHub(config(replay, "github", "collaborations", "gh/"), client, old).records())
    replay.requests.clear()
    serve(replay, "/gh/repos/PyGithub/PyGithub", load("github/repos_PyGithub_PyGithub.json"), pair[0])
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://github.com/PyGithub/PyGithub"]}}}
    client = make_client(replay)
    for _ in range(2):
        assert list(github.GitHub(config(replay, "github", "collaborations", "gh/"), client, ctx).records()) == [
            {"id": "c", "facts": {"repositories": 1, "stars": 7122, "last_activity": "2024-12-19T12:01:11+00:00"}}]
    sent = replay.requests_to("/gh/repos/PyGithub/PyGithub")
    assert sent[1].headers["If-None-Match"] == pair[1]["request"]["headers"]["If-None-Match"]
    assert sent[1].headers["If-Modified-Since"] == pair[1]["request"]["headers"]["If-Modified-Since"]
    assert client.stats.not_modified == 1


def test_github_user_listing_over_recorded_link_headers(replay):
    need("github")
    repos = load("github/users_jacquev6_repos_trimmed.json")
    facts = github.activity_facts(repos)
    assert facts == {"repositories": 2, "stars": 3, "last_activity": "2020-03-22T14:23:52+00:00"}
    CollaborationFacts(**facts)
    pages = load("github/releases_pagination_link.headers.json")
    rebase = ("https://api.github.com/", replay.base_url + "gh/")
    replay.add("/gh/orgs/jacquev6/repos", {"message": "Not Found"}, status=404)
    serve(replay, "/gh/users/jacquev6/repos", repos, pages[0], rebase=rebase)
    serve(replay, "/gh/repositories/3544490/releases", repos, pages[1], query={"page": "2"}, rebase=rebase)
    serve(replay, "/gh/repositories/3544490/releases", repos, pages[2], query={"page": "3"}, rebase=rebase)
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://github.com/jacquev6"]}}}
    records = list(github.GitHub(config(replay, "github", "collaborations", "gh/"), make_client(replay), ctx).records())
    assert records == [{"id": "c", "facts": facts}]
    assert [r.query.get("page") for r in replay.requests if "repositories" in r.path] == ["2", "3"]


@pytest.mark.parametrize("index", [0, 1])
def test_github_recorded_rate_limit_answers_stop_the_source(replay, index):
    need("github")
    exchange = load("github/rate_limit_exceeded_403.json")[index]
    serve(replay, "/gh/repos/o/r", exchange["body"], exchange, status=exchange["status"])
    ctx = {"software": {"s": {"id": "s", "repository": "https://github.com/o/r"}}}
    with pytest.raises(RateLimited):
        list(github.GitHub(config(replay, "github", "software", "gh/"), make_client(replay), ctx).records())


def test_github_recorded_graphql_envelope(replay):
    need("github")
    body = load("github/graphql_repository_url.json")
    recorded = load("github/graphql_repository_url.headers.json")
    assert github.graphql_nodes(body, 0) == ({}, {})  # a data envelope without errors is accepted
    replay.add("/gh/graphql", {"data": {"r0": body["data"]["repository"]}}, method="POST",
               headers={k: v for k, v in recorded["headers"].items() if k.lower().startswith("x-ratelimit")})
    ctx = {"software": {"pygithub": {"id": "pygithub", "repository": "https://github.com/PyGithub/PyGithub"}}}
    from knowhow.harvest.http import Token
    client = make_client(replay, token=Token("GITHUB_TOKEN", "t", frozenset({"127.0.0.1"})))
    records = list(github.GitHub(config(replay, "github", "software", "gh/"), client, ctx).records())
    assert records == [{"id": "pygithub", "facts": {}}]  # the recorded query asked for the URL only


# --------------------------------------------------------------------------- gitlab

def test_gitlab_recorded_projects(replay):
    need("gitlab")
    anon = load("gitlab/project_unauthenticated_events4j.json")
    authed = load("gitlab/project_authenticated_moon_sortedkeys.json")
    assert gitlab.project_facts(anon) == {"stars": 0, "forks": 0}
    assert gitlab.project_facts(authed) == {"stars": 0, "forks": 0, "open_issues": 16, "archived": False}
    assert gitlab.activity_facts([anon, authed]) == {"repositories": 2, "stars": 0,
                                                     "last_activity": "2022-12-04T19:25:24+00:00"}
    serve(replay, "/gl/api/v4/projects/PhilippHeuer/events4j", fixture("gitlab/project_unauthenticated_events4j.json"))
    serve(replay, "/gl/api/v4/projects/test-user/moon", fixture("gitlab/project_authenticated_moon_sortedkeys.json"))
    ctx = {"software": {"events4j": {"id": "events4j", "repository": "https://gitlab.com/PhilippHeuer/events4j"},
                        "moon": {"id": "moon", "repository": "https://gitlab.com/test-user/moon"}}}
    records = list(gitlab.GitLab(config(replay, "gitlab", "software", "gl/", host="gitlab.com"),
                                 make_client(replay), ctx).records())
    assert records == [{"id": "events4j", "facts": {"stars": 0, "forks": 0}},
                       {"id": "moon", "facts": {"stars": 0, "forks": 0, "open_issues": 16, "archived": False}}]
    for r in records:
        SoftwareFacts(**r["facts"])


# --------------------------------------------------------------------------- zenodo

def test_zenodo_recorded_community_pages(replay):
    need("zenodo")
    rebase = ("https://zenodo.org/", replay.base_url + "zen/")
    page1 = json.loads(fixture("zenodo/records_communities_ardc_page1_trimmed.json").read_text().replace(*rebase))
    page2 = json.loads(fixture("zenodo/records_communities_ardc_page2_trimmed.json").read_text().replace(*rebase))
    for body in (page1, page2):
        total, hits = zenodo.search_hits(body)
        assert total == 310 and all(zenodo.record_stats(h)["views"] is not None for h in hits)
    replay.add("/zen/api/records", page1, query={"communities": "ardc", "page": "1"})
    replay.add("/zen/api/records", page2, query={"page": "2"})
    ctx = {"open_data": {"ardc": {"id": "ardc"}}}
    a = zenodo.Zenodo(config(replay, "zenodo", "open_data", "zen/", communities={"ardc": "ardc"}),
                      make_client(replay), ctx)
    [record] = list(a.records())
    # The recording's page 2 has no next link although 310 records exist: counted, not summed.
    assert record["facts"] == {"records": 310, "latest_record": "2024-02-28T23:29:31+00:00"}
    assert set(record["_errors"]) == {"facts.views", "facts.downloads"}
    OpenDataFacts(**record["facts"])


# --------------------------------------------------------------------------- datacite

def test_datacite_recorded_single_doi_and_list(replay):
    need("datacite")
    single = load("datacite/doi_10.5281_zenodo.3763271_xml_truncated.json")
    attrs = datacite.doi_attributes(single)
    assert datacite.software_facts("10.5281/zenodo.3763271", attrs, []) == {"citations": 0}
    listing = load("datacite/dois_list_page1_size5_trimmed.json")
    items = datacite.list_items(listing)
    assert [i["id"] for i in items] == ["10.5281/zenodo.3596961", items[1]["id"]]
    assert datacite.count_facts(listing) == {"dois": 18666188}  # the 2020 API had no usage facets
    assert datacite.is_version_of(items[0], "10.5281/zenodo.3596960")

    serve(replay, "/dc/dois", fixture("datacite/dois_list_page1_size5_trimmed.json"),
          load("datacite/dois_list_page1_size5.headers.json"), query={"prefix": "10.5281"})
    ctx = {"open_data": {"zenodo": {"id": "zenodo", "doi_prefix": "10.5281"}}}
    client = make_client(replay)
    records = list(datacite.DataCite(config(replay, "datacite", "open_data", "dc/"), client, ctx).records())
    assert records == [{"id": "zenodo", "facts": {"dois": 18666188}}]
    OpenDataFacts(**records[0]["facts"])
    list(datacite.DataCite(config(replay, "datacite", "open_data", "dc/"), client, ctx).records())
    assert client.stats.not_modified == 1  # the recorded weak ETag answers the second run with a 304


# --------------------------------------------------------------------------- panosc

PANOSC = sorted(p.name for p in (SHARED_FIXTURES / "panosc").glob("*.json")) if SHARED_FIXTURES.is_dir() else []


@pytest.mark.parametrize("name", PANOSC)
def test_panosc_recorded_pages_are_counted(replay, name):
    body = load(f"panosc/{name}")
    pids = panosc.page_pids(body)
    assert len(pids) == len(body)
    providers = {i["provider"] for i in body if "provider" in i}
    if providers:  # a federated answer: counted for a facility only when the items are that facility's
        with pytest.raises(BadResponse, match="from provider"):
            panosc.page_pids(body, replay.url("p/api/"))
        body = [{**i, "provider": replay.url("p/api")} for i in body]
    model = "Documents" if "documents" in name else "Datasets"
    other = "Datasets" if model == "Documents" else "Documents"
    replay.add(f"/p/api/{model}/count", {"error": {"statusCode": 404, "name": "Error"}}, status=404)
    replay.add(f"/p/api/{other}/count", {"count": 0})
    serve(replay, f"/p/api/{model}", json.dumps(body).encode())
    a = panosc.PaNOSC(config(replay, "panosc", "open_data", "p/api", record="o"), make_client(replay),
                      {"open_data": {"o": {"id": "o"}}})
    [record] = list(a.records())
    assert record["facts"][model.lower()] == len(set(pids))
    OpenDataFacts(**record["facts"])


# --------------------------------------------------------------------------- oaipmh

OAI = sorted(p.name for p in (SHARED_FIXTURES / "oaipmh").glob("*.xml")) if SHARED_FIXTURES.is_dir() else []
LISTS = {"zenodo_listrecords_oai_dc_page1.xml": ("ListRecords", 3, 8091628),
         "zenodo_listrecords_oai_dc_page2_cursor50.xml": ("ListRecords", 3, 8091628),
         "zenodo_listrecords_datacite_page1_trimmed.xml": ("ListRecords", 2, None),
         "zenodo_listidentifiers_oai_dc.xml": ("ListIdentifiers", 3, 8084640),
         "tess_listrecords.xml": ("ListRecords", 2, None),
         "zenodo_getrecord_oai_dc.xml": ("GetRecord", 1, None),
         "zenodo_getrecord_datacite.xml": ("GetRecord", 1, None)}


@pytest.mark.parametrize("name", [n for n in OAI if n not in ("zenodo_identify.xml", "tess_identify.xml",
                                                              "zenodo_listmetadataformats.xml")])
def test_oaipmh_recorded_pages_parse(name):
    content = fixture(f"oaipmh/{name}").read_bytes()
    if name.startswith(("error_", "zenodo_error_")):
        code = name.removeprefix("zenodo_").removeprefix("error_").removesuffix("_422.xml").removesuffix(".xml")
        assert oaipmh.parse_page(content).error[0] == code
        return
    verb, count, size = LISTS[name]
    if verb == "GetRecord":  # not a list: refused as one, but its header reads like a list's
        with pytest.raises(BadResponse):
            oaipmh.parse_page(content, "ListRecords")
        return
    page = oaipmh.parse_page(content, verb)
    assert len(page.headers) == count
    if size is not None:
        assert page.complete_size == size
    if name == "zenodo_listidentifiers_oai_dc.xml":
        assert [h.deleted for h in page.headers] == [True, False, False]


def test_oaipmh_recorded_zenodo_chain_through_the_token(replay):
    need("oaipmh")
    headers = load("oaipmh/zenodo_oai2d.headers.json")
    page1 = fixture("oaipmh/zenodo_listrecords_oai_dc_page1.xml").read_bytes()
    page2 = fixture("oaipmh/zenodo_listrecords_oai_dc_page2_cursor50.xml").read_bytes()
    token = oaipmh.parse_page(page1, "ListRecords").token
    serve(replay, "/oai2d", page1, headers[0], query={"metadataPrefix": "oai_dc"})
    serve(replay, "/oai2d", page2, headers[0], query={"resumptionToken": token})
    a = oaipmh.OAIPMH(config(replay, "oaipmh", "open_data", "oai2d", record="zenodo", verb="ListRecords",
                             max_pages=2), make_client(replay), {"open_data": {"zenodo": {"id": "zenodo"}}})
    # Zenodo's 8 million records are never paged through: a bounded listing publishes no figure
    # (completeListSize counts deleted records too; `mode: size` states it when that is wanted).
    [record] = list(a.records())
    assert record["facts"] == {} and set(record["_errors"]) == {"facts.records", "facts.latest_record"}
    assert [r.query.get("resumptionToken") for r in replay.requests] == [None, token]


def test_oaipmh_recorded_zenodo_422_bad_token_restarts(replay):
    need("oaipmh")
    headers = load("oaipmh/zenodo_oai2d.headers.json")
    page = fixture("oaipmh/tess_listrecords.xml").read_bytes()  # a complete one-page list
    first = fixture("oaipmh/zenodo_listrecords_oai_dc_page1.xml").read_bytes()
    token = oaipmh.parse_page(first, "ListRecords").token
    serve(replay, "/oai2d", first, headers[0], query={"metadataPrefix": "oai_dc"})
    serve(replay, "/oai2d", fixture("oaipmh/zenodo_error_badResumptionToken_422.xml").read_bytes(), headers[1],
          status=422, query={"resumptionToken": token})
    serve(replay, "/oai2d", page, headers[0], query={"resumptionToken": token})
    a = oaipmh.OAIPMH(config(replay, "oaipmh", "open_data", "oai2d", record="z", verb="ListRecords"),
                      make_client(replay), {"open_data": {"z": {"id": "z"}}})
    [record] = list(a.records())
    assert a.restarts == 1
    # Page 1 of the restart plus a list that ends without the closing token, far short of the
    # completeListSize page 1 announced: partial, so no figure is published.
    assert record["facts"] == {} and "partial listing" in record["_errors"]["facts.records"]


# --------------------------------------------------------------------------- pypi

def test_pypi_recorded_release(replay):
    need("pypi")
    body = load("pypi/release_poetry-core_2.1.3.json")
    facts = pypi.release_facts(body)
    assert facts == {"pypi_version": "2.1.3", "pypi_release_date": "2025-05-04T12:43:09+00:00"}
    SoftwareFacts(**facts)
    assert pypi.release_extras(body) == {"license": "MIT"}
    serve(replay, "/mirror/pypi/poetry-core/json", fixture("pypi/release_poetry-core_2.1.3.json"))
    ctx = {"software": {"poetry-core": {"id": "poetry-core", "license": "MIT", "packages": {"pypi": "Poetry_Core"}}}}
    assert list(pypi.PyPI(config(replay, "pypi", "software", "mirror/"), make_client(replay), ctx).records()) == [
        {"id": "poetry-core", "facts": facts}]


# --------------------------------------------------------------------------- completeness

@pytest.mark.parametrize("source", SOURCES)
def test_every_recording_is_used(source):
    need(source)
    files = sorted(p.name for p in (SHARED_FIXTURES / source).iterdir() if p.is_file())
    declared = REPLAYED[source]
    unused = [f for f in files if declared != "*" and f not in declared and f"{source}/{f}" not in NOT_USED]
    assert unused == [], f"recordings no test replays (use them or add them to NOT_USED): {unused}"
    missing = sorted(set(declared) - set(files)) if declared != "*" else []
    assert missing == [], f"declared but not recorded: {missing}"
