"""How the pages read (issue 18's small items), through Flask's test client: counts with
thousands separators, the sort shown is the sort used, "+N more" entities can be opened, error
pages titled in words, a date's source in words, and examples in the search and date boxes that
fit the collection shown rather than the demo's. tests/test_browser_demo.py checks the same
items where only a browser can see them (script, layout).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from search.config import Settings
from search.engines import open_engine
from search.models import Article, Entity


def _client(tmp_path, articles):
    from web import create_app

    settings = Settings(index_dir=str(tmp_path / "index"))
    engine = open_engine(settings, create=True)
    engine.upsert(articles)
    engine.close()
    return create_app({"TESTING": True, "SETTINGS": settings}).test_client()


def text_of(html: str, pattern: str) -> str:
    """Return the text of the first element whose start tag matches ``pattern``."""
    tag = re.match(r"<(\w+)", pattern).group(1)
    match = re.search(pattern + rf"(.*?)</{tag}>", html, re.S)
    assert match, pattern
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """1,234 short wire stories of 1987, as a real collection has thousands."""
    articles = [Article(id=f"r{i:05d}", source=f"r{i}.txt", title=f"Cocoa prices {i}",
                        body=f"Cocoa prices moved on day {i}. Traders in London said so.",
                        outlet="Reuters", date=dt.date(1987, 1 + i % 12, 1 + i % 28),
                        date_source="given")
                for i in range(1234)]
    return _client(tmp_path_factory.mktemp("big"), articles)


def test_counts_have_thousands_separators(big):
    page = big.get("/search?q=cocoa").get_data(as_text=True)
    assert text_of(page, r'<p class="count"[^>]*>') == "1,234 articles match cocoa"
    assert "Export all 1,234:" in page
    assert "page 1 of 124" in page
    outlets = page.split('data-facet="outlet"', 1)[1].split("</fieldset>", 1)[0]
    assert text_of(outlets, r'<span class="count">') == "1,234"
    # Attributes and JSON keep plain numbers.
    assert big.get("/api/search?q=cocoa").get_json()["total"] == 1234


def test_without_a_query_the_sort_shown_is_newest_the_sort_used(big):
    page = big.get("/search").get_data(as_text=True)
    sort = page.split('<nav class="sort"', 1)[1].split("</nav>", 1)[0]
    assert text_of(sort, r'<strong aria-current="true">') == "newest"
    assert "relevance" not in sort  # nothing to rank by
    shown = re.findall(r'<time datetime="([\d-]+)"', page.split('<ol class="hits"', 1)[1])
    assert shown == sorted(shown, reverse=True) and shown[0] == "1987-12-28"
    # With a query, relevance is the default again, and is what is shown.
    page = big.get("/search?q=cocoa").get_data(as_text=True)
    sort = page.split('<nav class="sort"', 1)[1].split("</nav>", 1)[0]
    assert text_of(sort, r'<strong aria-current="true">') == "relevance"


def test_date_boxes_and_search_box_fit_the_collection_shown(big):
    page = big.get("/search").get_data(as_text=True)
    assert 'id="since" name="since" value="" placeholder="1987-01-01"' in page
    assert 'id="until" name="until" value="" placeholder="1987-12-31"' in page
    box = re.search(r'<input id="q"[^>]*>', page, re.S).group()
    # The demo's topic was in every collection's search box and date boxes.
    dates = page.split('<fieldset class="dates">', 1)[1].split("</fieldset>", 1)[0]
    for seed_word in ("embassy", "Popular Mobilization", "militia", "2019", "2020"):
        assert seed_word not in box
        assert seed_word not in dates


def test_date_boxes_of_a_collection_without_dates(tmp_path):
    undated = Article(id="u1", source="u1.txt", title="Undated", body="No date here.")
    client = _client(tmp_path, [undated])
    page = client.get("/search").get_data(as_text=True)
    assert 'placeholder="2 years ago"' in page and 'placeholder="today"' in page


def test_a_given_date_says_so_in_words(big):
    page = big.get("/article/r00001").get_data(as_text=True)
    assert text_of(page, r'<span class="date-source">') == "(as given with the article)"
    assert "(from given)" not in page


def test_the_date_source_of_a_page_is_still_named(client):
    page = client.get("/article/a2").get_data(as_text=True)
    assert text_of(page, r'<span class="date-source">') == "(from html-meta)"


def test_article_404_is_titled_in_words(client):
    response = client.get("/article/nosuchid")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert text_of(page, "<title>") == "404 Article not found — newsfacet"
    assert text_of(page, "<h1>") == "404 — Article not found"
    assert "ArticleNotFound" not in page
    # The API keeps the machine-readable name.
    assert client.get("/api/articles/nosuchid").get_json()["error"]["title"] == "ArticleNotFound"


def test_http_errors_keep_their_reason(client):
    page = client.get("/no/such/route").get_data(as_text=True)
    assert text_of(page, "<title>") == "404 Not Found — newsfacet"


def test_more_entities_on_a_card_can_be_opened(tmp_path):
    names = [f"Person {chr(65 + i)}" for i in range(11)]
    client = _client(tmp_path, [Article(
        id="m1", source="m1.txt", title="Many names",
        body="A story naming " + ", ".join(names) + ".",
        entities=tuple(Entity(n, "person") for n in names))])
    page = client.get("/search?q=story").get_data(as_text=True)
    more = page.split('<details class="more-entities">', 1)[1].split("</details>", 1)[0]
    assert text_of(more, "<summary>") == "+3 more"
    inside = set(re.findall(r'class="chip[^"]*"[^>]*>([^<]+)<', more))
    assert inside == {"Person I", "Person J", "Person K"}
