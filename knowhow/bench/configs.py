"""The codec configurations: one entry per configuration, keyed by a stable name.

Names never change once results are published (the site links them); parameters are recorded
with every result. Each entry declares where it applies (dtype, chunk rank), so a configuration
that cannot work on a dataset is listed as skipped with its reason, never run as a failure.
Lossy entries set their absolute error bound relative to the data's noise σ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BuildFn = Callable[[float | None], dict]


@dataclass(frozen=True)
class Dtypes:
    """The codec accepts these dtype kinds ('i', 'u', 'f') and bit widths."""

    kinds: str
    bits: tuple[int, ...] = (8, 16, 32, 64)
    why: str = ""

    def reason(self, dtype: np.dtype, chunks: tuple[int, ...] | None) -> str | None:
        if dtype.kind in self.kinds and dtype.itemsize * 8 in self.bits:
            return None
        return self.why or f"needs {self.kinds} data of {'/'.join(map(str, self.bits))} bits, not {dtype}"


@dataclass(frozen=True)
class ChunkDims:
    """The codec needs between lo and hi non-unity chunk dimensions (and sides of min_side)."""

    lo: int
    hi: int
    min_side: int = 1
    rgb_if_3d: bool = False
    why: str = ""

    def reason(self, dtype: np.dtype, chunks: tuple[int, ...] | None) -> str | None:
        if chunks is None:
            return "needs a chunked dataset"
        dims = [c for c in chunks if c > 1]
        bad = not (self.lo <= len(dims) <= self.hi) or any(c < self.min_side for c in dims)
        if self.rgb_if_3d and len(dims) == 3 and dims[-1] != 3:
            bad = True
        if bad:
            return self.why or f"needs {self.lo}-{self.hi} non-unity chunk dimensions, chunk is {tuple(chunks)}"
        return None


Rule = Dtypes | ChunkDims


@dataclass(frozen=True)
class Codec:
    """One named codec configuration with its h5py dataset-creation options."""

    name: str
    label: str
    family: str  # "baseline", "h5py" or "hdf5plugin"
    filter_id: int | None
    options: Mapping[str, Any]
    build: BuildFn | None = None
    lossy: bool = False
    error_sigma: float | None = None  # absolute error bound = error_sigma × noise σ
    requires: tuple[Rule, ...] = ()
    chunked: bool = True
    prior_mbps: tuple[float, float] = (500.0, 1000.0)  # rough write/read speed, for estimates only
    note: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    variant: str = ""  # a dimension of the suite: "threads=N", "direct", "chunk=K", "tile=T" ("" = reference)
    explicit: Mapping[str, Any] | None = None  # create_dataset options carried to the child as data (as stored)

    def kwargs(self, error_bound: float | None = None) -> dict:
        """Keyword arguments for h5py's create_dataset."""
        return dict(self.build(error_bound)) if self.build else {}

    def reason_skipped(self, dtype: np.dtype, chunks: tuple[int, ...] | None, *,
                       noise_sigma: float | None = None, lossy_integers: bool = False) -> str | None:
        """Why this configuration does not apply to such data, or None when it does."""
        dtype = np.dtype(dtype)
        if self.explicit is not None and "unsupported" in self.explicit:
            return str(self.explicit["unsupported"])
        if self.variant == "direct":
            from .direct import reason_unavailable

            why = reason_unavailable(self.name)
            if why:
                return why
        if self.variant.startswith(("chunk=", "tile=")) and (chunks is None or len(chunks) < 3):
            return "chunk-shape variants need a stack of 2-D frames"
        if self.variant.startswith("tile=") and chunks and min(chunks[-2:]) < 2 * int(self.variant.split("=")[1]):
            return "tiles only for frames at least twice the tile side"
        if self.filter_id is not None and not _filter_available(self.filter_id):
            return f"HDF5 filter {self.filter_id} is not available in this build"
        if self.lossy:
            if dtype.kind != "f" and not lossy_integers:
                return "lossy codec: applied to float data only (use --lossy-integers to force)"
            if self.error_sigma is not None and not noise_sigma:
                return "lossy codec: the data's noise level is unknown, so no error bound can be set"
        for rule in self.requires:
            if isinstance(rule, Dtypes) and self.lossy and lossy_integers and dtype.kind in "iu":
                continue
            why = rule.reason(dtype, chunks)
            if why:
                return why
        return None

    def with_variant(self, variant: str) -> Codec:
        return dataclasses.replace(self, variant=variant)

    def describe(self) -> dict:
        return {"name": self.name, "label": self.label, "family": self.family, "filter_id": self.filter_id,
                "options": dict(self.options), "lossy": self.lossy, "error_sigma": self.error_sigma,
                "note": self.note}


def _filter_available(filter_id: int) -> bool:
    import h5py
    import hdf5plugin  # noqa: F401  registers the plugin filters

    return bool(h5py.h5z.filter_avail(filter_id))


def _hp(cls_name: str, **options: Any) -> BuildFn:
    def build(_eb: float | None) -> dict:
        import hdf5plugin

        return dict(getattr(hdf5plugin, cls_name)(**options))
    return build


def _hp_bounded(cls_name: str, key: str) -> BuildFn:
    def build(eb: float | None) -> dict:
        import hdf5plugin

        if eb is None:
            raise ValueError("an error bound is required")
        return dict(getattr(hdf5plugin, cls_name)(**{key: float(eb)}))
    return build


def _blosc(cls_name: str, cname: str, clevel: int, shuffle: str) -> BuildFn:
    def build(_eb: float | None) -> dict:
        import hdf5plugin

        cls = getattr(hdf5plugin, cls_name)
        return dict(cls(cname=cname, clevel=clevel, **{"shuffle" if cls_name == "Blosc" else "filters":
                                                       getattr(cls, shuffle)}))
    return build


INTS_16 = Dtypes("iu", (8, 16), "image codec: needs 8- or 16-bit integers")
WIDE_32_64 = Dtypes("iuf", (32, 64), "Zfp needs 32- or 64-bit values")
FLOATS = Dtypes("f", (32, 64), "float codec: needs float32 or float64")
IMAGE_2D = ChunkDims(2, 3, 16, why="JPEG-LS needs an image-like chunk: 2-D (or ≤4 planes), sides ≥ 16")
HTJ2K_DIMS = ChunkDims(1, 3, rgb_if_3d=True, why="HTJ2K needs 1-3 non-unity chunk dims (3 only for RGB)")
ZFP_DIMS = ChunkDims(1, 4, why="Zfp needs at most 4 non-unity chunk dimensions")
SPERR_DIMS = ChunkDims(2, 3, why="Sperr needs a 2-D or 3-D chunk (1-D chunks crash the filter)")

B, H, P = "baseline", "h5py", "hdf5plugin"

CODECS: tuple[Codec, ...] = (
    Codec("memcpy", "memcpy (numpy copyto)", B, None, {}, chunked=False, prior_mbps=(5000, 5000),
          note="the memory-bandwidth ceiling: no HDF5, no codec"),
    Codec("none-contiguous", "HDF5 uncompressed, contiguous", B, None, {}, chunked=False, prior_mbps=(1500, 3000)),
    Codec("none-chunked", "HDF5 uncompressed, chunked", B, None, {}, prior_mbps=(900, 1800),
          note="the reference for speed fractions: same chunks, no filter"),
    Codec("gzip-1", "gzip level 1", H, 1, {"compression": "gzip", "compression_opts": 1},
          lambda _: {"compression": "gzip", "compression_opts": 1}, prior_mbps=(100, 350)),
    Codec("gzip-6", "gzip level 6", H, 1, {"compression": "gzip", "compression_opts": 6},
          lambda _: {"compression": "gzip", "compression_opts": 6}, prior_mbps=(20, 300)),
    Codec("shuffle-gzip-1", "shuffle + gzip level 1", H, 1, {"shuffle": True, "compression": "gzip",
                                                            "compression_opts": 1},
          lambda _: {"shuffle": True, "compression": "gzip", "compression_opts": 1}, prior_mbps=(90, 250)),
    Codec("lzf", "LZF", H, 32000, {"compression": "lzf"}, lambda _: {"compression": "lzf"}, prior_mbps=(120, 180)),
    Codec("shuffle-lzf", "shuffle + LZF", H, 32000, {"shuffle": True, "compression": "lzf"},
          lambda _: {"shuffle": True, "compression": "lzf"}, prior_mbps=(120, 150)),
    Codec("szip-nn", "SZIP (nearest neighbour, 16 px/block)", H, 4, {"compression": "szip",
                                                                     "compression_opts": ["nn", 16]},
          lambda _: {"compression": "szip", "compression_opts": ("nn", 16)}, prior_mbps=(150, 250)),
    Codec("bitshuffle-lz4", "Bitshuffle + LZ4", P, 32008, {"cname": "lz4"}, _hp("Bitshuffle", cname="lz4"),
          prior_mbps=(600, 1200), note="the EIGER/Dectris default"),
    Codec("bitshuffle-zstd-3", "Bitshuffle + Zstd 3", P, 32008, {"cname": "zstd", "clevel": 3},
          _hp("Bitshuffle", cname="zstd", clevel=3), prior_mbps=(220, 500)),
    Codec("blosc-lz4-bitshuffle-5", "Blosc LZ4 5 bitshuffle", P, 32001,
          {"cname": "lz4", "clevel": 5, "shuffle": "BITSHUFFLE"}, _blosc("Blosc", "lz4", 5, "BITSHUFFLE"),
          prior_mbps=(600, 1100)),
    Codec("blosc-zstd-bitshuffle-5", "Blosc Zstd 5 bitshuffle", P, 32001,
          {"cname": "zstd", "clevel": 5, "shuffle": "BITSHUFFLE"}, _blosc("Blosc", "zstd", 5, "BITSHUFFLE"),
          prior_mbps=(75, 900)),
    Codec("blosc-zstd-shuffle-5", "Blosc Zstd 5 shuffle", P, 32001,
          {"cname": "zstd", "clevel": 5, "shuffle": "SHUFFLE"}, _blosc("Blosc", "zstd", 5, "SHUFFLE"),
          prior_mbps=(30, 1000)),
    Codec("blosc2-lz4-bitshuffle-5", "Blosc2 LZ4 5 bitshuffle", P, 32026,
          {"cname": "lz4", "clevel": 5, "filters": "BITSHUFFLE"}, _blosc("Blosc2", "lz4", 5, "BITSHUFFLE"),
          prior_mbps=(500, 1200)),
    Codec("blosc2-zstd-bitshuffle-5", "Blosc2 Zstd 5 bitshuffle", P, 32026,
          {"cname": "zstd", "clevel": 5, "filters": "BITSHUFFLE"}, _blosc("Blosc2", "zstd", 5, "BITSHUFFLE"),
          prior_mbps=(150, 1200)),
    Codec("blosc2-zstd-delta-5", "Blosc2 Zstd 5 delta", P, 32026,
          {"cname": "zstd", "clevel": 5, "filters": "DELTA"}, _blosc("Blosc2", "zstd", 5, "DELTA"),
          prior_mbps=(150, 1000), note="delta filter: for slowly varying traces"),
    Codec("blosc2-default", "Blosc2 defaults (blosclz 5 shuffle)", P, 32026,
          {"cname": "blosclz", "clevel": 5, "filters": "SHUFFLE"}, _hp("Blosc2"), prior_mbps=(140, 560)),
    Codec("lz4", "LZ4", P, 32004, {"nbytes": 0}, _hp("LZ4"), prior_mbps=(550, 1400)),
    Codec("zstd-1", "Zstd 1", P, 32015, {"clevel": 1}, _hp("Zstd", clevel=1), prior_mbps=(300, 700)),
    Codec("zstd-3", "Zstd 3", P, 32015, {"clevel": 3}, _hp("Zstd", clevel=3), prior_mbps=(280, 700)),
    Codec("zstd-9", "Zstd 9", P, 32015, {"clevel": 9}, _hp("Zstd", clevel=9), prior_mbps=(45, 950)),
    Codec("bzip2-9", "BZip2 9", P, 307, {"blocksize": 9}, _hp("BZip2", blocksize=9), prior_mbps=(17, 40)),
    Codec("fcidecomp", "JPEG-LS (FciDecomp)", P, 32018, {}, _hp("FciDecomp"), requires=(INTS_16, IMAGE_2D),
          prior_mbps=(60, 70)),
    Codec("htj2k", "HTJ2K (lossless)", P, 32033, {}, _hp("Htj2k"), requires=(INTS_16, HTJ2K_DIMS),
          prior_mbps=(180, 210)),
    Codec("zfp-reversible", "Zfp reversible", P, 32013, {"reversible": True}, _hp("Zfp", reversible=True),
          requires=(WIDE_32_64, ZFP_DIMS), prior_mbps=(120, 150)),
    Codec("sz3-abs-0.1sigma", "SZ3 |err| ≤ 0.1σ", P, 32024, {"absolute": "0.1 sigma"},
          _hp_bounded("SZ3", "absolute"), lossy=True, error_sigma=0.1, requires=(FLOATS,), prior_mbps=(85, 110),
          note="format not guaranteed backward-compatible (upstream)"),
    Codec("sz3-abs-0.5sigma", "SZ3 |err| ≤ 0.5σ", P, 32024, {"absolute": "0.5 sigma"},
          _hp_bounded("SZ3", "absolute"), lossy=True, error_sigma=0.5, requires=(FLOATS,), prior_mbps=(95, 170)),
    Codec("sz-abs-0.1sigma", "SZ2 |err| ≤ 0.1σ", P, 32017, {"absolute": "0.1 sigma"},
          _hp_bounded("SZ", "absolute"), lossy=True, error_sigma=0.1, requires=(FLOATS,), prior_mbps=(65, 80),
          note="SZ2 is deprecated upstream"),
    Codec("zfp-acc-0.1sigma", "Zfp accuracy 0.1σ", P, 32013, {"accuracy": "0.1 sigma"},
          _hp_bounded("Zfp", "accuracy"), lossy=True, error_sigma=0.1, requires=(FLOATS, ZFP_DIMS),
          prior_mbps=(140, 145), note="conservative: real error well below the bound"),
    Codec("zfp-acc-0.5sigma", "Zfp accuracy 0.5σ", P, 32013, {"accuracy": "0.5 sigma"},
          _hp_bounded("Zfp", "accuracy"), lossy=True, error_sigma=0.5, requires=(FLOATS, ZFP_DIMS),
          prior_mbps=(170, 200)),
    Codec("zfp-rate-8", "Zfp fixed rate 8 bit/value", P, 32013, {"rate": 8}, _hp("Zfp", rate=8), lossy=True,
          requires=(FLOATS, ZFP_DIMS), prior_mbps=(150, 175), note="fixed rate: the error is not bounded"),
    Codec("zfp-precision-16", "Zfp fixed precision 16", P, 32013, {"precision": 16}, _hp("Zfp", precision=16),
          lossy=True, requires=(FLOATS, ZFP_DIMS), prior_mbps=(150, 125), note="fixed precision: no absolute bound"),
    Codec("sperr-abs-0.1sigma", "Sperr |err| ≤ 0.1σ", P, 32028, {"absolute": "0.1 sigma"},
          _hp_bounded("Sperr", "absolute"), lossy=True, error_sigma=0.1, requires=(FLOATS, SPERR_DIMS),
          prior_mbps=(23, 32), note="slow; crashes (segfault) on integer data"),
    Codec("blosc2-truncprec", "Blosc2 TRUNC_PREC", P, 32026, {"filters": "TRUNC_PREC"},
          _blosc("Blosc2", "zstd", 5, "TRUNC_PREC"), lossy=True, requires=(FLOATS,), prior_mbps=(500, 1000),
          note="no precision parameter through hdf5plugin: expected to store raw"),
)

_BY_NAME = {c.name: c for c in CODECS}

THREADED = frozenset(c.name for c in CODECS if c.name.startswith(("blosc-", "blosc2-")) and not c.lossy)


def as_stored(pipeline: list[list], chunked: bool = True) -> Codec:
    """The file's own filter pipeline as a configuration: "what do I have now" beside the codecs.

    `pipeline` is [[filter id, flags, [cd values]], ...] as read from the dataset."""
    opts: dict[str, Any] = {}
    main = [(fid, cd) for fid, _flags, cd in pipeline if fid not in (2, 3)]
    if any(fid == 2 for fid, _f, _cd in pipeline):
        opts["shuffle"] = True
    if any(fid == 3 for fid, _f, _cd in pipeline):
        opts["fletcher32"] = True
    if len(main) > 1:
        opts = {"unsupported": f"the file chains {len(main)} compression filters; only one is reproduced"}
    elif main:
        fid, cd = main[0]
        if fid == 1:
            opts.update(compression="gzip", compression_opts=int(cd[0]) if cd else 4)
        elif fid == 32000:
            opts["compression"] = "lzf"
        elif fid in (4, 5, 6):
            opts = {"unsupported": f"HDF5 built-in filter {fid} (szip/nbit/scale-offset) is not reproduced"}
        else:
            opts.update(compression=int(fid), compression_opts=[int(v) for v in cd])
    label = "as stored in the file: " + (", ".join(f"filter {p[0]}" for p in pipeline) or "no filter")
    return Codec("as-stored", label, "file", None, dict(opts), lambda _eb: dict(opts), explicit=dict(opts),
                 chunked=chunked, prior_mbps=(300, 600), note="the file's own filters and chunks")


def get_codec(name: str) -> Codec:
    """The configuration with this name (KeyError if there is none)."""
    return _BY_NAME[name]


def applicability(codecs: tuple[Codec, ...] | list[Codec], datasets: list[tuple[str, np.dtype, tuple | None,
                  float | None]], lossy_integers: bool = False) -> list[dict]:
    """The applicability table: one row per (dataset, codec) with a skip reason or None."""
    rows = []
    for ds_name, dtype, chunks, sigma in datasets:
        for codec in codecs:
            why = codec.reason_skipped(dtype, chunks, noise_sigma=sigma, lossy_integers=lossy_integers)
            rows.append({"dataset": ds_name, "codec": codec.name, "applies": why is None, "reason": why})
    return rows
