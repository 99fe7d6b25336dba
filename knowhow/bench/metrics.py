"""Turn raw timings and sizes into the published metrics, including the energy and CO2 model.

Units follow lzbench: MB = 10^6 bytes of *uncompressed* data; ratio = raw bytes / stored
bytes. Wall-clock speeds move with the load of a shared machine; MB per CPU-second does not
(much), so both are kept and rankings use CPU time.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

J_PER_KWH = 3.6e6


@dataclass(frozen=True)
class EnergyModel:
    """Green Algorithms model (Lannelongue et al. 2021): E = CPU-s·P_core·PUE + t·M·P_mem·PUE."""

    watts_per_core: float = 12.0
    pue: float = 1.67
    grid_g_per_kwh: float = 75.0
    memory_w_per_gb: float = 0.3725

    def joules(self, cpu_s: float, wall_s: float, memory_gb: float) -> float:
        return (cpu_s * self.watts_per_core + wall_s * memory_gb * self.memory_w_per_gb) * self.pue

    def describe(self) -> dict:
        d = asdict(self)
        d["formula"] = "E = (cpu_s * watts_per_core + wall_s * memory_gb * memory_w_per_gb) * pue; CO2e = E * grid"
        d["source"] = "Green Algorithms, Lannelongue, Grealey & Inouye, Adv. Sci. 2021, doi:10.1002/advs.202100707"
        return d


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def speeds(raw_bytes: int, seconds: list[float]) -> dict:
    """MB/s median, min and max over repetitions (min speed comes from the slowest repetition)."""
    mb = raw_bytes / 1e6
    med, lo, hi = spread(seconds)
    return {"median": _div(mb, med), "min": _div(mb, hi), "max": _div(mb, lo)}


def _div(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def summarise(raw: dict, raw_bytes: int, n_values: int, container_bits: int, model: EnergyModel) -> dict:
    """Size, speed and energy metrics of one successful measurement."""
    out: dict = {"raw_bytes": raw_bytes}
    stored = raw.get("stored_bytes")
    if stored:
        out["stored_bytes"] = stored
        out["ratio"] = raw_bytes / stored
        out["bits_per_value"] = stored * 8 / n_values
    for op in ("write", "read"):
        wall, cpu = raw.get(f"{op}_s") or [], raw.get(f"{op}_cpu_s") or []
        if not wall:
            continue
        s = speeds(raw_bytes, wall)
        out[f"{op}_mbps"], out[f"{op}_mbps_min"], out[f"{op}_mbps_max"] = s["median"], s["min"], s["max"]
        cpu_med = statistics.median(cpu)
        out[f"{op}_cpu_s"] = cpu_med
        out[f"{op}_wall_s"] = statistics.median(wall)
        out[f"{op}_mb_per_cpu_s"] = _div(raw_bytes / 1e6, cpu_med)
        if cpu and min(cpu) > 0:
            c = speeds(raw_bytes, cpu)
            out[f"{op}_mb_per_cpu_s_min"], out[f"{op}_mb_per_cpu_s_max"] = c["min"], c["max"]
        memory_gb = (raw_bytes + (stored or raw_bytes)) / 1e9
        joules = model.joules(cpu_med, statistics.median(wall), memory_gb)
        gb = raw_bytes / 1e9
        out[f"{op}_j_per_gb"] = joules / gb
        out[f"{op}_g_co2e_per_tb"] = joules / gb * 1000 / J_PER_KWH * model.grid_g_per_kwh
    return out


def add_relative(rows: list[dict], memcpy: dict | None = None) -> None:
    """Speed as a fraction of uncompressed chunked HDF5 I/O and of memcpy, same run.

    The HDF5 reference is the same dataset with the same chunks (a chunk-shape variant is
    compared with uncompressed HDF5 at that chunk shape). The memcpy reference is the copy of a
    buffer larger than the last-level cache (`memcpy`, measured once per run) when given, so the
    fraction compares like with like across datasets; else the dataset's own memcpy row.
    """
    ref: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["codec"] in ("none-chunked", "memcpy") and r.get("status") == "ok":
            ref[(r["dataset"], r["codec"] + "|" + _chunk_key(r))] = r
    for r in rows:
        for op in ("write", "read"):
            mine = r.get(f"{op}_mb_per_cpu_s")
            b = ref.get((r["dataset"], "none-chunked|" + _chunk_key(r))) or {}
            theirs = b.get(f"{op}_mb_per_cpu_s")
            r[f"{op}_vs_chunked"] = mine / theirs if mine and theirs else None
            if memcpy and memcpy.get("mb_per_cpu_s"):
                theirs = memcpy["mb_per_cpu_s"]
            else:
                theirs = (ref.get((r["dataset"], "memcpy|reference")) or {}).get(f"{op}_mb_per_cpu_s")
            r[f"{op}_vs_memcpy"] = mine / theirs if mine and theirs else None


def _chunk_key(r: dict) -> str:
    v = r.get("variant") or "reference"
    return v if v.startswith(("chunk=", "tile=")) else "reference"


def memcpy_large(llc_bytes: int | None, reps: int = 5) -> dict:
    """memcpy of a buffer well beyond the last-level cache: the memory-bandwidth ceiling that
    "fraction of memcpy" refers to (a small dataset's own memcpy runs from cache)."""
    import time

    import numpy as np

    size = memcpy_buffer_bytes(llc_bytes)
    src = np.ones(size, dtype=np.uint8)
    dst = np.empty_like(src)
    dst.fill(0)
    walls, cpus = [], []
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        np.copyto(dst, src)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    mb = size / 1e6
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {"bytes": size, "llc_bytes": llc_bytes, "mbps": _div(mb, wall), "mbps_min": _div(mb, max(walls)),
            "mbps_max": _div(mb, min(walls)), "mb_per_cpu_s": _div(mb, cpu), "reps": reps}


def memcpy_buffer_bytes(llc: int | None) -> int:
    """Twice the last-level cache (at least 32 MiB): the copy cannot run from cache."""
    return max(2 * (llc or 16 << 20), 32 << 20)


def llc_bytes() -> int | None:
    """Size of the largest CPU cache (Linux sysfs), or None."""
    from pathlib import Path

    best = None
    for d in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            text = (d / "size").read_text().strip()
        except OSError:
            continue
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        try:
            value = int(text.rstrip("KMG")) * mult
        except ValueError:
            continue
        best = max(best or 0, value)
    return best


def add_bound_fraction(row: dict, bound: float | None) -> None:
    """Ratio as a fraction of the entropy bound (lossless, or lossy at the row's error bound)."""
    row["bound"] = bound
    ratio = row.get("ratio")
    row["bound_fraction"] = ratio / bound if ratio and bound else None
