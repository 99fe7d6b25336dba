"""`knowhow bench --scheduler`: the same measurements on a Dask cluster, merged into one table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from knowhow.bench import configs, datasets, runner
from knowhow.bench.command import bench
from knowhow.bench.distributed import run_on_dask

DATA = Path(__file__).parent / "data" / "bench"

distributed = pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as c:
        yield c


def test_pairs_run_on_the_cluster_and_merge_in_plan_order(cluster):
    sample = datasets.get_dataset("neutron-tof-i32").generate(1)
    codecs = [configs.get_codec(n) for n in ("memcpy", "none-chunked", "bitshuffle-lz4", "fcidecomp")]
    settings = runner.Settings(reps=1, timeout_s=60)
    pairs = runner.plan([(sample, codecs)], settings)
    seen = []
    rows = run_on_dask(pairs, settings, cluster.scheduler_address, progress=lambda i, n, r: seen.append(i))
    assert [r["codec"] for r in rows] == ["memcpy", "none-chunked", "bitshuffle-lz4", "fcidecomp"]
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "skipped"]
    lz4 = rows[2]
    assert lz4["exact"] and lz4["fresh_read_ok"] and lz4["ratio"] > 5 and lz4["bound_fraction"] > 0.3
    assert lz4["worker"] and lz4["write_vs_chunked"] > 0
    assert sorted(seen) == [1, 2, 3, 4]


def test_a_crash_on_a_worker_is_a_failed_row(cluster):
    floats = datasets.get_dataset("scan-monitor-f64").generate(4096)  # 1-D chunks: Sperr segfaults
    settings = runner.Settings(reps=1, timeout_s=60)
    rows = run_on_dask([(floats, configs.get_codec("sperr-abs-0.1sigma"), None),
                        (floats, configs.get_codec("zstd-3"), None)], settings, cluster.scheduler_address)
    assert rows[0]["status"] == "failed" and rows[0]["exit_code"] not in (0, None)
    assert rows[1]["status"] == "ok"


def test_cli_scheduler_option(cluster, tmp_path):
    out = tmp_path / "out"
    run = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_tiny.yaml"), "--out", str(out),
                                     "--scheduler", cluster.scheduler_address])
    assert run.exit_code == 0, run.output
    doc = json.loads((out / "results.json").read_text())
    assert doc["provenance"]["isolation"] == "dask"
    assert sum(r["status"] == "ok" for r in doc["results"]) == 7


def test_unreachable_scheduler_is_one_line(tmp_path):
    run = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_tiny.yaml"), "--out", str(tmp_path),
                                     "--scheduler", "tcp://127.0.0.1:9"])
    last = run.output.strip().splitlines()[-1]
    assert run.exit_code == 1 and last.startswith("Error: ") and "cannot reach the Dask scheduler" in last
    assert "Traceback" not in run.output
