"""The page generator as a pure function: paths, safe page shells, feeds, JSON-LD, charts, badges."""

from __future__ import annotations

import json
import re
import sys
import types
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
import yaml
from icalendar import Calendar
from site_support import (
    CANARY,
    HIDDEN_MARKER,
    HOSTILE_TITLE,
    ROOT,
    scan,
    write_registry,
)

from knowhow.registry import store
from knowhow.registry.model import KINDS
from knowhow.site import charts, inputs
from knowhow.site.assemble import SiteError, write_staging
from knowhow.site.graph import Graph
from knowhow.site.inputs import SiteInput, gather
from knowhow.site.pages import generate
from knowhow.site.reference import field_rows
from knowhow.site.render import FRONT_KEYS, page, relurl
from knowhow.site.times import event_time

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    write_registry(root / "registry", TODAY)
    reg = store.read(root / "registry")
    inp = gather(reg, ROOT, today=TODAY)
    inp.stale, inp.link_status = {}, {}  # independent of the repository's harvest state
    return inp, generate(inp)


def split_page(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def markdown_pages(files: dict) -> dict[str, str]:
    return {p: c for p, c in files.items() if p.endswith(".md")}


def test_every_published_record_and_index_gets_a_page(generated):
    inp, files = generated
    for kind in KINDS:
        assert f"{kind}/index.md" in files
        for rec in inp.registry.published(kind):
            assert f"{kind}/{rec.id}/index.md" in files
    for path in ("index.md", "events/calendar_view/index.md", "collaborations/participation_matrix/index.md",
                 "collaborations/trends_chart/index.md", "downloads/index.md", "contribute/fields/index.md",
                 "compression/index.md", "events.ics", "feed.xml", "data/datapackage.json",
                 "data/software.csv", "data/events.json", "schemas/software.schema.json"):
        assert path in files, path
    assert "software/secret/index.md" not in files
    assert not any(HIDDEN_MARKER in (c if isinstance(c, str) else c.decode()) for c in files.values())


def test_pages_are_allow_listed_front_matter_and_one_line_of_html(generated):
    _, files = generated
    for path, text in markdown_pages(files).items():
        if path == "compression/index.md":
            continue
        front, body = split_page(text)
        assert set(front) <= FRONT_KEYS, path
        lines = [line for line in body.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("<div"), path
        # Nothing of the data can start a Markdown construct: no line starts with it.
        assert "\n```" not in body and "\n--8<--" not in body and "\n{:" not in body
        assert CANARY not in text


def test_hostile_title_is_escaped_in_front_matter_and_body(generated):
    _, files = generated
    front, body = split_page(files["software/hostile/index.md"])
    assert front["title"] == HOSTILE_TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;").replace("'", "&#x27;")
    found = scan(body)
    assert found.problems == []
    assert [a.get("type") for a, _ in found.scripts] == ["application/ld+json"]
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in body
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', body).group(1)
    assert "<" not in jsonld and json.loads(jsonld)["name"] == HOSTILE_TITLE


def test_page_shell_refuses_unknown_values():
    with pytest.raises(ValueError):
        page("x", "<div></div>", hide=("template",))
    with pytest.raises(ValueError):
        page("x", "# markdown")


def test_relative_urls_between_directory_pages():
    assert relurl("software/silx/", "facilities/esrf/") == "../../facilities/esrf/"
    assert relurl("", "software/") == "software/"
    assert relurl("software/", "") == "../"
    assert relurl("downloads/", "data/software.csv") == "../data/software.csv"


def test_every_record_page_has_json_ld_of_the_right_type(generated):
    inp, files = generated
    expected = {k: {m.schema_type} for k, m in KINDS.items()}
    expected["events"].add("CourseInstance")
    expected["open_data"].add("Dataset")
    for kind in KINDS:
        for rec in inp.registry.published(kind):
            body = files[f"{kind}/{rec.id}/index.md"]
            doc = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body).group(1))
            types_ = set(doc["@type"]) if isinstance(doc["@type"], list) else {doc["@type"]}
            assert types_ & expected[kind], (kind, rec.id, doc["@type"])
            assert doc["@context"] == "https://schema.org" and doc["name"]
    school = json.loads(re.search(r'ld\+json">(.*?)</script>', files["events/school-soon/index.md"]).group(1))
    assert school["@type"] == "CourseInstance" and school["courseMode"] == "onsite"
    assert school["http://purl.org/dc/terms/conformsTo"]["@id"].startswith("https://bioschemas.org/profiles/")


def test_events_ics_is_valid_and_in_utc(generated):
    _, files = generated
    cal = Calendar.from_ical(files["events.ics"])
    events = {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    assert set(events) == {"school-soon", "workshop-dates", "webinar", "harvested-only", "wg-meeting"}  # upcoming
    for e in events.values():
        assert not e.errors and e.get("DTSTAMP") is not None
    start = events["school-soon"].decoded("DTSTART")
    assert start == datetime.combine(TODAY + timedelta(days=20), datetime.min.time()).replace(
        hour=8, tzinfo=UTC)
    assert events["workshop-dates"].decoded("DTEND") == TODAY + timedelta(days=42)  # exclusive end day
    assert str(events["webinar"]["SUMMARY"]) == HOSTILE_TITLE
    assert b"\r\n" in files["events.ics"]
    alpha = Calendar.from_ical(files["feeds/facility/alpha.ics"])
    assert [str(e["UID"]).split("@")[0] for e in alpha.walk("VEVENT")] == ["school-soon"]
    assert "feeds/type/webinar.ics" in files and "feeds/facility/delta.ics" in files


def test_atom_feed_lists_dated_entries(generated):
    _, files = generated
    root = ET.fromstring(files["feed.xml"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert entries and all(e.find("a:updated", ns).text.endswith("Z") for e in entries)
    ids = [e.find("a:id", ns).text for e in entries]
    assert any(i.endswith("/open_data/alpha-portal/") for i in ids)


def test_times_shown_in_the_events_zone_and_utc():
    t = event_time({"start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T17:00:00+01:00",
                    "timezone": "Europe/Berlin"})
    assert t.local_text() == "2 Mar 2026, 09:00–17:00 CET (Europe/Berlin)"
    assert t.utc_text() == "2 Mar 2026, 08:00–16:00 UTC"
    t = event_time({"start": "2026-07-02T10:00:00+02:00"})
    assert t.local_text() == "2 Jul 2026, 10:00 UTC+02:00"
    days = event_time({"start": "2026-03-30", "end": "2026-04-02"})
    assert days.all_day and days.local_text() == "30 Mar – 2 Apr 2026"
    assert days.is_past(date(2026, 4, 3)) and not days.is_past(date(2026, 4, 2))


def test_badges_and_provenance(generated):
    inp, _ = generated
    g = Graph(inp)
    keys = {rid: {b.key for b in g.badges(g.ids[k][rid])} for k in g.ids for rid in g.ids[k]}
    assert {"archived", "stale"} <= keys["viewer"]
    assert "past" in keys["past-conf"] and "past" not in keys["school-soon"]
    assert "withdrawn" in keys["harvested-only"]
    inp.link_status = {"https://tomotool.example.org/": "broken", "https://acq.example.org/": "inconclusive"}
    assert "broken" in {b.key for b in g.badges(g.ids["software"]["tomotool"])}
    assert "inconclusive" in {b.key for b in g.badges(g.ids["software"]["acq"])}
    inp.link_status = {}
    origin = g.origin(g.ids["open_data"]["alpha-portal"])
    assert origin["curated"] and origin["harvested"][0]["source"] == "panosc-alpha"
    assert origin["edit_url"].endswith("/registry/curated/open_data/alpha-portal.yaml")
    assert g.origin(g.ids["events"]["harvested-only"])["edit_path"] == "registry/harvested/events/harvested-only.yaml"


def test_link_status_and_stale_state_files(tmp_path):
    (tmp_path / "link-status.json").write_text(json.dumps({"version": 1, "links": {
        "https://a.example/": {"status": "dead", "broken": True},
        "https://b.example/": {"status": "dead", "broken": False},
        "https://c.example/": {"status": "alive", "broken": False}}}))
    assert inputs.read_link_status(tmp_path / "link-status.json") == {
        "https://a.example/": "broken", "https://b.example/": "inconclusive", "https://c.example/": "ok"}
    (tmp_path / "bad.json").write_text("{not json")
    assert inputs.read_link_status(tmp_path / "bad.json") == {}
    assert inputs.read_stale(tmp_path / "missing.json", tmp_path / "missing.yaml", TODAY) == {}


def test_charts_follow_the_registry(generated):
    inp, _ = generated
    g = Graph(inp)
    m = charts.matrix_data(g)
    assert m.facilities[0] == "alpha" and {c.id for c in m.collaborations} == {"collab-a", "collab-b", "collab-c"}
    assert m.joined[("beta", "collab-a")] == 2012
    bubbles = {b.col.id: b for b in charts.trend_data(g)}
    assert (bubbles["collab-b"].years, bubbles["collab-b"].participants, bubbles["collab-b"].size) == (5, 2, 10)
    assert bubbles["collab-a"].years == TODAY.year - 2010 + 1
    svg = str(charts.trends_svg(g, list(bubbles.values())))
    assert "<script" not in svg and "&lt;script&gt;" in svg and 'role="img"' in svg


def test_software_index_rows_carry_facet_tokens(generated):
    _, files = generated
    body = files["software/index.md"]
    row = re.search(r'<tr data-f-category="data-reduction"[^>]*>', body).group(0)
    assert 'data-f-facility="alpha beta"' in row and 'data-pairs="alpha:develops beta:uses"' in row
    assert 'data-f-language="%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%28%22lang%22%29%3E"' in body
    assert '<form class="kh-facets"' in body and " hidden " in body


def test_field_reference_covers_the_model():
    for kind, model in KINDS.items():
        names = {r.name.split(".")[0].split("[")[0] for r in field_rows(kind)}
        assert set(model.model_fields) - {"provenance"} <= names
        need = {r.name: r.need for r in field_rows(kind)}
        assert need["id"] == "required" and need["description"] == "required"
    assert any(r.name == "facilities[].support" for r in field_rows("software"))


def test_compression_page_placeholder_and_results(tmp_path, monkeypatch):
    assert inputs.compression_markdown(tmp_path / "absent") is None
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "run.json").write_text("{}")
    fake = types.ModuleType("knowhow.bench.page")
    fake.render_results_markdown = lambda folder: f"# Compression\n\nResults from {folder.name}.\n"
    monkeypatch.setitem(sys.modules, "knowhow.bench.page", fake)
    assert inputs.compression_markdown(tmp_path / "results").startswith("# Compression")
    fake.render_results_markdown = lambda folder: 1 / 0
    assert inputs.compression_markdown(tmp_path / "results") is None


def test_staging_folder_for_engines_without_hooks(tmp_path, generated):
    _, files = generated
    out = write_staging(files, ROOT / "site_src", tmp_path / "stage")
    assert (out / "software" / "tomotool" / "index.md").is_file() and (out / "about.md").is_file()
    assert not (out / "overrides").exists()
    with pytest.raises(SiteError):
        write_staging({"about.md": "x"}, ROOT / "site_src", tmp_path / "stage2")


def test_site_input_defaults():
    inp = SiteInput(store.Registry(ROOT), TODAY)
    assert inp.site_url.endswith("/") and inp.repo_url.startswith("https://github.com/")


def test_plain_description_shortcut_equals_the_sanitiser():
    import random

    from knowhow.sanitize import markdown_to_html
    from knowhow.site.render import description_html

    rng = random.Random(5)
    alphabet = "aZ09 ,.;:'\"?()/%=-*_<>&[]#\n`"
    for _ in range(3000):
        text = rng.choice("aBz") + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert str(description_html(text)) == markdown_to_html(text), text
