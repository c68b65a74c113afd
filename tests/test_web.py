"""The Flask front end through its test client: pages, facets, timeline, article, export, errors."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from search.models import FacetValue, SearchRequest, SearchResults

from .conftest import form_token


class _PageParser(HTMLParser):
    """Collects the facet form (fields and checkboxes by facet), chips and timeline bars."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.boxes: list[dict] = []
        self.chips: list[dict] = []
        self.bars: list[dict] = []
        self._group = self._box = self._chip = None
        self._form = False
        self._class = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "form" and "facet-form" in classes:
            self._form = True
        elif tag == "fieldset" and "data-facet" in attrs:
            self._group = attrs["data-group"]
        elif tag == "input" and self._form and attrs.get("type") == "checkbox":
            self._box = {"group": self._group, "name": attrs["name"], "value": attrs["value"],
                         "selected": "checked" in attrs}
            self.boxes.append(self._box)
        elif tag == "input" and self._form and attrs.get("value"):
            self.fields.append((attrs["name"], attrs["value"]))
        elif tag == "span" and self._box is not None:
            self._class = attrs.get("class")
        elif tag == "a" and "bar-link" in classes:
            self.bars.append({"href": attrs["href"], "value": attrs["data-value"],
                              "count": int(attrs["data-count"]), "selected": "selected" in classes})
        elif tag == "ul" and "active" in classes:
            self._chips = True
        elif tag == "a" and "chip" in classes and getattr(self, "_chips", False):
            self._chip = {"href": attrs["href"], "text": ""}

    def handle_data(self, data):
        if self._box is not None and self._class in ("value", "count"):
            self._box["label" if self._class == "value" else "count"] = data.strip()
        if self._chip is not None:
            self._chip["text"] += data

    def handle_endtag(self, tag):
        if tag == "span":
            self._class = None
        elif tag == "label" and self._box is not None:
            self._box["count"] = int(self._box["count"])
            self._box = None
        elif tag == "a" and self._chip is not None:
            self._chip["text"] = " ".join(self._chip["text"].split())
            self.chips.append(self._chip)
            self._chip = None
        elif tag == "form":
            self._form = False
        elif tag == "ul":
            self._chips = False

    def toggled(self, box: dict) -> str:
        """Return the URL the browser submits when this checkbox is flipped."""
        pairs = list(self.fields)
        for other in self.boxes:
            if other["selected"] != (other is box):
                pairs.append((other["name"], other["value"]))
        return "/search?" + urlencode(pairs)


def parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


def sidebar(html: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for box in parse(html).boxes:
        out.setdefault(box["group"], {})[box["value"]] = box["count"]
    return out


def total_of(client, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    return int(re.search(r"<strong>(\d+)</strong> article", page).group(1))


# -- search page -------------------------------------------------------------------------

def test_search_page_lists_results_with_marked_snippets(client):
    response = client.get("/search?q=embassy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>2</strong> articles" in page
    assert 'value="embassy"' in page  # the query box keeps the query
    assert "<mark>embassy</mark>" in page
    assert 'href="/article/a1?q=embassy"' in page


def test_sidebar_groups_entities_by_type_armed_groups_first(client):
    facets = sidebar(client.get("/search").get_data(as_text=True))
    assert list(facets) == ["group", "place", "outlet", "year", "month"]
    assert facets["group"] == {"Kataib Hezbollah": 2, "Popular Mobilization Forces": 2,
                               "Asaib Ahl al-Haq": 1}
    assert facets["outlet"] == {"Reuters": 2, "AFP": 1}
    assert facets["year"] == {"2019": 2, "2020": 1, "undated": 1}
    assert list(facets["month"]) == ["2019-05", "2020-01", "undated"]  # in time order


QUERIES = ["", "q=embassy", "q=militia", "outlet=Reuters", "entity=Kataib+Hezbollah&year=2019",
           "since=2019-05-16", "q=embassy&until=May+2019", "month=undated"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_facet_count_equals_results_of_applying_it(client, query):
    page = parse(client.get(f"/search?{query}").get_data(as_text=True))
    assert page.boxes
    for box in page.boxes:
        if box["selected"]:
            continue
        # A count is what the value gives on its own, with the other facets' filters kept:
        # OR'ed onto values already ticked in its facet, it adds exactly that many (for the
        # single-valued facets) and ticked alone it gives that many.
        alone = [p for p in parse_qsl(urlsplit(page.toggled(box)).query)
                 if p[0] != box["name"] or p[1] == box["value"]]
        assert total_of(client, "/search?" + urlencode(alone)) == box["count"], (query, box)
        in_use = any(b["selected"] for b in page.boxes if b["name"] == box["name"])
        if not in_use or box["name"] != "entity":
            before = total_of(client, f"/search?{query}") if in_use else 0
            assert total_of(client, page.toggled(box)) == before + box["count"], (query, box)
    for bar in page.bars:
        if not bar["selected"]:
            assert total_of(client, bar["href"]) == bar["count"], (query, bar)


def test_checkbox_submission_ors_within_and_ands_across(client):
    assert total_of(client, "/search?outlet=Reuters&outlet=AFP") == 3
    assert total_of(client, "/search?outlet=Reuters&outlet=AFP&entity=Asaib+Ahl+al-Haq") == 1
    page = parse(client.get("/search?q=embassy&outlet=Reuters&sort=newest").get_data(as_text=True))
    assert ("q", "embassy") in page.fields and ("sort", "newest") in page.fields
    kh = next(b for b in page.boxes if b["value"] == "Kataib Hezbollah")
    params = parse_qsl(urlsplit(page.toggled(kh)).query)
    assert ("outlet", "Reuters") in params and ("entity", "Kataib Hezbollah") in params


def test_chips_remove_one_filter_and_clear_all(client):
    url = "/search?q=embassy&entity=Kataib+Hezbollah&outlet=Reuters&since=2019-01-01"
    chips = {c["text"]: c["href"] for c in parse(client.get(url).get_data(as_text=True)).chips}
    assert set(chips) == {"Remove filter Kataib Hezbollah ×", "Remove filter Reuters ×",
                          "Remove filter from 1 January 2019 ×"}
    assert parse_qsl(urlsplit(chips["Remove filter Reuters ×"]).query) == [
        ("q", "embassy"), ("entity", "Kataib Hezbollah"), ("since", "2019-01-01")]
    page = client.get(url).get_data(as_text=True)
    assert 'class="clear-all" href="/search?q=embassy"' in page
    assert 'class="clear" href="/search?q=embassy&amp;outlet=Reuters&amp;since=2019-01-01"' in page


def test_timeline_bars_by_month_link_to_their_month(client):
    page = parse(client.get("/search?outlet=Reuters").get_data(as_text=True))
    bars = {b["value"]: b for b in page.bars}
    assert {v: b["count"] for v, b in bars.items()} == {"2019-05": 1, "2020-01": 1}
    assert parse_qsl(urlsplit(bars["2019-05"]["href"]).query) == [("outlet", "Reuters"),
                                                                  ("month", "2019-05")]
    selected = parse(client.get("/search?month=2019-05").get_data(as_text=True)).bars
    assert [b["value"] for b in selected if b["selected"]] == ["2019-05"]
    assert next(b for b in selected if b["selected"])["href"] == "/search"  # click again: off


def test_timeline_has_an_undated_bar(client):
    bars = {b["value"]: b for b in parse(client.get("/search").get_data(as_text=True)).bars}
    assert bars["undated"]["count"] == 1
    assert total_of(client, bars["undated"]["href"]) == 1


def test_timeline_switches_to_years_over_a_long_span(app):
    from werkzeug.datastructures import MultiDict

    from web.timeline import build_timeline

    months = (FacetValue("2001-03", 2), FacetValue("2019-05", 4), FacetValue("undated", 1))
    results = SearchResults(SearchRequest(), 7, (), {"month": months})
    with app.test_request_context():  # bar links are built with url_for
        timeline = build_timeline(results, MultiDict([("year", "2019")]))
    assert timeline.unit == "year"
    bars = {b.value: b for b in timeline.bars}
    assert len(bars) == 20 and bars["2001"].count == 2 and bars["2010"].count == 0
    assert bars["2019"].selected and bars["2019"].height == 100 and bars["2010"].link is None
    assert bars["2001"].link == "/search?year=2001"


def test_did_you_mean_links_to_the_corrected_query(client):
    page = client.get("/search?q=embasy&outlet=Reuters").get_data(as_text=True)
    assert 'Did you mean <a href="/search?outlet=Reuters&amp;q=embassy">embassy</a>?' in page
    assert "Did you mean" not in client.get("/search?q=embassy").get_data(as_text=True)
    assert client.get("/api/search?q=embasy").get_json()["suggestion"] == "embassy"


def test_bad_query_shows_the_message_and_still_offers_facets(client):
    response = client.get("/search?q=%28embassy&outlet=Reuters")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "unbalanced parentheses" in page and 'role="alert"' in page
    assert sidebar(page)["outlet"] == {"Reuters": 2, "AFP": 1}
    assert "<strong>2</strong> articles" in page  # browsing the filters without the query


def test_bad_filter_value_shows_the_message(client):
    response = client.get("/search?month=May&outlet=AFP")
    assert response.status_code == 400
    assert "bad month" in response.get_data(as_text=True)


def test_pages_and_export_links_keep_the_search(client):
    page = client.get("/search?per_page=1&outlet=Reuters").get_data(as_text=True)
    assert 'href="/search?outlet=Reuters&amp;per_page=1&amp;page=2"' in page
    assert 'href="/api/search?outlet=Reuters&amp;per_page=1&amp;format=csv"' in page
    assert 'href="/api/search?outlet=Reuters&amp;per_page=1&amp;format=json"' in page


# -- article page ------------------------------------------------------------------------

def test_article_page_numbers_matches_and_links_between_them(client):
    page = client.get("/article/a1?q=embassy+OR+rockets&outlet=Reuters&page=1").get_data(
        as_text=True)
    marks = re.findall(r'<mark id="m(\d+)" tabindex="-1">(\w+)</mark>', page)
    assert marks == [("1", "Rockets"), ("2", "embassy")]
    assert 'href="#m2" title="Next match"' in page and 'href="#m1" title="Next match"' in page
    assert "2 matches for <q>embassy OR rockets</q>" in page
    assert 'href="/search?q=embassy+OR+rockets&amp;outlet=Reuters">← Back to results' in page


def test_article_page_shows_metadata_entities_and_more_like_this(client):
    page = client.get("/article/a2").get_data(as_text=True)
    assert "(from html-meta)" in page and "<code>a2.txt</code>" in page
    assert 'href="/entity/Asaib%20Ahl%20al-Haq">Asaib Ahl al-Haq</a>' in page
    assert 'href="/search?outlet=AFP">AFP</a>' in page
    similar = page.split("More like this")[1]
    assert re.search(r'href="/article/a\d"', similar) and 'href="/article/a2"' not in similar


# -- escaping ----------------------------------------------------------------------------

def _no_live_markup(page: str) -> None:
    for live in ("<script>window", "<img src=x", "<i onmouseover", "<b>bold"):
        assert live not in page, live


def test_hostile_article_is_text_on_every_page(client, hostile):
    search = client.get("/search?q=embassy").get_data(as_text=True)
    _no_live_markup(search)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;Evil" in search  # title
    # snippet
    assert "&lt;b&gt;bold&lt;/b&gt; <mark>embassy</mark> &lt;script&gt;window.__xss=3" in search
    assert "&lt;i onmouseover=&#34;window.__xss=4&#34;&gt;Outlet&lt;/i&gt;" in search  # facet
    entity = '<img src=x onerror="window.__xss=5">'
    chosen = client.get("/search?" + urlencode({"entity": entity})).get_data(as_text=True)
    _no_live_markup(chosen)
    # chip
    assert "Remove filter </span>&lt;img src=x onerror=&#34;window.__xss=5&#34;&gt;" in chosen
    article = client.get("/article/evil?q=embassy").get_data(as_text=True)
    _no_live_markup(article)
    assert "&lt;b&gt;bold&lt;/b&gt;" in article
    assert 'href="javascript' not in article and "<code>javascript:alert(4)</code>" in article


# -- export ------------------------------------------------------------------------------

def _csv(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_has_every_match_not_just_the_page(client):
    rows = _csv(client, "/api/search?per_page=1&sort=oldest&format=csv")
    assert [r["id"] for r in rows] == ["a3", "a2", "a1", "a4"]
    assert rows[0]["entities"] == "Popular Mobilization Forces (group); Kataib Hezbollah (group)"
    rows = _csv(client, "/api/search?q=embassy&outlet=Reuters&since=2020-01-01&format=csv")
    assert [r["id"] for r in rows] == ["a1"]


def test_csv_export_defuses_formulas_and_keeps_markup_as_text(client, hostile):
    row = next(r for r in _csv(client, "/api/search?format=csv") if r["id"] == "evil")
    assert row["body"].startswith("'=HYPERLINK(")
    assert row["title"].startswith("<script>window.__xss=1</script>")


@pytest.mark.parametrize("cell, safe", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("plain", "plain"), ("", ""), (None, ""), ("a=b", "a=b"),
])
def test_csv_cells_never_start_a_formula(cell, safe):
    from web.export import safe_cell

    assert safe_cell(cell) == safe


def test_json_export_streams_every_match_up_to_the_limit(client, app):
    data = client.get("/api/search?q=embassy&format=json").get_json()
    assert (data["total"], data["count"]) == (2, 2)
    assert {a["id"] for a in data["articles"]} == {"a1", "a3"}
    assert "content_hash" not in data["articles"][0]
    app.config["SETTINGS"] = app.config["SETTINGS"].with_(max_export=3)
    response = client.get("/api/search?format=json")
    data = response.get_json()
    assert (data["total"], data["count"], len(data["articles"])) == (4, 3, 3)
    assert response.headers["X-Total-Count"] == "4"


# -- API and errors ----------------------------------------------------------------------

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
    ("/api/search?format=xml", 400),
    ("/api/search?format=csv&q=%28", 400),
    ("/api/articles/nope", 404),
    ("/article/nope", 404),
    ("/article/..%2F..%2Fetc%2Fpasswd", 404),
    ("/nothing-here", 404),
])
def test_bad_input_gets_4xx_with_message(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    if url.startswith("/api/"):
        assert response.get_json()["error"]["message"]


def test_healthz_and_article_json(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "articles": 4}
    article = client.get("/api/articles/a1").get_json()
    assert article["title"] == "Rockets hit near embassy" and article["date"] == "2020-01-05"


def test_pages_use_no_inline_script_or_style(client):
    for url in ("/search?q=embassy&outlet=Reuters", "/article/a1?q=embassy", "/nothing"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert not re.search(r"<style|\sstyle=|\son\w+=", page), url
        assert not re.search(r"(src|href)=\"(https?:)?//", page.replace('href="https://', "")), url


def test_missing_index_is_503_not_500(tmp_path):
    from search.config import Settings
    from web import create_app

    client = create_app({"SETTINGS": Settings(index_dir=str(tmp_path / "none"))}).test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503
    assert "newsfacet index" in response.get_json()["error"]["message"]


PREFIXED_PAGES = ("/search?q=embassy&outlet=Reuters&entity=Iraq&per_page=1",
                  "/article/a1?q=embassy", "/entity/Iraq", "/entity/Nobody", "/watches", "/nothing")


@pytest.mark.parametrize("url", PREFIXED_PAGES)
def test_links_keep_the_prefix_the_app_is_mounted_under(client, url):
    """Behind a proxy at /news (SCRIPT_NAME), every link and form stays under /news."""
    page = client.get(url, environ_overrides={"SCRIPT_NAME": "/news"}).get_data(as_text=True)
    targets = re.findall(r'(?:href|action)="(/[^"]*)"', page)
    assert targets and all(t.startswith("/news/") for t in targets), \
        [t for t in targets if not t.startswith("/news/")]


def test_saved_search_redirect_keeps_the_prefix(client):
    token = form_token(client)
    response = client.post("/watches", data={"q": "embassy", "form_token": token},
                           environ_overrides={"SCRIPT_NAME": "/news"})
    assert response.status_code == 303 and response.headers["Location"] == "/news/watches?saved=1"


def test_templates_write_no_url_by_hand():
    from pathlib import Path

    import web

    for template in (Path(web.__file__).parent / "templates").glob("*.html"):
        assert not re.search(r'(href|action)="/', template.read_text()), template.name


# -- paging stops at the last page the server accepts (issue 18) ---------------------------

def test_pager_never_links_past_max_page(engine, settings):
    """4 articles, 1 a page, max_page 2: "page X of 2", and every next link answers 200."""
    import dataclasses
    import html as html_lib

    from web import create_app

    client = create_app({"TESTING": True,
                         "SETTINGS": dataclasses.replace(settings, max_page=2)}).test_client()
    assert client.get("/search?per_page=1&page=3").status_code == 400  # the server's limit
    url, seen = "/search?per_page=1", []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        seen.append(re.search(r"page (\d+) of (\d+)", page).groups())
        assert "only the first 2 pages can be shown" in page
        link = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = html_lib.unescape(link.group(1)) if link else ""
    assert seen == [("1", "2"), ("2", "2")]


def test_pager_without_a_cut_says_nothing_of_it(client):
    page = client.get("/search?per_page=1").get_data(as_text=True)
    assert "page 1 of 4" in page and "pages can be shown" not in page
    last = client.get("/search?per_page=1&page=4").get_data(as_text=True)
    assert 'rel="next"' not in last and 'rel="prev"' in last


# -- dates typed by users: the chip shows the date understood (issue 18) -------------------

@pytest.mark.parametrize("query, chip", [
    ("since=1987-04", "from 1 April 1987"),
    ("until=1987-04", "to 30 April 1987"),
    ("since=13%2F04%2F1987", "from 13 April 1987"),      # 13/04/1987 reads one way only
    ("since=May+2019&until=May+2019", "from 1 May 2019"),
    ("since=May+2019&until=May+2019", "to 31 May 2019"),
])
def test_date_chip_shows_the_date_understood(client, query, chip):
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    texts = [c["text"] for c in parse(response.get_data(as_text=True)).chips]
    assert f"Remove filter {chip} ×" in texts, texts


@pytest.mark.parametrize("value, message", [
    ("1987-13-01", "there is no month 13"),               # not read as 13 January
    ("01%2F04%2F1987", "reads two ways: 1 April 1987 (day/month) or 4 January 1987 (month/day)"),
])
def test_date_that_is_no_date_or_reads_two_ways_is_refused(client, value, message):
    response = client.get(f"/search?since={value}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    texts = [c["text"] for c in parse(page).chips]
    assert any(t.endswith("(not understood) ×") for t in texts), texts
    api = client.get(f"/api/search?since={value}")
    assert api.status_code == 400 and message in api.get_json()["error"]["message"]


def test_a_headline_only_article_is_marked_on_its_card_and_page(engine, app):
    """Issue 18: a record indexed under its title alone says so, on the card and its page."""
    import datetime as dt

    from search.models import Article

    engine.upsert([Article(id="brief", source="wire.jsonl#1", body="",
                           title="U.S. money supply rises 2.1 billion dlrs",
                           date=dt.date(1987, 3, 2))])
    engine.prepare()
    client = app.test_client()
    page = client.get("/search?q=money+supply").get_data(as_text=True)
    card = page[page.index('<li class="hit">'):]
    card = card[:card.index("</li>")]
    assert "U.S. money supply rises 2.1 billion dlrs" in card
    assert "Headline only: the record has no article text" in card
    assert "Headline only" not in client.get("/search?q=embassy").get_data(as_text=True)
    article = client.get("/article/brief")
    assert article.status_code == 200
    assert "Headline only: the record has no article text." in article.get_data(as_text=True)
