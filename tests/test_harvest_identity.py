"""Answer identity: every adapter checks that an answer is about what it asked for; an answer about
another Zenodo concept or record, DOI, repository (after a redirect), project or PaNOSC provider
is a source error, served here by the replay server, and the last good figures stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harvest_support import DATA, make_client, make_settings
from knowhow.harvest.base import SourceConfig, WrongAnswer
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.http import Token
from knowhow.harvest.runner import run
from knowhow.harvest.sources import ADAPTERS
from knowhow.registry.yamlio import load_file

SILX = {"id": "silx", "doi": "10.5281/zenodo.591709", "repository": "https://github.com/silx-kit/silx",
        "packages": {"pypi": "silx"}}


def body(rel: str) -> dict:
    return json.loads((DATA / rel).read_text())


def adapter(srv, type_: str, path: str, context: dict, kind: str = "software", client=None, **params):
    cfg = SourceConfig(name=f"t-{type_}", type=type_, kind=kind, base_url=srv.url(path), params=params)
    return ADAPTERS[type_](cfg, client or make_client(srv), context)


def test_zenodo_answer_about_another_concept_keeps_the_last_figures(tmp_path, replay):
    root = tmp_path / "registry"
    (root / "curated/software").mkdir(parents=True)
    (root / "curated/software/silx.yaml").write_text(
        "id: silx\nname: silx\ndescription: Data analysis.\nhomepage: http://www.silx.org/\n"
        "doi: 10.5281/zenodo.591709\n")
    config = HarvestConfig("s", (SourceConfig("zenodo-software", "zenodo", "software", replay.url("zen/api/")),))
    kw = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
              settings=make_settings(replay))
    good = body("zenodo/concept_search_silx_newest_first.json")
    replay.add("zen/api/records", good, query={"q": "conceptrecid:591709"})
    run(config, **kw)
    path = root / "harvested/software/silx.yaml"
    first = load_file(path).data["facts"]
    assert first["versions"] == 41
    before = path.read_bytes()

    other = json.loads(json.dumps(good))
    for hit in other["hits"]["hits"]:
        hit["conceptrecid"] = "1234"  # the search answered about another concept
    replay.clear("zen/api/records")
    replay.add("zen/api/records", other, query={"q": "conceptrecid:591709"})
    report = run(config, **kw)
    row = report.rows[0].outcome
    assert row.failed and row.error.startswith("wrong-answer: 10.5281/zenodo.591709: asked for Zenodo concept 591709")
    assert path.read_bytes() == before  # nothing taken from it


def test_zenodo_version_lookup_answering_another_record(replay):
    replay.add("zen/api/records", {"hits": {"hits": [], "total": 0}})
    replay.add("zen/api/records/1234567", dict(body("zenodo/record_version_pyfai.json"), id=7654321))
    ctx = {"software": {"pyfai": {"id": "pyfai", "doi": "10.5281/zenodo.1234567"}}}
    with pytest.raises(WrongAnswer, match="asked for Zenodo record 1234567, the answer is record 7654321"):
        list(adapter(replay, "zenodo", "zen/api/", ctx).records())


def test_datacite_answer_about_another_doi(replay):
    wrong = body("datacite/doi_silx_concept_detail.json")
    wrong["data"]["id"] = wrong["data"]["attributes"]["doi"] = "10.5281/zenodo.1"
    replay.add("dc/dois/10.5281/zenodo.591709", wrong)
    with pytest.raises(WrongAnswer, match="asked DataCite for 10.5281/zenodo.591709, the answer is about 10.5281/zenodo.1"):
        list(adapter(replay, "datacite", "dc/", {"software": {"silx": SILX}}).records())
    replay.clear("dc/dois/10.5281/zenodo.591709")
    right = body("datacite/doi_silx_concept_detail.json")
    right["data"]["attributes"]["doi"] = "10.5281/ZENODO.591709"  # DOIs are case-insensitive
    replay.add("dc/dois/10.5281/zenodo.591709", right)
    replay.add("dc/dois", DATA / "datacite/versions_none.json")
    assert list(adapter(replay, "datacite", "dc/", {"software": {"silx": SILX}}).records())


def test_github_redirect_to_another_repository_is_refused(replay):
    # GitHub answers a renamed or transferred repository with a redirect to /repositories/ID.
    replay.add("gh/repos/silx-kit/silx", status=301, headers={"Location": replay.url("gh/repositories/42")},
               content_type=None)
    replay.add("gh/repositories/42", DATA / "github/repo_fabio_hostile.json")
    with pytest.raises(WrongAnswer, match="github.com/silx-kit/silx: the answer is about 'silx-kit/fabio'"):
        list(adapter(replay, "github", "gh/", {"software": {"silx": SILX}}, mode="rest").records())
    assert [r.path for r in replay.requests] == ["/gh/repos/silx-kit/silx", "/gh/repositories/42"]


def test_github_redirect_to_the_same_repository_is_fine(replay):
    replay.add("gh/repos/silx-kit/silx", status=301, headers={"Location": replay.url("gh/repositories/42")},
               content_type=None)
    repo = dict(body("github/repo_silx.json"), full_name="Silx-Kit/SILX")  # names are case-insensitive
    replay.add("gh/repositories/42", repo)
    replay.add("gh/repos/silx-kit/silx/releases/latest", DATA / "github/release_latest_silx.json")
    replay.add("gh/repos/silx-kit/silx/branches/main", DATA / "github/branch_main_silx.json")
    [record] = list(adapter(replay, "github", "gh/", {"software": {"silx": SILX}}, mode="rest").records())
    assert record["facts"]["stars"] == 147


def test_github_graphql_node_about_another_repository(replay):
    answer = body("github/graphql_batch_found_and_missing.json")
    answer["data"]["r0"]["nameWithOwner"] = "someone/else"
    replay.add("gh/graphql", answer, method="POST", etag=False)
    client = make_client(replay, token=Token("GITHUB_TOKEN", "t", frozenset({"127.0.0.1"})))
    gone = {"id": "zz-gone", "repository": "https://github.com/silx-kit/gone-away"}
    ctx = {"software": {"silx": SILX, "zz-gone": gone}}
    with pytest.raises(WrongAnswer, match="'someone/else'"):
        list(adapter(replay, "github", "gh/", ctx, client=client).records())


def test_github_org_listing_with_a_repository_of_another_owner(replay):
    repos = body("github/org_repos_page1.json")
    repos[0] = dict(repos[0], owner={"login": "intruder"}, full_name="intruder/x")
    replay.add("gh/orgs/silx-kit/repos", repos)
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://github.com/silx-kit"]}}}
    with pytest.raises(WrongAnswer, match="'intruder/x' of another owner"):
        list(adapter(replay, "github", "gh/", ctx, kind="collaborations").records())


def test_gitlab_project_answer_about_another_project(replay):
    replay.add("gl/api/v4/projects/ui/bliss", body("gitlab/project_anonymous_bliss.json"))
    ctx = {"software": {"bliss": {"id": "bliss", "repository": "https://gitlab.esrf.fr/ui/bliss"}}}
    with pytest.raises(WrongAnswer, match="gitlab.esrf.fr/ui/bliss: the answer is about 'bliss/bliss'"):
        list(adapter(replay, "gitlab", "gl/", ctx, host="gitlab.esrf.fr").records())


def test_pypi_answer_about_another_project(replay):
    replay.add("pypi/silx/json", dict(body("pypi/project_silx.json"),
                                           info={**body("pypi/project_silx.json")["info"], "name": "fabio"}))
    with pytest.raises(WrongAnswer, match="pypi.org/project/silx: the answer is about 'fabio'"):
        list(adapter(replay, "pypi", "pypi/", {"software": {"silx": SILX}}).records())


def test_panosc_items_from_another_provider(replay):
    replay.add("p/api/Datasets/count", {"error": {"statusCode": 404}}, status=404)
    replay.add("p/api/Documents/count", {"count": 1})
    replay.add("p/api/Datasets", [{"pid": "a", "provider": "https://scicat.ess.eu/panosc-api"}])
    ctx = {"open_data": {"ill-data": {"id": "ill-data"}}}
    with pytest.raises(WrongAnswer, match="an item from provider 'https://scicat.ess.eu/panosc-api'"):
        list(adapter(replay, "panosc", "p/api/", ctx, kind="open_data", record="ill-data").records())
    replay.clear("p/api/Datasets")
    replay.add("p/api/Datasets", [{"pid": "a", "provider": replay.url("p/api")}])  # its own items: counted
    [record] = list(adapter(replay, "panosc", "p/api/", ctx, kind="open_data", record="ill-data").records())
    assert record["facts"] == {"datasets": 1, "documents": 1}


def test_every_adapter_module_checks_identity():
    """A new adapter must decide how it checks identity (event sources own their ids)."""
    checked = {"zenodo", "datacite", "github", "gitlab", "pypi", "panosc", "review"}
    own_ids = {"tess", "indico", "ical", "oaipmh"}  # listings: no per-item question to answer wrongly
    assert set(ADAPTERS) == checked | own_ids
    src = Path(__file__).resolve().parents[1] / "knowhow/harvest/sources"
    for name in checked:
        assert "WrongAnswer" in (src / f"{name}.py").read_text(), name
