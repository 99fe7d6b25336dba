"""The WG3 meetings source as configured in harvest/sources.yaml, replayed from a fixture shaped like
the recorded Indico export answers, with faults; its events are the WG3 group's meetings."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from harvest_support import DATA, make_client
from site_support import ROOT

from knowhow.harvest.base import BadResponse
from knowhow.harvest.config import load
from knowhow.harvest.sources.indico import Indico
from knowhow.registry import store
from knowhow.registry.model import Event
from knowhow.registry.yamlio import load_text

FIXTURE = DATA / "indico" / "categ_1009_wg3.json"
CATEG = "export/categ/1009.json"


def wg3_source(replay):
    config = load(ROOT / "harvest" / "sources.yaml")
    src = next(s for s in config.sources if s.name == "leaps-wg3-meetings")
    return Indico(dataclasses.replace(src, base_url=replay.base_url), make_client(replay))


def test_the_configured_category_is_the_one_the_group_names():
    config = load(ROOT / "harvest" / "sources.yaml")
    src = next(s for s in config.sources if s.name == "leaps-wg3-meetings")
    group = load_text((ROOT / "registry" / "curated" / "groups" / "wg3.yaml").read_text(encoding="utf-8"),
                      "wg3.yaml").data
    assert group["meetings_source"] == src.name
    assert group["meetings"] == f"{src.base_url}category/{src.params['category']}/"


def test_wg3_meetings_are_harvested_as_events(replay):
    replay.add(CATEG, FIXTURE, etag=False)
    source = wg3_source(replay)
    records = list(source.records())
    assert source.complete
    # Indico HTML becomes text: no markup of the source survives into the record.
    assert [r["title"] for r in records] == ["WG3 monthly meeting", "WG3 meeting at the LEAPS plenary",
                                             "WG3 monthly meeting"]
    for rec in records:
        Event.model_validate(rec)
        assert rec["source"] == "leaps-wg3-meetings" and rec["event_type"] == "meeting"
    assert records[0]["presence"] == "online" and records[0]["start"] == "2025-03-11T14:00:00+01:00"
    assert "<" not in records[2]["description"] and "onerror" not in records[2]["description"]
    req = replay.requests_to(CATEG)[0]
    assert req.query["from"] == "2023-01-01" and req.query["tz"] == "UTC"


@pytest.mark.parametrize("fault", ["html200", "truncate"])
def test_a_broken_answer_is_a_failure_not_an_empty_listing(replay, fault):
    replay.add(CATEG, FIXTURE, etag=False)
    replay.fault(CATEG, fault)
    with pytest.raises(BadResponse):
        list(wg3_source(replay).records())


def test_harvested_meetings_appear_on_the_wg3_page(replay, tmp_path):
    from knowhow.site.inputs import gather
    from knowhow.site.pages import generate
    from knowhow.registry.yamlio import write_yaml

    replay.add(CATEG, FIXTURE, etag=False)
    records = list(wg3_source(replay).records())
    reg_root = tmp_path / "registry"
    write_yaml(reg_root / "curated" / "groups" / "wg3.yaml", {
        "id": "wg3", "name": "WG3", "website": "https://wg.example.org/", "description": "The group.",
        "meetings_source": "leaps-wg3-meetings", "references": ["https://wg.example.org/"]})
    for rec in records:
        write_yaml(reg_root / "harvested" / "events" / f"{rec['id']}.yaml", rec)
    inp = gather(store.read(reg_root), ROOT, today=date(2025, 12, 1))
    inp.stale, inp.link_status = {}, {}
    page = generate(inp)["groups/index.md"]
    upcoming, past = page.split('id="meetings"')[1].split("Past meetings")
    assert 'indico-127-0-0-1-9103/">WG3 monthly meeting</a>' in upcoming and "<script>alert" not in page
    assert "WG3 meeting at the LEAPS plenary" in past and "WG3 monthly meeting</a>" in past
