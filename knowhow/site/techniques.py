"""The PaNET technique hierarchy and a page per technique: `techniques/<PaNET id>/`.

A technique page lists the software, open data, events and facilities the portal holds for the
technique and every narrower one, with counts; `techniques/` shows the browsable tree. Pages exist
for every term a record uses and for the broader terms above it, so every node of the tree links.
The hierarchy (a term's broader terms) comes from `knowhow/registry/panet.yaml`, copied from the
ontology's source. PaNET is a polyhierarchy: a term may sit under several broader terms, and the
tree then shows it under each of them.

Events carry no technique field: an event belongs to a technique when its title or topics name
the technique (or a narrower one), or when it is about a software package tagged with it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

from markupsafe import Markup

from ..registry import vocab
from ..registry.merge import Merged
from .graph import Graph
from .render import page, render

PURL = "http://purl.org/pan-science/PaNET/"
SECTIONS = (("software", "Software"), ("open_data", "Open data"), ("events", "Events"),
            ("facilities", "Facilities"))


def technique_url(term_id: str) -> str:
    """Site path of a technique page, e.g. techniques/PaNET01124/."""
    return f"techniques/{term_id}/"


def purl(term_id: str) -> str:
    return PURL + term_id


def label_of(term_id: str) -> str:
    return vocab.panet().get(term_id, term_id)


def alt_labels(term_id: str) -> list[str]:
    """The term's other names from the ontology (EXAFS, SAXS, ...)."""
    return vocab.panet_alt_labels().get(term_id, [])


def names(term_id: str) -> list[str]:
    """Label and other names: the words a technique is searched by."""
    return [label_of(term_id), *alt_labels(term_id)]


@lru_cache(maxsize=1)
def broader_map() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in vocab.panet_broader().items()}


@lru_cache(maxsize=1)
def narrower_map() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for term, parents in broader_map().items():
        for p in parents:
            out[p].append(term)
    return {k: tuple(sorted(v, key=lambda t: label_of(t).casefold())) for k, v in out.items()}


@cache
def ancestors(term_id: str) -> frozenset[str]:
    """Every broader term, transitively (not the term itself)."""
    out: set[str] = set()
    for p in broader_map().get(term_id, ()):
        out.add(p)
        out |= ancestors(p)
    return frozenset(out)


@cache
def descendants(term_id: str) -> frozenset[str]:
    """Every narrower term, transitively (not the term itself)."""
    out: set[str] = set()
    for c in narrower_map().get(term_id, ()):
        out.add(c)
        out |= descendants(c)
    return frozenset(out)


@dataclass
class Holdings:
    """What the portal holds for one technique, its narrower terms included."""

    term: str
    records: dict[str, list[Merged]] = field(default_factory=dict)  # kind -> records
    direct: dict[str, set[str]] = field(default_factory=dict)  # kind -> ids tagged with the term itself

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.records.values())


def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(text.casefold()) + r"(?![\w-])")


class TechniqueIndex:
    """Records per PaNET term, computed once per build."""

    def __init__(self, g: Graph):
        self.g = g
        tagged: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # term -> kind -> ids
        for kind in ("software", "open_data"):
            for rec in g.by_kind[kind]:
                for t in rec.data.get("techniques") or []:
                    if isinstance(t, str):
                        tagged[t][kind].add(rec.id)
        # Facilities through their software and open data.
        for t, kinds in list(tagged.items()):
            for sid in kinds.get("software", set()):
                for link in g.ids["software"][sid].data.get("facilities") or []:
                    fid = link.get("id") if isinstance(link, dict) else None
                    if fid in g.ids["facilities"]:
                        tagged[t]["facilities"].add(fid)
            for oid in kinds.get("open_data", set()):
                for fid in g.ids["open_data"][oid].data.get("facilities") or []:
                    if fid in g.ids["facilities"]:
                        tagged[t]["facilities"].add(fid)
        used = set(tagged)
        self.terms = sorted(used | {a for t in used for a in ancestors(t)})
        # Events: by name in title or topics, or through the software they are about.
        about: dict[str, set[str]] = defaultdict(set)  # software id -> event ids
        for sw in g.by_kind["software"]:
            if sw.data.get("techniques"):
                about[sw.id] = {e.id for e in g.events_about(sw)}
        texts = {e.id: " ".join([str(e.data.get("title") or "")] + [str(x) for x in e.data.get("topics") or []]
                                ).casefold() for e in g.by_kind["events"]}
        for t in self.terms:
            pattern = _phrase(label_of(t))
            hits = {eid for eid, text in texts.items() if pattern.search(text)}
            for sid in tagged.get(t, {}).get("software", set()):
                hits |= about.get(sid, set())
            if hits:
                tagged[t]["events"] |= hits
        self.direct = tagged
        self.holdings = {t: self._holdings(t) for t in self.terms}

    def _holdings(self, term: str) -> Holdings:
        h = Holdings(term)
        for kind, _ in SECTIONS:
            ids: set[str] = set()
            for t in {term} | descendants(term):
                ids |= self.direct.get(t, {}).get(kind, set())
            recs = [self.g.ids[kind][i] for i in ids]
            key = self.g.title if kind != "facilities" else (lambda r: self.g.short(r.id).casefold())
            if kind == "events":
                recs = self.g.events_sorted(recs)[::-1]  # latest first
            else:
                recs.sort(key=lambda r: str(key(r)).casefold())
            h.records[kind] = recs
            h.direct[kind] = set(self.direct.get(term, {}).get(kind, set()))
        return h

    def events_for(self, term: str) -> list[Merged]:
        h = self.holdings.get(term)
        return h.records["events"] if h else []

    def roots(self) -> list[str]:
        have = set(self.terms)
        return sorted((t for t in self.terms if not (set(broader_map().get(t, ())) & have)),
                      key=lambda t: label_of(t).casefold())

    def children(self, term: str) -> list[str]:
        have = set(self.terms)
        return [c for c in narrower_map().get(term, ()) if c in have]


def pages(g: Graph, index: TechniqueIndex | None = None) -> dict[str, str]:
    """techniques/index.md (the tree) and techniques/<id>/index.md for every term in use."""
    ix = index or TechniqueIndex(g)
    out = {"techniques/index.md": tree_page(ix)}
    for t in ix.terms:
        out[f"{technique_url(t)}index.md"] = technique_page(ix, t)
    return out


def tree_page(ix: TechniqueIndex) -> str:
    def node(term: str, depth: int) -> Markup:
        h = ix.holdings[term]
        kids = ix.children(term) if depth < 12 else []
        inner = Markup('<a href="{}">{}</a> <span class="kh-muted">{}</span>').format(
            f"{term}/", label_of(term), _count_text(h))
        if kids:
            inner += Markup('<ul>{}</ul>').format(Markup("").join(node(k, depth + 1) for k in kids))
        return Markup("<li>{}</li>").format(inner)

    tree = Markup("").join(node(r, 0) for r in ix.roots())
    body = render("techniques.html", tree=tree, n=len(ix.terms))
    return page("Techniques", body, description="The experimental techniques (PaNET) of the portal's records.",
                search=False, hide=("toc",))


def _count_text(h: Holdings) -> str:
    parts = [f"{len(h.records[k])} {name.lower() if k != 'open_data' else 'open data'}"
             for k, name in SECTIONS if h.records.get(k)]
    return "(" + ", ".join(parts) + ")" if parts else ""


def technique_page(ix: TechniqueIndex, term: str) -> str:
    g = ix.g
    h = ix.holdings[term]
    up = "../../"
    sections = []
    for kind, name in SECTIONS:
        items = []
        for rec in h.records[kind]:
            text = g.short(rec.id) if kind == "facilities" else g.title(rec)
            note = ""
            if kind in ("software", "open_data") and rec.id not in h.direct[kind]:
                narrower = sorted({label_of(t) for t in rec.data.get("techniques") or []
                                   if t in descendants(term)})
                note = ", ".join(narrower)
            elif kind == "events" and g.times.get(rec.id):
                note = g.times[rec.id].local_text() + (" (past)" if g.is_past(rec) else "")
            items.append((f"{up}{g.url(rec)}", text, note))
        sections.append((kind, name, items))
    body = render("technique.html", term=term, label=label_of(term), purl=purl(term), sections=sections,
                  alt=alt_labels(term),
                  broader=[(f"../{b}/", label_of(b)) for b in broader_map().get(term, ()) if b in ix.holdings],
                  narrower=[(f"../{c}/", label_of(c), ix.holdings[c].total) for c in ix.children(term)],
                  total=h.total, ics=f"{up}feeds/technique/{term}.ics", atom=f"{up}feeds/technique/{term}.xml")
    return page(label_of(term), body, description=f"Software, open data, events and facilities for {label_of(term)}.",
                search=False, hide=("toc",))
