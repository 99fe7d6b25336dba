"""How much the benchmark harness and the HDF5 filter pipeline cost, measured, printed.

1. Harness overhead: the suite's throughput for one codec (isolated process, validation,
   fresh re-read) against a minimal in-process h5py write/read loop of the same codec on the
   same data, interleaved in the same run. Target: within 10 %.
2. HDF5 pipeline overhead: the same codec called directly (zlib for gzip; python-blosc2 for
   Blosc2, when installed) against the codec through h5py/HDF5, plus HDF5's own chunk I/O
   (write_direct_chunk / read_direct_chunk of the already compressed chunks).

Run: .venv/bin/python benchmarks/bench_overhead.py [--frames 16] [--reps 5]
Speeds are MB/s of uncompressed data (10^6 B), medians; one thread everywhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import zlib
from pathlib import Path


def timed(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def minimal_loop(data, kwargs: dict, chunks, folder: Path, reps: int) -> dict:
    """The plainest h5py write/read loop: what a user would time by hand."""
    import h5py

    path = folder / "minimal.h5"
    out = data.copy()
    w, wc, r, rc = [], [], [], []
    for _ in range(reps):
        with h5py.File(path, "w") as f:
            ds = f.create_dataset("data", shape=data.shape, dtype=data.dtype, chunks=chunks, **kwargs)

            def write():
                ds[...] = data
                f.flush()
            a, b = timed(write)
            w.append(a)
            wc.append(b)
        with h5py.File(path, "r") as f:
            ds = f["data"]
            a, b = timed(lambda: ds.read_direct(out))
            r.append(a)
            rc.append(b)
    mb = data.nbytes / 1e6
    return {"write": mb / statistics.median(w), "read": mb / statistics.median(r),
            "write_cpu": mb / statistics.median(wc), "read_cpu": mb / statistics.median(rc)}


def harness(sample, codec_name: str, reps: int) -> dict:
    from knowhow.bench import configs, runner

    (row,) = runner.run([(sample, configs.get_codec(codec_name), None)], runner.Settings(reps=reps, timeout_s=300))
    assert row["status"] == "ok", row
    timed_s = reps * (row["write_wall_s"] + row["read_wall_s"])
    return {"write": row["write_mbps"], "read": row["read_mbps"], "write_cpu": row["write_mb_per_cpu_s"],
            "read_cpu": row["read_mb_per_cpu_s"], "elapsed": row["elapsed_s"], "timed": timed_s}


def part1(sample, reps: int, folder: Path, rounds: int = 5) -> None:
    from knowhow.bench import configs

    print("\n1. Harness overhead: suite vs minimal h5py loop, same codec, same data, interleaved")
    print(f"{'codec':22s} {'':8s} {'write MB/s':>11s} {'read MB/s':>10s} {'write MB/CPU-s':>15s} "
          f"{'read MB/CPU-s':>14s}")
    for name in ("bitshuffle-lz4", "gzip-1"):
        codec = configs.get_codec(name)
        mins, suites = [], []
        for _ in range(rounds):  # interleave so load drift hits both alike
            mins.append(minimal_loop(sample.data, codec.kwargs(), sample.chunks, folder, reps))
            suites.append(harness(sample, name, reps))
        m = {k: statistics.median(x[k] for x in mins) for k in mins[0]}
        s = {k: statistics.median(x[k] for x in suites) for k in suites[0]}
        for label, v in (("minimal", m), ("suite", s)):
            print(f"{name:22s} {label:8s} {v['write']:11.0f} {v['read']:10.0f} {v['write_cpu']:15.0f} "
                  f"{v['read_cpu']:14.0f}")
        diff = {k: s[k] / m[k] - 1 for k in ("write", "read", "write_cpu", "read_cpu")}
        print(f"{name:22s} {'suite/min':8s} {diff['write']:+11.1%} {diff['read']:+10.1%} {diff['write_cpu']:+15.1%} "
              f"{diff['read_cpu']:+14.1%}")
        print(f"{'':22s} wall time per measurement {s['elapsed']:.2f} s, of which timed I/O {s['timed']:.2f} s "
              f"(the rest: process start, validation, fresh re-read)")


def direct_zlib(frames, level: int) -> dict:
    comp, dec = [], []
    blobs = []
    out = frames.copy()
    for _ in range(3):
        a, b = timed(lambda: blobs.__setitem__(slice(None), [zlib.compress(f, level) for f in frames]))
        comp.append((a, b))

        def decode():
            for i, blob in enumerate(blobs):
                out[i] = memoryview(zlib.decompress(blob)).cast("B").cast(frames.dtype.char, frames.shape[1:])
        dec.append(timed(decode))
    mb = frames.nbytes / 1e6
    stored = sum(len(b) for b in blobs)
    return {"write": mb / statistics.median(x[0] for x in comp), "read": mb / statistics.median(x[0] for x in dec),
            "ratio": frames.nbytes / stored}


def direct_blosc2(frames) -> dict | None:
    try:
        import blosc2
    except ImportError:
        return None
    blosc2.set_nthreads(1)
    comp, dec = [], []
    blobs: list = []
    out = frames.copy()
    params = {"codec": blosc2.Codec.LZ4, "clevel": 5, "filters": [blosc2.Filter.BITSHUFFLE],
              "typesize": frames.dtype.itemsize, "nthreads": 1}
    for _ in range(3):
        comp.append(timed(lambda: blobs.__setitem__(slice(None), [blosc2.compress2(f, **params) for f in frames])))

        def decode():
            for i, blob in enumerate(blobs):
                blosc2.decompress2(blob, dst=out[i])
        dec.append(timed(decode))
    mb = frames.nbytes / 1e6
    return {"write": mb / statistics.median(x[0] for x in comp), "read": mb / statistics.median(x[0] for x in dec),
            "ratio": frames.nbytes / sum(len(b) for b in blobs)}


def direct_chunk_io(data, kwargs: dict, chunks, folder: Path) -> dict:
    """HDF5 storing/fetching already-compressed chunks: the cost of HDF5 without any filter work."""
    import h5py

    src = folder / "filtered.h5"
    with h5py.File(src, "w") as f:
        f.create_dataset("data", data=data, chunks=chunks, **kwargs)
    with h5py.File(src, "r") as f:
        ds = f["data"]
        blobs = [ds.id.read_direct_chunk((i, 0, 0)) for i in range(data.shape[0])]
    w, r = [], []
    for _ in range(3):
        with h5py.File(folder / "direct.h5", "w") as f:
            ds = f.create_dataset("data", shape=data.shape, dtype=data.dtype, chunks=chunks, **kwargs)

            def write():
                for i, (mask, blob) in enumerate(blobs):
                    ds.id.write_direct_chunk((i, 0, 0), blob, filter_mask=mask)
                f.flush()
            w.append(timed(write)[0])
        with h5py.File(folder / "direct.h5", "r") as f:
            ds = f["data"]
            r.append(timed(lambda: [ds.id.read_direct_chunk((i, 0, 0)) for i in range(data.shape[0])])[0])
    mb = data.nbytes / 1e6
    return {"write": mb / statistics.median(w), "read": mb / statistics.median(r)}


def part2(sample, reps: int, folder: Path) -> None:
    import hdf5plugin

    print("\n2. HDF5 filter pipeline vs the codec called directly (same frames, one frame per chunk)")
    print(f"{'codec':30s} {'direct W':>9s} {'HDF5 W':>8s} {'+ms/MB':>7s} {'direct R':>9s} {'HDF5 R':>8s} "
          f"{'+ms/MB':>7s} {'ratio direct/HDF5':>18s}")
    data = sample.data

    def line(name, direct, through, ratio_h5):
        dw = (1 / through["write"] - 1 / direct["write"]) * 1000
        dr = (1 / through["read"] - 1 / direct["read"]) * 1000
        print(f"{name:30s} {direct['write']:9.0f} {through['write']:8.0f} {dw:+7.2f} {direct['read']:9.0f} "
              f"{through['read']:8.0f} {dr:+7.2f} {direct['ratio']:8.2f} / {ratio_h5:.2f}")

    def h5_ratio(kwargs):
        import h5py
        with h5py.File(folder / "ratio.h5", "w") as f:
            ds = f.create_dataset("data", data=data, chunks=sample.chunks, **kwargs)
            return data.nbytes / ds.id.get_storage_size()

    gz = {"compression": "gzip", "compression_opts": 1}
    line("zlib-1 vs h5py gzip-1", direct_zlib(data, 1), minimal_loop(data, gz, sample.chunks, folder, reps),
         h5_ratio(gz))
    b2 = dict(hdf5plugin.Blosc2("lz4", 5, hdf5plugin.Blosc2.BITSHUFFLE))
    direct = direct_blosc2(data)
    if direct:
        line("blosc2 lz4-5-bitshuffle", direct, minimal_loop(data, b2, sample.chunks, folder, reps), h5_ratio(b2))
    else:
        print("blosc2: python-blosc2 not installed (pip install blosc2) - skipped")
    for name, kwargs in (("Bitshuffle-LZ4", dict(hdf5plugin.Bitshuffle())), ("Blosc2 lz4-5-bitshuffle", b2),
                         ("gzip-1", gz)):
        io = direct_chunk_io(data, kwargs, sample.chunks, folder)
        print(f"direct chunk I/O, {name:22s} write {io['write']:8.0f} MB/s  read {io['read']:8.0f} MB/s "
              "(raw-equivalent: HDF5 storage cost without the filter)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16, help="1024² uint16 photon-counting frames")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    from knowhow.bench import datasets, runner

    threads = runner.pin_threads(1)
    sample = datasets.photon_counting(args.frames, 20251)
    print(f"data: {sample.name}, {sample.data.shape} {sample.data.dtype}, {sample.data.nbytes / 1e6:.1f} MB; "
          f"threads {threads}; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory(dir=runner.scratch_dir()) as tmp:
        folder = Path(tmp)
        part1(sample, args.reps, folder)
        part2(sample, args.reps, folder)
    print(f"\nload average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
