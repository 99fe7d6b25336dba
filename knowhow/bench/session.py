"""One benchmark session: plan the pairs, estimate the time, run them, write the results."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import configs, provenance, report, runner
from .configs import Codec
from .datasets import DatasetSpec, Sample, get_dataset
from .suite import Profile

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
    return Session(profile.name, sources, wanted_codecs, settings)


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
        pairs = runner.plan([(unit, session.codecs)], session.settings)
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
    t0 = time.perf_counter()
    rows: list[dict] = []
    done = [0]
    total = len(session.sources) * len(session.codecs)

    def counted(i: int, n: int, row: dict) -> None:
        done[0] += 1
        if progress:
            progress(done[0], total, row)

    samples: list[Sample] = []
    described: list[dict] = []
    if session.scheduler:
        from .distributed import run_on_dask

        samples = [make() for make in session.sources]
        pairs = runner.plan([(s, session.codecs) for s in samples], session.settings)
        rows = run_on_dask(pairs, session.settings, session.scheduler, progress=counted)
    else:
        isolation = runner.ForkServer()
        for make in session.sources:
            sample = make()
            pairs = runner.plan([(sample, session.codecs)], session.settings)
            rows.extend(runner.run(pairs, session.settings, isolation, progress=counted))
            described.append(sample.describe())
            del sample  # one dataset in memory at a time
    described = described or [s.describe() for s in samples]
    prov = provenance.finish(prov, time.perf_counter() - t0)
    settings = {"reps": session.settings.reps, "timeout_s": session.settings.timeout_s,
                "lossy_integers": session.settings.lossy_integers}
    doc = report.document(rows, profile=session.profile, samples=described,
                          codecs=[c.describe() for c in session.codecs], provenance=prov,
                          energy_model=session.settings.energy.describe(), settings=settings)
    changed = report.write(out_dir, doc)
    return doc, changed


def summary_lines(doc: dict) -> list[str]:
    """End-of-run summary: counts by status, and the best measured codec per dataset."""
    rows = doc["results"]
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in report.STATUSES}
    lines = [", ".join(f"{n} {s}" for s, n in counts.items()) + f" in {doc['provenance'].get('elapsed_s')} s"]
    by_ds: dict[str, list[dict]] = {}
    for r in rows:
        if r["status"] == "ok" and r.get("ratio") and r["codec"] not in ("memcpy", "none-contiguous", "none-chunked"):
            by_ds.setdefault(r["dataset"], []).append(r)
    for ds, rs in by_ds.items():
        best = max(rs, key=lambda r: r["ratio"])
        frac = f", {best['bound_fraction']:.0%} of its bound" if best.get("bound_fraction") else ""
        lines.append(f"  {ds}: best ratio {best['ratio']:.2f} with {best['codec']}{frac}")
    for r in rows:
        if r["status"] == "failed":
            lines.append(f"  FAILED {r['dataset']} × {r['codec']}: {r['reason']}")
    return lines
