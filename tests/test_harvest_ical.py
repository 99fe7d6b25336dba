"""iCal adapter: real-world breakage, time zones, all-day and recurring events, bounded expansion."""

from __future__ import annotations

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import BadResponse, SourceConfig
from knowhow.harvest.sources.ical import ICal
from knowhow.registry.model import Event

ICS = DATA / "ical"
CAL = "text/calendar; charset=utf-8"


def harvest(srv, name="facility_feed_quirks.ics", content_type=CAL, **params):
    srv.add("feeds/events.ics", ICS / name if isinstance(name, str) else name, content_type=content_type)
    cfg = SourceConfig("facility-ical", "ical", "events", srv.url("feeds/events.ics"),
                       {"organisers": ["desy-petra-iii"], **params})
    source = ICal(cfg, make_client(srv))
    return source, list(source.records())


def by_title(records):
    out = {}
    for r in records:
        out.setdefault(r["title"], []).append(r)
    return out


def test_quirky_feed_keeps_good_events_and_reports_bad_ones(replay):
    source, records = harvest(replay)
    titles = by_title(records)
    assert set(titles) == {"Introduction to beamline data analysis, with Python", "Users' meeting 2026",
                           "Data handling clinic", "Detector workshop with a very long description line that a "
                           "careful producer would have folded at seventy-five octets but this one did not"}
    assert "Cancelled seminar" not in titles
    assert not source.complete  # two events were unreadable: nothing may be withdrawn on this run
    assert any("unknown TZID 'Mars/Olympus_Mons'" in p for p in source.problems)
    assert any("18006" in p and "DTSTART unreadable" in p for p in source.problems)
    for rec in records:
        Event.model_validate(rec)


def test_times_escapes_and_html(replay):
    _, records = harvest(replay)
    rec = by_title(records)["Introduction to beamline data analysis, with Python"][0]
    assert rec["start"] == "2026-03-09T09:00:00+01:00" and rec["end"] == "2026-03-13T17:00:00+01:00"
    assert rec["timezone"] == "Europe/Berlin"
    assert rec["venue"] == "Main auditorium, Building 3, Hamburg"
    assert "<a" not in rec["description"] and "Bring a laptop; data are provided." in rec["description"]
    assert rec["topics"] == ["Training", "Workshop"] and rec["event_type"] == "course"
    assert rec["organisers"] == ["desy-petra-iii"]


def test_all_day_event_end_is_inclusive(replay):
    _, records = harvest(replay)
    rec = by_title(records)["Users' meeting 2026"][0]
    assert (rec["start"], rec["end"]) == ("2026-04-20", "2026-04-22")  # DTEND 04-23 is exclusive


def test_recurrence_is_expanded_without_exdates(replay):
    _, records = harvest(replay)
    clinic = by_title(records)["Data handling clinic"]
    assert [r["start"] for r in clinic] == ["2026-01-07T14:00:00+01:00", "2026-01-21T14:00:00+01:00",
                                            "2026-01-28T14:00:00+01:00"]
    assert len({r["id"] for r in clinic}) == 3 and all(r["presence"] == "online" for r in clinic)


def test_ids_are_stable_and_name_the_host(replay):
    _, first = harvest(replay)
    _, second = harvest(replay)
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert all(r["id"].startswith("ical-127-0-0-1-") for r in first)


def test_recurrence_bomb_is_bounded(replay):
    bomb = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:bomb@x\r\n"
            "DTSTART:20260101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:Every second forever\r\n"
            "URL:https://x.example/\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    _, records = harvest(replay, bomb.encode(), max_occurrences=5)
    assert len(records) == 5


def test_folded_lines_and_text_plain_content_type(replay):
    source, records = harvest(replay, "facility_feed_clean.ics", content_type="text/plain; charset=utf-8")
    assert source.complete and not source.problems
    assert records[0]["url"] == "https://www.facility.example/event/beamline-data-analysis-2026/"
    assert records[0]["description"] == "Five days of hands-on training. Bring a laptop; data are provided."


def test_event_without_url_gets_the_page_url_and_floating_times_the_feed_zone(replay):
    feed = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nX-WR-TIMEZONE:Europe/Rome\r\nBEGIN:VEVENT\r\n"
            "UID:1@x\r\nDTSTART:20260907T093000\r\nSUMMARY:Floating seminar\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    _, (rec,) = harvest(replay, feed.encode(), page_url="https://www.elettra.eu/events/")
    assert rec["url"] == "https://www.elettra.eu/events/"
    assert rec["start"] == "2026-09-07T09:30:00+02:00" and rec["timezone"] == "Europe/Rome"


@pytest.mark.parametrize("fault", ["truncate", "truncate_clean", "html200"])
def test_cut_or_html_body_fails_the_source(replay, fault):
    replay.fault("feeds/events.ics", fault)
    with pytest.raises(BadResponse):
        harvest(replay)


def test_not_a_calendar_is_a_bad_response(replay):
    with pytest.raises(BadResponse):
        harvest(replay, b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n")
