"""Controlled vocabularies: SPDX licences, ISO 3166 countries, PaNET techniques, portal lists."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import yaml

_HERE = Path(__file__).parent

# Portal lists: the value is stored, the label is shown.
FACILITY_KINDS = {
    "synchrotron": "Synchrotron light source",
    "fel": "Free-electron laser",
    "neutron-source": "Neutron source",
    "laser": "Laser facility",
    "muon-source": "Muon source",
    "other": "Other",
}
CONSORTIA = {"leaps": "LEAPS", "lens": "LENS", "partner": "Partner"}
SOFTWARE_CATEGORIES = {
    "data-acquisition": "Data acquisition",
    "control": "Control",
    "data-reduction": "Data reduction",
    "data-analysis": "Data analysis",
    "visualisation": "Visualisation",
    "simulation": "Simulation",
    "data-management": "Data management",
    "workflow": "Workflow",
    "metadata-catalogue": "Metadata catalogue",
    "infrastructure": "Infrastructure",
    "library": "Library / framework",
    "user-office": "User office",
    "remote-access": "Remote access",
}
SUPPORT_LEVELS = {"develops": "Develops", "supports": "Supports", "uses": "Uses"}
SOFTWARE_STATUS = {"active": "Active", "maintained": "Maintained", "legacy": "Legacy", "archived": "Archived"}
PRESENCE = {"onsite": "On site", "online": "Online", "hybrid": "Hybrid"}
EVENT_TYPES = {
    "school": "School",
    "workshop": "Workshop",
    "conference": "Conference",
    "course": "Course",
    "webinar": "Webinar",
    "meeting": "Meeting",
    "hackathon": "Hackathon",
}
COLLABORATION_CATEGORIES = {
    "hardware-and-control": "Hardware & Control",
    "control-systems": "Control Systems",
    "data-analysis": "Data Analysis",
    "management-information-systems": "Management Information Systems",
}
GOVERNANCE = {"mou": "Memorandum of understanding", "consortium": "Consortium", "project": "Funded project",
              "informal": "Informal"}
COLLABORATION_STATUS = {"active": "Active", "completed": "Completed", "dormant": "Dormant"}
OPEN_DATA_KINDS = {
    "facility-portal": "Facility data portal",
    "catalogue": "Catalogue / search service",
    "curated-collection": "Curated collection",
}
API_TYPES = {
    "panosc": "PaNOSC search API",
    "oai-pmh": "OAI-PMH",
    "datacite": "DataCite",
    "scicat": "SciCat",
    "icat": "ICAT",
    "none": "None",
}

JOB_FIELDS = {"software": "Software", "data": "Data", "it": "IT", "controls": "Controls"}
JOB_CONTRACTS = {
    "permanent": "Permanent",
    "fixed-term": "Fixed-term",
    "postdoc": "Postdoc",
    "phd": "PhD position",
    "student": "Student or internship",
}
GROUP_TYPES = {"working-group": "Working group", "interest-group": "Special interest group", "project": "Project"}
GROUP_STATUS = {"active": "Active", "proposed": "Under evaluation", "completed": "Completed"}
LINK_CATEGORIES = {
    "policy": "Policies",
    "standard": "Standards and ontologies",
    "service": "Services",
    "code": "Community code repositories",
    "training": "Training material",
}


@lru_cache(maxsize=1)
def spdx_ids() -> dict[str, str]:
    """Known SPDX licence ids, keyed by lower case (ids compare case-insensitively)."""
    from license_expression import get_spdx_licensing

    ids: dict[str, str] = {}
    for sym in get_spdx_licensing().known_symbols.values():
        ids[sym.key.lower()] = sym.key
    return ids


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name."""
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


@lru_cache(maxsize=1)
def _panet_file() -> dict:
    """The bundled subset of the PaNET ontology, read once."""
    return yaml.safe_load((_HERE / "panet.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def panet() -> dict[str, str]:
    """PaNET technique id -> label, from the bundled subset of the PaNET ontology."""
    return {str(k): str(v) for k, v in _panet_file()["terms"].items()}


@lru_cache(maxsize=1)
def panet_broader() -> dict[str, list[str]]:
    """PaNET technique id -> its direct broader terms (the ontology's superclasses), same file."""
    return {str(k): [str(p) for p in v] for k, v in (_panet_file().get("broader") or {}).items()}


@lru_cache(maxsize=1)
def panet_alt_labels() -> dict[str, list[str]]:
    """PaNET technique id -> its other names (abbreviations such as EXAFS), same file."""
    return {str(k): [str(a) for a in v] for k, v in (_panet_file().get("alt_labels") or {}).items()}


def suggest(value: str, choices, n: int = 1, cutoff: float = 0.6) -> str | None:
    """The nearest choice to value, or None: the 'did you mean' of every error."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return lowered[value.lower()]
    hits = difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=cutoff)
    return lowered[hits[0]] if hits else None
