"""What runs inside one isolated process: write and read one dataset with one codec, timed.

Kept free of orchestration so a crash here (a filter that segfaults) only ends this process.
Timing follows the hdf5plugin benchmark: write = `ds[...] = data; flush()` into a new file,
read = `read_direct` into a preallocated array after reopening (so no chunk cache helps).
Wall-clock and CPU time (`process_time`, all threads) are both recorded.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .configs import get_codec
from .validate import array_hash, filter_mask_check, lossless_check, lossy_check


@dataclass(frozen=True)
class Task:
    """One (dataset, codec) measurement; plain data so it crosses process and cluster boundaries."""

    dataset: str
    codec: str
    data_path: str
    work_dir: str
    chunks: tuple[int, ...] | None
    reps: int = 3
    error_bound: float | None = None
    noise_sigma: float | None = None
    mask_value: float | None = None
    ref_hash: str = ""
    timeout_s: float = 120.0
    variant: str = ""  # "", "threads=N", "direct", "chunk=K" (frames per chunk) or "tile=T"
    options: dict | None = None  # explicit create_dataset options (a user file's own pipeline, "as stored")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Task:
        d = dict(d)
        if d.get("chunks") is not None:
            d["chunks"] = tuple(d["chunks"])
        return cls(**d)

    @property
    def h5_path(self) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_"
                       for c in f"{self.dataset}--{self.codec}--{self.variant}")[:180]
        return Path(self.work_dir) / f"{safe}.h5"

    @property
    def threads(self) -> int | None:
        return int(self.variant.split("=")[1]) if self.variant.startswith("threads=") else None

    def chunk_shape(self, shape: tuple[int, ...]) -> tuple[int, ...] | None:
        """The chunks of this variant: the sample's, K frames per chunk, or T×T tiles of a frame."""
        if self.chunks is None:
            return None
        chunks = list(self.chunks)
        if self.variant.startswith("chunk="):
            chunks[0] = min(shape[0], int(self.variant.split("=")[1]))
        elif self.variant.startswith("tile="):
            t = int(self.variant.split("=")[1])
            chunks[-2:] = [min(t, shape[-2]), min(t, shape[-1])]
        return tuple(chunks)


def _timed(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def run_memcpy(task: Task, data: np.ndarray) -> dict:
    dst = np.empty_like(data)
    back = np.empty_like(data)
    writes = [_timed(lambda: np.copyto(dst, data)) for _ in range(task.reps)]
    reads = [_timed(lambda: np.copyto(back, dst)) for _ in range(task.reps)]
    out = {"write_s": [w for w, _ in writes], "write_cpu_s": [c for _, c in writes],
           "read_s": [r for r, _ in reads], "read_cpu_s": [c for _, c in reads], "stored_bytes": None}
    out.update(lossless_check(data, back, task.ref_hash))
    return out


def run_hdf5(task: Task, data: np.ndarray) -> dict:
    """Write and read `reps` times, then validate the last file (it stays for the fresh re-read)."""
    import h5py
    import hdf5plugin  # noqa: F401  registers the plugin filters

    codec = get_codec(task.codec) if task.options is None else None
    kwargs = _as_options(task.options) if task.options is not None else codec.kwargs(task.error_bound)
    lossy = bool(codec and codec.lossy)
    chunks = task.chunk_shape(data.shape) if (codec is None or codec.chunked) else None
    path = task.h5_path
    result: dict = {"write_s": [], "write_cpu_s": [], "read_s": [], "read_cpu_s": [], "stored_sizes": []}
    back = np.empty_like(data)
    back.fill(0)  # touch the pages now, not inside the first timed read
    direct = None
    if task.variant == "direct":
        from .direct import codec_pair, read_chunks, write_chunks

        encode, decode = codec_pair(task.codec, dict(codec.options), data.dtype)
        direct = (encode, decode, read_chunks, write_chunks)
    _warm_up(h5py, path, data, chunks, kwargs)
    for _ in range(task.reps):
        with h5py.File(path, "w") as f:
            ds = f.create_dataset("data", shape=data.shape, dtype=data.dtype, chunks=chunks, **kwargs)

            def write(ds=ds, f=f) -> None:
                if direct:
                    direct[3](ds, data, chunks, direct[0])
                else:
                    ds[...] = data
                f.flush()
            w, wc = _timed(write)
            result["stored_sizes"].append(int(ds.id.get_storage_size()))
        with h5py.File(path, "r") as f:
            ds = f["data"]
            if direct:
                r, rc = _timed(lambda ds=ds: direct[2](ds, back, chunks, direct[1]))
            else:
                r, rc = _timed(lambda ds=ds: ds.read_direct(back))
        result["write_s"].append(w)
        result["write_cpu_s"].append(wc)
        result["read_s"].append(r)
        result["read_cpu_s"].append(rc)
    with h5py.File(path, "r") as f:
        result.update(filter_mask_check(f["data"]))
    if direct is None and data.ndim >= 2:
        result.update(partial_reads(h5py, path, data.shape, task.reps))
    result["stored_bytes"] = result["stored_sizes"][-1]
    result["size_deterministic"] = len(set(result["stored_sizes"])) == 1
    result["chunks_used"] = list(chunks) if chunks else None
    result.update(_check(task, data, back, lossy))
    return result


ROI = 64  # side of the region of interest read from one frame


def partial_reads(h5py, path: Path, shape: tuple[int, ...], reps: int) -> dict:
    """Time to read one frame from the middle, and a ROI×ROI region of it, with no chunk cache
    (each read decodes every chunk it touches, as the first look at a frame does)."""
    mid = shape[0] // 2
    y0, x0 = max(0, shape[-2] // 2 - ROI // 2), max(0, shape[-1] // 2 - ROI // 2)
    lead = (mid,) + (0,) * (len(shape) - 3)
    roi = (*lead, slice(y0, y0 + ROI), slice(x0, x0 + ROI))
    frame_s, roi_s = [], []
    for _ in range(max(3, reps)):
        for sel, out in ((lead, frame_s), (roi, roi_s)):
            with h5py.File(path, "r", rdcc_nbytes=0) as f:
                ds = f["data"]
                t0 = time.perf_counter()
                ds[sel]
                out.append(time.perf_counter() - t0)
    return {"frame_read_ms": 1000 * statistics.median(frame_s), "roi_read_ms": 1000 * statistics.median(roi_s)}


def _as_options(options: dict) -> dict:
    """JSON-carried create_dataset options back to what h5py takes (tuples, not lists)."""
    out = dict(options)
    if isinstance(out.get("compression_opts"), list):
        out["compression_opts"] = tuple(out["compression_opts"])
    return out


def nan_inf_probe(codec_name: str, dtype: str, work_dir: str, error_bound: float = 1e-3) -> dict:
    """Write a small smooth block with NaN, +Inf and -Inf planted in it; preserved when all three
    come back where they were (lossy codecs turn them into numbers, fail, crash or hang: the
    caller runs this in its own process with a short timeout)."""
    import h5py
    import hdf5plugin  # noqa: F401

    codec = get_codec(codec_name)
    y, x = np.mgrid[:32, :32]
    part = (1.0 + 0.01 * np.sin(x / 3.0) * np.cos(y / 5.0)).astype(dtype)[None]
    flat = part.reshape(-1)
    spots = {101: np.nan, 333: np.inf, 517: -np.inf}
    for i, v in spots.items():
        flat[i] = v
    path = Path(work_dir) / f"probe-{os.getpid()}.h5"
    try:
        with h5py.File(path, "w") as f:
            f.create_dataset("probe", data=part, chunks=part.shape, **codec.kwargs(error_bound))
        with h5py.File(path, "r") as f:
            back = f["probe"][()].reshape(-1)
    except Exception as exc:  # a codec that refuses non-finite input does not preserve it
        return {"ok": True, "nan_inf_preserved": False, "why": _one_line(exc)}
    finally:
        path.unlink(missing_ok=True)
    kept = bool(np.isnan(back[101]) and back[333] == np.inf and back[517] == -np.inf)
    return {"ok": True, "nan_inf_preserved": kept, "why": "" if kept else "replaced by finite values"}


def _warm_up(h5py, path: Path, data: np.ndarray, chunks, kwargs: dict) -> None:
    """One untimed write and read of a small slab: a fresh process pays its first-call costs
    (allocator growth, code paths, plugin loading) here rather than in the first repetition."""
    part = data[: max(1, min(len(data), 2 * (chunks[0] if chunks else 1)))] if data.ndim else data
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=part, chunks=tuple(min(c, n) for c, n in zip(chunks, part.shape))
                         if chunks else None, **kwargs)
    with h5py.File(path, "r") as f:
        f["data"][()]


def _check(task: Task, data: np.ndarray, back: np.ndarray, lossy: bool) -> dict:
    if not lossy:
        return lossless_check(data, back, task.ref_hash)
    out = lossy_check(data, back, task.error_bound, task.mask_value, task.noise_sigma)
    out["exact"] = bool(np.array_equal(data.view(np.uint8), back.view(np.uint8)))
    out["hash"] = array_hash(back)
    return out


def verify_fresh(task: Task, expected_hash: str) -> dict:
    """Re-read the written file in a process that never wrote it: the bytes must match."""
    import h5py
    import hdf5plugin  # noqa: F401

    with h5py.File(task.h5_path, "r") as f:
        back = f["data"][()]
    digest = array_hash(back)
    return {"fresh_read_ok": digest == expected_hash, "fresh_hash": digest}


ALLOCATOR = "glibc mallopt: trim threshold 512 MiB, mmap threshold 32 MiB"


def steady_allocator() -> str | None:
    """Give a fresh process the allocator state of a long-running writer.

    A new process returns freed chunk buffers to the OS at once, so every chunk's buffer is
    page-faulted again: measured, ~30 000 extra page faults and reads ~20 % slower than the
    same loop in a long-lived process. Keeping freed memory (as a warmed-up glibc does) removes
    that artefact of isolation. Returns what was set, or None where it does not apply.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        if libc.mallopt(m_trim_threshold, 512 << 20) and libc.mallopt(m_mmap_threshold, 32 << 20):
            return ALLOCATOR
    except (OSError, AttributeError):
        pass
    return None


def measure(task: Task) -> dict:
    """Entry point inside the isolated process: never raises, returns a result dict."""
    steady_allocator()
    if task.threads:
        # Blosc and Blosc2 read these for every chunk; OpenMP builds of Bitshuffle at start.
        os.environ["BLOSC_NTHREADS"] = os.environ["OMP_NUM_THREADS"] = str(task.threads)
    try:
        data = np.load(task.data_path, mmap_mode=None, allow_pickle=False)
        if task.codec == "memcpy":
            out = run_memcpy(task, data)
        else:
            out = run_hdf5(task, data)
        out["ok"] = True
        from .runner import own_peak_bytes  # runner imports this module, so not at the top

        out["peak_rss_bytes"] = own_peak_bytes()
        return out
    except Exception as exc:  # any codec error becomes a recorded failure
        return {"ok": False, "error": _one_line(exc), "trace": traceback.format_exc(limit=3)}


def verify(task: Task, expected_hash: str) -> dict:
    try:
        out = verify_fresh(task, expected_hash)
        out["ok"] = True
        return out
    except Exception as exc:
        return {"ok": False, "error": _one_line(exc)}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def dispatch(mode: str, payload: dict) -> dict:
    """One isolated call: measure, verify (fresh re-read) or probe (NaN/Inf behaviour)."""
    if mode == "probe":
        return nan_inf_probe(payload["codec"], payload["dtype"], payload["work_dir"])
    task = Task.from_dict(payload["task"])
    return measure(task) if mode == "measure" else verify(task, payload["expected_hash"])


def main() -> None:
    """`python -m knowhow.bench.measure {measure|verify}`: JSON task on stdin, JSON result on stdout."""
    mode = sys.argv[1]
    payload = json.loads(sys.stdin.read())
    out = dispatch(mode, payload)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
