"""GitLab adapter: encoded project paths, anonymous and authenticated answers, group pages, 304s."""

from __future__ import annotations

import json

import pytest

from harvest_support import DATA, make_client
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.sources import gitlab as gl
from knowhow.harvest.sources.targets import api_root
from knowhow.registry.model import CollaborationFacts, SoftwareFacts

D = DATA / "gitlab"


def load(name: str):
    return json.loads((D / name).read_text(encoding="utf-8"))


def adapter(srv, context, *, kind="software", client=None, host="gitlab.esrf.fr"):
    config = SourceConfig(name="esrf-gitlab", type="gitlab", kind=kind, base_url=srv.base_url + "gl/",
                          params={"host": host})
    return gl.GitLab(config, client or make_client(srv), context)


def test_project_path_is_one_encoded_segment():
    assert gl.project_url("https://gitlab.com/api/v4/", "group/sub group/proj") == \
        "https://gitlab.com/api/v4/projects/group%2Fsub%20group%2Fproj"


@pytest.mark.parametrize("base", ["https://gitlab.com", "https://gitlab.com/", "https://gitlab.com/api/v4",
                                  "https://gitlab.com/api/v4/"])
def test_base_url_may_be_the_site_or_the_api_root(base):
    assert api_root(base, "api/v4") == "https://gitlab.com/api/v4/"


def test_anonymous_project_facts():
    facts = gl.project_facts(load("project_anonymous_bliss.json"), load("branch_master_bliss.json"),
                             load("releases_newest_first_bliss.json"))
    assert facts == {
        "stars": 26, "forks": 37,
        "last_commit": "2026-11-19T17:44:10+00:00",  # +01:00 converted to UTC
        "latest_release": "2.1.1",  # the upcoming release is not released yet
        "latest_release_date": "2026-10-02T08:15:31+00:00",
        "repository_license": "GNU Lesser General Public License v3.0",  # lgpl-3.0 is no SPDX id
        "topics": ["beamline", "control", "esrf"],
    }
    SoftwareFacts(**facts)
    assert "open_issues" not in facts and "archived" not in facts  # anonymous view does not say


def test_authenticated_project_states_open_issues_and_archived():
    facts = gl.project_facts(load("project_authenticated_ewoks.json"), None, [])
    assert facts == {"stars": 9, "forks": 4, "open_issues": 14, "archived": True}


def test_harvest_software_on_its_host_only_with_304_second_run(replay):
    replay.add("/gl/api/v4/projects/bliss/bliss", load("project_anonymous_bliss.json"), query={"license": "true"})
    replay.add("/gl/api/v4/projects/bliss/bliss/repository/branches/master", D / "branch_master_bliss.json")
    replay.add("/gl/api/v4/projects/bliss/bliss/releases", D / "releases_newest_first_bliss.json")
    replay.add("/gl/api/v4/projects/workflow/ewoks", D / "project_authenticated_ewoks.json")
    replay.add("/gl/api/v4/projects/workflow/ewoks/repository/branches/main", D / "branch_master_bliss.json")
    replay.add("/gl/api/v4/projects/workflow/ewoks/releases", [])
    replay.add("/gl/api/v4/projects/x/gone", D / "not_found_project_404.json", status=404)
    ctx = {"software": {
        "bliss": {"id": "bliss", "repository": "https://gitlab.esrf.fr/bliss/bliss"},
        "ewoks": {"id": "ewoks", "repository": "https://gitlab.esrf.fr/workflow/ewoks/-/tree/main", "license": "MIT"},
        "gone": {"id": "gone", "repository": "https://gitlab.esrf.fr/x/gone.git"},
        "on-github": {"id": "on-github", "repository": "https://github.com/silx-kit/silx"},
        "other-gitlab": {"id": "other-gitlab", "repository": "https://gitlab.com/bliss/bliss"},
    }}
    client = make_client(replay)
    a = adapter(replay, ctx, client=client)
    first = list(a.records())
    assert [r["id"] for r in first] == ["bliss", "ewoks"]
    assert "license" not in first[0]  # LGPL-3.0 spelled lgpl-3.0 is no valid SPDX id: nothing filled
    assert first[1]["facts"]["archived"] is True and "latest_release" not in first[1]["facts"]
    assert a.problems == ["gitlab.esrf.fr/x/gone: project not found"]
    assert replay.requests_to("/gl/api/v4/projects/bliss/bliss")[0].query == {"license": "true"}
    assert replay.requests_to("/gl/api/v4/projects/bliss/bliss/releases")[0].query == {
        "per_page": "1", "order_by": "released_at", "sort": "desc"}

    assert list(adapter(replay, ctx, client=client).records()) == first
    assert client.stats.not_modified == 6


def test_group_listing_follows_x_next_page(replay):
    replay.add("/gl/api/v4/projects/ess-dmsc", D / "not_found_project_404.json", status=404)
    replay.add("/gl/api/v4/groups/ess-dmsc/projects", D / "group_projects_page1.json",
               headers={"X-Next-Page": "2", "X-Page": "1", "X-Per-Page": "100"})
    replay.add("/gl/api/v4/groups/ess-dmsc/projects", D / "group_projects_page2_last.json", query={"page": "2"},
               headers={"X-Next-Page": "", "X-Page": "2", "X-Per-Page": "100"})
    replay.add("/gl/api/v4/projects/ess-dmsc/kafka-to-nexus", load("group_projects_page1.json")[0])
    ctx = {"collaborations": {
        "ess-streaming": {"id": "ess-streaming", "repositories": ["https://gitlab.com/ess-dmsc"]},
        "kafka": {"id": "kafka", "repositories": ["https://gitlab.com/ess-dmsc/kafka-to-nexus"]},
        "github-only": {"id": "github-only", "repositories": ["https://github.com/ess-dmsc"]},
    }}
    records = list(adapter(replay, ctx, kind="collaborations", host="gitlab.com").records())
    assert records == [
        {"id": "ess-streaming", "facts": {"repositories": 3, "stars": 20,
                                          "last_activity": "2026-11-20T21:30:00+00:00"}},  # the fork is left out
        {"id": "kafka", "facts": {"repositories": 1, "stars": 12, "last_activity": "2026-11-18T10:00:00+00:00"}},
    ]
    for r in records:
        CollaborationFacts(**r["facts"])
    pages = replay.requests_to("/gl/api/v4/groups/ess-dmsc/projects")
    assert [p.query.get("page") for p in pages] == [None, "2"]
    assert pages[0].query["include_subgroups"] == "true"
