"""The collaboration charts, declared with Altair (Vega-Lite) and rendered to static SVG at build
time through `knowhow.vega`, each returned with the data for the table beside it.

The participation matrix (facility x collaboration) and the trends bubble chart (start year
against number of participating facilities, bubble area = years existing x participants) follow
the figures of the LEAPS strategy paper. Legends list only the categories a chart draws. Bubble
labels are placed here, in Python, because Vega-Lite has no label-collision avoidance: each label
takes the first free spot around its bubble inside the plot, or is left out (the table has it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from ..registry import vocab
from ..registry.merge import Merged
from ..vega import to_svg
from .graph import Graph

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
UNKNOWN = "#6b6b6b"
NOT_RECORDED = "Category not recorded"
FONT = "Roboto, Helvetica, Arial, sans-serif"
CELL = 24  # px per matrix row and column: 12 px labels stay legible on a phone
LABEL_PX = 6.4  # average advance of an 11 px label character, for label placement


def category_colours() -> dict[str, str]:
    cats = list(vocab.COLLABORATION_CATEGORIES)
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}


def category_label(col: Merged) -> str:
    cat = col.data.get("category")
    return vocab.COLLABORATION_CATEGORIES.get(cat, NOT_RECORDED) if cat else NOT_RECORDED


def _colour_scale(cols: list[Merged]):
    """Legend entries only for the categories drawn, in vocabulary order."""
    import altair as alt

    colours = category_colours()
    drawn = {category_label(c) for c in cols}
    domain = [vocab.COLLABORATION_CATEGORIES[c] for c in colours if vocab.COLLABORATION_CATEGORIES[c] in drawn]
    rng = [colours[c] for c in colours if vocab.COLLABORATION_CATEGORIES[c] in drawn]
    if NOT_RECORDED in drawn:
        domain.append(NOT_RECORDED)
        rng.append(UNKNOWN)
    return alt.Scale(domain=domain, range=rng)


def _config(chart):
    return (chart.configure(font=FONT, background="white")
            .configure_axis(labelFontSize=12, titleFontSize=12, labelColor="#1a1a1a", titleColor="#1a1a1a")
            .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=260, orient="bottom", columns=2,
                              symbolType="circle", labelColor="#1a1a1a", titleColor="#1a1a1a")
            .configure_view(stroke=None))


@dataclass
class Matrix:
    facilities: list[str]  # facility ids, rows
    collaborations: list[Merged]  # columns
    joined: dict[tuple[str, str], object]  # (facility id, collaboration id) -> joined year or None


def matrix_data(g: Graph) -> Matrix:
    cols = sorted(g.by_kind["collaborations"], key=lambda c: (c.data.get("started") or 9999, g.title(c).casefold()))
    joined: dict[tuple[str, str], object] = {}
    for col in cols:
        for part in col.data.get("facilities") or []:
            if isinstance(part, dict) and part.get("id") in g.ids["facilities"]:
                joined[(part["id"], col.id)] = part.get("joined")
    counts: dict[str, int] = {}
    for fid, _ in joined:
        counts[fid] = counts.get(fid, 0) + 1
    rows = sorted(counts, key=lambda f: (-counts[f], g.short(f).casefold()))
    cols = [c for c in cols if any((f, c.id) in joined for f in rows)]
    return Matrix(rows, cols, joined)


def matrix_svg(g: Graph, m: Matrix) -> Markup:
    import altair as alt

    if not m.facilities:
        return Markup("")
    facility_order = [g.short(f) for f in m.facilities]
    col_order = [g.title(c) for c in m.collaborations]
    values = []
    for c in m.collaborations:
        for f in m.facilities:
            if (f, c.id) in m.joined:
                year = m.joined[(f, c.id)]
                values.append({"facility": g.short(f), "collaboration": g.title(c), "category": category_label(c),
                               "joined": str(year) if year else "year not recorded"})
    chart = alt.Chart(alt.Data(values=values)).mark_circle(size=150, opacity=1).encode(
        x=alt.X("collaboration:N", sort=col_order, title=None,
                axis=alt.Axis(orient="top", labelAngle=-50, labelLimit=220, grid=True, gridColor="#eee")),
        y=alt.Y("facility:N", sort=facility_order, title=None, axis=alt.Axis(labelLimit=180, grid=True,
                                                                              gridColor="#eee")),
        color=alt.Color("category:N", scale=_colour_scale(m.collaborations), title="Collaboration category"),
    ).properties(width=alt.Step(CELL), height=alt.Step(CELL))
    n_f, n_c = len(m.facilities), len(m.collaborations)
    return Markup(to_svg(_config(chart), label=f"Participation matrix: {n_f} facilities (rows) by {n_c} "
                                               "collaborations (columns); a dot marks participation, its colour "
                                               "the collaboration category. The table below lists the same data."))


@dataclass
class Bubble:
    col: Merged
    started: int
    participants: int
    years: int

    @property
    def size(self) -> int:
        return self.years * self.participants


def trend_data(g: Graph) -> list[Bubble]:
    """Collaborations with a start year; years existing counts to the end year or this year."""
    this_year = g.today.year
    out = []
    for col in g.by_kind["collaborations"]:
        started = col.data.get("started")
        if not isinstance(started, int):
            continue
        ended = col.data.get("ended") if isinstance(col.data.get("ended"), int) else this_year
        parts = sum(1 for p in col.data.get("facilities") or [] if isinstance(p, dict))
        out.append(Bubble(col, started, parts, max(1, min(ended, this_year) - started + 1)))
    return sorted(out, key=lambda b: (b.started, -b.size, b.col.id))


TREND_W, TREND_H = 640, 380
R_MIN, R_MAX = 5, 30


def _radius(b: Bubble, biggest: int) -> float:
    return R_MIN + (R_MAX - R_MIN) * math.sqrt(b.size / biggest)


def place_labels(bubbles: list[Bubble], g: Graph, sx, sy, biggest: int) -> list[dict]:
    """Label positions (pixel space) that overlap no other label, no bubble centre and stay inside
    the plot; bubbles whose label finds no free spot go unlabelled (the table lists them all)."""
    boxes: list[tuple[float, float, float, float]] = []
    out = []
    for b in sorted(bubbles, key=lambda b: (-b.size, b.col.id)):
        text = _clip(g.title(b.col), 22)
        w, h = len(text) * LABEL_PX + 4, 14
        cx, cy, r = sx(b.started), sy(b.participants), _radius(b, biggest)
        for dx, dy, align in ((r + 3, 0, "left"), (-r - 3, 0, "right"), (0, -r - 9, "center"),
                              (0, r + 9, "center")):
            x0 = cx + dx - (w if align == "right" else w / 2 if align == "center" else 0)
            box = (x0, cy + dy - h / 2, x0 + w, cy + dy + h / 2)
            inside = box[0] >= 2 and box[2] <= TREND_W - 2 and box[1] >= 0 and box[3] <= TREND_H - 2
            free = all(box[2] <= o[0] or box[0] >= o[2] or box[3] <= o[1] or box[1] >= o[3] for o in boxes)
            clear = all(not (box[0] - 3 <= sx(o.started) <= box[2] + 3 and box[1] - 3 <= sy(o.participants)
                             <= box[3] + 3) for o in bubbles)
            if inside and free and clear:
                boxes.append(box)
                out.append({"x": cx + dx, "y": cy + dy, "text": text, "align": align})
                break
    return sorted(out, key=lambda d: (d["x"], d["y"], d["text"]))


def trends_svg(g: Graph, bubbles: list[Bubble]) -> Markup:
    import altair as alt

    if not bubbles:
        return Markup("")
    years = [b.started for b in bubbles]
    x0, x1 = min(years) - 2, max(max(years) + 2, g.today.year)
    y1 = max(b.participants for b in bubbles) + 2
    biggest = max(b.size for b in bubbles)

    def sx(v: float) -> float:
        return (v - x0) / (x1 - x0) * TREND_W

    def sy(v: float) -> float:
        return TREND_H - v / y1 * TREND_H

    values = [{"name": g.title(b.col), "started": b.started, "participants": b.participants, "size": b.size,
               "radius": _radius(b, biggest), "category": category_label(b.col)} for b in bubbles]
    cols = [b.col for b in bubbles]
    x = alt.X("started:Q", scale=alt.Scale(domain=[x0, x1], nice=False, zero=False), title="Start year",
              axis=alt.Axis(format="d", tickMinStep=1, grid=False))
    y = alt.Y("participants:Q", scale=alt.Scale(domain=[0, y1], nice=False), title="Participating facilities",
              axis=alt.Axis(tickMinStep=1, format="d"))
    points = alt.Chart(alt.Data(values=values)).mark_circle(opacity=0.55, stroke="#333", strokeWidth=0.5).encode(
        x=x, y=y, color=alt.Color("category:N", scale=_colour_scale(cols), title="Collaboration category"),
        size=alt.Size("radius:Q", scale=alt.Scale(type="linear", domain=[0, R_MAX], range=[0, math.pi * R_MAX ** 2]),
                      legend=None),
        order=alt.Order("size:Q", sort="descending"))
    labels = place_labels(bubbles, g, sx, sy, biggest)
    layers = [points]
    for align in ("left", "right", "center"):
        chosen = [{"px": d["x"], "py": d["y"], "text": d["text"]} for d in labels if d["align"] == align]
        if chosen:
            layers.append(alt.Chart(alt.Data(values=chosen)).mark_text(align=align, baseline="middle", fontSize=11,
                                                                        color="#1a1a1a").encode(
                x=alt.X("px:Q", scale=None), y=alt.Y("py:Q", scale=None), text="text:N"))
    chart = alt.layer(*layers).properties(width=TREND_W, height=TREND_H)
    return Markup(to_svg(_config(chart), label=f"Collaboration trends: {len(bubbles)} collaborations placed by "
                                               "start year (horizontal) and number of participating facilities "
                                               "(vertical); bubble area is years existing times participants. "
                                               "The table below lists the same data."))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
