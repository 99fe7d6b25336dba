"""PaNOSC adapter: count endpoints per facility API, LoopBack-filter paging when counts are missing."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig
from knowhow.harvest.sources import panosc as pn
from knowhow.registry.model import OpenDataFacts

D = DATA / "panosc"


def load(name: str):
    return json.loads((D / name).read_text(encoding="utf-8"))


def adapter(srv, context, client=None, **params):
    config = SourceConfig(name="panosc", type="panosc", kind="open_data", base_url=srv.base_url + "federated/api",
                          params=params)
    return pn.PaNOSC(config, client or make_client(srv), context)


def test_count_and_page_mapping():
    assert pn.count_of(load("datasets_count_ess.json")) == 1423
    assert pn.count_of(7) == 7
    with pytest.raises(BadResponse):
        pn.count_of(load("count_not_a_number.json"))
    assert pn.page_pids(load("datasets_page2_ill_short.json")) == ["10.5291/ILL-DATA.4-01-1711"]
    with pytest.raises(BadResponse):
        pn.page_pids({"error": "x"})
    assert json.loads(pn.loopback_filter(100, 200)) == {"fields": {"pid": True}, "limit": 100, "skip": 200}


def test_registry_endpoints_count_endpoint_and_paged_fallback(replay):
    replay.add("/ess/panosc-api/Datasets/count", D / "datasets_count_ess.json")
    replay.add("/ess/panosc-api/Documents/count", D / "documents_count_ess.json")
    replay.add("/ill/api/Datasets/count", D / "error_404_no_count_method.json", status=404)
    replay.add("/ill/api/Documents/count", D / "error_404_no_count_method.json", status=404)
    replay.add("/ill/api/Datasets", D / "datasets_page1_ill.json", query={"filter": pn.loopback_filter(3, 0)})
    replay.add("/ill/api/Datasets", D / "datasets_page2_ill_short.json", query={"filter": pn.loopback_filter(3, 3)})
    replay.add("/ill/api/Documents", D / "documents_page1_ill_short.json", query={"filter": pn.loopback_filter(3, 0)})
    ctx = {"open_data": {
        "ess-scicat": {"id": "ess-scicat", "api": {"type": "panosc", "endpoint": replay.base_url + "ess/panosc-api/"}},
        "ill-data": {"id": "ill-data", "api": {"type": "panosc", "endpoint": replay.base_url + "ill/api"}},
        "oai-only": {"id": "oai-only", "api": {"type": "oai-pmh", "endpoint": replay.base_url + "oai"}},
        "unsafe": {"id": "unsafe", "api": {"type": "panosc", "endpoint": "file:///etc/passwd"}},
    }}
    records = list(adapter(replay, ctx, page_size=3).records())
    assert records == [{"id": "ess-scicat", "facts": {"datasets": 1423, "documents": 86}},
                       {"id": "ill-data", "facts": {"datasets": 4, "documents": 1}}]
    for r in records:
        OpenDataFacts(**r["facts"])
    assert not any("oai" in r.path or "etc" in r.path for r in replay.requests)


def test_providers_relative_to_the_federated_base(replay):
    replay.add("/federated/api/providers/ess/Datasets/count", D / "datasets_count_ess.json")
    replay.add("/federated/api/providers/ess/Documents/count", D / "documents_count_ess.json")
    ctx = {"open_data": {"ess-scicat": {"id": "ess-scicat"}}}
    a = adapter(replay, ctx, providers={"ess-scicat": "providers/ess", "missing": "providers/x"})
    assert list(a.records()) == [{"id": "ess-scicat", "facts": {"datasets": 1423, "documents": 86}}]
    assert a.problems == ["missing: not an open_data record in the registry"]


def test_paging_beyond_the_bound_publishes_no_partial_count(replay):
    full_page = load("datasets_page1_ill.json")
    replay.add("/federated/api/Datasets/count", D / "error_404_no_count_method.json", status=404)
    replay.add("/federated/api/Documents/count", {"count": 2})
    for page in range(2):
        replay.add("/federated/api/Datasets",
                   [{**item, "pid": f"{item['pid']}-{page}"} for item in full_page],
                   query={"filter": pn.loopback_filter(3, page * 3)})
    ctx = {"open_data": {"ill-data": {"id": "ill-data"}}}
    a = adapter(replay, ctx, record="ill-data", page_size=3, max_pages=2)
    assert list(a.records()) == [{"id": "ill-data", "facts": {"documents": 2},
                                  "_errors": {"facts.datasets": "Datasets could not be counted to the end"}}]


def test_a_page_repeating_itself_is_a_bad_response(replay):
    replay.add("/federated/api/Datasets/count", D / "error_404_no_count_method.json", status=404)
    replay.add("/federated/api/Datasets", D / "datasets_page1_ill.json")  # skip is ignored: same page forever
    ctx = {"open_data": {"ill-data": {"id": "ill-data"}}}
    with pytest.raises(BadResponse, match="same items again"):
        list(adapter(replay, ctx, record="ill-data", page_size=3).records())
