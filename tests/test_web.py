"""The Flask front end through its test client: pages, facet links, API, errors, escaping."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest


class _FacetParser(HTMLParser):
    """Collects the sidebar: {facet: [{value, count, selected, href}]}."""

    def __init__(self):
        super().__init__()
        self.facets: dict[str, list[dict]] = {}
        self._facet = self._item = self._span = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-facet" in attrs:
            self._facet = attrs["data-facet"]
            self.facets[self._facet] = []
        elif tag == "a" and self._facet and attrs.get("href", "").startswith("/search"):
            if "clear" not in (attrs.get("class") or ""):
                self._item = {"href": attrs["href"], "selected": "aria-current" in attrs}
        elif tag == "span" and self._item is not None:
            self._span = attrs.get("class")

    def handle_data(self, data):
        if self._item is not None and self._span in ("value", "count") and data.strip():
            self._item[self._span] = data.strip()

    def handle_endtag(self, tag):
        if tag == "span":
            self._span = None
        elif tag == "a" and self._item is not None:
            self._item["count"] = int(self._item["count"])
            self.facets[self._facet].append(self._item)
            self._item = None
        elif tag == "section":
            self._facet = None


def sidebar(html: str) -> dict[str, list[dict]]:
    parser = _FacetParser()
    parser.feed(html)
    return parser.facets


def test_search_page_lists_results_with_marked_snippets(client):
    response = client.get("/search?q=embassy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>2</strong> articles" in page
    assert 'value="embassy"' in page  # the query box keeps the query
    assert "<mark>embassy</mark>" in page


def test_article_text_is_escaped_everywhere(client):
    page = client.get("/search?q=staff").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    article = client.get("/article/a3?q=staff").get_data(as_text=True)
    assert "<script>" not in article and "<mark>Staff</mark>" in article


def test_facet_sidebar_counts_and_links(client):
    facets = sidebar(client.get("/search").get_data(as_text=True))
    outlets = {f["value"]: f["count"] for f in facets["outlet"]}
    assert outlets == {"Reuters": 2, "AFP": 1}
    groups = [f["value"] for f in facets["entity"]]
    # Armed groups come first in the entity list, places last.
    assert groups.index("Iraq") > groups.index("Kataib Hezbollah")


def test_every_facet_count_equals_results_of_applying_it(client):
    for query in ("", "embassy", "militia"):
        page = client.get(f"/search?q={query}").get_data(as_text=True)
        for name, values in sidebar(page).items():
            for value in values:
                applied = client.get(value["href"]).get_data(as_text=True)
                total = int(re.search(r"<strong>(\d+)</strong> article", applied).group(1))
                if name in ("year", "month", "outlet", "entity") and not value["selected"]:
                    assert total == value["count"], (query, name, value)


def test_toggle_link_keeps_query_and_other_filters(client):
    facets = sidebar(client.get("/search?q=embassy&outlet=Reuters").get_data(as_text=True))
    link = next(f["href"] for f in facets["entity"] if f["value"] == "Kataib Hezbollah")
    params = parse_qsl(urlsplit(link).query)
    assert ("q", "embassy") in params and ("outlet", "Reuters") in params
    assert ("entity", "Kataib Hezbollah") in params


def test_api_search_matches_interface(client):
    data = client.get("/api/search?q=embassy&outlet=Reuters").get_json()
    assert data["query"] == "embassy" and data["total"] == 2
    assert data["facets"]["outlet"][0] == {"value": "Reuters", "count": 2, "selected": True}
    assert {"value": "Kataib Hezbollah", "type": "group", "count": 2, "selected": False} \
        in data["facets"]["entity"]


@pytest.mark.parametrize("url, status", [
    ("/api/search?q=%22open", 400),
    ("/api/search?q=foo:bar", 400),
    ("/api/search?page=-1", 400),
    ("/api/search?per_page=100000", 400),
    ("/api/search?since=yesterdayish-nonsense", 400),
    ("/api/search?sort=random", 400),
    ("/api/articles/nope", 404),
    ("/article/..%2F..%2Fetc%2Fpasswd", 404),
    ("/nothing-here", 404),
])
def test_bad_input_gets_4xx_with_message(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    if url.startswith("/api/"):
        assert response.get_json()["error"]["message"]


def test_bad_query_on_page_shows_message(client):
    response = client.get("/search?q=%28embassy")
    assert response.status_code == 400
    assert "unbalanced parentheses" in response.get_data(as_text=True)


def test_healthz_and_article_json(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "articles": 4}
    article = client.get("/api/articles/a1").get_json()
    assert article["title"] == "Rockets hit near embassy" and article["date"] == "2020-01-05"


def test_missing_index_is_503_not_500(tmp_path):
    from search.config import Settings
    from web import create_app

    client = create_app({"SETTINGS": Settings(index_dir=str(tmp_path / "none"))}).test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503
    assert "newsfacet index" in response.get_json()["error"]["message"]
