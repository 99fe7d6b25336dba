"""The Compression page's charts: Altair specs rendered to static SVG by `knowhow.vega.to_svg`.

Every chart is narrow enough for a phone (it scales down, never overflows), names no point
with a text mark (labels would collide; the table beside each chart carries the names) and
uses the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

from ..vega import to_svg

WIDTH = 300
HEIGHT = 220
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def _config(spec: dict) -> dict:
    spec["config"] = {"font": "sans-serif", "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelOverlap": True},
                      "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom", "columns": 2,
                                 "labelLimit": 200},
                      "view": {"stroke": None}, "range": {"category": OKABE_ITO}}
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    spec["background"] = "white"
    spec["padding"] = {"left": 14, "right": 8, "top": 4, "bottom": 4}  # browser fonts run wider than vl-convert's
    return spec


def ratio_speed(points: list[dict], *, title: str, bound: float | None, reference: float | None) -> str:
    """Ratio against read MB per CPU-second (log), lossless filled, lossy hollow; the entropy
    bound and uncompressed HDF5 as reference lines."""
    families = [f for f in ("lossless", "lossy") if any(p["family"] == f for p in points)]
    layers: list[dict] = [{
        "mark": {"type": "point", "filled": True, "size": 60},
        "encoding": {
            "x": {"field": "speed", "type": "quantitative", "scale": {"type": "log"},
                  "title": "read MB per CPU-second (log)"},
            "y": {"field": "ratio", "type": "quantitative", "title": "compression ratio", "scale": {"zero": True}},
            "color": {"field": "family", "type": "nominal", "title": None,
                      "scale": {"domain": families, "range": [OKABE_ITO[0], OKABE_ITO[1]][:len(families)]}},
            "shape": {"field": "family", "type": "nominal", "title": None,
                      "scale": {"domain": families, "range": ["circle", "triangle-up"][:len(families)]}},
        },
        "data": {"values": points},
    }]
    if bound:
        layers.append({"data": {"values": [{"bound": bound}]},
                       "mark": {"type": "rule", "strokeDash": [4, 3], "color": OKABE_ITO[2]},
                       "encoding": {"y": {"field": "bound", "type": "quantitative"}}})
    if reference:
        layers.append({"data": {"values": [{"reference": reference}]},
                       "mark": {"type": "rule", "strokeDash": [2, 2], "color": "#6b6b6b"},
                       "encoding": {"x": {"field": "reference", "type": "quantitative"}}})
    spec = {"title": {"text": title, "fontSize": 12, "anchor": "start"}, "width": WIDTH, "height": HEIGHT,
            "layer": layers}
    return to_svg(_config(spec), label=title)


def grouped_bars(rows: list[dict], *, title: str, x_title: str, group: str) -> str:
    """Horizontal bars of `value` per `codec`, one colour per `group` value (threads, path...)."""
    spec = {"title": {"text": title, "fontSize": 12, "anchor": "start"}, "width": WIDTH - 60,
            "data": {"values": rows},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "codec", "type": "nominal", "title": None, "axis": {"labelLimit": 160}},
                "yOffset": {"field": group, "type": "nominal"},
                "x": {"field": "value", "type": "quantitative", "title": x_title},
                "color": {"field": group, "type": "nominal", "title": None},
            }}
    return to_svg(_config(spec), label=title)


def exposure(points: list[dict], real: list[dict], *, title: str) -> str:
    """Ratio against mean counts per pixel (log-log), one line per codec; real frames as squares."""
    layers: list[dict] = [{
        "data": {"values": points},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "mean_counts", "type": "quantitative", "scale": {"type": "log"},
                  "title": "mean counts per pixel (log)"},
            "y": {"field": "ratio", "type": "quantitative", "scale": {"type": "log"}, "title": "ratio (log)"},
            "color": {"field": "codec", "type": "nominal", "title": None},
        }}]
    bounds = {p["mean_counts"]: p["bound"] for p in points if p.get("bound")}
    if bounds:
        layers.append({
            "data": {"values": [{"mean_counts": k, "ratio": v} for k, v in sorted(bounds.items())]},
            "mark": {"type": "line", "strokeDash": [4, 3], "color": "#6b6b6b"},
            "encoding": {"x": {"field": "mean_counts", "type": "quantitative"},
                         "y": {"field": "ratio", "type": "quantitative"}}})
    if real:
        layers.append({
            "data": {"values": real},
            "mark": {"type": "square", "size": 90, "filled": False, "strokeWidth": 2},
            "encoding": {"x": {"field": "mean_counts", "type": "quantitative"},
                         "y": {"field": "ratio", "type": "quantitative"},
                         "color": {"field": "codec", "type": "nominal", "title": None}}})
    spec = {"title": {"text": title, "fontSize": 12, "anchor": "start"}, "width": WIDTH, "height": HEIGHT,
            "layer": layers}
    return to_svg(_config(spec), label=title)
