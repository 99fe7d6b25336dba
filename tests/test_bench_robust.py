"""The benchmark on awkward input: refused cleanly, fast on many chunks, clean after signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from knowhow.bench import userfile
from knowhow.bench.command import bench
from knowhow.bench.userfile import UserFileError, load_sample
from knowhow.bench.validate import filter_mask_check

DATA = Path(__file__).parent / "data" / "bench"
REPO = Path(__file__).resolve().parents[1]


def _one_line_refusal(args: list[str], out: Path) -> str:
    run = CliRunner().invoke(bench, [*args, "--out", str(out), "--codec", "none-chunked", "--reps", "1"])
    assert run.exit_code == 1, run.output
    assert run.output.startswith("Error: ") and run.output.count("\n") == 1, run.output
    assert not out.exists()  # no results written
    return run.output


def test_same_file_virtual_source_through_a_missing_external_link_is_refused(tmp_path):
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["entry/detector"] = h5py.ExternalLink("scan_data_000001.h5", "/entry/data")
        layout = h5py.VirtualLayout((4, 32), "u2")
        layout[:] = h5py.VirtualSource(".", "/entry/detector/data", (4, 32))
        f.create_virtual_dataset("entry/stack", layout, fillvalue=0)
    text = _one_line_refusal([f"{path}:/entry/stack"], tmp_path / "out")
    assert "virtual dataset source .:/entry/detector/data cannot be read" in text
    assert "external link /entry/detector points to a missing file (scan_data_000001.h5)" in text
    # With the linked file present the same virtual dataset is sampled (its data, not fill values).
    with h5py.File(tmp_path / "scan_data_000001.h5", "w") as f:
        f["entry/data/data"] = np.arange(128, dtype="u2").reshape(4, 32) + 1
    sample = load_sample(path, "/entry/stack", 1 << 20)
    assert sample.data.min() == 1 and sample.data.max() == 128


def test_fill_value_only_sample_is_refused_unless_allowed(tmp_path):
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("never_written", shape=(16, 256, 256), dtype="u2", chunks=(1, 256, 256), fillvalue=7)
        f.create_dataset("contiguous", shape=(16, 256), dtype="f4")
        part = f.create_dataset("half", shape=(16, 256, 256), dtype="u2", chunks=(1, 256, 256))
        part[:8] = 3
    text = _one_line_refusal([f"{path}:/never_written"], tmp_path / "out")
    assert "the sample holds no stored chunk, only the fill value (7)" in text and "--allow-fill" in text
    with pytest.raises(UserFileError, match="no stored chunk"):
        load_sample(path, "/contiguous", 1 << 20)
    sample = load_sample(path, "/never_written", 1 << 20, allow_fill=True)
    assert (sample.data == 7).all() and sample.params["sample_unwritten_units"] == sample.params["sample_units"]
    half = load_sample(path, "/half", 1 << 20)  # some chunks written: sampled, the unwritten ones counted
    assert 0 < half.params["sample_unwritten_units"] < half.params["sample_units"]


def test_many_small_chunks_are_checked_in_one_pass(tmp_path):
    path = tmp_path / "many.h5"
    n = 60_000
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("data", shape=(2 * n,), dtype="i4", chunks=(2,), compression="gzip")
        ds[...] = np.arange(2 * n, dtype="i4")
    with h5py.File(path, "r") as f:
        t0 = time.perf_counter()
        check = filter_mask_check(f["data"])
        elapsed = time.perf_counter() - t0
        assert check["chunks_total"] == n and check["chunks_raw"] == 0
        assert elapsed < 5, f"{elapsed:.1f} s for {n} chunks"  # per-index lookups took minutes
        t0 = time.perf_counter()
        stored = userfile.stored_chunks(f["data"])
        assert len(stored) == n and time.perf_counter() - t0 < 5
    sample = load_sample(path, "/data", 1 << 20)
    assert sample.params["chunks_in_file"] == [2] and sample.chunks == (16384,)  # 64 KiB of whole chunks


def test_suite_is_found_from_another_working_directory(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "knowhow", "bench", "--list"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "profile quick" in run.stdout and "codec bitshuffle-lz4" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "knowhow", "bench", "--suite", "nowhere.yaml", "--list"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "nowhere.yaml" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_scratch_is_removed_on_signals(tmp_path, sig):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO), "KNOWHOW_BENCH_SCRATCH": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "knowhow", "bench", "--suite", str(DATA / "suite_tiny.yaml"),
                             "--out", str(out), "--reps", "50"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not list(scratch.glob("*/*.h5")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(scratch.glob("*/*.h5")), "the run never wrote to its scratch folder"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == (143 if sig == signal.SIGTERM else 130), err
    assert f"interrupted ({sig.name})" in err and "Traceback" not in err
    assert list(scratch.iterdir()) == [] and not out.exists()


def test_deep_paths_loops_and_control_characters_have_exact_messages(tmp_path):
    path = tmp_path / "odd.h5"
    deep = "/".join(f"g{i}" for i in range(40))
    with h5py.File(path, "w") as f:
        f[f"{deep}/data"] = np.arange(100, dtype="u2")
        f["a"] = h5py.SoftLink("/b")
        f["b"] = h5py.SoftLink("/a")
        f["bad\nname\x1b[31m"] = np.arange(100, dtype="u2")
    assert load_sample(path, f"/{deep}/data", 1 << 20).data.tolist() == list(range(100))  # 41 levels: no "loop"
    with pytest.raises(UserFileError) as info:
        load_sample(path, f"/{deep}/missing", 1 << 20)
    assert str(info.value).endswith(f"no dataset '/{deep}/missing' (no 'missing' in /{deep}); "
                                    f"run `knowhow bench {path}` to list the datasets")
    with pytest.raises(UserFileError) as info:
        load_sample(path, "/a", 1 << 20)
    assert str(info.value) == f"{path}: '/a': link loop (/a → /b → /a)"
    listing = CliRunner().invoke(bench, [str(path)])
    assert listing.exit_code == 0
    assert f"{path}:/bad\\nname\\x1b[31m  [100] uint16" in listing.output and "\x1b" not in listing.output


def test_peak_memory_of_the_process_tree_is_measured_and_bounded(tmp_path):
    path = tmp_path / "frames.h5"
    rng = np.random.default_rng(1)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=rng.poisson(3.0, (64, 256, 256)).astype("u2"), chunks=(1, 256, 256))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # A process of its own: the peak of this test process says nothing about a run.
    run = subprocess.run([sys.executable, "-m", "knowhow", "bench", f"{path}:/data", "--out", str(out),
                          "--sample-mb", "4", "--reps", "1", "--codec", "none-chunked", "--codec", "bitshuffle-lz4"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    mem = json.loads((out / "results.json").read_text())["provenance"]["memory"]
    assert mem["largest_sample_bytes"] == 30 * 256 * 256 * 2  # whole 128 KiB chunks within 4 MB
    assert mem["largest_child_peak_bytes"] > mem["largest_sample_bytes"]  # the child really held the data
    assert mem["tree_peak_bytes"] <= mem["bound_bytes"] and mem["within_bound"], json.dumps(mem)
    assert "peak memory of the process tree" in run.stdout


def test_lossy_codecs_are_checked_for_nan_and_inf(tmp_path):
    path = tmp_path / "norm.h5"
    rng = np.random.default_rng(2)
    data = (1.0 + 0.01 * rng.standard_normal((8, 64, 64))).astype("f4")
    data[3, 10, 10], data[5, 20, 20], data[6, 30, 30] = np.nan, np.inf, -np.inf
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=data, chunks=(1, 64, 64))
    out = tmp_path / "out"
    run = CliRunner().invoke(bench, [f"{path}:/data", "--out", str(out), "--reps", "1", "--sample", "first",
                                     "--codec", "zfp-acc-0.1sigma", "--codec", "sz-abs-0.1sigma"])
    assert run.exit_code == 0, run.output
    doc = json.loads((out / "results.json").read_text())
    rows = {r["codec"]: r for r in doc["results"] if r["codec"] != "as-stored"}
    assert doc["datasets"][0]["params"]["nonfinite_values"] == 3
    assert set(rows) == {"zfp-acc-0.1sigma", "sz-abs-0.1sigma"}
    for name, r in rows.items():
        assert r["nan_inf_preserved"] in (True, False), name  # probed for every lossy result
        if r["nan_inf_preserved"] is False:
            assert r["status"] == "failed" and "NaN" in r["reason"], r  # never reported ok on such data
    zfp = rows["zfp-acc-0.1sigma"]  # Zfp turns them into numbers
    assert zfp["nan_inf_preserved"] is False and zfp["status"] == "failed"
    from knowhow.bench.recommend import picks

    codecs = {c["name"]: c for c in doc["codecs"]}
    assert not [p for p in picks(doc["results"], codecs, nonfinite=True) if p.row["nan_inf_preserved"] is False]


def test_error_bounds_absolute_relative_to_range_or_noise(tmp_path):
    path = tmp_path / "trace.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=np.linspace(0, 10, 24000) + 0.01 * np.sin(np.arange(24000)), chunks=(4000,))
    for spec, expected, label in (("abs:0.002", 0.002, "abs 0.002"), ("range:1e-4", 1e-4 * 10.0, "0.0001 × range"),
                                  ("sigma:0.5", None, "0.5 σ")):
        out = tmp_path / spec.replace(":", "-")
        run = CliRunner().invoke(bench, [f"{path}:/data", "--out", str(out), "--reps", "1", "--sample", "first",
                                         "--codec", "sz3-abs-0.1sigma", "--error-bound", spec])
        assert run.exit_code == 0, run.output
        doc = json.loads((out / "results.json").read_text())
        row = doc["results"][0]
        assert row["error_bound_mode"] == label and row["status"] == "ok" and row["bound_held"]
        assert row["nan_inf_preserved"] is False  # SZ3 hangs on NaN/Inf: the probe's timeout marks it
        sigma = doc["datasets"][0]["noise_sigma"]  # estimated from the data: the σ mode scales it
        assert row["error_bound"] == pytest.approx(expected or 0.5 * sigma, rel=1e-2)
    bad = CliRunner().invoke(bench, [f"{path}:/data", "--error-bound", "rel:2"])
    assert bad.exit_code == 1 and "use abs:VALUE, range:FRACTION or sigma:MULTIPLE" in bad.output
