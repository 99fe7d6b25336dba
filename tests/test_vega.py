"""knowhow.vega: Altair charts to static, accessible, deterministic SVG through vl-convert."""

from __future__ import annotations

import re

import altair as alt

from knowhow.vega import to_svg


def _chart(values):
    return alt.Chart(alt.Data(values=values)).mark_circle().encode(x="name:N", y="n:Q")


def test_two_renders_give_the_same_bytes():
    values = [{"name": "ESRF", "n": 3}, {"name": "DESY", "n": 5}]
    first = to_svg(_chart(values), label="Test chart")
    assert first == to_svg(_chart(list(values)), label="Test chart")
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")


def test_root_is_one_labelled_image_and_marks_carry_no_roles():
    svg = to_svg(_chart([{"name": "a", "n": 1}]), label='Chart "quoted" <b>')
    root = re.match(r"<svg[^>]*>", svg).group(0)
    assert 'role="img"' in root and 'aria-label="Chart &#34;quoted&#34; &lt;b&gt;"' in root
    assert svg.count("role=") == 1 and "aria-roledescription" not in svg


def test_data_text_is_escaped_never_markup():
    svg = to_svg(_chart([{"name": '<script>alert(1)</script>', "n": 1}]), label="x")
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_a_vega_lite_dict_renders_too():
    spec = {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    assert 'role="img"' in to_svg(spec, label="dict")
