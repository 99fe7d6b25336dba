"""Calendars as they are in the wild, served by the replay server: Outlook exports with Windows
zone names and a custom VTIMEZONE, Google exports with X-WR-TIMEZONE, an event that ends before
it starts, recurrence with EXDATE and a moved occurrence; then the real runner twice."""

from __future__ import annotations

from pathlib import Path

from harvest_support import DATA, make_client, make_settings
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.report import as_dict
from knowhow.harvest.runner import run
from knowhow.harvest.sources.ical import ICal, iana_name
from knowhow.registry.model import Event
from knowhow.registry.validate import validate

ICS = DATA / "ical"
CAL = "text/calendar; charset=utf-8"


def harvest(srv, name: str, **params):
    srv.add("feeds/events.ics", ICS / name, content_type=CAL)
    cfg = SourceConfig("facility-ical", "ical", "events", srv.url("feeds/events.ics"), params)
    source = ICal(cfg, make_client(srv))
    records = list(source.records())
    return source, {r["title"]: r for r in records}, records


def test_windows_zone_names_map_to_iana_zones():
    assert iana_name("W. Europe Standard Time") == "Europe/Berlin"
    assert iana_name('"Romance Standard Time"') == "Europe/Paris"
    assert iana_name("Europe/Rome") == "Europe/Rome"
    assert iana_name("Mars/Olympus_Mons") is None


def test_outlook_export(replay):
    source, by_title, records = harvest(replay, "outlook_windows_zones.ics")
    workshop = by_title["Beamtime proposal writing workshop"]
    assert (workshop["start"], workshop["end"]) == ("2026-06-10T09:00:00+02:00", "2026-06-10T17:00:00+02:00")
    assert workshop["timezone"] == "Europe/Berlin"  # the Windows name, as its IANA zone
    # A VTIMEZONE no database knows is read from its own rules (CET in January).
    meeting = by_title["Detector group meeting"]
    assert (meeting["start"], meeting["end"]) == ("2026-01-15T09:00:00+01:00", "2026-01-15T10:30:00+01:00")
    assert "timezone" not in meeting
    # Ends before it starts: kept, without its end, and reported with its UID.
    safety = by_title["Safety training (end typed before start)"]
    assert safety["start"] == "2026-03-20T14:00:00+01:00" and "end" not in safety
    assert [(i.code, i.item) for i in source.items] == [
        ("end-before-start", "040000008200E00074C5B7101A82E00800000000C2D3E4F5A6B7@facility.example")]
    assert source.complete
    for rec in records:
        Event.model_validate(rec)


def test_recurrence_with_exdate_and_a_moved_occurrence(replay):
    _, _, records = harvest(replay, "outlook_windows_zones.ics")
    seminar = [(r["title"], r["start"]) for r in records if r["title"].startswith("Data school")]
    assert seminar == [("Data school weekly seminar", "2026-09-02T10:00:00+02:00"),
                       ("Data school weekly seminar", "2026-09-09T10:00:00+02:00"),
                       ("Data school weekly seminar (moved)", "2026-09-24T15:00:00+02:00"),
                       ("Data school weekly seminar", "2026-09-30T10:00:00+02:00")]
    ids = [r["id"] for r in records if r["title"].startswith("Data school")]
    assert len(set(ids)) == 4


def test_recurrence_is_bounded_by_count_and_horizon(replay):
    _, _, records = harvest(replay, "outlook_windows_zones.ics", max_occurrences=2)
    assert len([r for r in records if r["title"].startswith("Data school")]) == 2
    replay.clear()
    _, _, records = harvest(replay, "outlook_windows_zones.ics", horizon_days=10)
    assert [r["start"] for r in records if r["title"].startswith("Data school")] == [
        "2026-09-02T10:00:00+02:00", "2026-09-09T10:00:00+02:00"]


def test_x_wr_timezone_is_honoured(replay):
    _, by_title, _ = harvest(replay, "google_x_wr_timezone.ics")
    opening = by_title["Neutron school opening day"]
    assert opening["start"] == "2026-07-06T09:00:00+02:00" and opening["timezone"] == "Europe/Paris"
    call = by_title["Floating follow-up call"]
    assert call["start"] == "2026-12-01T09:00:00+01:00" and call["timezone"] == "Europe/Paris"


def test_through_the_runner_twice(tmp_path, replay):
    replay.add("feeds/outlook.ics", ICS / "outlook_windows_zones.ics", content_type=CAL, etag=False)
    replay.add("feeds/google.ics", ICS / "google_x_wr_timezone.ics", content_type=CAL, etag=False)
    config = HarvestConfig("s", (SourceConfig("outlook", "ical", "events", replay.url("feeds/outlook.ics")),
                                 SourceConfig("google", "ical", "events", replay.url("feeds/google.ics"))))
    root = tmp_path / "registry"
    kw = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
              settings=make_settings(replay))
    report = run(config, **kw)
    assert [r.outcome.new for r in report.rows] == [7, 2]
    items = as_dict(report)["sources"][0]["items"]
    assert [i["code"] for i in items] == ["end-before-start"]
    assert validate(root)[1].valid

    def snapshot() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in sorted(Path(root).rglob("*.yaml"))}

    before = snapshot()
    again = run(config, **kw)
    assert snapshot() == before and all(r.outcome.new == r.outcome.changed == 0 for r in again.rows)
