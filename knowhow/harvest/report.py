"""The run report three ways: a plain table for the terminal, Markdown for the bot's pull
request body ("3 new events at DESY, silx 2.2.0 released, 2 repositories archived"), JSON."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..sanitize import clean_line, escape_markdown
from .runner import Row, RunReport

COLUMNS = ("requests", "304s", "fetched", "new", "changed", "unchanged", "listed", "stale", "withdrawn",
           "failed", "seconds")


def _cells(row: Row) -> list[str]:
    o = row.outcome
    return [str(v) for v in (row.requests, row.not_modified, o.fetched, o.new, o.changed, o.unchanged, o.listed,
                             o.stale, o.withdrawn, "held" if o.held else ("yes" if o.failed else "-"),
                             f"{row.seconds:.1f}")]


def table(report: RunReport) -> str:
    """Fixed-width table, one line per source, then one line per failure."""
    header = ["source", *COLUMNS]
    lines = [[r.source.name, *_cells(r)] for r in report.rows]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    out = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(x) for x in lines]
    for r in report.rows:
        if r.outcome.error:
            out.append(f"  {r.source.name}: {clean_line(r.outcome.error, 400)}")
        for h in r.outcome.figures[:10]:
            out.append(f"  {r.source.name}: {clean_line(h.message(), 300)}")
        for p in r.outcome.problems[:10]:
            out.append(f"  {r.source.name}: {clean_line(p, 300)}")
        if len(r.outcome.problems) > 10:
            out.append(f"  {r.source.name}: … {len(r.outcome.problems) - 10} more problems (see --report)")
    return "\n".join(out)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def sentences(report: RunReport) -> list[str]:
    """What changed, in plain words; each remote text escaped for Markdown."""
    out: list[str] = []
    labels = {r.source.name: r.label for r in report.rows}
    new_events: Counter[str] = Counter()
    releases: dict[tuple[str, str], None] = {}
    archived: list[str] = []
    withdrawn: Counter[tuple[str, str]] = Counter()
    updated = 0
    for c in report.changes:
        if c.status == "new" and c.kind == "events":
            new_events[labels.get(c.source, c.source)] += 1
        elif c.status == "new":
            updated += 1  # facts harvested for a curated record for the first time
        if c.status == "withdrawn":
            withdrawn[(c.kind, labels.get(c.source, c.source))] += 1
        for name in ("facts.latest_release", "facts.pypi_version"):
            old, new = c.fields.get(name, (None, None))
            if c.status != "new" and old is not None and new and new != old:
                releases[(c.title, str(new))] = None
        old, new = c.fields.get("facts.archived", (None, None))
        if new is True and old is not True and c.status != "new":
            archived.append(c.title)
        if c.status in ("changed", "restored") and c.fields and not any(
                k in c.fields for k in ("facts.latest_release", "facts.pypi_version", "facts.archived")):
            updated += 1
    for label, n in sorted(new_events.items()):
        out.append(f"{_plural(n, 'new event')} at {escape_markdown(label)}")
    for title, version in releases:
        out.append(f"{escape_markdown(title)} {escape_markdown(version, 60)} released")
    if archived:
        names = ", ".join(escape_markdown(t) for t in sorted(archived)[:5])
        out.append(f"{_plural(len(archived), 'repository')} archived ({names}{', …' if len(archived) > 5 else ''})"
                   .replace("repositorys", "repositories"))
    for (kind, label), n in sorted(withdrawn.items()):
        noun = "event" if kind == "events" else "record"
        out.append(f"{_plural(n, noun)} no longer listed by {escape_markdown(label)} (marked withdrawn)")
    if updated:
        out.append(f"{_plural(updated, 'record')} updated")
    return out


def markdown(report: RunReport) -> str:
    """The pull-request body: the change in a sentence, problems that need a human, the table."""
    said = sentences(report)
    lines = ["## Harvest " + report.today, ""]
    lines.append((", ".join(said) + ".") if said else "No changes.")
    lines.append("")
    attention = _attention(report)
    if attention:
        lines += ["### Needs attention", "", *attention, ""]
    flagged = review_lines(report)
    if flagged:
        lines += ["### Needs review", "", "Curated facts that their sources now contradict (`knowhow review` lists "
                  "every open flag):", "", *flagged, ""]
    flags = _flags(report)
    if flags:
        lines += ["### Held figures and item problems", "", *flags, ""]
    lines.append("<details><summary>Per source</summary>")
    lines.append("")
    lines.append("| source | " + " | ".join(COLUMNS) + " |")
    lines.append("|---" * (len(COLUMNS) + 1) + "|")
    for r in report.rows:
        lines.append(f"| {escape_markdown(r.source.name, 80)} | " + " | ".join(_cells(r)) + " |")
    lines.append("")
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def _attention(report: RunReport) -> list[str]:
    lines = []
    for r in report.rows:
        o = r.outcome
        name = f"**{escape_markdown(r.source.name, 80)}**"
        if o.held:
            lines.append(f"- {name} held: {escape_markdown(o.held, 400)}")
        elif o.failed:
            extra = f"; may be asked again after {o.reset}" if o.reset else ""
            stale = f"; {_plural(o.stale, 'record')} now stale" if o.stale else ""
            lines.append(f"- {name} failed ({escape_markdown(o.error, 300)}){extra}; its records are kept{stale}")
        if o.invalid:
            lines.append(f"- {name}: {_plural(o.invalid, 'record')} not written (would not validate)")
    return lines


def review_lines(report: RunReport) -> list[str]:
    """New or changed cross-check flags of this run, one line each, remote text escaped."""
    lines = []
    for c in report.changes:
        _, flags = c.fields.get("review", (None, None))
        for f in flags or []:
            if isinstance(f, dict):
                evidence = f" ({escape_markdown(str(f['evidence']), 200)})" if f.get("evidence") else ""
                lines.append(f"- **{escape_markdown(c.title, 80)}** `{escape_markdown(str(f.get('field')), 40)}`: "
                             f"{escape_markdown(str(f.get('message')), 300)}{evidence}")
    return lines


def _flags(report: RunReport) -> list[str]:
    """Figures held at their last good value and per-item problems, per source, with ids."""
    lines = []
    for r in report.rows:
        o = r.outcome
        name = f"**{escape_markdown(r.source.name, 80)}**"
        for held in o.figures[:MAX_LISTED]:
            hint = escape_markdown(f"--accept-figure {r.source.name}:{held.field}", 200)
            lines.append(f"- {name}: {escape_markdown(held.message(), 400)}; if this is real, run again with {hint}")
        if len(o.figures) > MAX_LISTED:
            lines.append(f"- {name}: … {len(o.figures) - MAX_LISTED} more figures held (see the JSON report)")
        for code, items in sorted(_by_code(o.items).items()):
            ids = ", ".join(escape_markdown(i.item, 80) or "(no id)" for i in items[:MAX_LISTED])
            more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
            lines.append(f"- {name}: {_plural(len(items), ITEM_WORDS.get(code, code))}: {ids}{more}")
    return lines


MAX_LISTED = 10
ITEM_WORDS = {"invalid-date": "invalid date", "duplicate": "duplicate", "dropped": "dropped item",
              "invalid": "invalid record", "mismatch": "answer about another item",
              "end-before-start": "event ending before it starts", "unreadable": "unreadable item",
              "unknown-zone": "unknown time zone"}


def _by_code(items: list) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for item in items:
        out[item.code].append(item)
    return out


def failures(report: RunReport) -> str:
    """Markdown for the 'sources failing' issue; empty when every source is fine."""
    lines = _attention(report)
    if not lines:
        return ""
    return "\n".join([f"Harvest {report.today}: sources that need a look.", "", *lines, ""])


def as_dict(report: RunReport) -> dict[str, Any]:
    """The JSON report (`--report FILE`)."""
    sources = []
    for r in report.rows:
        o = r.outcome
        sources.append({
            "name": r.source.name, "type": r.source.type, "kind": r.source.kind, "label": r.label,
            "requests": r.requests, "not_modified": r.not_modified, "cache_hits": r.cache_hits,
            "retries": r.retries, "bytes": r.bytes, "fetched": o.fetched, "new": o.new, "changed": o.changed,
            "unchanged": o.unchanged, "listed": o.listed, "stale": o.stale, "withdrawn": o.withdrawn,
            "invalid": o.invalid, "failed": o.failed, "error": o.error, "reset": o.reset, "held": o.held,
            "problems": [clean_line(p, 300) for p in o.problems], "seconds": r.seconds,
            "items": [{k: clean_line(x, 300) for k, x in i.as_dict().items()} for i in o.items],
            "figures_held": [{"kind": h.kind, "id": h.id, "field": h.field, "kept": h.old, "answered": h.new,
                              "reason": clean_line(h.reason, 300)} for h in o.figures],
        })
    changes = defaultdict(list)
    for c in report.changes:
        changes[c.status].append({"kind": c.kind, "id": c.id, "title": c.title, "source": c.source,
                                  "fields": sorted(c.fields)})
    return {"date": report.today, "failed": [r.source.name for r in report.failed], "sources": sources,
            "changes": dict(changes), "summary": markdown(report)}
