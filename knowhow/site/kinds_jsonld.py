"""schema.org JSON-LD of news, jobs, funding calls, groups and links (see jsonld.py for the others).
The type comes from the model class (`schema_type`); these add each kind's own properties."""

from __future__ import annotations

from typing import Any

from ..registry import vocab
from ..registry.merge import Merged
from ..registry.model import KINDS
from ..sanitize import clean_text, safe_url
from .graph import Graph
from .jsonld import organization, page_id
from .kinds_pages import related_records


def _type(rec: Merged) -> str:
    return KINDS[rec.kind].schema_type


def _news(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    about = [{"@id": page_id(g, target), "name": g.title(target)} for target in related_records(g, d.get("related"))]
    return {
        "@type": _type(rec),
        "headline": d.get("title"),
        "datePublished": d.get("date"),
        "url": safe_url(d.get("url")),
        "articleBody": clean_text(d.get("body"), 20000) if d.get("body") else None,
        "about": about,
        "citation": [safe_url(link.get("url")) for link in d.get("links") or [] if isinstance(link, dict)],
    }


def _job(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    return {
        "@type": _type(rec),
        "title": d.get("title"),
        "url": safe_url(d.get("url")),
        "datePosted": d.get("posted"),
        "validThrough": d.get("closing_date"),
        "hiringOrganization": organization(g, d["facility"]) if d.get("facility") else None,
        "occupationalCategory": vocab.JOB_FIELDS.get(d.get("field"), d.get("field")) if d.get("field") else None,
        "employmentType": vocab.JOB_CONTRACTS.get(d.get("contract")) if d.get("contract") else None,
        "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": d["location"]}}
        if d.get("location") else None,
    }


def _funding(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    return {
        "@type": _type(rec),
        "url": safe_url(d.get("url")),
        "identifier": d.get("call_id"),
        "funder": {"@type": "Organization", "name": d.get("funder")} if d.get("funder") else None,
        "keywords": list(d.get("topics") or []),
        "alternateName": d.get("programme"),
    }


def _group(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    parent = g.ids.get("groups", {}).get(str(d.get("parent") or ""))
    return {
        "@type": _type(rec),
        "alternateName": d.get("short_name"),
        "url": safe_url(d.get("website")),
        "parentOrganization": {"@id": page_id(g, parent), "name": g.title(parent)} if parent else None,
        "member": [organization(g, f) for f in d.get("members") or [] if isinstance(f, str)],
        "foundingDate": str(d["started"]) if d.get("started") else None,
        "dissolutionDate": str(d["ended"]) if d.get("ended") else None,
    }


def _link(g: Graph, rec: Merged) -> dict[str, Any]:
    d = rec.data
    return {
        "@type": _type(rec),
        "url": safe_url(d.get("url")),
        "genre": vocab.LINK_CATEGORIES.get(d.get("category")) if d.get("category") else None,
        "publisher": [organization(g, f) for f in d.get("facilities") or [] if isinstance(f, str)],
    }


BUILDERS = {"news": _news, "jobs": _job, "funding": _funding, "groups": _group, "links": _link}
