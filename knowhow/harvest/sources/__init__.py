"""Every source adapter, in one visible list keyed by the adapter's `type`.

Adding a source = one module in this folder + one import line and one entry below.
"""

from __future__ import annotations

from ..base import Adapter
from .ical import ICal
from .indico import Indico
from .tess import TeSS

ADAPTERS: dict[str, type[Adapter]] = {a.type: a for a in (
    TeSS,
    Indico,
    ICal,
)}


def adapter_kinds() -> dict[str, tuple[str, ...]]:
    """Adapter type -> the record kinds it can fill."""
    return {t: tuple(getattr(a, "kinds", None) or (a.kind,)) for t, a in ADAPTERS.items()}
