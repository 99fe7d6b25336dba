"""Site build at scale: the portal from N synthetic records against a bare Material site of N pages.

    python benchmarks/build_scale.py [N ...]          # default: 1000 10000
    python benchmarks/build_scale.py --no-browser 1000

For each N it writes a synthetic registry (records of every kind, cross-referenced, half the
software with harvested facts), builds it with `knowhow build` (validation, data package, feeds,
pages, `mkdocs build --strict`), then builds a bare mkdocs-material site of N plain Markdown pages
(a heading and the same description text each; the portal's theme features and navigation shape,
records off the nav; Material's own search plugin) in the same run, and prints:

    wall and CPU seconds of both builds (the portal's includes its Pagefind index) and their ratio;
    the Pagefind index build time (run again on the built site) and its size on disk;
    in Chromium on 127.0.0.1 (median of 3 fresh pages each): the bytes fetched from the index for
    the first query, the time from typing a word to its first result on a loaded page whose index
    is warmed up, and the time from the page's load event to the first result (cold);
    the same for the bare site's lunr search where it applies.

Targets at 10,000 records: whole build <= 1.5 x the bare build, typing to result <= 300 ms,
load to first result <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from knowhow.registry import vocab
from knowhow.registry.yamlio import write_yaml

WORDS = ["beamline", "detector", "tomography", "diffraction", "scattering", "spectroscopy", "reduction", "calibration", "workflow", "imaging", "neutron", "photon", "synchrotron", "crystal", "sample", "analysis", "pipeline", "metadata", "archive", "streaming", "reconstruction", "alignment", "simulation", "instrument", "control", "acquisition", "visualisation", "python", "hdf5", "nexus", "fitting", "refinement", "segmentation", "denoising", "ptychography"]
SEARCH_TERM = "ptychography"
SECOND_TERM = "calibration"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def description(rng: random.Random, i: int) -> str:
    """About 300 characters: two sentences and a unique word, like a real record."""
    return f"{sentence(rng, 18)} {sentence(rng, 14)} Unique token rec{i:05d}."


def synthesize(root: Path, n: int, today: date) -> dict[str, int]:
    """Write n records over all kinds; returns the count per kind."""
    rng = random.Random(n)
    panet = sorted(vocab.panet())
    cats, langs = list(vocab.SOFTWARE_CATEGORIES), ["Python", "C++", "C", "Java", "Rust", "Julia"]
    lics = ["MIT", "GPL-3.0-or-later", "BSD-3-Clause", "Apache-2.0", "LGPL-3.0-or-later"]
    counts = {"facilities": max(20, n // 50), "collaborations": max(10, n // 100), "open_data": max(10, n // 50)}
    counts["software"] = n * 2 // 5
    counts["events"] = n - sum(counts.values())
    fac = [f"fac-{i:04d}" for i in range(counts["facilities"])]
    cur, har = root / "curated", root / "harvested"
    for i, fid in enumerate(fac):
        write_yaml(cur / "facilities" / f"{fid}.yaml", {
            "id": fid, "name": f"Facility {i}", "short_name": f"F{i}", "type": "synchrotron",
            "country": ["FR", "DE", "SE", "ES", "IT", "CH", "GB", "PL"][i % 8], "city": "Town",
            "consortium": "leaps", "website": f"https://f{i}.example.org/", "description": description(rng, i),
            "references": [f"https://f{i}.example.org/about"]})
    for i in range(counts["collaborations"]):
        parts = rng.sample(fac, k=min(len(fac), 2 + i % 7))
        write_yaml(cur / "collaborations" / f"col-{i:04d}.yaml", {
            "id": f"col-{i:04d}", "name": f"Collaboration {i}", "started": 1995 + i % 30,
            "category": list(vocab.COLLABORATION_CATEGORIES)[i % 4], "website": f"https://c{i}.example.org/",
            "description": description(rng, 20000 + i), "references": [f"https://c{i}.example.org/"],
            "facilities": [{"id": f, "joined": 2000 + k} for k, f in enumerate(parts)]})
    for i in range(counts["software"]):
        sid = f"sw-{i:05d}"
        write_yaml(cur / "software" / f"{sid}.yaml", {
            "id": sid, "name": f"Software {i}", "homepage": f"https://sw{i}.example.org/",
            "repository": f"https://github.com/example/sw{i}", "license": lics[i % len(lics)],
            "languages": rng.sample(langs, k=1 + i % 2), "categories": rng.sample(cats, k=1 + i % 3),
            "techniques": rng.sample(panet, k=i % 3), "status": "active",
            "facilities": [{"id": fac[(i + k) % len(fac)], "support": ("develops", "supports", "uses")[k]}
                           for k in range(1 + i % 3)],
            "collaborations": [f"col-{i % counts['collaborations']:04d}"],
            "description": description(rng, 30000 + i), "references": [f"https://sw{i}.example.org/"]})
        if i % 2 == 0:
            write_yaml(har / "software" / f"{sid}.yaml", {
                "id": sid, "facts": {"stars": i, "latest_release": f"1.{i % 10}.0",
                                     "latest_release_date": "2026-10-01T00:00:00+00:00", "archived": i % 50 == 0},
                "provenance": {"facts.stars": {"source": "github", "changed": "2026-11-01T00:00:00+00:00"}}})
    for i in range(counts["open_data"]):
        write_yaml(cur / "open_data" / f"od-{i:04d}.yaml", {
            "id": f"od-{i:04d}", "name": f"Data portal {i}", "type": "facility-portal",
            "facilities": [fac[i % len(fac)]], "url": f"https://data{i}.example.org/", "license": "CC-BY-4.0",
            "embargo_years": 3, "techniques": rng.sample(panet, k=2), "description": description(rng, 40000 + i),
            "references": [f"https://data{i}.example.org/"]})
    for i in range(counts["events"]):
        day = today + timedelta(days=(i * 7) % 900 - 450)
        write_yaml(har / "events" / f"ev-{i:05d}.yaml", {
            "id": f"ev-{i:05d}", "title": f"Workshop {i} on {rng.choice(WORDS)}",
            "url": f"https://events.example.org/{i}", "start": f"{day.isoformat()}T09:00:00+01:00",
            "end": f"{day.isoformat()}T17:00:00+01:00", "timezone": "Europe/Paris", "presence": "onsite",
            "organisers": [fac[i % len(fac)]], "event_type": list(vocab.EVENT_TYPES)[i % 7],
            "description": description(rng, 50000 + i),
            "provenance": {"title": {"source": "tess", "changed": "2026-11-01T00:00:00+00:00"}}})
    return counts


# The bare site gets the portal's navigation shape (index pages in sections, records off the nav)
# and theme features, so the comparison isolates what the portal adds per record.
BARE_NAV = """nav:
  - Home: index.md
  - Software: s/software.md
  - Events:
      - s/events.md
      - Calendar: s/calendar.md
  - Collaborations:
      - s/collaborations.md
      - Participation matrix: s/matrix.md
      - Trends: s/trends.md
  - Open data: s/open_data.md
  - Facilities: s/facilities.md
  - Compression: s/compression.md
  - Contribute:
      - s/contribute.md
      - Field reference: s/fields.md
  - Downloads: s/downloads.md
  - About: s/about.md
"""


def bare_site(root: Path, n: int) -> None:
    """N plain Markdown pages with the same kind of text, Material with the portal's nav and search."""
    rng = random.Random(n)
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "s").mkdir()
    (docs / "index.md").write_text("# Bare site\n\nPlain pages.\n", encoding="utf-8")
    for name in ("software", "events", "calendar", "collaborations", "matrix", "trends", "open_data", "facilities",
                 "compression", "contribute", "fields", "downloads", "about"):
        (docs / "s" / f"{name}.md").write_text(f"# {name}\n\nSection page.\n", encoding="utf-8")
    for i in range(n):
        (docs / "pages" / f"p{i:05d}.md").write_text(
            f"# Page {i}\n\n{description(rng, i)}\n\n- kind: test\n- id: p{i:05d}\n- homepage: "
            f"<https://p{i}.example.org/>\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Bare\nsite_url: https://example.org/\nrepo_url: https://github.com/example/bare\n"
        "edit_uri: edit/main/docs/\ntheme:\n  name: material\n  font: false\n  features:\n"
        "    - navigation.indexes\n    - navigation.top\n    - content.action.edit\n    - search.highlight\n"
        "plugins:\n  - search\n" + BARE_NAV + "not_in_nav: |\n  /pages/*.md\n", encoding="utf-8")


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(cmd: list[str], cwd: Path, env: dict) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return Timing(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def portal_search(site: Path, term: str, runs: int = 3) -> dict[str, list[float]]:
    """The portal's header search in fresh Chromium pages: bytes of index fetched for the first
    query, seconds from the load event to the first result (cold), and seconds from typing the word
    to its first result on a loaded page whose index is already initialised (warm)."""
    from site_support import chromium, serve

    out: dict[str, list[float]] = {"bytes": [], "cold": [], "warm": []}
    with serve(site) as base, chromium() as browser:
        for _ in range(runs):
            context = browser.new_context()
            page = context.new_page()
            fetched: list[int] = []
            page.on("response", lambda r: "/pagefind/" in r.url and fetched.append(len(r.body())))
            page.goto(base + "software/", wait_until="load")
            t0 = time.perf_counter()
            box = page.locator("#kh-search-input")
            box.fill(term)
            page.locator(".kh-search__list .kh-result").first.wait_for(timeout=120_000)
            out["cold"].append(time.perf_counter() - t0)
            page.wait_for_load_state("networkidle")
            out["bytes"].append(float(sum(fetched)))
            context.close()
            # warm: a new page, the index initialised by focusing the box, then one word typed
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "facilities/", wait_until="load")
            box = page.locator("#kh-search-input")
            box.focus()
            page.wait_for_load_state("networkidle")
            page.evaluate("() => new Promise(r => setTimeout(r, 300))")
            t0 = time.perf_counter()
            box.fill(SECOND_TERM)
            page.locator(".kh-search__list .kh-result").first.wait_for(timeout=120_000)
            out["warm"].append(time.perf_counter() - t0)
            context.close()
    return out


def first_result(site: Path, term: str, runs: int = 3) -> list[float]:
    """Bare Material site: seconds from the load event to the first search result, fresh pages."""
    from site_support import chromium, serve

    out = []
    with serve(site) as base, chromium() as browser:
        for _ in range(runs):
            context = browser.new_context()
            page = context.new_page()
            page.goto(base, wait_until="load")
            t0 = time.perf_counter()
            box = page.locator("input.md-search__input")
            box.click()
            box.press_sequentially(term)
            page.locator(".md-search-result__item").first.wait_for(timeout=120_000)
            out.append(time.perf_counter() - t0)
            context.close()
    return out


# Material's own search worker, run under node on the built index: how long building the lunr
# index takes without a browser's noise (the largest part of the time to the first result).
WORKER_HARNESS = """
const fs = require("fs");
let handler = null, done = null;
global.self = global; global.addEventListener = (t, h) => { handler = h; };
global.postMessage = (m) => { if (done) done(m); }; global.importScripts = () => {};
eval(fs.readFileSync(process.argv[2], "utf8"));
const data = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
(async () => { const times = [];
  for (let i = 0; i < 3; i++) { const t0 = process.hrtime.bigint();
    await new Promise(r => { done = r; handler({data: {type: 0, data}}); });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  times.sort((a, b) => a - b); console.log(Math.round(times[1])); })();
"""


def worker_build_ms(site: Path) -> int | None:
    """Median milliseconds for Material's worker to build the search index (None without node)."""
    import shutil

    worker = next((site / "assets" / "javascripts" / "workers").glob("search.*.min.js"), None)
    if shutil.which("node") is None or worker is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as f:
        f.write(WORKER_HARNESS)
    try:
        done = subprocess.run(["node", f.name, str(worker), str(site / "search" / "search_index.json")],
                              capture_output=True, text=True, timeout=300, check=False)
        return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip().isdigit() else None
    finally:
        os.unlink(f.name)


def measure(n: int, browser: bool) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory(prefix=f"build-scale-{n}-") as tmp:
        tmp_path = Path(tmp)
        counts = synthesize(tmp_path / "registry", n, date.today())
        ours = timed([sys.executable, "-m", "knowhow", "build", "--registry", str(tmp_path / "registry"),
                      "--site-dir", str(tmp_path / "site")], ROOT, env)
        bare_site(tmp_path / "bare", n)
        bare = timed([sys.executable, "-m", "mkdocs", "build", "-q"], tmp_path / "bare", env)
        from knowhow.site.search import build_index

        index = build_index(tmp_path / "site")  # the same work the build did, timed alone
        bare_idx = (tmp_path / "bare" / "site" / "search" / "search_index.json").stat().st_size / 1e6
        print(f"\n{n:,} records ({', '.join(f'{v} {k}' for k, v in counts.items())})")
        print(f"  portal  (knowhow build, Pagefind index included): wall {ours.wall:6.1f} s   CPU {ours.cpu:6.1f} s")
        print(f"  bare Material, {n:,} pages (lunr index):           wall {bare.wall:6.1f} s   CPU {bare.cpu:6.1f} s")
        print(f"  ratio portal/bare: wall {ours.wall / bare.wall:.2f}   CPU {ours.cpu / bare.cpu:.2f}   (target <= 1.5)")
        print(f"  Pagefind index: {index.pages:,} pages, built in {index.seconds:.1f} s, {index.bytes / 1e6:.2f} MB "
              f"on disk in {index.files:,} files (bare site's lunr index: {bare_idx:.2f} MB, one file)")
        bare_ms = worker_build_ms(tmp_path / "bare" / "site")
        if bare_ms is not None:
            print(f"  bare: Material's worker builds its lunr index in {bare_ms} ms (node)")
        if browser:
            s = portal_search(tmp_path / "site", SEARCH_TERM)
            bare_s = first_result(tmp_path / "bare" / "site", SEARCH_TERM)

            def fmt(xs: list[float], unit: str = "ms", k: float = 1000) -> str:
                return f"{statistics.median(xs) * k:.0f} {unit} ({', '.join(f'{x * k:.0f}' for x in xs)})"

            print(f"  first query fetches {fmt(s['bytes'], 'kB', 1e-3)} of index")
            print(f"  typing a word to its first result, loaded page: {fmt(s['warm'])}   (target <= 300 ms)")
            print(f"  page load to first result: portal {fmt(s['cold'])}, bare {fmt(bare_s)}   (target <= 1000 ms)")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium search timing")
    args = parser.parse_args()
    for n in args.sizes:
        measure(n, not args.no_browser)


if __name__ == "__main__":
    main()
