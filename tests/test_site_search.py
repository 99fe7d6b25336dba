"""Full-text search (Pagefind) in a real browser: the header box on every page, the search page with
its filters, the technique hierarchy, past events, keyboard use, accessibility and safety.

The site is the shared synthetic registry plus a few records made for search: a long description
whose last word is unique, a record tagged only with a narrow technique, a description that says
"tomographic", and an upcoming and a past event sharing a word.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from site_support import AXE, CHROMIUM, chromium, run_build, serve, watched_page, write_registry

from knowhow.registry.yamlio import write_yaml

pytestmark = [pytest.mark.browser]

if not os.path.exists(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)", pytrace=False)

LAST_WORD = "zanzibarite"
LONG = " ".join(["Reduces powder patterns from area detectors and stores them with their metadata."] * 60)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from datetime import date

    base = tmp_path_factory.mktemp("search-site")
    today = date.today()
    reg = base / "registry"
    write_registry(reg, today)
    cur = reg / "curated"

    def sw(sid, name, description, techniques, facilities):
        write_yaml(cur / "software" / f"{sid}.yaml", {
            "id": sid, "name": name, "description": description, "homepage": f"https://{sid}.example.org/",
            "techniques": techniques, "facilities": [{"id": f, "support": "develops"} for f in facilities],
            "references": [f"https://{sid}.example.org/"]})

    sw("longdesc", "LongDesc", f"{LONG} Finally it handles {LAST_WORD}.", [], ["alpha"])
    # Total scattering is narrower than pair distribution function, which is narrower than diffraction.
    sw("pdfonly", "PdfOnly", "Fits pair functions of amorphous samples.", ["PaNET01190"], ["beta"])
    sw("tomokit", "TomoKit", "A tomographic reconstruction kit.", [], ["beta"])
    sw("edgefit", "EdgeFit", "Fits absorption edges.", ["PaNET01198"], ["alpha"])  # EXAFS, by its id only

    def ev(eid, title, days):
        start = (today + timedelta(days=days)).isoformat()
        write_yaml(cur / "events" / f"{eid}.yaml", {
            "id": eid, "title": title, "start": start, "end": start, "event_type": "workshop",
            "organisers": ["alpha"], "url": f"https://events.example.org/{eid}",
            "description": "Hands-on session about narwhalography.", "references": [f"https://events.example.org/{eid}"]})

    ev("narwhal-past", "Narwhalography workshop 1", -30)  # the word in its title too: more relevant
    ev("narwhal-next", "Narwhal workshop 2", 30)
    site_dir = base / "site"
    done = run_build(reg, site_dir, today)
    assert done.returncode == 0, done.stdout + done.stderr
    return site_dir


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, base_url):
    with watched_page(browser, base_url) as p:
        yield p
        assert {k: v for k, v in p.seen.items() if k != "failed"} == {"errors": [], "offsite": [], "dialogs": []}


def header_titles(page, query: str) -> list[str]:
    box = page.locator("#kh-search-input")
    box.click()
    box.fill("")
    box.press_sequentially(query, delay=10)
    page.locator(".kh-search__list[aria-busy=false] .kh-result").first.wait_for(timeout=15000)
    return page.eval_on_selector_all(".kh-search__list .kh-result .kh-result__title",
                                     "els => els.map(e => e.textContent)")


def page_results(page, base_url, query: str = "", **filters) -> list[dict]:
    """Results of the search page for a URL query (q and filters), with their meta lines."""
    from urllib.parse import urlencode

    params = ([("q", query)] if query else []) + [(k, v) for k, vs in filters.items() for v in vs]
    page.goto(base_url + "search/?" + urlencode(params), wait_until="networkidle")
    page.wait_for_function("() => document.querySelector('[data-kh-search-status]').textContent !== ''")
    page.wait_for_function("""() => { const s = document.querySelector('[data-kh-search-status]').textContent;
        return s.startsWith('No') || document.querySelectorAll('.kh-results .kh-result').length > 0; }""")
    return page.eval_on_selector_all(".kh-results .kh-result", """els => els.map(e => ({
        title: e.querySelector('.kh-result__title').textContent,
        href: e.querySelector('.kh-result__title').getAttribute('href'),
        meta: e.querySelector('.kh-result__meta').textContent}))""")


def test_a_word_from_the_end_of_a_long_description_finds_its_record(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    assert header_titles(page, LAST_WORD) == ["LongDesc"]
    snippet = page.locator(".kh-search__list .kh-result .kh-result__snippet").first
    assert snippet.locator("mark").first.inner_text().lower().startswith(LAST_WORD)
    assert page.locator(".kh-search__list .kh-result .kh-result__kind").first.inner_text() == "Software"
    assert "ALPHA" in page.locator(".kh-search__list .kh-result .kh-result__meta").first.inner_text()


def test_a_broad_technique_finds_a_record_tagged_only_with_a_narrower_one(page, base_url):
    found = page_results(page, base_url, "diffraction", kind=["Software"])
    assert "PdfOnly" in [r["title"] for r in found]
    # and the technique filter holds the broader terms too
    by_filter = page_results(page, base_url, technique=["diffraction"])
    assert "PdfOnly" in [r["title"] for r in by_filter]


def test_word_forms_tomography_finds_tomographic(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    assert "TomoKit" in header_titles(page, "tomography")


def test_a_technique_abbreviation_finds_records_tagged_with_it(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    assert "EdgeFit" in header_titles(page, "EXAFS")
    assert "EdgeFit" in header_titles(page, "XAFS")  # the broader term's abbreviation


def test_kind_and_facility_filters_narrow_the_results(page, base_url):
    everything = page_results(page, base_url, "alpha")
    kinds = {r["meta"].split(" · ")[0] for r in everything}
    assert {"Software", "Facility", "Open data", "Event"} <= kinds
    software = page_results(page, base_url, "alpha", kind=["Software"])
    assert 0 < len(software) < len(everything)
    assert all(r["meta"].startswith("Software") for r in software)
    beta = page_results(page, base_url, "alpha", facility=["BETA"])
    assert 0 < len(beta) < len(everything) and all("BETA" in r["meta"] for r in beta)
    # the checkboxes reflect the URL and their counts follow the query
    assert page.locator("fieldset[data-facet=facility] input[value=BETA]").is_checked()
    page.locator("fieldset[data-facet=kind] input[value=Software]").check()
    page.wait_for_function("() => location.search.includes('kind=Software')")


def test_a_past_event_is_found_marked_past_and_ranked_after_upcoming(page, base_url):
    found = page_results(page, base_url, "narwhalography")
    titles = [r["title"] for r in found]
    assert titles == ["Narwhal workshop 2", "Narwhalography workshop 1"]  # relevance alone says the reverse
    assert "past event" in found[1]["meta"] and "past event" not in found[0]["meta"]
    raw = page.evaluate("""async () => { const pf = await import('/pagefind/pagefind.js');
        const s = await pf.search('narwhalography');
        return Promise.all(s.results.map(async r => (await r.data()).url)); }""")
    assert raw == ["/events/narwhal-past/", "/events/narwhal-next/"]  # Pagefind's own order
    past_only = page_results(page, base_url, "narwhalography", event=["past"])
    assert [r["title"] for r in past_only] == ["Narwhalography workshop 1"]
    page.goto(base_url, wait_until="networkidle")
    assert header_titles(page, "narwhalography") == ["Narwhal workshop 2", "Narwhalography workshop 1"]
    assert "past event" in page.locator(".kh-search__list .kh-result .kh-result__meta").nth(1).inner_text()


def test_header_search_works_from_a_record_page(page, base_url):
    page.goto(base_url + "software/tomotool/", wait_until="networkidle")
    assert "PdfOnly" in header_titles(page, "amorphous")
    page.locator(".kh-search__list .kh-result", has_text="PdfOnly").click()
    page.wait_for_url(base_url + "software/pdfonly/")
    assert page.locator("h1").first.inner_text() == "PdfOnly"


def test_keyboard_only(page, base_url):
    page.goto(base_url + "events/", wait_until="networkidle")
    page.keyboard.press("/")  # focuses the header box
    box = page.locator("#kh-search-input")
    assert page.evaluate("() => document.activeElement.id") == "kh-search-input"
    page.keyboard.type(LAST_WORD, delay=10)
    page.locator(".kh-search__list .kh-result").first.wait_for(timeout=15000)
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and not box.get_attribute("aria-activedescendant")
    page.keyboard.press("ArrowDown")  # reopens
    page.locator(".kh-search__panel:not([hidden])").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "software/longdesc/")
    # Enter without a chosen result opens the full search page with the query
    page.keyboard.press("/")
    page.keyboard.type("narwhal", delay=10)
    page.locator(".kh-search__list .kh-result").first.wait_for(timeout=15000)
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "search/?q=narwhal")
    # on the search page, filters are checkboxes reached with Tab and ticked with Space
    page.locator("fieldset[data-facet=kind] input:visible").first.wait_for()  # options with no result are hidden
    page.locator("#kh-search-q").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "checkbox":
            break
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('kind=')")


@pytest.mark.parametrize("where", ["page", "header", "techniques/", "techniques/PaNET01022/"])
def test_axe_finds_no_serious_or_critical_violations_on_results(page, base_url, where):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci`", pytrace=False)
    if where == "page":
        assert page_results(page, base_url, "alpha")
    elif where.startswith("techniques/"):
        page.goto(base_url + where, wait_until="networkidle")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    else:
        page.goto(base_url + "software/tomotool/", wait_until="networkidle")
        header_titles(page, "alpha")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_hostile_data_in_the_index_is_shown_as_text(page, base_url):
    found = page_results(page, base_url, "quokka")
    assert any(r["title"].startswith('<script>alert("title")</script>') for r in found)
    assert page.locator(".kh-results script, .kh-results img, .kh-results svg").count() == 0
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.startsWith('on'))).length""")
    assert handlers == 0
    facility = page.locator("fieldset[data-facet=facility] label", has_text='<b onmouseover=alert("fac")>Z</b>')
    assert facility.count() == 1
    page.goto(base_url, wait_until="networkidle")
    header_titles(page, "quokka")
    page.locator(".kh-search__list .kh-result").first.hover()
    assert page.locator(".kh-search__list script, .kh-search__list img, .kh-search__list b").count() == 0


def test_technique_pages_and_tree(page, base_url, site):
    page.goto(base_url + "software/pdfonly/", wait_until="networkidle")
    link = page.get_by_role("link", name="total scattering")
    assert link.get_attribute("href") == "../../techniques/PaNET01190/"
    assert page.get_by_role("link", name="PaNET01190").get_attribute("href").startswith("http://purl.org/pan-science/")
    page.goto(base_url + "techniques/PaNET01022/", wait_until="networkidle")  # diffraction
    assert page.locator("h1").first.inner_text() == "diffraction"
    software = page.locator("h2#software").inner_text()
    assert "PdfOnly" in page.locator("h2#software + ul").inner_text() and software.endswith(")")
    page.goto(base_url + "techniques/", wait_until="networkidle")
    assert page.locator(".kh-tree a[href='PaNET01190/']").count() >= 1
    # collapsed subtrees open from the keyboard
    summary = page.locator(".kh-tree > li > details > summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert summary.evaluate("s => s.parentNode.open")


def test_catalogue_word_filter_reads_descriptions_and_techniques(page, base_url):
    page.goto(base_url + "software/", wait_until="networkidle")
    words = page.locator("#kh-software-q")
    words.fill("amorphous")  # only in PdfOnly's description
    rows = page.eval_on_selector_all("#kh-software tbody tr:not([hidden]) td:first-child a",
                                     "els => els.map(e => e.textContent)")
    assert rows == ["PdfOnly"]
    words.fill("pair distribution function")  # a broader term of its technique
    rows = page.eval_on_selector_all("#kh-software tbody tr:not([hidden]) td:first-child a",
                                     "els => els.map(e => e.textContent)")
    assert rows == ["PdfOnly"]


def test_events_page_shows_the_feed_of_the_current_filter(page, base_url):
    page.goto(base_url + "events/", wait_until="networkidle")
    box = page.locator("[data-kh-subscribe]")
    assert base_url + "events.ics" in box.inner_text()
    page.locator("fieldset[data-facet=facility] input[value=alpha]").check()
    assert base_url + "feeds/facility/alpha.ics" in box.inner_text()
    assert base_url + "feeds/facility/alpha.xml" in box.inner_text()
    page.locator("fieldset[data-facet=type] input[value=workshop]").check()
    text = box.inner_text()
    assert base_url + "feeds/type/workshop.ics" in text and base_url + "feeds/facility/alpha.ics" in text
    page.goto(base_url + "events/narwhal-next/", wait_until="networkidle")
    ics = page.get_by_role("link", name="Add this event to your calendar (.ics)")
    assert ics.get_attribute("href") == "narwhal-next.ics"


def test_filters_list_only_options_with_results_and_fold_on_a_phone(page, base_url):
    # Wide: the filters sit beside the results, open; an option with no result for the query is hidden.
    found = page_results(page, base_url, "narwhalography")
    assert found and page.locator("[data-kh-filter-box]").evaluate("d => d.open")
    kinds = page.eval_on_selector_all("fieldset[data-facet=kind] li:not([hidden]) input", "els => els.map(e => e.value)")
    assert kinds == ["Event"]
    boxes = page.locator(".kh-search-filters").bounding_box(), page.locator(".kh-results").bounding_box()
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]  # side by side
    # Without a query every option counts; long filters show the first few and offer the rest.
    page_results(page, base_url, "", kind=["Software"])
    technique = page.locator("fieldset[data-facet=technique]")
    shown = technique.locator("li:not([hidden])").count()
    more = technique.locator(".kh-facet__more")
    label = more.text_content()
    assert shown == 8 and label.startswith("Show all ")
    more.click()
    assert technique.locator("li:not([hidden])").count() == int(label.rsplit(" ", 1)[1]) > shown
    assert more.text_content() == "Show fewer" and more.get_attribute("aria-expanded") == "true"
    # Phone: results first, the filters folded away behind one "Filters" control.
    page.set_viewport_size({"width": 390, "height": 800})
    page_results(page, base_url, "narwhalography")
    assert not page.locator("[data-kh-filter-box]").evaluate("d => d.open")
    assert page.locator(".kh-results .kh-result").first.bounding_box()["y"] < 800
    assert page.locator(".kh-search-page [data-kh-more]").is_hidden()
