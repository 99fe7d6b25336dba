"""PyPI adapter: latest version and release date, conditional second run, bad names and versions."""

from __future__ import annotations

import json

from harvest_support import DATA, make_client
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.sources import pypi
from knowhow.registry.model import SoftwareFacts

D = DATA / "pypi"


def load(name: str):
    return json.loads((D / name).read_text(encoding="utf-8"))


def adapter(srv, context, client=None):
    config = SourceConfig(name="pypi", type="pypi", kind="software", base_url=srv.base_url + "pypi-mirror/")
    return pypi.PyPI(config, client or make_client(srv), context)


def test_release_facts_take_the_first_upload_of_the_latest_version():
    facts = pypi.release_facts(load("project_silx.json"))
    assert facts == {"pypi_version": "2.2.0", "pypi_release_date": "2026-10-21T12:20:03+00:00"}
    SoftwareFacts(**facts)


def test_release_facts_fall_back_to_releases_and_skip_yanked_files():
    assert pypi.release_facts(load("project_fabio_files_in_releases_only.json")) == {
        "pypi_version": "2026.9.0", "pypi_release_date": "2026-09-14T06:00:00+00:00"}


def test_hostile_version_string_gives_no_facts():
    assert pypi.release_facts(load("project_hostile_version.json")) == {}


def test_names_are_normalised_as_pep_503():
    assert pypi.normalise_name("PyFAI") == "pyfai"
    assert pypi.normalise_name("silx_kit.Tools") == "silx-kit-tools"
    assert pypi.normalise_name("../etc/passwd") is None
    assert pypi.normalise_name("a b") is None


def test_harvest_with_second_run_answered_by_304(replay):
    replay.add("/pypi-mirror/pypi/silx/json", D / "project_silx.json")
    replay.add("/pypi-mirror/pypi/fabio/json", D / "project_fabio_files_in_releases_only.json")
    replay.add("/pypi-mirror/pypi/gone/json", D / "not_found_404.json", status=404)
    ctx = {"software": {
        "silx": {"id": "silx", "license": "MIT", "packages": {"pypi": "silx"}},
        "fabio": {"id": "fabio", "packages": {"pypi": "FabIO"}},
        "gone": {"id": "gone", "packages": {"pypi": "gone"}},
        "bad": {"id": "bad", "packages": {"pypi": "no/such name"}},
        "no-package": {"id": "no-package", "packages": {"conda_forge": "x"}},
    }}
    client = make_client(replay)
    a = adapter(replay, ctx, client)
    first = list(a.records())
    assert first == [
        {"id": "fabio", "license": "MIT", "facts": {"pypi_version": "2026.9.0",
                                                     "pypi_release_date": "2026-09-14T06:00:00+00:00"}},
        {"id": "silx", "facts": {"pypi_version": "2.2.0", "pypi_release_date": "2026-10-21T12:20:03+00:00"}},
    ]
    assert sorted(a.problems) == ["bad: 'no/such name' is not a PyPI project name",
                                  "pypi.org/project/gone: no such project"]
    before = client.stats.not_modified
    assert list(adapter(replay, ctx, client).records()) == first
    assert client.stats.not_modified - before == 2
