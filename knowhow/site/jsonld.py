"""schema.org JSON-LD for every record page, so TeSS, search engines and dataset search can harvest
the portal itself. Values are plain data; `render.script_json` makes them safe inside <script>."""

from __future__ import annotations

from typing import Any

from ..registry import vocab
from ..registry.merge import Merged
from ..sanitize import clean_text, safe_url
from .graph import Graph

BIOSCHEMAS = {
    "Event": "https://bioschemas.org/profiles/Event/0.3-DRAFT",
    "CourseInstance": "https://bioschemas.org/profiles/CourseInstance/1.0-RELEASE",
}
CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"
COURSE_TYPES = {"school", "course"}
ATTENDANCE = {
    "onsite": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
COURSE_MODE = {"onsite": "onsite", "online": "online", "hybrid": "blended"}


def for_record(g: Graph, rec: Merged) -> dict[str, Any]:
    """The JSON-LD object of one record page."""
    from .kinds_jsonld import BUILDERS  # the newer kinds; imports this module

    builder = {"software": _software, "events": _event, "collaborations": _collaboration,
               "open_data": _open_data, "facilities": _facility, **BUILDERS}[rec.kind]
    doc = {"@context": "https://schema.org", "@id": page_id(g, rec), "name": g.title(rec),
           "description": clean_text(rec.data.get("description"), 5000)}
    doc.update(builder(g, rec))
    refs = [u for u in (safe_url(r) for r in rec.data.get("references") or []) if u]
    if refs:
        doc.setdefault("sameAs", [])
        doc["sameAs"] = sorted(set(doc["sameAs"]) | set(refs))
    updated = g.inp.updated.get((rec.kind, rec.id))
    if updated and rec.kind in ("software", "open_data"):
        doc["dateModified"] = updated
    return _prune(doc)


def page_id(g: Graph, rec: Merged) -> str:
    return f"{g.inp.site_url}{rec.kind}/{rec.id}/"


def organization(g: Graph, fid: str) -> dict[str, Any]:
    rec = g.ids["facilities"].get(fid)
    if rec is None:
        return {"@type": "Organization", "name": fid}
    return _prune({"@type": "ResearchOrganization", "@id": page_id(g, rec), "name": g.title(rec),
                   "url": safe_url(rec.data.get("website"))})


def _software(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    facts = d.get("facts") or {}
    makers = [link.get("id") for link in d.get("facilities") or [] if isinstance(link, dict)
              and link.get("support") in ("develops", None)]
    return {
        "@type": ["SoftwareSourceCode", "SoftwareApplication"] if d.get("repository") else "SoftwareApplication",
        "url": safe_url(d.get("homepage")),
        "codeRepository": safe_url(d.get("repository")),
        "license": _license(d.get("license") or facts.get("repository_license")),
        "programmingLanguage": list(d.get("languages") or []),
        "applicationCategory": ", ".join(vocab.SOFTWARE_CATEGORIES.get(c, c) for c in d.get("categories") or []),
        "keywords": [vocab.panet().get(t, t) for t in d.get("techniques") or []] + list(facts.get("topics") or []),
        "identifier": f"https://doi.org/{d['doi']}" if d.get("doi") else None,
        "softwareVersion": facts.get("latest_release") or facts.get("pypi_version"),
        "softwareHelp": safe_url(d.get("documentation")),
        "sourceOrganization": [organization(g, f) for f in makers if f],
        "creativeWorkStatus": d.get("status"),
    }


def _event(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    t = g.times.get(rec.id)
    kind = "CourseInstance" if d.get("event_type") in COURSE_TYPES else "Event"
    doc: dict[str, Any] = {
        "@type": kind,
        CONFORMS_TO: {"@id": BIOSCHEMAS[kind], "@type": "CreativeWork"},
        "url": safe_url(d.get("url")),
        "startDate": t.iso_start() if t else d.get("start"),
        "endDate": (t.iso_end() if t else d.get("end")) or None,
        "organizer": [organization(g, f) for f in d.get("organisers") or []],
        "keywords": list(d.get("topics") or []),
        "location": _location(d),
    }
    if kind == "Event":
        doc["eventType"] = vocab.EVENT_TYPES.get(d.get("event_type"), "Event") if d.get("event_type") else None
        doc["eventAttendanceMode"] = ATTENDANCE.get(d.get("presence"))
    else:
        doc["courseMode"] = COURSE_MODE.get(d.get("presence"))
    return doc


def _location(d: dict) -> dict[str, Any] | None:
    if d.get("presence") == "online":
        return {"@type": "VirtualLocation", "url": safe_url(d.get("url"))}
    address = _prune({"@type": "PostalAddress", "addressLocality": d.get("city"), "addressCountry": d.get("country")})
    if not d.get("venue") and len(address) == 1:
        return None
    return _prune({"@type": "Place", "name": d.get("venue") or d.get("city"),
                   "address": address if len(address) > 1 else None})


def _collaboration(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    return {
        "@type": "Project",
        "url": safe_url(d.get("website")),
        "foundingDate": str(d["started"]) if d.get("started") else None,
        "dissolutionDate": str(d["ended"]) if d.get("ended") else None,
        "member": [organization(g, p.get("id")) for p in d.get("facilities") or [] if isinstance(p, dict)],
        "sameAs": [u for u in (safe_url(r) for r in d.get("repositories") or []) if u],
    }


def _open_data(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    kind = "Dataset" if d.get("type") == "curated-collection" else "DataCatalog"
    doc = {
        "@type": kind,
        "url": safe_url(d.get("url")),
        "license": _license(d.get("license")),
        "publisher": [organization(g, f) for f in d.get("facilities") or []],
        "measurementTechnique": [f"http://purl.org/pan-science/PaNET/{t}" for t in d.get("techniques") or []],
        "keywords": [vocab.panet().get(t, t) for t in d.get("techniques") or []],
        "encodingFormat": list(d.get("formats") or []) if kind == "Dataset" else None,
        "isAccessibleForFree": True,
    }
    if d.get("embargo_years") is not None:
        doc["conditionsOfAccess"] = f"Embargo of {d['embargo_years']} years before data become open."
    return doc


def _facility(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    same = [safe_url(f"https://ror.org/{d['ror']}") if d.get("ror") else None]
    same += [safe_url(f"https://github.com/{o}") for o in d.get("github_orgs") or []]
    return {
        "@type": "ResearchOrganization",
        "alternateName": d.get("short_name"),
        "url": safe_url(d.get("website")),
        "address": _prune({"@type": "PostalAddress", "addressLocality": d.get("city"),
                           "addressCountry": d.get("country")}),
        "identifier": f"https://ror.org/{d['ror']}" if d.get("ror") else None,
        "sameAs": [s for s in same if s],
        "parentOrganization": _prune({"@type": "Organization", "name": d.get("operator"),
                                      "identifier": safe_url(f"https://ror.org/{d['operator_ror']}")
                                      if d.get("operator_ror") else None}) if d.get("operator") else None,
    }


def _license(spdx: object) -> str | None:
    if not isinstance(spdx, str) or not spdx or spdx.startswith("LicenseRef-"):
        return None
    return safe_url(f"https://spdx.org/licenses/{spdx}")


def _prune(value: Any) -> Any:
    """Drop empty values so the JSON-LD says only what is known."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_prune(x) for x in value) if v not in (None, "", [], {})]
    return value
