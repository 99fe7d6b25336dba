"""Shannon entropy of the noise models the generators use: the limits no codec can beat.

A generated dataset is signal (known to the generator) plus noise drawn from a known
distribution, so the information a lossless codec must keep is exactly the entropy of that
noise. For lossy codecs with an absolute error bound eb, the limit is the entropy of the noise
quantised with bins of width 2·eb (a uniform quantiser that meets the bound).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

LOG2E = 1.0 / math.log(2.0)
_LAM_EXACT_MAX = 2000.0


@lru_cache(maxsize=1)
def _poisson_table() -> tuple[np.ndarray, np.ndarray]:
    """Exact H(Poisson(λ)) in bits on a log grid of λ, summed over the whole pmf."""
    lams = np.geomspace(1e-8, _LAM_EXACT_MAX, 1500)
    kmax = int(_LAM_EXACT_MAX + 15 * math.sqrt(_LAM_EXACT_MAX) + 50)
    k = np.arange(kmax + 1, dtype=np.float64)
    log_fact = np.array([math.lgamma(x + 1.0) for x in k])
    out = np.empty_like(lams)
    for i, lam in enumerate(lams):
        logp = k * math.log(lam) - lam - log_fact
        p = np.exp(logp)
        out[i] = -np.sum(p * logp) * LOG2E
    return np.log(lams), out


def poisson_entropy_bits(lam: np.ndarray | float) -> np.ndarray:
    """H(Poisson(λ)) in bits per value, elementwise; 0 for λ <= 0 (a deterministic value)."""
    lam = np.asarray(lam, dtype=np.float64)
    loggrid, table = _poisson_table()
    out = np.zeros(lam.shape)
    small = (lam > 0) & (lam <= _LAM_EXACT_MAX)
    out[small] = np.interp(np.log(np.clip(lam[small], 1e-8, None)), loggrid, table)
    big = lam > _LAM_EXACT_MAX
    # Asymptotic series of the Poisson entropy (nats): ½ln(2πeλ) − 1/(12λ) − 1/(24λ²).
    lb = lam[big]
    out[big] = (0.5 * np.log(2 * math.pi * math.e * lb) - 1 / (12 * lb) - 1 / (24 * lb**2)) * LOG2E
    return out


def gaussian_entropy_bits(sigma: np.ndarray | float, step: float = 1.0) -> np.ndarray:
    """Entropy in bits of N(μ, σ²) rounded to a grid of the given step, averaged over μ.

    Exact (numerical) for small σ/step, the differential-entropy limit for large σ/step.
    """
    s = np.asarray(sigma, dtype=np.float64) / step
    grid, table = _quantised_gaussian_table()
    out = np.zeros(s.shape)
    mid = (s > 0) & (s <= grid[-1])
    out[mid] = np.interp(np.log(np.clip(s[mid], 1e-6, None)), np.log(grid), table)
    big = s > grid[-1]
    # Rounding adds a uniform error of variance step²/12 to the Gaussian.
    out[big] = 0.5 * np.log2(2 * math.pi * math.e * (s[big] ** 2 + 1 / 12))
    return out


@lru_cache(maxsize=1)
def _quantised_gaussian_table() -> tuple[np.ndarray, np.ndarray]:
    grid = np.geomspace(1e-3, 8.0, 300)
    erf = np.vectorize(math.erf)
    offsets = (np.arange(32) + 0.5) / 32  # the mean's position inside a bin, averaged over
    out = np.empty_like(grid)
    for i, s in enumerate(grid):
        half = int(10 * s) + 3
        edges = np.arange(-half, half + 2) - 0.5
        acc = 0.0
        for u in offsets:
            cdf = 0.5 * (1 + erf((edges - u) / (s * math.sqrt(2))))
            p = np.diff(cdf)
            p = p[p > 0]
            acc += -np.sum(p * np.log2(p))
        out[i] = acc / len(offsets)
    return grid, out


def bound_ratio(container_bits: int, bits_per_value: float) -> float | None:
    """Largest possible compression ratio: container bits over information bits per value."""
    if bits_per_value <= 0:
        return None
    return container_bits / bits_per_value


def zero_order_entropy_bits(values: np.ndarray) -> float:
    """Entropy of the value histogram (bits per value): an estimate for real data, not a bound."""
    flat = np.ascontiguousarray(values).reshape(-1)
    if flat.size == 0:
        return 0.0
    if flat.dtype.kind == "f":
        flat = flat.view(np.dtype(f"u{flat.dtype.itemsize}"))
    _, counts = np.unique(flat, return_counts=True)
    p = counts / flat.size
    return float(-np.sum(p * np.log2(p)))
