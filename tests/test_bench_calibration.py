"""The SAXS and neutron generators are calibrated: codec ratios within 10 % of real frames.

The real frames live in ../shared/real-data/ (reference only, never copied here); the test
skips when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from knowhow.bench import calibrate, datasets

REAL = Path(__file__).parents[1].parent / "shared" / "real-data"

CASES = [
    ("aps-pilatus-agbehenate.hdf5", "entry/data/data", "saxs-pilatus-i32"),
    ("psi-focus-neutron-counts.hdf", "entry1/FOCUS/merged/counts", "neutron-tof-i32"),
]


@pytest.mark.parametrize("filename, path, generator", CASES)
def test_generated_frames_compress_like_real_ones(filename, path, generator):
    source = REAL / filename
    if not source.exists():
        pytest.skip(f"{source} not present (reference data of the steering repository)")
    with h5py.File(source, "r") as f:
        real = f[path][()]
    sample = datasets.get_dataset(generator).generate(3)
    assert sample.data.shape[1:] == real.shape and sample.data.dtype == real.dtype
    deviation = calibrate.deviations(calibrate.ratios(sample.data), calibrate.ratios(real))
    off = {codec: f"{d:+.1%}" for codec, d in deviation.items() if abs(d) > 0.10}
    assert not off, f"{generator} ratios deviate from the real frame by more than 10 %: {off}"
