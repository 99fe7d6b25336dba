"""Citations: CITATION.cff from GitHub (REST and GraphQL) and GitLab, concept DOIs from Zenodo and
DataCite, into `facts.citation` and `facts.concept_doi`, served by the replay server."""

from __future__ import annotations

import base64
import json

import pytest

from harvest_support import DATA, make_client, make_settings
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.http import Token
from knowhow.harvest.runner import run
from knowhow.harvest.sources import ADAPTERS
from knowhow.harvest.sources import datacite as dc
from knowhow.harvest.sources.citation import CffError, citation, decode_content
from knowhow.registry.model import Software
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file

GH, GL = DATA / "github", DATA / "gitlab"
SILX_CITATION = {"title": "silx", "authors": ["Jane Doe", "Jan van der Berg", "ESRF Data Analysis Unit"],
                 "version": "2.2.0", "date_released": "2026-10-21", "doi": "10.5281/zenodo.591709",
                 "url": "http://www.silx.org/", "repository": "https://github.com/silx-kit/silx"}
SILX = {"id": "silx", "repository": "https://github.com/silx-kit/silx"}


def adapter(srv, type_, path, context, client=None, **params):
    cfg = SourceConfig(name=f"t-{type_}", type=type_, kind="software", base_url=srv.url(path), params=params)
    return ADAPTERS[type_](cfg, client or make_client(srv), context)


def serve_silx(srv, cff=GH / "contents_citation_cff_silx.json"):
    srv.add("gh/repos/silx-kit/silx", GH / "repo_silx.json")
    srv.add("gh/repos/silx-kit/silx/releases/latest", GH / "release_latest_silx.json")
    srv.add("gh/repos/silx-kit/silx/branches/main", GH / "branch_main_silx.json")
    srv.add("gh/repos/silx-kit/silx/contents/CITATION.cff", cff)


def test_citation_from_a_cff_text():
    text = decode_content(json.loads((GH / "contents_citation_cff_silx.json").read_text()))
    assert citation(text) == SILX_CITATION
    gl = citation(decode_content(json.loads((GL / "file_citation_cff_bliss.json").read_text())))
    assert gl == {"title": "BLISS: the beamline control system", "authors": ["Richard Roe", "ESRF Beamline Control Unit"],
                  "version": "2.1", "date_released": "2026-09-30", "doi": "10.5281/zenodo.7654321",
                  "repository": "https://gitlab.esrf.fr/bliss/bliss"}  # the DOI from `identifiers`
    for bad in ("title: [unclosed", "- a list", "title: x\n", "authors: [{name: A}]\n"):
        with pytest.raises(CffError):
            citation(bad)
    hostile = citation("title: '<script>alert(1)</script>Tool\u2028'\nauthors: [{name: '&lt;b&gt;Team&lt;/b&gt;'}]\n"
                       "url: 'javascript:alert(1)'\n")
    assert hostile == {"title": "Tool", "authors": ["Team"]}


def test_github_rest_harvests_the_citation(replay):
    serve_silx(replay)
    [record] = list(adapter(replay, "github", "gh/", {"software": {"silx": SILX}}, mode="rest").records())
    assert record["facts"]["citation"] == SILX_CITATION
    Software.model_validate({"id": "silx", "name": "silx", "description": "d", "homepage": "http://www.silx.org/",
                             "facts": record["facts"]})


def test_github_graphql_reads_the_citation_in_the_same_request(replay):
    answer = json.loads((GH / "graphql_batch_found_and_missing.json").read_text())
    text = decode_content(json.loads((GH / "contents_citation_cff_silx.json").read_text()))
    answer["data"]["r0"]["citationFile"] = {"text": text, "byteSize": len(text)}
    replay.add("gh/graphql", answer, method="POST", etag=False)
    client = make_client(replay, token=Token("GITHUB_TOKEN", "t", frozenset({"127.0.0.1"})))
    gone = {"id": "zz-gone", "repository": "https://github.com/silx-kit/gone-away"}
    ctx = {"software": {"silx": SILX, "zz-gone": gone}}
    [record] = list(adapter(replay, "github", "gh/", ctx, client=client).records())
    assert record["facts"]["citation"] == SILX_CITATION
    assert "citationFile: object(expression: \"HEAD:CITATION.cff\")" in json.loads(replay.requests[0].body)["query"]
    assert len(replay.requests) == 1


def test_gitlab_harvests_the_citation_from_the_default_branch(replay):
    replay.add("/gl/api/v4/projects/bliss/bliss", GL / "project_anonymous_bliss.json", query={"license": "true"})
    replay.add("/gl/api/v4/projects/bliss/bliss/repository/branches/master", GL / "branch_master_bliss.json")
    replay.add("/gl/api/v4/projects/bliss/bliss/releases", GL / "releases_newest_first_bliss.json")
    replay.add("/gl/api/v4/projects/bliss/bliss/repository/files/CITATION.cff", GL / "file_citation_cff_bliss.json",
               query={"ref": "master"})
    ctx = {"software": {"bliss": {"id": "bliss", "repository": "https://gitlab.esrf.fr/bliss/bliss"}}}
    [record] = list(adapter(replay, "gitlab", "gl/", ctx, host="gitlab.esrf.fr").records())
    assert record["facts"]["citation"]["authors"] == ["Richard Roe", "ESRF Beamline Control Unit"]


def test_a_broken_cff_keeps_the_last_good_citation(tmp_path, replay):
    root = tmp_path / "registry"
    (root / "curated/software").mkdir(parents=True)
    (root / "curated/software/silx.yaml").write_text(
        "id: silx\nname: silx\ndescription: Data analysis.\nhomepage: http://www.silx.org/\n"
        "repository: https://github.com/silx-kit/silx\n")
    config = HarvestConfig("s", (SourceConfig("github-software", "github", "software", replay.url("gh/"),
                                              {"mode": "rest"}),))
    kw = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
              settings=make_settings(replay))
    serve_silx(replay)
    run(config, **kw)
    path = root / "harvested/software/silx.yaml"
    assert load_file(path).data["facts"]["citation"] == SILX_CITATION
    assert validate(root)[1].valid

    replay.clear("gh/repos/silx-kit/silx/contents/CITATION.cff")
    replay.add("gh/repos/silx-kit/silx/contents/CITATION.cff", GH / "contents_citation_cff_broken_yaml.json")
    report = run(config, **kw)
    data = load_file(path).data
    assert data["facts"]["citation"] == SILX_CITATION  # kept
    assert "CITATION.cff is not readable" in data["provenance"]["facts.citation"]["error"]
    assert [(i.code, i.item) for i in report.rows[0].outcome.items] == [("unreadable", "github.com/silx-kit/silx")]

    before = path.read_bytes()
    run(config, **kw)
    assert path.read_bytes() == before  # the same broken file again: no churn


def test_concept_dois_from_zenodo_and_datacite(replay):
    replay.add("zen/api/records", DATA / "zenodo/concept_search_silx_newest_first.json",
               query={"q": "conceptrecid:591709"})
    ctx = {"software": {"silx": {"id": "silx", "doi": "10.5281/zenodo.591709"}}}
    [record] = list(adapter(replay, "zenodo", "zen/api/", ctx).records())
    assert record["facts"]["concept_doi"] == "10.5281/zenodo.591709"
    # A DataCite version DOI names its concept with IsVersionOf.
    attrs = {"doi": "10.17199/ess-scipp-2026.1", "citationCount": 1, "relatedIdentifiers": [
        {"relationType": "IsVersionOf", "relatedIdentifier": "https://doi.org/10.17199/ESS-SCIPP-2026",
         "relatedIdentifierType": "DOI"}]}
    assert dc.software_facts("10.17199/ess-scipp-2026.1", attrs, [])["concept_doi"] == "10.17199/ess-scipp-2026"
    assert "concept_doi" not in dc.software_facts("10.5281/zenodo.1", attrs, [])  # Zenodo's: the zenodo source


def test_decode_refuses_what_is_not_a_file():
    with pytest.raises(CffError):
        decode_content({"content": "x", "encoding": "none"})
    with pytest.raises(CffError):
        decode_content({"content": base64.b64encode(b"\xff\xfe\x00").decode()})
    with pytest.raises(CffError):
        decode_content({"content": base64.b64encode(b"a" * 300_000).decode()})
