"""Indico adapter: export-API envelope, limit/offset paging, UTC requests, local times, failures."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig
from knowhow.harvest.sources.indico import Indico, indico_time, map_event
from knowhow.registry.model import Event

INDICO = DATA / "indico"
CATEG = "indico/export/categ/1202.json"


def adapter(srv, **params):
    cfg = SourceConfig("desy-indico", "indico", "events", srv.url("indico/"),
                       {"category": 1202, "limit": 3, "organisers": ["desy-petra-iii"], "country": "DE", **params})
    return Indico(cfg, make_client(srv))


def serve(srv):
    # Indico sends no ETag; the replay does not invent one.
    srv.add(CATEG, INDICO / "categ_1202_page1.json", query={"offset": "0"}, etag=False)
    srv.add(CATEG, INDICO / "categ_1202_page2_short.json", query={"offset": "3"}, etag=False)


def results(name):
    return json.loads((INDICO / name).read_text())["results"]


def test_times_are_read_in_their_zone_and_shown_in_the_event_zone():
    assert indico_time({"date": "2026-04-14", "time": "07:00:00", "tz": "UTC"}, "Europe/Berlin") \
        == "2026-04-14T09:00:00+02:00"
    assert indico_time({"date": "2026-06-01", "time": "22:30:00", "tz": "UTC"}, "Asia/Tokyo") \
        == "2026-06-02T07:30:00+09:00"
    # The recorded CERN export carries Europe/Zurich times (the server's default tz).
    assert indico_time({"date": "2019-08-30", "time": "17:00:00", "tz": "Europe/Zurich"}, None) \
        == "2019-08-30T17:00:00+02:00"
    assert indico_time({"date": "2019-08-30", "time": "16:27:13.211866", "tz": "Nowhere/Else"}, None) is None


def test_mapping_of_one_event():
    rec = map_event(results("categ_1202_page1.json")[0], source="desy-indico", base_url="https://indico.desy.de/",
                    organisers=["desy-petra-iii"], country="DE")
    assert rec["id"] == "indico-desy-de-4242"
    assert rec["start"] == "2026-04-14T09:00:00+02:00" and rec["end"] == "2026-04-16T16:00:00+02:00"
    assert rec["timezone"] == "Europe/Berlin" and rec["country"] == "DE"
    assert rec["url"] == "https://indico.desy.de/event/4242/" and rec["event_type"] == "conference"
    assert rec["description"] == "An **introduction** to Python for photon science."  # Markdown subset kept
    assert rec["presence"] == "onsite" and rec["venue"] == "DESY"
    Event.model_validate(rec)


def test_zoom_location_means_online_and_empty_description_falls_back_to_title():
    page = results("categ_1202_page1.json")
    online = map_event(page[1], source="s", base_url="https://indico.desy.de/")
    assert online["presence"] == "online" and online["event_type"] == "meeting"
    plain = map_event(page[2], source="s", base_url="https://indico.desy.de/")
    assert plain["description"] == plain["title"] and "event_type" not in plain


def test_paging_by_offset_until_a_short_page(replay):
    serve(replay)
    source = adapter(replay)
    records = list(source.records())
    # 3 + 2 results; the cancelled one is dropped.
    assert [r["id"] for r in records] == ["indico-127-0-0-1-4242", "indico-127-0-0-1-4243", "indico-127-0-0-1-4244",
                                          "indico-127-0-0-1-4251"]
    assert source.complete
    reqs = replay.requests_to(CATEG)
    assert [r.query["offset"] for r in reqs] == ["0", "3"]
    assert all(r.query["tz"] == "UTC" and r.query["limit"] == "3" and r.query["order"] == "id" for r in reqs)
    for rec in records:
        Event.model_validate(rec)


def test_escaped_slashes_are_plain_json():
    raw = (INDICO / "categ_1202_page1.json").read_text()
    assert "https:\\/\\/indico.desy.de" in raw
    assert results("categ_1202_page1.json")[0]["url"] == "https://indico.desy.de/event/4242/"


def test_limit_above_1000_is_capped(replay):
    serve(replay)
    replay.add(CATEG, INDICO / "categ_1202_page2_short.json", query={"offset": "0", "limit": "1000"}, etag=False)
    list(adapter(replay, limit=5000).records())
    assert replay.requests[0].query["limit"] == "1000"


def test_api_error_400_is_a_bad_response(replay):
    replay.add(CATEG, INDICO / "error_limit_400.json", status=400, etag=False)
    with pytest.raises(BadResponse, match="up to 1000 records"):
        list(adapter(replay).records())


def test_not_an_export_envelope_is_a_failure(replay):
    replay.add(CATEG, {"results": []}, etag=False)
    with pytest.raises(BadResponse, match="not an Indico export"):
        list(adapter(replay).records())


def test_html_login_page_with_200_is_a_failure(replay):
    serve(replay)
    replay.fault(CATEG, "html200")
    with pytest.raises(BadResponse, match="HTML"):
        list(adapter(replay).records())


def test_event_without_a_readable_start_is_skipped_and_listing_marked_incomplete(replay):
    page = results("categ_1202_page1.json")[:1]
    page.append({**page[0], "id": "4299", "startDate": {"date": "2026-02-30", "time": "09:00:00", "tz": "UTC"}})
    replay.add(CATEG, {"_type": "HTTPAPIResult", "count": 2, "results": page, "additionalInfo": {}}, etag=False)
    source = adapter(replay)
    assert len(list(source.records())) == 1
    assert not source.complete and "4299" in source.problems[0]
