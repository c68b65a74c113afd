"""The README's screenshots (issue 18), taken from the demo corpus: an index of seeds/ alone.

tests/test_browser.py checks the pages against hostile articles too, so its screenshots show
them; the README's headline must show what `make demo` shows. Each screenshot is taken only
after the page is checked to show seed articles and nothing else (tests/test_readme.py checks
that the README's images are these files).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from click.testing import CliRunner

from search.cli import cli

from .conftest import ROOT, SEEDS, serving

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The headline search: a query and a filter, so the page shows marks, chips and counts.
HEADLINE = {"q": "embassy", "entity": "Popular Mobilization Forces"}
# The screenshots this module writes; the README shows no other.
DEMO_SCREENSHOTS = ("demo-search.png", "demo-search-phone.png", "demo-article.png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: "
                       "run `make browser` (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """Yield the base URL of the app serving an index of the seeds alone, as `make demo` builds
    it (conftest's ``seeds_server`` adds the hostile pages, which must not be in a screenshot)."""
    from search.config import Settings
    from web import create_app

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(SEEDS, root / "seeds")
    index = root / "index"
    here = os.getcwd()
    os.chdir(root)  # relative paths, as `make demo` gives them
    try:
        result = CliRunner().invoke(cli, ["index", "seeds/", "--index", str(index), "--json"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    with serving(create_app({"SETTINGS": Settings(index_dir=str(index))})) as url:
        yield url


def _get(base: str, path: str) -> dict:
    with urlopen(base + path) as response:
        return json.load(response)


def assert_demo_corpus(base: str, page) -> None:
    """The index holds the five seeds and nothing else, and the page shows the API's hits."""
    seeds = sorted(p.name for p in SEEDS.iterdir())
    assert _get(base, "/healthz")["articles"] == len(seeds) == 5
    every = _get(base, "/api/search?" + urlencode({"format": "json"}))["articles"]
    assert sorted(Path(a["source"]).name for a in every) == seeds
    assert all(a["source"].startswith("seeds/") for a in every)
    expected = _get(base, "/api/search?" + urlencode(HEADLINE))
    assert expected["total"] >= 2
    titles = page.locator("li.hit h2 a").all_inner_texts()
    assert titles == [h["title"] for h in expected["hits"]]


@pytest.mark.parametrize("name, viewport", [("demo-search.png", DESKTOP),
                                            ("demo-search-phone.png", PHONE)])
def test_demo_search_screenshots(demo_server, browser, name, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.goto(demo_server + "/search?" + urlencode(HEADLINE))
    assert_demo_corpus(demo_server, page)
    assert page.locator("li.hit .snippet mark").count() >= 1
    assert "Popular Mobilization Forces" in page.locator("ul.chips.active").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(SCREENSHOTS / name))
    context.close()


def test_demo_article_screenshot(demo_server, browser):
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    page.goto(demo_server + "/search?" + urlencode(HEADLINE))
    assert_demo_corpus(demo_server, page)
    first = page.locator("li.hit h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("h1").inner_text() == title
    assert page.locator("mark").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "demo-article.png"))
    context.close()


# Issue 18's small items, where a browser is needed to see them.

def test_more_entities_on_a_card_open_on_click(demo_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(demo_server + "/search?q=embassy")
    card = page.locator("li.hit").first
    more = card.locator("details.more-entities")
    hidden = more.locator("a.chip")
    count = hidden.count()
    assert more.locator("summary").inner_text() == f"+{count} more" and count > 0
    assert not hidden.first.is_visible()
    more.locator("summary").click()
    assert hidden.first.is_visible() and hidden.last.is_visible()
    hidden.first.click()  # each opens its entity page, like the chips before it
    page.wait_for_url(re.compile(r"/entity/"))
    context.close()


def test_a_facet_filter_that_matches_nothing_says_no_match(demo_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(demo_server + "/search")
    people = page.locator("fieldset[data-group=person]")
    assert people.locator("li").count() > 8  # long enough to get a filter box
    no_match = people.locator(".no-match")
    assert not no_match.is_visible()
    people.locator("input.facet-filter").fill("zzzz")
    assert no_match.is_visible() and no_match.inner_text() == "no match"
    assert people.locator("li:visible").count() == 0
    people.locator("input.facet-filter").fill("trump")
    assert not no_match.is_visible()
    assert people.locator("li:visible .value").all_inner_texts() == ["Donald Trump"]
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/entity/No%20Such%20Group", "/article/nosuchid"])
def test_not_found_pages_have_side_margins(demo_server, browser, viewport, path):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    assert page.goto(demo_server + path).status == 404
    box = page.locator("h1").bounding_box()
    assert box["x"] >= 12, f"the heading touches the window's edge ({box['x']} px)"
    message = page.locator("p.error").bounding_box()
    assert message["x"] >= 12 and message["x"] + message["width"] <= viewport["width"] - 12
    assert page.title() in ("404 Unknown entity — newsfacet", "404 Article not found — newsfacet")
    context.close()


def test_browsing_without_a_query_shows_newest_first_as_used(demo_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(demo_server + "/search")
    assert page.locator("nav.sort strong").inner_text() == "newest"
    assert page.locator("nav.sort").inner_text().split() == ["Sort:", "newest", "oldest"]
    dates = page.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates == sorted(dates, reverse=True) and dates
    context.close()
