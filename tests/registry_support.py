"""Helpers for registry tests: write a small valid registry into a temporary folder."""

from __future__ import annotations

from pathlib import Path

FACILITY = """\
id: {id}
name: Facility {id}
short_name: {upper}
description: A test facility.
website: https://{id}.example.org/
type: synchrotron
country: FR
references: [https://{id}.example.org/about]
"""

SOFTWARE = """\
id: {id}
name: Tool {id}
description: A tool for tests.
homepage: https://example.org/{id}
license: MIT
facilities:
  - id: {facility}
    support: develops
references: [https://example.org/{id}]
"""


def write(root: Path, origin: str, kind: str, name: str, text: str | bytes) -> Path:
    path = root / origin / kind / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def small_registry(root: Path) -> Path:
    """Two facilities and one software record, all valid."""
    for fid in ("alpha", "beta"):
        write(root, "curated", "facilities", fid, FACILITY.format(id=fid, upper=fid.upper()))
    write(root, "curated", "software", "tool", SOFTWARE.format(id="tool", facility="alpha"))
    return root
