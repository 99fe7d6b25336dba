"""Link checker against a real HTTP server on 127.0.0.1: statuses, history, refusals, CLI."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from knowhow.harvest.http import HttpClient, HttpSettings, ResponseCache
from knowhow.links import state
from knowhow.links.check import ALIVE, DEAD, INCONCLUSIVE, REDIRECT, check, check_all
from knowhow.links.collect import registry_links
from knowhow.links.command import links, run_links

SETTINGS = dict(connect_timeout=2.0, read_timeout=2.0, deadline=5.0, retries=0, backoff_factor=0,
                retry_after_max=1.0, max_bytes=64 * 1024, max_redirects=3)


class Site(BaseHTTPRequestHandler):
    """Paths name their behaviour; `{port}` in a Location is this server's port."""

    routes = {
        "/ok": (200, {}),
        "/moved": (301, {"Location": "/ok"}),
        "/gone": (404, {}),
        "/forbidden": (403, {}),
        "/limited": (429, {"Retry-After": "3600"}),
        "/down": (503, {}),
        "/to-private": (302, {"Location": "http://10.0.0.1/"}),
        "/to-localhost": (302, {"Location": "http://localhost:{port}/ok"}),
        "/to-hex": (302, {"Location": "http://0x7f000001:{port}/ok"}),
        "/to-decimal": (302, {"Location": "http://2130706433:{port}/ok"}),
        "/to-mapped": (302, {"Location": "http://[::ffff:127.0.0.1]:{port}/ok"}),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/loop": (302, {"Location": "/loop"}),
    }
    seen: list[tuple[str, str]] = []

    def _answer(self, body: bool) -> None:
        Site.seen.append((self.command, self.path))
        if self.path == "/no-head" and self.command == "HEAD":
            status, headers = 405, {}
        elif self.path == "/no-head":
            status, headers = 200, {}
        elif self.path == "/big":
            status, headers = 200, {}
            payload = b"x" * (200 * 1024)
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if body:
                self.wfile.write(payload)
            return
        else:
            status, headers = self.routes.get(self.path, (404, {}))
        payload = b"<html><body>page</body></html>"
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v.replace("{port}", str(self.server.server_address[1])))
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self):  # noqa: N802
        self._answer(True)

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(site):
    # Only this exact host:port is exempt from the public-address rule; every other spelling of
    # 127.0.0.1 (and every private address) stays refused.
    return HttpSettings(**SETTINGS, allow_private=frozenset({site.removeprefix("http://")}))


@pytest.fixture
def client(settings):
    with HttpClient(settings, cache=ResponseCache(None), source="links-test") as c:
        yield c


@pytest.mark.parametrize("path, status, definite", [
    ("/ok", ALIVE, False),
    ("/no-head", ALIVE, False),
    ("/big", ALIVE, False),
    ("/moved", REDIRECT, False),
    ("/gone", DEAD, True),
    ("/forbidden", INCONCLUSIVE, False),
    ("/limited", INCONCLUSIVE, False),
    ("/down", DEAD, False),
    ("/loop", DEAD, True),
])
def test_statuses(client, site, path, status, definite):
    result = check(client, site + path)
    assert (result.status, result.definite) == (status, definite), result
    if status == REDIRECT:
        assert result.final_url == site + "/ok"


@pytest.mark.parametrize("path", ["/to-private", "/to-localhost", "/to-hex", "/to-decimal", "/to-mapped",
                                  "/to-metadata"])
def test_redirect_to_a_non_public_address_is_refused(client, site, path):
    Site.seen.clear()
    result = check(client, site + path)
    assert result.status == DEAD and result.definite, result
    assert "refused" in result.reason and ("non-public" in result.reason or "resolve" in result.reason)
    # The server saw only the first hop: the redirect target was never requested.
    assert all(p == path for _, p in Site.seen), Site.seen


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/",
    "http://[::1]/", "http://[::ffff:7f00:1]/", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://169.254.169.254/", "http://localhost/", "http://[fd00::1]/",
])
def test_non_public_registry_urls_are_refused_before_connecting(client, url):
    result = check(client, url)
    assert result.status == DEAD and result.definite and result.reason.startswith("refused"), result


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def registry(tmp_path, site):
    root = tmp_path / "registry"
    write(root / "curated/software/good.yaml",
          f"id: good\nname: Good\ndescription: Fine.\nhomepage: {site}/ok\nreferences:\n  - {site}/moved\n")
    write(root / "curated/software/bad.yaml",
          f"id: bad\nname: Bad\ndescription: Not fine.\nhomepage: {site}/gone\n"
          f"documentation: {site}/forbidden\n")
    return root


def test_collect_places_with_lines(registry, site):
    places = registry_links(registry)
    assert sorted(places) == sorted([f"{site}/ok", f"{site}/moved", f"{site}/gone", f"{site}/forbidden"])
    (where,) = places[f"{site}/gone"]
    assert (where.record, where.pointer, where.line) == ("software/bad", "/homepage", 4)
    assert where.path.endswith("curated/software/bad.yaml")
    only = registry_links(registry, [str(registry / "curated/software/good.yaml")])
    assert sorted(only) == sorted([f"{site}/ok", f"{site}/moved"])


def test_dead_only_after_consecutive_failures(settings, site, registry):
    places = registry_links(registry)
    gone = f"{site}/gone"
    st = state.load(Path("/nonexistent/link-status.json"))
    flags = []
    for day in (1, 2, 3):
        results = check_all(places, settings, workers=2)
        st = state.update(st, results, places, date(2026, 3, day), threshold=3)
        flags.append((st["links"][gone]["status"], st["links"][gone]["broken"]))
    assert flags == [("dead", False), ("dead", False), ("dead", True)]
    entry = st["links"][gone]
    assert (entry["status"], entry["failures"], entry["code"], entry["since"]) == ("dead", 3, 404, "2026-03-01")
    assert st["links"][f"{site}/forbidden"]["failures"] == 0  # inconclusive never counts
    assert st["links"][f"{site}/moved"]["redirect_to"] == f"{site}/ok"
    # An alive answer resets the count.
    fixed = {gone: check_all([f"{site}/ok"], settings)[f"{site}/ok"].__class__(gone, ALIVE, 200)}
    st = state.update(st, fixed, places, date(2026, 3, 4), full=False)
    assert st["links"][gone]["failures"] == 0 and not st["links"][gone]["broken"]
    assert st["links"][gone]["since"] == "2026-03-04"


def test_inconclusive_neither_counts_nor_forgives(site, registry):
    from knowhow.links.check import Result

    url = f"{site}/gone"
    places = registry_links(registry)
    st = {"links": {url: {"status": "dead", "failures": 2, "since": "2026-01-01"}}}
    st = state.update(st, {url: Result(url, INCONCLUSIVE, 429)}, places, date(2026, 1, 8), full=False)
    assert st["links"][url]["failures"] == 2


def test_state_file_written_only_when_changed(tmp_path, settings, registry):
    (registry / "curated/software/bad.yaml").unlink()  # only alive and redirected links left
    path = tmp_path / "link-status.json"
    args = dict(files=(), changed_only=False, state_file=path, threshold=3, report_file=None, fmt="text",
                exit_zero=False, workers=2, settings=settings)
    run_links(registry, today=date(2026, 3, 1), **args)
    first = path.read_text(encoding="utf-8")
    data = json.loads(first)
    assert list(data["links"]) == sorted(data["links"])
    assert first == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    mtime = path.stat().st_mtime_ns
    # A week later nothing changed: same bytes, file not rewritten (no dates churn).
    run_links(registry, today=date(2026, 3, 8), **args)
    assert path.read_text(encoding="utf-8") == first
    assert path.stat().st_mtime_ns == mtime


def test_cli_fails_on_definite_dead_link_with_github_annotations(registry, settings, monkeypatch):
    monkeypatch.setattr("knowhow.links.check.LINK_SETTINGS", settings)
    bad = str(registry / "curated/software/bad.yaml")
    result = CliRunner().invoke(links, ["--registry", str(registry), "--format", "github", "--changed-only", bad])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("::error file=") and ",line=4," in line and "HTTP 404" in line for line in lines)
    assert any(line.startswith("::warning file=") and "inconclusive-link" in line for line in lines)
    assert "4 links" not in result.output and "2 links:" in result.output


def test_cli_inconclusive_never_fails(registry, settings, monkeypatch, tmp_path):
    monkeypatch.setattr("knowhow.links.check.LINK_SETTINGS", settings)
    site = settings.allow_private and next(iter(settings.allow_private))
    write(registry / "curated/software/walled.yaml",
          f"id: walled\nname: W\ndescription: W.\nhomepage: http://{site}/forbidden\n"
          f"documentation: http://{site}/limited\n")
    walled = str(registry / "curated/software/walled.yaml")
    result = CliRunner().invoke(links, ["--registry", str(registry), "--changed-only", walled])
    assert result.exit_code == 0, result.output
    assert "2 inconclusive" in result.output


def test_cli_changed_only_without_record_files_checks_nothing(registry):
    result = CliRunner().invoke(links, ["--registry", str(registry), "--changed-only"])
    assert result.exit_code == 0 and "no changed record files" in result.output


def test_weekly_report_lists_broken_links(registry, settings, tmp_path, monkeypatch):
    monkeypatch.setattr("knowhow.links.check.LINK_SETTINGS", settings)
    path, report = tmp_path / "link-status.json", tmp_path / "dead.md"
    args = ["--registry", str(registry), "--state", str(path), "--report", str(report), "--exit-zero",
            "--threshold", "2"]
    first = CliRunner().invoke(links, args)
    assert first.exit_code == 0, first.output
    assert report.read_text(encoding="utf-8") == ""  # one failure is not enough
    second = CliRunner().invoke(links, args)
    assert "1 links flagged broken" in second.output
    text = report.read_text(encoding="utf-8")
    assert "curated/software/bad.yaml:4" in text and "/gone" in text and "/forbidden" not in text


def test_bad_state_file_is_one_clear_line(registry, tmp_path):
    path = tmp_path / "link-status.json"
    path.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(links, ["--registry", str(registry), "--state", str(path)])
    assert result.exit_code == 1
    assert "link-status.json: not a readable link-status file" in result.output
    assert "Traceback" not in result.output

