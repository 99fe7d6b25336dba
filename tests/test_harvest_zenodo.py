"""Zenodo adapter: software versions and statistics, community pages through links.next."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig
from knowhow.harvest.sources import zenodo as zn
from knowhow.registry.model import OpenDataFacts, SoftwareFacts

D = DATA / "zenodo"


def load(name: str, srv=None):
    text = (D / name).read_text(encoding="utf-8")
    if srv is not None:  # recorded links point at zenodo.org; the replay server stands in for it
        text = text.replace("https://zenodo.org/", srv.base_url + "zen/")
    return json.loads(text)


def adapter(srv, context, *, kind="software", client=None, **params):
    config = SourceConfig(name="zenodo", type="zenodo", kind=kind, base_url=srv.base_url + "zen/", params=params)
    return zn.Zenodo(config, client or make_client(srv), context)


def test_software_facts_from_newest_version_with_all_versions_statistics():
    facts = zn.software_facts(load("concept_search_silx_newest_first.json"))
    assert facts == {"versions": 41, "views": 7803, "downloads": 1904,  # unique counts, all versions
                     "concept_doi": "10.5281/zenodo.591709"}
    SoftwareFacts(**facts)
    assert zn.software_facts(load("concept_search_no_hits.json")) == {}


def test_envelope_that_is_not_zenodo_is_a_bad_response():
    with pytest.raises(BadResponse):
        zn.search_hits({"data": []})
    with pytest.raises(BadResponse):
        zn.search_hits({"hits": {"hits": [], "total": "many"}})


def test_zenodo_recid_only_for_zenodo_dois():
    assert zn.zenodo_recid("10.5281/zenodo.591709") == "591709"
    assert zn.zenodo_recid("10.15151/esrf-es-123") is None


def test_software_harvest_concept_and_version_dois(replay):
    replay.add("/zen/api/records", D / "concept_search_silx_newest_first.json", query={"q": "conceptrecid:591709"})
    replay.add("/zen/api/records", D / "concept_search_no_hits.json", query={"q": "conceptrecid:1234567"})
    replay.add("/zen/api/records/1234567", D / "record_version_pyfai.json")
    replay.add("/zen/api/records", D / "concept_search_pyfai_newest_first.json", query={"q": "conceptrecid:832896"})
    replay.add("/zen/api/records", D / "concept_search_no_hits.json", query={"q": "conceptrecid:999"})
    replay.add("/zen/api/records/999", D / "record_not_found_404.json", status=404)
    ctx = {"software": {
        "silx": {"id": "silx", "doi": "10.5281/zenodo.591709"},
        "pyfai": {"id": "pyfai", "doi": "10.5281/ZENODO.1234567"},  # a version DOI, any case
        "ghost": {"id": "ghost", "doi": "10.5281/zenodo.999"},
        "not-zenodo": {"id": "not-zenodo", "doi": "10.17199/brightness/mg0026"},
    }}
    a = adapter(replay, ctx)
    records = list(a.records())
    assert records == [{"id": "pyfai", "facts": {"versions": 63, "views": 21877, "downloads": 6543,
                                                 "concept_doi": "10.5281/zenodo.832896"}},
                       {"id": "silx", "facts": {"versions": 41, "views": 7803, "downloads": 1904,
                                                "concept_doi": "10.5281/zenodo.591709"}}]
    assert a.problems == ["10.5281/zenodo.999: no published Zenodo record"]
    first = replay.requests_to("/zen/api/records")[0].query
    assert first == {"q": "conceptrecid:999", "all_versions": "true", "sort": "mostrecent", "size": "1"}


def test_community_pages_are_followed_and_summed(replay):
    replay.add("/zen/api/records", load("community_esrf_page1.json", replay), query={"communities": "esrf", "page": "1"})
    replay.add("/zen/api/records", load("community_esrf_page2.json", replay), query={"page": "2"})
    replay.add("/zen/api/records", load("community_esrf_page3_last.json", replay), query={"page": "3"})
    ctx = {"open_data": {"esrf-zenodo": {"id": "esrf-zenodo", "name": "ESRF on Zenodo"}}}
    records = list(adapter(replay, ctx, kind="open_data", communities={"esrf-zenodo": "esrf",
                                                                        "unknown": "x"}, size=2).records())
    assert records == [{"id": "esrf-zenodo", "facts": {
        "records": 6, "latest_record": "2026-11-20T10:00:00+00:00",
        "views": sum(50 + i for i in range(6)), "downloads": sum(5 + i for i in range(6))}}]
    OpenDataFacts(**records[0]["facts"])
    assert [r.query.get("page") for r in replay.requests_to("/zen/api/records")] == ["1", "2", "3"]


def test_incomplete_listing_keeps_the_count_but_does_not_sum(replay):
    # The second page says there is no next page although 6 records exist (seen in a real recording).
    page2 = load("community_esrf_page2.json", replay)
    del page2["links"]["next"]
    replay.add("/zen/api/records", load("community_esrf_page1.json", replay), query={"communities": "esrf", "page": "1"})
    replay.add("/zen/api/records", page2, query={"page": "2"})
    ctx = {"open_data": {"esrf-zenodo": {"id": "esrf-zenodo"}}}
    a = adapter(replay, ctx, kind="open_data", communities={"esrf-zenodo": "esrf"})
    why = "not every record of the community could be listed"
    assert list(a.records()) == [{"id": "esrf-zenodo", "facts": {"records": 6,
                                                                 "latest_record": "2026-11-20T10:00:00+00:00"},
                                  "_errors": {"facts.views": why, "facts.downloads": why}}]
    assert a.problems == ["community esrf: 4 of 6 records listed; views and downloads not summed"]


def test_next_link_off_host_is_refused(replay):
    page1 = load("community_esrf_page1.json")  # links still point at https://zenodo.org
    replay.add("/zen/api/records", page1)
    ctx = {"open_data": {"o": {"id": "o"}}}
    with pytest.raises(BadResponse, match="refusing next link"):
        list(adapter(replay, ctx, kind="open_data", communities={"o": "esrf"}).records())


def test_a_next_link_served_twice_is_a_loop_not_more_pages(replay):
    replay.add("/zen/api/records", load("community_esrf_page1.json", replay))  # every page says "next: page 2"
    ctx = {"open_data": {"o": {"id": "o"}}}
    with pytest.raises(BadResponse, match="loop"):
        list(adapter(replay, ctx, kind="open_data", communities={"o": "esrf"}).records())
    assert len(replay.requests) == 2
