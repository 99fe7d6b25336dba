"""Ratio against exposure: the calibrated photon-counting (SAXS, Pilatus-like) and neutron
(FOCUS-like) generators scaled to several mean counts per pixel, each codec's ratio and its
entropy bound at each level; and, when the two real calibration frames are at hand, their
ratios at their own exposure beside the generators' at the same exposure.

Ratios only (in memory, HDF5 core driver): speeds do not depend much on the count level and
are measured by the main suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .calibrate import codec_ratio
from .generators import saxs_lambda, tof_lambda
from .sample import poisson_noise

SEED = 20257
CONTAINER_BITS = 32  # both real detectors write int32

# generator → (real file, dataset path) it was calibrated on (see shared real-data README).
REAL_FILES = {
    "photon-counting": ("aps-pilatus-agbehenate.hdf5", "entry/data/data"),
    "neutron": ("psi-focus-neutron-counts.hdf", "entry1/FOCUS/merged/counts"),
}
TITLES = {"photon-counting": "photon counting (SAXS, Pilatus-like, int32)",
          "neutron": "neutron time of flight (FOCUS-like, int32)"}


def expected_counts(generator: str, mean_counts: float) -> np.ndarray:
    """The generator's expected counts per pixel, scaled to the given mean."""
    lam = saxs_lambda()[0] if generator == "photon-counting" else tof_lambda(rng=np.random.default_rng(SEED))[0]
    return lam * (mean_counts / lam.mean())


def frames(generator: str, mean_counts: float, count: int, seed: int = SEED) -> tuple[np.ndarray, float]:
    """(count frames of Poisson counts as int32, the lossless entropy bound on the ratio)."""
    lam = expected_counts(generator, mean_counts)
    data = np.random.default_rng(seed).poisson(lam, size=(count, *lam.shape)).astype(np.int32)
    bits = poisson_noise(lam).lossless_bits
    return data, CONTAINER_BITS / bits if bits > 0 else float("inf")


def sweep(levels: list[float], codecs: list[str], count: int = 1) -> list[dict]:
    """One point per (generator, level, codec): ratio, bound and ratio / bound."""
    points = []
    for generator in REAL_FILES:
        for level in levels:
            data, bound = frames(generator, float(level), count)
            for codec in codecs:
                ratio = float(np.mean([codec_ratio(f, codec) for f in data]))
                points.append({"generator": generator, "level": level, "mean_counts": float(data.mean()),
                               "codec": codec, "ratio": ratio, "bound": bound, "bound_fraction": ratio / bound})
    return points


def real_points(folder: Path, codecs: list[str], count: int = 3) -> list[dict]:
    """The real calibration frames at their own exposure, and the generator at that exposure."""
    import h5py

    out = []
    for generator, (name, path) in REAL_FILES.items():
        source = folder / name
        if not source.is_file():
            continue
        with h5py.File(source, "r") as f:
            real = np.asarray(f[path][()]).astype(np.int32)
        mean = float(real.mean())
        generated, _ = frames(generator, mean, count)
        for codec in codecs:
            out.append({"generator": generator, "file": name, "mean_counts": mean, "codec": codec,
                        "ratio": codec_ratio(real, codec),
                        "generated_ratio": float(np.mean([codec_ratio(g, codec) for g in generated]))})
    return out


def run(spec: dict, real_data: Path | None) -> dict | None:
    """The exposure section of a results document, or None when the profile has none."""
    levels = [float(v) for v in spec.get("levels") or []]  # the suite loader keeps YAML numbers as written
    codecs = list(spec.get("codecs") or [])
    if not levels or not codecs:
        return None
    count = int(spec.get("frames") or 1)
    return {"levels": levels, "codecs": codecs, "frames": count, "seed": SEED, "titles": TITLES,
            "points": sweep(levels, codecs, count),
            "real": real_points(real_data, codecs) if real_data else []}
