"""Checks every result must pass: bit-exact round trips, filters really applied, errors in bound."""

from __future__ import annotations

import hashlib
import math

import numpy as np


def array_hash(a: np.ndarray) -> str:
    """blake2b of the bytes, dtype and shape: equal hashes mean a bit-exact copy."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{a.dtype.str}|{a.shape}|".encode())
    h.update(np.ascontiguousarray(a).view(np.uint8).reshape(-1).data)
    return h.hexdigest()


def lossless_check(original: np.ndarray, back: np.ndarray, ref_hash: str | None = None) -> dict:
    """Bit-exact comparison (array and hash); NaNs compare by their bits."""
    same_meta = back.shape == original.shape and back.dtype == original.dtype
    equal = same_meta and np.array_equal(original.view(np.uint8), back.view(np.uint8))
    digest = array_hash(back)
    hash_ok = digest == (ref_hash or array_hash(original))
    return {"exact": bool(equal and hash_ok), "hash": digest, "hash_ok": hash_ok}


def filter_mask_check(ds) -> dict:
    """Count the chunks HDF5 stored raw because an optional filter failed or gained nothing.

    h5py registers plugin filters as optional: a failing filter leaves the chunk uncompressed,
    raises nothing, and only the chunk's filter mask tells. One pass over the chunk index
    (`chunk_iter`): `get_chunk_info(i)` walks the index from the start for every i, quadratic
    in the number of chunks.
    """
    dsid = ds.id
    if ds.chunks is None:
        return {"chunks_total": 0, "chunks_raw": 0, "filters": []}
    counts = [0, 0]

    def visit(info) -> None:
        counts[0] += 1
        counts[1] += info.filter_mask != 0
    try:
        dsid.chunk_iter(visit)
    except AttributeError:  # HDF5 < 1.12.3: no chunk iterator
        for i in range(dsid.get_num_chunks()):
            visit(dsid.get_chunk_info(i))
    n, raw = counts
    plist = dsid.get_create_plist()
    filters = [int(plist.get_filter(i)[0]) for i in range(plist.get_nfilters())]
    return {"chunks_total": int(n), "chunks_raw": int(raw), "filters": filters}


def lossy_check(original: np.ndarray, back: np.ndarray, error_bound: float | None,
                mask_value: float | None = None, noise_sigma: float | None = None) -> dict:
    """Error statistics (LibPressio names) and whether the absolute bound held.

    The bound is tested as |err| ≤ eb + 1 ulp(|x|): codecs meet it in float arithmetic and the
    decoded value is rounded to the storage type.
    """
    x = original.astype(np.float64)
    y = back.astype(np.float64)
    finite = np.isfinite(x)
    nonfinite_ok = bool(np.array_equal(np.isnan(x), np.isnan(y)) and np.array_equal(x[np.isinf(x)], y[np.isinf(x)]))
    err = np.abs(y[finite] - x[finite])
    value_range = float(x[finite].max() - x[finite].min()) if finite.any() else 0.0
    max_error = float(err.max()) if err.size else 0.0
    mse = float(np.mean(err**2)) if err.size else 0.0
    rmse = math.sqrt(mse)
    out = {
        "max_error": max_error,
        "rmse": rmse,
        "psnr": (20 * math.log10(value_range / rmse)) if rmse > 0 and value_range > 0 else None,
        "max_rel_error": max_error / value_range if value_range > 0 else None,
        "pearson_r": _pearson(x[finite], y[finite]),
        "nonfinite_preserved": nonfinite_ok,
        "error_bound": error_bound,
        "bound_held": None,
    }
    if error_bound is not None:
        slack = np.spacing(np.abs(original[finite]).astype(original.dtype)).astype(np.float64)
        out["bound_held"] = bool(np.all(err <= error_bound + slack)) and nonfinite_ok
    if mask_value is not None:
        masked = original == mask_value
        out["mask_preserved"] = bool(np.all(back[masked] == mask_value))
    if noise_sigma and error_bound:
        out["eb_over_sigma"] = error_bound / noise_sigma
        # A uniform error of ±eb adds eb²/3 to the noise variance σ².
        out["added_variance"] = error_bound**2 / (3 * noise_sigma**2)
    if noise_sigma:
        out["rmse_over_sigma"] = rmse / noise_sigma
    return out


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])
