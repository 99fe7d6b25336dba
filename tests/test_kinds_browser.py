"""Pages of news, jobs, funding calls, groups and links in Chromium at phone and desktop width:
axe-core finds nothing serious, hostile entries stay text, nothing overflows the page."""

from __future__ import annotations

import pytest
from site_support import AXE
from test_site_browser import base_url, browser, page, site  # noqa: F401 - the shared browser fixtures

pytestmark = [pytest.mark.browser]

PAGES = ["groups/", "news/", "jobs/", "funding/", "links/", "news/release-day/", "jobs/closed-data/",
         "funding/open-call/", "groups/wg3/", "links/nexus/", "facilities/alpha/", "events/calendar_view/"]


@pytest.fixture(params=[390, 1280], ids=["390px", "1280px"])
def sized(request, page):
    page.set_viewport_size({"width": request.param, "height": 900})
    return page, request.param


@pytest.mark.parametrize("path", PAGES)
def test_axe_and_layout(sized, base_url, path):  # noqa: F811
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci`", pytrace=False)
    page, width = sized
    page.goto(base_url + path, wait_until="networkidle")
    assert page.seen["errors"] == [] and page.seen["failed"] == [] and page.seen["offsite"] == []
    # The page itself never scrolls sideways; wide tables scroll inside their own wrapper.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []


@pytest.mark.parametrize("path", ["news/hostile-news/", "jobs/hostile-job/", "groups/", "groups/sig-hostile/",
                                  "links/", "funding/", "jobs/"])
def test_hostile_entries_stay_text(page, base_url, path):  # noqa: F811
    page.goto(base_url + path, wait_until="networkidle")
    page.evaluate("""() => document.querySelectorAll('main *').forEach(e => {
        for (const t of ['mouseover', 'mouseenter', 'focus', 'load', 'error']) e.dispatchEvent(new Event(t)); })""")
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.startsWith('on'))).length""")
    assert handlers == 0 and page.seen["dialogs"] == [] and page.seen["errors"] == []
    if path == "news/hostile-news/":
        assert page.locator("h1").first.inner_text().startswith('<script>alert("title")</script>')


def test_closed_jobs_are_listed_and_marked_and_filters_work(page, base_url):  # noqa: F811
    page.goto(base_url + "jobs/", wait_until="networkidle")
    closed = page.locator("#kh-jobs-closed tbody tr")
    assert closed.count() == 1 and "closed" in closed.first.inner_text()
    page.locator("fieldset[data-facet=field] input[value=data]").check()
    assert page.locator("#kh-jobs-open tbody tr:not([hidden])").count() == 0
    assert page.locator("#kh-jobs-closed tbody tr:not([hidden])").count() == 1
    assert "field=data" in page.url
