"""Engine support for the front end: did-you-mean, more like this, full export, date facets."""

from __future__ import annotations

import datetime as dt

import pytest

from search.errors import ArticleNotFound
from search.models import SearchRequest


@pytest.mark.parametrize("query, suggestion", [
    ("embasy", "embassy"),
    ("Embasy rokets", "Embassy rockets"),        # keeps a capital, fixes every unknown word
    ('"embasy" milita', '"embasy" militia'),     # a quoted phrase is left as typed
    ("embassy", None),                           # known words: nothing to suggest
    ("embass*", None),                           # wildcards and operators are not words
    ("embassy AND rockets", None),
    ("zzzzqqq", None),                           # nothing close in the index
])
def test_suggest_from_index_vocabulary(engine, query, suggestion):
    assert engine.suggest(query) == suggestion


def test_more_like_excludes_the_article_itself(engine):
    hits = engine.more_like("a1", limit=3)
    assert hits and "a1" not in {h.id for h in hits}
    assert "<script>" not in " ".join(h.snippet for h in hits)
    with pytest.raises(ArticleNotFound):
        engine.more_like("nope")


def test_export_gives_every_match_in_order_up_to_the_limit(engine):
    total, articles = engine.export(SearchRequest(sort="oldest", per_page=1), limit=10)
    assert total == 4 and [a.id for a in articles] == ["a3", "a2", "a1", "a4"]
    total, articles = engine.export(SearchRequest(query="embassy", outlets=("Reuters",)), limit=1)
    assert total == 2 and len(list(articles)) == 1
    total, articles = engine.export(SearchRequest(query="nothingmatches"), limit=10)
    assert total == 0 and list(articles) == []


def test_date_range_applies_to_every_facet_count(engine):
    results = engine.search(SearchRequest(since=dt.date(2019, 5, 16)))
    years = {v.value: v.count for v in results.facets["year"]}
    assert results.total == 2 and years == {"2019": 1, "2020": 1}  # no undated, no 2019-05-15
