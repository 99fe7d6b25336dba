"""Where and how a benchmark ran: versions, build configuration, CPU, threads, machine load."""

from __future__ import annotations

import dataclasses
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def cpu_info() -> dict:
    """CPU model, logical CPU count and the SIMD flags that matter for codec speed."""
    model, flags = platform.processor() or "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not model:
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    simd = sorted(f for f in flags if f in {"sse2", "ssse3", "sse4_2", "avx", "avx2", "avx512f", "bmi2", "neon"})
    return {"model": model or platform.machine(), "logical_cpus": os.cpu_count(), "simd": simd,
            "machine": platform.machine()}


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def software() -> dict:
    """Versions of everything that shapes the numbers, with hdf5plugin's build configuration."""
    import h5py
    import hdf5plugin
    import numpy

    config = hdf5plugin.get_config()
    build = dataclasses.asdict(config.build_config) if dataclasses.is_dataclass(config.build_config) else \
        dict(config.build_config._asdict())
    build = {k: list(v) if isinstance(v, tuple) else v for k, v in build.items()}
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "h5py": h5py.version.version,
        "hdf5": h5py.version.hdf5_version,
        "hdf5plugin": hdf5plugin.version,
        "hdf5plugin_build": build,
        "knowhow": _version("knowhow"),
    }


def collect(threads: dict[str, str], scratch: str | None, isolation: str) -> dict:
    """Provenance taken at the start of a run; `finish` adds the end."""
    return {
        "started_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "software": software(),
        "cpu": cpu_info(),
        "platform": platform.platform(terse=True),
        "threads": dict(sorted(threads.items())),
        "scratch": "tmpfs (/dev/shm)" if scratch == "/dev/shm" else "system temporary directory",
        "isolation": isolation,
        "allocator": _allocator(),
        "load_average_start": load_average(),
    }


def _allocator() -> str | None:
    from .measure import ALLOCATOR

    return ALLOCATOR if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" else None


def finish(prov: dict, elapsed_s: float) -> dict:
    prov["load_average_end"] = load_average()
    prov["elapsed_s"] = round(elapsed_s, 1)
    cpus = prov["cpu"].get("logical_cpus") or 1
    worst = max((prov.get("load_average_start") or [0])[0], (prov.get("load_average_end") or [0])[0])
    # A load above the CPU count means other work competed: wall-clock speeds are unreliable.
    prov["noisy"] = worst > cpus * 0.75
    return prov
