"""What visitors read: catalogue rows, record sections (install, cite, help, report, review),
status and provenance wording, events and calendar, the charts' data and labels."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from site_support import ROOT, write_registry

from knowhow.registry import store
from knowhow.site import charts, records
from knowhow.site.graph import Graph
from knowhow.site.inputs import gather
from knowhow.site.pages import generate
from knowhow.site.render import field_label

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("design")
    write_registry(root / "registry", TODAY)
    inp = gather(store.read(root / "registry"), ROOT, today=TODAY)
    inp.stale, inp.link_status = {}, {}
    return inp, generate(inp)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row_of(body: str, name: str) -> str:
    return next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", body) if f">{name}</a>" in r)


def test_software_rows_show_what_people_choose_by(built):
    _, files = built
    body = files["software/index.md"]
    heads = re.findall(r'<th scope="col">([^<]+)</th>', body)
    assert heads == ["Software", "Category", "Facilities", "Latest release", "Stars", "Status"]
    tomo = text_of(row_of(body, "TomoTool"))
    assert "Reconstructs tomography scans of zeolite crystals." in tomo and "Fast" not in tomo  # first sentence
    assert "ALPHA develops , BETA uses" in tomo
    viewer = row_of(body, "Viewer")
    assert "2.1.0" in viewer and 'data-sort="2024-05-01"' in viewer and ">12<" in viewer
    assert "Archived" in viewer and "kh-badge--disputed" in viewer  # archived wins over curated "maintained"
    assert 'data-f-status="archived"' in viewer
    assert 'class="kh-table kh-table--cards kh-sortable"' in body


def test_columns_no_row_fills_are_left_out(built):
    _, files = built
    heads = re.findall(r'<th scope="col">([^<]+)</th>', files["open_data/index.md"])
    assert "Datasets" in heads  # alpha-portal has a harvested figure
    assert re.findall(r'<th scope="col">([^<]+)</th>', files["collaborations/index.md"])[0] == "Name"


def test_facets_fold_and_long_ones_offer_show_all(built):
    _, files = built
    body = files["software/index.md"]
    assert body.count('<details class="kh-facet-box"') == 7
    assert 'class="md-button kh-filters-open"' in body  # the phone drawer's button
    assert "entries." in body and "1 entries" not in files["open_data/index.md"]


def test_software_page_install_cite_help_and_report(built):
    inp, files = built
    body = files["software/tomotool/index.md"]
    for command in ("pip install tomotool", "conda install -c conda-forge tomotool",
                    "docker pull ghcr.io/example/tomotool:2.0"):
        assert f"<code>{command}</code>" in body
    assert "Cite it by its DOI" in body and "https://doi.org/10.5281/zenodo.1234567" in body
    assert "https://github.com/example/tomotool/issues" in body
    report = html.unescape(re.search(r'href="([^"]*issues/new\?[^"]*)"[^>]*>Report a problem', body).group(1))
    query = parse_qs(urlsplit(report).query)
    assert report.startswith(inp.repo_url) and query["template"] == ["5-wrong-entry.yml"]
    assert query["record"] == ["software/tomotool"]
    assert re.search(r'<ul class="kh-quick"[^>]*>.*Website.*Documentation.*Source code', body)


def test_a_package_name_that_is_not_one_is_never_offered_as_a_command(built):
    _, files = built
    assert "rm -rf" not in text_of(files["software/hostile/index.md"]).split("Install")[1].split("Cite")[0]
    assert records.install_commands({"packages": {"pypi": "ok-name", "conda_forge": "a b", "container": "X:Y"}}) == [
        ("PyPI", "pip install ok-name")]


def test_status_and_provenance_read_as_words(built):
    _, files = built
    body = files["software/viewer/index.md"]
    assert "disputed" in body and "the entry says maintained, but the repository is archived" in body
    assert "facts.latest_release" not in body and "archived, latest release, release date, stars" in text_of(body)
    assert field_label("facts.citation.doi") == "citation DOI" and field_label("license") == "licence"


def test_cite_formats_the_harvested_citation_with_bibtex():
    d = {"id": "pyx", "name": "PyX", "doi": "10.1/curated", "facts": {"citation": {
        "title": "PyX: {fast} & small", "authors": ["Ada Lovelace", "Alan Turing"], "version": "1.2",
        "date_released": "2024-03-01", "doi": "10.5281/zenodo.42"}}}
    cite = records.citation(d)
    assert cite["doi"] == "10.5281/zenodo.42"
    assert cite["text"] == ("Ada Lovelace and Alan Turing (2024). PyX: {fast} & small (version 1.2). "
                            "https://doi.org/10.5281/zenodo.42")
    assert cite["bibtex"].startswith("@software{Lovelace2024,\n  title = {PyX: fast \\& small},")
    assert "  author = {Ada Lovelace and Alan Turing}," in cite["bibtex"] and cite["bibtex"].endswith("}")
    assert records.citation({"doi": "10.1/x"}) == {"doi": "10.1/x", "text": "", "bibtex": ""}
    assert records.citation({"facts": {"concept_doi": "10.5281/zenodo.7"}})["doi"] == "10.5281/zenodo.7"
    assert records.citation({}) == {"doi": "", "text": "", "bibtex": ""}


def test_needs_review_box_lists_the_flags(built):
    inp, _ = built
    g = Graph(inp)
    rec = g.ids["software"]["viewer"]
    flagged = dataclasses.replace(rec, data={**rec.data, "review": [
        {"code": "status-archived", "field": "status", "message": "curated maintained, repository archived",
         "evidence": "https://github.com/example/viewer"},
        {"code": "x", "message": "<b>not markup</b>", "evidence": "javascript:alert(1)"}]})
    body = records.record_page(g, flagged, records.EXTRA["software"](g, flagged))
    box = re.search(r'<div class="admonition warning kh-review".*?</div>', body).group(0)
    assert "Needs review" in box and "<strong>status</strong>: curated maintained, repository archived" in box
    assert 'href="https://github.com/example/viewer"' in box and "&lt;b&gt;not markup&lt;/b&gt;" in box
    assert "javascript:" not in box.split("not markup")[1].split("</li>")[0].replace("(javascript:alert(1))", "")
    assert "kh-review" not in records.record_page(g, rec, records.EXTRA["software"](g, rec))


def test_plurals_and_times_are_said_once(built):
    _, files = built
    assert not re.search(r"\b1 (events|entries|packages|facilities)\b", text_of(files["index.md"]))
    events = text_of(files["events/index.md"])
    assert "all day, local dates" not in events
    assert events.count("UTC") >= 2 and "CEST (Europe/Berlin)" in events  # Berlin event: local, then UTC
    assert "When (UTC)" not in events


def test_calendar_has_one_today_and_month_steps(built):
    _, files = built
    body = files["events/calendar_view/index.md"]
    assert body.count('aria-current="date"') == 1
    assert 'id="m-2026-06"' in body and "kh-month--current" in body
    assert re.search(r'href="#m-2026-05" aria-label="Previous month, May 2026"', body)
    assert re.search(r'href="#m-2026-07" aria-label="Next month, July 2026"', body)
    assert re.search(r"\b1 event\b", text_of(body)) and not re.search(r"\b1 events\b", text_of(body))


def test_matrix_table_shows_joined_years_and_charts_are_deterministic(built):
    inp, files = built
    body = files["collaborations/participation_matrix/index.md"]
    table = body[body.index('id="kh-matrix"'):]
    assert ">yes" not in table and ">2012<" in table and ">✓<" in table
    assert 'tabindex="0" role="region" aria-label="Participation matrix chart' in body
    g = Graph(inp)
    m = charts.matrix_data(g)
    assert str(charts.matrix_svg(g, m)) == str(charts.matrix_svg(g, m))
    trends = str(charts.trends_svg(g, charts.trend_data(g)))
    assert "Control Systems" in trends and "Category not recorded" in trends
    assert "Hardware &amp; Control" not in trends and "Management Information" not in trends  # never drawn


def test_bubble_labels_never_overlap_and_stay_inside():
    class G:
        def title(self, col):
            return col.data["name"]

    bubbles = [charts.Bubble(SimpleNamespace(id=f"c{i}", data={"name": f"Collaboration number {i}"}),
                             2000 + i % 5, 1 + i % 3, 1 + i) for i in range(30)]
    x0, x1, y1 = 1998, 2006, 5

    def sx(v):
        return (v - x0) / (x1 - x0) * charts.TREND_W

    def sy(v):
        return charts.TREND_H - v / y1 * charts.TREND_H

    labels = charts.place_labels(bubbles, G(), sx, sy, max(b.size for b in bubbles))
    assert 0 < len(labels) < 30  # crowded: some labels are left out rather than collide
    boxes = []
    for lab in labels:
        w = len(lab["text"]) * charts.LABEL_PX + 4
        left = lab["x"] - (w if lab["align"] == "right" else w / 2 if lab["align"] == "center" else 0)
        box = (left, lab["y"] - 7, left + w, lab["y"] + 7)
        assert box[0] >= 0 and box[2] <= charts.TREND_W and box[1] >= 0 and box[3] <= charts.TREND_H
        assert all(box[2] <= o[0] or box[0] >= o[2] or box[3] <= o[1] or box[1] >= o[3] for o in boxes)
        boxes.append(box)
