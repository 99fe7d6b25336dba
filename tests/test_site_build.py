"""`knowhow build` end to end: the built site is safe, linked, machine-readable and strict."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest
from icalendar import Calendar
from site_support import (
    CANARY,
    HIDDEN_MARKER,
    ROOT,
    built_site,
    pagefind_fragments,
    record_pages,
    run_build,
    scan,
    write_registry,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


def html_files(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


def test_build_prints_summary_and_writes_the_whole_site(site):
    assert "0 errors" in site.log and "built" in site.log
    for path in ("index.html", "software/index.html", "software/tomotool/index.html", "events.ics", "feed.xml",
                 "data/datapackage.json", "data/software.csv", "schemas/events.schema.json",
                 "pagefind/pagefind.js", "pagefind/pagefind-entry.json", "sitemap.xml"):
        assert (site.site / path).is_file(), path


def test_no_executable_markup_from_data_anywhere(site):
    """No event handler, unsafe URL or foreign script on any page, <head> included."""
    for page in html_files(site.site):
        text = page.read_text(encoding="utf-8")
        found = scan(text)
        assert found.problems == [], (page, found.problems)
        for attrs, body in found.scripts:
            if attrs.get("type") == "application/ld+json":
                assert "<" not in body
                json.loads(body)
            else:  # the theme's own scripts: files, or its config blob; never data
                assert "alert(" not in body, page
        assert CANARY not in text and HIDDEN_MARKER not in text, page


def test_search_index_holds_records_as_text(site):
    """The Pagefind index: one entry per record (index pages left out), data kept as plain text
    (the browser shows it with textContent: see test_site_search), no hidden record, no template output."""
    docs = {d["url"]: d for d in pagefind_fragments(site.site)}
    assert "/software/tomotool/" in docs and "/events/past-conf/" in docs
    assert "/software/" not in docs and "/" not in docs and "/search/" not in docs
    hostile = docs["/software/hostile/"]
    assert hostile["meta"]["title"].startswith('<script>alert("title")</script>')  # text, not markup
    assert hostile["meta"]["kind"] == "Software" and hostile["filters"]["kind"] == ["Software"]
    everything = json.dumps(list(docs.values()))
    assert HIDDEN_MARKER not in everything and CANARY not in everything


def test_every_record_page_has_parseable_json_ld_and_an_edit_link(site):
    pages = record_pages(site.site)
    assert len(pages) >= 17
    for page in pages:
        text = page.read_text(encoding="utf-8")
        lds = [json.loads(body) for attrs, body in scan(text).scripts if attrs.get("type") == "application/ld+json"]
        assert len(lds) == 1 and lds[0]["@context"] == "https://schema.org", page
        kind, rid = page.parent.parent.name, page.parent.name
        assert lds[0]["@id"].endswith(f"/{kind}/{rid}/")
        assert '/edit/main/registry/' in text and f"/{kind}/{rid}.yaml" in text, page


def test_internal_links_resolve(site):
    """Every relative href/src of every page points at a file of the site (raw HTML links too)."""
    from site_support import MarkupScan

    class Links(MarkupScan):
        def __init__(self):
            super().__init__()
            self.links: list[str] = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ("href", "src") and value and tag in ("a", "link", "script", "img"):
                    self.links.append(value)

    missing = []
    for page in html_files(site.site):
        if page.name == "404.html":
            continue  # written with absolute site_url links by the theme
        p = Links()
        p.feed(page.read_text(encoding="utf-8"))
        for href in p.links:
            u = urlsplit(href)
            if u.scheme or u.netloc or not u.path:
                continue
            target = (page.parent / unquote(u.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{page.relative_to(site.site)} -> {href}")
    assert missing == []


def test_feeds_parse(site):
    cal = Calendar.from_ical((site.site / "events.ics").read_bytes())
    uids = sorted(str(e["UID"]).split("@")[0] for e in cal.walk("VEVENT"))
    assert uids == ["harvested-only", "school-soon", "webinar", "wg-meeting", "workshop-dates"]
    assert all(not e.errors for e in cal.walk("VEVENT"))
    for ics in (site.site / "feeds").rglob("*.ics"):  # every one parses; empty ones too (see test_site_search_feeds)
        assert Calendar.from_ical(ics.read_bytes()).name == "VCALENDAR", ics
    alpha = Calendar.from_ical((site.site / "feeds" / "facility" / "alpha.ics").read_bytes())
    assert [str(e["UID"]).split("@")[0] for e in alpha.walk("VEVENT")] == ["school-soon"]
    ET.fromstring((site.site / "feed.xml").read_bytes())


def test_events_show_local_time_and_utc(site):
    text = (site.site / "events" / "school-soon" / "index.html").read_text(encoding="utf-8")
    assert "(Europe/Berlin)" in text and " UTC</dd>" in text


def test_data_package_and_schemas_are_downloads(site):
    package = json.loads((site.site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in package["resources"]} >= {"software.csv", "events.json"}
    software = json.loads((site.site / "data" / "software.json").read_text(encoding="utf-8"))
    assert "secret" not in {r["id"] for r in software}
    downloads = (site.site / "downloads" / "index.html").read_text(encoding="utf-8")
    assert "../data/datapackage.json" in downloads and "../schemas/software.schema.json" in downloads


def test_sidebar_lists_index_pages_only(site):
    text = (site.site / "software" / "tomotool" / "index.html").read_text(encoding="utf-8")
    assert text.count('class="md-nav__link"') < 30
    assert "md-nav__link" in text and 'href="../acq/"' not in text


def test_nothing_generated_is_written_into_the_source_tree(site):
    src = ROOT / "site_src"
    assert not any((src / k).exists() for k in ("software", "events", "index.md", "data", "schemas"))


def test_invalid_registry_is_refused_with_the_report(tmp_path):
    write_registry(tmp_path / "registry", date.today())
    bad = tmp_path / "registry" / "curated" / "software" / "acq.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("license: BSD-3-Clause", "license: BSD Licence"),
                   encoding="utf-8")
    done = run_build(tmp_path / "registry", tmp_path / "site", date.today())
    assert done.returncode != 0
    assert "acq.yaml" in done.stderr and "/license" in done.stderr and "site not built" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


def test_plain_mkdocs_build_uses_the_hook(tmp_path):
    """`mkdocs build` without knowhow (as `mkdocs serve` runs it) generates the same pages."""
    import subprocess
    import sys

    write_registry(tmp_path / "registry", date.today())
    env = dict(os.environ, KNOWHOW_REGISTRY=str(tmp_path / "registry"), NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "software" / "tomotool" / "index.html").is_file()


def test_committed_registry_builds_strictly(tmp_path):
    done = run_build(ROOT / "registry", tmp_path / "site", date.today())
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "index.html").is_file()


def test_hook_shortcuts_give_the_same_pages_and_index_as_plain_markdown(site, tmp_path):
    """The hook hands finished HTML to MkDocs; without it (as other engines do) the output is the same."""
    import subprocess
    import sys

    import yaml

    from knowhow.registry import store
    from knowhow.site.assemble import write_staging
    from knowhow.site.search import build_index
    from knowhow.site.inputs import gather
    from knowhow.site.pages import generate

    files = generate(gather(store.read(site.registry), ROOT, today=site.today))
    write_staging(files, ROOT / "site_src", tmp_path / "docs")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks")
    config.pop("exclude_docs")
    config.update(docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "site"))
    config["theme"]["custom_dir"] = str(ROOT / "site_src" / "overrides")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(tmp_path / "mkdocs.yml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, done.stderr

    def article(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        return text[text.index('<div class="kh-page'):text.rindex("</article>")]

    for rel in ("software/hostile/index.html", "events/school-soon/index.html", "software/index.html", "index.html"):
        assert article(site.site / rel) == article(tmp_path / "site" / rel), rel

    # The search index (the hook builds it after the pages; here it is built on the staged site).
    build_index(tmp_path / "site")

    def docs(path: Path) -> list:
        return sorted((d["url"], d["content"], json.dumps(d["meta"], sort_keys=True),
                       json.dumps(d["filters"], sort_keys=True)) for d in pagefind_fragments(path))

    assert docs(site.site) == docs(tmp_path / "site")


def test_mkdocs_serve_rebuilds_when_a_registry_file_changes(tmp_path):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import yaml

    write_registry(tmp_path / "registry", date.today())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_MKDOCS_2_WARNING", "KNOWHOW_REGISTRY")}
    log = tmp_path / "serve.log"
    with log.open("w") as out:  # `knowhow serve` is `mkdocs serve` with the registry, the URL and no banner
        proc = subprocess.Popen([sys.executable, "-m", "knowhow", "serve", "--registry", str(tmp_path / "registry"),
                                 "--dev-addr", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    base = urlsplit(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]).path
    url = f"http://127.0.0.1:{port}{base}software/tomotool/"  # serve mounts the site at site_url's path

    def fetch() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode("utf-8")
        except OSError:
            return ""

    def wait_for(text: str, seconds: float = 90) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if text in fetch():
                return True
            time.sleep(0.5)
        return False

    try:
        assert wait_for("TomoTool"), "mkdocs serve did not come up"
        path = tmp_path / "registry" / "curated" / "software" / "tomotool.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("name: TomoTool", "name: TomoTool Renamed"),
                        encoding="utf-8")
        assert wait_for("TomoTool Renamed"), "the edit did not reach the served page"
        printed = log.read_text(encoding="utf-8")
        assert f"serving the portal at http://127.0.0.1:{port}{base} " in printed
        assert "end of life" not in printed
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_properdocs_builds_the_same_pages_as_mkdocs(site, tmp_path):
    done = run_build(site.registry, tmp_path / "site", site.today, "--engine", "properdocs")
    assert done.returncode == 0, done.stderr
    assert "with properdocs" in done.stdout

    def files(root: Path) -> set[str]:
        # Pagefind names its filter and meta index files by a hash of contents it writes in
        # hash-map order, so those names differ between any two builds; its pages are compared below.
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                and not p.relative_to(root).as_posix().startswith(("pagefind/filter/", "pagefind/pagefind."))}

    assert files(tmp_path / "site") == files(site.site)

    def docs(path: Path) -> list:
        return sorted((d["url"], d["content"], json.dumps(d["meta"], sort_keys=True),
                       json.dumps(d["filters"], sort_keys=True)) for d in pagefind_fragments(path))

    assert docs(site.site) == docs(tmp_path / "site")
    for rel in ("index.html", "software/tomotool/index.html", "collaborations/participation_matrix/index.html"):
        a, b = ((root / rel).read_text(encoding="utf-8") for root in (site.site, tmp_path / "site"))
        assert a[a.index('<div class="kh-page'):a.rindex("</article>")] == b[b.index('<div class="kh-page'):
                                                                            b.rindex("</article>")], rel
