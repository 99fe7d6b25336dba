"""Conclusions derived from the numbers, never written by hand: Pareto fronts, picks, system view."""

from __future__ import annotations

from dataclasses import dataclass

BASELINES = frozenset({"memcpy", "none-contiguous", "none-chunked"})


def is_reference(r: dict) -> bool:
    """The reference measurement (not a threads, direct or chunk-shape variant)."""
    return r.get("variant") in (None, "", "reference")


def measured(rows: list[dict], lossy: bool | None = None, codecs: dict | None = None) -> list[dict]:
    """Compressing rows that passed every check (optionally only lossless or only lossy)."""
    out = []
    for r in rows:
        if r["status"] != "ok" or r["codec"] in BASELINES or not r.get("ratio") or not is_reference(r):
            continue
        is_lossy = bool(codecs and codecs.get(r["codec"], {}).get("lossy"))
        if lossy is not None and is_lossy != lossy:
            continue
        out.append(r)
    return out


def speed(r: dict, op: str = "write") -> float:
    """The ranking speed: MB per CPU-second (stable on a shared machine), else wall-clock MB/s."""
    return r.get(f"{op}_mb_per_cpu_s") or r.get(f"{op}_mbps") or 0.0


def pareto(rows: list[dict], op: str = "write") -> list[dict]:
    """Rows no other row beats on both ratio and speed, sorted by speed."""
    front = []
    for r in rows:
        dominated = any(
            o is not r and o["ratio"] >= r["ratio"] and speed(o, op) >= speed(r, op)
            and (o["ratio"] > r["ratio"] or speed(o, op) > speed(r, op)) for o in rows)
        if not dominated:
            front.append(r)
    return sorted(front, key=lambda r: speed(r, op))


@dataclass(frozen=True)
class Pick:
    role: str
    row: dict
    why: str


def picks(rows: list[dict], codecs: dict, nonfinite: bool = False) -> list[Pick]:
    """Densest, balanced and fastest lossless codec, plus the best safe lossy one, for one data kind.

    Lossless and lossy are ranked apart; a lossy codec that does not keep NaN and ±Inf is never
    the pick for data that holds them (`nonfinite`).
    """
    lossless = measured(rows, lossy=False, codecs=codecs)
    out: list[Pick] = []
    if lossless:
        best = max(lossless, key=lambda r: (r["ratio"], speed(r)))
        out.append(Pick("densest", best, "highest lossless ratio"))
        near = [r for r in lossless if r["ratio"] >= 0.85 * best["ratio"]]
        balanced = max(near, key=speed)
        out.append(Pick("balanced", balanced, "fastest writer within 15 % of the best ratio"))
        useful = [r for r in lossless if r["ratio"] >= max(1.05, 0.5 * best["ratio"])]
        if useful:
            fastest = max(useful, key=lambda r: min(speed(r, "write"), speed(r, "read")))
            out.append(Pick("fastest", fastest, "fastest write and read with at least half the best ratio"))
    safe = [r for r in measured(rows, lossy=True, codecs=codecs)
            if r.get("bound_held") and r.get("eb_over_sigma") is not None and r["eb_over_sigma"] <= 0.1 + 1e-9
            and not (nonfinite and r.get("nan_inf_preserved") is False)]
    if safe:
        out.append(Pick("lossy", max(safe, key=lambda r: r["ratio"]),
                        "highest ratio with every error within 0.1 σ of the noise"))
    return out


@dataclass(frozen=True)
class Throughput:
    bandwidth_gbps: float
    effective_gbps: float
    limited_by: str  # "codec" or "storage"
    cores_to_keep_up: float | None


def effective(row: dict, bandwidth_gbps: float, cores: int, op: str = "write") -> Throughput:
    """Raw data rate a node sustains: min(cores × codec speed, storage bandwidth × ratio).

    Compression is free when the cores compress faster than the storage can absorb the
    compressed stream; assumes independent chunks spread over the cores (linear scaling).
    """
    per_core = speed(row, op) / 1000.0  # GB per CPU-second
    ratio = row.get("ratio") or 1.0
    storage_side = bandwidth_gbps * ratio
    codec_side = per_core * cores if per_core else float("inf")
    need = storage_side / per_core if per_core else None
    if codec_side < storage_side:
        return Throughput(bandwidth_gbps, codec_side, "codec", need)
    return Throughput(bandwidth_gbps, storage_side, "storage", need)
