"""A sample array with how it was made and what limits it: its noise model and entropy bounds."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .entropy import gaussian_entropy_bits, poisson_entropy_bits

GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Noise:
    """The information content of a sample: lossless bits per value and, for floats, noise σ."""

    lossless_bits: float
    sigma: np.ndarray | None = None  # per value (one frame, broadcast over frames), data units
    masked: np.ndarray | None = None  # values fixed by the detector mask: they carry no information
    estimated: bool = False  # σ measured from real data: good for setting error bounds, not for bounds

    @property
    def sigma_ref(self) -> float | None:
        """The median noise σ, the unit in which lossy error bounds are set."""
        if self.sigma is None:
            return None
        s = self.sigma if self.masked is None else self.sigma[~self.masked]
        return float(np.median(s))

    def lossy_bits(self, error_bound: float) -> float | None:
        """Bits per value needed to keep every value within ±error_bound of the noisy data."""
        if self.sigma is None or error_bound <= 0:
            return None
        h = gaussian_entropy_bits(self.sigma, 2.0 * error_bound)
        if self.masked is not None:
            h = np.where(self.masked, 0.0, h)
        return min(float(h.mean()), self.lossless_bits)


@dataclass
class Sample:
    """One generated (or user-supplied) array with how it was made and what limits it."""

    name: str
    kind: str
    title: str
    data: np.ndarray
    chunks: tuple[int, ...] | None
    noise: Noise | None
    params: dict = field(default_factory=dict)
    seed: int | None = None
    mask_value: float | None = None

    @property
    def container_bits(self) -> int:
        return self.data.dtype.itemsize * 8

    def lossless_bound(self) -> float | None:
        if self.noise is None or self.noise.estimated or self.noise.lossless_bits <= 0:
            return None
        return self.container_bits / self.noise.lossless_bits

    def lossy_bound(self, error_bound: float) -> float | None:
        if self.noise is None or self.noise.estimated:
            return None
        bits = self.noise.lossy_bits(error_bound)
        return self.container_bits / bits if bits else None

    def describe(self) -> dict:
        """Provenance of the sample, as stored with every result."""
        return {
            "name": self.name, "kind": self.kind, "title": self.title,
            "dtype": str(self.data.dtype), "shape": list(self.data.shape),
            "chunks": list(self.chunks) if self.chunks else None, "nbytes": int(self.data.nbytes),
            "seed": self.seed, "generator_version": GENERATOR_VERSION if self.seed is not None else None,
            "params": self.params, "mask_value": self.mask_value,
            "noise_sigma": self.noise.sigma_ref if self.noise else None,
            "noise_sigma_estimated": bool(self.noise and self.noise.estimated),
            "entropy_bits_per_value": self.noise.lossless_bits if self.noise and not self.noise.estimated else None,
            "lossless_bound": self.lossless_bound(),
        }


def poisson_noise(lam: np.ndarray, masked: np.ndarray | None = None) -> Noise:
    h = poisson_entropy_bits(lam)
    if masked is not None:
        h = np.where(masked, 0.0, h)
    return Noise(lossless_bits=float(h.mean()), masked=masked)
