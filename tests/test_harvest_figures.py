"""The figures guard through the real runner, store and replay server: a count that falls to zero
or steeply, a date that vanishes, a partial OAI-PMH listing, and the per-item report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harvest_support import DATA, make_settings
from knowhow.harvest import guard
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig, load
from knowhow.harvest.report import as_dict, markdown, table
from knowhow.harvest.runner import run
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file

XML = "text/xml; charset=utf-8"
OAI = DATA / "oaipmh"
FIRST = {"records": 5, "latest_record": "2026-11-21T23:59:59+00:00"}  # the three pages of listidentifiers_*


def read(name: str) -> bytes:
    return (OAI / name).read_bytes()


def token(name: str) -> str:
    from knowhow.harvest.sources.oaipmh import parse_page

    return parse_page(read(name)).token or ""


class Harvest:
    """A registry with one OAI-PMH open_data record, harvested again and again."""

    def __init__(self, tmp: Path, srv, **config):
        self.srv = srv
        self.root = tmp / "registry"
        rec = self.root / "curated/open_data/facility-oai.yaml"
        rec.parent.mkdir(parents=True)
        rec.write_text("id: facility-oai\nname: Facility OAI-PMH\ndescription: The facility's metadata.\n"
                       f"url: https://data.example-facility.eu/\napi: {{type: oai-pmh, endpoint: \"{srv.url('oai')}\"}}\n")
        self.config = HarvestConfig("sources.yaml", (SourceConfig(name="facility-oai", type="oaipmh", kind="open_data",
                                                                  base_url=srv.url("oai"), **config),))
        self.kwargs = dict(registry=self.root, state_path=tmp / "state.json", cache_dir=tmp / "cache",
                           settings=make_settings(srv))

    def run(self, *pages: bytes, **kw):
        self.srv.clear("/oai")
        for i, body in enumerate(pages):
            query = {"metadataPrefix": "oai_dc"} if i == 0 else {"resumptionToken": _tokens()[i - 1]}
            self.srv.add("/oai", body, content_type=XML, query=query)
        return run(self.config, **self.kwargs, **kw)

    @property
    def path(self) -> Path:
        return self.root / "harvested/open_data/facility-oai.yaml"

    def record(self) -> dict:
        return load_file(self.path).data


def _tokens() -> list[str]:
    return [token("listidentifiers_page1.xml"), token("listidentifiers_page2.xml")]


THREE = (read("listidentifiers_page1.xml"), read("listidentifiers_page2.xml"),
         read("listidentifiers_page3_empty_token.xml"))


def test_no_records_match_holds_the_count_and_the_latest_date(tmp_path, replay):
    h = Harvest(tmp_path, replay)
    h.run(*THREE)
    assert h.record()["facts"] == FIRST

    report = h.run(read("no_records_match_200.xml"))
    row = report.rows[0]
    assert not row.outcome.failed
    assert h.record()["facts"] == FIRST  # neither zeroed nor erased
    held = {f.field: f for f in row.outcome.figures}
    assert set(held) == {"facts.records", "facts.latest_record"}
    assert held["facts.records"].old == 5 and held["facts.records"].new == 0
    assert "answered 0 where it had 5" in h.record()["provenance"]["facts.records"]["error"]
    summary = markdown(report)
    assert "No changes." in summary  # only the provenance note was written: not an update
    assert "facts.records held at 5" in summary and "--accept-figure facility-oai:facts.records" in summary
    assert "held at 5" in table(report)
    assert as_dict(report)["sources"][0]["figures_held"][0]["kept"] in (5, "2026-11-21T23:59:59+00:00")
    assert validate(h.root)[1].valid

    before = h.path.read_bytes()
    h.run(read("no_records_match_200.xml"))
    assert h.path.read_bytes() == before  # held again: the file does not churn

    accepted = h.run(read("no_records_match_200.xml"), allow_shrink=["facility-oai"])
    assert accepted.rows[0].outcome.figures == []
    assert h.record()["facts"] == {"records": 0}  # the human said the drop is real
    assert "error" not in h.record()["provenance"]["facts.records"]


def test_a_listing_of_only_deleted_records_is_held_too(tmp_path, replay):
    h = Harvest(tmp_path, replay)
    h.run(*THREE)
    report = h.run(read("listidentifiers_only_deleted.xml"))
    assert h.record()["facts"] == FIRST
    assert {f.field for f in report.rows[0].outcome.figures} == {"facts.records", "facts.latest_record"}


@pytest.mark.parametrize("last_page, why", [
    ("listidentifiers_page2_stops_early.xml", "ended without the resumptionToken"),
    ("listidentifiers_page3_short_of_complete_size.xml", "6 distinct identifiers where completeListSize says 7"),
])
def test_a_partial_listing_never_publishes_a_count(tmp_path, replay, last_page, why):
    h = Harvest(tmp_path, replay)
    pages = THREE[:1] + (read(last_page),) if "page2" in last_page else THREE[:2] + (read(last_page),)
    report = h.run(*pages)
    assert not h.path.exists()  # first run: no complete listing, so no record and no count
    assert any(why in p for p in report.rows[0].outcome.problems)

    h.run(*THREE)
    assert h.record()["facts"] == FIRST
    report = h.run(*pages)
    assert h.record()["facts"] == FIRST  # the last complete figures stay
    assert why in h.record()["provenance"]["facts.records"]["error"]
    assert report.rows[0].outcome.figures == []  # not a fall: the partial figure was never offered


def test_invalid_datestamps_and_duplicates_are_listed_per_item(tmp_path, replay):
    h = Harvest(tmp_path, replay)
    report = h.run(read("listidentifiers_invalid_dates_and_duplicates.xml"))
    assert h.record()["facts"] == {"records": 4, "latest_record": "2026-10-05T08:00:00+00:00"}
    items = as_dict(report)["sources"][0]["items"]
    assert {(i["code"], i["id"]) for i in items} == {
        ("invalid-date", "oai:data.example-facility.eu:301"), ("invalid-date", "oai:data.example-facility.eu:303"),
        ("duplicate", "oai:data.example-facility.eu:302")}
    summary = markdown(report)
    assert "2 invalid dates: oai:data.example-facility.eu:301, oai:data.example-facility.eu:303" in summary
    assert "1 duplicate: oai:data.example-facility.eu:302" in summary


def test_a_steep_fall_is_held_unless_accepted_or_overridden(tmp_path, replay):
    h = Harvest(tmp_path, replay)
    h.run(*THREE)
    one = read("listidentifiers_single_page_two_live.xml")
    report = h.run(one)  # 2 live records where there were 5: a fall of 60 %
    assert h.record()["facts"]["records"] == 5
    held = {f.field: f.reason for f in report.rows[0].outcome.figures}
    assert "a fall of more than 50% from 5" in held["facts.records"]
    assert "earlier than 2026-11-21T23:59:59+00:00" in held["facts.latest_record"]

    report = h.run(one, accept_figures=["facility-oai:facts.records"])
    # Only the count was accepted: the latest date, which moved back, is still held.
    assert h.record()["facts"] == {"records": 2, "latest_record": "2026-11-21T23:59:59+00:00"}
    assert [f.field for f in report.rows[0].outcome.figures] == ["facts.latest_record"]


def test_overrides_from_the_sources_file(tmp_path, replay):
    h = Harvest(tmp_path, replay, max_figure_drop=0.7, figure_overrides={"facts.latest_record": 1.0})
    h.run(*THREE)
    one = read("listidentifiers_single_page_two_live.xml")
    report = h.run(one)
    assert report.rows[0].outcome.figures == []  # 60 % is within 70 %; the date may move back
    assert h.record()["facts"] == {"records": 2, "latest_record": "2026-11-01T09:00:00+00:00"}


def test_verdicts():
    rules = guard.FigureRules(0.5, {"facts.open_issues": 1.0})
    assert guard.verdict("facts.stars", 10, 6, rules) is None
    assert "fall of more than 50%" in guard.verdict("facts.stars", 10, 4, rules)
    assert "answered 0" in guard.verdict("facts.citations", 3, 0, rules)
    assert guard.verdict("facts.open_issues", 30, 0, rules) is None
    assert "no longer stated" in guard.verdict("facts.versions", 4, guard.MISSING, rules)
    assert "earlier than" in guard.verdict("facts.latest_record", "2026-11-02", "2026-11-01T23:00:00+00:00", rules)
    assert guard.verdict("facts.latest_record", "2026-11-02", "2026-11-02T00:00:00+00:00", rules) is None
    assert guard.verdict("facts.archived", True, False, rules) is None  # a flag, not a figure
    assert guard.verdict("facts.stars", 0, guard.MISSING, rules) is not None
    assert guard.verdict("facts.stars", 10, 0, guard.FigureRules(accepted=frozenset({"facts.stars"}))) is None


def test_sources_file_settings_are_checked(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("defaults:\n  max_figure_drop: \"0.3\"\n  figure_overrides: {facts.open_issues: 1}\n"
                    "  deadline_seconds: 300\nsources:\n"
                    "  - {name: a, type: oaipmh, kind: open_data, base_url: \"https://x.org/oai\","
                    " figure_overrides: {facts.records: \"0.9\"}, deadline_seconds: 60}\n")
    src = load(path).sources[0]
    assert src.max_figure_drop == 0.3 and src.deadline == 60
    assert src.figure_overrides == {"facts.open_issues": 1.0, "facts.records": 0.9}
    path.write_text("sources:\n  - {name: a, type: oaipmh, kind: open_data, base_url: \"https://x.org/oai\","
                    " figure_overrides: {records: 2}, deadline_seconds: 99999}\n")
    from knowhow.harvest.config import ConfigError

    with pytest.raises(ConfigError) as exc:
        load(path)
    text = str(exc.value)
    assert "sources.yaml:2: /sources/0/figure_overrides" in text and "deadline_seconds must be" in text


def test_the_command_line_accepts_one_figure(tmp_path, replay):
    from click.testing import CliRunner

    from knowhow.cli import cli

    h = Harvest(tmp_path, replay)
    h.run(*THREE)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: facility-oai, type: oaipmh, kind: open_data, base_url: \"{replay.url('oai')}\"}}\n")
    replay.clear("/oai")
    replay.add("/oai", read("no_records_match_200.xml"), content_type=XML)
    args = ["harvest", "--sources", str(sources), "--registry", str(h.root), "--state", str(tmp_path / "state.json"),
            "--cache-dir", str(tmp_path / "cache"), "--allow-private-host", f"127.0.0.1:{replay.port}",
            "--report", str(tmp_path / "report.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "held at 5" in result.output
    assert h.record()["facts"] == FIRST
    result = CliRunner().invoke(cli, args + ["--accept-figure", "facility-oai:facts.records",
                                              "--accept-figure", "facility-oai:facts.latest_record"])
    assert result.exit_code == 0, result.output
    assert h.record()["facts"] == {"records": 0}
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["sources"][0]["figures_held"] == []
    bad = CliRunner().invoke(cli, args + ["--accept-figure", "nope:facts.records"])
    assert bad.exit_code == 2 and "expected SOURCE:facts.FIELD" in bad.output


def test_configured_deadlines_fit_in_the_nightly_job():
    """Every configured source cut at its deadline still ends well inside the workflow's timeout."""
    import re

    root = Path(__file__).resolve().parents[1]
    config = load(root / "harvest/sources.yaml")
    workflow = (root / ".github/workflows/harvest.yml").read_text()
    minutes = int(re.search(r"timeout-minutes: (\d+)", workflow).group(1))
    total = sum(s.deadline for s in config.sources)
    assert total <= 0.8 * minutes * 60, f"{total:.0f} s of source deadlines in a {minutes}-minute job"


def test_a_held_release_date_keeps_its_release_name(tmp_path, replay):
    """A newest release deleted upstream: the date would go back, so name and date stay together."""
    import json as jsonlib

    gh = DATA / "github"
    root = tmp_path / "registry"
    (root / "curated/software").mkdir(parents=True)
    (root / "curated/software/silx.yaml").write_text(
        "id: silx\nname: silx\ndescription: Data analysis.\nhomepage: http://www.silx.org/\n"
        "repository: https://github.com/silx-kit/silx\n")
    replay.add("gh/repos/silx-kit/silx", gh / "repo_silx.json")
    replay.add("gh/repos/silx-kit/silx/branches/main", gh / "branch_main_silx.json")
    release = jsonlib.loads((gh / "release_latest_silx.json").read_text())
    replay.add("gh/repos/silx-kit/silx/releases/latest", release)
    config = HarvestConfig("s", (SourceConfig("github-software", "github", "software", replay.url("gh/"),
                                              {"mode": "rest"}),))
    kw = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
              settings=make_settings(replay))
    run(config, **kw)
    path = root / "harvested/software/silx.yaml"
    first = load_file(path).data["facts"]
    older = dict(release, tag_name="v2.1.0", name="v2.1.0", published_at="2026-05-01T08:00:00Z")
    replay.clear("gh/repos/silx-kit/silx/releases/latest")
    replay.add("gh/repos/silx-kit/silx/releases/latest", older)
    report = run(config, **kw)
    facts = load_file(path).data["facts"]
    assert (facts["latest_release"], facts["latest_release_date"]) == (first["latest_release"],
                                                                       first["latest_release_date"])
    assert [f.field for f in report.rows[0].outcome.figures] == ["facts.latest_release_date"]
    assert "held" in load_file(path).data["provenance"]["facts.latest_release"]["error"]
    run(config, **kw, allow_shrink=["github-software"])
    facts = load_file(path).data["facts"]
    assert (facts["latest_release"], facts["latest_release_date"]) == ("v2.1.0", "2026-05-01T08:00:00+00:00")
