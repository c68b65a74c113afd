"""Saving the current search from the web page: the form, its cross-site guard, the list."""

from __future__ import annotations

import dataclasses
import re

import pytest

from search.config import Settings
from search.watches import list_watches

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client, url="/search?q=embassy") -> str:
    page = client.get(url).get_data(as_text=True)
    return TOKEN.search(page).group(1)


def test_search_page_offers_to_save_the_current_search(client):
    response = client.get("/search?q=embassy&entity=PMF&outlet=Reuters&since=2019-01-01")
    page = response.get_data(as_text=True)
    form = page[page.index('<form class="watch"'):]
    form = form[:form.index("</form>")]
    assert 'method="post" action="/watches"' in form
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert (fields["q"] == "embassy" and fields["outlet"] == "Reuters"
            and fields["since"] == "2019-01-01")
    assert fields["entity"] == "PMF"  # as given: resolved again whenever the search runs
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("newsfacet_form=") and len(fields["form_token"]) == 43
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_saving_and_removing_a_search(client, settings):
    token = form_token(client)
    response = client.post("/watches", data={"form_token": token, "q": "embassy",
                                             "entity": ["Kataib Hezbollah", "PMF"],
                                             "since": "2019"})
    assert response.status_code == 303 and response.headers["Location"] == "/watches?saved=1"
    [watch] = list_watches(settings.index_dir)
    assert (watch.query, watch.filters) == ("embassy", {"entity": ("Kataib Hezbollah", "PMF"),
                                                        "since": "2019"})
    page = client.get("/watches?saved=1").get_data(as_text=True)
    assert "Saved as search 1." in page
    assert ('href="/search?q=embassy&amp;entity=Kataib+Hezbollah&amp;entity=PMF&amp;since=2019"'
            in page)
    removed = client.post("/watches/1/remove", data={"form_token": token})
    assert removed.status_code == 303
    assert list_watches(settings.index_dir) == []
    assert client.post("/watches/1/remove", data={"form_token": token}).status_code == 404


@pytest.mark.parametrize("make_request", [
    lambda c, t: c.post("/watches", data={"q": "embassy"}),  # no token in the form
    lambda c, t: c.post("/watches", data={"q": "embassy", "form_token": t + "x"}),
    lambda c,
    t: (c.delete_cookie("newsfacet_form"), c.post("/watches", data={"q": "x", "form_token": t}))[1],
])
def test_posts_without_the_matching_token_are_refused(client, settings, make_request):
    token = form_token(client)
    response = make_request(client, token)
    assert response.status_code == 400
    assert "this form has expired or did not come from this site" in response.get_data(as_text=True)
    assert list_watches(settings.index_dir) == []


def test_a_search_that_cannot_run_is_not_saved(client, settings):
    token = form_token(client)
    response = client.post("/watches", data={"form_token": token, "q": '"unbalanced'})
    assert response.status_code == 400
    assert "unbalanced quotes" in response.get_data(as_text=True)
    assert list_watches(settings.index_dir) == []


def test_saved_searches_are_escaped(client):
    token = form_token(client)
    client.post("/watches", data={"form_token": token, "q": "<script>alert(1)</script>"})
    page = client.get("/watches").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_access_token_still_applies_to_posts(engine, settings):
    from web import create_app

    locked = dataclasses.replace(settings, access_token="s3cret")
    client = create_app({"TESTING": True, "SETTINGS": locked}).test_client()
    assert client.post("/watches", data={"q": "x"}).status_code == 401
    assert client.get("/watches").status_code == 401


def test_article_page_shows_the_crawl_date(engine, client):
    from search.models import Article

    engine.upsert([Article(id="c1", source="https://news.example.org/c1", body="Crawled text here.",
                           title="Crawled", crawl_date="2020-01-02T03:04:05Z")])
    page = client.get("/article/c1").get_data(as_text=True)
    assert '<dt>Crawled</dt><dd><time datetime="2020-01-02T03:04:05Z">' in page
    api = client.get("/api/articles/c1").get_json()
    assert (api["crawl_date"], api["date"]) == ("2020-01-02T03:04:05Z", None)


def test_no_index_needed_to_list_saved_searches(tmp_path):
    from web import create_app

    client = create_app({"TESTING": True,
                         "SETTINGS": Settings(index_dir=str(tmp_path / "none"))}).test_client()
    assert client.get("/watches").status_code == 200
