"""DataCite adapter: software citations over cursor-paged versions, DOI counts per prefix or client."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig
from knowhow.harvest.sources import datacite as dc
from knowhow.registry.model import OpenDataFacts, SoftwareFacts

D = DATA / "datacite"
CONCEPT = "10.5281/zenodo.591709"


def load(name: str, srv=None):
    text = (D / name).read_text(encoding="utf-8")
    if srv is not None:  # recorded links point at api.datacite.org; the replay server stands in for it
        text = text.replace("https://api.datacite.org/", srv.base_url + "dc/")
    return json.loads(text)


def adapter(srv, context, *, kind="software", client=None, **params):
    config = SourceConfig(name="datacite", type="datacite", kind=kind, base_url=srv.base_url + "dc/", params=params)
    return dc.DataCite(config, client or make_client(srv), context)


def test_software_citations_add_the_versions_and_ignore_mere_mentions():
    attrs = dc.doi_attributes(load("doi_silx_concept_detail.json"))
    versions = dc.list_items(load("versions_cursor_page1.json")) + dc.list_items(load("versions_cursor_page2_last.json"))
    facts = dc.software_facts(CONCEPT, attrs, versions)
    assert facts == {"citations": 35 + 4 + 11 + 0}  # Zenodo DOIs: versions come from the zenodo source
    SoftwareFacts(**facts)


def test_non_zenodo_software_states_its_version_count():
    attrs = dc.doi_attributes(load("doi_ess_scipp.json"))
    assert dc.software_facts("10.17199/ess-scipp-2026", attrs, []) == {
        "citations": 3, "versions": 2, "concept_doi": "10.17199/ess-scipp-2026"}  # it has versions: the concept


def test_count_facts_sum_the_yearly_usage_facets():
    facts = dc.count_facts(load("dois_prefix_esrf_size0.json"))
    assert facts == {"dois": 48213, "citations": 310 + 402 + 515 + 577 + 130, "views": 38211, "downloads": 4999}
    OpenDataFacts(**facts)
    assert dc.count_facts(load("dois_client_empty.json")) == {"dois": 0}  # no usage facets when nothing matches


def test_not_json_api_is_a_bad_response():
    with pytest.raises(BadResponse):
        dc.doi_attributes({"doi": CONCEPT})
    with pytest.raises(BadResponse):
        dc.count_facts({"data": []})


def test_software_harvest_follows_the_cursor(replay):
    replay.add(f"/dc/dois/{CONCEPT}", D / "doi_silx_concept_detail.json", content_type="application/vnd.api+json")
    replay.add("/dc/dois", load("versions_cursor_page1.json", replay),
               query={"page[cursor]": "1", "query": f'relatedIdentifiers.relatedIdentifier:"{CONCEPT}"'},
               content_type="application/vnd.api+json")
    cursor = load("versions_cursor_page1.json")["links"]["next"].split("page%5Bcursor%5D=")[1].split("&")[0]
    replay.add("/dc/dois", load("versions_cursor_page2_last.json", replay), query={"page[cursor]": cursor},
               content_type="application/vnd.api+json")
    replay.add("/dc/dois/10.17199/ess-scipp-2026", D / "doi_ess_scipp.json")
    replay.add("/dc/dois", D / "versions_none.json", query={"query": 'relatedIdentifiers.relatedIdentifier:'
                                                                     '"10.17199/ess-scipp-2026"'})
    replay.add("/dc/dois/10.1234/unknown", D / "doi_not_found_404.json", status=404)
    ctx = {"software": {"silx": {"id": "silx", "doi": "https://doi.org/10.5281/zenodo.591709"},
                        "scipp": {"id": "scipp", "doi": "10.17199/ESS-scipp-2026"},
                        "unknown": {"id": "unknown", "doi": "10.1234/unknown"},
                        "no-doi": {"id": "no-doi"}}}
    a = adapter(replay, ctx, page_size=3)
    assert list(a.records()) == [{"id": "scipp", "facts": {"citations": 3, "versions": 2,
                                                           "concept_doi": "10.17199/ess-scipp-2026"}},
                                 {"id": "silx", "facts": {"citations": 50}}]
    assert a.problems == ["10.1234/unknown: not a DataCite DOI"]
    pages = [r.query for r in replay.requests_to("/dc/dois") if "silx" not in r.path]
    silx_pages = [q for q in pages if "591709" in str(q)]
    assert silx_pages[0]["page[cursor]"] == "1" and silx_pages[0]["page[size]"] == "3"
    assert silx_pages[1]["page[cursor]"] == cursor  # the opaque cursor is followed, never computed


def test_open_data_counts_by_prefix_and_by_client(replay):
    replay.add("/dc/dois", D / "dois_prefix_esrf_size0.json", query={"prefix": "10.15151"})
    replay.add("/dc/dois", D / "dois_client_empty.json", query={"client-id": "ill.ill"})
    ctx = {"open_data": {"esrf-data-portal": {"id": "esrf-data-portal", "doi_prefix": "10.15151"},
                         "ill-data": {"id": "ill-data", "doi_prefix": "10.5291"},
                         "no-prefix": {"id": "no-prefix"}}}
    a = adapter(replay, ctx, kind="open_data", clients={"ill-data": "ILL.ILL", "ghost": "x.y"})
    records = list(a.records())
    assert records == [{"id": "esrf-data-portal", "facts": dc.count_facts(load("dois_prefix_esrf_size0.json"))},
                       {"id": "ill-data", "facts": {"dois": 0}}]
    assert a.problems == ["ghost: not an open_data record in the registry"]
    assert all(r.query["page[size]"] == "0" for r in replay.requests)  # counts only, no records downloaded


def test_a_shared_prefix_counts_for_the_facility_portal_not_the_collection(replay):
    replay.add("/dc/dois", D / "dois_prefix_esrf_size0.json", query={"prefix": "10.15151"})
    replay.add("/dc/dois", D / "dois_client_empty.json", query={"query": 'titles.title:"Human Organ Atlas"'})
    ctx = {"open_data": {
        "esrf-data-portal": {"id": "esrf-data-portal", "type": "facility-portal", "doi_prefix": "10.15151"},
        "human-organ-atlas": {"id": "human-organ-atlas", "type": "curated-collection", "doi_prefix": "10.15151"},
        "twin-a": {"id": "twin-a", "type": "facility-portal", "doi_prefix": "10.9999"},
        "twin-b": {"id": "twin-b", "type": "facility-portal", "doi_prefix": "10.9999"}}}
    a = adapter(replay, ctx, kind="open_data")
    assert [r["id"] for r in a.records()] == ["esrf-data-portal"]
    assert a.problems == [
        "human-organ-atlas: shares DOI prefix 10.15151 with esrf-data-portal; give it a DataCite client or query "
        "in params.clients / params.queries to count it",
        "twin-a: shares DOI prefix 10.9999 with twin-b; give it a DataCite client or query in params.clients / "
        "params.queries to count it",
        "twin-b: shares DOI prefix 10.9999 with twin-a; give it a DataCite client or query in params.clients / "
        "params.queries to count it"]
    b = adapter(replay, ctx, kind="open_data", queries={"human-organ-atlas": 'titles.title:"Human Organ Atlas"'})
    assert [r["id"] for r in b.records()] == ["esrf-data-portal", "human-organ-atlas"]


@pytest.mark.parametrize("fault", ["html200", "truncate_clean"])
def test_broken_count_answer_fails_the_source(replay, fault):
    replay.add("/dc/dois", D / "dois_prefix_esrf_size0.json", query={"prefix": "10.15151"})
    replay.fault("/dc/dois", fault, times=5)
    ctx = {"open_data": {"esrf-data-portal": {"id": "esrf-data-portal", "doi_prefix": "10.15151"}}}
    with pytest.raises(BadResponse):
        list(adapter(replay, ctx, kind="open_data").records())
