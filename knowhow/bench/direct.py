"""Direct chunk I/O: chunks compressed by the codec's own Python library and written with
`write_direct_chunk`, read with `read_direct_chunk` and decoded by the same library.

This is how EIGER and JUNGFRAU pipelines write: the detector (or its receiver) delivers
compressed chunks, HDF5 only stores them. Measured beside the filter pipeline, the difference
is the pipeline's own cost. The byte formats are those of the hdf5plugin filters, so a file
written here reads back through the ordinary pipeline (checked: the fresh re-read).
"""

from __future__ import annotations

import importlib.util
import itertools
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

Encode = Callable[[np.ndarray], bytes]
Decode = Callable[[bytes, np.ndarray], None]  # decode into the given (contiguous) chunk array


@dataclass(frozen=True)
class DirectCodec:
    package: str  # the Python distribution that implements it
    make: Callable[[dict, np.dtype], tuple[Encode, Decode]]


def _zstd(options: dict, dtype: np.dtype) -> tuple[Encode, Decode]:
    import zstandard

    cctx = zstandard.ZstdCompressor(level=int(options.get("clevel", 3)))
    dctx = zstandard.ZstdDecompressor()

    def encode(chunk: np.ndarray) -> bytes:
        return cctx.compress(chunk.data)

    def decode(raw: bytes, out: np.ndarray) -> None:
        out.reshape(-1).view(np.uint8)[:] = np.frombuffer(dctx.decompress(raw, max_output_size=out.nbytes), np.uint8)
    return encode, decode


LZ4_BLOCK = 1 << 30  # the HDF5 LZ4 filter's block size when none is given (nbytes=0)


def _lz4(options: dict, dtype: np.dtype) -> tuple[Encode, Decode]:
    import lz4.block

    def encode(chunk: np.ndarray) -> bytes:
        # HDF5 LZ4 filter format: >Q raw size, >I block size, then per block >I size + LZ4 block
        # (a block that does not shrink is stored as is).
        raw = chunk.tobytes()
        parts = [struct.pack(">QI", len(raw), min(len(raw), LZ4_BLOCK))]
        for start in range(0, len(raw), LZ4_BLOCK):
            block = raw[start:start + LZ4_BLOCK]
            packed = lz4.block.compress(block, store_size=False)
            if len(packed) >= len(block):
                packed = block
            parts += [struct.pack(">I", len(packed)), packed]
        return b"".join(parts)

    def decode(raw: bytes, out: np.ndarray) -> None:
        total, block = struct.unpack(">QI", raw[:12])
        dst = out.reshape(-1).view(np.uint8)
        pos, done = 12, 0
        while done < total:
            (size,) = struct.unpack(">I", raw[pos:pos + 4])
            pos += 4
            want = min(block, total - done)
            piece = raw[pos:pos + size]
            dst[done:done + want] = np.frombuffer(
                piece if size == want else lz4.block.decompress(piece, uncompressed_size=want), np.uint8)
            pos += size
            done += want
    return encode, decode


def _bitshuffle(options: dict, dtype: np.dtype) -> tuple[Encode, Decode]:
    import bitshuffle

    block = max(8, (8192 // dtype.itemsize) // 8 * 8)  # elements: bitshuffle's default target of 8 KiB
    use_zstd = options.get("cname") == "zstd"
    level = int(options.get("clevel", 3))

    def encode(chunk: np.ndarray) -> bytes:
        # HDF5 bitshuffle filter format: >Q raw size, >I block size in bytes, then the stream.
        flat = np.ascontiguousarray(chunk).reshape(-1)
        body = bitshuffle.compress_zstd(flat, block, level) if use_zstd else bitshuffle.compress_lz4(flat, block)
        return struct.pack(">QI", chunk.nbytes, block * dtype.itemsize) + body.tobytes()

    def decode(raw: bytes, out: np.ndarray) -> None:
        _, block_bytes = struct.unpack(">QI", raw[:12])
        body = np.frombuffer(raw, np.uint8, offset=12)
        fn = bitshuffle.decompress_zstd if use_zstd else bitshuffle.decompress_lz4
        out.reshape(-1)[:] = fn(body, (out.size,), out.dtype, block_bytes // dtype.itemsize)
    return encode, decode


def _blosc2(options: dict, dtype: np.dtype) -> tuple[Encode, Decode]:
    import blosc2

    filters = {"SHUFFLE": blosc2.Filter.SHUFFLE, "BITSHUFFLE": blosc2.Filter.BITSHUFFLE,
               "DELTA": blosc2.Filter.DELTA, "NOFILTER": blosc2.Filter.NOFILTER}
    cparams = blosc2.CParams(codec=getattr(blosc2.Codec, str(options.get("cname", "blosclz")).upper()),
                             clevel=int(options.get("clevel", 5)),
                             filters=[filters[str(options.get("filters", "SHUFFLE"))]], typesize=dtype.itemsize,
                             nthreads=1)

    def encode(chunk: np.ndarray) -> bytes:
        # The hdf5plugin Blosc2 filter stores each chunk as a b2nd frame of one chunk.
        arr = blosc2.asarray(np.ascontiguousarray(chunk), chunks=chunk.shape, cparams=cparams)
        return bytes(arr.to_cframe())

    def decode(raw: bytes, out: np.ndarray) -> None:
        frame = blosc2.ndarray_from_cframe(raw)
        out.reshape(-1).view(np.uint8)[:] = np.frombuffer(frame.schunk.decompress_chunk(0), np.uint8)
    return encode, decode


# By filter family of the codec configuration (see configs.CODECS).
DIRECT: dict[str, DirectCodec] = {
    "zstd": DirectCodec("zstandard", _zstd),
    "lz4": DirectCodec("lz4", _lz4),
    "bitshuffle": DirectCodec("bitshuffle", _bitshuffle),
    "blosc2": DirectCodec("blosc2", _blosc2),
}


def family(codec_name: str) -> str | None:
    """Which direct implementation serves a codec configuration, if any."""
    for prefix in ("bitshuffle", "blosc2", "zstd", "lz4"):
        if codec_name == prefix or codec_name.startswith(prefix + "-"):
            return prefix
    return None


def reason_unavailable(codec_name: str) -> str | None:
    fam = family(codec_name)
    if fam is None:
        return "no direct-chunk implementation for this codec (bitshuffle, Blosc2, LZ4 and Zstd have one)"
    package = DIRECT[fam].package
    if importlib.util.find_spec(package) is None:
        return f"direct chunk I/O needs the Python package {package} (pip install 'knowhow[bench]')"
    return None


def codec_pair(codec_name: str, options: dict, dtype: np.dtype) -> tuple[Encode, Decode]:
    fam = family(codec_name)
    if fam is None:
        raise ValueError(f"no direct-chunk implementation for {codec_name}")
    return DIRECT[fam].make(options, np.dtype(dtype))


def chunk_origins(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(0, n, c) for n, c in zip(shape, chunks)))


def write_chunks(ds, data: np.ndarray, chunks: tuple[int, ...], encode: Encode) -> None:
    """Encode every chunk with the library and store it as is (edge chunks padded, as HDF5 does)."""
    pad = np.zeros(chunks, dtype=data.dtype)
    for origin in chunk_origins(data.shape, chunks):
        sel = tuple(slice(o, min(o + c, n)) for o, c, n in zip(origin, chunks, data.shape))
        block = data[sel]
        if block.shape != tuple(chunks):
            pad[...] = 0
            pad[tuple(slice(0, s) for s in block.shape)] = block
            block = pad
        ds.id.write_direct_chunk(origin, encode(np.ascontiguousarray(block)))


def read_chunks(ds, out: np.ndarray, chunks: tuple[int, ...], decode: Decode) -> None:
    """Read every stored chunk as bytes and decode it into `out`."""
    buf = np.empty(chunks, dtype=out.dtype)
    for origin in chunk_origins(out.shape, chunks):
        _mask, raw = ds.id.read_direct_chunk(origin)
        sel = tuple(slice(o, min(o + c, n)) for o, c, n in zip(origin, chunks, out.shape))
        target = out[sel]
        if target.shape == tuple(chunks) and target.flags.c_contiguous:
            decode(raw, target)  # straight into the result
        else:
            decode(raw, buf)
            out[sel] = buf[tuple(slice(0, s.stop - s.start) for s in sel)]
