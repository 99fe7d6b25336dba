"""Compression suite core: entropy bounds, generators, the codec registry and round-trip checks."""

from __future__ import annotations

import math

import h5py
import hdf5plugin
import numpy as np
import pytest

from knowhow.bench import configs, datasets, entropy, runner
from knowhow.bench.datasets import Noise, Sample
from knowhow.bench.validate import array_hash, filter_mask_check, lossless_check, lossy_check

# --- bounds against hand-computed values -------------------------------------------------------

def test_poisson_entropy_matches_hand_sum():
    # Poisson(1): p_k = e^-1/k!; -Σ p log2 p summed by hand over k = 0..7 gives 1.8825 bits.
    assert entropy.poisson_entropy_bits(1.0) == pytest.approx(1.8825, abs=2e-4)
    # Poisson(λ→0) ≈ λ·log2(e/λ): mostly zeros cost almost nothing.
    lam = 1e-3
    assert entropy.poisson_entropy_bits(lam) == pytest.approx(lam * math.log2(math.e / lam), rel=2e-3)
    assert entropy.poisson_entropy_bits(0.0) == 0.0
    # Large λ: ½·log2(2πeλ), continuous with the exact table at the switch-over.
    assert entropy.poisson_entropy_bits(1e4) == pytest.approx(0.5 * math.log2(2 * math.pi * math.e * 1e4), abs=1e-4)
    below, above = entropy.poisson_entropy_bits([1999.0, 2001.0])
    assert abs(above - below) < 1e-3


def test_quantised_gaussian_entropy_matches_hand_sum():
    # N(0,1) rounded to integers: p0 = .3829, p±1 = .2417, p±2 = .0606, p±3 = .0060 → 2.105 bits.
    assert entropy.gaussian_entropy_bits(1.0) == pytest.approx(2.105, abs=2e-3)
    # σ ≫ step: differential entropy plus the step²/12 rounding variance.
    assert entropy.gaussian_entropy_bits(100.0) == pytest.approx(0.5 * math.log2(2 * math.pi * math.e * 1e4), abs=1e-3)
    # Halving the step adds one bit.
    assert entropy.gaussian_entropy_bits(10.0, 0.5) - entropy.gaussian_entropy_bits(10.0, 1.0) == pytest.approx(1, abs=1e-3)


def test_sample_bounds_count_masked_pixels_as_free():
    lam = np.ones((4, 4))
    masked = np.zeros((4, 4), bool)
    masked[:2] = True  # half the pixels are detector gaps
    noise = datasets.poisson_noise(lam, masked)
    sample = Sample("t", "test", "t", np.zeros((1, 4, 4), np.uint16), (1, 4, 4), noise)
    assert noise.lossless_bits == pytest.approx(1.8825 / 2, abs=2e-4)
    assert sample.lossless_bound() == pytest.approx(16 / (1.8825 / 2), rel=1e-3)


def test_lossy_bound_grows_with_error_and_is_capped_by_lossless():
    sigma = np.full((8, 8), 0.01)
    sample = Sample("f", "test", "f", np.zeros((1, 8, 8), np.float32), (1, 8, 8), Noise(8.0, sigma=sigma))
    # eb = σ/2: bins of width σ → H(N(0,1) on a unit grid) = 2.105 bits → 32/2.105.
    assert sample.lossy_bound(0.005) == pytest.approx(32 / 2.105, rel=2e-3)
    assert sample.lossy_bound(0.05) > sample.lossy_bound(0.005)
    assert sample.lossy_bound(1e-9) == pytest.approx(32 / 8.0)  # never above the lossless information


# --- generators --------------------------------------------------------------------------------

def test_generators_are_seeded_and_carry_bounds():
    for spec in datasets.DATASETS:
        small = 2 if spec.name != "scan-monitor-f64" else 4096
        a, b = spec.generate(small), spec.generate(small)
        assert array_hash(a.data) == array_hash(b.data), spec.name
        assert a.data.shape[0] == small
        bound = a.lossless_bound()
        assert bound is not None and 1.0 < bound < 100, spec.name
        assert a.describe()["seed"] == spec.seed


def test_photon_counting_frame_looks_like_published_regime():
    s = datasets.get_dataset("pc-eiger-u16").generate(2)
    unmasked = s.data[0][s.data[0] != 65535]
    assert 0.5 < unmasked.mean() < 1.0  # ≈0.7 counts/px, like fast MX framing
    assert 0.6 < (unmasked == 0).mean() < 0.8
    assert 0.04 < (s.data[0] == 65535).mean() < 0.06  # EIGER gaps
    assert 14 < s.lossless_bound() < 19  # the notes measured 16.7x for this regime


def test_tomography_norm_noise_matches_error_propagation():
    s = datasets.get_dataset("tomo-norm-f32").generate(2)
    raw = datasets.get_dataset("tomo-raw-u16").generate(2)
    assert s.noise.sigma_ref == pytest.approx(0.0105, rel=0.2)
    # Same counts, so the floats cannot carry more information than the raw integers.
    assert s.noise.lossless_bits == pytest.approx(raw.noise.lossless_bits)
    assert s.lossless_bound() == pytest.approx(2 * raw.lossless_bound())


# --- registry and applicability ----------------------------------------------------------------

def test_every_hdf5plugin_filter_has_a_configuration():
    ids = {c.filter_id for c in configs.CODECS}
    for cls_name in ("Bitshuffle", "Blosc", "Blosc2", "BZip2", "FciDecomp", "Htj2k", "LZ4", "Sperr", "SZ", "SZ3",
                     "Zfp", "Zstd"):
        assert getattr(hdf5plugin, cls_name).filter_id in ids, cls_name
    names = [c.name for c in configs.CODECS]
    assert len(names) == len(set(names))
    assert {"memcpy", "none-contiguous", "none-chunked", "gzip-1", "lzf", "shuffle-gzip-1"} <= set(names)


@pytest.mark.parametrize("codec, dtype, chunks, reason_part", [
    ("fcidecomp", "float32", (1, 64, 64), "8- or 16-bit"),
    ("htj2k", "uint16", (4, 64, 64), "RGB"),
    ("zfp-reversible", "uint16", (1, 64, 64), "32- or 64-bit"),
    ("sperr-abs-0.1sigma", "float32", (4096,), "1-D chunks crash"),
    ("sz3-abs-0.1sigma", "uint16", (1, 64, 64), "float data only"),
    ("fcidecomp", "uint16", (1, 8, 8), "sides"),
])
def test_applicability_gives_reasons(codec, dtype, chunks, reason_part):
    why = configs.get_codec(codec).reason_skipped(np.dtype(dtype), chunks, noise_sigma=1.0)
    assert why and reason_part in why


def test_lossy_on_integers_only_when_asked_and_needs_a_noise_level():
    sz3 = configs.get_codec("sz3-abs-0.1sigma")
    assert sz3.reason_skipped(np.dtype("uint16"), (1, 64, 64), noise_sigma=1.0, lossy_integers=True) is None
    assert "noise level" in sz3.reason_skipped(np.dtype("float32"), (1, 64, 64), noise_sigma=None)
    table = configs.applicability([configs.get_codec("fcidecomp"), configs.get_codec("bitshuffle-lz4")],
                                  [("x", np.dtype("float32"), (1, 64, 64), 0.1)])
    assert [(r["codec"], r["applies"]) for r in table] == [("fcidecomp", False), ("bitshuffle-lz4", True)]


# --- validation ---------------------------------------------------------------------------------

def test_lossless_check_catches_one_flipped_bit():
    a = np.arange(1000, dtype=np.uint16)
    b = a.copy()
    b[500] ^= 1
    assert lossless_check(a, a.copy())["exact"]
    assert not lossless_check(a, b)["exact"]
    assert not lossless_check(a, a.astype(np.int16))["exact"]  # same values, other dtype


def test_lossy_check_allows_one_ulp_and_reports_error_stats():
    a = np.linspace(1, 2, 1000, dtype=np.float32)
    eb = np.float32(1e-3)
    back = a + eb  # exactly at the bound, after float32 rounding
    out = lossy_check(a, back, float(eb), noise_sigma=1e-2)
    assert out["bound_held"] and out["max_error"] == pytest.approx(1e-3, rel=1e-3)
    assert out["eb_over_sigma"] == pytest.approx(0.1)
    assert out["added_variance"] == pytest.approx(0.01 / 3)
    worse = lossy_check(a, a + np.float32(2e-3), float(eb))
    assert not worse["bound_held"]


def test_filter_mask_check_catches_a_filter_that_stored_raw(tmp_path):
    data = np.random.default_rng(0).random((4, 32, 32), dtype=np.float32)
    with h5py.File(tmp_path / "x.h5", "w") as f:
        # JPEG-LS cannot encode floats: the optional filter fails silently, chunks go in raw.
        ds = f.create_dataset("raw", data=data, chunks=(1, 32, 32), **hdf5plugin.FciDecomp())
        ok = f.create_dataset("ok", data=data, chunks=(1, 32, 32), **hdf5plugin.Bitshuffle())
        bad, good = filter_mask_check(ds), filter_mask_check(ok)
    assert bad["chunks_raw"] == bad["chunks_total"] == 4
    assert bad["filters"] == [hdf5plugin.FCIDECOMP_ID]
    assert good["chunks_raw"] == 0


def _small_samples() -> list[Sample]:
    rng = np.random.default_rng(3)
    counts = rng.poisson(3.0, (2, 32, 32))
    floats = (1 + 0.01 * rng.standard_normal((2, 32, 32))).astype(np.float32)
    sig = np.full((32, 32), 0.01)
    return [
        Sample("u16", "t", "t", counts.astype(np.uint16), (1, 32, 32), Noise(2.0)),
        Sample("i32", "t", "t", counts.astype(np.int32), (1, 32, 32), Noise(2.0)),
        Sample("u32", "t", "t", counts.astype(np.uint32), (1, 32, 32), Noise(2.0)),
        Sample("f32", "t", "t", floats, (1, 32, 32), Noise(20.0, sigma=sig)),
        Sample("f64", "t", "t", np.cumsum(rng.standard_normal(4096)), (1024,), Noise(20.0, sigma=np.ones(1))),
    ]


def test_round_trip_of_every_applicable_configuration():
    settings = runner.Settings(reps=1, timeout_s=60)
    pairs = runner.plan([(s, list(configs.CODECS)) for s in _small_samples()], settings)
    rows = runner.run(pairs, settings)
    measured = [r for r in rows if r["status"] != "skipped"]
    assert len(measured) > 80
    failures = [(r["dataset"], r["codec"], r["reason"]) for r in measured if r["status"] == "failed"]
    assert failures == []
    for r in measured:
        codec = configs.get_codec(r["codec"])
        if r["status"] == "stored-raw":
            assert r["chunks_raw"] == r["chunks_total"] > 0
            continue
        if not codec.lossy:
            assert r["exact"] and r["hash_ok"], r
        elif r["error_bound"] is not None:
            assert r["bound_held"], r
        if r["codec"] != "memcpy":
            assert r["fresh_read_ok"], r
    # Lossy codecs never touched the integer data.
    assert not [r for r in measured if r["dataset"] in ("u16", "i32", "u32") and configs.get_codec(r["codec"]).lossy]


def test_a_crashing_configuration_is_isolated_and_the_suite_goes_on():
    floats = _small_samples()[4]  # 1-D float64 chunks: Sperr's filter segfaults on them
    settings = runner.Settings(reps=1, timeout_s=60)
    pairs = [(floats, configs.get_codec("sperr-abs-0.1sigma"), None),
             (floats, configs.get_codec("bitshuffle-lz4"), None)]
    crashed, after = runner.run(pairs, settings)
    assert crashed["status"] == "failed"
    assert crashed["exit_code"] not in (0, None) and "exit" in crashed["reason"]
    assert after["status"] == "ok" and after["exact"]


def test_stored_raw_is_reported_as_such_not_as_ratio_one():
    f32 = _small_samples()[3]
    settings = runner.Settings(reps=1)
    (row,) = runner.run([(f32, configs.get_codec("fcidecomp"), None)], settings)  # forced past the table
    assert row["status"] == "stored-raw"
    assert "uncompressed" in row["reason"]


def test_a_hanging_configuration_times_out():
    sample = _small_samples()[0]
    (row,) = runner.run([(sample, configs.get_codec("gzip-1"), None)], runner.Settings(reps=1, timeout_s=0.001))
    assert row["status"] == "failed" and "timed out" in row["reason"]
