"""Per-item problems in the run report: invalid dates, duplicates and dropped items, listed per
source with their ids (JSON report and pull-request summary), from answers the replay server sends."""

from __future__ import annotations

import json

from harvest_support import DATA, make_settings
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.report import as_dict, markdown
from knowhow.harvest.runner import run

JSONAPI = "application/vnd.api+json"


def tess_items() -> dict:
    page = json.loads((DATA / "tess/events_page1.json").read_text())
    good = page["data"][0]
    bad_date = json.loads(json.dumps(good))
    bad_date["id"], bad_date["attributes"]["slug"] = "9301", "broken-date-school"
    bad_date["attributes"]["start"] = "2026-02-30T09:00:00.000Z"
    nameless = json.loads(json.dumps(good))
    nameless["id"], nameless["attributes"]["slug"], nameless["attributes"]["title"] = "9302", "", ""
    return {"data": [good, bad_date, good, nameless], "meta": {"results-count": 4}, "links": {}}


def indico_items() -> dict:
    body = json.loads((DATA / "indico/categ_1202_page1.json").read_text())
    body["results"][1]["startDate"] = {"date": "2026-13-01", "time": "07:00:00", "tz": "UTC"}
    return body


def test_items_are_listed_per_source_with_their_ids(tmp_path, replay):
    replay.add("tess/events.json_api", tess_items(), content_type=JSONAPI)
    replay.add("indico/export/categ/1202.json", indico_items(), etag=False)
    config = HarvestConfig("s", (
        SourceConfig("pan-training", "tess", "events", replay.url("tess/"), {"include_expired": True}),
        SourceConfig("desy-indico", "indico", "events", replay.url("indico/"), {"category": 1202, "limit": 500})))
    report = run(config, registry=tmp_path / "registry", state_path=tmp_path / "state.json",
                 cache_dir=tmp_path / "cache", settings=make_settings(replay))
    tess, indico = as_dict(report)["sources"]
    assert {(i["code"], i["id"]) for i in tess["items"]} == {
        ("invalid-date", "broken-date-school"), ("dropped", "9302"), ("duplicate", "tess-hercules-school-2026")}
    bad = indico_items()["results"][1]["id"]
    assert [(i["code"], i["id"]) for i in indico["items"]] == [("invalid-date", bad)]
    summary = markdown(report)
    assert "**pan-training**: 1 invalid date: broken-date-school" in summary
    assert "**pan-training**: 1 duplicate: tess-hercules-school-2026" in summary
    assert "**pan-training**: 1 dropped item: 9302" in summary
    assert f"**desy-indico**: 1 invalid date: {bad}" in summary
    # Items were skipped as unreadable: the listing is incomplete, so nothing may be withdrawn.
    assert report.rows[0].outcome.withdrawn == 0 and report.rows[0].outcome.new == 1
