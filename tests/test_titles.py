"""Headlines of HTML pages lose the site's name and a bare date around them."""

from __future__ import annotations

import pytest

from search.cleaner import clean_html

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
