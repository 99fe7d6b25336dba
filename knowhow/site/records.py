"""One page per published record: `<kind>/<id>/index.md` (so an id can never clash with an index)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import quote, urlencode
from typing import Any

from markupsafe import Markup

from ..registry.merge import Merged
from ..registry.model import KINDS
from . import jsonld, kinds_pages, search
from .graph import Graph
from .indexes import effective_status
from .render import description_html, env, page, record_url, render, safe_url, script_json

# Links a visitor looks for first, in this order, from whichever of these fields a kind has.
QUICK_LINKS = (("homepage", "Website"), ("website", "Website"), ("url", "Website"), ("documentation", "Documentation"),
               ("repository", "Source code"), ("data_portal", "Data portal"), ("user_office", "User office"),
               ("meetings", "Meetings"), ("contact", "Contact"), ("community", "Community"))
ISSUE_FORM = "5-wrong-entry.yml"
# Package names as the registries allow them: anything else is not offered as a command to copy.
_PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CONTAINER = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$")

KIND_LABELS = {k: m.kind_label for k, m in KINDS.items()}
RELATED_CAP = 12  # long related lists on a record page are cut; the facility and index pages list all
PAST_CAP = 20


def src_path(kind: str, record_id: str) -> str:
    return f"{record_url(kind, record_id)}index.md"


def summary(rec: Merged, limit: int = 160) -> str:
    """The description's opening as written (Markdown marks and all), one line, for page
    descriptions and feed summaries; escaped wherever it is output."""
    text = " ".join(str(rec.data.get("description") or "").split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def record_pages(g: Graph) -> Iterator[tuple[str, str]]:
    links = RecordLinks(g)
    for kind, recs in g.by_kind.items():
        extra = EXTRA.get(kind, _none)
        for rec in recs:
            yield src_path(kind, rec.id), record_page(g, rec, extra(g, rec), links)


UP = "../../"  # every record page lives at <kind>/<id>/, two levels below the site root


def up(target: str) -> str:
    """URL of a site path from any record page (same as relurl(record_url(...), target), faster)."""
    return UP + target


class RecordLinks:
    """Links from record pages to records and facilities, made once each (in Python, not template
    macros: at 10,000 pages the template call overhead is most of the generation time)."""

    def __init__(self, g: Graph):
        self.g = g
        self._cache: dict[tuple[str, str], Markup | str] = {}

    def rec(self, rec: Merged) -> Markup | str:
        key = (rec.kind, rec.id)
        if key not in self._cache:
            self._cache[key] = Markup('<a href="{}">{}</a>').format(up(self.g.url(rec)), self.g.title(rec))
        return self._cache[key]

    def fac(self, fid: str) -> Markup | str:
        key = ("facilities-short", fid)
        if key not in self._cache:
            self._cache[key] = (Markup('<a href="{}">{}</a>').format(up(f"facilities/{fid}/"), self.g.short(fid))
                                if fid in self.g.ids["facilities"] else fid)
        return self._cache[key]


def quick_links(rec: Merged) -> list[tuple[str, str]]:
    """(label, URL) of the record's main outside links, each URL once, http(s) only."""
    out, seen = [], set()
    for key, text in QUICK_LINKS:
        url = safe_url(rec.data.get(key)) if isinstance(rec.data.get(key), str) else None
        if url and url not in seen and text not in {t for t, _ in out}:
            seen.add(url)
            out.append((text, url))
    return out


def issue_tracker(repository: object) -> str | None:
    """The issue tracker of a GitHub or GitLab repository (where users ask and report), else None."""
    url = safe_url(repository) if isinstance(repository, str) else None
    m = re.match(r"^https://(github\.com|gitlab\.com)/[A-Za-z0-9._-]+/[A-Za-z0-9._/-]+?/?$", url or "")
    return url.rstrip("/") + ("/issues" if m.group(1) == "github.com" else "/-/issues") if m else None


def report_url(g: Graph, rec: Merged) -> str | None:
    """The wrong-entry issue form with the record filled in (GitHub pre-fills fields by id)."""
    repo = safe_url(g.inp.repo_url) if g.inp.repo_url else None
    if not repo:
        return None
    query = urlencode({"template": ISSUE_FORM, "title": f"[fix] {rec.kind}/{rec.id}",
                       "record": f"{rec.kind}/{rec.id}"}, quote_via=quote)
    return f"{repo.rstrip('/')}/issues/new?{query}"


def install_commands(d: dict) -> list[tuple[str, str]]:
    """(where, command) to install a package, for names the registries could hold."""
    packages = d.get("packages") if isinstance(d.get("packages"), dict) else {}
    out = []
    if _PACKAGE.match(str(packages.get("pypi") or "")):
        out.append(("PyPI", f"pip install {packages['pypi']}"))
    if _PACKAGE.match(str(packages.get("conda_forge") or "")):
        out.append(("conda-forge", f"conda install -c conda-forge {packages['conda_forge']}"))
    if _CONTAINER.match(str(packages.get("container") or "")):
        out.append(("Container", f"docker pull {packages['container']}"))
    return out


def citation(d: dict) -> dict[str, Any]:
    """What the Cite section shows: the harvested citation (CITATION.cff / DataCite) when there is
    one, else the curated or concept DOI. Keys: doi, text (formatted), bibtex; any may be empty."""
    facts = d.get("facts") if isinstance(d.get("facts"), dict) else {}
    cit = facts.get("citation") if isinstance(facts.get("citation"), dict) else {}
    doi = cit.get("doi") or d.get("doi") or facts.get("concept_doi") or ""
    out: dict[str, Any] = {"doi": str(doi), "text": "", "bibtex": ""}
    title = cit.get("title") or d.get("name")
    authors = [str(a) for a in cit.get("authors") or [] if a]
    if not (cit and title and authors):
        return out
    year = str(cit.get("date_released") or "")[:4]
    version = cit.get("version")
    link = f"https://doi.org/{doi}" if doi else (cit.get("url") or cit.get("repository") or "")
    names = ", ".join(authors[:-1]) + (" and " if len(authors) > 1 else "") + authors[-1]
    text = f"{names}{f' ({year})' if year else ''}. {title}"
    text += f" (version {version})." if version else "."
    out["text"] = text + (f" {link}" if link else "")
    fields = [("title", str(title)), ("author", " and ".join(authors))]
    fields += [(k, str(v)) for k, v in (("version", version), ("year", year), ("doi", doi),
                                        ("url", cit.get("url") or cit.get("repository"))) if v]
    key = re.sub(r"[^A-Za-z0-9]", "", (authors[0].split()[-1] if authors else "")) + year
    body = ",\n".join(f"  {k} = {{{_bibtex(v)}}}" for k, v in fields)
    out["bibtex"] = f"@software{{{key or d.get('id', 'software')},\n{body}\n}}"
    return out


def _bibtex(value: str) -> str:
    """A BibTeX field value: braces balanced away and TeX specials escaped."""
    value = " ".join(value.split()).replace("\\", " ").replace("{", "").replace("}", "")
    return re.sub(r"([&%$#_])", r"\\\1", value)


REVIEW_LABELS = {"archived-but-maintained": "Status disagrees with the repository"}


def review_flags(d: dict) -> list[dict[str, str]]:
    """The record's `review` flags (written by cross-checks), as text; tolerant of their absence."""
    out = []
    for flag in d.get("review") or []:
        if isinstance(flag, dict) and (flag.get("message") or flag.get("code")):
            evidence = str(flag.get("evidence") or "")
            out.append({"code": str(flag.get("code") or ""), "field": str(flag.get("field") or ""),
                        "message": str(flag.get("message") or flag.get("code")),
                        "evidence_url": safe_url(evidence) or "", "evidence": evidence})
    return out


@lru_cache(maxsize=None)
def _template(kind: str) -> str:
    """The kind's own template, or the shared record layout (description, links, origin) for a kind
    that has none yet, so every new kind gets a complete page."""
    return f"{kind}.html" if f"{kind}.html" in env().list_templates() else "_record.html"


def record_page(g: Graph, rec: Merged, extra: dict[str, Any], links: RecordLinks | None = None) -> str:
    title = g.title(rec)
    body = render(
        _template(rec.kind), rec=rec, d=rec.data, g=g, u=up, L=links or RecordLinks(g), title=title,
        search_block=search.record_block(g, rec), kind_label=KIND_LABELS.get(rec.kind, rec.kind.replace("_", " ")),
        bs=g.badges(rec), description=description_html(rec.data.get("description")), origin=g.origin(rec),
        quick=quick_links(rec), report=report_url(g, rec), review=review_flags(rec.data),
        jsonld=script_json(jsonld.for_record(g, rec)), **extra)
    return page(title, body, description=summary(rec), hide=("toc",))


def _software(g: Graph, rec: Merged) -> dict[str, Any]:
    supported = [(link["id"], str(link.get("support") or "uses")) for link in rec.data.get("facilities") or []
                 if isinstance(link, dict) and isinstance(link.get("id"), str)]
    collabs = sorted((g.ids["collaborations"][c] for c in g.collabs_for_sw.get(rec.id, ())), key=g.title)
    facility_ids = {f for f, s in supported if s in ("develops", "supports")} or {f for f, _ in supported}
    techniques = set(rec.data.get("techniques") or [])
    data = {od.id: od for f in sorted(facility_ids) for od in g.data_of.get(f, [])}
    ranked = sorted(data.values(), key=lambda od: (-len(techniques & set(od.data.get("techniques") or [])),
                                                   g.title(od)))
    return {"supported": supported, "collabs": collabs, "events": g.events_about(rec)[:RELATED_CAP],
            "open_data": ranked[:RELATED_CAP], "install": install_commands(rec.data), "cite": citation(rec.data),
            "tracker": issue_tracker(rec.data.get("repository")), "status": effective_status(rec.data)}


def _none(g: Graph, rec: Merged) -> dict[str, Any]:
    return {}


_event = _none


def _collaboration(g: Graph, rec: Merged) -> dict[str, Any]:
    parts = [(p["id"], p.get("joined")) for p in rec.data.get("facilities") or []
             if isinstance(p, dict) and isinstance(p.get("id"), str)]
    software = sorted((g.ids["software"][s] for s in g.sw_for_collab.get(rec.id, ())), key=g.title)
    return {"participants": parts, "software": software}


def _open_data(g: Graph, rec: Merged) -> dict[str, Any]:
    return {}


def _facility(g: Graph, rec: Merged) -> dict[str, Any]:
    by_level: dict[str, list[Merged]] = {}
    for sw, support in g.software_at.get(rec.id, []):
        by_level.setdefault(support, []).append(sw)
    software = [(level, sorted(by_level[level], key=g.title)) for level in ("develops", "supports", "uses")
                if level in by_level]
    events = g.events_sorted(g.events_by.get(rec.id, []))
    upcoming = [e for e in events if g.times.get(e.id) and not g.is_past(e)]
    past = [e for e in reversed(events) if e not in upcoming]
    collabs = g.collabs_of.get(rec.id, [])
    return {
        "software": software,
        "upcoming": upcoming,
        "past": past[:PAST_CAP],
        "past_more": max(0, len(past) - PAST_CAP),
        "collabs": sorted((c for c, _ in collabs), key=g.title),
        "joined": {c.id: j for c, j in collabs if j},
        "open_data": sorted(g.data_of.get(rec.id, []), key=g.title),
        "feed": f"feeds/facility/{rec.id}.ics",
        **kinds_pages.facility_extra(g, rec),
    }


EXTRA = {"software": _software, "events": _event, "collaborations": _collaboration, "open_data": _open_data,
         "facilities": _facility, **kinds_pages.EXTRA}
