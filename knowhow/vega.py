"""Charts as static SVG: an Altair chart (or a Vega-Lite dict) rendered at build time.

`vl-convert-python` runs the Vega-Lite compiler and Vega's SVG renderer in-process (no browser,
no network), so charts work offline and without JavaScript. The output is made deterministic
(same spec, same bytes) and wrapped for assistive technology: the root <svg> becomes one image
named by `label` (role="img", aria-label), and its inner marks are hidden from the accessibility
tree, because the data table beside every chart carries the same data in readable form.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import escape

# Vega writes ARIA roles and descriptions on every mark; inside role="img" they are noise.
_MARK_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label|aria-hidden|focusable|tabindex)="[^"]*"')
_ROOT = re.compile(r"<svg\b([^>]*)>", re.S)


def spec_of(chart: Any) -> dict:
    """The Vega-Lite spec of an Altair chart, or the dict itself; keys sorted for stable output."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    return json.loads(json.dumps(spec, sort_keys=True, default=str))


def to_svg(chart: Any, *, label: str) -> str:
    """Render `chart` to an accessible, deterministic SVG string."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec_of(chart))
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("vl-convert returned no <svg> element")
    body = _MARK_ARIA.sub("", svg[match.end():])
    attrs = _MARK_ARIA.sub("", match.group(1)).replace(' class="marks"', "")
    root = f'<svg{attrs} class="kh-vega" role="img" aria-label="{escape(" ".join(label.split()))}">'
    return svg[:match.start()] + root + body
