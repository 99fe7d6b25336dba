"""The registry as a graph: who refers to whom, computed once, plus each record's badges and origin."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from ..registry.merge import Merged
from ..registry.model import KINDS, tier, title_of
from .deadlines import status_badges
from .inputs import SiteInput
from .render import record_url
from .times import EventTime, event_time


@dataclass(frozen=True)
class Badge:
    """A short freshness or status flag shown next to a title and in index rows."""

    key: str  # css modifier: stale, archived, past, withdrawn, broken, inconclusive, upcoming
    text: str
    title: str = ""


class Graph:
    """Published records by kind with reverse references between them."""

    def __init__(self, inp: SiteInput):
        self.inp = inp
        self.today = inp.today
        self.by_kind: dict[str, list[Merged]] = {k: inp.registry.published(k) for k in KINDS}
        self.ids: dict[str, dict[str, Merged]] = {k: {r.id: r for r in v} for k, v in self.by_kind.items()}
        self.times: dict[str, EventTime | None] = {r.id: event_time(r.data) for r in self.by_kind["events"]}
        self._index()

    def _index(self) -> None:
        self.software_at: dict[str, list[tuple[Merged, str]]] = defaultdict(list)
        self.events_by: dict[str, list[Merged]] = defaultdict(list)
        self.collabs_of: dict[str, list[tuple[Merged, int | None]]] = defaultdict(list)
        self.data_of: dict[str, list[Merged]] = defaultdict(list)
        self.collabs_for_sw: dict[str, set[str]] = defaultdict(set)
        self.sw_for_collab: dict[str, set[str]] = defaultdict(set)
        fac = self.ids["facilities"]
        for sw in self.by_kind["software"]:
            for link in _dicts(sw.data.get("facilities")):
                if link.get("id") in fac:
                    self.software_at[link["id"]].append((sw, str(link.get("support") or "uses")))
            for cid in _strs(sw.data.get("collaborations")):
                if cid in self.ids["collaborations"]:
                    self.collabs_for_sw[sw.id].add(cid)
                    self.sw_for_collab[cid].add(sw.id)
        for ev in self.by_kind["events"]:
            for fid in _strs(ev.data.get("organisers")):
                if fid in fac:
                    self.events_by[fid].append(ev)
        for col in self.by_kind["collaborations"]:
            for part in _dicts(col.data.get("facilities")):
                if part.get("id") in fac:
                    self.collabs_of[part["id"]].append((col, part.get("joined")))
            for sid in _strs(col.data.get("software")):
                if sid in self.ids["software"]:
                    self.collabs_for_sw[sid].add(col.id)
                    self.sw_for_collab[col.id].add(sid)
        for od in self.by_kind["open_data"]:
            for fid in _strs(od.data.get("facilities")):
                if fid in fac:
                    self.data_of[fid].append(od)

    # --- naming -----------------------------------------------------------------------------

    def title(self, rec: Merged) -> str:
        return title_of(rec.kind, rec.data)

    def short(self, fid: str) -> str:
        """A facility's short name (or name, or id) for tables and charts."""
        rec = self.ids["facilities"].get(fid)
        if rec is None:
            return fid
        return str(rec.data.get("short_name") or rec.data.get("name") or fid)

    def url(self, rec: Merged) -> str:
        return record_url(rec.kind, rec.id)

    # --- events -----------------------------------------------------------------------------

    def is_past(self, ev: Merged) -> bool:
        t = self.times.get(ev.id)
        return bool(t and t.is_past(self.today))

    def events_sorted(self, events: list[Merged]) -> list[Merged]:
        return sorted(events, key=lambda e: (self.times[e.id].sort_key() if self.times.get(e.id) else "", e.id))

    @cached_property
    def upcoming(self) -> list[Merged]:
        return [e for e in self.events_sorted(self.by_kind["events"]) if self.times.get(e.id) and not self.is_past(e)]

    @cached_property
    def past(self) -> list[Merged]:
        return [e for e in reversed(self.events_sorted(self.by_kind["events"])) if self.is_past(e)
                or not self.times.get(e.id)]

    @cached_property
    def feed_facilities(self) -> set[str]:
        """Facilities with an iCalendar feed: those organising an upcoming event."""
        return {f for e in self.upcoming for f in _strs(e.data.get("organisers")) if f in self.ids["facilities"]}

    @cached_property
    def feed_types(self) -> set[str]:
        return {str(e.data["event_type"]) for e in self.upcoming if e.data.get("event_type")}

    @cached_property
    def event_words(self) -> dict[str, list[Merged]]:
        """Lower-case word or topic -> events mentioning it (to relate software to events)."""
        index: dict[str, list[Merged]] = defaultdict(list)
        for ev in self.by_kind["events"]:
            words = set(_words(str(ev.data.get("title") or "")))
            words.update(str(t).casefold() for t in _strs(ev.data.get("topics")))
            for w in words:
                index[w].append(ev)
        return index

    def events_about(self, sw: Merged) -> list[Merged]:
        name = str(sw.data.get("name") or "").casefold()
        hits = {e.id: e for key in {name, sw.id} if len(key) >= 3 for e in self.event_words.get(key, [])}
        return self.events_sorted(list(hits.values()))

    # --- freshness and provenance -------------------------------------------------------------

    def badges(self, rec: Merged) -> list[Badge]:
        out: list[Badge] = []
        d = rec.data
        if d.get("withdrawn"):
            out.append(Badge("withdrawn", "withdrawn", "The source no longer lists this entry."))
        if rec.kind == "events" and rec.id in self.times and self.is_past(rec):
            out.append(Badge("past", "past event"))
        out.extend(Badge(*b) for b in status_badges(rec, self.today))
        facts = d.get("facts") if isinstance(d.get("facts"), dict) else {}
        if facts.get("archived") is True or d.get("status") == "archived":
            out.append(Badge("archived", "archived", "The repository or project is archived."))
        stale = self.stale_sources(rec)
        if stale:
            out.append(Badge("stale", "stale", "Last harvest failed for: " + ", ".join(stale)
                             + ". Values shown are the last good ones."))
        states = [self.inp.link_status.get(u) for u in self.urls(rec)]
        if "broken" in states:
            out.append(Badge("broken", "link broken", "A link of this entry did not work at the last check."))
        elif "inconclusive" in states:
            out.append(Badge("inconclusive", "link unverified", "The last link check was inconclusive."))
        return out

    def stale_sources(self, rec: Merged) -> list[str]:
        """Sources whose last run failed for this record (field errors) or that have gone stale."""
        stale = {o.source or "harvester" for o in rec.provenance.values() if o.error}
        info = self.inp.stale.get(f"{rec.kind}/{rec.id}")
        if info:
            stale.add(info.get("source") or "harvester")
        return sorted(stale)

    def urls(self, rec: Merged) -> list[str]:
        model = KINDS[rec.kind]
        d = rec.data
        keys = [model.url_field, "repository", "documentation", "data_portal", "indico", "meetings", "data_policy",
                "mailing_list", "chat"]
        return [d[k] for k in keys if isinstance(d.get(k), str)]

    def link_state(self, url: object) -> str | None:
        return self.inp.link_status.get(url) if isinstance(url, str) else None

    def origin(self, rec: Merged) -> dict:
        """Where this record comes from, for the 'where this comes from' note."""
        harvested: dict[str, dict] = {}
        nested = {name.split(".", 1)[0] for name in rec.provenance if "." in name}
        for name, o in rec.provenance.items():
            if o.origin != "harvested" or name == "id" or name in nested:
                continue  # 'facts' itself is told by its facts.<name> entries
            src = o.source or "harvester"
            entry = harvested.setdefault(src, {"source": src, "changed": "", "fields": [], "error": ""})
            entry["fields"].append(name)
            if o.changed and o.changed > entry["changed"]:
                entry["changed"] = o.changed
            if o.error:
                entry["error"] = o.error
        stale = self.inp.stale.get(f"{rec.kind}/{rec.id}") or {}
        for src, entry in harvested.items():
            entry["fields"] = sorted(entry["fields"])
            entry["changed"] = entry["changed"][:10]
            if stale.get("source") == src:
                entry["stale_since"] = stale.get("stale_since", "")
                entry["error"] = entry["error"] or stale.get("error", "")
        return {
            "curated": bool(rec.curated_path),
            "harvested": [harvested[k] for k in sorted(harvested)],
            "edit_path": self.inp.edit_paths.get((rec.kind, rec.id), ""),
            "edit_url": self.inp.edit_url(rec),
            "updated": self.inp.updated.get((rec.kind, rec.id), ""),
            "tier": tier(KINDS[rec.kind], rec.data),
        }


_WORD = re.compile(r"[\w+.-]+")


def _words(text: str) -> list[str]:
    return [w.strip(".-").casefold() for w in _WORD.findall(text)]


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strs(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
