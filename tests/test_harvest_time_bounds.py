"""Time bounds and truthful transport reports, against the replay server: a source that drips
bytes or hangs after its headers is cut at its own deadline and reported; a 503 with a far-future
Retry-After says how many retries were really made; a relative `Link: rel=next` is followed."""

from __future__ import annotations

import time

import pytest

from harvest_support import DATA, make_client, make_settings
from knowhow.harvest.base import SourceConfig, SourceUnavailable
from knowhow.harvest.config import ConfigError, HarvestConfig, load
from knowhow.harvest.report import markdown
from knowhow.harvest.runner import run
from knowhow.harvest.sources.tess import TeSS

JSONAPI = "application/vnd.api+json"
TESS = DATA / "tess"


def relaxed(srv, **kw):
    """Generous per-request limits, so only the source's own deadline can cut a request short."""
    return make_settings(srv, read_timeout=10.0, deadline=30.0, **kw)


def tess_config(srv, **kw) -> SourceConfig:
    return SourceConfig("pan-training", "tess", "events", srv.url("tess/"), {"include_expired": True}, **kw)


@pytest.mark.parametrize("fault", ["drip", "hang"])
def test_a_dripping_or_hanging_source_is_cut_at_its_deadline(replay, fault):
    replay.add("tess/events.json_api", TESS / "events_page1.json", content_type=JSONAPI)
    replay.fault("tess/events.json_api", fault)
    client = make_client(replay, read_timeout=10.0, deadline=30.0, source_deadline=1.0)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="cut at the source's deadline of 1 s"):
        list(TeSS(tess_config(replay), client).records())
    assert time.monotonic() - started < 2.5  # not the 10 s read timeout, not the whole drip


def test_the_deadline_covers_every_request_of_the_source(tmp_path, replay):
    # Each page is healthy but slow: the whole listing would take 2.4 s, the budget is 1 s.
    for n in range(1, 9):
        item = {"id": str(n), "type": "events", "attributes": {
            "slug": f"school-{n}", "title": f"School {n}", "start": "2026-05-04T09:00:00.000Z"}}
        replay.add("tess/events.json_api", {"data": [item], "links": {"next": f"/events?page_number={n + 1}"},
                                            "meta": {}}, query={"page_number": str(n)}, content_type=JSONAPI,
                   delay=0.3)
    replay.add("pypi/silx/json", DATA / "pypi/project_silx.json")
    (tmp_path / "registry/curated/software").mkdir(parents=True)
    (tmp_path / "registry/curated/software/silx.yaml").write_text(
        "id: silx\nname: silx\ndescription: Data analysis.\nhomepage: http://www.silx.org/\npackages: {pypi: silx}\n")
    config = HarvestConfig("s", (tess_config(replay, deadline=1.0),
                                 SourceConfig("pypi", "pypi", "software", replay.url("pypi/"))))
    started = time.monotonic()
    report = run(config, registry=tmp_path / "registry", state_path=tmp_path / "state.json",
                 cache_dir=tmp_path / "cache", settings=relaxed(replay))
    assert time.monotonic() - started < 4
    slow, pypi = report.rows
    assert slow.outcome.failed and "cut at the source's deadline of 1 s" in slow.outcome.error
    assert slow.requests < 8
    assert not pypi.outcome.failed and pypi.outcome.new == 1  # the next source runs as usual
    assert "pan-training** failed (unavailable:" in markdown(report)


def test_503_with_far_future_retry_after_reports_no_retry(replay):
    replay.add("api/items.json", {"items": []})
    replay.fault("api/items.json", "503", times=5, retry_after=86400)
    client = make_client(replay)
    with pytest.raises(SourceUnavailable) as exc:
        client.get(replay.url("api/items.json"))
    message = str(exc.value)
    assert "no retry" in message and "Retry-After of 86400 s exceeds the 2 s cap" in message
    assert "after 2 retries" not in message and client.stats.retries == 0
    assert len(replay.requests) == 1


def test_503_retried_then_failing_counts_the_retries_made(replay):
    replay.add("api/items.json", {"items": []})
    replay.fault("api/items.json", "503", times=5, retry_after=0)
    client = make_client(replay)
    with pytest.raises(SourceUnavailable, match=r"\(after 2 retries\)"):
        client.get(replay.url("api/items.json"))
    assert client.stats.retries == 2 and len(replay.requests) == 3


def test_relative_link_next_on_the_same_host_is_followed(replay):
    from knowhow.harvest.sources.gitlab import GitLab

    replay.add("gl/api/v4/projects/acme", {"message": "404 Project Not Found"}, status=404)
    def project(n: int) -> list[dict]:
        return [{"id": n, "path_with_namespace": f"acme/p{n}", "star_count": n,
                 "last_activity_at": "2026-01-01T00:00:00Z"}]

    # Root-relative, then path-relative links, as GitLab behind some proxies sends them.
    replay.add("gl/api/v4/groups/acme/projects", project(1),
               headers={"Link": '</gl/api/v4/groups/acme/projects?page=2>; rel="next"'})
    replay.add("gl/api/v4/groups/acme/projects", project(2), query={"page": "2"},
               headers={"Link": '<projects?page=3>; rel="next"'})
    replay.add("gl/api/v4/groups/acme/projects", project(3), query={"page": "3"})
    cfg = SourceConfig("gl", "gitlab", "collaborations", replay.url("gl/"), {"host": "gitlab.example.org"})
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://gitlab.example.org/acme"]}}}
    [record] = list(GitLab(cfg, make_client(replay), ctx).records())
    assert record["facts"]["repositories"] == 3
    assert [r.query.get("page") for r in replay.requests_to("gl/api/v4/groups/acme/projects")] == [None, "2", "3"]


def test_a_relative_link_cannot_leave_the_host_or_loop(replay):
    from knowhow.harvest.base import BadResponse
    from knowhow.harvest.sources.gitlab import GitLab

    replay.add("gl/api/v4/projects/acme", {"message": "404"}, status=404)
    replay.add("gl/api/v4/groups/acme/projects", [{"id": 1, "path_with_namespace": "acme/a"}],
               headers={"Link": '<//evil.example/steal?page=2>; rel="next"'})
    cfg = SourceConfig("gl", "gitlab", "collaborations", replay.url("gl/"), {"host": "gitlab.example.org"})
    ctx = {"collaborations": {"c": {"id": "c", "repositories": ["https://gitlab.example.org/acme"]}}}
    with pytest.raises(BadResponse, match="other host or a loop"):
        list(GitLab(cfg, make_client(replay), ctx).records())


def sources_yaml(tmp_path, deadline: str):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: pan-training\n    type: tess\n    kind: events\n"
                    f"    base_url: https://tess.example.org/\n    deadline_seconds: {deadline}\n", encoding="utf-8")
    return path


def test_deadline_seconds_in_sources_yaml_sets_the_source_budget(tmp_path):
    assert load(sources_yaml(tmp_path, "90")).sources[0].deadline == 90.0


@pytest.mark.parametrize("value, shown", [("0.5", "'0.5'"), ("7200", "7200"), ("true", "True")])
def test_deadline_seconds_out_of_bounds_is_a_one_line_error(tmp_path, value, shown):
    with pytest.raises(ConfigError) as raised:
        load(sources_yaml(tmp_path, value))
    assert str(raised.value).endswith(
        "sources.yaml:6: /sources/0/deadline_seconds: [out-of-range] deadline_seconds must be a number "
        f"of seconds from 1 to 3600, not {shown} (e.g. 240)")
