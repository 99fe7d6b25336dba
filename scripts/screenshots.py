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
import contextlib
import functools
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
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


class _Quiet(SimpleHTTPRequestHandler):
    def __init__(self, *args, site: Path, **kwargs):
        self.site = site
        super().__init__(*args, **kwargs)

    def log_message(self, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None):  # serve the site's own 404 page, as hosts do
        page = self.site / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def site_path() -> str:
    """The path part of mkdocs.yml's site_url ('knowhow/'): the 404 page links from there, as hosts serve it."""
    import re
    from urllib.parse import urlsplit

    m = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text("utf-8"), re.M)
    return urlsplit(m.group(1)).path.strip("/") + "/" if m else ""


@contextlib.contextmanager
def serve(directory: Path):
    """Serve the site on 127.0.0.1 under the site_url's path (through a symlink in a temporary root)."""
    prefix = site_path().strip("/")
    with tempfile.TemporaryDirectory(prefix="knowhow-serve-") as tmp:
        root = Path(tmp)
        if prefix:
            (root / prefix).parent.mkdir(parents=True, exist_ok=True)
            (root / prefix).symlink_to(directory.resolve(), target_is_directory=True)
        else:
            root = directory
        handler = functools.partial(_Quiet, directory=str(root), site=directory.resolve())
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/{prefix + '/' if prefix else ''}"
        finally:
            server.shutdown()
            server.server_close()


def build(registry: Path, site: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "knowhow", "build", "--registry", str(registry), "--site-dir",
                           str(site)], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"knowhow build failed:\n{done.stdout}{done.stderr}")


def shoot(site: Path, out: Path, readme: bool, only: dict[str, str] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    pages = only or dict(FIXED, **record_examples(site))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
        browser.close()
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
