"""The fact sources through the real runner and store: curated records enriched, `validate` happy,
and a second run against unchanged upstreams changing no file at all."""

from __future__ import annotations

from pathlib import Path

from harvest_support import DATA, make_settings
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.config import HarvestConfig
from knowhow.harvest.runner import run
from knowhow.registry.validate import validate
from knowhow.registry.yamlio import load_file

CURATED = {
    "software/silx.yaml": """\
id: silx
name: silx
description: Python library of data assessment, reduction and analysis tools for synchrotron data.
homepage: http://www.silx.org/
repository: https://github.com/silx-kit/silx
license: MIT
doi: 10.5281/zenodo.591709
packages:
  pypi: silx
""",
    "software/fabio.yaml": """\
id: fabio
name: FabIO
description: I/O library for images produced by 2D X-ray detectors.
homepage: https://github.com/silx-kit/fabio
repository: https://github.com/silx-kit/fabio
""",
    "collaborations/silx-community.yaml": """\
id: silx-community
name: silx community
description: The silx-kit organisation's data analysis libraries.
website: http://www.silx.org/
repositories: [https://github.com/silx-kit]
""",
    "open_data/facility-data.yaml": """\
id: facility-data
name: Facility data portal
description: Open data of a facility.
url: https://data.example-facility.eu/
doi_prefix: "10.15151"
api: {type: panosc, endpoint: "{panosc}"}
""",
    "open_data/facility-oai.yaml": """\
id: facility-oai
name: Facility OAI-PMH
description: The facility's metadata over OAI-PMH.
url: https://data.example-facility.eu/oai
api: {type: oai-pmh, endpoint: "{oai}"}
""",
}


def make_registry(root: Path, srv) -> None:
    for rel, text in CURATED.items():
        path = root / "curated" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{panosc}", srv.url("panosc/api/")).replace("{oai}", srv.url("oai")))


def serve(srv) -> None:
    gh, pp, zn, dc, pn, oa = (DATA / s for s in ("github", "pypi", "zenodo", "datacite", "panosc", "oaipmh"))
    srv.add("gh/repos/silx-kit/silx", gh / "repo_silx.json")
    srv.add("gh/repos/silx-kit/silx/releases/latest", gh / "release_latest_silx.json")
    srv.add("gh/repos/silx-kit/silx/branches/main", gh / "branch_main_silx.json")
    srv.add("gh/repos/silx-kit/silx/contents/CITATION.cff", gh / "contents_citation_cff_silx.json")
    srv.add("gh/repos/silx-kit/fabio", gh / "repo_fabio_hostile.json")
    srv.add("gh/repos/silx-kit/fabio/releases/latest", gh / "release_latest_not_found_404.json", status=404)
    srv.add("gh/repos/silx-kit/fabio/branches/master", gh / "branch_master_fabio.json")
    srv.add("gh/orgs/silx-kit/repos", gh / "org_repos_page1.json")
    srv.add("pypi/pypi/silx/json", pp / "project_silx.json")
    srv.add("zenodo/api/records", zn / "concept_search_silx_newest_first.json", query={"q": "conceptrecid:591709"})
    srv.add("datacite/dois", dc / "dois_prefix_esrf_size0.json", query={"prefix": "10.15151"})
    srv.add("panosc/api/Datasets/count", pn / "datasets_count_ess.json")
    srv.add("panosc/api/Documents/count", pn / "documents_count_ess.json")
    srv.add("oai", (oa / "listrecords_oai_dc_single_page_no_token.xml").read_bytes(), content_type="text/xml")


def sources(srv) -> HarvestConfig:
    def src(name, type_, kind, path, **params):
        return SourceConfig(name=name, type=type_, kind=kind, base_url=srv.url(path), params=params)
    return HarvestConfig("sources.yaml", (
        src("github-software", "github", "software", "gh/"),
        src("github-collaborations", "github", "collaborations", "gh/"),
        src("pypi", "pypi", "software", "pypi/pypi/"),  # the API root form, as in harvest/sources.yaml
        src("zenodo-software", "zenodo", "software", "zenodo/api/"),
        src("datacite-open-data", "datacite", "open_data", "datacite/"),
        src("panosc", "panosc", "open_data", "panosc/api/"),
        src("facility-oai", "oaipmh", "open_data", "oai", verb="ListRecords"),
    ))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "harvested").rglob("*.yaml"))}


def test_fact_sources_enrich_curated_records_and_rerun_quietly(tmp_path, replay):
    root = tmp_path / "registry"
    make_registry(root, replay)
    serve(replay)
    kwargs = dict(registry=root, state_path=tmp_path / "state.json", cache_dir=tmp_path / "cache",
                  settings=make_settings(replay))
    report = run(sources(replay), **kwargs)
    assert [r.outcome.failed for r in report.rows] == [False] * 7, [r.outcome.error for r in report.rows]

    silx = load_file(root / "harvested/software/silx.yaml").data
    assert silx["facts"] == {
        "stars": 147, "forks": 80, "open_issues": 271, "archived": False, "last_commit": "2026-11-02T16:39:41+00:00",
        "latest_release": "v2.2.0", "latest_release_date": "2026-10-21T12:03:51+00:00", "repository_license": "MIT",
        "topics": ["data-visualization", "hdf5", "opengl", "python", "synchrotron"],
        "pypi_version": "2.2.0", "pypi_release_date": "2026-10-21T12:20:03+00:00",
        "versions": 41, "views": 7803, "downloads": 1904, "concept_doi": "10.5281/zenodo.591709",
        "citation": {"title": "silx", "authors": ["Jane Doe", "Jan van der Berg", "ESRF Data Analysis Unit"],
                     "version": "2.2.0", "date_released": "2026-10-21", "doi": "10.5281/zenodo.591709",
                     "url": "http://www.silx.org/", "repository": "https://github.com/silx-kit/silx"}}
    assert silx["provenance"]["facts.stars"]["source"] == "github-software"
    assert silx["provenance"]["facts.pypi_version"]["source"] == "pypi"
    assert "license" not in silx  # curated already says MIT
    assert load_file(root / "harvested/collaborations/silx-community.yaml").data["facts"] == {
        "repositories": 2, "stars": 178, "last_activity": "2026-11-02T16:40:05+00:00"}
    data = load_file(root / "harvested/open_data/facility-data.yaml").data["facts"]
    assert data["dois"] == 48213 and data["datasets"] == 1423 and data["documents"] == 86
    assert load_file(root / "harvested/open_data/facility-oai.yaml").data["facts"] == {
        "records": 2, "latest_record": "2026-11-01T09:00:00+00:00"}

    registry, problems = validate(root)
    assert problems.valid, problems.render()
    assert registry.get("software", "silx").data["facts"]["stars"] == 147

    before = snapshot(root)
    sent = len(replay.requests)
    again = run(sources(replay), **kwargs)
    assert snapshot(root) == before  # nothing changed upstream: no file changes at all
    assert all(r.outcome.new == r.outcome.changed == 0 for r in again.rows)
    github_rows = [r for r in again.rows if r.source.type == "github"]
    # All but the 404s (fabio has no release and no CITATION.cff) are 304s.
    assert sum(r.not_modified for r in github_rows) == sum(r.requests for r in github_rows) - 2
    assert len(replay.requests) - sent == sum(r.requests for r in again.rows)
