"""A user's own HDF5 file as benchmark input, treated as untrusted.

An HDF5 file can make the library read other files: external raw storage, external links and
virtual-dataset sources name them, and a crafted file can point at anything (`/proc/self/
environ`, `~/.ssh/...`), whose bytes would then end up in our results. So nothing outside the
file's own folder is read unless the user allows it; external links are never followed by
HDF5 itself (we walk the path and check each hop); a virtual dataset whose source is missing
is refused (HDF5 would silently return fill values). Only a bounded sample is read, chunk by
chunk. Every problem ends as one line naming the file.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .datasets import Noise, Sample
from .entropy import zero_order_entropy_bits

log = logging.getLogger(__name__)

MAX_LINK_HOPS = 32
MAX_LISTED = 2000
READ_SLAB_BYTES = 8 << 20


class UserFileError(Exception):
    """One line that says what is wrong with the user's file and what to do."""


def parse_target(target: str) -> tuple[Path, str | None]:
    """'file.h5:/entry/data' → (Path('file.h5'), '/entry/data'); a bare existing file → (path, None)."""
    if os.path.exists(target) or ":/" not in target:
        return Path(target), None
    file_part, _, dset = target.partition(":/")
    return Path(file_part), "/" + dset


def _inside(root: Path, candidate: Path) -> bool:
    real = Path(os.path.realpath(candidate))
    return real == root or root in real.parents


def _resolve(root: Path, name: str) -> Path:
    """Where HDF5 will look for a file named in the file, with the folder as working directory."""
    p = Path(name)
    return p if p.is_absolute() else root / p


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    # HDF5 resolves relative external-storage and VDS names against the working directory.
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def _h5():
    import h5py
    import hdf5plugin  # noqa: F401  so files written with plugin filters can be read

    return h5py


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def open_file(path: Path):
    """Open read-only, or UserFileError for missing, non-regular, non-HDF5 and corrupt files."""
    h5py = _h5()
    if not path.exists():
        raise UserFileError(f"{path}: no such file")
    if not path.is_file():
        raise UserFileError(f"{path}: not a regular file")
    try:
        is_h5 = h5py.is_hdf5(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        raise UserFileError(f"{path}: cannot read ({_why(exc)})") from None
    if not is_h5:
        raise UserFileError(f"{path}: not an HDF5 file (no HDF5 signature); give an .h5/.nxs/.hdf5 file")
    try:
        return h5py.File(path, "r")
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise UserFileError(f"{path}: corrupt or truncated HDF5 file, cannot open it ({_why(exc)})") from None


class Guard:
    """The trust boundary of one user file: its real folder, and whether crossing it is allowed."""

    def __init__(self, path: Path, allow_external: bool = False):
        self.path = path
        self.root = Path(os.path.realpath(path)).parent
        self.allow = allow_external
        if not allow_external:
            for var in ("HDF5_EXTFILE_PREFIX", "HDF5_VDS_PREFIX", "HDF5_EXT_PREFIX"):
                if os.environ.get(var):
                    raise UserFileError(f"{path}: {var} is set, so HDF5 may read files outside the file's folder; "
                                        "unset it or pass --allow-external")

    def check(self, what: str, name: str) -> Path:
        """The resolved path of a referenced file; refused if it leaves the folder (unless allowed)."""
        target = _resolve(self.root, name)
        if not self.allow and not _inside(self.root, target):
            raise UserFileError(f"{self.path}: {what} points outside the file's folder ({name}); refused — "
                                "pass --allow-external if you trust this file")
        return target


def navigate(f, dset_path: str, guard: Guard, files: list) -> object:
    """Walk to a dataset hop by hop, checking soft and external links; HDF5 never follows them."""
    h5py = _h5()
    current, parts, hops = f, [p for p in dset_path.split("/") if p], 0
    group = f["/"]
    while parts:
        name = parts.pop(0)
        link = group.get(name, getlink=True)
        if link is None:
            raise UserFileError(f"{guard.path}: no dataset {dset_path!r} (no {name!r} in {group.name}); "
                                f"run `knowhow bench {guard.path}` to list the datasets")
        hops += 1
        if hops > MAX_LINK_HOPS:
            raise UserFileError(f"{guard.path}: {dset_path!r}: too many link hops (a link loop?)")
        if isinstance(link, h5py.SoftLink):
            target = link.path
            base = [] if target.startswith("/") else [p for p in group.name.split("/") if p]
            parts = base + [p for p in target.split("/") if p] + parts
            group = current["/"]
            continue
        if isinstance(link, h5py.ExternalLink):
            target = guard.check(f"external link {group.name.rstrip('/')}/{name}", link.filename)
            if not target.exists():
                raise UserFileError(f"{guard.path}: external link {name!r} points to a missing file ({link.filename})")
            current = open_file(target)
            files.append(current)
            group = current["/"]
            parts = [p for p in link.path.split("/") if p] + parts
            continue
        obj = group[name]
        if parts:
            if not isinstance(obj, h5py.Group):
                raise UserFileError(f"{guard.path}: {dset_path!r}: {obj.name} is not a group")
            group = obj
        else:
            if not isinstance(obj, h5py.Dataset):
                raise UserFileError(f"{guard.path}: {dset_path!r} is a group, not a dataset; "
                                    f"run `knowhow bench {guard.path}` to list the datasets")
            return obj
    raise UserFileError(f"{guard.path}: give a dataset path after the file name, e.g. {guard.path}:/entry/data")


def check_dataset(ds, guard: Guard, shown: str) -> dict:
    """Refuse what cannot be sampled safely; describe the rest (layout, filters, references)."""
    h5py = _h5()
    dtype = ds.dtype
    if dtype.kind not in "iuf" or dtype.itemsize > 8 or dtype.fields:
        raise UserFileError(f"{shown}: not a numeric array (dtype {dtype}); codecs are benchmarked on "
                            "integer and float arrays")
    if ds.shape is None or len(ds.shape) == 0 or ds.size == 0:
        raise UserFileError(f"{shown}: empty or scalar dataset, nothing to benchmark")
    plist = ds.id.get_create_plist()
    filters = []
    for i in range(plist.get_nfilters()):
        code, _flags, _values, fname = plist.get_filter(i)
        name = fname.decode(errors="replace") if isinstance(fname, bytes) else str(fname)
        filters.append(int(code))
        if not h5py.h5z.filter_avail(code):
            raise UserFileError(f"{shown}: needs HDF5 filter {code} ({name or 'unknown'}), which is not installed; "
                                "install its plugin and set HDF5_PLUGIN_PATH")
    for i in range(plist.get_external_count()):
        name, _offset, _size = plist.get_external(i)
        name = name.decode(errors="replace") if isinstance(name, bytes) else str(name)
        target = guard.check("external raw storage", name)
        if not target.exists():
            raise UserFileError(f"{shown}: external raw storage file missing ({name})")
    if ds.is_virtual:
        for vs in ds.virtual_sources():
            if vs.file_name == ".":
                continue
            fname = vs.file_name.replace("%b", guard.path.stem).replace("%%", "%")
            target = guard.check("virtual dataset source", fname)
            if not target.exists():
                raise UserFileError(f"{shown}: virtual dataset source missing ({vs.file_name}); HDF5 would "
                                    "silently return fill values, so it is refused")
            with open_file(target) as src:
                if vs.dset_name not in src:
                    raise UserFileError(f"{shown}: virtual dataset source {vs.file_name}:{vs.dset_name} missing")
    layout = {0: "compact", 1: "contiguous", 2: "chunked", 3: "virtual"}.get(plist.get_layout(), "other")
    return {"filters": filters, "layout": layout}


def sample_selection(shape: tuple[int, ...], itemsize: int, limit: int) -> tuple[slice, ...]:
    """The leading hyperslab that fits in `limit` bytes: whole trailing axes, fewer leading entries."""
    sel = list(shape)
    for axis in range(len(shape)):
        trailing = math.prod(sel[axis + 1:]) * itemsize
        if math.prod(sel[axis:]) * itemsize <= limit:
            break
        sel[axis] = max(1, limit // max(trailing, 1))
        if trailing <= limit:
            break
        sel[axis] = 1
    return tuple(slice(0, n) for n in sel)


def _read_block(ds, src: tuple[slice, ...]) -> np.ndarray:
    return ds[src]


def read_sample(ds, limit: int, shown: str) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Read the sample chunk by chunk into one preallocated array; never more than `limit` bytes."""
    sel = sample_selection(ds.shape, ds.dtype.itemsize, limit)
    shape = tuple(s.stop - s.start for s in sel)
    if ds.chunks is not None and math.prod(ds.chunks) * ds.dtype.itemsize > limit:
        raise UserFileError(f"{shown}: one chunk is {math.prod(ds.chunks) * ds.dtype.itemsize / 1e6:.1f} MB, more "
                            f"than the sample limit ({limit / 1e6:.1f} MB); raise --sample-mb")
    out = np.empty(shape, dtype=ds.dtype)
    try:
        blocks = ds.iter_chunks(sel) if ds.chunks is not None else _slabs(sel, ds.dtype.itemsize)
        for src in blocks:
            dst = tuple(slice(s.start - o.start, s.stop - o.start) for s, o in zip(src, sel))
            out[dst] = _read_block(ds, src)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise UserFileError(f"{shown}: cannot read the data: corrupt chunk or failing filter ({_why(exc)})") from None
    return out, sel


def _slabs(sel: tuple[slice, ...], itemsize: int) -> Iterator[tuple[slice, ...]]:
    row = math.prod(s.stop - s.start for s in sel[1:]) * itemsize
    step = max(1, READ_SLAB_BYTES // max(row, 1))
    for start in range(sel[0].start, sel[0].stop, step):
        yield (slice(start, min(start + step, sel[0].stop)), *sel[1:])


def bench_chunks(ds_chunks: tuple[int, ...] | None, shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """Chunks for the benchmark: the file's own (clipped to the sample), else one frame per chunk."""
    if ds_chunks:
        return tuple(min(c, n) for c, n in zip(ds_chunks, shape))
    if len(shape) == 1:
        return (min(shape[0], 1 << 16),)
    frame = [1] * (len(shape) - 2) + list(shape[-2:])
    while math.prod(frame) * itemsize > (16 << 20) and frame[-2] > 1:
        frame[-2] = max(1, frame[-2] // 2)
    return tuple(frame)


def estimate_sigma(a: np.ndarray) -> float | None:
    """Noise σ from neighbour differences along the last axis (median absolute deviation)."""
    if a.shape[-1] < 3:
        return None
    d = np.diff(a.astype(np.float64), axis=-1).reshape(-1)
    d = d[np.isfinite(d)]
    if d.size < 8:
        return None
    sigma = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2)
    return sigma or None


def load_sample(path: Path, dset_path: str, limit: int, allow_external: bool = False) -> Sample:
    """Open, check and sample one dataset of a user's file."""
    guard = Guard(path, allow_external)
    shown = f"{path}:{dset_path}"
    files: list = []
    f = open_file(path)
    files.append(f)
    try:
        with _in_folder(guard.root):
            try:
                ds = navigate(f, dset_path, guard, files)
                info = check_dataset(ds, guard, shown)
                data, sel = read_sample(ds, limit, shown)
                chunks = bench_chunks(ds.chunks, data.shape, data.dtype.itemsize)
                full_shape = list(ds.shape)
            except (OSError, RuntimeError, ValueError, KeyError) as exc:  # broken metadata on the way
                raise UserFileError(f"{shown}: corrupt HDF5 metadata ({_why(exc)})") from None
    finally:
        for h in reversed(files):
            with contextlib.suppress(Exception):
                h.close()
    sigma = estimate_sigma(data)
    noise = Noise(lossless_bits=0.0, sigma=np.full(1, sigma) if sigma else None, estimated=True)
    params = {"file": path.name, "dataset": dset_path, "full_shape": full_shape,
              "sample": [[s.start, s.stop] for s in sel], "layout": info["layout"], "filters_in_file": info["filters"],
              "zero_order_entropy_bits": round(zero_order_entropy_bits(data), 4),
              "noise_sigma_estimate": sigma}
    name = f"{path.name}:{dset_path}"
    return Sample(name, "user file", f"{name} (sample of {full_shape})", data, chunks, noise, params)


def sample_source(path: Path, dset_path: str, limit: int, allow_external: bool = False) -> Callable[[], Sample]:
    """Check and read now (so errors come before the run starts); hand the sample over later."""
    sample = load_sample(path, dset_path, limit, allow_external)
    return lambda: sample


def list_datasets(path: Path, allow_external: bool = False) -> list[dict]:
    """Candidate datasets of a file: numeric arrays reachable by hard links, links listed, not followed."""
    h5py = _h5()
    Guard(path, allow_external)
    out: list[dict] = []
    seen: set = set()
    with open_file(path) as f:
        stack = [f["/"]]
        while stack and len(out) < MAX_LISTED:
            group = stack.pop()
            try:
                names = sorted(group.keys())
            except (OSError, RuntimeError) as exc:
                raise UserFileError(f"{path}: corrupt HDF5 metadata in {group.name} ({_why(exc)})") from None
            for name in names:
                full = f"{group.name.rstrip('/')}/{name}"
                link = group.get(name, getlink=True)
                if isinstance(link, h5py.ExternalLink):
                    out.append({"path": full, "shape": None, "dtype": None, "chunks": None, "filters": [],
                                "note": f"external link to {link.filename}:{link.path} (not followed)"})
                    continue
                if isinstance(link, h5py.SoftLink):
                    continue  # its target is listed where it lives
                try:
                    obj = group[name]
                except (OSError, RuntimeError, KeyError) as exc:
                    out.append({"path": full, "shape": None, "dtype": None, "chunks": None, "filters": [],
                                "note": f"unreadable ({_why(exc)})"})
                    continue
                addr = obj.id.__hash__()
                if addr in seen:
                    continue
                seen.add(addr)
                if isinstance(obj, h5py.Group):
                    stack.append(obj)
                elif isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf" and obj.shape and obj.size > 1:
                    plist = obj.id.get_create_plist()
                    filters = [int(plist.get_filter(i)[0]) for i in range(plist.get_nfilters())]
                    note = []
                    if obj.is_virtual:
                        note.append("virtual")
                    if plist.get_external_count():
                        note.append("external raw storage")
                    out.append({"path": full, "shape": list(obj.shape), "dtype": str(obj.dtype),
                                "chunks": list(obj.chunks) if obj.chunks else None, "filters": filters,
                                "note": ", ".join(note)})
    out.sort(key=lambda r: -(math.prod(r["shape"]) if r["shape"] else 0))
    return out
