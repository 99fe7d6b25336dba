"""`knowhow bench` on the bundled suite: estimate, progress, summary, and results as valid data."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner
from frictionless import validate as fl_validate

from knowhow.bench import report
from knowhow.bench.command import bench
from knowhow.bench.suite import SuiteError, load_suite

DATA = Path(__file__).parent / "data" / "bench"


def test_tiny_suite_runs_and_writes_valid_results(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_tiny.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2 datasets × 5 codecs: ") and "estimated" in lines[0]
    assert any("neutron-tof-i32 × bitshuffle-lz4: ratio" in ln and "of bound" in ln for ln in lines)
    assert any(ln.startswith("7 ok, 0 stored-raw, 0 failed, 3 skipped") for ln in lines), result.output
    assert lines[-1].startswith(f"wrote {out}")

    doc = json.loads((out / "results.json").read_text())
    jsonschema.validate(doc, json.loads((out / "results.schema.json").read_text()))
    assert fl_validate(str(out / "datapackage.json")).valid
    rows = {(r["dataset"], r["codec"]): r for r in doc["results"]}
    skipped = rows[("tomo-norm-f32", "fcidecomp")]
    assert skipped["status"] == "skipped" and "16-bit" in skipped["reason"]
    assert rows[("neutron-tof-i32", "sz3-abs-0.1sigma")]["status"] == "skipped"
    lossy = rows[("tomo-norm-f32", "sz3-abs-0.1sigma")]
    assert lossy["bound_held"] and lossy["error_bound"] > 0 and 0 < lossy["bound_fraction"] < 1
    ok = rows[("neutron-tof-i32", "bitshuffle-lz4")]
    assert ok["exact"] and ok["fresh_read_ok"] and ok["chunks_raw"] == 0
    assert ok["write_vs_chunked"] > 0 and ok["read_vs_memcpy"] > 0 and ok["write_j_per_gb"] > 0
    prov = doc["provenance"]
    assert prov["software"]["hdf5plugin_build"]["embedded_filters"]
    assert prov["threads"]["BLOSC_NTHREADS"] == "1" and prov["load_average_start"] is not None
    gen = {d["name"]: d for d in doc["datasets"]}
    assert gen["neutron-tof-i32"]["seed"] and gen["neutron-tof-i32"]["chunks"] == [1, 375, 713]
    assert doc["energy_model"]["watts_per_core"] == 12 and doc["energy_model"]["grid_g_per_kwh"] == 75


def test_energy_options_change_the_estimate(tmp_path):
    args = ["--suite", str(DATA / "suite_tiny.yaml"), "--dataset", "neutron-tof-i32", "--codec", "bitshuffle-lz4"]
    CliRunner().invoke(bench, [*args, "--out", str(tmp_path / "a")])
    CliRunner().invoke(bench, [*args, "--out", str(tmp_path / "b"), "--pue", "2", "--watts-per-core", "24"])
    a = json.loads((tmp_path / "a" / "results.json").read_text())["results"][0]
    b = json.loads((tmp_path / "b" / "results.json").read_text())["results"][0]
    # Twice the watts and a higher PUE: well over twice the energy per GB for similar CPU time.
    assert b["write_mb_per_cpu_s"] and b["write_j_per_gb"] / b["write_cpu_s"] > 2 * a["write_j_per_gb"] / a["write_cpu_s"]


def test_unknown_codec_in_suite_is_one_located_line(tmp_path):
    try:
        load_suite(DATA / "suite_unknown_codec.yaml")
    except SuiteError as exc:
        text = str(exc)
    assert text.count("\n") == 0
    assert "suite_unknown_codec.yaml:7:" in text and "did you mean 'bitshuffle-lz4'" in text
    result = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_unknown_codec.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and "unknown codec" in result.output


def test_results_schema_and_table_schema_agree():
    js = report.json_schema()["properties"]["results"]["items"]["properties"]
    ts = {f["name"]: f for f in report.table_schema()["fields"]}
    assert list(js) == list(ts) == list(report.COLUMN_NAMES)


def test_unknown_dataset_option_is_refused(tmp_path):
    run = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_tiny.yaml"), "--dataset", "pc-eiger", "--out",
                                     str(tmp_path)])
    assert run.exit_code == 1 and "dataset 'pc-eiger' is not in profile 'quick'" in run.output
