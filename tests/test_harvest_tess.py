"""TeSS adapter: JSON:API paging, the wall-clock time quirk, hostile text, failures."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig, SourceUnavailable
from knowhow.harvest.sources.tess import TeSS, map_event, next_page, tess_time
from knowhow.registry.model import Event

TESS = DATA / "tess"
JSONAPI = "application/vnd.api+json; charset=utf-8"


def serve_two_pages(srv, prefix="tess/"):
    srv.add(prefix + "events.json_api", TESS / "events_page1.json", query={"page_number": "1"}, content_type=JSONAPI)
    srv.add(prefix + "events.json_api", TESS / "events_page2_last.json", query={"page_number": "2"},
            content_type=JSONAPI)


def adapter(srv, prefix="tess/", **params):
    cfg = SourceConfig("pan-training", "tess", "events", srv.url(prefix), {"include_expired": True, **params})
    return TeSS(cfg, make_client(srv))


def page(name):
    return json.loads((TESS / name).read_text())


def test_times_are_wall_clock_in_the_event_time_zone():
    from zoneinfo import ZoneInfo

    assert tess_time("2026-03-02T09:00:00.000Z", ZoneInfo("Europe/Paris")) == "2026-03-02T09:00:00+01:00"
    assert tess_time("2026-07-02T09:00:00.000Z", ZoneInfo("Europe/Paris")) == "2026-07-02T09:00:00+02:00"
    assert tess_time("2022-02-16T13:00:00.000Z", None) == "2022-02-16T13:00:00+00:00"
    assert tess_time("not a time", None) is None


def test_mapping_of_one_item():
    item = page("events_page1.json")["data"][0]
    rec = map_event(item, source="pan-training", base_url="https://pan-training.eu/", organisers=["esrf"])
    assert rec["id"] == "tess-hercules-school-2026"
    assert rec["start"] == "2026-03-02T09:00:00+01:00" and rec["end"] == "2026-03-27T17:00:00+01:00"
    assert rec["timezone"] == "Europe/Paris" and rec["country"] == "FR" and rec["city"] == "Grenoble"
    assert rec["topics"] == ["Neutrons", "Synchrotron radiation", "X-ray diffraction"]  # leading space gone
    assert rec["references"] == ["https://pan-training.eu/events/hercules-school-2026"]
    assert rec["organisers"] == ["esrf"] and rec["event_type"] == "workshop"
    assert rec["description"].startswith("**Hands-on** training.")
    Event.model_validate(rec)


def test_online_venue_wins_over_online_false():
    item = page("events_page1.json")["data"][2]
    assert item["attributes"]["online"] is False and item["attributes"]["venue"] == "Online"
    rec = map_event(item, source="s", base_url="https://pan-training.eu/")
    assert rec["presence"] == "online" and "country" not in rec and rec["event_type"] == "conference"


def test_next_page_comes_from_links_next():
    assert next_page(page("events_page1.json")) == 2
    assert next_page(page("events_page2_last.json")) is None


def test_full_harvest_follows_pages_under_a_path_prefix(replay):
    serve_two_pages(replay)
    source = adapter(replay)
    records = list(source.records())
    assert [r["id"] for r in records] == ["tess-hercules-school-2026", "tess-python-for-photon-science-2026",
                                          "tess-scicat-users-webinar-april", "tess-nexus-hdf5-hackathon-2026",
                                          "tess-tomography-data-reduction-course"]
    assert source.complete and not source.problems
    reqs = replay.requests_to("tess/events.json_api")
    assert [r.query["page_number"] for r in reqs] == ["1", "2"]
    assert all(r.query["include_expired"] == "true" and r.query["page_size"] == "50" for r in reqs)
    assert reqs[0].headers["Accept"] == "application/vnd.api+json"
    for rec in records:
        Event.model_validate(rec)


def test_expired_events_are_not_asked_for_unless_configured(replay):
    serve_two_pages(replay)
    cfg = SourceConfig("t", "tess", "events", replay.url("tess/"), {})
    list(TeSS(cfg, make_client(replay)).records())
    assert "include_expired" not in replay.requests[0].query


def test_hostile_text_is_sanitised(replay):
    replay.add("tess/events.json_api", TESS / "events_hostile_text.json", content_type=JSONAPI)
    (rec,) = list(adapter(replay).records())
    assert "<" not in rec["title"] and "script" not in rec["title"] and "\u202e" not in rec["title"]
    assert rec["title"].startswith("Beamline school")
    assert rec["url"] == replay.url("tess/events/hostile-event")  # javascript: URL replaced by the TeSS page
    assert "<" not in rec["venue"] and "onerror" not in rec["venue"]
    assert "evil.example" not in rec["description"] and "<" not in rec["description"]
    Event.model_validate(rec)


def test_error_envelope_is_a_failure(replay):
    replay.add("tess/events.json_api", TESS / "error_envelope.json", content_type=JSONAPI)
    with pytest.raises(BadResponse, match="Internal Server Error"):
        list(adapter(replay).records())


def test_truncated_second_page_fails_the_source(replay):
    replay.add("tess/events.json_api", TESS / "events_page1.json", query={"page_number": "1"}, content_type=JSONAPI)
    cut = (TESS / "events_page2_last.json").read_bytes()
    replay.add("tess/events.json_api", cut[: len(cut) // 2], query={"page_number": "2"}, content_type=JSONAPI)
    got = []
    with pytest.raises(BadResponse, match="invalid JSON"):
        for rec in adapter(replay).records():
            got.append(rec)
    assert len(got) == 3  # page 1 was read; the runner discards a failed source's partial list


def test_page_repeating_itself_is_a_failure(replay):
    body = page("events_page1.json")
    body["links"]["next"] = "/events?page_number=2"
    replay.add("tess/events.json_api", body, content_type=JSONAPI)  # every page answers the same
    with pytest.raises(BadResponse, match="repeats"):
        list(adapter(replay).records())


def test_fewer_events_than_announced_marks_the_listing_incomplete(replay):
    body = page("events_page2_last.json")
    replay.add("tess/events.json_api", body, content_type=JSONAPI)
    source = adapter(replay)
    assert len(list(source.records())) == 2
    assert not source.complete and "announced 5" in source.problems[0]


def test_persistent_timeouts_fail_the_source(replay):
    serve_two_pages(replay)
    replay.fault("tess/events.json_api", "timeout", times=10)
    with pytest.raises(SourceUnavailable, match="timed out"):
        list(adapter(replay).records())
