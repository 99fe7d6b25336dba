"""The built site in a real browser (Debian's Chromium via Playwright), served on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from site_support import (AXE, CANARY, CHROMIUM, PAGE_TYPES, SEARCH_WORD, SITE_PREFIX, built_site, chromium, serve,
                          watched_page)

pytestmark = [pytest.mark.browser]

if not __import__("os").path.exists(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site.site, SITE_PREFIX) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, base_url):
    """A fresh page that records console errors, failed requests, off-site requests and dialogs."""
    with watched_page(browser, base_url) as p:
        yield p


def visible_rows(page, table: str, column: int = 1) -> list[str]:
    """Link texts of one column of the rows a reader sees."""
    return page.eval_on_selector_all(f"#{table} tbody tr:not([hidden]) td:nth-child({column}) a",
                                     "els => els.map(e => e.textContent.trim())")


def test_home_loads_without_errors_or_third_party_requests(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    assert page.title().startswith("Home")
    assert page.locator("h1").first.inner_text() == "LEAPS WG3 know-how portal"
    assert page.seen == {"errors": [], "failed": [], "offsite": [], "dialogs": []}


def test_facet_narrows_the_table_updates_the_url_and_reload_restores_it(page, base_url):
    page.goto(base_url + "software/", wait_until="networkidle")
    assert page.locator("form.kh-facets").is_visible()
    everything = visible_rows(page, "kh-software")
    assert len(everything) == 4
    page.get_by_role("checkbox", name=re.compile(r"^Data reduction")).check()
    assert visible_rows(page, "kh-software") == ["TomoTool"]
    assert "category=data-reduction" in page.url
    assert page.locator(".kh-status").inner_text() == "Showing 1 of 4 entries."
    # Facility x support level combine as a pair: BETA *develops* TomoTool? No, it uses it.
    page.get_by_role("checkbox", name=re.compile(r"^Data reduction")).uncheck()
    page.locator("fieldset[data-facet=facility] input[value=beta]").check()
    page.locator("fieldset[data-facet=support] input[value=develops]").check()
    assert sorted(visible_rows(page, "kh-software")) == ["AcqKit", "Viewer"]
    counts = page.locator("fieldset[data-facet=support] input[value=uses] + .kh-count, "
                          "fieldset[data-facet=support] label:has(input[value=uses]) .kh-count").first.inner_text()
    assert counts == "1"  # beta uses TomoTool
    url = page.url
    assert "facility=beta" in url and "support=develops" in url
    page.reload(wait_until="networkidle")
    assert page.locator("fieldset[data-facet=facility] input[value=beta]").is_checked()
    assert sorted(visible_rows(page, "kh-software")) == ["AcqKit", "Viewer"]
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("() => !location.search")
    assert len(visible_rows(page, "kh-software")) == 4
    assert page.seen["errors"] == []


def test_facets_work_by_keyboard(page, base_url):
    page.goto(base_url + "events/", wait_until="networkidle")
    box = page.locator("fieldset[data-facet=type] input[value=school]")
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    assert visible_rows(page, "kh-upcoming", 2) == ["Tomography school"]
    assert visible_rows(page, "kh-past", 2) == []
    assert "type=school" in page.url


def test_index_tables_are_complete_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    p = context.new_page()
    p.goto(base_url + "software/")
    assert p.locator("#kh-software tbody tr").count() == 4
    assert not p.locator("form.kh-facets").is_visible()
    context.close()


def test_search_finds_a_record_by_a_word_of_its_description(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    box = page.locator("#kh-search-input")
    box.click()
    box.press_sequentially(SEARCH_WORD, delay=20)
    hit = page.locator(".kh-search__list .kh-result", has_text="TomoTool")
    hit.first.wait_for(timeout=15000)
    assert SEARCH_WORD in hit.first.locator("mark").first.inner_text().lower()
    hit.first.click()
    page.wait_for_url(base_url + "software/tomotool/")


@pytest.mark.parametrize("path", ["software/hostile/", "events/webinar/", "software/", "events/",
                                  "collaborations/participation_matrix/", "collaborations/trends_chart/",
                                  "events/calendar_view/", "facilities/gamma/", "collaborations/collab-c/", ""])
def test_hostile_text_renders_as_text_and_never_runs(page, base_url, path):
    page.goto(base_url + path, wait_until="networkidle")
    # Pointer and focus events on every element: an injected handler would fire now.
    page.evaluate("""() => document.querySelectorAll('main *').forEach(e => {
        for (const t of ['mouseover', 'mouseenter', 'focus', 'toggle', 'load', 'error'])
            e.dispatchEvent(new Event(t)); })""")
    page.mouse.move(400, 300)
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.startsWith('on'))).length""")
    assert handlers == 0
    assert page.seen["dialogs"] == [] and page.seen["errors"] == []
    if path == "software/hostile/":
        assert page.locator("h1").first.inner_text().startswith('<script>alert("title")</script>')
        body = page.locator(".kh-description").inner_text()
        assert '<img src=x onerror=alert("img")>' in body and "{{ 31337" in body and CANARY not in body
        assert page.title().startswith("<script>")
    if path == "":
        page.locator("#kh-search-input").click()
        page.locator("#kh-search-input").press_sequentially("quokka", delay=20)
        page.locator(".kh-search__list .kh-result").first.wait_for(timeout=15000)
        assert '<script>alert("title")</script>' in page.locator(".kh-search__list .kh-result").first.inner_text()
        assert page.locator(".kh-search__list script, .kh-search__list img").count() == 0
        assert page.seen["dialogs"] == []


AXE_PAGES = {"home": "", "index": "software/", "record": "software/tomotool/",
             "matrix": "collaborations/participation_matrix/", "calendar": "events/calendar_view/",
             "trends": "collaborations/trends_chart/", "event": "events/school-soon/",
             "compression": "compression/"}


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_serious_or_critical_violations(page, base_url, name):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci`", pytrace=False)
    page.goto(base_url + AXE_PAGES[name], wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_compression_table_sorts_by_a_column_from_its_header(page, base_url):
    page.goto(base_url + "compression/", wait_until="networkidle")
    table = "table.kh-sortable"
    page.click(f"details:has({table}) > summary")  # the full table is collapsed under "All results"
    headers = page.eval_on_selector_all(f"{table} thead th", "els => els.map(e => e.textContent.trim())")
    col = headers.index("ratio") + 1

    def cells() -> list[str]:
        return page.eval_on_selector_all(f"{table} tbody tr td:nth-child({col})",
                                         "els => els.map(e => e.textContent.trim())")

    def ratios() -> list[float]:
        return [float(t.replace(",", "").rstrip("×")) for t in cells() if t not in ("", "–")]

    before = ratios()
    assert len(before) > 20 and before != sorted(before, reverse=True)
    blanks = len(cells()) - len(before)
    button = page.locator(f"{table} thead th button", has_text="ratio").first
    button.focus()
    page.keyboard.press("Enter")  # a real button: keyboard works
    assert ratios() == sorted(before, reverse=True)
    assert all(t in ("", "–") for t in cells()[len(cells()) - blanks:])  # rows without a ratio stay last
    assert page.get_attribute(f"{table} thead th:nth-child({col})", "aria-sort") == "descending"
    button.click()
    assert ratios() == sorted(before)
    assert not page.seen["errors"]


# --- every page type at phone and desktop width ------------------------------------------------

FOCUSABLE = ("a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])")
# For every visible control: focus it (keyboard modality, so :focus-visible applies) and compare
# its outline and box-shadow with the unfocused state. Returns the controls that show nothing.
NO_VISIBLE_FOCUS = """(selector) => {
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('[hidden], [inert]'); };
  const look = e => { const s = getComputedStyle(e);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.textDecorationLine,
            s.borderColor].join('|'); };
  const bad = [];
  for (const e of document.querySelectorAll(selector)) {
    if (!shown(e)) continue;
    document.activeElement && document.activeElement.blur();
    const before = look(e);
    e.focus({focusVisible: true});
    if (document.activeElement !== e) continue;  // not focusable after all (disabled, inert)
    const s = getComputedStyle(e);
    const outlined = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    if (!outlined && look(e) === before) bad.push(e.outerHTML.slice(0, 90));
  }
  return bad;
}"""


@pytest.fixture(scope="module", params=[390, 1280], ids=["390px", "1280px"])
def sized(request, browser, base_url):
    """One browser context per width, shared by the page-type checks at that width."""
    context = browser.new_context(viewport={"width": request.param, "height": 844 if request.param < 600 else 900})
    yield request.param, context
    context.close()


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_page_type_fits_is_accessible_and_loads_nothing_from_elsewhere(sized, base_url, name):
    width, context = sized
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci`", pytrace=False)
    p = context.new_page()
    errors, offsite = [], []
    p.on("console", lambda m: m.type == "error" and not (name == "404" and "404" in m.text) and errors.append(m.text))
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("request", lambda r: not r.url.startswith(base_url) and offsite.append(r.url))
    response = p.goto(base_url + PAGE_TYPES[name], wait_until="load")
    assert response.status == (404 if name == "404" else 200)
    assert p.locator("h1").count() >= 1
    try:
        overflow = p.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"{name} scrolls sideways at {width} px: {overflow}"
        assert errors == [] and offsite == []
        p.add_script_tag(path=str(AXE))
        result = p.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == []
        # After axe: focusing the search box opens the theme's search overlay.
        p.keyboard.press("Tab")  # keyboard modality: focus rings are what a keyboard user sees
        assert p.evaluate(NO_VISIBLE_FOCUS, FOCUSABLE) == []
    finally:
        p.close()


def test_phone_filters_open_in_a_drawer_and_long_facets_show_all(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    p = context.new_page()
    p.goto(base_url + "software/", wait_until="networkidle")
    form, opener = p.locator("form.kh-facets"), p.locator(".kh-filters-open")
    assert opener.is_visible() and not form.is_visible()  # the first screen shows results, not filters
    opener.click()
    assert form.is_visible() and opener.get_attribute("aria-expanded") == "true"
    assert p.evaluate("document.activeElement.closest('form') !== null")  # focus moved into the drawer
    p.locator("fieldset[data-facet=facility] input[value=beta]").check()
    p.keyboard.press("Escape")
    assert not form.is_visible() and p.evaluate("document.activeElement.classList.contains('kh-filters-open')")
    assert opener.inner_text() == "Filter software (1)"
    assert sorted(visible_rows(p, "kh-software")) == ["AcqKit", "TomoTool", "Viewer"]
    context.close()


def test_long_facet_lists_show_six_then_all(page, base_url):
    page.goto(base_url + "software/", wait_until="networkidle")
    languages = page.locator("fieldset[data-facet=language]")
    page.locator("details.kh-facet-box", has=languages).locator("summary").click()  # folded: fifth facet
    options = languages.locator("li")
    assert options.count() == 8 and languages.locator("li:visible").count() == 6
    button = languages.locator(".kh-facet__all")
    assert button.inner_text() == "Show all 8" and button.get_attribute("aria-expanded") == "false"
    button.click()
    assert languages.locator("li:visible").count() == 8 and button.inner_text() == "Show fewer"
    languages.locator("input[value=Rust]").check()
    page.reload(wait_until="networkidle")  # a ticked option beyond the sixth shows after reload
    assert languages.locator("input[value=Rust]").is_visible() and visible_rows(page, "kh-software") == ["AcqKit"]


def test_calendar_steps_between_months_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    p = context.new_page()
    p.goto(base_url + "events/calendar_view/")
    shown = p.locator("section.kh-month:visible")
    assert shown.count() == 1 and shown.first.locator("[aria-current=date]").count() == 1
    this_month = shown.first.get_attribute("id")
    shown.first.locator("a.kh-month__step", has_text="›").click()
    assert p.locator("section.kh-month:visible").count() == 1
    assert p.locator("section.kh-month:visible").first.get_attribute("id") > this_month
    p.locator("section.kh-month:visible a", has_text="Back to this month").click()
    assert p.locator("section.kh-month:visible").first.get_attribute("id") == this_month
    context.close()
