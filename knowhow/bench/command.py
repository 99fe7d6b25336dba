"""`knowhow bench`: run the bundled suite, or the same codecs on your own HDF5 files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .userfile import printable


def _fmt_row(i: int, n: int, row: dict) -> str | None:
    if row["status"] == "skipped":
        return None
    variant = row.get("variant")
    head = f"[{i:>3}/{n}] {printable(row['dataset'])} × {row['codec']}" + (
        f" [{variant}]" if variant and variant != "reference" else "")
    if row["status"] == "failed":
        return f"{head}: FAILED {printable(row.get('reason'))}"
    bits = []
    if row.get("ratio"):
        frac = f" ({row['bound_fraction']:.0%} of bound)" if row.get("bound_fraction") else ""
        bits.append(f"ratio {row['ratio']:.2f}{frac}")
    if row.get("write_mbps"):
        bits.append(f"write {row['write_mbps']:.0f} MB/s, read {row['read_mbps']:.0f} MB/s")
    if row.get("max_error") is not None:
        bits.append(f"max err {row['max_error']:.3g}")
    if row["status"] == "stored-raw":
        bits.append("STORED RAW")
    return f"{head}: " + "; ".join(bits)


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


@click.command()
@click.argument("targets", nargs=-1, metavar="[FILE.h5[:/dataset/path]]...")
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="Bundled suite profile (ignored for your own files, which use the profile's codecs).")
@click.option("--suite", "suite_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Suite definition [default: the one shipped with the package].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder [default: codecs/results for the suite, bench-results for files].")
@click.option("--codec", "codec_names", multiple=True, help="Only these codec configurations (repeatable).")
@click.option("--dataset", "dataset_names", multiple=True, help="Only these generated datasets (repeatable).")
@click.option("--reps", type=click.IntRange(1, 50), help="Repetitions per measurement [default: from profile].")
@click.option("--timeout", type=click.FloatRange(0.1), help="Seconds per measurement before it counts as failed.")
@click.option("--sample-mb", type=click.FloatRange(0.01), default=64.0, show_default=True,
              help="Largest sample read from a dataset of your file (read chunk by chunk).")
@click.option("--sample", "strategy", type=click.Choice(["spread", "first", "random"]), default="spread",
              show_default=True, help="Which whole chunks of your dataset make the sample: spread evenly over it, "
              "the first ones, or a seeded random choice.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample random.")
@click.option("--allow-fill", is_flag=True,
              help="Benchmark a sample even if no chunk of it was ever written (it holds only the fill value).")
@click.option("--allow-external", is_flag=True,
              help="Follow external links, external raw storage and virtual-dataset sources outside the file's folder.")
@click.option("--lossy-integers", is_flag=True, help="Also run lossy codecs on integer data.")
@click.option("--error-bound", "error_bound", metavar="MODE:VALUE",
              help="Error bound of every bounded lossy codec: abs:VALUE (data units), range:FRACTION (of the value "
                   "range) or sigma:MULTIPLE (of the noise σ) [default: each codec's own σ multiple].")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask cluster (tcp://host:8786); needs the 'dask' extra.")
@click.option("--watts-per-core", type=click.FloatRange(0), default=12.0, show_default=True, help="Energy model.")
@click.option("--pue", type=click.FloatRange(1.0), default=1.67, show_default=True, help="Data-centre PUE.")
@click.option("--grid-intensity", type=click.FloatRange(0), default=75.0, show_default=True,
              help="Grid carbon intensity, gCO2e/kWh (75: France, as in the LEAPS data strategy talk).")
@click.option("--real-data", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder with the real calibration frames (Pilatus AgBeh, FOCUS counts) for the exposure curves.")
@click.option("--list", "list_only", is_flag=True, help="List datasets of FILE (or the suite's datasets and codecs).")
def bench(targets: tuple[str, ...], profile: str, suite_path: Path, out_dir: Path | None,
          codec_names: tuple[str, ...], dataset_names: tuple[str, ...], reps: int | None, timeout: float | None,
          sample_mb: float, strategy: str, seed: int, allow_fill: bool, allow_external: bool, lossy_integers: bool,
          error_bound: str | None, scheduler: str | None,
          watts_per_core: float, pue: float, grid_intensity: float, real_data: Path | None, list_only: bool) -> None:
    """Benchmark hdf5plugin and h5py codecs on PaN-like data, or on your own HDF5 files.

    Without FILE, runs the bundled suite (`--profile quick`, about two minutes on 2 cores) and
    writes codecs/results/. With FILE.h5:/path, runs the same codecs on a bounded sample of
    that dataset; with FILE.h5 alone, lists the candidate datasets.
    """
    from . import configs, runner, session
    from .metrics import EnergyModel
    from .suite import SuiteError, bundled_suite, load_suite

    suite_path = suite_path or bundled_suite()
    try:
        profiles = load_suite(suite_path)
    except SuiteError as exc:
        raise click.ClickException(str(exc)) from None
    prof = profiles.get(profile)
    if prof is None:
        raise click.ClickException(f"{suite_path}: no profile {profile!r} (have: {', '.join(profiles)})")
    unknown = [c for c in codec_names if c not in {x.name for x in configs.CODECS}]
    if unknown:
        raise click.ClickException(f"unknown codec {unknown[0]!r}; see `knowhow bench --list`")
    missing = [d for d in dataset_names if d not in prof.datasets]
    if missing:
        raise click.ClickException(f"dataset {missing[0]!r} is not in profile {profile!r} "
                                   f"(have: {', '.join(prof.datasets)})")
    try:
        bound = runner.parse_error_bound(error_bound) if error_bound else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    settings = runner.Settings(reps=reps or prof.reps, timeout_s=timeout or prof.timeout_s,
                               energy=EnergyModel(watts_per_core, pue, grid_intensity), lossy_integers=lossy_integers,
                               error_bound=bound)

    if targets:
        sess = _user_session(targets, prof, settings, codec_names, sample_mb, allow_external, list_only,
                             {"strategy": strategy, "seed": seed, "allow_fill": allow_fill})
        if sess is None:
            return
        out = out_dir or Path("bench-results")
    else:
        if list_only:
            _list_suite(prof)
            return
        sess = session.suite_session(prof, settings, dataset_names, codec_names)
        sess.real_data = real_data
        out = out_dir or default_results_dir()
    sess.scheduler = scheduler

    known = session.known_speeds(out)
    seconds, n_measure, n_skip = session.estimate(sess, known)
    if not targets and prof.budget_s and seconds > prof.budget_s * 1.3:
        scale = max(0.2, prof.budget_s / seconds)
        sess = session.suite_session(prof, settings, dataset_names, codec_names, scale=scale)
        sess.scheduler = scheduler
        sess.real_data = real_data
        click.echo(f"estimate {_minutes(seconds)} is over the {prof.budget_s} s budget: datasets scaled to {scale:.0%}")
        seconds, n_measure, n_skip = session.estimate(sess, known)
    source = "previous run" if known else "typical speeds"
    click.echo(f"{len(sess.sources)} datasets × {len(sess.codecs)} codecs: {n_measure} measurements, "
               f"{n_skip} not applicable (skipped); estimated {_minutes(seconds)} (from {source}), "
               f"{settings.reps} repetitions each")

    def progress(i: int, n: int, row: dict) -> None:
        line = _fmt_row(i, n, row)
        if line:
            click.echo(line)

    try:
        doc, changed = session.run(sess, out, progress=progress)
    except KeyboardInterrupt as exc:
        why = str(exc) or "SIGINT"
        click.echo(f"interrupted ({why}): scratch files removed, no results written", err=True)
        sys.exit(143 if why == "SIGTERM" else 130)
    except ImportError as exc:
        raise click.ClickException(f"{exc}; install the optional extra: pip install 'knowhow[dask]'") from None
    except OSError as exc:
        raise click.ClickException(f"cannot run the benchmark: {exc}") from None
    for line in session.summary_lines(doc):
        click.echo(line)
    if doc["provenance"].get("noisy"):
        click.echo(f"note: load average {doc['provenance'].get('load_average_start')} on "
                   f"{doc['provenance']['cpu'].get('logical_cpus')} CPUs: wall-clock speeds are noisy; "
                   f"MB per CPU-second is the stable column")
    click.echo(f"wrote {out} ({len(changed)} files changed)")
    sys.exit(0)


def default_results_dir() -> Path:
    """codecs/results in a checkout (where the site reads it), else ./bench-results."""
    return Path("codecs") / "results" if Path("codecs").is_dir() else Path("bench-results")


def _list_suite(prof) -> None:
    from . import configs
    from .datasets import get_dataset

    click.echo(f"profile {prof.name}: {prof.description}")
    for name, size in prof.datasets.items():
        spec = get_dataset(name)
        click.echo(f"  dataset {name} ({spec.kind}), size {size}")
    for name in prof.codecs:
        c = configs.get_codec(name)
        click.echo(f"  codec {name}: {c.label}" + (f" — {c.note}" if c.note else ""))
    for key, value in sorted(prof.dimensions.items()):
        click.echo(f"  dimension {key}: {', '.join(map(str, value))}")
    if prof.exposure:
        click.echo(f"  exposure: {', '.join(map(str, prof.exposure.get('levels') or []))} counts per pixel; "
                   f"codecs {', '.join(prof.exposure.get('codecs') or [])}")


def _user_session(targets, prof, settings, codec_names, sample_mb, allow_external, list_only, options):
    from . import configs
    from .session import Session
    from .userfile import UserFileError, list_datasets, parse_target, printable, sample_source

    sources = []
    extra: dict = {}
    for target in targets:
        path, dset = parse_target(target)
        try:
            if dset is None or list_only:
                rows = list_datasets(path, allow_external=allow_external)
                click.echo(f"{path}: {len(rows)} candidate datasets")
                for r in rows:
                    click.echo(f"  {path}:{printable(r['path'])}  {r['shape']} {r['dtype']} chunks={r['chunks']} "
                               f"filters={r['filters']}" + (f"  ({printable(r['note'])})" if r.get("note") else ""))
                continue
            make = sample_source(path, dset, int(sample_mb * 1e6), allow_external=allow_external, **options)
            sample = make()
            extra[sample.name] = [configs.as_stored(sample.params["pipeline_in_file"],
                                                    chunked=sample.params["layout"] == "chunked")]
            sources.append(make)
        except UserFileError as exc:
            raise click.ClickException(str(exc)) from None
    if not sources:
        return None
    names = codec_names or prof.codecs
    return Session("user", sources, [configs.get_codec(n) for n in names], settings, extra=extra)
