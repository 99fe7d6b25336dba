"""OAI-PMH adapter: resumption tokens (empty final token), noRecordsMatch, expired tokens, strict XML."""

from __future__ import annotations


import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig, SourceUnavailable
from knowhow.harvest.sources import oaipmh as oai
from knowhow.registry.model import OpenDataFacts

D = DATA / "oaipmh"
XML = "text/xml; charset=utf-8"
PAGES = ("listidentifiers_page1.xml", "listidentifiers_page2.xml", "listidentifiers_page3_empty_token.xml")


def read(name: str) -> bytes:
    return (D / name).read_bytes()


def tokens() -> list[str]:
    return [oai.parse_page(read(p)).token for p in PAGES[:2]]  # type: ignore[misc]


def adapter(srv, context=None, client=None, **params):
    config = SourceConfig(name="facility-oai", type="oaipmh", kind="open_data", base_url=srv.base_url + "oai",
                          params={"record": "facility-data", **params})
    ctx = context if context is not None else {"open_data": {"facility-data": {"id": "facility-data"}}}
    return oai.OAIPMH(config, client or make_client(srv), ctx)


def serve_three_pages(srv) -> None:
    t1, t2 = tokens()
    srv.add("/oai", read(PAGES[0]), content_type=XML, query={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    srv.add("/oai", read(PAGES[1]), content_type=XML, query={"resumptionToken": t1})
    srv.add("/oai", read(PAGES[2]), content_type=XML, query={"resumptionToken": t2})


# --------------------------------------------------------------------------- parsing

def test_parse_page_headers_token_and_size():
    page = oai.parse_page(read(PAGES[0]))
    assert [h.identifier[-3:] for h in page.headers] == ["101", "102", "103"]
    assert [h.deleted for h in page.headers] == [False, True, False]
    assert page.headers[0].datestamp == "2026-11-20T10:00:00+00:00"
    assert page.token and page.token.startswith(".eJ") and page.complete_size == 7
    last = oai.parse_page(read(PAGES[2]))
    assert last.token == "" and len(last.headers) == 1  # the empty final token ends the list


def test_parse_list_records_without_token_and_protocol_errors():
    page = oai.parse_page(read("listrecords_oai_dc_single_page_no_token.xml"), "ListRecords")
    assert page.token is None and len(page.headers) == 3
    assert oai.listing_facts({h.identifier: h for h in page.headers}) == {
        "records": 2, "latest_record": "2026-11-01T09:00:00+00:00"}  # the deleted record is newer but gone
    assert oai.parse_page(read("no_records_match_422.xml")).error == ("noRecordsMatch", "")
    assert oai.parse_page(read("bad_resumption_token.xml")).error[0] == "badResumptionToken"


@pytest.mark.parametrize("name, message", [
    ("entity_bomb.xml", "refused"), ("external_entity.xml", "refused"),
    ("not_oai_rss.xml", "not an OAI-PMH response")])
def test_hostile_or_foreign_xml_is_refused(name, message):
    with pytest.raises(BadResponse, match=message):
        oai.parse_page(read(name))


def test_truncated_xml_is_a_failure_not_a_shorter_list():
    whole = read(PAGES[0])
    with pytest.raises(BadResponse, match="truncated"):
        oai.parse_page(whole[: len(whole) * 2 // 3])


# --------------------------------------------------------------------------- with a server

def test_three_pages_to_the_empty_token(replay):
    serve_three_pages(replay)
    a = adapter(replay, set="user-esrf")
    records = list(a.records())
    assert records == [{"id": "facility-data", "facts": {"records": 5, "latest_record": "2026-11-21T23:59:59+00:00"}}]
    OpenDataFacts(**records[0]["facts"])
    sent = [r.query for r in replay.requests]
    assert sent[0] == {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "user-esrf"}
    assert sent[1] == {"verb": "ListIdentifiers", "resumptionToken": tokens()[0]}  # the token travels alone
    assert len(sent) == 3 and a.problems == []


def test_list_records_verb_and_targets_from_the_registry(replay):
    replay.add("/oai", read("listrecords_oai_dc_single_page_no_token.xml"), content_type=XML)
    endpoint = replay.base_url.replace("http:", "HTTP:") + "oai/"  # scheme case and trailing slash do not matter
    ctx = {"open_data": {"a": {"id": "a", "api": {"type": "oai-pmh", "endpoint": endpoint}},
                         "b": {"id": "b", "api": {"type": "panosc", "endpoint": endpoint}},
                         "c": {"id": "c"}}}
    config = SourceConfig(name="x", type="oaipmh", kind="open_data", base_url=replay.base_url + "oai",
                          params={"verb": "ListRecords"})
    records = list(oai.OAIPMH(config, make_client(replay), ctx).records())
    assert records == [{"id": "a", "facts": {"records": 2, "latest_record": "2026-11-01T09:00:00+00:00"}}]
    assert replay.requests[0].query["verb"] == "ListRecords"


def test_no_records_match_is_an_empty_list(replay):
    replay.add("/oai", read("no_records_match_200.xml"), content_type=XML)
    assert list(adapter(replay, set="user-empty").records()) == [{"id": "facility-data", "facts": {"records": 0}}]


def test_expired_token_restarts_the_listing_once(replay):
    t1, t2 = tokens()
    replay.add("/oai", read(PAGES[0]), content_type=XML, query={"metadataPrefix": "oai_dc"})
    # Zenodo answers an expired token with HTTP 422 and an OAI error body; the next try works.
    replay.add("/oai", read("bad_resumption_token.xml"), content_type=XML, status=422, query={"resumptionToken": t1})
    replay.add("/oai", read(PAGES[1]), content_type=XML, query={"resumptionToken": t1})
    replay.add("/oai", read(PAGES[2]), content_type=XML, query={"resumptionToken": t2})
    a = adapter(replay)
    assert list(a.records())[0]["facts"] == {"records": 5, "latest_record": "2026-11-21T23:59:59+00:00"}
    assert a.restarts == 1 and a.problems == ["resumption token expired; listing restarted (1/2)"]
    assert [r.query.get("resumptionToken") for r in replay.requests] == [None, t1, None, t1, t2]


def test_token_that_keeps_expiring_fails_the_source_after_bounded_restarts(replay):
    t1, _ = tokens()
    replay.add("/oai", read(PAGES[0]), content_type=XML, query={"metadataPrefix": "oai_dc"})
    replay.add("/oai", read("bad_resumption_token.xml"), content_type=XML, query={"resumptionToken": t1})
    with pytest.raises(SourceUnavailable, match="expired 3 times"):
        list(adapter(replay, max_restarts=2).records())
    assert len(replay.requests) == 6


def test_truncated_second_page_fails_the_source(replay):
    t1, _ = tokens()
    page2 = read(PAGES[1])
    replay.add("/oai", read(PAGES[0]), content_type=XML, query={"metadataPrefix": "oai_dc"})
    replay.add("/oai", page2[: len(page2) // 2], content_type=XML, query={"resumptionToken": t1})
    with pytest.raises(BadResponse, match="truncated"):
        list(adapter(replay).records())


def test_other_protocol_errors_fail_the_source(replay):
    replay.add("/oai", read("bad_argument_422.xml").replace(b"badArgument", b"cannotDisseminateFormat"),
               content_type=XML)
    with pytest.raises(BadResponse, match="cannotDisseminateFormat"):
        list(adapter(replay, metadataPrefix="marc").records())


def test_a_repeated_token_is_a_loop(replay):
    t1, _ = tokens()
    replay.add("/oai", read(PAGES[0]), content_type=XML)  # answers the token request with page 1 again
    with pytest.raises(BadResponse, match="looping"):
        list(adapter(replay).records())
    assert [r.query.get("resumptionToken") for r in replay.requests] == [None, t1]


def test_page_bound_publishes_no_figure(replay):
    serve_three_pages(replay)
    a = adapter(replay, max_pages=2)
    why = "more than 2 pages; raise max_pages or harvest a set"
    # completeListSize (7) counts deleted records too: it is not the live count, so nothing is stated.
    assert list(a.records()) == [{"id": "facility-data", "facts": {},
                                  "_errors": {"facts.records": why, "facts.latest_record": why}}]


def test_mode_size_asks_once(replay):
    serve_three_pages(replay)
    assert list(adapter(replay, mode="size").records()) == [{"id": "facility-data", "facts": {"records": 7}}]
    assert len(replay.requests) == 1


def test_zenodo_style_422_no_records_match_is_read_from_the_error_body(replay):
    replay.add("/oai", read("no_records_match_422.xml"), content_type=XML, status=422)
    assert list(adapter(replay, set="user-nothing").records()) == [{"id": "facility-data", "facts": {"records": 0}}]


def test_no_target_record_is_a_problem_not_a_request(replay):
    config = SourceConfig(name="x", type="oaipmh", kind="open_data", base_url=replay.base_url + "oai")
    a = oai.OAIPMH(config, make_client(replay), {"open_data": {"c": {"id": "c"}}})
    assert list(a.records()) == [] and replay.requests == []
    assert a.problems and "OAI-PMH endpoint" in a.problems[0]


@pytest.mark.parametrize("fault", ["html200", "truncate_clean", "truncate"])
def test_broken_pages_fail_the_source(replay, fault):
    serve_three_pages(replay)
    replay.fault("/oai", fault, times=5)
    with pytest.raises(BadResponse):
        list(adapter(replay).records())
