"""Run (dataset, codec) measurements, each in its own process with a timeout.

A filter that segfaults (Sperr on integers) or hangs ends only its own process; the suite
records the exit code and goes on. Two isolation back-ends: a fork server that has already
imported h5py and hdf5plugin (fast, the default on one machine), and a plain
`python -m knowhow.bench.measure` subprocess (works inside daemonic Dask workers).
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from . import metrics
from .configs import Codec
from .datasets import Sample
from .measure import Task
from .validate import array_hash

log = logging.getLogger(__name__)

REFERENCE = "reference"  # the variant of the reference measurement: 1 thread, filter pipeline, sample's chunks
THREAD_ENV = ("BLOSC_NTHREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(n: int = 1) -> dict[str, str]:
    """Pin codec thread pools before any worker starts; returns the settings for provenance."""
    for k in THREAD_ENV:
        os.environ[k] = str(n)
    return {k: os.environ[k] for k in THREAD_ENV}


@dataclass
class Outcome:
    """What came back from an isolated call: the result (if any), the exit code, an error line."""

    result: dict | None
    exit_code: int | None
    error: str = ""


class Isolation(Protocol):
    def call(self, mode: str, payload: dict, timeout: float) -> Outcome: ...


def _child(mode: str, payload: dict, conn) -> None:
    from .measure import dispatch

    if mode == "probe":  # codecs fed NaN/Inf print C-level errors; the verdict is the result
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)

    conn.send(dispatch(mode, payload))
    conn.close()


class ForkServer:
    """Children forked from a server that has h5py and hdf5plugin imported: ~10 ms per call."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["knowhow.bench.runner", "h5py", "hdf5plugin"])
        self.pids: set[int] = set()

    def server_peak_bytes(self) -> int | None:
        """High-water mark of the fork server itself (Linux), which every measuring child shares."""
        try:
            from multiprocessing import forkserver

            pid = forkserver._forkserver._forkserver_pid  # the server is private API; absent elsewhere
            return _vm_hwm(pid) if pid else None
        except (AttributeError, ImportError):
            return None

    def call(self, mode: str, payload: dict, timeout: float) -> Outcome:
        recv, send = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_child, args=(mode, payload, send), daemon=True)
        proc.start()
        self.pids.add(proc.pid)
        send.close()
        result = None
        try:
            if not recv.poll(timeout):
                proc.kill()
                proc.join()
                return Outcome(None, proc.exitcode, f"timed out after {timeout:g} s")
            try:
                result = recv.recv()
            except EOFError:
                result = None
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): the child must not outlive us
            proc.kill()
            proc.join()
            raise
        finally:
            recv.close()
        proc.join(30)
        if proc.is_alive():
            proc.kill()
            proc.join()
        return Outcome(result, proc.exitcode)


def _vm_hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def own_peak_bytes() -> int | None:
    """This process's peak resident memory: VmHWM on Linux (ru_maxrss survives exec, so a process
    started by a big one would report its parent's peak), else ru_maxrss."""
    hwm = _vm_hwm(os.getpid())
    if hwm:
        return hwm
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, OSError):
        return None
    return peak if sys.platform == "darwin" else peak * 1024


# The stated memory bound of a run: a fixed base (interpreter, numpy, h5py, the fork server) plus
# a multiple of the sample: the parent holds the sample; the measuring child holds it, its
# decoded copy and, for lossy codecs, float64 copies of both for the error statistics.
MEMORY_BASE_BYTES = 400 << 20
MEMORY_SAMPLE_FACTOR = 8


def memory_bound_bytes(sample_bytes: int) -> int:
    return MEMORY_BASE_BYTES + MEMORY_SAMPLE_FACTOR * sample_bytes


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (KeyboardInterrupt), so every `finally` runs and the
    scratch folder is removed; the previous handler comes back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class Subprocess:
    """A fresh interpreter per call; slower to start, but needs no multiprocessing."""

    def __init__(self, threads: int = 1) -> None:
        self.env = {**os.environ, **{k: str(threads) for k in THREAD_ENV}}

    def call(self, mode: str, payload: dict, timeout: float) -> Outcome:
        cmd = [sys.executable, "-m", "knowhow.bench.measure", mode]
        try:
            proc = subprocess.run(cmd, input=json.dumps(payload), capture_output=True, text=True, timeout=timeout,
                                  env=self.env)
        except subprocess.TimeoutExpired:
            return Outcome(None, None, f"timed out after {timeout:g} s")
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        result = json.loads(lines[-1]) if lines else None
        return Outcome(result, proc.returncode)


def describe_exit(code: int | None) -> str:
    """'exit 139 (SIGSEGV)' style text for a child's exit code (negative = killed by a signal)."""
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"exit {128 - code} ({name})"
    return f"exit {code}"


@dataclass
class Settings:
    """How measurements are taken: repetitions, timeout, energy model, lossy options."""

    reps: int = 3
    timeout_s: float = 120.0
    energy: metrics.EnergyModel = field(default_factory=metrics.EnergyModel)
    lossy_integers: bool = False
    error_bound: tuple[str, float] | None = None  # (abs | range | sigma, value): replaces each codec σ multiple


ERROR_MODES = {"abs": "absolute, in data units", "range": "relative to the sample's value range",
               "sigma": "relative to the noise σ"}


def parse_error_bound(text: str) -> tuple[str, float]:
    """'abs:1e-3', 'range:1e-4' or 'sigma:0.5' → (mode, value); ValueError with the accepted forms."""
    mode, _, value = text.partition(":")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if mode not in ERROR_MODES or not number > 0:
        raise ValueError(f"error bound {text!r}: use abs:VALUE, range:FRACTION or sigma:MULTIPLE with a positive "
                         "number (e.g. sigma:0.5)")
    return mode, number


def skipped_row(sample: Sample, codec: Codec, reason: str) -> dict:
    return {"dataset": sample.name, "kind": sample.kind, "codec": codec.name, "variant": codec.variant or REFERENCE,
            "status": "skipped", "reason": reason}


def plan(samples_and_codecs: Iterable[tuple[Sample, list[Codec]]], settings: Settings) -> list[tuple[Sample, Codec,
                                                                                                        str | None]]:
    """(sample, codec, skip reason or None) for every pair, in run order (baselines first)."""
    out = []
    for sample, codecs in samples_and_codecs:
        for codec in codecs:
            sigma = sample.noise.sigma_ref if sample.noise else None
            if settings.error_bound and settings.error_bound[0] != "sigma":
                sigma = sigma or 1.0  # the bound does not depend on σ
            why = codec.reason_skipped(sample.data.dtype, sample.chunks, noise_sigma=sigma,
                                       lossy_integers=settings.lossy_integers)
            out.append((sample, codec, why))
    return out


def error_bound_for(sample: Sample, codec: Codec, settings: Settings | None = None) -> tuple[float | None, str | None]:
    """(absolute error bound, how it was set) for a bounded lossy codec; (None, None) otherwise."""
    if codec.error_sigma is None:
        return None, None
    sigma = sample.noise.sigma_ref if sample.noise else None
    mode, value = (settings.error_bound if settings and settings.error_bound else ("sigma", codec.error_sigma))
    if mode == "abs":
        return value, f"abs {value:g}"
    if mode == "range":
        finite = sample.data[np.isfinite(sample.data)] if sample.data.dtype.kind == "f" else sample.data
        span = float(finite.max()) - float(finite.min()) if finite.size else 0.0
        return (value * span or None), f"{value:g} × range"
    return (value * sigma if sigma else None), f"{value:g} σ"


def measure_pair(sample: Sample, codec: Codec, data_path: Path, work_dir: Path, ref_hash: str,
                 isolation: Isolation, settings: Settings) -> dict:
    """Measure one applicable pair in isolation, re-read it in a fresh process, and summarise."""
    eb, eb_mode = error_bound_for(sample, codec, settings)
    task = Task(sample.name, codec.name, str(data_path), str(work_dir), sample.chunks, settings.reps, eb,
                sample.noise.sigma_ref if sample.noise else None, sample.mask_value, ref_hash, settings.timeout_s,
                codec.variant, dict(codec.explicit) if codec.explicit is not None else None)
    t0 = time.perf_counter()
    outcome = isolation.call("measure", {"task": task.to_dict()}, settings.timeout_s)
    row: dict = {"dataset": sample.name, "kind": sample.kind, "codec": codec.name,
                 "variant": codec.variant or REFERENCE,
                 "error_bound": eb,
                 "error_bound_mode": eb_mode, "exit_code": outcome.exit_code}
    raw = outcome.result
    if raw is None:
        why = outcome.error or f"process died: {describe_exit(outcome.exit_code)}"
        return _finish(row, "failed", why, t0)
    if not raw.get("ok"):
        why = raw.get("error", "unknown error")
        if outcome.exit_code:
            why += f"; then the process died: {describe_exit(outcome.exit_code)}"
        return _finish(row, "failed", why, t0)
    row.update(metrics.summarise(raw, sample.data.nbytes, sample.data.size, sample.container_bits, settings.energy))
    row.update({k: raw.get(k) for k in ("exact", "hash_ok", "chunks_total", "chunks_raw", "filters",
                                          "size_deterministic", "max_error", "rmse", "psnr", "max_rel_error",
                                          "pearson_r", "bound_held", "eb_over_sigma", "added_variance",
                                          "rmse_over_sigma", "mask_preserved", "nonfinite_preserved",
                                          "peak_rss_bytes", "nan_inf_preserved", "frame_read_ms",
                                          "roi_read_ms", "chunks_used") if k in raw})
    if codec.variant.startswith("threads="):
        row["threads"] = int(codec.variant.split("=")[1])
    bound = sample.lossy_bound(eb) if codec.lossy and eb else (None if codec.lossy else sample.lossless_bound())
    metrics.add_bound_fraction(row, bound if row.get("ratio") else None)
    if codec.lossy and sample.data.dtype.kind == "f":
        row["nan_inf_preserved"] = nan_inf_preserved(codec, sample.data.dtype, work_dir, isolation)
    status, why = "ok", ""
    if codec.name != "memcpy":
        fresh = isolation.call("verify", {"task": task.to_dict(), "expected_hash": raw["hash"]}, settings.timeout_s)
        row["fresh_read_ok"] = bool(fresh.result and fresh.result.get("fresh_read_ok"))
        if not row["fresh_read_ok"]:
            status, why = "failed", "re-read in a fresh process differs: " + (
                (fresh.result or {}).get("error") or fresh.error or describe_exit(fresh.exit_code))
    if outcome.exit_code:
        status, why = "failed", f"process exited abnormally: {describe_exit(outcome.exit_code)}"
    elif not codec.lossy and not raw.get("exact"):
        status, why = "failed", "round trip not bit-exact"
    elif codec.lossy and raw.get("nonfinite_preserved") is False:
        status, why = "failed", "NaN or ±Inf values of the data not preserved"
    elif codec.lossy and eb is not None and raw.get("bound_held") is False:
        status, why = "failed", f"error bound exceeded: max error {raw.get('max_error'):.3g} > {eb:.3g}"
    elif codec.lossy and raw.get("mask_preserved") is False:
        status, why = "failed", "masked pixel values not preserved"
    elif row.get("chunks_total") and row.get("chunks_raw") == row.get("chunks_total"):
        status, why = "stored-raw", "every chunk stored uncompressed (filter failed or gained nothing)"
    elif row.get("chunks_raw"):
        why = f"{row['chunks_raw']} of {row['chunks_total']} chunks stored uncompressed"
    if status == "ok" and row.get("size_deterministic") is False:
        why = (why + "; " if why else "") + "stored size varied between repetitions"
    return _finish(row, status, why, t0)


PROBE_TIMEOUT_S = 3.0
_probes: dict[tuple[str, str], bool] = {}


def nan_inf_preserved(codec: Codec, dtype: np.dtype, work_dir: Path, isolation: Isolation) -> bool:
    """Does this lossy codec keep NaN and ±Inf in data of this dtype? Probed once per process, in
    isolation: a codec that hangs on them (SZ3: minutes) or crashes (Sperr) counts as not."""
    key = (codec.name, str(dtype))
    if key not in _probes:
        out = isolation.call("probe", {"codec": codec.name, "dtype": str(dtype), "work_dir": str(work_dir)},
                             PROBE_TIMEOUT_S)
        _probes[key] = bool(out.result and out.result.get("nan_inf_preserved"))
    return _probes[key]


def _finish(row: dict, status: str, reason: str, t0: float) -> dict:
    row["status"] = status
    row["reason"] = reason or None
    row["elapsed_s"] = round(time.perf_counter() - t0, 3)
    return row


ProgressFn = Callable[[int, int, dict], None]


def run(pairs: list[tuple[Sample, Codec, str | None]], settings: Settings, isolation: Isolation | None = None,
        work_dir: Path | None = None, progress: ProgressFn | None = None) -> list[dict]:
    """Run every pair in order; one row per pair (skipped, failed or measured)."""
    isolation = isolation or ForkServer()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="knowhow-bench-", dir=work_dir or scratch_dir()) as tmp:
        tmpdir = Path(tmp)
        current: tuple[str, Path, str] | None = None
        for i, (sample, codec, why) in enumerate(pairs):
            if why:
                row = skipped_row(sample, codec, why)
            else:
                if current is None or current[0] != sample.name:
                    if current:
                        current[1].unlink(missing_ok=True)
                    data_path = tmpdir / f"{len(rows)}.npy"
                    np.save(data_path, sample.data, allow_pickle=False)
                    current = (sample.name, data_path, array_hash(sample.data))
                row = measure_pair(sample, codec, current[1], tmpdir, current[2], isolation, settings)
                for leftover in tmpdir.glob("*.h5"):
                    leftover.unlink()
            rows.append(row)
            if progress:
                progress(i + 1, len(pairs), row)
    metrics.add_relative(rows)
    return rows


def scratch_dir() -> str | None:
    """A RAM-backed directory when there is one, so storage speed does not hide codec speed
    (KNOWHOW_BENCH_SCRATCH=DIR chooses another)."""
    chosen = os.environ.get("KNOWHOW_BENCH_SCRATCH")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def estimate_seconds(pairs: list[tuple[Sample, Codec, str | None]], settings: Settings,
                     known: dict[tuple[str, str], tuple[float, float]] | None = None) -> float:
    """Expected run time from previous speeds (MB/CPU-s) or each codec's prior; overhead included."""
    total = 0.0
    for sample, codec, why in pairs:
        if why:
            continue
        w, r = (known or {}).get((sample.name, codec.name)) or codec.prior_mbps
        mb = sample.data.nbytes / 1e6
        total += settings.reps * mb * (1 / w + 1 / r) + mb / r + 0.15
    return total
