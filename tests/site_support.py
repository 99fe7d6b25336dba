"""Helpers for the site tests: a small synthetic registry (with hostile entries), built once per
session with the real `knowhow build`, served on 127.0.0.1, and Debian's Chromium via Playwright.

The registry is synthetic on purpose: the seed content is still being written by others. Dates
are relative to the day the tests run, and the build is pinned to that day (KNOWHOW_TODAY).
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from kinds_support import write_kinds
from knowhow.registry import vocab
from knowhow.registry.model import KINDS
from knowhow.registry.yamlio import write_yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Every string below is data a contributor or a harvested source could send. None may ever run.
HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert("t2")> {: onmouseover=alert("t3") }'
HOSTILE_DESCRIPTION = """Hostile entry with the marker word quokka.

<script>alert("desc")</script> <img src=x onerror=alert("img")> <svg onload=alert("svg")>

[click me](javascript:alert("link")) [proto](//evil.example/x) [data](data:text/html;base64,PHNjcmlwdD4=)

<a href="javascript:alert('a')">raw link</a> <a href="https://ok.example/" onclick="alert('c')">ok</a>

{: onmouseover="alert('attr')" }

[x](https://ok.example/){: onmouseover="alert('attr2')" }

Template canary {{ 31337*7919 }} {% raw %} ${31337*7919} <%= 31337*7919 %>

```
fenced
```

--8<-- "/etc/hostname"

</script><script>alert("breakout")</script> </title><script>alert("t4")</script> --> <!--
"""
HOSTILE_SHORT = '<b onmouseover=alert("fac")>Z</b>'
HOSTILE_LANGUAGE = '"><img src=x onerror=alert("lang")>'
CANARY = str(31337 * 7919)  # must never appear: it would mean a template evaluated data
SEARCH_WORD = "zeolite"  # appears only in the description of `tomotool`
HIDDEN_MARKER = "hiddenmarker"  # only in a hidden record: must appear nowhere in the site


# What the record page's Install, Cite and Help sections are built from.
EXTRA_SOFTWARE = {"tomotool": {"packages": {"pypi": "tomotool", "conda_forge": "tomotool",
                                            "container": "ghcr.io/example/tomotool:2.0"},
                               "doi": "10.5281/zenodo.1234567", "documentation": "https://tomotool.example.org/docs/"},
                  "hostile": {"packages": {"pypi": "x; rm -rf ~"}}}


@dataclass(frozen=True)
class Built:
    registry: Path
    site: Path
    today: date
    log: str


def write_registry(root: Path, today: date) -> None:
    """A small registry touching every kind, badge and page type, plus hostile entries."""
    panet = sorted(vocab.panet())
    cur, har = root / "curated", root / "harvested"

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    facilities = [
        ("alpha", "Alpha Light Source", "ALPHA", "synchrotron", "DE", "leaps"),
        ("beta", "Beta Neutron Source", "BETA", "neutron-source", "FR", "lens"),
        ("gamma", "Gamma Laser", HOSTILE_SHORT, "fel", "SE", "partner"),
        ("delta", "Delta Facility", "DELTA", "synchrotron", "IT", "leaps"),
    ]
    for fid, name, short, kind, country, consortium in facilities:
        write_yaml(cur / "facilities" / f"{fid}.yaml", {
            "id": fid, "name": name, "short_name": short, "type": kind, "country": country, "city": "Town",
            "consortium": consortium, "website": f"https://{fid}.example.org/",
            "data_portal": f"https://data.{fid}.example.org/", "description": f"The {name}, a test facility.",
            "references": [f"https://{fid}.example.org/about"]})
    software = [
        ("tomotool", "TomoTool", f"Reconstructs tomography scans of {SEARCH_WORD} crystals. *Fast*.",
         ["data-reduction"], [panet[0]], [("alpha", "develops"), ("beta", "uses")], ["Python"], "MIT", "active",
         ["collab-a"]),
        ("viewer", "Viewer", "Looks at images.", ["visualisation"], [panet[1]], [("beta", "develops")], ["C++"],
         "GPL-3.0-or-later", "maintained", []),
        ("acq", "AcqKit", "Drives detectors.", ["data-acquisition"], [], [("alpha", "supports"), ("beta", "develops")],
         ["Python", "C", "Fortran", "Rust", "Java", "Go"], "BSD-3-Clause", "legacy", []),  # a facet of 8 options
        ("hostile", HOSTILE_TITLE, HOSTILE_DESCRIPTION, ["workflow"], [], [("gamma", "supports")],
         [HOSTILE_LANGUAGE], "MIT", "active", []),
    ]
    for sid, name, desc, cats, techs, facs, langs, lic, status, collabs in software:
        write_yaml(cur / "software" / f"{sid}.yaml", {
            "id": sid, "name": name, "description": desc, "homepage": f"https://{sid}.example.org/",
            "repository": f"https://github.com/example/{sid}", "license": lic, "languages": langs,
            "categories": cats, "techniques": techs, "status": status, "collaborations": collabs,
            "facilities": [{"id": f, "support": s} for f, s in facs],
            "references": [f"https://{sid}.example.org/"], **EXTRA_SOFTWARE.get(sid, {})})
    write_yaml(har / "software" / "viewer.yaml", {
        "id": "viewer", "facts": {"archived": True, "stars": 12, "latest_release": "2.1.0",
                                  "latest_release_date": "2024-05-01T00:00:00+00:00"},
        "provenance": {"facts.archived": {"source": "github", "changed": "2026-01-02T00:00:00+00:00"},
                       "facts.stars": {"source": "github", "changed": "2026-01-02T00:00:00+00:00",
                                       "error": "HTTP 503 from api.github.com"},
                       "facts.latest_release": {"source": "github", "changed": "2026-01-02T00:00:00+00:00"},
                       "facts.latest_release_date": {"source": "github", "changed": "2026-01-02T00:00:00+00:00"}}})
    events = [
        ("school-soon", "Tomography school", f"{d(20)}T09:00:00+01:00", f"{d(22)}T17:00:00+01:00", "Europe/Berlin",
         "school", "onsite", ["alpha"], ["tomotool"]),
        ("workshop-dates", "Diffraction workshop", d(40), d(41), None, "workshop", "hybrid", ["beta"], []),
        ("webinar", HOSTILE_TITLE, f"{d(5)}T15:00:00+00:00", f"{d(5)}T16:00:00+00:00", None, "webinar", "online",
         ["gamma"], []),
        ("past-conf", "Old conference", d(-60), d(-58), None, "conference", "onsite", ["alpha", "beta"], []),
    ]
    for eid, title, start, end, tz, etype, presence, orgs, topics in events:
        rec = {"id": eid, "title": title, "start": start, "end": end, "event_type": etype, "presence": presence,
               "organisers": orgs, "topics": topics, "url": f"https://events.example.org/{eid}", "city": "Town",
               "country": "DE", "description": HOSTILE_DESCRIPTION if eid == "webinar" else f"The {eid} event.",
               "references": [f"https://events.example.org/{eid}"]}
        if tz:
            rec["timezone"] = tz
        write_yaml(cur / "events" / f"{eid}.yaml", rec)
    collabs = [("collab-a", "Collab A", 2010, None, [("alpha", 2010), ("beta", 2012)], "data-analysis", ["tomotool"]),
               ("collab-b", "Collab B", 2018, 2022, [("alpha", None), ("gamma", 2019)], "control-systems", []),
               ("collab-c", HOSTILE_TITLE, 2001, None, [("beta", None)], None, [])]
    for cid, name, started, ended, parts, cat, sw in collabs:
        rec = {"id": cid, "name": name, "started": started, "website": f"https://{cid}.example.org/",
               "facilities": [{"id": f, **({"joined": j} if j else {})} for f, j in parts], "software": sw,
               "description": f"Collaboration {cid}.", "references": [f"https://{cid}.example.org/"]}
        if ended:
            rec["ended"] = ended
        if cat:
            rec["category"] = cat
        write_yaml(cur / "collaborations" / f"{cid}.yaml", rec)
    write_yaml(cur / "open_data" / "alpha-portal.yaml", {
        "id": "alpha-portal", "name": "Alpha data portal", "type": "facility-portal", "facilities": ["alpha"],
        "url": "https://data.alpha.example.org/", "api": {"type": "panosc", "endpoint": "https://api.alpha.example.org/"},
        "license": "CC-BY-4.0", "embargo_years": 3, "techniques": [panet[0]], "description": "Raw data of Alpha.",
        "references": ["https://data.alpha.example.org/"]})
    write_yaml(har / "open_data" / "alpha-portal.yaml", {
        "id": "alpha-portal", "facts": {"datasets": 1234, "dois": 56},
        "provenance": {"facts.datasets": {"source": "panosc-alpha", "changed": "2026-02-03T00:00:00+00:00"},
                       "facts.dois": {"source": "panosc-alpha", "changed": "2026-02-03T00:00:00+00:00"}}})
    write_yaml(cur / "open_data" / "atlas.yaml", {
        "id": "atlas", "name": "Organ atlas", "type": "curated-collection", "facilities": ["gamma", "alpha"],
        "url": "https://atlas.example.org/", "license": "CC-BY-4.0", "embargo_years": 0,
        "description": "A curated collection.", "references": ["https://atlas.example.org/"]})
    write_yaml(cur / "software" / "secret.yaml", {
        "id": "secret", "name": "SecretTool", "description": "Never shown: hiddenmarker.", "hidden": True,
        "homepage": "https://secret.example.org/", "references": ["https://secret.example.org/"]})
    write_yaml(har / "events" / "harvested-only.yaml", {
        "id": "harvested-only", "title": "Harvested course", "start": d(70), "url": "https://tess.example.org/e/1",
        "event_type": "course", "organisers": ["delta"], "description": "Listed by TeSS.", "withdrawn": True,
        "provenance": {"title": {"source": "tess", "changed": "2026-03-04T00:00:00+00:00"}}})
    write_kinds(root, today, HOSTILE_TITLE, HOSTILE_DESCRIPTION)


def run_build(registry: Path, site: Path, today: date, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KNOWHOW_TODAY=today.isoformat(), NO_MKDOCS_2_WARNING="1")
    env.pop("KNOWHOW_REGISTRY", None)
    return subprocess.run([sys.executable, "-m", "knowhow", "build", "--registry", str(registry),
                           "--site-dir", str(site), *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


_CACHE: dict[str, Built] = {}


def built_site(tmp_path_factory) -> Built:
    """The synthetic site, built once per test session with the real CLI."""
    if "site" not in _CACHE:
        base = tmp_path_factory.mktemp("site-build")
        today = date.today()
        write_registry(base / "registry", today)
        done = run_build(base / "registry", base / "site", today)
        if done.returncode != 0:
            raise AssertionError(f"knowhow build failed:\n{done.stdout}\n{done.stderr}")
        _CACHE["site"] = Built(base / "registry", base / "site", today, done.stdout + done.stderr)
    return _CACHE["site"]


class _Quiet(SimpleHTTPRequestHandler):
    """Static files; unknown addresses get the site's own 404.html with status 404, as hosts serve it."""

    def __init__(self, *args, not_found: Path | None = None, **kwargs):
        self.not_found = not_found
        super().__init__(*args, **kwargs)

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send_error(self, code, message=None, explain=None):
        if code == 404 and self.not_found is not None and self.not_found.is_file():
            body = self.not_found.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A browser that drops a request it no longer needs (navigation moved on) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path, prefix: str = "") -> Iterator[str]:
    """Serve a folder on 127.0.0.1 (any free port) from a daemon thread; yields the base URL.

    With `prefix` ('knowhow', the path of mkdocs.yml's site_url) the site is served below it, as
    on GitHub Pages, so the 404 page's links (made from site_url) resolve too.
    """
    with tempfile.TemporaryDirectory(prefix="knowhow-serve-") as tmp:
        root = directory
        if prefix:
            root = Path(tmp)
            (root / prefix).symlink_to(directory.resolve(), target_is_directory=True)
        handler = functools.partial(_Quiet, directory=str(root), not_found=directory / "404.html")
        server = _Server(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/" + (f"{prefix}/" if prefix else "")
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@contextlib.contextmanager
def chromium():
    """Debian's Chromium under Playwright (no downloaded browsers)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def watched_page(browser, base_url: str):
    """A fresh 1280 px page that records console errors, failed requests, off-site requests and dialogs
    (in `page.seen`); dialogs are dismissed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.seen = {"errors": [], "failed": [], "offsite": [], "dialogs": []}
    p.on("console", lambda m: m.type == "error" and p.seen["errors"].append(m.text))
    p.on("pageerror", lambda e: p.seen["errors"].append(str(e)))
    p.on("requestfailed", lambda r: p.seen["failed"].append(r.url))
    p.on("request", lambda r: not r.url.startswith(base_url) and p.seen["offsite"].append(r.url))

    def on_dialog(dialog):
        p.seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    p.on("dialog", on_dialog)
    try:
        yield p
    finally:
        context.close()


def record_pages(site: Path) -> list[Path]:
    """Every generated record page of a built site."""
    kinds = tuple(KINDS)
    aux = {"calendar_view", "participation_matrix", "trends_chart"}
    return sorted(p for k in kinds for p in (site / k).glob("*/index.html") if p.parent.name not in aux)


def pagefind_fragments(site: Path) -> list[dict]:
    """Every page entry of a built site's Pagefind index (gzip, a signature, then JSON)."""
    import gzip
    import json

    out = []
    for f in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(f.read_bytes())
        out.append(json.loads(raw[raw.index(b"{"):]))
    return out


# One record page of every kind in the synthetic registry, for the page-type checks.
KIND_PAGES = {"software": "software/tomotool/", "events": "events/school-soon/",
              "collaborations": "collaborations/collab-a/", "open_data": "open_data/alpha-portal/",
              "facilities": "facilities/alpha/", "news": "news/release-day/", "jobs": "jobs/open-dev/",
              "funding": "funding/open-call/", "groups": "groups/wg3/", "links": "links/nexus/"}
# Every page type of the site: the browser checks run over these at phone and desktop width.
PAGE_TYPES = {
    "home": "", **{f"{k}-index": f"{k}/" for k in KIND_PAGES}, "techniques-index": "techniques/",
    "technique": "techniques/PaNET00001/", "search": "search/",
    **{f"record-{k}": v for k, v in KIND_PAGES.items()},
    "record-archived": "software/viewer/", "calendar": "events/calendar_view/",
    "matrix": "collaborations/participation_matrix/", "trends": "collaborations/trends_chart/",
    "contribute": "contribute/", "fields": "contribute/fields/", "downloads": "downloads/", "about": "about/",
    "404": "no-such-page/",
}
SITE_PREFIX = "knowhow"  # the path of site_url in mkdocs.yml


URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background",
                            "srcset", "cite", "longdesc", "manifest", "ping"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


class MarkupScan(HTMLParser):
    """Every event-handler attribute, unsafe URL and script element in an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[tuple[dict, str]] = []  # (attributes, text) of every <script>
        self._script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value:
                url = value.strip()
                scheme = urlsplit(url).scheme.lower() if ":" in url.split("/")[0] else ""
                if (scheme and scheme not in SAFE_SCHEMES) or url.startswith("//") or url.lower().startswith(
                        ("javascript", "data:", "vbscript")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def scan(html: str) -> MarkupScan:
    s = MarkupScan()
    s.feed(html)
    s.close()
    return s
