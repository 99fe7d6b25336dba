"""Records of the newer kinds (news, jobs, funding, groups, links, proposal deadlines) for the
synthetic site registry: open and closed, ahead and past, and hostile, relative to `today`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from knowhow.registry.yamlio import load_text, write_yaml

HOSTILE_NAME = '"><img src=x onerror=alert("role")>'


def write_kinds(root: Path, today: date, hostile_title: str, hostile_description: str) -> None:
    cur = root / "curated"

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    alpha = cur / "facilities" / "alpha.yaml"
    data = load_text(alpha.read_text(encoding="utf-8"), str(alpha)).data
    data["proposal_deadlines"] = [
        {"deadline": f"{d(30)}T23:59:00+01:00", "timezone": "Europe/Berlin", "cycle": "2026-II",
         "url": "https://alpha.example.org/proposals"},
        {"deadline": d(-90), "cycle": "2025-II"}]
    write_yaml(alpha, data)
    news = [
        ("release-day", "TomoTool 2.0 released", d(-3), "A new major release of TomoTool.",
         "The **new** release brings GPU reconstruction.", ["software/tomotool", "facilities/alpha"]),
        ("older-news", "Workshop report", d(-40), "Report of the diffraction workshop.", None, ["events/webinar"]),
        ("hostile-news", hostile_title, d(-1), hostile_description, hostile_description, []),
    ]
    for nid, title, day, desc, body, related in news:
        rec = {"id": nid, "title": title, "date": day, "description": desc, "related": related,
               "url": f"https://news.example.org/{nid}", "references": [f"https://news.example.org/{nid}"],
               "links": [{"title": "Release notes", "url": f"https://news.example.org/{nid}/notes"}]}
        if body:
            rec["body"] = body
        write_yaml(cur / "news" / f"{nid}.yaml", rec)
    jobs = [
        ("open-dev", "Scientific software developer", "alpha", "software", "Town", "permanent", d(-5), d(25)),
        ("closed-data", "Data steward", "alpha", "data", "Town", "fixed-term", d(-60), d(-10)),
        ("hostile-job", hostile_title, "beta", "controls", HOSTILE_NAME, "postdoc", d(-2), f"{d(10)}T12:00:00+01:00"),
    ]
    for jid, title, fac, field, where, contract, posted, closing in jobs:
        write_yaml(cur / "jobs" / f"{jid}.yaml", {
            "id": jid, "title": title, "facility": fac, "field": field, "location": where, "contract": contract,
            "posted": posted, "closing_date": closing, "url": f"https://jobs.example.org/{jid}",
            "description": hostile_description if jid == "hostile-job" else f"The {jid} job.",
            "references": [f"https://jobs.example.org/{jid}"]})
    calls = [
        ("open-call", "Open research infrastructure call", f"{d(45)}T17:00:00+01:00", d(-30), ["software"]),
        ("past-call", "Past call", f"{d(-20)}T17:00:00+02:00", d(-80), ["data"]),
        ("hostile-call", hostile_title, f"{d(15)}T17:00:00+00:00", None, [HOSTILE_NAME]),
    ]
    for cid, title, deadline, opens, topics in calls:
        rec = {"id": cid, "title": title, "funder": "Test Funder", "programme": "Test programme",
               "deadline": deadline, "timezone": "Europe/Brussels", "topics": topics,
               "url": f"https://funder.example.org/{cid}", "description": f"The {cid} call.",
               "references": [f"https://funder.example.org/{cid}"]}
        if opens:
            rec["opens"] = opens
        write_yaml(cur / "funding" / f"{cid}.yaml", rec)
    write_yaml(cur / "groups" / "wg3.yaml", {
        "id": "wg3", "name": "Test working group", "short_name": "WG3", "type": "working-group",
        "description": "The working group on software and data.", "mandate": "Coordinate *software* work.",
        "website": "https://wg.example.org/", "members": ["alpha", "beta", "gamma"],
        "roles": [{"role": "Chair", "name": "A. Person", "facility": "alpha", "source": "https://wg.example.org/"},
                  {"role": "Co-chair", "name": HOSTILE_NAME, "facility": "beta"}],
        "mailing_list": "https://lists.example.org/wg", "meetings": "https://indico.example.org/category/1/",
        "meetings_source": "wg-indico", "software": ["tomotool"], "collaborations": ["collab-a"],
        "outcomes": [{"title": "Survey report", "url": "https://wg.example.org/survey"}],
        "status": "active", "references": ["https://wg.example.org/"]})
    write_yaml(cur / "groups" / "sig-hostile.yaml", {
        "id": "sig-hostile", "name": hostile_title, "type": "interest-group", "parent": "wg3",
        "description": hostile_description, "website": "https://sig.example.org/", "status": "active",
        "references": ["https://sig.example.org/"]})
    write_yaml(cur / "groups" / "old-project.yaml", {
        "id": "old-project", "name": "Old project", "type": "project", "parent": "wg3", "status": "completed",
        "description": "A finished project.", "website": "https://old.example.org/", "started": 2019, "ended": 2022,
        "references": ["https://old.example.org/"]})
    write_yaml(cur / "events" / "wg-meeting.yaml", {
        "id": "wg-meeting", "title": "WG meeting", "start": d(12), "url": "https://indico.example.org/event/9/",
        "event_type": "meeting", "presence": "online", "source": "wg-indico", "description": "Monthly meeting.",
        "references": ["https://indico.example.org/event/9/"]})
    links = [
        ("nexus", "NeXus", "standard", None, "The data format standard for neutron, x-ray and muon data."),
        ("policy", "Data policy framework", "policy", None, "The common data policy of the facilities."),
        ("code-org", "Example code organisation", "code", "data-analysis", "Community analysis code."),
        ("hostile-link", hostile_title, "service", None, hostile_description),
    ]
    for lid, name, cat, swcat, desc in links:
        rec = {"id": lid, "name": name, "category": cat, "url": f"https://links.example.org/{lid}",
               "description": desc, "references": [f"https://links.example.org/{lid}"]}
        if swcat:
            rec["software_category"] = swcat
        write_yaml(cur / "links" / f"{lid}.yaml", rec)
