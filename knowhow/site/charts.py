"""Static SVG charts of the collaborations, each returned with the data for the table beside it.

The participation matrix (facility x collaboration) and the trends bubble chart (start year
against number of participating facilities, bubble area = years existing x participants) follow
the figures of the LEAPS strategy paper. Every text in the SVG goes through `escape`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..registry import vocab
from ..registry.merge import Merged
from .graph import Graph

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
UNKNOWN = "#6b6b6b"


def category_colours() -> dict[str, str]:
    cats = list(vocab.COLLABORATION_CATEGORIES)
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}


def _colour(col: Merged) -> str:
    return category_colours().get(col.data.get("category"), UNKNOWN)


def _legend(x: float, y: float) -> str:
    items = [(vocab.COLLABORATION_CATEGORIES[c], colour) for c, colour in category_colours().items()]
    items.append(("Category not recorded", UNKNOWN))
    parts = []
    for i, (text, colour) in enumerate(items):
        cy = y + i * 18
        parts.append(f'<circle cx="{x + 6}" cy="{cy}" r="6" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="{cy + 4}" font-size="12">{escape(text)}</text>')
    return "".join(parts)


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
    return Matrix(rows, cols, joined)


def matrix_svg(g: Graph, m: Matrix) -> Markup:
    cell, left, top = 18, 150, 170
    width = left + cell * max(1, len(m.collaborations)) + 230
    height = top + cell * max(1, len(m.facilities)) + 20
    out = [f'<svg class="kh-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="kh-matrix-title kh-matrix-desc">',
           '<title id="kh-matrix-title">Facility by collaboration participation matrix</title>',
           f'<desc id="kh-matrix-desc">{len(m.facilities)} facilities (rows) and {len(m.collaborations)} '
           'collaborations (columns); a dot marks participation, its colour the collaboration category. '
           'The table below lists the same data.</desc>']
    for j, col in enumerate(m.collaborations):
        x = left + j * cell + cell / 2
        out.append(f'<text x="{x}" y="{top - 6}" font-size="11" transform="rotate(-60 {x} {top - 6})">'
                   f'{escape(_clip(g.title(col), 26))}</text>')
    for i, fid in enumerate(m.facilities):
        y = top + i * cell + cell / 2
        fill = "#f2f2f2" if i % 2 == 0 else "#ffffff"
        out.append(f'<rect x="{left}" y="{top + i * cell}" width="{cell * len(m.collaborations)}" '
                   f'height="{cell}" fill="{fill}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">'
                   f'{escape(_clip(g.short(fid), 22))}</text>')
        for j, col in enumerate(m.collaborations):
            if (fid, col.id) in m.joined:
                year = m.joined[(fid, col.id)]
                note = f" (joined {year})" if year else ""
                out.append(f'<circle cx="{left + j * cell + cell / 2}" cy="{y}" r="6" fill="{_colour(col)}">'
                           f'<title>{escape(g.short(fid))} in {escape(g.title(col))}{escape(note)}</title></circle>')
    out.append(_legend(left + cell * len(m.collaborations) + 20, top))
    out.append("</svg>")
    return Markup("".join(out))


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


def trends_svg(g: Graph, bubbles: list[Bubble]) -> Markup:
    width, height, left, bottom, top, right = 800, 440, 60, 50, 20, 20
    plot_w, plot_h = width - left - right - 230, height - top - bottom
    years = [b.started for b in bubbles] or [g.today.year]
    x0, x1 = min(years) - 1, max(max(years) + 1, g.today.year)
    y1 = max([b.participants for b in bubbles] + [1]) + 1
    biggest = max([b.size for b in bubbles] + [1])

    def sx(v: float) -> float:
        return round(left + (v - x0) / max(1, x1 - x0) * plot_w, 1)

    def sy(v: float) -> float:
        return round(top + plot_h - v / y1 * plot_h, 1)

    out = [f'<svg class="kh-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="kh-trends-title kh-trends-desc">',
           '<title id="kh-trends-title">Collaboration trends</title>',
           f'<desc id="kh-trends-desc">{len(bubbles)} collaborations placed by start year (horizontal) and number '
           'of participating facilities (vertical); bubble area is years existing times participants. '
           'The table below lists the same data.</desc>',
           f'<line x1="{left}" y1="{sy(0)}" x2="{left + plot_w}" y2="{sy(0)}" stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{sy(0)}" stroke="#333"/>']
    step = 5 if x1 - x0 > 12 else 1
    for year in range(x0 + (-x0) % step, x1 + 1, step):
        out.append(f'<text x="{sx(year)}" y="{sy(0) + 18}" font-size="11" text-anchor="middle">{year}</text>')
    ystep = max(1, math.ceil(y1 / 8))
    for v in range(0, y1 + 1, ystep):
        out.append(f'<text x="{left - 8}" y="{sy(v) + 4}" font-size="11" text-anchor="end">{v}</text>'
                   f'<line x1="{left}" y1="{sy(v)}" x2="{left + plot_w}" y2="{sy(v)}" stroke="#ddd"/>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" font-size="12" text-anchor="middle">'
               'Start year</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + plot_h / 2})">Participating facilities</text>')
    label = len(bubbles) <= 40
    for b in sorted(bubbles, key=lambda b: -b.size):  # big first, so small bubbles stay visible on top
        r = round(4 + 26 * math.sqrt(b.size / biggest), 1)
        cx, cy = sx(b.started), sy(b.participants)
        out.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{_colour(b.col)}" fill-opacity="0.55" '
                   f'stroke="{_colour(b.col)}"><title>{escape(g.title(b.col))}: started {b.started}, '
                   f'{b.participants} facilities, {b.years} years</title></circle>')
        if label:
            out.append(f'<text x="{cx}" y="{cy + 4}" font-size="10" text-anchor="middle">'
                       f'{escape(_clip(g.title(b.col), 14))}</text>')
    out.append(_legend(left + plot_w + 20, top + 10))
    out.append("</svg>")
    return Markup("".join(out))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
