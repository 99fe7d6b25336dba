"""One benchmark session: plan the pairs, estimate the time, run them, write the results."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import configs, provenance, report, runner
from .configs import Codec
from .datasets import DatasetSpec, Sample, get_dataset
from .suite import Profile
from .userfile import printable

log = logging.getLogger(__name__)

Echo = Callable[[str], None]


@dataclass
class Session:
    """What to run and how; `samples` are produced lazily, one dataset at a time."""

    profile: str
    sources: list[Callable[[], Sample]]
    codecs: list[Codec]
    settings: runner.Settings
    scheduler: str | None = None
    estimate_units: list[Sample] = field(default_factory=list)  # small stand-ins for the estimate
    extra: dict[str, list[Codec]] = field(default_factory=dict)  # per dataset name: dimension variants
    exposure: dict = field(default_factory=dict)  # the profile's exposure sweep (levels, codecs, frames)
    real_data: Path | None = None  # folder with the real calibration frames, when at hand

    def codecs_for(self, name: str) -> list[Codec]:
        return self.codecs + self.extra.get(name, [])


def suite_session(profile: Profile, settings: runner.Settings, datasets: Iterable[str] = (),
                  codecs: Iterable[str] = (), scale: float = 1.0) -> Session:
    """The bundled suite's session for a profile, optionally restricted to some names."""
    wanted_ds = [d for d in profile.datasets if not datasets or d in set(datasets)]
    wanted_codecs = [configs.get_codec(c) for c in profile.codecs if not codecs or c in set(codecs)]
    sources = []
    for name in wanted_ds:
        spec = get_dataset(name)
        size = max(1, int(profile.datasets[name] * scale))
        sources.append(_lazy(spec, size))
    extra = {name: dimension_codecs(profile.dimensions, codecs) for name in wanted_ds
             if name in (profile.dimensions.get("datasets") or [])}
    return Session(profile.name, sources, wanted_codecs, settings, extra=extra,
                   exposure={} if datasets or codecs else dict(profile.exposure))


def dimension_codecs(dims: dict, only: Iterable[str] = ()) -> list[Codec]:
    """The variants a profile adds for its dimension datasets: threads, direct chunk I/O, chunking."""
    only = set(only)
    out: list[Codec] = []

    def keep(name: str) -> bool:
        return not only or name in only
    for n in dims.get("threads") or []:
        count = (os.cpu_count() or 1) if n == "all" else int(n)
        for name in dims.get("threads_codecs") or sorted(configs.THREADED):
            if keep(name):
                out.append(configs.get_codec(name).with_variant(f"threads={count}"))
    for name in dims.get("direct") or []:
        if keep(name):
            out.append(configs.get_codec(name).with_variant("direct"))
    for k in dims.get("chunking") or []:
        variant = f"tile={int(str(k)[4:])}" if str(k).startswith("tile") else f"chunk={int(k)}"
        for name in dims.get("chunk_codecs") or ["none-chunked"]:
            if keep(name):
                out.append(configs.get_codec(name).with_variant(variant))
    unique = {(c.name, c.variant): c for c in out}  # "all" may equal an explicit count
    return list(unique.values())


def _lazy(spec: DatasetSpec, size: int) -> Callable[[], Sample]:
    def make() -> Sample:
        return spec.generate(size)
    make.spec, make.size = spec, size  # type: ignore[attr-defined]
    return make


def estimate(session: Session, known: dict[tuple[str, str], tuple[float, float]] | None = None) -> tuple[float, int,
                                                                                                       int]:
    """(seconds, pairs to measure, pairs skipped) without generating the full datasets."""
    seconds, measured, skipped = 0.0, 0, 0
    for make in session.sources:
        spec, size = getattr(make, "spec", None), getattr(make, "size", None)
        if spec is not None:
            unit = spec.generate(min(size, 2) if spec.name != "scan-monitor-f64" else min(size, 4096))
            scale = size / unit.data.shape[0]
        else:
            unit, scale = make(), 1.0
        pairs = runner.plan([(unit, session.codecs_for(unit.name))], session.settings)
        skipped += sum(1 for *_, why in pairs if why)
        measured += sum(1 for *_, why in pairs if not why)
        per_unit = runner.estimate_seconds(pairs, session.settings, known)
        overhead = 0.15 * sum(1 for *_, why in pairs if not why)
        seconds += (per_unit - overhead) * scale + overhead
    return seconds, measured, skipped


def known_speeds(results_dir: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(dataset, codec) → (write, read) MB/s from a previous run, to sharpen the estimate."""
    try:
        doc = report.read(results_dir)
    except ValueError:
        return {}
    out = {}
    for r in doc.get("results", []):
        w, rd = r.get("write_mbps"), r.get("read_mbps")
        if w and rd:
            out[(r["dataset"], r["codec"])] = (w, rd)
    return out


def run(session: Session, out_dir: Path, progress: runner.ProgressFn | None = None,
        echo: Echo = lambda s: None) -> tuple[dict, list[Path]]:
    """Run every dataset of the session (locally or on Dask), write the results; return (doc, changed)."""
    threads = runner.pin_threads(1)
    scratch = runner.scratch_dir()
    mode = "dask" if session.scheduler else "forkserver"
    prov = provenance.collect(threads, scratch, mode)
    from . import metrics

    prov["memcpy_large"] = metrics.memcpy_large(metrics.llc_bytes())
    t0 = time.perf_counter()
    rows: list[dict] = []
    done = [0]
    total = len(session.sources) * len(session.codecs) + sum(len(v) for v in session.extra.values())

    def counted(i: int, n: int, row: dict) -> None:
        done[0] += 1
        if progress:
            progress(done[0], total, row)

    samples: list[Sample] = []
    described: list[dict] = []
    isolation = None
    with runner.terminate_as_interrupt():
        if session.scheduler:
            from .distributed import run_on_dask

            samples = [make() for make in session.sources]
            pairs = runner.plan([(s, session.codecs_for(s.name)) for s in samples], session.settings)
            rows = run_on_dask(pairs, session.settings, session.scheduler, progress=counted)
        else:
            isolation = runner.ForkServer()
            for make in session.sources:
                sample = make()
                pairs = runner.plan([(sample, session.codecs_for(sample.name))], session.settings)
                rows.extend(runner.run(pairs, session.settings, isolation, progress=counted))
                described.append(sample.describe())
                del sample  # one dataset in memory at a time
        from . import exposure

        sweep = exposure.run(session.exposure, session.real_data)
    described = described or [s.describe() for s in samples]
    metrics.add_relative(rows, prov["memcpy_large"])
    prov = provenance.finish(prov, time.perf_counter() - t0)
    prov["thread_variants"] = {name: sorted(int(c.variant.split("=")[1]) for c in group)
                               for name, group in _by_name(c for v in session.extra.values() for c in v
                                                           if c.variant.startswith("threads=")).items()}
    prov["memory"] = memory_peak(rows, described, isolation)
    settings = {"reps": session.settings.reps, "timeout_s": session.settings.timeout_s,
                "lossy_integers": session.settings.lossy_integers,
                "error_bound": list(session.settings.error_bound) if session.settings.error_bound else None}
    doc = report.document(rows, profile=session.profile, samples=described,
                          codecs=[c.describe() for c in _unique(session.codecs, session.extra)], provenance=prov,
                          energy_model=session.settings.energy.describe(), settings=settings, exposure=sweep)
    changed = report.write(out_dir, doc)
    return doc, changed


def _by_name(codecs: Iterable[Codec]) -> dict[str, list[Codec]]:
    out: dict[str, dict[str, Codec]] = {}
    for c in codecs:
        out.setdefault(c.name, {})[c.variant] = c
    return {name: list(v.values()) for name, v in sorted(out.items())}


def _unique(codecs: list[Codec], extra: dict[str, list[Codec]]) -> list[Codec]:
    seen: dict[str, Codec] = {}
    for c in [*codecs, *(c for v in extra.values() for c in v)]:
        seen.setdefault(c.name, c)
    return list(seen.values())


def memory_peak(rows: list[dict], described: list[dict], isolation) -> dict:
    """Peak memory of the whole process tree, as an upper bound from the kernel's high-water
    marks: this process + the fork server + the largest measuring child (one runs at a time)."""
    parent = runner.own_peak_bytes()
    server = isolation.server_peak_bytes() if isolation is not None else None
    child = max((r.get("peak_rss_bytes") or 0 for r in rows), default=0) or None
    largest = max((d.get("nbytes") or 0 for d in described), default=0)
    tree = sum(v for v in (parent, server, child) if v) or None
    from .metrics import llc_bytes, memcpy_buffer_bytes

    copy = 2 * memcpy_buffer_bytes(llc_bytes())  # source and destination of the memcpy reference
    bound = runner.memory_bound_bytes(largest) + copy
    return {"parent_peak_bytes": parent, "fork_server_peak_bytes": server, "largest_child_peak_bytes": child,
            "tree_peak_bytes": tree, "largest_sample_bytes": largest, "bound_bytes": bound,
            "bound_rule": f"{runner.MEMORY_BASE_BYTES >> 20} MiB + {runner.MEMORY_SAMPLE_FACTOR} × the largest sample"
                          f" + {copy >> 20} MiB for the memcpy reference",
            "within_bound": tree <= bound if tree else None}


def summary_lines(doc: dict) -> list[str]:
    """End-of-run summary: counts by status, and per dataset the best lossless and, apart, the best lossy codec."""
    from .recommend import measured

    rows = doc["results"]
    codecs = {c["name"]: c for c in doc.get("codecs", [])}
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in report.STATUSES}
    lines = [", ".join(f"{n} {s}" for s, n in counts.items()) + f" in {doc['provenance'].get('elapsed_s')} s"]
    for ds in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == ds]
        for lossy, what in ((False, "best lossless ratio"), (True, "best lossy ratio")):
            rs = measured(mine, lossy=lossy, codecs=codecs)
            if not rs:
                continue
            best = max(rs, key=lambda r: r["ratio"])
            frac = f", {best['bound_fraction']:.0%} of its bound" if best.get("bound_fraction") else ""
            lines.append(f"  {printable(ds)}: {what} {best['ratio']:.2f} with {best['codec']}{frac}")
    mem = doc["provenance"].get("memory") or {}
    if mem.get("tree_peak_bytes"):
        lines.append(f"peak memory of the process tree {mem['tree_peak_bytes'] / 1e6:.0f} MB for a largest sample of "
                     f"{mem['largest_sample_bytes'] / 1e6:.1f} MB (bound {mem['bound_bytes'] / 1e6:.0f} MB: "
                     f"{mem['bound_rule']})" + ("" if mem.get("within_bound") else " — OVER THE BOUND"))
    for r in rows:
        if r["status"] == "failed":
            lines.append(f"  FAILED {printable(r['dataset'])} × {r['codec']}: {printable(r['reason'])}")
    return lines
