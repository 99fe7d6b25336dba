"""The Compression page of the site, rendered from a results folder (pure: reads, never writes).

Layout, top to bottom: what the numbers are and how far to trust them; one summary table (data
kind × densest / balanced / fastest / lossy); one tab per data kind with its chart and table;
the engineer's questions (threads, direct chunk I/O, partial reads and chunk shape, exposure);
then the long material collapsed: throughput, energy, the full table (downloadable), problems
and provenance. Charts are static SVG from `knowhow.vega` with their data in a table beside them
(no JavaScript needed). Every string that comes from the results file (dataset names can come
from a user's HDF5 file) is HTML-escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import charts, recommend, report

# The wrapper scrolls sideways on narrow screens; tabindex lets keyboard users scroll it too.
TABLE = '<div class="bench-scroll" tabindex="0"><table class="bench-table">'
END_TABLE = "</table></div>"
ROLE_TEXT = {"densest": "Densest", "balanced": "Balanced", "fastest": "Fastest", "lossy": "Lossy, within 0.1 σ"}
ROLES = ("densest", "balanced", "fastest", "lossy")
TARGET_BOUND, TARGET_READ = 0.75, 0.5

STYLE = """<style>
.bench-scroll{overflow-x:auto;max-width:100%;margin:0 0 1em}
.md-typeset table.bench-table{border-collapse:collapse;font-size:.72rem;line-height:1.35;margin:0;min-width:0}
.md-typeset table.bench-table th,.md-typeset table.bench-table td{padding:.3em .55em;border-bottom:1px solid
var(--md-default-fg-color--lightest);vertical-align:top;text-align:left}
.md-typeset table.bench-table th{font-weight:600;background:var(--md-default-fg-color--lightest)}
.md-typeset table.bench-table .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.md-typeset table.bench-table code{white-space:nowrap;font-size:.95em;padding:0 .2em}
.md-typeset table.bench-table td:first-child{white-space:nowrap}
.md-typeset table.bench-table caption{caption-side:top;text-align:left;font-size:.72rem;padding:.3em 0}
.bench-pick{display:block;white-space:nowrap}
.bench-pick small{display:block;font-variant-numeric:tabular-nums}
.md-typeset table.bench-summary{font-size:.68rem}
.md-typeset table.bench-summary code{font-size:.9em}
.bench-figure{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start;margin:0 0 1em}
.bench-figure>*{min-width:0;max-width:100%}
.bench-figure>div:first-child{max-width:380px}
.md-typeset svg.kh-vega{max-width:100%;height:auto}
@media (max-width:760px){.md-typeset table.bench-summary thead{display:none}
.md-typeset table.bench-summary,.md-typeset table.bench-summary tbody,.md-typeset table.bench-summary tr,
.md-typeset table.bench-summary td{display:block;width:auto}
.md-typeset table.bench-summary tr{border-bottom:2px solid var(--md-default-fg-color--lighter);padding:.3em 0}
.md-typeset table.bench-summary td{border:0;padding:.15em .3em}
.md-typeset table.bench-summary td[data-label]::before{content:attr(data-label);display:block;font-weight:600}}
</style>"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


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


def result_files(results_dir: str | Path) -> dict[str, bytes]:
    """The downloadable results files (CSV, JSON, schema, Frictionless package) by name."""
    folder = Path(results_dir)
    names = ("results.csv", "results.json", "results.schema.json", "datapackage.json")
    return {n: (folder / n).read_bytes() for n in names if (folder / n).is_file()}


def render_page(results_dir: str | Path, *, chart_prefix: str | None = None, cores: int = 32,
                bandwidths_gbps: tuple[float, ...] = (1.0, 10.0, 25.0), storage_w_per_tb: float = 1.0,
                storage_years: float = 5.0, data_prefix: str | None = "data/") -> Page:
    """Markdown and charts. chart_prefix="charts/" links `<img>` files instead of inlining SVG;
    data_prefix is where results.csv / results.json / datapackage.json are offered (None: not)."""
    doc = report.read(results_dir)
    rows = doc["results"]
    codecs = {c["name"]: c for c in doc.get("codecs", [])}
    datasets = {d["name"]: d for d in doc.get("datasets", [])}
    page = Page("")
    kinds: dict[str, list[str]] = {}
    for name, d in datasets.items():
        kinds.setdefault(d.get("kind") or "other", []).append(name)
    # Front matter: the side navigation (the top tabs carry it) and the table of contents are hidden
    # so the summary table gets the width.
    out = ["---", "title: Compression", "hide:", "  - navigation", "  - toc", "---", "", "# Compression benchmark", "",
           STYLE, "",
           _intro(doc, data_prefix), "", _trust(doc), ""]
    out += ["## Summary", "", _summary(kinds, datasets, rows, codecs), ""]
    out += ["## By data kind", "", _kind_tabs(page, kinds, datasets, rows, codecs, chart_prefix), ""]
    questions = _questions(page, doc, rows, codecs, chart_prefix)
    if questions:
        out += ["## The engineer's questions", "", questions, ""]
    out += [_details("Effective throughput on a writer node",
                     _throughput(kinds, rows, codecs, cores, bandwidths_gbps)),
            _details("Energy and CO2", _energy(doc, kinds, rows, codecs, storage_w_per_tb, storage_years)),
            _details("All results", _downloads(data_prefix) + _full_table(rows, datasets)),
            _details("Skipped and failed configurations", _problems(rows)),
            _details("How these numbers were made", _provenance(doc)), ""]
    page.markdown = "\n".join(out)
    return page


def _details(title: str, body: str) -> str:
    return f'<details class="bench-more"><summary>{esc(title)}</summary>\n{body}\n</details>\n'


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


def _spread(r: dict, op: str) -> str:
    """'± 7 %': half the range over repetitions, of MB per CPU-second (else of wall-clock MB/s)."""
    for key in (f"{op}_mb_per_cpu_s", f"{op}_mbps"):
        med, lo, hi = r.get(key), r.get(key + "_min"), r.get(key + "_max")
        if med and lo is not None and hi is not None:
            return f" ± {50 * (hi - lo) / med:.0f} %"
    return ""


def _speed(r: dict, op: str) -> str:
    return f"{_n(recommend.speed(r, op))}{_spread(r, op)}"


def _intro(doc: dict, data_prefix: str | None) -> str:
    prov = doc.get("provenance", {})
    sw = prov.get("software", {})
    cpu = prov.get("cpu", {})
    return (
        "<p>Every codec that h5py and hdf5plugin offer, run through HDF5 on generated PaN-like data whose noise "
        "model is known, so each ratio is compared with the Shannon (entropy) bound of that data, and each speed "
        "with uncompressed HDF5 and memcpy from the same run. Every result is validated: lossless round trips "
        "bit-exact, every chunk's filter mask checked, lossy errors within their bound and NaN/±Inf behaviour "
        "probed, the file re-read in a fresh process. Lossless and lossy codecs are ranked apart.</p>\n"
        f"<p>Profile <code>{esc(doc.get('profile'))}</code>, run {esc(prov.get('started_utc', ''))[:10]} on "
        f"{esc(cpu.get('model', '?'))} ({esc(cpu.get('logical_cpus', '?'))} logical CPUs), h5py "
        f"{esc(sw.get('h5py'))}, HDF5 {esc(sw.get('hdf5'))}, hdf5plugin {esc(sw.get('hdf5plugin'))}; one thread "
        f"per codec unless stated, {esc(doc.get('settings', {}).get('reps'))} repetitions; MB = 10<sup>6</sup> "
        "bytes of uncompressed data." + (" Data: " + _download_links(data_prefix) + "." if data_prefix else "")
        + "</p>")


def _download_links(prefix: str) -> str:
    return ", ".join(f'<a href="{esc(prefix + n)}" download>{esc(label)}</a>' for n, label in (
        ("results.csv", "results.csv"), ("results.json", "results.json"),
        ("datapackage.json", "Frictionless data package"), ("results.schema.json", "JSON Schema")))


def _downloads(prefix: str | None) -> str:
    return f"<p>Download: {_download_links(prefix)}.</p>\n" if prefix else ""


def _trust(doc: dict) -> str:
    prov = doc.get("provenance", {})
    load = prov.get("load_average_start")
    cpus = prov.get("cpu", {}).get("logical_cpus")
    busy = (f" This run saw a load average of {esc(load)} at the start and {esc(prov.get('load_average_end'))} "
            f"at the end on {esc(cpus)} logical CPUs: other work competed for the cores.") if prov.get("noisy") else ""
    return (
        '<div class="admonition warning"><p class="admonition-title">Speeds are indicative</p>'
        "<p>These speeds come from a shared machine." + busy + " Ratios do not depend on the machine; speeds do. "
        "Rankings therefore use MB per CPU-second (CPU time of the measuring process, all threads), which moves "
        "much less with load than wall-clock MB/s, and every speed shows its spread over the repetitions (± half "
        "the range). To reproduce on dedicated hardware: <code>pip install 'knowhow[bench]'</code>, then "
        "<code>knowhow bench --profile full --out my-results</code> on an otherwise idle node (pin the CPU "
        "frequency if you can); on your own files: <code>knowhow bench FILE.h5:/entry/data/data</code>.</p></div>")


def _summary(kinds: dict, datasets: dict, rows: list[dict], codecs: dict) -> str:
    head = "".join(f"<th>{esc(ROLE_TEXT[r])}</th>" for r in ROLES)
    lines = ["<p>Per dataset, derived from the numbers: <em>densest</em> is the highest lossless ratio; "
             "<em>balanced</em> the fastest writer within 15 % of it; <em>fastest</em> the best min(write, read) "
             "keeping at least half of it; <em>lossy</em> the highest ratio whose every error stayed within 0.1 σ "
             "of the noise (≤ 0.3 % added variance). Each cell: ratio, % of the entropy bound, write and read MB "
             "per CPU-second ± spread. <em>Target</em>: the fastest-reading lossless codec with ≥ 75 % of the bound "
             "that reads at ≥ 50 % of uncompressed chunked HDF5.</p>",
             TABLE.replace("bench-table", "bench-table bench-summary"),
             f"<thead><tr><th>data</th>{head}<th>Target</th></tr></thead><tbody>"]
    for kind, names in kinds.items():
        for name in names:
            ds_rows = [r for r in rows if r["dataset"] == name]
            nonfinite = bool((datasets[name].get("params") or {}).get("nonfinite_values"))
            picks = {p.role: p.row for p in recommend.picks(ds_rows, codecs, nonfinite)}
            cells = []
            integer = str(datasets[name].get("dtype", "")).startswith(("int", "uint"))
            for role in ROLES:
                r = picks.get(role)
                label = f' data-label="{esc(ROLE_TEXT[role])}"'
                empty = "– <small>(integer counts: lossless only)</small>" if role == "lossy" and integer else "–"
                cells.append(f"<td{label}>{empty}</td>" if r is None else f"<td{label}>{_pick_cell(r)}</td>")
            hit = target(ds_rows, codecs)
            near = closest(ds_rows, codecs)
            tgt = (f'<td data-label="Target">{_pick_cell(hit)}</td>' if hit else
                   '<td data-label="Target">not met' + (f"; closest: {_pick_cell(near)}" if near else "") + "</td>")
            lines.append(f"<tr><td>{esc(kind)}<br><code>{esc(name)}</code></td>{''.join(cells)}{tgt}</tr>")
    lines.append("</tbody>" + END_TABLE)
    return "\n".join(lines)


def _pick_cell(r: dict) -> str:
    bound = f" · {_pct(r['bound_fraction'])} of bound" if r.get("bound_fraction") else ""
    return (f'<span class="bench-pick"><code>{esc(r["codec"])}</code><small>{r["ratio"]:.2f}×{bound}</small>'
            f"<small>write {_speed(r, 'write')}</small><small>read {_speed(r, 'read')}</small>"
            + ("<small>loses NaN/±Inf</small>" if r.get("nan_inf_preserved") is False else "") + "</span>")


def target(rows: list[dict], codecs: dict) -> dict | None:
    """The fastest-reading lossless result at ≥ 75 % of the entropy bound and reading at ≥ 50 % of
    uncompressed chunked HDF5 (both per CPU-second, same run), or None."""
    ok = [r for r in recommend.measured(rows, lossy=False, codecs=codecs)
          if (r.get("bound_fraction") or 0) >= TARGET_BOUND and (r.get("read_vs_chunked") or 0) >= TARGET_READ]
    return max(ok, key=lambda r: recommend.speed(r, "read")) if ok else None


def closest(rows: list[dict], codecs: dict) -> dict | None:
    """When no result meets the target: the one reading at ≥ 50 % of HDF5 nearest the bound."""
    ok = [r for r in recommend.measured(rows, lossy=False, codecs=codecs)
          if (r.get("read_vs_chunked") or 0) >= TARGET_READ and r.get("bound_fraction") and r["ratio"] >= 1.05]
    return max(ok, key=lambda r: r["bound_fraction"]) if ok else None


def _kind_tabs(page: Page, kinds: dict, datasets: dict, rows: list[dict], codecs: dict,
               chart_prefix: str | None) -> str:
    """Material's content tabs as plain HTML (radio inputs + labels: they work without JavaScript)."""
    names = [n for ns in kinds.values() for n in ns]
    inputs, labels, blocks = [], [], []
    for i, name in enumerate(names, start=1):
        d = datasets[name]
        inputs.append(f'<input{" checked" if i == 1 else ""} id="__tabbed_bench_{i}" name="__tabbed_bench" '
                      'type="radio">')
        labels.append(f'<label for="__tabbed_bench_{i}">{esc(_short(d))}</label>')
        blocks.append('<div class="tabbed-block">' + "\n".join(
            _dataset_section(page, d, [r for r in rows if r["dataset"] == name], codecs, chart_prefix)) + "</div>")
    return (f'<div class="tabbed-set tabbed-alternate" data-tabs="1:{len(names)}">' + "".join(inputs)
            + '<div class="tabbed-labels">' + "".join(labels) + '</div><div class="tabbed-content">'
            + "".join(blocks) + "</div></div>")


def _short(d: dict) -> str:
    kind = d.get("kind") or d["name"]
    return d["name"] if kind == "user file" else f"{kind} ({d['name'].rsplit('-', 1)[-1]})"


def _figure(page: Page, fname: str, svg: str, chart_prefix: str | None, alt: str) -> str:
    page.charts[fname] = svg
    if chart_prefix is not None:
        return f'<img src="{esc(chart_prefix + fname)}" alt="{esc(alt)} (data in the table)">'
    return svg


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
    out = [f"<p><strong>{esc(d.get('title') or name)}</strong> (<code>{esc(name)}</code>): "
           + "; ".join(facts) + ".</p>"]
    good = recommend.measured(rows)
    if not good:
        return out + ["<p>No configuration produced a validated result for this dataset.</p>"]
    lossless = [r for r in good if not codecs.get(r["codec"], {}).get("lossy")]
    lossy = [r for r in good if codecs.get(r["codec"], {}).get("lossy")]
    ref = {r["codec"]: r for r in rows if r["codec"] in recommend.BASELINES and r["status"] == "ok"
           and recommend.is_reference(r)}
    points = [{"speed": recommend.speed(r, "read"), "ratio": r["ratio"], "codec": r["codec"],
               "family": "lossy" if r in lossy else "lossless"} for r in good if recommend.speed(r, "read")]
    title = f"Ratio vs read speed: {name}"
    svg = charts.ratio_speed(points, title=title, bound=bound,
                             reference=recommend.speed(ref["none-chunked"], "read") if "none-chunked" in ref else None)
    fig = _figure(page, f"ratio-speed-{_slug(name)}.svg", svg, chart_prefix, title)
    note = ("<p>Dashed lines: the entropy bound (horizontal) and uncompressed chunked HDF5 (vertical).</p>"
            if bound else "<p>Dashed line: uncompressed chunked HDF5.</p>")
    tables = [_codec_table("Lossless", lossless, ref, recommend.pareto(lossless, "read"))]
    if lossy:
        tables.append(_codec_table("Lossy (ranked apart)", lossy, {}, recommend.pareto(lossy, "read")))
    out += [f'<div class="bench-figure"><div>{fig}{note}</div><div>{"".join(tables)}</div></div>']
    return out


def _codec_table(caption: str, rows: list[dict], ref: dict, front: list[dict]) -> str:
    on_front = {id(r) for r in front}
    lines = [TABLE, f"<caption>{esc(caption)}: ◆ on the ratio/read-speed front</caption>",
             "<thead><tr><th>codec</th><th class=num>ratio</th><th class=num>of bound</th>"
             "<th class=num>write MB/CPU-s</th><th class=num>read MB/CPU-s</th><th class=num>read / HDF5</th>"
             "</tr></thead><tbody>"]
    extra = [ref[c] for c in ("none-chunked",) if c in ref]
    for r in sorted(rows, key=lambda r: -(r.get("ratio") or 0)) + extra:
        mark = " ◆" if id(r) in on_front else ""
        flag = " <small>NaN/Inf lost</small>" if r.get("nan_inf_preserved") is False else ""
        lines.append(f"<tr><td><code>{esc(r['codec'])}</code>{mark}{flag}</td><td class=num>{_n(r.get('ratio'))}</td>"
                     f"<td class=num>{_pct(r.get('bound_fraction'))}</td><td class=num>{_speed(r, 'write')}</td>"
                     f"<td class=num>{_speed(r, 'read')}</td><td class=num>{_pct(r.get('read_vs_chunked'))}</td></tr>")
    lines.append("</tbody>" + END_TABLE)
    return "".join(lines)


def _variants(rows: list[dict], prefix: str) -> list[dict]:
    return [r for r in rows if (r.get("variant") or "").startswith(prefix) and r["status"] == "ok"]


def _questions(page: Page, doc: dict, rows: list[dict], codecs: dict, chart_prefix: str | None) -> str:
    parts = []
    threads = _variants(rows, "threads=")
    if threads:
        parts.append(_threads(page, rows, threads, chart_prefix))
    direct = _variants(rows, "direct")
    if direct:
        parts.append(_direct(page, rows, direct, chart_prefix))
    parts.append(_partial(rows))
    if doc.get("exposure"):
        parts.append(_exposure(page, doc["exposure"], chart_prefix))
    mem = doc.get("provenance", {}).get("memcpy_large")
    if mem:
        parts.append(f"<h3>memcpy reference</h3><p>“Fraction of memcpy” compares with one copy of a "
                     f"{_n(mem['bytes'] / 1e6)} MB buffer, twice the last-level cache "
                     f"({_n((mem.get('llc_bytes') or 0) / 1e6)} MB), so it measures memory bandwidth, not cache: "
                     f"{_n(mem.get('mbps'))} MB/s wall-clock ({_n(mem.get('mbps_min'))}–{_n(mem.get('mbps_max'))}), "
                     f"{_n(mem.get('mb_per_cpu_s'))} MB per CPU-second.</p>")
    return "\n".join(p for p in parts if p)


def _same(rows: list[dict], r: dict, variant: str = "reference") -> dict | None:
    for o in rows:
        if o["dataset"] == r["dataset"] and o["codec"] == r["codec"] and (o.get("variant") or "reference") == variant \
                and o["status"] == "ok":
            return o
    return None


def _threads(page: Page, rows: list[dict], threads: list[dict], chart_prefix: str | None) -> str:
    bars, lines = [], [TABLE, "<thead><tr><th>dataset</th><th>codec</th><th class=num>threads</th>"
                       "<th class=num>write MB/s</th><th class=num>read MB/s</th><th class=num>write MB/CPU-s</th>"
                       "<th class=num>read MB/CPU-s</th></tr></thead><tbody>"]
    shown: list[tuple[dict, int]] = []  # each single-thread reference once, before its threaded variants
    for r in sorted(threads, key=lambda r: (r["dataset"], r["codec"], r.get("threads") or 0)):
        base = _same(rows, r)
        if base is not None and all(b is not base for b, _ in shown):
            shown.append((base, 1))
        shown.append((r, r.get("threads")))
    for row, n in shown:
        bars += [{"codec": row["codec"], "threads": f"{n} thread{'s' if n != 1 else ''}",
                  "value": row.get("write_mbps") or 0}]
        lines.append(f"<tr><td><code>{esc(row['dataset'])}</code></td><td><code>{esc(row['codec'])}</code></td>"
                     f"<td class=num>{n}</td><td class=num>{_n(row.get('write_mbps'))}</td>"
                     f"<td class=num>{_n(row.get('read_mbps'))}</td><td class=num>{_speed(row, 'write')}</td>"
                     f"<td class=num>{_speed(row, 'read')}</td></tr>")
    lines.append("</tbody>" + END_TABLE)
    title = "Write MB/s by codec threads"
    svg = charts.grouped_bars(bars, title=title, x_title="write MB/s (wall-clock)", group="threads")
    fig = _figure(page, "threads.svg", svg, chart_prefix, title)
    return ("<h3>Threads</h3><p>Blosc and Blosc2 split a chunk into blocks and compress them on "
            "<code>BLOSC_NTHREADS</code> threads. Wall-clock MB/s shows the gain, MB per CPU-second the cost (it "
            "falls when threads add overhead). On a shared machine the wall-clock gain moves with the other work: "
            "measure it on the node that will run the detector.</p>"
            f'<div class="bench-figure"><div>{fig}</div><div>{"".join(lines)}</div></div>')


def _direct(page: Page, rows: list[dict], direct: list[dict], chart_prefix: str | None) -> str:
    bars, lines = [], [TABLE, "<thead><tr><th>dataset</th><th>codec</th><th class=num>ratio</th>"
                       "<th class=num>pipeline write</th><th class=num>direct write</th><th class=num>pipeline read"
                       "</th><th class=num>direct read</th></tr></thead><tbody>"]
    for r in sorted(direct, key=lambda r: (r["dataset"], r["codec"])):
        base = _same(rows, r)
        if base:
            bars += [{"codec": r["codec"], "path": "filter pipeline", "value": recommend.speed(base, "write")},
                     {"codec": r["codec"], "path": "direct chunk", "value": recommend.speed(r, "write")}]
        lines.append(f"<tr><td><code>{esc(r['dataset'])}</code></td><td><code>{esc(r['codec'])}</code></td>"
                     f"<td class=num>{_n(r.get('ratio'))}</td>"
                     f"<td class=num>{_speed(base, 'write') if base else '–'}</td><td class=num>{_speed(r, 'write')}"
                     f"</td><td class=num>{_speed(base, 'read') if base else '–'}</td>"
                     f"<td class=num>{_speed(r, 'read')}</td></tr>")
    lines.append("</tbody>" + END_TABLE)
    title = "Write MB per CPU-second: filter pipeline vs direct chunk I/O"
    svg = charts.grouped_bars(bars, title=title, x_title="write MB per CPU-second", group="path")
    fig = _figure(page, "direct.svg", svg, chart_prefix, title)
    return ("<h3>Direct chunk I/O</h3><p>Chunks compressed by the codec's own Python library (bitshuffle, "
            "blosc2, lz4, zstandard), stored with <code>write_direct_chunk</code> and read with "
            "<code>read_direct_chunk</code> plus decode, as EIGER and JUNGFRAU pipelines do; the same bytes read "
            "back through the filter pipeline in a fresh process (bit-exact). The difference to the pipeline is "
            "the pipeline's own cost. Speeds in MB per CPU-second ± spread.</p>"
            f'<div class="bench-figure"><div>{fig}</div><div>{"".join(lines)}</div></div>')


def _partial(rows: list[dict]) -> str:
    shaped = [r for r in rows if (r.get("variant") or "").startswith(("chunk=", "tile=")) and r["status"] == "ok"]
    bases = [b for b in (_same(rows, r) for r in shaped) if b]
    chosen = [r for r in _dedupe_rows(bases + shaped) if r.get("frame_read_ms") is not None]
    if not chosen:
        return ""
    lines = [TABLE, "<thead><tr><th>dataset</th><th>codec</th><th>chunks</th><th class=num>ratio</th>"
             "<th class=num>one frame, ms</th><th class=num>64×64 ROI, ms</th><th class=num>write MB/CPU-s</th>"
             "<th class=num>read MB/CPU-s</th></tr></thead><tbody>"]
    for r in sorted(chosen, key=lambda r: (r["dataset"], r["codec"], r.get("chunks_used") or "")):
        lines.append(f"<tr><td><code>{esc(r['dataset'])}</code></td><td><code>{esc(r['codec'])}</code></td>"
                     f"<td class=num>{esc(r.get('chunks_used') or '–')}</td><td class=num>{_n(r.get('ratio'))}</td>"
                     f"<td class=num>{_n(r.get('frame_read_ms'))}</td><td class=num>{_n(r.get('roi_read_ms'))}</td>"
                     f"<td class=num>{_speed(r, 'write')}</td><td class=num>{_speed(r, 'read')}</td></tr>")
    lines.append("</tbody>" + END_TABLE)
    return ("<h3>Partial reads and chunk shape</h3><p>Time to read one frame from the middle of the stack and a "
            "64×64 region of it, with HDF5's chunk cache off (each read decodes every chunk it touches), per "
            "chunk shape: larger chunks spread the per-chunk cost over more data, but a single frame "
            "or a region then costs the decoding of the whole chunk.</p>" + "".join(lines))


def _dedupe_rows(rows: list[dict]) -> list[dict]:
    return list({(r["dataset"], r["codec"], r.get("variant")): r for r in rows}.values())


def _exposure(page: Page, exp: dict, chart_prefix: str | None) -> str:
    parts = ["<h3>Exposure</h3><p>The calibrated photon-counting (SAXS) and neutron generators at mean counts per "
             "pixel from {:g} to {:g}: fewer counts, fewer bits, higher ratios. Dashed: the entropy bound. "
             "Squares: the real calibration frames at their own exposure (Pilatus 100K silver behenate, APS; FOCUS "
             "time of flight, PSI), with the generator's ratio at the same exposure in the table.</p>".format(
                 min(exp["levels"]), max(exp["levels"]))]
    figs = []
    for generator, title in (exp.get("titles") or {}).items():
        pts = [p for p in exp["points"] if p["generator"] == generator]
        real = [p for p in exp.get("real", []) if p["generator"] == generator]
        if not pts:
            continue
        svg = charts.exposure(pts, real, title=f"Ratio vs exposure: {title}")
        figs.append(_figure(page, f"exposure-{_slug(generator)}.svg", svg, chart_prefix, f"Ratio vs exposure: {title}"))
    parts.append(f'<div class="bench-figure">{"".join(f"<div>{f}</div>" for f in figs)}</div>')
    codecs = exp["codecs"]
    head = "".join(f"<th class=num><code>{esc(c)}</code></th>" for c in codecs)
    lines = [TABLE, f"<thead><tr><th>generator</th><th class=num>counts/pixel</th><th class=num>bound</th>{head}"
             "</tr></thead><tbody>"]
    keyed = {(p["generator"], p["level"], p["codec"]): p for p in exp["points"]}
    for generator in exp.get("titles") or {}:
        for level in exp["levels"]:
            cells = [keyed.get((generator, level, c)) for c in codecs]
            first = next((c for c in cells if c), None)
            if not first:
                continue
            lines.append(f"<tr><td>{esc(generator)}</td><td class=num>{_n(first['mean_counts'])}</td>"
                         f"<td class=num>{_n(first['bound'])}</td>" + "".join(
                             f"<td class=num>{_n(c['ratio']) if c else '–'}</td>" for c in cells) + "</tr>")
    for generator in exp.get("titles") or {}:
        real = {p["codec"]: p for p in exp.get("real", []) if p["generator"] == generator}
        if real:
            any_p = next(iter(real.values()))
            lines.append(f"<tr><td>real: {esc(any_p['file'])}</td><td class=num>{_n(any_p['mean_counts'])}</td>"
                         "<td class=num>–</td>" + "".join(
                             f"<td class=num>{_n(real[c]['ratio'])} <small>(gen. {_n(real[c]['generated_ratio'])})"
                             "</small></td>" if c in real else "<td>–</td>" for c in codecs) + "</tr>")
    lines.append("</tbody>" + END_TABLE)
    parts.append("".join(lines))
    return "".join(parts)


def _throughput(kinds: dict, rows: list[dict], codecs: dict, cores: int, bandwidths: tuple[float, ...]) -> str:
    head = "".join(f"<th>{b:g} GB/s storage</th>" for b in bandwidths)
    lines = [f"<p>What a writer node with {cores} cores sustains, in GB/s of raw data: min({cores} × the codec's "
             "speed per core, storage bandwidth × ratio). Compression is free when the cores compress faster than "
             "the storage absorbs the compressed stream (<em>storage-bound</em>); <em>codec-bound</em> still beats "
             "the uncompressed row whenever the number is larger. In brackets: the cores needed to fill the storage "
             "bandwidth. Assumes independent chunks spread over the cores; single-thread speeds "
             "from this run.</p>",
             TABLE, f"<thead><tr><th>dataset</th><th>codec</th><th class=num>ratio</th>{head}</tr></thead><tbody>"]
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
                    cells.append(f"<td class=num>{t.effective_gbps:.1f} ({t.limited_by}-bound){need}</td>")
                lines.append(f"<tr><td><code>{esc(name)}</code></td><td><code>{esc(r['codec'])}</code></td>"
                             f"<td class=num>{_n(r.get('ratio'))}</td>{''.join(cells)}</tr>")
    lines.append("</tbody>" + END_TABLE)
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
                             f"<td class=num>{_n(jw)}</td><td class=num>{_n(jr)}</td><td class=num>{_n(wh)}</td>"
                             f"<td class=num>{_n(g)}</td><td class=num>{_n(saved)}</td></tr>")
    lines.append("</tbody>" + END_TABLE)
    return "\n".join(lines)


FULL_COLUMNS = (("dataset", "dataset"), ("codec", "codec"), ("variant", "variant"), ("status", "status"),
                ("ratio", "ratio"),
                ("bits_per_value", "bit/value"), ("bound_fraction", "of bound"), ("write_mbps", "write MB/s"),
                ("read_mbps", "read MB/s"), ("write_mb_per_cpu_s", "write MB/CPU-s"),
                ("read_mb_per_cpu_s", "read MB/CPU-s"), ("write_vs_chunked", "write / HDF5"),
                ("read_vs_chunked", "read / HDF5"), ("frame_read_ms", "frame ms"), ("roi_read_ms", "ROI ms"),
                ("write_j_per_gb", "write J/GB"), ("max_error", "max error"), ("psnr", "PSNR dB"), ("checks", "checks"))
TEXT_COLUMNS = frozenset({"dataset", "codec", "variant", "status", "checks"})


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
    if r.get("nan_inf_preserved") is False:
        marks.append("NaN/Inf lost")
    return ", ".join(marks)


def _full_table(rows: list[dict], datasets: dict) -> str:
    order = {name: i for i, name in enumerate(datasets)}
    shown = sorted((r for r in rows if r["status"] != "skipped"),
                   key=lambda r: (order.get(r["dataset"], 99), -(r.get("ratio") or 0)))
    # kh-sortable: the site's script turns each header into a sort button (the order here is the no-JS view).
    lines = [TABLE.replace("bench-table", "bench-table kh-sortable"),
             "<thead><tr>" + "".join(f"<th{'' if k in TEXT_COLUMNS else ' class=num'}>{esc(t)}</th>"
                                     for k, t in FULL_COLUMNS) + "</tr></thead><tbody>"]
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
    lines.append("</tbody>" + END_TABLE)
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
    lines.append("</tbody>" + END_TABLE)
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
