"""Faceted index tables: each row carries its facet values as tokens in data attributes.

Without JavaScript the table is a plain, complete table. With it (`assets/knowhow.js`), the
facet form filters rows, combines facets (OR within one facet, AND across facets), updates counts
and keeps the selection in the URL query. Tokens are percent-encoded values, so any text
(`C++`, `GPL-3.0-or-later`) is one space-free token and round-trips through the URL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote


def token(value: object) -> str:
    return quote(str(value), safe="")


@dataclass
class Facet:
    key: str  # URL parameter and data attribute suffix; fixed by code, never from data
    label: str
    name: Callable[[str], str] = str  # value -> display label
    options: list[tuple[str, str, int]] = field(default_factory=list)  # (token, label, count)


@dataclass
class Row:
    cells: list  # Markup or text, one per column
    values: dict[str, list[str]]  # facet key -> raw values
    pairs: list[str] = field(default_factory=list)  # "facility:support" tokens, see knowhow.js
    words: str = ""  # more text for the word filter than the cells show (description, techniques)
    sort_keys: dict[int, str] = field(default_factory=dict)  # column -> value to sort by (dates, versions)

    def attrs(self) -> dict[str, str]:
        out = {f"data-f-{k}": " ".join(sorted({token(v) for v in vs})) for k, vs in self.values.items() if vs}
        if self.pairs:
            out["data-pairs"] = " ".join(sorted(set(self.pairs)))
        if self.words:
            out["data-words"] = self.words
        return out


def fill_options(facets: list[Facet], rows: Iterable[Row]) -> list[Facet]:
    """Options of every facet with their row counts, most frequent first; facets without values dropped."""
    counts: dict[str, Counter] = {f.key: Counter() for f in facets}
    for row in rows:
        for key, values in row.values.items():
            if key in counts:
                counts[key].update(set(values))
    out = []
    for f in facets:
        c = counts[f.key]
        if not c:
            continue
        f.options = [(token(v), f.name(v), n) for v, n in sorted(c.items(), key=lambda kv: (-kv[1], f.name(kv[0])))]
        out.append(f)
    return out


def pair(facility: str, support: str) -> str:
    return f"{token(facility)}:{token(support)}"
