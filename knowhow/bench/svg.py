"""Static SVG charts (no script, no external resource); every text goes through `esc`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, PINK, GREY = "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#6b6b6b"


def esc(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    highlight: bool = False  # on the Pareto front
    hollow: bool = False  # lossy


def _log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10**e
            if lo <= v <= hi:
                ticks.append(v)
    return ticks


def _fmt(v: float) -> str:
    return f"{v / 1000:g}k" if v >= 1000 else f"{v:g}"


def scatter(points: list[Point], *, title: str, xlabel: str, ylabel: str, hlines: list[tuple[float, str]] = (),
            vlines: list[tuple[float, str]] = (), width: int = 620, height: int = 380) -> str:
    """Log-x scatter with the highlighted points joined as a front, reference lines, labels."""
    ml, mr, mt, mb = 56, 20, 34, 46
    xs = [p.x for p in points if p.x > 0] + [v for v, _ in vlines if v > 0]
    ys = [p.y for p in points] + [v for v, _ in hlines]
    if not xs or not ys:
        return ""
    x0, x1 = 10 ** math.floor(math.log10(min(xs))), 10 ** math.ceil(math.log10(max(xs)))
    y1 = max(ys) * 1.08 or 1.0
    pw, ph = width - ml - mr, height - mt - mb

    def X(v: float) -> float:
        return ml + (math.log10(v) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) * pw

    def Y(v: float) -> float:
        return mt + ph - v / y1 * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{esc(title)}" font-family="sans-serif">',
             f"<title>{esc(title)}</title>",
             f'<text x="{ml}" y="20" font-size="14" font-weight="bold">{esc(title)}</text>',
             f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for t in _log_ticks(x0, x1):
        parts.append(f'<line x1="{X(t):.1f}" y1="{mt + ph}" x2="{X(t):.1f}" y2="{mt + ph + 4}" stroke="#999"/>'
                     f'<text x="{X(t):.1f}" y="{mt + ph + 16}" font-size="11" text-anchor="middle">{_fmt(t)}</text>')
    step = _nice_step(y1)
    v = 0.0
    while v <= y1:
        parts.append(f'<line x1="{ml - 4}" y1="{Y(v):.1f}" x2="{ml + pw}" y2="{Y(v):.1f}" stroke="#eee"/>'
                     f'<text x="{ml - 6}" y="{Y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:g}</text>')
        v += step
    parts.append(f'<text x="{ml + pw / 2}" y="{height - 8}" font-size="12" text-anchor="middle">{esc(xlabel)}</text>'
                 f'<text x="14" y="{mt + ph / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {mt + ph / 2})">{esc(ylabel)}</text>')
    for value, text in hlines:
        parts.append(f'<line x1="{ml}" y1="{Y(value):.1f}" x2="{ml + pw}" y2="{Y(value):.1f}" stroke="{GREEN}" '
                     f'stroke-dasharray="6 4"/><text x="{ml + 4}" y="{Y(value) - 4:.1f}" font-size="11" '
                     f'fill="{GREEN}">{esc(text)}</text>')
    for value, text in vlines:
        if value > 0:
            parts.append(f'<line x1="{X(value):.1f}" y1="{mt}" x2="{X(value):.1f}" y2="{mt + ph}" stroke="{GREY}" '
                         f'stroke-dasharray="3 3"/><text x="{X(value) - 4:.1f}" y="{mt + 12}" font-size="11" '
                         f'text-anchor="end" fill="{GREY}">{esc(text)}</text>')
    front = sorted((p for p in points if p.highlight), key=lambda p: p.x)
    if len(front) > 1:
        path = " ".join(f"{X(p.x):.1f},{Y(p.y):.1f}" for p in front)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ORANGE}" stroke-width="1.5"/>')
    below = {id(p): i % 2 == 1 for i, p in enumerate(front)}
    for p in points:
        if p.x <= 0:
            continue
        colour = ORANGE if p.highlight else BLUE
        fill = "white" if p.hollow else colour
        parts.append(f'<circle cx="{X(p.x):.1f}" cy="{Y(p.y):.1f}" r="4.5" fill="{fill}" stroke="{colour}" '
                     f'stroke-width="1.5"><title>{esc(p.label)}: {p.y:.2f}, {p.x:.0f}</title></circle>')
        if p.highlight:
            dy = 14 if below.get(id(p)) else -6  # alternate sides so neighbouring labels do not collide
            parts.append(f'<text x="{X(p.x) + 6:.1f}" y="{Y(p.y) + dy:.1f}" font-size="10">{esc(p.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pct(v: float) -> str:
    return f"{v:.0%}" if v >= 0.1 else f"{v:.1%}"


def _nice_step(top: float) -> float:
    raw = top / 5
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def bars(rows: list[tuple[str, list[float | None]]], series: list[tuple[str, str]], *, title: str,
         width: int = 620) -> str:
    """Horizontal grouped bars on a 0-100 % scale, one group per label, value printed at the bar end."""
    label_w, mr, mt = 190, 50, 48
    bar_h, gap = 9, 8
    group_h = bar_h * len(series) + gap
    height = mt + group_h * len(rows) + 12
    pw = width - label_w - mr

    def W(v: float) -> float:
        return max(0.0, min(v, 1.0)) * pw

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{esc(title)}" font-family="sans-serif">',
             f"<title>{esc(title)}</title>",
             f'<text x="4" y="18" font-size="14" font-weight="bold">{esc(title)}</text>']
    for i, (name, colour) in enumerate(series):
        x = label_w - 120 + i * 175
        parts.append(f'<rect x="{x}" y="28" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="37" font-size="11">{esc(name)}</text>')
    for pct in (0, 0.5, 1.0):
        x = label_w + W(pct)
        parts.append(f'<line x1="{x:.1f}" y1="{mt - 4}" x2="{x:.1f}" y2="{height - 8}" stroke="#ddd"/>')
    for g, (label, values) in enumerate(rows):
        y0 = mt + g * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y0 + bar_h * len(series) / 2 + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{esc(label)}</text>')
        for i, ((_, colour), v) in enumerate(zip(series, values)):
            y = y0 + i * bar_h
            if v is None:
                parts.append(f'<text x="{label_w + 2}" y="{y + bar_h - 1}" font-size="9" fill="{GREY}">n/a</text>')
                continue
            parts.append(f'<rect x="{label_w}" y="{y}" width="{W(v):.1f}" height="{bar_h - 1}" fill="{colour}"/>'
                         f'<text x="{label_w + W(v) + 3:.1f}" y="{y + bar_h - 1}" font-size="9">{_pct(v)}</text>')
    parts.append("</svg>")
    return "".join(parts)
