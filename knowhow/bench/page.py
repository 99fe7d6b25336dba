"""The Compression page of the site, rendered from a results folder (pure: reads, never writes).

`render_results_markdown(results_dir)` returns Markdown whose figures are inline static SVG
with their data table beside them (no JavaScript, no external resource). Every string that
comes from the results file (dataset names can come from a user's HDF5 file) is HTML-escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import recommend, report, svg
from .svg import esc

FIGURE = '<div class="bench-figure" style="display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start">'
TABLE = '<table class="bench-table">'
ROLE_TEXT = {"densest": "Densest", "balanced": "Balanced", "fastest": "Fastest", "lossy": "Lossy, within 0.1 σ"}


@dataclass
class Page:
    markdown: str
    charts: dict[str, str] = field(default_factory=dict)  # file name → SVG text


def render_results_markdown(results_dir: str | Path, **options) -> str:
    """Markdown of the Compression page for the results in `results_dir` (see `render_page`)."""
    return render_page(results_dir, **options).markdown


def render_charts(results_dir: str | Path, **options) -> dict[str, str]:
    """The page's charts as {file name: SVG text}, for a site that links rather than inlines them."""
    return render_page(results_dir, **options).charts


def render_page(results_dir: str | Path, *, chart_prefix: str | None = None, cores: int = 32,
                bandwidths_gbps: tuple[float, ...] = (1.0, 10.0, 25.0), storage_w_per_tb: float = 1.0,
                storage_years: float = 5.0, data_prefix: str | None = None) -> Page:
    """Markdown and charts. chart_prefix="charts/" links `<img>` files instead of inlining SVG;
    data_prefix="data/" adds download links to results.csv / results.json at that location."""
    doc = report.read(results_dir)
    rows = doc["results"]
    codecs = {c["name"]: c for c in doc.get("codecs", [])}
    datasets = {d["name"]: d for d in doc.get("datasets", [])}
    page = Page("")
    out = ["# Compression benchmark", "", _intro(doc, data_prefix), ""]
    kinds: dict[str, list[str]] = {}
    for name, d in datasets.items():
        kinds.setdefault(d.get("kind") or "other", []).append(name)

    out += ["## Recommendations", "", _recommendations(kinds, rows, codecs), ""]
    for kind, names in kinds.items():
        out += [f"## {_md(kind[:1].upper() + kind[1:])}", ""]
        for name in names:
            out += _dataset_section(page, datasets[name], [r for r in rows if r["dataset"] == name], codecs,
                                    chart_prefix)
    out += ["## Effective throughput", "", _throughput(kinds, rows, codecs, cores, bandwidths_gbps), ""]
    out += ["## Energy and CO2", "", _energy(doc, kinds, rows, codecs, storage_w_per_tb, storage_years), ""]
    out += ["## All results", "", _full_table(rows, datasets), ""]
    out += ["## Skipped and failed configurations", "", _problems(rows), ""]
    out += ["## How these numbers were made", "", _provenance(doc), ""]
    page.markdown = "\n".join(out)
    return page


def _md(text: str) -> str:
    """Text for a Markdown heading: HTML-escaped, Markdown punctuation neutralised."""
    return re.sub(r"([\\`*_{}\[\]()#+!|-])", r"\\\1", esc(text))


def _n(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.{digits}g}"
    return esc(v)


def _pct(v) -> str:
    return "–" if v is None else (f"{v:.0%}" if v >= 0.1 else f"{v:.1%}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "data"


def _intro(doc: dict, data_prefix: str | None) -> str:
    prov = doc.get("provenance", {})
    sw = prov.get("software", {})
    cpu = prov.get("cpu", {})
    links = ""
    if data_prefix:
        links = (f' The numbers are data: <a href="{esc(data_prefix)}results.csv">results.csv</a> '
                 f'(Frictionless table) and <a href="{esc(data_prefix)}results.json">results.json</a>.')
    noisy = (" The machine was busy during the run (load average "
             f"{esc(prov.get('load_average_start'))} on {esc(cpu.get('logical_cpus'))} CPUs): wall-clock speeds "
             "are noisy, so rankings use MB per CPU-second.") if prov.get("noisy") else ""
    return (
        "<p>Every codec that h5py and hdf5plugin offer, run through HDF5 on generated PaN-like data whose noise "
        "model is known, so each ratio is compared with the Shannon (entropy) bound of that data, and each speed "
        "with memcpy and uncompressed HDF5 from the same run. Every result is validated: lossless round trips "
        "bit-exact, every chunk's filter mask checked (a filter that silently stored raw data is reported as "
        "such), lossy errors within their bound, the file re-read in a fresh process.</p>\n"
        f"<p>Profile <code>{esc(doc.get('profile'))}</code>, run {esc(prov.get('started_utc', ''))[:10]} on "
        f"{esc(cpu.get('model', '?'))} ({esc(cpu.get('logical_cpus', '?'))} logical CPUs), h5py "
        f"{esc(sw.get('h5py'))}, HDF5 {esc(sw.get('hdf5'))}, hdf5plugin {esc(sw.get('hdf5plugin'))}; one thread "
        f"per codec, {esc(doc.get('settings', {}).get('reps'))} repetitions; MB = 10<sup>6</sup> bytes of "
        f"uncompressed data.{noisy}{links}</p>")


def _recommendations(kinds: dict[str, list[str]], rows: list[dict], codecs: dict) -> str:
    items = []
    for kind, names in kinds.items():
        for name in names:
            picks = recommend.picks([r for r in rows if r["dataset"] == name], codecs)
            if not picks:
                items.append(f"<li><strong>{esc(kind)}</strong> (<code>{esc(name)}</code>): no codec passed every "
                             "check.</li>")
                continue
            parts = []
            merged: dict[str, list[str]] = {}
            for p in picks:  # one codec can win several roles: name it once
                merged.setdefault(p.row["codec"], []).append(ROLE_TEXT[p.role])
            for p in picks:
                r = p.row
                roles = merged.pop(r["codec"], None)
                if roles is None:
                    continue
                bound = f", {_pct(r['bound_fraction'])} of the bound" if r.get("bound_fraction") else ""
                note = codecs.get(r["codec"], {}).get("note")
                parts.append(f"{' and '.join(roles)}: <code>{esc(r['codec'])}</code> ({r['ratio']:.2f}×{bound}; "
                             f"write {_n(recommend.speed(r))}, read {_n(recommend.speed(r, 'read'))} MB/CPU-s"
                             + (f"; {esc(note)}" if note and p.role == "lossy" else "") + ")")
            items.append(f"<li><strong>{esc(kind)}</strong> (<code>{esc(name)}</code>): " + "; ".join(parts) + "</li>")
    rule = ("<p>Derived from the table below, per dataset: <em>densest</em> is the highest lossless ratio; "
            "<em>balanced</em> the fastest writer within 15 % of that ratio; <em>fastest</em> the best "
            "min(write, read) speed keeping at least half of it; <em>lossy</em> the highest ratio whose every "
            "error stayed within 0.1 σ of the data's noise (it adds ≤ 0.3 % to the noise variance).</p>")
    return rule + "\n<ul>\n" + "\n".join(items) + "\n</ul>"


def _dataset_section(page: Page, d: dict, rows: list[dict], codecs: dict, chart_prefix: str | None) -> list[str]:
    name = d["name"]
    bound = d.get("lossless_bound")
    sigma = d.get("noise_sigma")
    facts = [f"<code>{esc(d.get('dtype'))}</code> {esc(d.get('shape'))}, chunks {esc(d.get('chunks'))}, "
             f"{_n((d.get('nbytes') or 0) / 1e6)} MB"]
    if bound:
        facts.append(f"entropy {_n(d.get('entropy_bits_per_value'))} bit/value → lossless bound {_n(bound)}×")
    elif (d.get("params") or {}).get("zero_order_entropy_bits") is not None:
        facts.append(f"zero-order entropy {_n(d['params']['zero_order_entropy_bits'])} bit/value (an estimate, "
                     "not a bound: real data have no known noise model)")
    if sigma:
        facts.append(f"noise σ {_n(sigma)}" + (" (estimated)" if d.get("noise_sigma_estimated") else ""))
    if d.get("seed") is not None:
        facts.append(f"seed {esc(d['seed'])}")
    out = [f"### {_md(d.get('title') or name)}", "", f"<p><code>{esc(name)}</code>: " + "; ".join(facts) + ".</p>",
           ""]
    ok = [r for r in rows if r["status"] in ("ok", "stored-raw") and r.get("ratio")]
    if not ok:
        return out + ["<p>No configuration produced a validated result for this dataset.</p>", ""]
    good = recommend.measured(rows)
    front = {id(r) for r in recommend.pareto(good)}
    ref = {r["codec"]: r for r in rows if r["codec"] in recommend.BASELINES and r["status"] == "ok"}
    points = [svg.Point(recommend.speed(r), r["ratio"], r["codec"], id(r) in front,
                        bool(codecs.get(r["codec"], {}).get("lossy"))) for r in good]
    vlines = [(recommend.speed(ref[c]), label) for c, label in (("none-chunked", "HDF5 uncompressed"),
                                                                 ("memcpy", "memcpy")) if c in ref]
    hlines = [(bound, f"entropy bound {bound:.3g}×")] if bound else []
    slug = _slug(name)
    charts = {
        f"ratio-speed-{slug}.svg": svg.scatter(points, title=f"Ratio vs write speed: {name}",
                                               xlabel="write speed, MB per CPU-second (log)",
                                               ylabel="compression ratio", hlines=hlines, vlines=vlines),
        f"limits-{slug}.svg": svg.bars(
            [(r["codec"], [r.get("bound_fraction"), r.get("write_vs_chunked"), r.get("write_vs_memcpy")])
             for r in sorted(good, key=lambda r: -(r.get("bound_fraction") or 0))],
            [("ratio / entropy bound", svg.GREEN), ("write / uncompressed HDF5", svg.BLUE),
             ("write / memcpy", svg.ORANGE)], title=f"Distance to the limits: {name}"),
    }
    page.charts.update(charts)
    figures = []
    for fname, text in charts.items():
        if chart_prefix is not None:
            figures.append(f'<img src="{esc(chart_prefix + fname)}" alt="{esc(fname[:-4])} (data in the table)">')
        else:
            figures.append(text)
    table = [TABLE, "<caption>Data of the charts (Pareto front marked ◆; hollow points are lossy)</caption>",
             "<thead><tr><th>codec</th><th>ratio</th><th>of bound</th><th>write MB/CPU-s</th>"
             "<th>read MB/CPU-s</th><th>write / memcpy</th><th>front</th></tr></thead><tbody>"]
    for r in sorted(good + [ref[c] for c in ("none-chunked", "memcpy") if c in ref],
                    key=lambda r: -(r.get("ratio") or 0)):
        table.append(f"<tr><td><code>{esc(r['codec'])}</code></td><td>{_n(r.get('ratio'))}</td>"
                     f"<td>{_pct(r.get('bound_fraction'))}</td><td>{_n(r.get('write_mb_per_cpu_s'))}</td>"
                     f"<td>{_n(r.get('read_mb_per_cpu_s'))}</td><td>{_pct(r.get('write_vs_memcpy'))}</td>"
                     f"<td>{'◆' if id(r) in front else ''}</td></tr>")
    table.append("</tbody></table>")
    out += [FIGURE, '<div class="bench-charts" style="display:flex;flex-direction:column;gap:1em">'
            f'{"".join(figures)}</div>', "".join(table), "</div>", ""]
    return out


def _throughput(kinds: dict, rows: list[dict], codecs: dict, cores: int, bandwidths: tuple[float, ...]) -> str:
    head = "".join(f"<th>{b:g} GB/s storage</th>" for b in bandwidths)
    lines = [f"<p>What a writer node with {cores} cores sustains, in GB/s of raw data: min({cores} × the codec's "
             "speed per core, storage bandwidth × ratio). Compression is free when the cores compress faster than "
             "the storage absorbs the compressed stream (<em>storage-bound</em>); <em>codec-bound</em> still beats "
             "the uncompressed row whenever the number is larger. In brackets: the cores needed to fill the storage "
             "bandwidth. Assumes independent chunks spread over the cores; single-thread speeds "
             "from this run.</p>",
             TABLE, f"<thead><tr><th>dataset</th><th>codec</th><th>ratio</th>{head}</tr></thead><tbody>"]
    for names in kinds.values():
        for name in names:
            ds_rows = [r for r in rows if r["dataset"] == name]
            chosen = [r for r in ds_rows if r["codec"] == "none-chunked" and r["status"] == "ok"]
            chosen += recommend.pareto(recommend.measured(ds_rows, lossy=False, codecs=codecs))
            for r in chosen:
                cells = []
                for b in bandwidths:
                    t = recommend.effective(r, b, cores)
                    need = f" [{t.cores_to_keep_up:.0f}]" if t.cores_to_keep_up is not None else ""
                    cells.append(f"<td>{t.effective_gbps:.1f} ({t.limited_by}-bound){need}</td>")
                lines.append(f"<tr><td><code>{esc(name)}</code></td><td><code>{esc(r['codec'])}</code></td>"
                             f"<td>{_n(r.get('ratio'))}</td>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _energy(doc: dict, kinds: dict, rows: list[dict], codecs: dict, w_per_tb: float, years: float) -> str:
    m = doc.get("energy_model", {})
    ci = m.get("grid_g_per_kwh") or 0
    intro = (f"<p>Estimated from CPU time with the Green Algorithms model: E = (CPU-seconds × "
             f"{_n(m.get('watts_per_core'))} W per core + wall time × memory GB × {esc(m.get('memory_w_per_gb'))} W/GB)"
             f" × PUE {_n(m.get('pue'))}; CO2e = E × {_n(ci)} gCO2e/kWh (France, the figure of the LEAPS data "
             f"strategy talk). No hardware power meter is read: these are model estimates, configurable with "
             f"<code>knowhow bench --watts-per-core --pue --grid-intensity</code>. The storage column is an "
             f"<strong>assumption</strong> to replace with your facility's figure: disk storage at {w_per_tb:g} W "
             f"per TB (servers and cooling included) for {years:g} years, applied to the bytes compression saves."
             f" Source: {esc(m.get('source', ''))}.</p>")
    lines = [intro, TABLE, "<thead><tr><th>dataset</th><th>codec</th><th>write J/GB</th><th>read J/GB</th>"
             "<th>write+read Wh/TB</th><th>write+read gCO2e/TB</th><th>storage saved, kWh per raw TB</th>"
             "</tr></thead><tbody>"]
    for names in kinds.values():
        for name in names:
            ds_rows = recommend.measured([r for r in rows if r["dataset"] == name], lossy=False, codecs=codecs)
            for r in sorted(ds_rows, key=lambda r: -(r.get("ratio") or 0)):
                jw, jr = r.get("write_j_per_gb"), r.get("read_j_per_gb")
                wh = (jw + jr) * 1000 / 3600 if jw is not None and jr is not None else None
                g = wh / 1000 * ci if wh is not None else None
                saved = (1 - 1 / r["ratio"]) * w_per_tb * 24 * 365 * years / 1000
                lines.append(f"<tr><td><code>{esc(name)}</code></td><td><code>{esc(r['codec'])}</code></td>"
                             f"<td>{_n(jw)}</td><td>{_n(jr)}</td><td>{_n(wh)}</td><td>{_n(g)}</td>"
                             f"<td>{_n(saved)}</td></tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


FULL_COLUMNS = (("dataset", "dataset"), ("codec", "codec"), ("status", "status"), ("ratio", "ratio"),
                ("bits_per_value", "bit/value"), ("bound_fraction", "of bound"), ("write_mbps", "write MB/s"),
                ("read_mbps", "read MB/s"), ("write_mb_per_cpu_s", "write MB/CPU-s"),
                ("read_mb_per_cpu_s", "read MB/CPU-s"), ("write_vs_chunked", "write / HDF5"),
                ("read_vs_chunked", "read / HDF5"), ("write_j_per_gb", "write J/GB"), ("max_error", "max error"),
                ("psnr", "PSNR dB"), ("checks", "checks"))


def _checks(r: dict) -> str:
    if r["status"] not in ("ok", "stored-raw"):
        return ""
    marks = []
    if r.get("exact"):
        marks.append("bit-exact")
    elif r.get("bound_held"):
        marks.append("within bound")
    elif r.get("max_error") is not None:
        marks.append("error not bounded")
    if r.get("chunks_raw"):
        marks.append(f"{r['chunks_raw']}/{r['chunks_total']} chunks raw")
    if r.get("fresh_read_ok"):
        marks.append("fresh re-read")
    return ", ".join(marks)


def _full_table(rows: list[dict], datasets: dict) -> str:
    order = {name: i for i, name in enumerate(datasets)}
    shown = sorted((r for r in rows if r["status"] != "skipped"),
                   key=lambda r: (order.get(r["dataset"], 99), -(r.get("ratio") or 0)))
    # kh-sortable: the site's script turns each header into a sort button (the order here is the no-JS view).
    lines = ['<table class="bench-table kh-sortable">',
             "<thead><tr>" + "".join(f"<th>{esc(t)}</th>" for _, t in FULL_COLUMNS) + "</tr></thead><tbody>"]
    for r in shown:
        cells = []
        for key, _ in FULL_COLUMNS:
            if key == "checks":
                cells.append(esc(_checks(r)))
            elif key in ("bound_fraction", "write_vs_chunked", "read_vs_chunked"):
                cells.append(_pct(r.get(key)))
            elif key in ("write_mbps", "read_mbps") and r.get(key) is not None:
                cells.append(f"{_n(r[key])} ({_n(r.get(key + '_min'))}–{_n(r.get(key + '_max'))})")
            elif key in ("dataset", "codec"):
                cells.append(f"<code>{esc(r[key])}</code>")
            else:
                cells.append(_n(r.get(key)))
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    return "<p>Speeds: median (slowest–fastest) of the repetitions.</p>\n" + "\n".join(lines)


def _problems(rows: list[dict]) -> str:
    bad = [r for r in rows if r["status"] in ("failed", "stored-raw", "skipped")]
    if not bad:
        return "<p>None.</p>"
    lines = ["<p>A configuration that does not apply to a dataset (dtype, chunk rank) is skipped, not failed; "
             "<em>stored-raw</em> means HDF5 kept the data uncompressed because the filter failed or gained "
             "nothing (its ratio is not a result).</p>", TABLE,
             "<thead><tr><th>dataset</th><th>codec</th><th>status</th><th>reason</th></tr></thead><tbody>"]
    for r in sorted(bad, key=lambda r: ({"failed": 0, "stored-raw": 1}.get(r["status"], 2), r["dataset"])):
        code = f" ({esc(r['exit_code'])})" if r.get("exit_code") else ""
        lines.append(f"<tr><td><code>{esc(r['dataset'])}</code></td><td><code>{esc(r['codec'])}</code></td>"
                     f"<td>{esc(r['status'])}{code}</td><td>{esc(r.get('reason') or '')}</td></tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _provenance(doc: dict) -> str:
    prov = doc.get("provenance", {})
    sw = prov.get("software", {})
    build = sw.get("hdf5plugin_build", {})
    flags = ", ".join(k for k, v in build.items() if v is True) or "none"
    items = [
        f"Started {esc(prov.get('started_utc'))}, {esc(prov.get('elapsed_s'))} s; load average "
        f"{esc(prov.get('load_average_start'))} at the start, {esc(prov.get('load_average_end'))} at the end.",
        f"CPU {esc(prov.get('cpu', {}).get('model'))}, SIMD {esc(', '.join(prov.get('cpu', {}).get('simd', [])))}; "
        f"{esc(prov.get('platform'))}.",
        f"Python {esc(sw.get('python'))}, numpy {esc(sw.get('numpy'))}, h5py {esc(sw.get('h5py'))}, HDF5 "
        f"{esc(sw.get('hdf5'))}, hdf5plugin {esc(sw.get('hdf5plugin'))} built with {esc(flags)} (wheel builds "
        "lack AVX2 and OpenMP: their speeds are lower bounds).",
        f"Threads pinned: {esc(', '.join(f'{k}={v}' for k, v in prov.get('threads', {}).items()))}; files on "
        f"{esc(prov.get('scratch'))}; each (dataset, codec) in its own process ({esc(prov.get('isolation'))}) "
        f"with a {esc(doc.get('settings', {}).get('timeout_s'))} s timeout.",
        "Write = <code>ds[...] = data; flush()</code> into a new file; read = <code>read_direct</code> after "
        "reopening; MB per CPU-second uses the process's CPU time (all threads).",
    ]
    gens = [f"<code>{esc(d['name'])}</code>: seed {esc(d.get('seed'))}, generator v{esc(d.get('generator_version'))}"
            for d in doc.get("datasets", []) if d.get("seed") is not None]
    if gens:
        items.append("Generated data (re-created from these seeds, never downloaded): " + "; ".join(gens) + ".")
    return "<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>"
