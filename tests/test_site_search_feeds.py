"""Feeds for every filter: each facility, event type and technique has an iCalendar feed of its
upcoming events and an Atom feed of its new and changed entries, always (empty ones are valid);
every event has its own .ics. Parsed with icalendar and feedparser."""

from __future__ import annotations

import feedparser
import pytest
from icalendar import Calendar
from site_support import built_site

from knowhow.registry import store, vocab


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


def uids(path) -> list[str]:
    cal = Calendar.from_ical(path.read_bytes())
    assert cal.name == "VCALENDAR" and cal["VERSION"] == "2.0"
    return sorted(str(e["UID"]).split("@")[0] for e in cal.walk("VEVENT"))


def atom(path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    assert feed.version == "atom10" and feed.feed.title
    return feed


def test_every_facility_type_and_technique_has_both_feeds(site):
    reg = store.read(site.registry)
    facilities = sorted(r.id for r in reg.published("facilities"))
    techniques = sorted(p.name for p in (site.site / "techniques").iterdir() if p.is_dir())
    assert facilities and techniques and "PaNET00001" in techniques
    empty_calendars = empty_feeds = 0
    for group, ids in (("facility", facilities), ("type", sorted(vocab.EVENT_TYPES)), ("technique", techniques)):
        for key in ids:
            ics, xml = site.site / "feeds" / group / f"{key}.ics", site.site / "feeds" / group / f"{key}.xml"
            assert ics.is_file() and xml.is_file(), (group, key)
            empty_calendars += not uids(ics)
            empty_feeds += not atom(xml).entries
    assert empty_calendars > 0 and empty_feeds > 0  # the empty ones exist and parse


def test_feeds_hold_the_right_entries(site):
    assert uids(site.site / "feeds" / "facility" / "beta.ics") == ["workshop-dates"]
    assert uids(site.site / "feeds" / "facility" / "delta.ics") == ["harvested-only"]
    assert uids(site.site / "feeds" / "type" / "conference.ics") == []  # the only conference is past
    assert uids(site.site / "feeds" / "type" / "school.ics") == ["school-soon"]
    # TomoTool is tagged PaNET00001 and the school is about TomoTool
    assert "school-soon" in uids(site.site / "feeds" / "technique" / "PaNET00001.ics")
    # Atom entries are the records with a known date of change (here: the harvested ones)
    def links(name: str) -> list[str]:
        return [e.link.split("/knowhow/", 1)[1] for e in atom(site.site / "feeds" / f"{name}.xml").entries]

    assert links("facility/alpha") == ["open_data/alpha-portal/"]
    assert links("facility/beta") == ["software/viewer/"]  # Viewer is developed at BETA, not at ALPHA
    assert links("facility/delta") == links("type/course") == ["events/harvested-only/"]
    assert links("type/school") == []


def test_every_event_has_its_own_ics(site):
    events = store.read(site.registry).published("events")
    assert len(events) >= 5
    for ev in events:
        path = site.site / "events" / ev.id / f"{ev.id}.ics"
        assert path.is_file(), ev.id
        assert uids(path) == [ev.id]
        summary = str(Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]["SUMMARY"])
        assert summary == " ".join(str(ev.data["title"]).split())
