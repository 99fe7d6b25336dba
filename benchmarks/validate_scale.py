"""Validation time at scale: N synthetic records in a temporary registry (default 10,000).

    python benchmarks/validate_scale.py [N ...]

Prints records, files, seconds for reading + merging + validating, and records per second.
Target: 10,000 records in under 5 s on a 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from knowhow.registry.store import read
from knowhow.registry.validate import Validator
from knowhow.registry.yamlio import write_yaml


def synthesize(root: Path, n: int) -> int:
    """Write n records spread over the kinds, with references between them; return files written."""
    facilities = max(20, n // 50)
    collabs = max(10, n // 100)
    software = n * 4 // 10
    open_data = max(10, n // 50)
    events = n - facilities - collabs - software - open_data
    fac_ids = [f"fac-{i:05d}" for i in range(facilities)]
    countries = ["FR", "DE", "SE", "ES", "IT", "CH", "GB", "PL"]
    for i, fid in enumerate(fac_ids):
        write_yaml(root / "curated/facilities" / f"{fid}.yaml", {
            "id": fid, "name": f"Facility {i}", "short_name": f"F{i}", "type": "synchrotron",
            "country": countries[i % len(countries)], "city": "Somewhere", "consortium": "leaps",
            "website": f"https://f{i}.example.org/", "description": f"Synthetic facility {i}.",
            "references": [f"https://f{i}.example.org/about"]})
    for i in range(collabs):
        write_yaml(root / "curated/collaborations" / f"col-{i:05d}.yaml", {
            "id": f"col-{i:05d}", "name": f"Collaboration {i}", "started": 1990 + i % 30,
            "category": "data-analysis", "website": f"https://c{i}.example.org/",
            "description": f"Synthetic collaboration {i}.", "references": [f"https://c{i}.example.org/"],
            "facilities": [{"id": fac_ids[(i + k) % facilities], "joined": 2000 + k} for k in range(3)]})
    for i in range(software):
        rid = f"sw-{i:05d}"
        write_yaml(root / "curated/software" / f"{rid}.yaml", {
            "id": rid, "name": f"Software {i}", "homepage": f"https://sw{i}.example.org/",
            "repository": f"https://github.com/example/sw{i}", "license": ["MIT", "GPL-3.0-or-later",
                                                                          "BSD-3-Clause"][i % 3],
            "languages": ["Python"], "categories": ["data-analysis", "visualisation"],
            "facilities": [{"id": fac_ids[i % facilities], "support": "develops"}],
            "collaborations": [f"col-{i % collabs:05d}"], "status": "active",
            "description": f"Synthetic software {i} for tomography and diffraction data reduction.",
            "references": [f"https://sw{i}.example.org/"]})
        if i % 2 == 0:
            write_yaml(root / "harvested/software" / f"{rid}.yaml", {
                "id": rid, "facts": {"stars": i, "latest_release": f"1.{i % 10}.0",
                                     "latest_release_date": "2026-10-01T00:00:00+00:00"},
                "provenance": {"facts.stars": {"source": "github", "changed": "2026-11-01T00:00:00+00:00"}}})
    for i in range(open_data):
        write_yaml(root / "curated/open_data" / f"od-{i:05d}.yaml", {
            "id": f"od-{i:05d}", "name": f"Data portal {i}", "type": "facility-portal",
            "facilities": [fac_ids[i % facilities]], "url": f"https://data{i}.example.org/",
            "license": "CC-BY-4.0", "embargo_years": 3, "description": f"Synthetic data portal {i}.",
            "references": [f"https://data{i}.example.org/"]})
    for i in range(events):
        write_yaml(root / "harvested/events" / f"ev-{i:05d}.yaml", {
            "id": f"ev-{i:05d}", "title": f"Workshop {i}", "url": f"https://events.example.org/{i}",
            "start": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00+01:00",
            "end": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T17:00:00+01:00", "presence": "onsite",
            "organisers": [fac_ids[i % facilities]], "event_type": "workshop",
            "description": f"Synthetic event {i}.",
            "provenance": {"title": {"source": "tess", "changed": "2026-11-01T00:00:00+00:00"}}})
    return sum(1 for _ in root.rglob("*.yaml"))


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        files = synthesize(root, n)
        t1 = time.perf_counter()
        reg = read(root)
        t2 = time.perf_counter()
        report = Validator(reg).run()
        t3 = time.perf_counter()
        records = sum(report.counts.values())
        print(f"{records:>6} records ({files} files): generate {t1 - t0:5.2f} s | read+merge {t2 - t1:5.2f} s | "
              f"validate {t3 - t2:5.2f} s | total {t3 - t1:5.2f} s | {records / (t3 - t1):,.0f} records/s | "
              f"{len(report.errors)} errors")
        if report.errors:
            print(report.render("text").splitlines()[0], file=sys.stderr)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1_000, 10_000]
    for n in sizes:
        measure(n)


if __name__ == "__main__":
    main(sys.argv[1:])
