"""The shared transport against the replay server: retries, limits, checks, conditional requests."""

from __future__ import annotations

import logging
import time

import pytest

from harvest_support import make_client
from knowhow.harvest.base import AuthError, BadResponse, NotFound, RateLimited, SourceUnavailable
from knowhow.harvest.http import HttpClient, HttpSettings, ResponseCache, Token, parse_json, token_from_env
from knowhow.harvest.urls import BlockedURL, check_url

BODY = {"data": [{"id": i, "title": f"event {i}"} for i in range(40)]}


def test_get_json_sends_user_agent_and_accept(replay):
    replay.add("/api/items.json", BODY)
    client = make_client(replay)
    resp = client.get(replay.url("api/items.json"), params={"page": 1})
    assert resp.json() == BODY
    req = replay.requests[-1]
    assert req.query == {"page": "1"}
    assert "knowhow-harvester" in req.headers["User-Agent"]
    assert req.headers["Accept"] == "application/json"
    assert client.stats.requests == 1 and client.stats.not_modified == 0


def test_second_request_is_a_304_served_from_the_store(replay, tmp_path):
    replay.add("/api/items.json", BODY)
    first = make_client(replay, cache=ResponseCache(tmp_path))
    first.get(replay.url("api/items.json"))
    # A new client (a new run) with the same cache directory asks conditionally.
    second = make_client(replay, cache=ResponseCache(tmp_path))
    resp = second.get(replay.url("api/items.json"))
    assert resp.not_modified and resp.from_cache and resp.json() == BODY
    assert replay.requests[-1].headers["If-None-Match"].startswith('W/"')
    assert second.stats.not_modified == 1 and second.stats.bytes == 0


def test_if_modified_since_when_there_is_no_etag(replay):
    replay.add("/feed.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", content_type="text/calendar", etag=False,
               last_modified="Tue, 02 Jun 2026 10:00:00 GMT")
    client = make_client(replay)
    client.get(replay.url("feed.ics"), expect="ical")
    resp = client.get(replay.url("feed.ics"), expect="ical")
    assert resp.not_modified
    assert replay.requests[-1].headers["If-Modified-Since"] == "Tue, 02 Jun 2026 10:00:00 GMT"


def test_cache_ttl_answers_without_asking(replay):
    replay.add("/graphql", {"data": {"r0": None}}, method="POST")
    client = make_client(replay, cache_ttl=60)
    client.post(replay.url("graphql"), json={"query": "{ r0 }"})
    client.post(replay.url("graphql"), json={"query": "{ r0 }"})
    assert len(replay.requests) == 1 and client.stats.cache_hits == 1


@pytest.mark.parametrize("kind", ["500", "503", "timeout", "drop"])
def test_transient_faults_are_retried(replay, kind):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", kind, times=1)
    client = make_client(replay)
    assert client.get(replay.url("api/items.json")).json() == BODY
    assert client.stats.retries == 1 and client.stats.requests == 2


def test_persistent_500_fails_the_source_after_bounded_retries(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "500", times=10)
    client = make_client(replay)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        client.get(replay.url("api/items.json"))
    assert len(replay.requests) == 3  # first try + 2 retries


def test_429_retry_after_is_honoured(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "429", retry_after=1)
    client = make_client(replay)
    started = time.monotonic()
    assert client.get(replay.url("api/items.json")).json() == BODY
    assert time.monotonic() - started >= 0.9


def test_429_retry_after_above_the_cap_stops_the_source_with_reset_time(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "429", retry_after=3600)
    client = make_client(replay, retry_after_max=2)
    started = time.monotonic()
    with pytest.raises(RateLimited) as err:
        client.get(replay.url("api/items.json"))
    assert time.monotonic() - started < 1  # did not sleep an hour, nor the cap
    assert err.value.reset and err.value.reset.endswith("Z")
    assert len(replay.requests) == 1


def test_github_rate_limit_exhausted_stops_and_remembers_reset(replay):
    replay.add("/repos/a/b", {"message": "API rate limit exceeded for 1.2.3.4."}, status=403,
               headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000"})
    client = make_client(replay)
    with pytest.raises(RateLimited) as err:
        client.get(replay.url("repos/a/b"))
    assert err.value.reset == "2030-03-17T17:46:40Z"
    with pytest.raises(RateLimited):  # not asked again before the reset
        client.get(replay.url("repos/a/c"))
    assert len(replay.requests) == 1


def test_remaining_zero_on_success_stops_the_next_request(replay):
    replay.add("/repos/a/b", {"id": 1}, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000"})
    client = make_client(replay)
    assert client.get(replay.url("repos/a/b")).json() == {"id": 1}
    with pytest.raises(RateLimited):
        client.get(replay.url("repos/a/b"))


@pytest.mark.parametrize("kind", ["truncate", "truncate_clean"])
def test_truncated_json_is_a_bad_response(replay, kind):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", kind)
    with pytest.raises(BadResponse):
        make_client(replay).get(replay.url("api/items.json"))


def test_html_error_page_with_200_is_a_bad_response(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "html200")
    with pytest.raises(BadResponse, match="HTML page"):
        make_client(replay).get(replay.url("api/items.json"))


def test_wrong_content_type_is_a_bad_response(replay):
    replay.add("/feed.xml", "<rss/>", content_type="application/xml")
    with pytest.raises(BadResponse, match="content type"):
        make_client(replay).get(replay.url("feed.xml"), expect="json")
    assert make_client(replay).get(replay.url("feed.xml"), expect="xml").text == "<rss/>"


def test_slow_drip_hits_the_total_deadline(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "drip")  # 1 byte per 50 ms: ~90 s for this body
    client = make_client(replay, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="within 1 s"):
        client.get(replay.url("api/items.json"))
    assert time.monotonic() - started < 2.5


def test_double_gzip_bomb_stops_at_the_decoded_cap(replay):
    replay.add("/api/items.json", BODY)
    replay.fault("/api/items.json", "gzipbomb")  # ~16 MiB of zeros in a few hundred bytes
    with pytest.raises(BadResponse, match="cap"):
        make_client(replay, max_bytes=1024 * 1024).get(replay.url("api/items.json"))


def test_declared_length_above_the_cap_is_refused_before_reading(replay):
    replay.add("/big.json", b"[" + b"0," * 50_000 + b"0]")
    with pytest.raises(BadResponse, match="exceeds"):
        make_client(replay, max_bytes=10_000).get(replay.url("big.json"))


def test_json_with_nan_or_duplicate_keys_is_rejected():
    with pytest.raises(BadResponse, match="NaN"):
        parse_json(b'{"stars": NaN}')
    with pytest.raises(BadResponse, match="duplicate key 'id'"):
        parse_json(b'{"id": 1, "id": 2}')
    assert parse_json(b'\xef\xbb\xbf{"url": "https:\\/\\/indico.cern.ch\\/"}') == {"url": "https://indico.cern.ch/"}


def test_status_codes_map_to_source_errors(replay):
    replay.add("/gone", {"message": "Not Found"}, status=404)
    replay.add("/private", {"message": "Bad credentials"}, status=401)
    replay.add("/bad", {"message": "You can only request up to 1000 records"}, status=400)
    client = make_client(replay)
    with pytest.raises(NotFound):
        client.get(replay.url("gone"))
    with pytest.raises(AuthError):
        client.get(replay.url("private"))
    with pytest.raises(BadResponse, match="1000 records"):
        client.get(replay.url("bad"))


def test_redirects_are_followed_and_checked(replay):
    replay.add("/api/items.json", BODY)
    replay.add("/old", b"", status=301, headers={"Location": "/api/items.json"}, content_type=None)
    replay.add("/to-file", b"", status=302, headers={"Location": "file:///etc/passwd"}, content_type=None)
    numeric = f"http://2130706433:{replay.port}/api/items.json"
    replay.add("/to-loopback", b"", status=302, headers={"Location": numeric}, content_type=None)
    replay.add("/loop", b"", status=302, headers={"Location": "/loop"}, content_type=None)
    client = make_client(replay)
    assert client.get(replay.url("old")).json() == BODY
    with pytest.raises(BadResponse, match="scheme 'file'"):
        client.get(replay.url("to-file"))
    # 127.0.0.1:PORT is allowed for the test; the same server spelled 2130706433 is not.
    with pytest.raises(BadResponse, match="non-public address 127.0.0.1"):
        client.get(replay.url("to-loopback"))
    with pytest.raises(BadResponse, match="redirects"):
        client.get(replay.url("loop"))


def test_private_addresses_are_refused_unless_allowed(replay):
    replay.add("/api/items.json", BODY)
    strict = HttpClient(HttpSettings(connect_timeout=1, read_timeout=1, retries=0))
    with pytest.raises(BadResponse, match="non-public"):
        strict.get(replay.url("api/items.json"))
    assert replay.requests == []


def test_dns_rebinding_is_caught_at_the_socket(replay, monkeypatch):
    """The name passes the check (it 'resolves' public), but the connection lands on loopback."""
    from knowhow.harvest import urls

    replay.add("/api/items.json", BODY)
    monkeypatch.setattr(urls, "resolve", lambda host, port: ["93.184.216.34"])
    client = HttpClient(HttpSettings(connect_timeout=1, read_timeout=1, retries=0))
    url = replay.url("api/items.json").replace("127.0.0.1", "localhost")
    with pytest.raises(SourceUnavailable, match="non-public address 127.0.0.1"):
        client.get(url)
    assert replay.requests == []


@pytest.mark.parametrize("url", [
    "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://localhost/", "http://0.0.0.0/", "http://10.0.0.8/",
    "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://[fd00::1]/",
])
def test_every_spelling_of_an_internal_address_is_blocked(url):
    with pytest.raises(BlockedURL, match="non-public"):
        check_url(url)


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "scheme"), ("ftp://example.org/", "scheme"), ("gopher://x/", "scheme"),
    ("https://user:pw@example.org/", "credentials"), ("http:///nohost", "no host"),
])
def test_only_plain_http_urls_are_fetched(url, reason):
    with pytest.raises(BlockedURL, match=reason):
        check_url(url)


def test_unresolvable_host_is_unavailable_not_refused(monkeypatch):
    import socket

    def no_dns(*args, **kwargs):  # no test asks a real DNS server
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    client = HttpClient(HttpSettings(retries=0))
    with pytest.raises(SourceUnavailable, match="cannot resolve host"):
        client.get("https://no-such-host.invalid/api")


def test_https_to_http_redirect_is_refused():
    with pytest.raises(BlockedURL, match="https to http"):
        check_url("http://8.8.8.8/x", came_from="https://8.8.8.8/y")


def test_token_is_sent_to_its_host_only_and_never_logged(replay, caplog):
    replay.add("/api/items.json", BODY)
    other = f"http://localhost:{replay.port}/api/items.json"
    replay.add("/elsewhere", b"", status=302, headers={"Location": other}, content_type=None)
    token = token_from_env({"token_env": "TEST_TOKEN"}, replay.base_url, {"TEST_TOKEN": "s3cret-value"})
    assert token is not None and "s3cret" not in repr(token) and str(token) == "$TEST_TOKEN"
    settings_hosts = {"127.0.0.1", f"localhost:{replay.port}"}
    client = make_client(replay, token=token, allow_private=frozenset(settings_hosts | {f"127.0.0.1:{replay.port}"}))
    with caplog.at_level(logging.DEBUG):
        client.get(replay.url("api/items.json"))
        client.get(replay.url("elsewhere"))
    assert replay.requests[0].headers["Authorization"] == "Bearer s3cret-value"
    assert "Authorization" not in replay.requests[-1].headers  # redirected to another host
    assert "s3cret" not in caplog.text


def test_missing_token_variable_means_anonymous():
    assert token_from_env({"token_env": "NOPE"}, "https://api.github.com/", {}) is None
    t = token_from_env({"token_env": "GL", "token_header": "PRIVATE-TOKEN"}, "https://gitlab.com/api/v4/", {"GL": "x"})
    assert isinstance(t, Token) and t.header_value() == "x" and t.hosts == {"gitlab.com"}
