"""Every source adapter, in one visible list keyed by the adapter's `type`.

Adding a source = one module in this folder + one import line and one entry below.
"""

from __future__ import annotations

from ..base import Adapter
from .datacite import DataCite
from .github import GitHub
from .gitlab import GitLab
from .ical import ICal
from .indico import Indico
from .oaipmh import OAIPMH
from .panosc import PaNOSC
from .pypi import PyPI
from .review import Review
from .tess import TeSS
from .zenodo import Zenodo

ADAPTERS: dict[str, type[Adapter]] = {a.type: a for a in (
    TeSS,
    Indico,
    ICal,
    GitHub,
    GitLab,
    Zenodo,
    DataCite,
    PaNOSC,
    OAIPMH,
    PyPI,
    Review,
)}


def adapter_kinds() -> dict[str, tuple[str, ...]]:
    """Adapter type -> the record kinds it can fill."""
    return {t: tuple(getattr(a, "kinds", None) or (a.kind,)) for t, a in ADAPTERS.items()}
