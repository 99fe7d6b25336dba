"""News, jobs, funding calls, groups, links and proposal deadlines: validation with located errors,
pages, JSON-LD, feeds, downloads, field reference, issue forms, and the marking of what is past
on a fixed day."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from click.testing import CliRunner
from icalendar import Calendar
from kinds_support import HOSTILE_NAME
from site_support import CANARY, HOSTILE_TITLE, ROOT, scan, write_registry

from knowhow.cli import cli
from knowhow.proposals.forms import FORM_FILES, questions, render_form
from knowhow.proposals.parse import record_from_issue
from knowhow.registry import store
from knowhow.registry.model import KINDS
from knowhow.registry.yamlio import write_yaml
from knowhow.site import kinds_pages
from knowhow.site.graph import Graph
from knowhow.site.inputs import gather
from knowhow.site.pages import generate

TODAY = date(2026, 6, 15)
NEW = ("news", "jobs", "funding", "groups", "links")
LINE = re.compile(r"^(?P<path>[^:]+\.yaml):(?P<line>\d+): (?P<ptr>/\S*): (warning )?\[(?P<code>[a-z0-9-]+)\] .+")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("kinds")
    write_registry(root / "registry", TODAY)
    reg = store.read(root / "registry")
    inp = gather(reg, ROOT, today=TODAY)
    inp.stale, inp.link_status = {}, {}
    return inp, generate(inp)


# --- validation -----------------------------------------------------------------------------------

def base_registry(root):
    write_yaml(root / "curated" / "facilities" / "alpha.yaml", {
        "id": "alpha", "name": "Alpha", "website": "https://alpha.example.org/", "description": "A facility.",
        "references": ["https://alpha.example.org/"]})
    write_yaml(root / "curated" / "software" / "tool.yaml", {
        "id": "tool", "name": "Tool", "homepage": "https://tool.example.org/", "description": "A tool.",
        "references": ["https://tool.example.org/"]})


GOOD = {
    "news": {"id": "news-item", "title": "T", "date": "2026-01-02", "description": "S.", "related": ["software/tool"]},
    "jobs": {"id": "job-item", "title": "T", "facility": "alpha", "field": "software", "closing_date": "2026-02-01",
             "url": "https://jobs.example.org/j", "description": "D."},
    "funding": {"id": "call-item", "title": "T", "funder": "EC", "opens": "2026-01-01",
                "deadline": "2026-03-12T17:00:00+01:00", "url": "https://funder.example.org/f", "description": "D."},
    "groups": {"id": "group-item", "name": "G", "website": "https://g.example.org/", "description": "D.",
               "members": ["alpha"], "roles": [{"role": "Chair", "facility": "alpha"}], "software": ["tool"]},
    "links": {"id": "link-item", "name": "L", "url": "https://l.example.org/", "category": "standard",
              "description": "What it is for."},
}
BAD = {
    "news-bad-date": ("news", {"date": "2026-02-30"}, "bad-date", "/date"),
    "news-dangling-related": ("news", {"related": ["software/nope"]}, "unknown-reference", "/related/0"),
    "news-unknown-kind": ("news", {"related": ["widgets/tool"]}, "unknown-reference", "/related/0"),
    "news-not-kind-id": ("news", {"related": ["tool"]}, "bad-reference", "/related/0"),
    "jobs-dangling-facility": ("jobs", {"facility": "alpah"}, "unknown-reference", "/facility"),
    "jobs-bad-field": ("jobs", {"field": "sofware"}, "not-in-list", "/field"),
    "jobs-closing-no-offset": ("jobs", {"closing_date": "2026-02-01T12:00"}, "missing-timezone", "/closing_date"),
    "jobs-javascript-url": ("jobs", {"url": "javascript:alert(1)"}, "unsafe-url", "/url"),
    "funding-deadline-before-opening": ("funding", {"opens": "2026-04-01"}, "end-before-start", "/deadline"),
    "funding-bad-timezone": ("funding", {"timezone": "Europe/Brusels"}, "unknown-timezone", "/timezone"),
    "funding-bad-deadline": ("funding", {"deadline": "next spring"}, "bad-date", "/deadline"),
    "groups-dangling-member": ("groups", {"members": ["nowhere"]}, "unknown-reference", "/members/0"),
    "groups-dangling-role": ("groups", {"roles": [{"role": "Chair", "facility": "beta"}]}, "unknown-reference",
                             "/roles/0/facility"),
    "groups-dangling-parent": ("groups", {"parent": "wg9"}, "unknown-reference", "/parent"),
    "groups-unknown-field": ("groups", {"email": "chair@example.org"}, "unknown-field", "/email"),
    "links-bad-category": ("links", {"category": "policies"}, "not-in-list", "/category"),
    "facility-deadline-no-offset": ("facilities", {"proposal_deadlines": [{"deadline": "2026-03-01T23:59"}]},
                                    "missing-timezone", "/proposal_deadlines/0/deadline"),
}


def validate(root):
    result = CliRunner().invoke(cli, ["validate", "--registry", str(root)])
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("kind", NEW)
def test_each_new_kind_validates(tmp_path, kind):
    base_registry(tmp_path)
    write_yaml(tmp_path / "curated" / kind / f"{GOOD[kind]['id']}.yaml",
               {**GOOD[kind], "references": ["https://src.example.org/"]})
    result = validate(tmp_path)
    assert result.exit_code == 0, result.output
    assert f"1 {kind}" in result.output


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_located_line(tmp_path, case):
    kind, change, code, pointer = BAD[case]
    base_registry(tmp_path)
    if kind == "facilities":
        path = tmp_path / "curated" / "facilities" / "alpha.yaml"
        data = {"id": "alpha", "name": "Alpha", "website": "https://alpha.example.org/", "description": "A.",
                "references": ["https://alpha.example.org/"], **change}
    else:
        path = tmp_path / "curated" / kind / f"{GOOD[kind]['id']}.yaml"
        data = {**GOOD[kind], "references": ["https://src.example.org/"], **change}
    write_yaml(path, data)
    result = validate(tmp_path)
    assert result.exit_code == 1
    found = [m.groupdict() for line in result.output.splitlines() if (m := LINE.match(line))]
    assert [(p["code"], p["ptr"]) for p in found] == [(code, pointer)], result.output
    assert found[0]["path"].endswith(path.name) and int(found[0]["line"]) >= 1


def test_unknown_kind_in_a_reference_suggests_the_kind(tmp_path):
    base_registry(tmp_path)
    write_yaml(tmp_path / "curated" / "news" / "news-item.yaml", {**GOOD["news"], "related": ["sofware/tool"],
                                                          "references": ["https://src.example.org/"]})
    result = validate(tmp_path)
    assert "did you mean 'software/tool'?" in result.output


# --- pages, JSON-LD, downloads, field reference, forms --------------------------------------------

def test_every_new_record_has_a_page_with_its_schema_org_type(generated):
    inp, files = generated
    for kind in NEW:
        recs = inp.registry.published(kind)
        assert recs, kind
        for rec in recs:
            body = files[f"{kind}/{rec.id}/index.md"]
            doc = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body).group(1))
            assert doc["@type"] == KINDS[kind].schema_type
    job = json.loads(re.search(r'ld\+json">(.*?)</script>', files["jobs/open-dev/index.md"]).group(1))
    assert job["hiringOrganization"]["name"] == "Alpha Light Source" and job["validThrough"]
    news = json.loads(re.search(r'ld\+json">(.*?)</script>', files["news/release-day/index.md"]).group(1))
    assert [a["name"] for a in news["about"]] == ["TomoTool", "Alpha Light Source"]


def test_index_pages_and_nav_entries(generated):
    _, files = generated
    for path in ("news/index.md", "jobs/index.md", "funding/index.md", "links/index.md", "groups/index.md"):
        assert path in files
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in ("groups/index.md", "news/index.md", "jobs/index.md", "funding/index.md", "links/index.md"):
        assert f": {path}" in nav or f"- {path}" in nav
    for kind in NEW:
        assert f"/{kind}/*/index.md" in nav  # record pages stay out of the sidebar


def test_hostile_values_are_escaped_on_every_new_page(generated):
    _, files = generated
    pages = {p: c for p, c in files.items() if p.endswith(".md") and p.split("/")[0] in NEW}
    pages["index.md"] = files["index.md"]
    pages["facilities/alpha/index.md"] = files["facilities/alpha/index.md"]
    for path, text in pages.items():
        assert CANARY not in text, path
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert not scan(text.split("---\n", 2)[2]).problems, path
    assert "&lt;script&gt;alert(&#34;title&#34;)" in files["news/hostile-news/index.md"]
    assert HOSTILE_NAME not in files["groups/index.md"] and "&#34;&gt;&lt;img src=x" in files["groups/index.md"]


def test_wg3_page_presents_members_work_outcomes_funding_and_meetings(generated):
    _, files = generated
    page = files["groups/index.md"]
    for section in ("members", "current-work", "outcomes", "open-data", "funding", "meetings", "news"):
        assert f'id="{section}"' in page
    assert "Chair: A. Person" in page and "WG meeting" in page and "Survey report" in page
    current, completed = page.split('id="current-work"')[1].split('id="outcomes"')[0].split("Completed")
    assert "sig-hostile" in current and "old-project" in completed


def test_latest_news_on_the_home_page(generated):
    _, files = generated
    home = files["index.md"]
    assert home.index("TomoTool 2.0 released") < home.index("Workshop report")
    assert "news.xml" in home


def test_downloads_field_reference_and_forms_cover_every_kind(generated):
    _, files = generated
    downloads = files["downloads/index.md"]
    for kind in KINDS:
        assert f"data/{kind}.csv" in files and f"{kind}.csv" in downloads and f"{kind}.schema.json" in downloads
    for feed in ("news.xml", "jobs.xml", "feeds/jobs/alpha.xml", "funding.ics", "proposal-deadlines.ics"):
        assert feed in downloads
    package = json.loads(files["data/datapackage.json"])
    assert {r["name"] for r in package["resources"]} >= set(NEW)
    fields = files["contribute/fields/index.md"]
    for kind in KINDS:
        assert f'id="{kind}"' in fields
    assert "proposal_deadlines[].deadline" in fields and "roles[].facility" in fields
    forms = ROOT / ".github" / "ISSUE_TEMPLATE"
    for kind in NEW:
        assert (forms / FORM_FILES[kind]).is_file()
    assert CliRunner().invoke(cli, ["forms", "--check", "--registry", str(ROOT / "registry")]).exit_code == 0


def test_a_submitted_form_of_a_new_kind_becomes_a_valid_record(tmp_path):
    facilities = (("alpha", "Alpha (alpha)"),)
    form = render_form("jobs", facilities)
    assert "Facility" in form and "Software (software)" in form
    answers = {"Identifier": "dev", "Title": "Developer", "Web page": "https://jobs.example.org/dev",
               "Description": "Writes software.", "Facility": "Alpha (alpha)", "Field": "Software (software)",
               "Closing date": "2026-02-01", "Sources": "https://jobs.example.org/dev"}
    qs = questions("jobs", facilities)
    body = "\n\n".join(f"### {q.label}\n\n{answers.get(q.label, '_No response_')}" for q in qs)
    record = record_from_issue(body + "\n\n### Publication\n\n- [X] ok", "jobs", facilities)
    assert record["facility"] == "alpha" and record["field"] == "software" and record["closing_date"] == "2026-02-01"
    KINDS["jobs"].model_validate(record)


# --- feeds ----------------------------------------------------------------------------------------

def test_atom_feeds_parse_and_mark_closed_jobs(generated):
    _, files = generated
    news = feedparser.parse(files["news.xml"])
    assert not news.bozo and news.feed.title.endswith("news")
    assert [e.title for e in news.entries][:2] == [HOSTILE_TITLE, "TomoTool 2.0 released"]  # newest first
    jobs = feedparser.parse(files["jobs.xml"])
    assert not jobs.bozo
    titles = {e.link.rsplit("/", 2)[1]: e.title for e in jobs.entries}
    assert titles["closed-data"].startswith("Closed: ") and not titles["open-dev"].startswith("Closed")
    alpha = feedparser.parse(files["feeds/jobs/alpha.xml"])
    assert sorted(e.link.rsplit("/", 2)[1] for e in alpha.entries) == ["closed-data", "open-dev"]


def test_deadline_calendars_parse_and_keep_past_deadlines(generated):
    _, files = generated
    cal = Calendar.from_ical(files["funding.ics"])
    events = {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    assert set(events) == {"funding-open-call", "funding-past-call", "funding-hostile-call"}
    assert str(events["funding-past-call"]["SUMMARY"]).startswith("Passed: Funding deadline")
    assert events["funding-open-call"].decoded("DTSTART") == datetime.combine(
        TODAY + timedelta(days=45), datetime.min.time()).replace(hour=16, tzinfo=UTC)
    assert all(not e.errors for e in events.values())
    props = Calendar.from_ical(files["proposal-deadlines.ics"])
    uids = sorted(str(e["UID"]).split("@")[0] for e in props.walk("VEVENT"))
    assert uids == ["proposals-alpha-0", "proposals-alpha-1"]
    assert files["funding.ics"] == generate(generated[0])["funding.ics"]  # same input, same bytes


def test_calendar_marks_deadlines_on_their_days(generated):
    _, files = generated
    cal = files["events/calendar_view/index.md"]
    assert "Funding deadline: Open research infrastructure call" in cal
    assert "Proposal deadline: ALPHA beamtime proposals (2026-II)" in cal


# --- what is past, on a fixed day ------------------------------------------------------------------

def fixed_graph(tmp_path, today):
    base_registry(tmp_path)
    write_yaml(tmp_path / "curated" / "jobs" / "job-item.yaml", {**GOOD["jobs"], "closing_date": "2026-02-01",
                                                         "references": ["https://src.example.org/"]})
    write_yaml(tmp_path / "curated" / "funding" / "call-item.yaml", {**GOOD["funding"],
                                                            "references": ["https://src.example.org/"]})
    inp = gather(store.read(tmp_path), ROOT, today=today)
    inp.stale, inp.link_status = {}, {}
    return Graph(inp)


@pytest.mark.parametrize("today, closed, passed", [
    (date(2026, 2, 1), False, False),  # the closing day itself: still open
    (date(2026, 2, 2), True, False),
    (date(2026, 3, 12), True, False),  # deadline 17:00 CET that day
    (date(2026, 3, 13), True, True),
])
def test_closed_jobs_and_past_deadlines_are_marked_not_removed(tmp_path, monkeypatch, today, closed, passed):
    monkeypatch.setenv("KNOWHOW_TODAY", today.isoformat())
    g = fixed_graph(tmp_path, today)
    jobs = kinds_pages.jobs_index(g)
    funding = kinds_pages.funding_index(g)
    assert 'href="job-item/"' in jobs and 'href="call-item/"' in funding  # never removed
    open_part, closed_part = jobs.split("<h2>Closed</h2>")
    assert ('href="job-item/"' in closed_part) == closed and ('href="job-item/"' in open_part) != closed
    assert ("deadline passed" in funding) == passed
    job_badges = [b.text for b in g.badges(g.ids["jobs"]["job-item"])]
    assert ("closed" in job_badges) == closed


def test_kinds_pages_never_read_the_clock(tmp_path):
    """Same registry and day, same bytes: nothing depends on when the build runs."""
    first = generate(fixed_graph(tmp_path, date(2026, 2, 2)).inp)
    second = generate(fixed_graph(tmp_path, date(2026, 2, 2)).inp)
    for path in ("jobs/index.md", "funding/index.md", "jobs.xml", "funding.ics", "groups/index.md"):
        assert first[path] == second[path]


def test_link_check_covers_the_new_kinds(generated):
    from knowhow.links.collect import links

    inp, _ = generated
    found = links(inp.registry)
    where = {w.record for u in ("https://links.example.org/nexus", "https://jobs.example.org/open-dev",
                                "https://wg.example.org/survey", "https://alpha.example.org/proposals")
             for w in found[u]}
    assert where == {"links/nexus", "jobs/open-dev", "groups/wg3", "facilities/alpha"}


def test_calendar_month_captions_count_deadlines(generated):
    _, files = generated
    cal = files["events/calendar_view/index.md"]
    month = (TODAY + timedelta(days=45)).strftime("%B %Y")  # the open call's deadline month
    assert re.search(rf'-h">{month} <span class="kh-muted">[^<]*\d deadlines?</span></h2>', cal)


def test_a_links_form_keeps_facilities_as_plain_ids():
    facilities = (("alpha", "Alpha (alpha)"), ("beta", "Beta (beta)"))
    answers = {"Identifier": "nexus", "Name": "NeXus", "Web page": "https://www.nexusformat.org/",
               "Description": "The data format standard.", "Category": "Standards and ontologies (standard)",
               "Facilities": "Alpha (alpha), Beta (beta)", "Sources": "https://www.nexusformat.org/"}
    qs = questions("links", facilities)
    body = "\n\n".join(f"### {q.label}\n\n{answers.get(q.label, '_No response_')}" for q in qs)
    record = record_from_issue(body + "\n\n### Publication\n\n- [X] ok", "links", facilities)
    assert record["facilities"] == ["alpha", "beta"] and record["category"] == "standard"
    KINDS["links"].model_validate(record)


def test_a_call_that_has_not_opened_yet_says_when_it_opens(tmp_path):
    g = fixed_graph(tmp_path, date(2025, 12, 1))  # the call opens 2026-01-01
    page = kinds_pages.funding_index(g)
    assert "opens 1 Jan 2026" in page and "Deadline ahead" in page
