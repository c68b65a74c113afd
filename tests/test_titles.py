"""Headlines of HTML pages lose the site's name and a bare date around them, and the parts the
site's other pages in the collection repeat."""

from __future__ import annotations

import json

import pytest

from search.cleaner import clean_html
from search.cleaner.site_titles import SiteTitles

from .conftest import run

BODY = ("<p>The old harbour bridge reopened to traffic on Thursday morning after eight months of "
        "repairs, the city council said in a statement on its website.</p>" * 3)


@pytest.mark.parametrize(("title", "head", "url", "expected"), [
    # no site name declared: the host's main label names the site
    ("Man charged over attack - Belfast Telegraph", "", "https://www.belfasttelegraph.co.uk/a/1",
     "Man charged over attack"),
    ("China eyes growth_Xinhua", '<meta property="og:site_name" content="Xinhua">', None,
     "China eyes growth"),
    ("08.11.2021 | Flood waters rise in the north", "", "https://www.dw.com/en/a-1",
     "Flood waters rise in the north"),
    ("Flood waters rise | 2021-11-08", "", None, "Flood waters rise"),
    # a short site name must be the whole part ("dw" is inside "Flood waters")
    ("Flood waters rise - Ice melts", "", "https://www.dw.com/en/a-1",
     "Flood waters rise - Ice melts"),
    ("Bridge reopens: what it means", '<meta property="og:site_name" content="Example News">', None,
     "Bridge reopens: what it means"),
])
def test_site_name_and_date_affixes_removed(title, head, url, expected):
    html = (f"<html><head><title>{title}</title>{head}</head>"
            f"<body><article>{BODY}</article></body></html>")
    assert clean_html(html, url=url).page_meta["title"] == expected


# -- affixes an outlet's pages repeat, found across the collection (issue 17) ------------------

def page(title: str, host: str | None, body: str = BODY) -> str:
    slug = "-".join(title.lower().split()[:3])
    canonical = f'<link rel="canonical" href="https://www.{host}/news/{slug}">' if host else ""
    return (f"<html><head><title>{title}</title>{canonical}</head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>")


def titles_in_collection(pages: dict[str, str]) -> dict[str, str | None]:
    found = SiteTitles()
    for source, html in pages.items():
        found.add(source, html)
    return {source: clean_html(html, title_affixes=found.affixes(source)).page_meta["title"]
            for source, html in pages.items()}


BT = "belfasttelegraph.co.uk"
SOCCER = " – Soccer – Sport – Breaking News – Belfast Telegraph"


@pytest.mark.parametrize(("pages", "expected"), [
    # the host names only the last part; the pages repeat the whole tail
    ({"a": page("Man charged over attack" + SOCCER, BT),
      "b": page("Cup final tickets sold out" + SOCCER, BT),
      "c": page("Harbour bridge reopens – Breaking News – Belfast Telegraph", BT)},
     {"a": "Man charged over attack", "b": "Cup final tickets sold out",
      "c": "Harbour bridge reopens"}),
    # no site name, no address: the pages' shared tail is the site's
    ({"a": page("China eyes growth_English_Xinhua", None),
      "b": page("Floods hit the south_English_Xinhua", None)},
     {"a": "China eyes growth", "b": "Floods hit the south"}),
    ({"a": page("Sport | Daily Planet | Team wins the cup", "planet.example"),
      "b": page("Sport | Daily Planet | Coach leaves the club", "planet.example")},
     {"a": "Team wins the cup", "b": "Coach leaves the club"}),
    # a colon is the headline's own, even when two headlines open alike
    ({"a": page("Brexit: what happens next", "news.example"),
      "b": page("Brexit: the deal explained", "news.example")},
     {"a": "Brexit: what happens next", "b": "Brexit: the deal explained"}),
    # the same tail on two sites' pages is no one site's affix
    ({"a": page("Rates rise again - Opinion", "one.example"),
      "b": page("Rates fall again - Opinion", "two.example")},
     {"a": "Rates rise again - Opinion", "b": "Rates fall again - Opinion"}),
])
def test_affixes_an_outlets_pages_repeat_are_removed(pages, expected):
    assert titles_in_collection(pages) == expected


def test_a_lone_page_keeps_what_its_host_does_not_name():
    assert titles_in_collection({"a": page("Man charged over attack" + SOCCER, BT)}) == {
        "a": "Man charged over attack – Soccer – Sport – Breaking News"}


def test_indexing_a_folder_strips_the_sites_repeated_title_tail(runner, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n, title in enumerate(["Man charged over attack", "Cup final tickets sold out"]):
        (folder / f"{n}.html").write_text(page(title + SOCCER, BT), encoding="utf-8")
    index = tmp_path / "ix"
    assert run(runner, "index", folder, "--index", index).exit_code == 0
    listed = json.loads(run(runner, "search", "--index", index, "--json").stdout)
    assert sorted(hit["title"] for hit in listed["hits"]) == ["Cup final tickets sold out",
                                                              "Man charged over attack"]
