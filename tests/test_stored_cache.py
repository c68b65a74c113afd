"""Decoded articles and story copies are kept per index generation (``engines/whoosh/articles.py``):
answers read through the caches are the ones read from disk, and a new generation never shows
what an older one decoded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest
from whoosh import index

from search.engines import open_engine
from search.engines.results import story_copy
from search.engines.stored import decode_article, decode_copy, encode_data
from search.engines.whoosh import articles
from search.models import Article, Entity
from search.query import build_request


def _copy(n: int, title: str, date: dt.date | None = dt.date(2020, 1, 3)) -> Article:
    return Article(id=f"copy{n}", source=f"wire/{n}.txt", title=title, outlet=f"Outlet {n}",
                   body=f"Cocoa growers in Ghana met on Friday, report {n} said.", date=date,
                   entities=(Entity("Ghana", "place"),), story="story-1")


def _stored(article: Article) -> dict:
    return {"id": article.id, "source": article.source, "title": article.title or "",
            "body": article.body, "data": encode_data(article)}


@pytest.mark.parametrize("article", [
    _copy(1, "Cocoa talks"),
    _copy(2, "", date=None),
    Article(id="bad\ud800", source="s\udfff.txt", body="x", title="t\ud801",
            outlet="Out\ud802let", entities=(Entity("E\ud803", "place"),)),
])
def test_a_copy_decodes_as_the_article_lists_it(article):
    stored = _stored(article)
    assert decode_copy(stored) == story_copy(decode_article(stored))


def test_a_new_generation_never_shows_what_an_older_one_decoded(settings):
    engine = open_engine(settings, create=True)
    engine.upsert([_copy(n, f"Cocoa talks {n}") for n in range(3)])
    before = engine.search(build_request("cocoa"))
    assert {c.title for h in before.hits for c in h.also_in} == {f"Cocoa talks {n}"
                                                                 for n in range(3)}
    engine.upsert([_copy(n, f"Cocoa talks {n} revised") for n in range(3)])
    engine.search(build_request("cocoa"))
    merged = index.open_dir(settings.index_dir)  # one segment: the new copies take docnums 0-2
    merged.optimize()
    merged.close()
    after = engine.search(build_request("cocoa"))
    assert {h.title for h in after.hits} == {f"Cocoa talks {n} revised" for n in range(3)}
    assert {c.title for h in after.hits for c in h.also_in} == {f"Cocoa talks {n} revised"
                                                                for n in range(3)}
    engine.close()


def test_answers_through_the_caches_are_those_read_from_disk(settings, monkeypatch):
    monkeypatch.setattr(articles, "ARTICLES", 2)  # smaller than a page: evictions on the way
    monkeypatch.setattr(articles, "COPIES", 3)
    engine = open_engine(settings, create=True)
    engine.upsert([_copy(n, f"Cocoa talks {n}") for n in range(6)])
    request = build_request("cocoa growers")
    cold = engine.search(request)
    warm = engine.search(request)
    engine.clear_caches()
    again = engine.search(request)
    assert cold == warm == again
    assert len(cold.hits) == 6 and all(h.copies == 6 and len(h.also_in) == 5 for h in cold.hits)
    engine.close()


def test_an_index_built_again_in_its_folder_never_shows_the_old_text(settings):
    """A server keeps its caches while the folder's index is removed and built again: the new
    index reaches the same generation number, but its segments are new, so nothing decoded
    from the old one is shown (nor its facet arrays counted)."""
    first = open_engine(settings, create=True)
    first.upsert([_copy(n, f"Cocoa talks {n}") for n in range(3)])
    assert {h.title for h in first.search(build_request("cocoa")).hits} == \
        {f"Cocoa talks {n}" for n in range(3)}
    first.close()
    shutil.rmtree(settings.index_dir)
    second = open_engine(settings, create=True)
    second.upsert([dataclasses.replace(_copy(n, f"Coffee quotas {n}"), outlet="Wire")
                   for n in range(3)])
    after = second.search(build_request("cocoa"))
    assert {h.title for h in after.hits} == {f"Coffee quotas {n}" for n in range(3)}
    assert {c.title for h in after.hits for c in h.also_in} == {f"Coffee quotas {n}"
                                                                for n in range(3)}
    assert {v.value: v.count for v in after.facets["outlet"]} == {"Wire": 3}
    second.close()
