"""Compare generated frames with real ones: codec ratios on both, in memory.

Used by the calibration test (real files in ../shared/real-data/, when present) and to tune
the SAXS and neutron generators: a generator is calibrated when every codec's ratio on its
frames is within 10 % of the ratio on the real frame.
"""

from __future__ import annotations

import itertools

import numpy as np

from .configs import get_codec

CALIBRATION_CODECS = ("gzip-1", "shuffle-gzip-1", "lzf", "bitshuffle-lz4", "bitshuffle-zstd-3",
                      "blosc-zstd-bitshuffle-5", "blosc2-zstd-bitshuffle-5", "lz4", "zstd-3")

_counter = itertools.count()


def codec_ratio(frame: np.ndarray, codec_name: str) -> float:
    """Ratio of one codec on one frame (one chunk), through HDF5 in memory."""
    import h5py
    import hdf5plugin  # noqa: F401

    codec = get_codec(codec_name)
    name = f"calibrate-{next(_counter)}.h5"
    with h5py.File(name, "w", driver="core", backing_store=False) as f:
        ds = f.create_dataset("d", data=frame, chunks=frame.shape, **codec.kwargs())
        return frame.nbytes / ds.id.get_storage_size()


def ratios(frames: np.ndarray, codecs: tuple[str, ...] = CALIBRATION_CODECS) -> dict[str, float]:
    """Mean ratio per codec over the frames of a stack (or of one 2-D frame)."""
    stack = frames if frames.ndim == 3 else frames[None]
    return {c: float(np.mean([codec_ratio(f, c) for f in stack])) for c in codecs}


def deviations(generated: dict[str, float], real: dict[str, float]) -> dict[str, float]:
    """Relative deviation of generated from real ratios, per codec."""
    return {c: generated[c] / real[c] - 1 for c in real}
