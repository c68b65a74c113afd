"""Entity pages and their JSON: /entity/<name> and /api/entities/<name>, on the conftest articles.

a1 (Reuters, 2020-01-05): Kataib Hezbollah, Iraq · a2 (AFP, 2019-05-16): PMF, Asaib Ahl al-Haq ·
a3 (Reuters, 2019-05-15): PMF, Kataib Hezbollah · a4 (no outlet, undated): Iraq.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest

from .conftest import HOSTILE
from .test_web import _no_live_markup


def profile(client, name: str) -> dict:
    response = client.get("/api/entities/" + quote(name, safe=""))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


class _EntityPage(HTMLParser):
    """Collects the entity page's heading, outlets, co-mentions, article links and bars."""

    def __init__(self):
        super().__init__()
        self.h1 = ""
        self.outlets: dict[str, str] = {}
        self.related: dict[str, str] = {}
        self.articles: list[str] = []
        self.bars: dict[str, tuple[int, str]] = {}
        self._section = None
        self._in_h1 = False
        self._link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self._section = classes[0] if classes else None
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "a" and "bar-link" in classes:
            self.bars[attrs["data-value"]] = (int(attrs["data-count"]), attrs["href"])
        elif tag == "a" and self._section in ("entity-outlets", "entity-related",
                                              "entity-articles"):
            self._link = [attrs["href"], ""]

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False
        elif tag == "a" and self._link is not None:
            href, text = self._link
            self._link = None
            if self._section == "entity-outlets":
                self.outlets[text.strip()] = href
            elif self._section == "entity-related":
                self.related[text.strip()] = href
            elif self._section == "entity-articles" and href.startswith("/article/"):
                self.articles.append(href)


def page_of(client, name: str) -> _EntityPage:
    response = client.get("/entity/" + quote(name, safe=""))
    assert response.status_code == 200, response.get_data(as_text=True)
    parser = _EntityPage()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_entity_json_has_timeline_outlets_co_mentions_aliases_and_latest_articles(client):
    data = profile(client, "Kataib Hezbollah")
    assert data["entity"] == {"name": "Kataib Hezbollah", "type": "group"}
    assert (data["in_table"] is True and "Hezbollah Brigades" in data["aliases"]
            and "KH" in data["aliases"])
    assert data["total"] == 2
    assert data["timeline"] == [{"month": "2019-05", "count": 1}, {"month": "2020-01", "count": 1}]
    assert data["outlets"] == [{"name": "Reuters", "count": 2}]
    assert data["unknown_outlet"] == 0
    assert data["related"] == [{"name": "Iraq", "type": "place", "count": 1},
                               {"name": "Popular Mobilization Forces", "type": "group", "count": 1}]
    assert [a["id"] for a in data["articles"]] == ["a1", "a3"]  # newest first


def test_entity_page_shows_the_same_and_links_onwards(client):
    page = page_of(client, "Popular Mobilization Forces")
    assert page.h1 == "Popular Mobilization Forces"
    assert page.outlets == {"AFP": "/search?entity=Popular+Mobilization+Forces&outlet=AFP",
                            "Reuters": "/search?entity=Popular+Mobilization+Forces&outlet=Reuters"}
    assert page.related == {"Asaib Ahl al-Haq": "/entity/Asaib%20Ahl%20al-Haq",
                            "Kataib Hezbollah": "/entity/Kataib%20Hezbollah"}
    assert [href.split("?")[0] for href in page.articles] == ["/article/a2", "/article/a3"]
    assert page.bars == {"2019-05": (2, "/search?entity=Popular+Mobilization+Forces&month=2019-05")}


def test_counts_on_the_page_are_what_the_search_finds(client):
    """Every outlet, co-mention and bar count equals the articles its link (or both entities)
    gives."""
    def ids(**params) -> set[str]:
        query = urlencode({**params, "format": "json"}, doseq=True)
        data = client.get("/api/search?" + query).get_json()
        return {a["id"] for a in data["articles"]}

    for name in ("Kataib Hezbollah", "Popular Mobilization Forces", "Iraq", "Asaib Ahl al-Haq"):
        data = profile(client, name)
        mine = ids(entity=name)
        assert data["total"] == len(mine) > 0
        for outlet in data["outlets"]:
            assert outlet["count"] == len(mine & ids(outlet=outlet["name"])), (name, outlet)
        for other in data["related"]:
            assert other["count"] == len(mine & ids(entity=other["name"])), (name, other)
        for month in data["timeline"]:
            assert month["count"] == len(mine & ids(month=month["month"])), (name, month)
        assert data["unknown_outlet"] == data["total"] - sum(o["count"] for o in data["outlets"])


# Resolving is case-insensitive for every spelling, as the --entity filter is ("kh" too).
@pytest.mark.parametrize("alias",
                         ["KH", "kh", "kataib hezbollah", "KATAIB HEZBOLLAH", "Kata'ib Hizballah",
                                   "Kata’ib Hizballah", "  Hezbollah   Brigades "])
def test_aliases_resolve_to_the_same_page(client, alias):
    assert profile(client, alias) == profile(client, "Kataib Hezbollah")
    assert page_of(client, alias).h1 == "Kataib Hezbollah"


def test_entity_in_the_table_but_in_no_article_has_an_empty_page(client):
    data = profile(client, "Hezbollah")
    assert (data["total"], data["timeline"], data["outlets"], data["related"],
            data["articles"]) == (0, [], [], [], [])
    page = client.get("/entity/Hezbollah").get_data(as_text=True)
    assert "No indexed article mentions Hezbollah yet." in page


def test_unknown_entity_is_a_404_with_a_way_on(client):
    response = client.get("/entity/Kataib%20Hezbolah")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "no entity named &#39;Kataib Hezbolah&#39;" in page
    assert 'Did you mean <a href="/entity/Kataib%20Hezbollah">Kataib Hezbollah</a>?' in page
    error = client.get("/api/entities/nobody%20at%20all").get_json()["error"]
    assert error["status"] == 404 and "newsfacet entities add" in error["message"]


@pytest.mark.parametrize("path", [
    "/entity/%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    "/entity/..%2F..%2Fetc%2Fpasswd",
    "/entity/a/b/c",
    "/entity/" + "x" * 5000,
    "/entity/%00",
    "/entity/%20",
    "/api/entities/%3Cscript%3E",
    "/api/entities/" + "x" * 5000,
])
def test_hostile_names_are_404s_and_never_markup(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<script>window" not in page
    if path.startswith("/entity/%3C"):
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_entity_known_only_from_a_record_has_an_escaped_page(client, hostile):
    name = HOSTILE.entities[0].name
    data = profile(client, name)
    assert data["entity"] == {"name": name, "type": "group"} and data["in_table"] is False
    assert [a["id"] for a in data["articles"]] == ["evil"]
    page = client.get("/entity/" + quote(name, safe="")).get_data(as_text=True)
    _no_live_markup(page)
    assert "<h1>&lt;img src=x onerror=&#34;window.__xss=5&#34;&gt;</h1>" in page
    # the outlet list
    assert "&lt;i onmouseover=&#34;window.__xss=4&#34;&gt;Outlet&lt;/i&gt;" in page


def test_entity_page_keeps_the_content_security_policy(client):
    response = client.get("/entity/Iraq")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"<style|\sstyle=|\son\w+=", page)


# -- links to entity pages ----------------------------------------------------------------

def _entity_links(html: str, pattern: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(pattern, html)}


def test_every_entity_facet_value_links_to_its_page_beside_its_checkbox(client):
    page = client.get("/search?q=embassy").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" name="entity" value="([^"]+)"', page)
    links = _entity_links(page, r'<a class="to-entity" href="([^"]+)"[^>]*>.*?'
                                r'<span class="visually-hidden">About ([^<]+)</span></a>')
    assert boxes and sorted(links) == sorted(boxes)
    for name, href in links.items():
        assert href == "/entity/" + quote(name, safe="")
        assert page_of(client, name).h1 == name
    # Outlets, years and months keep their checkboxes only.
    assert page.count('class="to-entity"') == len(boxes)


def test_entity_chips_on_results_and_article_link_to_entity_pages(client):
    search = client.get("/search?q=embassy").get_data(as_text=True)
    cards = _entity_links(search.split('<ol class="hits"')[1],
                          r'<a class="chip [a-z]+" href="([^"]+)">([^<]+)</a>')
    assert cards == {"Kataib Hezbollah": "/entity/Kataib%20Hezbollah",
                     "Iraq": "/entity/Iraq",
                     "Popular Mobilization Forces": "/entity/Popular%20Mobilization%20Forces"}
    article = client.get("/article/a2").get_data(as_text=True)
    chips = _entity_links(article, r'<a class="chip [a-z]+" href="([^"]+)">([^<]+)</a>')
    assert chips == {"Popular Mobilization Forces": "/entity/Popular%20Mobilization%20Forces",
                     "Asaib Ahl al-Haq": "/entity/Asaib%20Ahl%20al-Haq"}
    for href in chips.values():
        assert client.get(href).status_code == 200


def test_hostile_entity_links_are_escaped(client, hostile):
    page = client.get("/search?q=embassy").get_data(as_text=True)
    _no_live_markup(page)
    assert 'href="/entity/%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D5%22%3E"' in page
