"""Remote HTML to safe text, once and right: escaped HTML as TeSS, Indico and OAI-PMH send it,
separators and invisible characters, and the TeSS adapter end to end on the replay server."""

from __future__ import annotations

import json
import time

import defusedxml.ElementTree as SafeET
import pytest

from harvest_support import DATA, SHARED_FIXTURES, make_client
from knowhow.harvest.base import SourceConfig
from knowhow.harvest.sources.tess import TeSS
from knowhow.registry.model import Event
from knowhow.sanitize import clean_line, clean_markdown, clean_text, html_to_text, markdown_to_html

JSONAPI = "application/vnd.api+json; charset=utf-8"

# The shapes the sources send (hand-written in their style):
TESS_ESCAPED = ("&lt;p&gt;Three days on &lt;strong&gt;imaging&lt;/strong&gt;.&lt;/p&gt;"
                "&lt;ul&gt;&lt;li&gt;Tomography&lt;/li&gt;&lt;li&gt;Grating interferometry&lt;/li&gt;&lt;/ul&gt;")
INDICO_HTML = ('<p style="margin:0"><span style="font-family:Arial">An <strong>introduction</strong> to '
               'Python</span></p>\n<style>p { color: red }</style><ol><li>NumPy</li><li>h5py<ul><li>NeXus</li>'
               '</ul></li></ol><p>Slides: <a href="https://indico.example.org/e/1/slides.pdf">PDF</a> '
               '<a href="javascript:alert(1)">click</a><br>Room 1</p><script>alert(1)</script>')
OAI_DC = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>&amp;lt;p&amp;gt;Phase-contrast '
          'tomography of a fossil&amp;lt;/p&amp;gt;&amp;lt;p&amp;gt;Second &amp;amp;amp; last&amp;lt;/p&amp;gt;'
          '</dc:description></oai_dc:dc>')


def test_escaped_html_from_tess_keeps_paragraphs_and_list_items():
    assert clean_text(TESS_ESCAPED) == "Three days on imaging.\n\n- Tomography\n- Grating interferometry"
    assert clean_markdown(TESS_ESCAPED) == "Three days on **imaging**.\n\n- Tomography\n- Grating interferometry"
    html = markdown_to_html(clean_markdown(TESS_ESCAPED))
    assert "<li>Tomography</li>" in html and "&lt;" not in html and "<strong>imaging</strong>" in html


def test_indico_html_styles_scripts_and_unsafe_links_dropped():
    text = clean_markdown(INDICO_HTML)
    assert text == ("An **introduction** to Python\n\n1. NumPy\n2. h5py\n  - NeXus\n\n"
                    "Slides: [PDF](https://indico.example.org/e/1/slides.pdf) click\nRoom 1")
    assert "color" not in text and "alert" not in text and "javascript" not in text
    assert clean_text(INDICO_HTML).startswith("An introduction to Python\n\n1. NumPy")


def test_double_escaped_oai_pmh_description_is_decoded_until_stable():
    root = SafeET.fromstring(OAI_DC)
    raw = root.find("{http://purl.org/dc/elements/1.1/}description").text
    assert raw.startswith("&lt;p&gt;")  # what the XML parser hands over: still escaped once
    assert clean_text(raw) == "Phase-contrast tomography of a fossil\n\nSecond & last"


def test_separators_and_invisible_characters_are_removed():
    hostile = "Beam\u2028time\u2029call \u200bfor\u00ad pro\u202eposals\ufeff \u2066x\u2069\u00a0now\x07"
    assert clean_line(hostile) == "Beam time call for proposals x now"
    text = clean_text("line one\u2028line two\u2029paragraph")
    assert text == "line one\nline two\n\nparagraph"
    assert not any(c in text for c in "\u2028\u2029")


def test_plain_text_with_angle_brackets_and_ampersands_survives():
    assert clean_text("AT&T: a < b, x<y and 5 &gt; 3 &para;") == "AT&T: a < b, x<y and 5 > 3 ¶"
    assert clean_text("**Bold** and [a link](https://example.org)\n\n* item") == \
        "**Bold** and [a link](https://example.org)\n\n* item"  # Markdown passes untouched


def test_decoding_is_bounded():
    deep = "<p>deep</p>"
    for _ in range(40):
        deep = deep.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    started = time.perf_counter()
    out = html_to_text(deep * 2000, 100_000)
    assert time.perf_counter() - started < 5
    assert "<p>" not in out  # never a real tag, however deep the escaping
    assert html_to_text("<p>" * 50_000 + "x") == "x"


def test_tess_answer_with_escaped_html_and_new_event_types(replay):
    replay.add("tess/events.json_api", DATA / "tess/events_escaped_html_and_new_types.json", content_type=JSONAPI)
    cfg = SourceConfig("pan-training", "tess", "events", replay.url("tess/"), {"include_expired": True})
    a = TeSS(cfg, make_client(replay))
    school, evening = list(a.records())
    assert school["title"] == "Neutron imaging school"  # U+2028 and U+2029 gone
    assert school["description"] == ("Three days on **neutron imaging**.\n\n- Tomography\n- Grating interferometry\n\n"
                                     "Apply by [the form](https://example.org/apply).")
    assert evening["description"] == "Drinks"
    # A type outside the mapped list is read by its words, else the title's; an unmapped label is kept.
    assert evening["event_type"] == "meeting"
    assert school["event_type"] == "school" and "Awards and prizegivings" in school["topics"]
    # The end before the start is left out, the event kept, and both are reported per item.
    assert "end" not in school and school["start"] == "2026-05-04T09:00:00+02:00"
    codes = {(i.code, i.item) for i in a.items}
    assert codes == {("unmapped-type", "tess-neutron-imaging-school-2026"),
                     ("end-before-start", "tess-neutron-imaging-school-2026")}
    for rec in (school, evening):
        Event.model_validate(rec)
        assert "<" not in rec["description"] and "&lt;" not in rec["description"]


SHARED = [("tess/events_jsonapi_search.json", "tess"), ("indico/export_event_845049.json", "indico"),
          ("oaipmh/zenodo_listrecords_oai_dc_page1.xml", "oai")]


@pytest.mark.parametrize("rel, shape", SHARED)
def test_recorded_descriptions_leave_no_markup(rel, shape):
    path = SHARED_FIXTURES / rel
    if not path.exists():
        pytest.skip(f"{rel} is not in ../shared/fixtures")
    if shape == "oai":
        root = SafeET.fromstring(path.read_bytes())
        texts = [e.text or "" for e in root.iter("{http://purl.org/dc/elements/1.1/}description")]
    else:
        body = json.loads(path.read_text())
        items = body.get("data") or body.get("results") or []
        texts = [(i.get("attributes") or i).get("description") or "" for i in items]
    assert any("<" in t or "&lt;" in t for t in texts) or shape == "tess"
    for t in texts:
        out = clean_markdown(t)
        assert "<p" not in out and "&lt;" not in out and "\u2028" not in out
