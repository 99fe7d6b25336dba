"""The real recorded responses in ../shared/fixtures/{tess,indico,ical}, served at their original
paths by the replay server and read by the adapters. Skipped when that folder is absent.

Not replayed: `tess/bioschemas_*.json` are Bioschemas feeds that TeSS itself ingests from
providers; no adapter here reads Bioschemas.
"""

from __future__ import annotations

import json

import pytest

from harvest_support import SHARED_FIXTURES, make_client
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.sources.ical import ICal
from knowhow.harvest.sources.indico import Indico
from knowhow.harvest.sources.tess import TeSS
from knowhow.registry.model import Event

pytestmark = pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="../shared/fixtures is not present")

# file -> (records expected, titles that must be among them)
ICS = {
    "ical/pawsey-intern-showcase-2022.ics": (1, "Pawsey Intern Showcase 2022"),
    "ical/pawsey-eoi-amd-gpus.ics": (1, "EoI 1-Day Introduction to AMD GPUs (AMD Instinct Architecture and ROCm)"),
    "ical/grayscott-webinar-quirky.ics": (1, "Memory allocation, why and how to profile applications"),
    "indico/category_events.ics": (2, "14th HEP C++ Course and Hands-on Training - The Essentials"),
    "indico/event.ics": (1, "14th HEP C++ Course and Hands-on Training - The Essentials"),
}


def test_tess_jsonapi_search(replay):
    body = SHARED_FIXTURES / "tess" / "events_jsonapi_search.json"
    replay.add("events.json_api", body, content_type="application/vnd.api+json; charset=utf-8")
    cfg = SourceConfig("tess-elixir", "tess", "events", replay.base_url, {"include_expired": True})
    source = TeSS(cfg, make_client(replay))
    records = list(source.records())
    assert source.complete and not source.problems  # results-count 2, 2 listed, no next link
    assert [r["title"] for r in records] == [
        "WEBINAR: Establishing Gen3 to enable better human genome data sharing in Australia",
        "WORKSHOP: Introduction to Metabarcoding using Qiime2"]
    first = records[0]
    assert len(first["id"]) <= 80 and first["id"].startswith("tess-webinar-establishing-gen3")
    assert first["start"] == "2022-02-16T13:00:00+00:00"  # no timezone in the 2022 serializer: UTC
    assert first["country"] == "AU" and first["presence"] == "online"  # venue "Online", online: false
    for rec in records:
        Event.model_validate(rec)


def test_indico_export_envelope(replay):
    # The category export shares the event export's envelope and event objects.
    replay.add("export/categ/2.json", SHARED_FIXTURES / "indico" / "export_event_845049.json", etag=False)
    cfg = SourceConfig("cern-indico", "indico", "events", replay.base_url, {"category": 2})
    source = Indico(cfg, make_client(replay))
    (rec,) = list(source.records())
    assert rec["title"] == "test_folders" and rec["url"] == "https://indico.cern.ch/event/845049/"
    assert rec["start"] == "2019-08-30T17:00:00+02:00" and rec["timezone"] == "Europe/Zurich"
    assert rec["description"] == "this is the description stuff" and rec["event_type"] == "meeting"
    Event.model_validate(rec)
    assert json.loads((SHARED_FIXTURES / "indico" / "export_event_845049.json").read_text())["count"] == 1


@pytest.mark.parametrize("name", sorted(ICS))
def test_ical_feeds(replay, name):
    count, title = ICS[name]
    replay.add("feed.ics", SHARED_FIXTURES / name, content_type="text/calendar; charset=utf-8")
    cfg = SourceConfig("feed", "ical", "events", replay.url("feed.ics"), {})
    source = ICal(cfg, make_client(replay))
    records = list(source.records())
    assert len(records) == count and title in [r["title"] for r in records]
    for rec in records:
        Event.model_validate(rec)
        assert "<" not in rec["description"] and "<" not in rec.get("venue", "")


def test_grayscott_breakage_is_reported_but_the_event_kept(replay):
    replay.add("feed.ics", SHARED_FIXTURES / "ical" / "grayscott-webinar-quirky.ics", content_type="text/calendar")
    cfg = SourceConfig("feed", "ical", "events", replay.url("feed.ics"), {"page_url": "https://cta-lapp.pages.in2p3.fr/"})
    source = ICal(cfg, make_client(replay))
    (rec,) = list(source.records())
    assert source.complete  # only a stray line was unreadable, not the event
    assert any("unreadable line" in p for p in source.problems)
    assert rec["start"] == "2026-02-26T10:00:00+01:00" and rec["timezone"] == "Europe/Paris"
    assert rec["venue"] == "Registration : https://teratec.webex.com/blabla" and rec["presence"] == "online"


def test_pawsey_feed_debris_is_plain_text(replay):
    replay.add("feed.ics", SHARED_FIXTURES / "ical" / "pawsey-eoi-amd-gpus.ics", content_type="text/calendar")
    cfg = SourceConfig("feed", "ical", "events", replay.url("feed.ics"), {})
    (rec,) = list(ICal(cfg, make_client(replay)).records())
    assert rec["start"] == "2022-04-04T09:30:00+08:00" and rec["timezone"] == "Australia/Perth"
    assert rec["topics"] == ["Supercomputing", "Training", "Webinar", "Workshop"]
    assert "jQuery" in rec["description"]  # script debris survives only as inert text
    assert rec["url"] == "https://pawsey.org.au/event/eoi-1-day-introduction-to-amd-gpus-amd-instinct-architecture-and-rocm/"
