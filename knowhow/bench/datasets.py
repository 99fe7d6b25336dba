"""Sample datasets generated from seeds: PaN-like data whose noise model, hence limit, is known.

Every generator draws its noise from an explicit distribution (Poisson counts, Gaussian read
noise) around a deterministic signal, so each `Sample` carries the Shannon bound on the
lossless ratio and, for float data, the bound for a lossy codec at a given error. Nothing is
downloaded; the same name, frame count and seed give the same bytes on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .generators import neutron_tof, photon_counting, saxs, scan_monitor, tomo_norm, tomo_raw, xrf_map
from .sample import GENERATOR_VERSION, Noise, Sample, poisson_noise

__all__ = [
    "DATASETS",
    "GENERATOR_VERSION",
    "DatasetSpec",
    "Noise",
    "Sample",
    "get_dataset",
    "photon_counting",
    "poisson_noise",
]


@dataclass(frozen=True)
class DatasetSpec:
    """A named generator with its default size per profile (the leading axis) and its seed."""

    name: str
    kind: str
    make: Callable[[int, int], Sample]
    sizes: dict[str, int]
    seed: int

    def generate(self, size: int | None = None, profile: str = "quick") -> Sample:
        return self.make(size if size is not None else self.sizes[profile], self.seed)


DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec("pc-eiger-u16", "photon-counting diffraction", photon_counting, {"quick": 12, "full": 100}, 20251),
    DatasetSpec("pc-eiger-u32", "photon-counting diffraction", lambda n, s: photon_counting(n, s, "uint32"),
                {"quick": 6, "full": 50}, 20251),
    DatasetSpec("saxs-pilatus-i32", "SAXS", saxs, {"quick": 24, "full": 256}, 20252),
    DatasetSpec("tomo-raw-u16", "tomography (raw)", tomo_raw, {"quick": 16, "full": 100}, 20253),
    DatasetSpec("tomo-norm-f32", "tomography (normalised)", tomo_norm, {"quick": 12, "full": 100}, 20253),
    DatasetSpec("xrf-map-u32", "XRF map", xrf_map, {"quick": 16, "full": 64}, 20254),
    DatasetSpec("neutron-tof-i32", "neutron time of flight", neutron_tof, {"quick": 8, "full": 64}, 20255),
    DatasetSpec("scan-monitor-f64", "scan/monitor", scan_monitor, {"quick": 1 << 20, "full": 1 << 23}, 20256),
)


def get_dataset(name: str) -> DatasetSpec:
    for spec in DATASETS:
        if spec.name == name:
            return spec
    raise KeyError(name)
