"""The harvested-record store: provenance, zero-diff reruns, withdrawal, staleness, the shrink guard,
several sources on one record, dedup across sources, and curated files never touched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from knowhow.harvest.base import SourceConfig, SourceUnavailable
from knowhow.harvest.store import HarvestStore, State
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file

DAY1, DAY2, DAY30 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 30)
TESS = SourceConfig("pan-training", "tess", "events", "https://pan-training.eu/", label="TeSS")
INDICO = SourceConfig("desy-indico", "indico", "events", "https://indico.desy.de/", label="DESY")
GITHUB = SourceConfig("github-software", "github", "software", "https://api.github.com/")
PYPI = SourceConfig("pypi", "pypi", "software", "https://pypi.org/pypi/")


def event(n: int, source: str = "pan-training", **over) -> dict:
    rec = {"id": f"tess-event-{n}", "title": f"Beamline school {n}", "description": "Training.",
           "start": f"2026-03-{n % 28 + 1:02d}T09:00:00+01:00", "url": f"https://school.example/{n}",
           "source": source}
    rec.update(over)
    return rec


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def store(root: Path, day: date = DAY1, state_file: Path | None = None) -> HarvestStore:
    return HarvestStore(root, State.load(state_file or root / "state.json"), day)


def apply(root: Path, src: SourceConfig, records: list[dict], day: date = DAY1, **kw):
    s = store(root, day)
    out = s.apply(src, records, **kw)
    s.state.save()
    return out


def harvested(root: Path, kind: str, rid: str) -> dict:
    loaded = load_file(root / "harvested" / kind / f"{rid}.yaml")
    assert loaded.ok, loaded.problems
    return loaded.data


def test_new_record_has_per_field_provenance(tmp_path):
    out = apply(tmp_path, TESS, [event(1)])
    assert (out.new, out.changed, out.unchanged) == (1, 0, 0)
    data = harvested(tmp_path, "events", "tess-event-1")
    assert data["title"] == "Beamline school 1"
    assert data["provenance"]["title"] == {"source": "pan-training", "changed": "2026-01-01"}
    assert set(data["provenance"]) == set(data) - {"provenance"}


def test_unchanged_rerun_changes_no_byte(tmp_path):
    apply(tmp_path, TESS, [event(1), event(2)])
    before = files(tmp_path)
    out = apply(tmp_path, TESS, [event(1), event(2)], DAY30)
    assert (out.new, out.changed, out.unchanged) == (0, 0, 2)
    assert files(tmp_path) == before  # records and state file alike, on a later day
    state = json.loads((tmp_path / "state.json").read_text())
    assert state == {"sources": {"pan-training": {"records": ["events/tess-event-1", "events/tess-event-2"]}}}


def test_a_changed_value_moves_only_its_own_changed_date(tmp_path):
    apply(tmp_path, TESS, [event(1)])
    out = apply(tmp_path, TESS, [event(1, title="Beamline school 1 (full)")], DAY2)
    assert out.changed == 1 and out.changes[0].fields == {"title": ("Beamline school 1", "Beamline school 1 (full)")}
    prov = harvested(tmp_path, "events", "tess-event-1")["provenance"]
    assert prov["title"]["changed"] == "2026-01-02" and prov["url"]["changed"] == "2026-01-01"


def curated_silx(root: Path) -> Path:
    curated = root / "curated" / "software" / "silx.yaml"
    curated.parent.mkdir(parents=True)
    curated.write_text("id: silx\nname: silx\ndescription: X-ray data toolkit.\nhomepage: https://www.silx.org/\n"
                       "references: [https://www.silx.org/]\n")
    return curated


def test_two_sources_enrich_one_record_each_with_its_own_fields(tmp_path):
    curated = curated_silx(tmp_path)
    before = curated.read_bytes()
    apply(tmp_path, GITHUB, [{"id": "silx", "facts": {"stars": 140, "latest_release": "v2.1.0"}}])
    apply(tmp_path, PYPI, [{"id": "silx", "facts": {"pypi_version": "2.1.0", "stars": 999}}])
    data = harvested(tmp_path, "software", "silx")
    # PyPI may not take over GitHub's field; each keeps its own.
    assert data["facts"] == {"stars": 140, "latest_release": "v2.1.0", "pypi_version": "2.1.0"}
    assert data["provenance"]["facts.stars"]["source"] == "github-software"
    assert data["provenance"]["facts.pypi_version"]["source"] == "pypi"
    out = apply(tmp_path, GITHUB, [{"id": "silx", "facts": {"stars": 141, "latest_release": "v2.2.0"}}], DAY2)
    assert out.changes[0].fields["facts.latest_release"] == ("v2.1.0", "v2.2.0")
    assert harvested(tmp_path, "software", "silx")["facts"]["pypi_version"] == "2.1.0"
    assert curated.read_bytes() == before  # nothing curated is ever written
    assert validate(tmp_path)[1].valid


def test_a_field_error_keeps_the_last_good_value(tmp_path):
    curated_silx(tmp_path)
    apply(tmp_path, GITHUB, [{"id": "silx", "facts": {"stars": 140, "latest_release": "v2.1.0"}}])
    apply(tmp_path, GITHUB, [{"id": "silx", "facts": {"stars": 141},
                              "_errors": {"facts.latest_release": "HTTP 502 from api.github.com"}}], DAY2)
    data = harvested(tmp_path, "software", "silx")
    assert data["facts"]["latest_release"] == "v2.1.0"
    assert data["provenance"]["facts.latest_release"]["error"] == "HTTP 502 from api.github.com"
    apply(tmp_path, GITHUB, [{"id": "silx", "facts": {"stars": 141, "latest_release": "v2.1.0"}}], DAY30)
    assert "error" not in harvested(tmp_path, "software", "silx")["provenance"]["facts.latest_release"]


def test_vanished_records_are_withdrawn_never_deleted_and_come_back(tmp_path):
    apply(tmp_path, TESS, [event(1), event(2), event(3)])
    out = apply(tmp_path, TESS, [event(1), event(2)], DAY2)
    assert out.withdrawn == 1
    data = harvested(tmp_path, "events", "tess-event-3")
    assert data["withdrawn"] is True and data["title"] == "Beamline school 3"
    out = apply(tmp_path, TESS, [event(1), event(2), event(3)], DAY30)
    assert out.changes[0].status == "restored" and "withdrawn" not in harvested(tmp_path, "events", "tess-event-3")


def test_ended_events_that_leave_a_feed_are_not_withdrawn(tmp_path):
    past = event(1, start="2025-11-03T09:00:00+01:00")
    apply(tmp_path, TESS, [past, event(2)])
    out = apply(tmp_path, TESS, [event(2)], DAY2)
    assert out.withdrawn == 0 and not out.failed
    assert "withdrawn" not in harvested(tmp_path, "events", "tess-event-1")


def test_incomplete_listing_withdraws_nothing(tmp_path):
    apply(tmp_path, TESS, [event(1), event(2)])
    out = apply(tmp_path, TESS, [event(1)], DAY2, complete=False)
    assert out.withdrawn == 0 and "none withdrawn" in out.problems[-1]
    assert "withdrawn" not in harvested(tmp_path, "events", "tess-event-2")
    # Still remembered: a later complete listing may withdraw it.
    assert apply(tmp_path, TESS, [event(1)], DAY30).withdrawn == 1


def test_failed_source_writes_nothing_and_turns_stale(tmp_path):
    apply(tmp_path, TESS, [event(1), event(2)])
    before = files(tmp_path / "harvested")
    out = apply(tmp_path, TESS, [], DAY2, error=SourceUnavailable("pan-training.eu: timed out"))
    assert out.failed and out.error == "unavailable: pan-training.eu: timed out" and out.stale == 0
    assert files(tmp_path / "harvested") == before
    out = apply(tmp_path, TESS, [], DAY30, error=SourceUnavailable("pan-training.eu: timed out"))
    assert out.stale == 2  # failing for more than stale_after_days (7)
    state = State.load(tmp_path / "state.json")
    assert state.stale_since(TESS, DAY30) == "2026-01-09"
    assert state.freshness([TESS], DAY30)["events/tess-event-1"]["stale_since"] == "2026-01-09"
    assert state.data["sources"]["pan-training"]["last_error"].startswith("unavailable")
    apply(tmp_path, TESS, [event(1), event(2)], DAY30)  # back: no longer stale
    assert State.load(tmp_path / "state.json").stale_since(TESS, DAY30) is None


def test_source_shrinking_from_50_to_2_is_held_for_a_human(tmp_path):
    apply(tmp_path, TESS, [event(n) for n in range(50)])
    before = files(tmp_path / "harvested")
    out = apply(tmp_path, TESS, [event(0, title="changed"), event(1)], DAY2)
    assert out.failed and out.held and "2 records where the last run had 50" in out.held
    assert out.withdrawn == 0 and files(tmp_path / "harvested") == before
    # A human who checked may accept the drop.
    out = apply(tmp_path, TESS, [event(0), event(1)], DAY2, allow_shrink=True)
    assert out.withdrawn == 48 and not out.failed


def test_invalid_records_are_reported_not_written(tmp_path):
    out = apply(tmp_path, TESS, [event(1, start="2026-13-45"), event(2, country="Narnia"), {"id": "../evil"}])
    assert out.invalid == 2 and out.new == 0
    assert any("/start" in p for p in out.problems) and any("usable id" in p for p in out.problems)
    assert not (tmp_path / "harvested").exists()


def test_one_event_listed_by_tess_and_indico_is_one_record(tmp_path):
    apply(tmp_path, TESS, [event(1, url="https://indico.desy.de/event/4242/")])
    indico = {"id": "indico-desy-de-4242", "title": "Python for photon science", "description": "x",
              "start": "2026-03-02T08:00:00+00:00", "url": "http://indico.desy.de/event/4242", "source": "desy-indico"}
    out = apply(tmp_path, INDICO, [indico])
    assert out.listed == 1 and out.new == 0
    assert not (tmp_path / "harvested" / "events" / "indico-desy-de-4242.yaml").exists()
    data = harvested(tmp_path, "events", "tess-event-1")
    assert data["also_listed"] == [{"source": "desy-indico", "url": "http://indico.desy.de/event/4242"}]
    # Title + start day match too, and reruns are stable.
    before = files(tmp_path / "harvested")
    assert apply(tmp_path, INDICO, [indico], DAY2).listed == 1
    assert files(tmp_path / "harvested") == before
    # Indico stops listing it: its listing goes, the record stays.
    apply(tmp_path, INDICO, [], DAY30, allow_shrink=True)
    assert "also_listed" not in harvested(tmp_path, "events", "tess-event-1")
    assert validate(tmp_path)[1].valid


def test_same_title_and_day_without_url_match(tmp_path):
    apply(tmp_path, TESS, [event(1, title="HERCULES School 2026", start="2026-03-02T09:00:00+01:00")])
    other = event(9, title="Hercules school – 2026!", start="2026-03-02T10:00:00+01:00",
                  url="https://elsewhere.example/h", id="ical-x-1", source="x")
    src = SourceConfig("x", "ical", "events", "https://elsewhere.example/h.ics")
    assert apply(tmp_path, src, [other]).listed == 1


def test_a_harvested_event_equal_to_a_curated_one_becomes_its_twin(tmp_path):
    curated = tmp_path / "curated" / "events" / "hercules-2026.yaml"
    curated.parent.mkdir(parents=True)
    curated.write_text("id: hercules-2026\ntitle: HERCULES 2026\ndescription: The school.\n"
                       "start: '2026-03-02'\nurl: https://hercules-school.eu/\nreferences: [https://hercules-school.eu/]\n")
    before = curated.read_bytes()
    rec = event(1, url="https://hercules-school.eu/", venue="ESRF")
    assert apply(tmp_path, TESS, [rec]).new == 1
    assert harvested(tmp_path, "events", "hercules-2026")["venue"] == "ESRF"
    assert not (tmp_path / "harvested" / "events" / "tess-event-1.yaml").exists()
    out = apply(tmp_path, TESS, [rec], DAY2)  # the next run finds its own twin again
    assert (out.unchanged, out.listed) == (1, 0)
    assert apply(tmp_path, TESS, [event(2)], DAY30, allow_shrink=True).withdrawn == 0  # twins are never withdrawn
    assert curated.read_bytes() == before


def test_unreadable_state_file_starts_afresh(tmp_path):
    (tmp_path / "state.json").write_text("{not json")
    assert State.load(tmp_path / "state.json").data == {"sources": {}}


@pytest.mark.parametrize("bad", ["", "x", None])
def test_records_without_usable_ids_are_skipped(tmp_path, bad):
    out = apply(tmp_path, TESS, [{"id": bad, "title": "x"}, event(1)])
    assert out.new == 1 and out.problems


def test_an_item_dropped_for_its_id_withdraws_nothing(tmp_path):
    """A listing with an item the store cannot use is incomplete: the earlier records stay listed."""
    apply(tmp_path, TESS, [event(1), event(2)])
    out = apply(tmp_path, TESS, [event(1), {"id": "Not A Slug!", "title": "x"}], DAY2)
    assert out.withdrawn == 0 and "withdrawn" not in harvested(tmp_path, "events", "tess-event-2")
    assert [(i.code, i.item) for i in out.items] == [("dropped", "Not A Slug!")]
    assert any("none withdrawn" in p for p in out.problems)
