"""`knowhow harvest` end to end against the replay server: a full run, a quiet rerun with zero file
changes, failures that keep records, the shrink guard, dedup across sources, a run killed
half-way, and the sources file."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvest_support import DATA, make_settings
from knowhow.cli import cli
from knowhow.harvest.config import ConfigError, load
from knowhow.harvest.report import markdown
from knowhow.harvest.runner import run
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file
from knowhow.sanitize import markdown_to_html

ROOT = Path(__file__).resolve().parents[1]
JSONAPI = "application/vnd.api+json"


def sources_yaml(srv, extra: str = "") -> str:
    return f"""\
sources:
  - name: pan-training
    type: tess
    kind: events
    label: the PaN training catalogue
    base_url: {srv.url('tess/')}
    params: {{include_expired: true}}
  - name: desy-indico
    type: indico
    kind: events
    label: DESY
    base_url: {srv.url('indico/')}
    params: {{category: 1202, limit: 3, organisers: [desy-petra-iii], country: DE}}
  - name: facility-ical
    type: ical
    kind: events
    label: the facility calendar
    base_url: {srv.url('feeds/events.ics')}
{extra}"""


def serve_all(srv):
    srv.add("tess/events.json_api", DATA / "tess/events_page1.json", query={"page_number": "1"}, content_type=JSONAPI)
    srv.add("tess/events.json_api", DATA / "tess/events_page2_last.json", query={"page_number": "2"},
            content_type=JSONAPI)
    srv.add("indico/export/categ/1202.json", DATA / "indico/categ_1202_page1.json", query={"offset": "0"}, etag=False)
    srv.add("indico/export/categ/1202.json", DATA / "indico/categ_1202_page2_short.json", query={"offset": "3"},
            etag=False)
    srv.add("feeds/events.ics", DATA / "ical/facility_feed_clean.ics", content_type="text/calendar",
            etag=False, last_modified="Thu, 01 Jan 2026 12:00:00 GMT")


@pytest.fixture
def workdir(tmp_path):
    """A registry with the project's curated facilities (events name them as organisers)."""
    shutil.copytree(ROOT / "registry" / "curated" / "facilities", tmp_path / "registry" / "curated" / "facilities")
    return tmp_path


def snapshot(root: Path, state: bool = True) -> dict[str, bytes]:
    """Every registry file under root, and the state file beside it (dot files, the interrupted
    writer's temporary files, are not part of the registry)."""
    reg = root / "registry" if (root / "registry").is_dir() else root
    out = {str(p.relative_to(reg)): p.read_bytes() for p in sorted(reg.rglob("*"))
           if p.is_file() and not p.name.startswith(".")}
    if state and (reg.parent / "state.json").exists():
        out["state.json"] = (reg.parent / "state.json").read_bytes()
    return out


def cli_args(workdir: Path, srv, *more: str) -> list[str]:
    return ["harvest", "--sources", str(workdir / "sources.yaml"), "--registry", str(workdir / "registry"),
            "--state", str(workdir / "state.json"), "--cache-dir", str(workdir / ".harvest-cache"),
            "--report", str(workdir / "report.json"), "--summary", str(workdir / "summary.md"),
            "--allow-private-host", f"127.0.0.1:{srv.port}", *more]


def test_full_harvest_then_a_quiet_rerun_changes_nothing(replay, workdir):
    serve_all(replay)
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    result = CliRunner().invoke(cli, cli_args(workdir, replay))
    assert result.exit_code == 0, result.output
    report = json.loads((workdir / "report.json").read_text())
    rows = {s["name"]: s for s in report["sources"]}
    assert (rows["pan-training"]["fetched"], rows["pan-training"]["new"]) == (5, 5)
    # Indico's 4242 is TeSS's "Python for photon science": listed, not duplicated.
    assert (rows["desy-indico"]["fetched"], rows["desy-indico"]["new"], rows["desy-indico"]["listed"]) == (4, 3, 1)
    assert rows["facility-ical"]["new"] == 2
    twin = load_file(workdir / "registry/harvested/events/tess-python-for-photon-science-2026.yaml").data
    assert twin["also_listed"] == [{"source": "desy-indico", "url": "https://indico.desy.de/event/4242/"}]
    assert not (workdir / "registry/harvested/events/indico-127-0-0-1-4242.yaml").exists()
    summary = (workdir / "summary.md").read_text()
    assert "3 new events at DESY" in summary and "5 new events at the PaN training catalogue" in summary
    assert "pan-training" in result.output and "304s" in result.output
    registry, problems = validate(workdir / "registry")
    assert problems.valid, [p.text() for p in problems.problems]
    assert len(registry.records["events"]) == 10

    before = snapshot(workdir)
    again = CliRunner().invoke(cli, cli_args(workdir, replay))
    assert again.exit_code == 0, again.output
    assert snapshot(workdir) == before  # records and state file: not one byte changed
    rows = {s["name"]: s for s in json.loads((workdir / "report.json").read_text())["sources"]}
    assert rows["pan-training"]["not_modified"] == rows["pan-training"]["requests"] == 2  # ETag
    assert rows["facility-ical"]["not_modified"] == 1  # If-Modified-Since
    assert rows["desy-indico"]["not_modified"] == 0 and rows["desy-indico"]["unchanged"] == 3  # no validators
    assert "No changes." in (workdir / "summary.md").read_text()


def run_fast(srv, workdir, **kw):
    config = load(workdir / "sources.yaml")
    return run(config, registry=workdir / "registry", state_path=workdir / "state.json",
               cache_dir=workdir / ".harvest-cache", settings=make_settings(srv), today=date(2026, 1, 1), **kw)


def test_a_failing_source_keeps_its_records_and_the_others_go_on(replay, workdir):
    serve_all(replay)
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    run_fast(replay, workdir)
    tess_files = {p: p.read_bytes() for p in (workdir / "registry/harvested/events").glob("tess-*.yaml")}
    replay.fault("tess/events.json_api", "500", times=10)
    replay.clear("feeds/events.ics")
    replay.add("feeds/events.ics", DATA / "ical/facility_feed_quirks.ics", content_type="text/calendar")
    report = run_fast(replay, workdir)
    rows = {r.source.name: r for r in report.rows}
    assert rows["pan-training"].outcome.failed and "HTTP 500" in rows["pan-training"].outcome.error
    assert rows["pan-training"].retries == 2
    assert not rows["facility-ical"].outcome.failed and rows["facility-ical"].outcome.new == 4
    assert {p: p.read_bytes() for p in tess_files} == tess_files
    text = markdown(report)
    assert "**pan-training** failed" in text and "its records are kept" in text


def test_429_with_retry_after_is_waited_out(replay, workdir):
    serve_all(replay)
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    replay.fault("indico/export/categ/1202.json", "429", retry_after=1)
    started = time.monotonic()
    report = run_fast(replay, workdir, only=["desy-indico"])
    assert not report.failed and report.rows[0].retries == 1 and time.monotonic() - started >= 1


def tess_page(n_items: int) -> dict:
    item = json.loads((DATA / "tess/events_page1.json").read_text())["data"][0]
    data = []
    for i in range(n_items):
        it = json.loads(json.dumps(item))
        it["id"] = str(7000 + i)
        # Far in the future: events that are over may leave a listing without being withdrawn.
        it["attributes"].update(slug=f"school-{i}", title=f"School {i}", url=f"https://school.example/{i}",
                                start="2099-03-02T09:00:00.000Z", end="2099-03-03T17:00:00.000Z")
        data.append(it)
    return {"data": data, "links": {"self": "/events"}, "meta": {"results-count": n_items}}


def test_source_shrinking_from_50_to_2_is_held_and_exit_status_says_so(replay, workdir):
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    replay.add("tess/events.json_api", tess_page(50), content_type=JSONAPI)
    replay.add("tess/events.json_api", tess_page(2), content_type=JSONAPI)
    first = CliRunner().invoke(cli, cli_args(workdir, replay, "--only", "pan-training"))
    assert first.exit_code == 0, first.output
    before = snapshot(workdir, state=False)
    second = CliRunner().invoke(cli, cli_args(workdir, replay, "--only", "pan-training",
                                              "--failures", str(workdir / "failures.md")))
    assert second.exit_code == 1
    assert snapshot(workdir, state=False) == before
    assert "returned 2 records where the last run had 50" in (workdir / "failures.md").read_text()
    assert "--allow-shrink pan-training" in (workdir / "failures.md").read_text()
    third = CliRunner().invoke(cli, cli_args(workdir, replay, "--only", "pan-training", "--allow-shrink",
                                             "pan-training", "--failures", str(workdir / "failures.md")))
    assert third.exit_code == 0 and (workdir / "failures.md").read_text() == ""
    withdrawn = [p for p in (workdir / "registry/harvested/events").glob("*.yaml")
                 if load_file(p).data.get("withdrawn")]
    assert len(withdrawn) == 48


def test_hostile_titles_do_not_reach_the_summary_as_markup(replay, workdir):
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    replay.add("tess/events.json_api", DATA / "tess/events_hostile_text.json", content_type=JSONAPI)
    result = CliRunner().invoke(cli, cli_args(workdir, replay, "--only", "pan-training"))
    assert result.exit_code == 0, result.output
    (path,) = (workdir / "registry/harvested/events").glob("*.yaml")
    data = load_file(path).data
    assert "<" not in path.read_text() and "onerror" not in path.read_text()
    assert data["url"].startswith("http://127.0.0.1")  # the javascript: URL was replaced by the TeSS page
    # Descriptions are Markdown: a javascript: link stays inert text until rendering drops its href.
    assert "javascript" not in markdown_to_html(data["description"])
    assert "<" not in (workdir / "summary.md").read_text().split("<details>")[0]


def test_bad_sources_file_is_one_located_line_per_problem(workdir):
    (workdir / "sources.yaml").write_text("sources:\n  - name: pan-training\n    type: tes\n    kind: events\n"
                                          "    base_url: https://pan-training.eu/\n    parms: {}\n")
    result = CliRunner().invoke(cli, ["harvest", "--sources", str(workdir / "sources.yaml"),
                                      "--registry", str(workdir / "registry")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert any(":3: /sources/0/type: [unknown-type] no adapter of type 'tes' (did you mean 'tess'?)" in x
               for x in lines)
    assert any(":6: /sources/0/parms: [unknown-field] unknown key 'parms' (did you mean 'params'?)" in x
               for x in lines)
    assert "Traceback" not in result.output


def test_unknown_only_name_is_an_error(replay, workdir):
    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    result = CliRunner().invoke(cli, cli_args(workdir, replay, "--only", "pan-trainig"))
    assert result.exit_code == 2 and "did you mean 'pan-training'?" in result.output


def test_the_committed_sources_file_is_valid():
    config = load(ROOT / "harvest" / "sources.yaml")
    types = {s.type for s in config.sources}
    assert {"tess", "indico", "ical"} <= types
    assert all(s.base_url.startswith("https://") for s in config.sources)
    for src in config.sources:
        assert "token" not in {k.lower() for k in src.params}  # tokens are named by token_env, never written


def test_config_error_names_file_line_and_field(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("sources:\n  - name: x\n    type: tess\n    kind: software\n    base_url: ftp://x/\n"
                   "    min_keep_ratio: '2'\n")
    with pytest.raises(ConfigError) as err:
        load(bad)
    codes = {p.code for p in err.value.problems}
    assert codes == {"wrong-kind", "bad-url", "out-of-range"}
    assert all(p.line for p in err.value.problems)


# --------------------------------------------------------------------------- killed mid-run

def test_a_run_killed_at_any_moment_leaves_every_file_old_or_new(replay, workdir):
    """Kill `knowhow harvest` (SIGKILL) while it rewrites 150 records; every file must then parse and
    be byte-identical to either its old or its new version."""
    n, per_page = 150, 50
    old_page, new_page = tess_page(n), tess_page(n)
    for it in new_page["data"]:
        it["attributes"]["title"] += " (updated)"
        it["attributes"]["description"] = "New text. " * 50

    def pages(body):
        out = []
        for i in range(0, n, per_page):
            links = {"self": "/events"}
            if i + per_page < n:
                links["next"] = f"/events?page_number={i // per_page + 2}"
            out.append({"data": body["data"][i:i + per_page], "links": links, "meta": {"results-count": n}})
        return out

    def serve(body):
        replay.clear("tess/events.json_api")
        for k, pg in enumerate(pages(body), start=1):
            replay.add("tess/events.json_api", pg, query={"page_number": str(k)}, content_type=JSONAPI)

    def harvest_cmd(reg: Path):
        return [sys.executable, "-m", "knowhow", "harvest", "--sources", str(workdir / "sources.yaml"),
                "--registry", str(reg), "--state", str(reg.parent / "state.json"),
                "--cache-dir", str(reg.parent / "cache"), "--only", "pan-training",
                "--allow-private-host", f"127.0.0.1:{replay.port}"]

    (workdir / "sources.yaml").write_text(sources_yaml(replay))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    serve(old_page)
    old_reg = workdir / "old" / "registry"
    shutil.copytree(workdir / "registry", old_reg)
    subprocess.run(harvest_cmd(old_reg), check=True, env=env, capture_output=True, timeout=60)
    new_reg = workdir / "new" / "registry"
    shutil.copytree(old_reg.parent, new_reg.parent, dirs_exist_ok=True)
    serve(new_page)
    subprocess.run(harvest_cmd(new_reg), check=True, env=env, capture_output=True, timeout=60)
    old_files, new_files = snapshot(old_reg), snapshot(new_reg)
    assert old_files.keys() == new_files.keys() and old_files != new_files

    rng = random.Random(4)
    partial = 0
    for attempt in range(3):
        victim = workdir / f"kill{attempt}" / "registry"
        shutil.copytree(old_reg.parent, victim.parent)
        events = victim / "harvested" / "events"
        stamp = {p: p.stat().st_mtime_ns for p in events.iterdir()}
        proc = subprocess.Popen(harvest_cmd(victim), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        # Wait for the first rewritten record, then kill a random moment into the writing.
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.stat().st_mtime_ns != t for p, t in stamp.items() if p.exists()):
                break
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        got = snapshot(victim)
        for name, content in got.items():
            assert content in (old_files[name], new_files[name]), f"{name} is neither old nor new"
            if name.endswith(".yaml"):
                assert load_file(victim / name).ok
        json.loads(got["state.json"])
        changed = sum(got[k] == new_files[k] != old_files[k] for k in got)
        partial += 0 < changed < sum(new_files[k] != old_files[k] for k in got)
    assert partial  # at least one kill landed mid-way through the writing
