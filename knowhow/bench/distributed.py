"""Run (dataset, codec) measurements on a Dask cluster; the rows merge into one table.

The same code runs against a `LocalCluster` (tests) or a dask-jobqueue SLURM cluster at a
facility. Each sample is scattered once; each task measures one pair on a worker inside a
fresh interpreter (Dask workers are daemonic processes, which may not fork children through
multiprocessing), with the same timeout and validation as a local run. For meaningful
timings give every worker one thread (`dask worker --nthreads 1`).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from pathlib import Path

import numpy as np

from . import metrics, runner
from .configs import Codec, get_codec
from .datasets import Sample
from .validate import array_hash

log = logging.getLogger(__name__)


def measure_remote(sample: Sample, codec_name: str, settings: runner.Settings) -> dict:
    """Runs on a worker: one pair, isolated in a subprocess, tagged with where it ran."""
    with tempfile.TemporaryDirectory(prefix="knowhow-bench-", dir=runner.scratch_dir()) as tmp:
        data_path = Path(tmp) / "data.npy"
        np.save(data_path, sample.data, allow_pickle=False)
        row = runner.measure_pair(sample, get_codec(codec_name), data_path, Path(tmp), array_hash(sample.data),
                                  runner.Subprocess(), settings)
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


def run_on_dask(pairs: list[tuple[Sample, Codec, str | None]], settings: runner.Settings, address: str | None,
                progress: runner.ProgressFn | None = None, client=None) -> list[dict]:
    """Submit every applicable pair to the cluster at `address` (or a given client); rows in plan order."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # the optional extra is missing
        raise ImportError(f"the Dask path needs dask[distributed] ({exc})") from None
    own = client is None
    if own:
        _reachable(address or "")
        try:
            client = Client(address, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise OSError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        rows: list[dict | None] = [None] * len(pairs)
        scattered: dict[str, object] = {}
        index: dict = {}
        futures = []
        for i, (sample, codec, why) in enumerate(pairs):
            if why:
                rows[i] = runner.skipped_row(sample, codec, why)
                continue
            if sample.name not in scattered:
                scattered[sample.name] = client.scatter(sample)
            fut = client.submit(measure_remote, scattered[sample.name], codec.name, settings, pure=False)
            index[fut.key] = i
            futures.append(fut)
        done = 0
        for i, row in enumerate(rows):
            if row is not None:
                done += 1
                if progress:
                    progress(done, len(pairs), row)
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                rows[i] = fut.result()
            except Exception as exc:  # a worker lost mid-task: recorded, the run goes on
                sample, codec, _ = pairs[i]
                rows[i] = {"dataset": sample.name, "kind": sample.kind, "codec": codec.name, "status": "failed",
                           "reason": f"Dask task failed: {type(exc).__name__}: {exc}"[:300]}
            done += 1
            if progress:
                progress(done, len(pairs), rows[i])
    finally:
        if own:
            client.close()
    out = [r for r in rows if r is not None]
    metrics.add_relative(out)
    return out


def _reachable(address: str) -> None:
    """Fail in milliseconds, not after the client's retry timeout, when nothing listens."""
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not parts.port:
        return  # other transports (ucx, inproc): let Dask decide
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as exc:
        raise OSError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None
