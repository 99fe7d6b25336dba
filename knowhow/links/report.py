"""How link results are shown: one line per problem (text or GitHub annotations) and the
Markdown of the rolling "dead links" issue."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..registry.problems import Problem
from .check import DEAD, INCONCLUSIVE, Result
from .collect import Where


def problems(results: Mapping[str, Result], places: Mapping[str, list[Where]]) -> list[Problem]:
    """Dead links as errors when definite, otherwise warnings; inconclusive ones as warnings."""
    out = []
    for url, r in results.items():
        if r.status not in (DEAD, INCONCLUSIVE):
            continue
        definite = r.status == DEAD and r.definite
        code = "dead-link" if definite else ("unreachable-link" if r.status == DEAD else "inconclusive-link")
        hint = ("fix or remove the link" if definite else
                "not failing: the site may be down for a while" if r.status == DEAD else
                "not failing: the site refused an automated check (403/429)")
        for w in places.get(url, []):
            out.append(Problem(w.path, w.line, w.pointer, code, f"{url}: {r.reason or r.status}", hint,
                               "error" if definite else "warning"))
    return sorted(out)


def summary(results: Mapping[str, Result]) -> str:
    counts = {s: 0 for s in ("alive", "redirect", "inconclusive", "dead")}
    for r in results.values():
        counts[r.status] += 1
    definite = sum(1 for r in results.values() if r.status == DEAD and r.definite)
    return (f"{len(results)} links: {counts['alive']} alive, {counts['redirect']} redirected, "
            f"{counts['inconclusive']} inconclusive, {counts['dead']} dead ({definite} definite)")


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def issue_markdown(broken: Mapping[str, Mapping[str, Any]], places: Mapping[str, list[Where]],
                   threshold: int) -> str:
    """Body of the rolling issue; empty when nothing is broken (the workflow then closes it)."""
    if not broken:
        return ""
    lines = [f"These links failed at least {threshold} weekly checks in a row. Fix or remove them in the "
             "record files below (or, when a site is only slow, wait for the next check).", "",
             "| Record file | Field | Link | Status | Failing since |", "|---|---|---|---|---|"]
    rows: list[tuple[str, str, str, str, str]] = []
    for url, entry in broken.items():
        status = f"{entry.get('code') or ''} {entry.get('reason') or entry.get('status')}".strip()
        for w in places.get(url, []) or [Where("", "", "(no longer in the registry)", None, "")]:
            where = f"{w.path}:{w.line}" if w.line else w.path
            rows.append((where, w.pointer, url, status, str(entry.get("since", ""))))
    for row in sorted(rows):
        lines.append("| " + " | ".join(f"`{_cell(row[0])}`" if i == 0 else _cell(c) for i, c in enumerate(row)) + " |")
    lines += ["", f"{len(broken)} broken links. This issue is updated by the weekly `links` workflow and closed "
              "when none is left."]
    return "\n".join(lines) + "\n"


def render(problems_: Iterable[Problem], fmt: str) -> list[str]:
    return [p.github() if fmt == "github" else p.text() for p in problems_]
