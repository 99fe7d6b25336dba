"""The engineer's questions as suite dimensions: threads, direct chunk I/O, chunk shape, partial reads."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import hdf5plugin
import numpy as np
import pytest
from click.testing import CliRunner

from knowhow.bench import direct
from knowhow.bench.command import bench

DATA = Path(__file__).parent / "data" / "bench"

PIPELINES = {
    "bitshuffle-lz4": ({"cname": "lz4"}, hdf5plugin.Bitshuffle(cname="lz4")),
    "bitshuffle-zstd-3": ({"cname": "zstd", "clevel": 3}, hdf5plugin.Bitshuffle(cname="zstd", clevel=3)),
    "blosc2-zstd-bitshuffle-5": ({"cname": "zstd", "clevel": 5, "filters": "BITSHUFFLE"},
                                 hdf5plugin.Blosc2("zstd", 5, hdf5plugin.Blosc2.BITSHUFFLE)),
    "lz4": ({}, hdf5plugin.LZ4()),
    "zstd-3": ({"clevel": 3}, hdf5plugin.Zstd(clevel=3)),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
@pytest.mark.parametrize("dtype", ["u2", "i4", "f4"])
def test_direct_chunks_round_trip_bit_exact_both_ways(tmp_path, name, dtype):
    assert direct.reason_unavailable(name) is None  # the test environment installs the bench extra
    options, filt = PIPELINES[name]
    rng = np.random.default_rng(3)
    data = rng.poisson(4.0, (5, 40, 48)).astype(dtype)  # 5 frames in chunks of 2: an edge chunk
    chunks = (2, 40, 48)
    encode, decode = direct.codec_pair(name, options, data.dtype)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        mine = f.create_dataset("direct", shape=data.shape, dtype=data.dtype, chunks=chunks, **filt)
        direct.write_chunks(mine, data, chunks, encode)  # library-encoded, stored as is
        f.create_dataset("pipeline", data=data, chunks=chunks, **filt)  # the filter pipeline writes
    with h5py.File(tmp_path / "d.h5", "r") as f:
        np.testing.assert_array_equal(f["direct"][()], data)  # the filter pipeline decodes our chunks
        back = np.zeros_like(data)
        direct.read_chunks(f["pipeline"], back, chunks, decode)  # we decode the pipeline's chunks
        assert back.tobytes() == data.tobytes()


def test_direct_unavailable_names_the_missing_package_or_the_codec(monkeypatch):
    assert "no direct-chunk implementation" in direct.reason_unavailable("gzip-4")
    monkeypatch.setitem(direct.DIRECT, "zstd", direct.DirectCodec("knowhow-no-such-package", direct.DIRECT["zstd"].make))
    why = direct.reason_unavailable("zstd-3")
    assert "knowhow-no-such-package" in why and "pip install 'knowhow[bench]'" in why
    assert direct.reason_unavailable("lz4") is None


def test_suite_dimensions_run_with_their_own_columns(tmp_path):
    out = tmp_path / "results"
    run = CliRunner().invoke(bench, ["--suite", str(DATA / "suite_dimensions.yaml"), "--out", str(out)])
    assert run.exit_code == 0, run.output
    doc = json.loads((out / "results.json").read_text())
    rows = {(r["codec"], r["variant"]): r for r in doc["results"]}
    ref = rows[("bitshuffle-lz4", "reference")]
    assert ref["frame_read_ms"] > 0 and ref["roi_read_ms"] > 0 and ref["chunks_used"] == "1×375×713"
    for name in ("bitshuffle-lz4", "blosc2-zstd-bitshuffle-5", "lz4", "zstd-3"):
        row = rows[(name, "direct")]
        assert row["status"] == "ok" and row["exact"] and row["fresh_read_ok"], row  # pipeline re-reads it
        assert row["write_mb_per_cpu_s"] > 0 and row["read_mb_per_cpu_s"] > 0
    assert rows[("bitshuffle-lz4", "direct")]["ratio"] == pytest.approx(ref["ratio"], rel=0.02)
    threaded = rows[("blosc2-lz4-bitshuffle-5", "threads=2")]
    assert threaded["status"] == "ok" and threaded["threads"] == 2 and threaded["exact"]
    assert doc["provenance"]["thread_variants"] == {"blosc2-lz4-bitshuffle-5": [2]}
    assert doc["provenance"]["threads"]["BLOSC_NTHREADS"] == "1"  # the reference stays single-threaded
    chunked = rows[("bitshuffle-lz4", "chunk=4")]
    assert chunked["chunks_used"] == "4×375×713" and chunked["exact"] and chunked["write_vs_chunked"] > 0
    assert doc["provenance"]["memcpy_large"]["bytes"] >= 2 * (doc["provenance"]["memcpy_large"]["llc_bytes"] or 0)
    exposure = doc["exposure"]
    assert {(e["generator"], e["level"], e["codec"]) for e in exposure["points"]} == {
        (g, lv, c) for g in ("photon-counting", "neutron") for lv in (0.1, 10) for c in ("bitshuffle-lz4", "zstd-3")}
    low = {e["codec"]: e for e in exposure["points"] if e["generator"] == "neutron" and e["level"] == 0.1}
    high = {e["codec"]: e for e in exposure["points"] if e["generator"] == "neutron" and e["level"] == 10}
    assert low["zstd-3"]["ratio"] > high["zstd-3"]["ratio"]  # fewer counts, fewer bits
    assert all(0 < e["bound_fraction"] <= 1.0 for e in exposure["points"])


def test_user_file_gets_an_as_stored_row(tmp_path):
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=np.random.default_rng(4).poisson(2.0, (8, 64, 128)).astype("u2"),
                         chunks=(1, 64, 128), shuffle=True, compression="gzip", compression_opts=4)
    out = tmp_path / "out"
    run = CliRunner().invoke(bench, [f"{path}:/data", "--out", str(out), "--reps", "1", "--codec", "bitshuffle-lz4"])
    assert run.exit_code == 0, run.output
    doc = json.loads((out / "results.json").read_text())
    rows = {r["codec"]: r for r in doc["results"]}
    stored = rows["as-stored"]
    assert stored["status"] == "ok" and stored["exact"] and stored["ratio"] > 1
    codecs = {c["name"]: c for c in doc["codecs"]}
    assert codecs["as-stored"]["options"] == {"shuffle": True, "compression": "gzip", "compression_opts": 4}
