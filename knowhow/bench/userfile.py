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
import itertools
import logging
import math
import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datasets import Noise, Sample
from .entropy import zero_order_entropy_bits

log = logging.getLogger(__name__)

MAX_LINK_HOPS = 32
MAX_LISTED = 2000


class UserFileError(Exception):
    """One line that says what is wrong with the user's file and what to do."""


def printable(text: object) -> str:
    """Text with control and format characters shown as escapes (\\n, \\x1b, \\u202e), so a name taken
    from a file can neither break a line of output nor move the terminal's cursor."""
    out = []
    for ch in str(text):
        if ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(ch.encode("unicode_escape").decode("ascii") if ch != "\\" else "\\\\")
        else:
            out.append(ch)
    return "".join(out)


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
    """Walk to a dataset hop by hop, checking soft and external links; HDF5 never follows them.

    Only link hops count towards MAX_LINK_HOPS (a path may be arbitrarily deep); a link met
    twice on the way is a loop and is named as one.
    """
    h5py = _h5()
    current, parts, hops = f, [p for p in dset_path.split("/") if p], 0
    group = f["/"]
    followed: list[str] = []
    shown = printable(dset_path)
    while parts:
        name = parts.pop(0)
        link = group.get(name, getlink=True)
        here = f"{group.name.rstrip('/')}/{name}"
        if link is None:
            raise UserFileError(f"{guard.path}: no dataset {shown!r} (no {printable(name)!r} in "
                                f"{printable(group.name)}); run `knowhow bench {guard.path}` to list the datasets")
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            key = f"{current.filename}:{here}"
            if key in followed:
                chain = " → ".join(printable(k.rsplit(":", 1)[-1]) for k in followed[followed.index(key):])
                raise UserFileError(f"{guard.path}: {shown!r}: link loop ({chain} → {printable(here)})")
            followed.append(key)
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise UserFileError(f"{guard.path}: {shown!r}: more than {MAX_LINK_HOPS} soft or external links "
                                    "to follow on the way; refused")
        if isinstance(link, h5py.SoftLink):
            target = link.path
            base = [] if target.startswith("/") else [p for p in group.name.split("/") if p]
            parts = base + [p for p in target.split("/") if p] + parts
            group = current["/"]
            continue
        if isinstance(link, h5py.ExternalLink):
            target = guard.check(f"external link {printable(here)}", link.filename)
            if not target.exists():
                raise UserFileError(f"{guard.path}: external link {printable(here)} points to a missing file "
                                    f"({printable(link.filename)})")
            current = open_file(target)
            files.append(current)
            group = current["/"]
            parts = [p for p in link.path.split("/") if p] + parts
            continue
        obj = group[name]
        if parts:
            if not isinstance(obj, h5py.Group):
                raise UserFileError(f"{guard.path}: {shown!r}: {printable(obj.name)} is not a group")
            group = obj
        else:
            if not isinstance(obj, h5py.Dataset):
                raise UserFileError(f"{guard.path}: {shown!r} is a group, not a dataset; "
                                    f"run `knowhow bench {guard.path}` to list the datasets")
            return obj
    raise UserFileError(f"{guard.path}: give a dataset path after the file name, e.g. {guard.path}:/entry/data")


def check_dataset(ds, guard: Guard, shown: str, depth: int = 0) -> dict:
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
        _check_virtual_sources(ds, guard, shown, depth)
    layout = {0: "compact", 1: "contiguous", 2: "chunked", 3: "virtual"}.get(plist.get_layout(), "other")
    pipeline = [plist.get_filter(i)[:3] for i in range(plist.get_nfilters())]
    return {"filters": filters, "layout": layout,
            "pipeline": [[int(c), int(fl), [int(v) for v in vals]] for c, fl, vals in pipeline]}


MAX_VDS_DEPTH = 4


def _check_virtual_sources(ds, guard: Guard, shown: str, depth: int) -> None:
    """Every source of a virtual dataset must exist and be reachable, or HDF5 silently returns
    fill values. A source in the same file (".") is walked like any path: an external link on
    its way to a missing file is refused just the same."""
    if depth >= MAX_VDS_DEPTH:
        raise UserFileError(f"{shown}: virtual dataset sources nested more than {MAX_VDS_DEPTH} deep; refused")
    seen: set[tuple[str, str]] = set()
    for vs in ds.virtual_sources():
        key = (vs.file_name, vs.dset_name)
        if key in seen:
            continue
        seen.add(key)
        where = f"{printable(vs.file_name)}:{printable(vs.dset_name)}"
        opened: list = []
        try:
            if vs.file_name == ".":
                src_file = ds.file
            else:
                fname = vs.file_name.replace("%b", guard.path.stem).replace("%%", "%")
                target = guard.check("virtual dataset source", fname)
                if not target.exists():
                    raise UserFileError(f"{shown}: virtual dataset source missing ({printable(vs.file_name)}); "
                                        "HDF5 would silently return fill values, so it is refused")
                src_file = open_file(target)
                opened.append(src_file)
            try:
                src = navigate(src_file, vs.dset_name, guard, opened)
            except UserFileError as exc:
                why = str(exc).removeprefix(f"{guard.path}: ")
                raise UserFileError(f"{shown}: virtual dataset source {where} cannot be read ({why}); HDF5 would "
                                    "silently return fill values, so it is refused") from None
            check_dataset(src, guard, f"{shown} (source {where})", depth + 1)
        finally:
            for h in opened:
                with contextlib.suppress(Exception):
                    h.close()


SAMPLE_STRATEGIES = ("spread", "first", "random")
MIN_UNIT_BYTES = 64 << 10  # chunks smaller than this are grouped (whole chunks) into one benchmark chunk


@dataclass(frozen=True)
class SamplePlan:
    """Which whole chunks of a dataset make the sample: a unit shape (whole chunks of the file)
    and the origins of the units taken, stacked along the first axis in the sample."""

    unit: tuple[int, ...]
    origins: tuple[tuple[int, ...], ...]
    file_chunk: tuple[int, ...]
    total_units: int
    strategy: str

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.origins) * self.unit[0], *self.unit[1:])

    def selection(self, origin: tuple[int, ...]) -> tuple[slice, ...]:
        return tuple(slice(o, o + u) for o, u in zip(origin, self.unit))


def frame_chunk(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """The chunk a contiguous dataset is read and benchmarked in: one frame (at most 16 MB)."""
    if len(shape) == 1:
        return (min(shape[0], 1 << 16),)
    frame = [1] * (len(shape) - 2) + list(shape[-2:])
    while math.prod(frame) * itemsize > (16 << 20) and frame[-2] > 1:
        frame[-2] = max(1, frame[-2] // 2)
    return tuple(frame)


def plan_sample(shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int, limit: int, shown: str,
                strategy: str = "spread", seed: int = 0) -> SamplePlan:
    """Whole chunks spread over the dataset (or the first ones, or a seeded random choice).

    A sample never cuts a chunk: its unit is the file's chunk (clipped to the dataset), grown to
    whole groups of chunks when chunks are tiny. `spread` takes units evenly over the dataset,
    so a tomography scan is not judged by its leading darks and flats.
    """
    if strategy not in SAMPLE_STRATEGIES:
        raise UserFileError(f"{shown}: unknown sample strategy {strategy!r} (use {', '.join(SAMPLE_STRATEGIES)})")
    file_chunk = tuple(min(c, n) for c, n in zip(chunks, shape)) if chunks else frame_chunk(shape, itemsize)
    unit = list(file_chunk)
    unit_bytes = math.prod(unit) * itemsize
    if unit_bytes > limit:
        raise UserFileError(f"{shown}: one chunk is {unit_bytes / 1e6:.1f} MB, more than the sample limit "
                            f"({limit / 1e6:.1f} MB); raise --sample-mb")
    for axis in reversed(range(len(shape))):  # group tiny chunks, innermost axis first
        if unit_bytes >= MIN_UNIT_BYTES:
            break
        want = math.ceil(MIN_UNIT_BYTES / unit_bytes)
        room = min(shape[axis] // unit[axis], max(1, limit // unit_bytes))
        unit[axis] *= max(1, min(want, room))
        unit_bytes = math.prod(unit) * itemsize
    counts = [n // u for n, u in zip(shape, unit)]
    total = math.prod(counts)
    n = max(1, min(total, limit // unit_bytes))
    if strategy == "first":
        idx = np.arange(n)
    elif strategy == "spread":
        idx = np.unique(np.round(np.linspace(0, total - 1, n)).astype(np.int64))
    else:
        idx = np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))
    grid = np.unravel_index(idx, counts)
    origins = tuple(tuple(int(g[i]) * u for g, u in zip(grid, unit)) for i in range(len(idx)))
    return SamplePlan(tuple(unit), origins, file_chunk, total, strategy)


def _read_block(ds, src: tuple[slice, ...]) -> np.ndarray:
    return ds[src]


def read_sample(ds, plan: SamplePlan, shown: str) -> np.ndarray:
    """Read the planned units chunk by chunk into one preallocated array."""
    out = np.empty(plan.shape, dtype=ds.dtype)
    step = plan.unit[0]
    try:
        for k, origin in enumerate(plan.origins):
            sel = plan.selection(origin)
            blocks = ds.iter_chunks(sel) if ds.chunks is not None else [sel]
            for src in blocks:
                dst = tuple(slice(s.start - o.start + (k * step if axis == 0 else 0),
                                  s.stop - o.start + (k * step if axis == 0 else 0))
                            for axis, (s, o) in enumerate(zip(src, sel)))
                out[dst] = _read_block(ds, src)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise UserFileError(f"{shown}: cannot read the data: corrupt chunk or failing filter ({_why(exc)})") from None
    return out


def stored_chunks(ds) -> set[tuple[int, ...]] | None:
    """Offsets of the chunks actually written (one pass over the chunk index), or None if unknown."""
    if ds.chunks is None or ds.is_virtual:
        return None
    found: set[tuple[int, ...]] = set()
    try:
        ds.id.chunk_iter(lambda info: found.add(tuple(info.chunk_offset)))
    except AttributeError:  # HDF5 < 1.12.3 has no chunk iterator
        for i in range(ds.id.get_num_chunks()):
            found.add(tuple(ds.id.get_chunk_info(i).chunk_offset))
    return found


def unwritten_units(ds, plan: SamplePlan) -> int:
    """How many units of the sample hold no stored chunk at all (they would read as fill values)."""
    if ds.is_virtual:
        return 0
    if ds.chunks is None:
        layout = ds.id.get_create_plist().get_layout()
        if layout == 1 and ds.id.get_storage_size() == 0 and not ds.id.get_create_plist().get_external_count():
            return len(plan.origins)
        return 0
    stored = stored_chunks(ds) or set()
    empty = 0
    for origin in plan.origins:
        ranges = [range(o, o + u, c) for o, u, c in zip(origin, plan.unit, ds.chunks)]
        if not any(tuple(off) in stored for off in itertools.product(*ranges)):
            empty += 1
    return empty


def bench_chunks(plan: SamplePlan) -> tuple[int, ...]:
    """Chunks for the benchmark: the file's own, or the grouped unit when the file's are tiny."""
    return plan.unit if plan.unit != plan.file_chunk else plan.file_chunk


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


def load_sample(path: Path, dset_path: str, limit: int, allow_external: bool = False, strategy: str = "spread",
                seed: int = 0, allow_fill: bool = False) -> Sample:
    """Open, check and sample one dataset of a user's file."""
    guard = Guard(path, allow_external)
    shown = f"{path}:{printable(dset_path)}"
    files: list = []
    f = open_file(path)
    files.append(f)
    try:
        with _in_folder(guard.root):
            try:
                ds = navigate(f, dset_path, guard, files)
                info = check_dataset(ds, guard, shown)
                plan = plan_sample(ds.shape, ds.chunks, ds.dtype.itemsize, limit, shown, strategy, seed)
                empty = unwritten_units(ds, plan)
                if empty == len(plan.origins) and not allow_fill:
                    fill = ds.fillvalue
                    raise UserFileError(f"{shown}: the sample holds no stored chunk, only the fill value ({fill}): "
                                        "nothing was written there, so a ratio would be meaningless; refused — "
                                        "pass --allow-fill to benchmark it anyway")
                data = read_sample(ds, plan, shown)
                full_shape = list(ds.shape)
                fill_value = ds.fillvalue
            except (OSError, RuntimeError, ValueError, KeyError) as exc:  # broken metadata on the way
                raise UserFileError(f"{shown}: corrupt HDF5 metadata ({_why(exc)})") from None
    finally:
        for h in reversed(files):
            with contextlib.suppress(Exception):
                h.close()
    sigma = estimate_sigma(data)
    noise = Noise(lossless_bits=0.0, sigma=np.full(1, sigma) if sigma else None, estimated=True)
    finite = np.isfinite(data) if data.dtype.kind == "f" else None
    params = {"file": path.name, "dataset": dset_path, "full_shape": full_shape, "layout": info["layout"],
              "filters_in_file": info["filters"], "pipeline_in_file": info["pipeline"],
              "chunks_in_file": list(plan.file_chunk) if info["layout"] == "chunked" else None,
              "sample_strategy": strategy, "sample_seed": seed if strategy == "random" else None,
              "sample_unit": list(plan.unit), "sample_units": len(plan.origins), "units_in_dataset": plan.total_units,
              "sample_first_origins": [list(o) for o in plan.origins[:8]],
              "sample_unwritten_units": empty, "fill_value": _plain(fill_value),
              "nonfinite_values": int(finite.size - finite.sum()) if finite is not None else 0,
              "zero_order_entropy_bits": round(zero_order_entropy_bits(data), 4),
              "noise_sigma_estimate": sigma}
    name = f"{path.name}:{dset_path}"
    return Sample(name, "user file", f"{name} (sample of {full_shape})", data, bench_chunks(plan), noise, params)


def _plain(value: object) -> object:
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    return value if isinstance(value, (int, float, str)) and value == value else None


def sample_source(path: Path, dset_path: str, limit: int, allow_external: bool = False, **options) -> Callable[[],
                                                                                                            Sample]:
    """Check and read now (so errors come before the run starts); hand the sample over later."""
    sample = load_sample(path, dset_path, limit, allow_external, **options)
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
