"""Screenshots of every page type at phone (390 px) and desktop (1280 px) width, in Chromium.

Builds the site with `knowhow build` into a temporary folder (or uses --site-dir as built),
serves it on 127.0.0.1 and writes `<page>-<width>.png` (full page) into --out. With --readme it
also refreshes the README's screenshots (first screen of the home and software pages) in
docs/screenshots/.

    python scripts/screenshots.py                       # the committed registry -> screenshots/
    python scripts/screenshots.py --registry DIR --out /tmp/shots
    python scripts/screenshots.py --readme              # also docs/screenshots/*.png

Needs the test extra (Playwright) and Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from site_support import chromium, serve  # noqa: E402 - the tests' server: 404 page, site_url prefix

WIDTHS = (390, 1280)
FIXED = {
    "home": "", "software": "software/", "events": "events/", "collaborations": "collaborations/",
    "open-data": "open_data/", "facilities": "facilities/", "calendar": "events/calendar_view/",
    "matrix": "collaborations/participation_matrix/", "trends": "collaborations/trends_chart/",
    "contribute": "contribute/", "fields": "contribute/fields/", "downloads": "downloads/",
    "about": "about/", "compression": "compression/", "404": "no-such-page/",
}
AUX = {"calendar_view", "participation_matrix", "trends_chart"}
README_SHOTS = (("home", 1280), ("software", 1280), ("home", 390))


def record_examples(site: Path) -> dict[str, str]:
    """The index and first record page of every kind the built site has (new kinds are found too)."""
    out = {}
    for kind_dir in sorted(p for p in site.iterdir() if p.is_dir()):
        pages = sorted(p.parent.name for p in kind_dir.glob("*/index.html") if p.parent.name not in AUX)
        if pages and (kind_dir / "index.html").is_file() and kind_dir.name not in ("contribute", "downloads"):
            pages = [p for p in pages if (kind_dir / p / "index.html").read_text("utf-8").count("kh-record")]
            if pages:
                out[f"record-{kind_dir.name}"] = f"{kind_dir.name}/{pages[0]}/"
                out.setdefault(f"index-{kind_dir.name}", f"{kind_dir.name}/")
    return out


def site_path() -> str:
    """The path part of mkdocs.yml's site_url ('knowhow/'): the 404 page links from there, as hosts serve it."""
    import re
    from urllib.parse import urlsplit

    m = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text("utf-8"), re.M)
    return urlsplit(m.group(1)).path.strip("/") + "/" if m else ""


def build(registry: Path, site: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "knowhow", "build", "--registry", str(registry), "--site-dir",
                           str(site)], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"knowhow build failed:\n{done.stdout}{done.stderr}")


def shoot(site: Path, out: Path, readme: bool, only: dict[str, str] | None = None) -> list[Path]:
    pages = only or dict(FIXED, **record_examples(site))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(site, site_path().strip("/")) as base, chromium() as browser:
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900 if width > 600 else 844})
            page = context.new_page()
            for name, path in pages.items():
                page.goto(base + path, wait_until="networkidle")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                if readme and (name, width) in README_SHOTS:
                    shots = ROOT / "docs" / "screenshots"
                    shots.mkdir(parents=True, exist_ok=True)
                    page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(shots / f"{name}-{width}.png"))
            context.close()
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", type=Path, default=ROOT / "registry")
    ap.add_argument("--site-dir", type=Path, help="use this built site instead of building one")
    ap.add_argument("--out", type=Path, default=ROOT / "screenshots")
    ap.add_argument("--readme", action="store_true", help="also refresh docs/screenshots/ for the README")
    ap.add_argument("--page", action="append", default=[], metavar="NAME=PATH",
                    help="only these pages (repeatable), e.g. --page tomotool=software/tomotool/")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="knowhow-shots-") as tmp:
        site = args.site_dir
        if site is None:
            site = Path(tmp) / "site"
            build(args.registry, site)
        only = dict(p.split("=", 1) for p in args.page) or None
        written = shoot(site, args.out, args.readme, only)
    print(f"{len(written)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
