"""The Compression page: static SVG with data tables, derived recommendations, escaped user text."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest

from knowhow.bench import recommend, report
from knowhow.bench.page import render_charts, render_page, render_results_markdown

ROOT = Path(__file__).parents[1]
EVIL = '<script>alert(1)</script>.h5:/entry/<img src=x onerror=alert(2)>'


def _row(dataset, codec, ratio, w, r, **kw):
    row = {"dataset": dataset, "kind": kw.pop("kind", "photon-counting diffraction"), "codec": codec, "status": "ok",
           "ratio": ratio, "write_mb_per_cpu_s": w, "read_mb_per_cpu_s": r, "write_mbps": w, "read_mbps": r,
           "exact": True, "fresh_read_ok": True, "bound_fraction": ratio / 16 if ratio else None,
           "write_j_per_gb": 12000 / w if w else None, "read_j_per_gb": 12000 / r if r else None}
    row.update(kw)
    return row


def _doc(tmp_path: Path, rows: list[dict], datasets: list[dict], codecs: list[dict]) -> Path:
    doc = report.document(rows, profile="quick", samples=datasets, codecs=codecs,
                          provenance={"started_utc": "2026-01-01T00:00:00+00:00", "cpu": {"model": "Test CPU",
                                      "logical_cpus": 2, "simd": ["sse2"]}, "software": {"h5py": "3", "hdf5": "2"},
                                      "load_average_start": [0.1, 0.1, 0.1], "threads": {"OMP_NUM_THREADS": "1"}},
                          energy_model={"watts_per_core": 12, "pue": 1.67, "grid_g_per_kwh": 75,
                                        "memory_w_per_gb": 0.3725, "source": "Green Algorithms"},
                          settings={"reps": 3, "timeout_s": 60})
    report.write(tmp_path, doc)
    return tmp_path


CODECS = [{"name": n, "family": "hdf5plugin", "options": {}, "lossy": n.startswith("sz3"),
           "note": "format not guaranteed" if n.startswith("sz3") else ""}
          for n in ("memcpy", "none-chunked", "dense", "balanced", "fast", "slowweak", "sz3-abs-0.1sigma")]


@pytest.fixture()
def results(tmp_path):
    rows = [
        _row("pc", "memcpy", None, 8000, 8000),
        _row("pc", "none-chunked", 1.0, 1500, 3000),
        _row("pc", "dense", 12.0, 20, 50),
        _row("pc", "balanced", 10.5, 300, 900),
        _row("pc", "fast", 6.5, 900, 1800),
        _row("pc", "slowweak", 4.0, 100, 100),
        _row("pc", "sz3-abs-0.1sigma", 20.0, 100, 150, bound_held=True, eb_over_sigma=0.1, exact=False),
        {"dataset": "pc", "kind": "photon-counting diffraction", "codec": "crashy", "status": "failed",
         "reason": "process died: exit 139 (SIGSEGV)", "exit_code": -11},
        {"dataset": "pc", "kind": "photon-counting diffraction", "codec": "jpegls", "status": "skipped",
         "reason": "image codec: needs 8- or 16-bit integers"},
        _row(EVIL, "fast", 2.0, 700, 900, kind="user file", bound_fraction=None),
    ]
    datasets = [{"name": "pc", "kind": "photon-counting diffraction", "title": "Photon counting", "dtype": "uint16",
                 "shape": [4, 64, 64], "chunks": [1, 64, 64], "nbytes": 32768, "lossless_bound": 16.0,
                 "entropy_bits_per_value": 1.0, "seed": 7, "generator_version": 1},
                {"name": EVIL, "kind": "user file", "title": EVIL, "dtype": "uint16", "shape": [4], "chunks": [4],
                 "nbytes": 8, "params": {"zero_order_entropy_bits": 3.2}}]
    return _doc(tmp_path, rows, datasets, CODECS)


def test_pareto_front_and_picks_are_derived_from_the_numbers():
    rows = [_row("pc", n, ratio, w, r) for n, ratio, w, r in
            (("dense", 12.0, 20, 50), ("balanced", 10.5, 300, 900), ("fast", 6.5, 900, 1800),
             ("slowweak", 4.0, 100, 100))]
    assert [r["codec"] for r in recommend.pareto(rows)] == ["dense", "balanced", "fast"]
    codecs = {c["name"]: c for c in CODECS}
    picks = {p.role: p.row["codec"] for p in recommend.picks(rows, codecs)}
    assert picks == {"densest": "dense", "balanced": "balanced", "fastest": "fast"}


def test_effective_throughput_hand_computed():
    row = {"ratio": 4.0, "write_mb_per_cpu_s": 500.0}
    one = recommend.effective(row, 1.0, cores=32)
    assert (one.effective_gbps, one.limited_by, one.cores_to_keep_up) == (4.0, "storage", 8.0)
    ten = recommend.effective(row, 10.0, cores=32)
    assert (ten.effective_gbps, ten.limited_by, ten.cores_to_keep_up) == (16.0, "codec", 80.0)


def test_page_has_static_charts_tables_recommendations_and_problems(results):
    page = render_page(results)
    md = page.markdown
    html = markdown.markdown(md, extensions=["tables", "attr_list", "toc"])
    assert html.count("<svg") == md.count("<svg") == 2  # one ratio-speed chart per dataset
    assert "<script" not in html.replace("&lt;script", "")
    assert "<img" not in md and "url(" not in md and "<link" not in md
    assert 'aria-label="Ratio vs read speed: pc"' in md
    # The summary: one row per dataset, picks with ratio, % of bound, speeds with their spread.
    assert md.index("## Summary") < md.index("## By data kind") < md.index("All results")
    assert '<td data-label="Densest"><span class="bench-pick"><code>dense</code><small>12.00× · 75% of bound' in md
    assert '<td data-label="Balanced"><span class="bench-pick"><code>balanced</code>' in md
    assert '<td data-label="Lossy, within 0.1 σ"><span class="bench-pick"><code>sz3-abs-0.1sigma</code>' in md
    assert "Speeds are indicative" in md and "knowhow bench --profile full" in md
    # Lossless and lossy ranked apart in each kind's tab.
    assert "<caption>Lossless: ◆" in md and "<caption>Lossy (ranked apart): ◆" in md
    assert 'class="tabbed-set tabbed-alternate" data-tabs="1:2"' in md
    # The long material is collapsed, the full table downloadable.
    assert '<details class="bench-more"><summary>All results</summary>' in md
    assert 'href="data/results.csv" download' in md and 'href="data/datapackage.json" download' in md
    assert "exit 139 (SIGSEGV)" in md and "needs 8- or 16-bit integers" in md
    assert "12 W per core" in md and "PUE 1.67" in md and "75 gCO2e/kWh" in md
    assert "(storage-bound)" in md and "GB/s storage" in md
    assert "zero-order entropy 3.2 bit/value (an estimate, not a bound" in md
    assert "<td class=num>12</td>" in md  # number columns are styled (right-aligned, no wrap)
    assert set(page.charts) == {"ratio-speed-pc.svg", f"ratio-speed-{_slug_evil()}.svg"}


def test_target_is_the_fastest_reader_near_the_bound():
    from knowhow.bench.page import target

    rows = [_row("pc", "dense", 12.5, 20, 50, read_vs_chunked=0.02, bound_fraction=0.78),
            _row("pc", "good", 12.0, 300, 1600, read_vs_chunked=0.55, bound_fraction=0.75),
            _row("pc", "fast", 6.5, 900, 2000, read_vs_chunked=0.7, bound_fraction=0.4)]
    assert target(rows, {})["codec"] == "good"
    assert target(rows[::2], {}) is None


def _slug_evil() -> str:
    return re.sub(r"[^a-z0-9]+", "-", EVIL.lower()).strip("-")[:60]


def test_user_text_is_escaped_everywhere(results):
    md = render_results_markdown(results)
    assert "<script>" not in md and "onerror=alert(2)>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    for svg_text in render_charts(results).values():
        assert "<script" not in svg_text and "<img" not in svg_text
    html = markdown.markdown(md, extensions=["tables", "attr_list", "toc"])
    assert "<script" not in html and "<img" not in html


def test_charts_can_be_linked_instead_of_inlined(results):
    md = render_results_markdown(results, chart_prefix="charts/", data_prefix="data/")
    assert "<svg" not in md
    assert '<img src="charts/ratio-speed-pc.svg"' in md and 'href="data/results.csv"' in md


def test_committed_quick_run_renders():
    results = ROOT / "codecs" / "results"
    doc = report.read(results)
    page = render_page(results)
    md = page.markdown
    for d in doc["datasets"]:
        assert f"<code>{d['name']}</code>" in md
        assert f"ratio-speed-{re.sub(r'[^a-z0-9]+', '-', d['name'].lower()).strip('-')[:60]}.svg" in page.charts
    assert md.count("<svg") == len(page.charts)  # every chart inlined, none left empty


def test_threads_table_shows_each_single_thread_reference_once(tmp_path):
    rows = [_row("pc", "none-chunked", 1.0, 1500, 3000, variant="reference"),
            _row("pc", "blosc2-lz4", 5.0, 400, 800, variant="reference"),
            _row("pc", "blosc2-lz4", 5.0, 700, 1300, variant="threads=2", threads=2),
            _row("pc", "blosc2-lz4", 5.0, 1100, 1900, variant="threads=4", threads=4)]
    datasets = [{"name": "pc", "kind": "photon-counting diffraction", "dtype": "uint16", "shape": [4, 64, 64],
                 "chunks": [1, 64, 64], "nbytes": 32768}]
    codecs = [{"name": n, "family": "hdf5plugin", "options": {}, "lossy": False} for n in ("none-chunked",
                                                                                             "blosc2-lz4")]
    md = render_results_markdown(_doc(tmp_path, rows, datasets, codecs))
    section = md[md.index("<h3>Threads</h3>"):]
    section = section[:section.index("</table>")]
    counts = [int(c) for c in re.findall(r"<td><code>blosc2-lz4</code></td><td class=num>(\d+)</td>", section)]
    assert counts == [1, 2, 4]
