"""The NumPy match sets, facet counts and BM25F ranking agree with Whoosh's own, exactly.

``whoosh_docs`` replaces Whoosh's one-posting-at-a-time matchers on the search path; these
tests build an index of real Reuters articles in several segments, with deleted documents, and
compare every answer with what Whoosh computes by itself: the match set (``q.docs``), the
exhaustive ranking (``searcher.search(limit=None)``, which scores every match), facet counts
recounted article by article, date ranges and date orders.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import numpy as np
import pytest

from bench.corpus import REUTERS, reuters_records
from search.config import Settings
from search.engines import open_engine
from search.engines.analysis import parse_query
from search.models import Article, Entity
from search.query import build_request

pytestmark = pytest.mark.shared(REUTERS)

QUERIES = ["said", "oil", "cocoa", "oil AND prices", "bank AND rates", '"interest rates"',
           '"trade deficit"', "oil OR gold", "oil NOT prices", "NOT oil", "title:oil",
           "oil prices opec", "(oil OR gas) AND prices", "bank NOT (rates OR interest)",
           '"said the" company', "oil^3 prices", "gold OR silver OR copper",
           "oil AND NOT gold AND prices", "title:(oil prices)", "wheat -corn", "yen dollar"]


def _articles(limit: int) -> list[Article]:
    """The first Reuters articles, with places only; every 7th undated, three outlets."""
    out = []
    for n, record in enumerate(reuters_records(REUTERS)[:limit]):
        places = tuple(Entity(**e) for e in record["entities"] if e["type"] == "place")
        out.append(Article(id=record["id"], source=record["id"], title=record["title"],
                           body=record["body"], outlet=("Reuters", "AP", None)[n % 3],
                           date=dt.date.fromisoformat(record["date"]) if n % 7 else None,
                           entities=places))
    return out


@pytest.fixture(scope="module")
def reuters_engine(tmp_path_factory):
    articles = _articles(3000)
    engine = open_engine(Settings(index_dir=str(tmp_path_factory.mktemp("scoring") / "index")),
                         create=True)
    for start in range(0, 3000, 600):  # several segments
        engine.upsert(articles[start:start + 600])
    engine.upsert(articles[::11])  # replaced: deleted docs stay in the segments until a merge
    engine.remove([a.id for a in articles[5::97]])
    yield engine
    engine.close()


def test_index_has_segments_and_deletions(reuters_engine):
    searcher, sets = reuters_engine.current()
    assert len(searcher.leaf_searchers()) > 1
    assert sets.size > sets.live_count == 3000 - len(range(5, 3000, 97))


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_top_ranks_equal_whoosh_exhaustive_scoring(reuters_engine, text):
    searcher, sets = reuters_engine.current()
    parsed = parse_query(text)
    mask, scores = sets.scored(searcher, parsed)
    assert scores is not None, f"{text!r} should be scored without Whoosh"
    theirs = searcher.search(parsed, limit=None)
    assert set(np.flatnonzero(mask).tolist()) == {theirs.docnum(i) for i in range(len(theirs))}
    assert len(theirs) > 0, f"{text!r} matches nothing: the comparison would prove nothing"
    ours = sets.top(scores, mask, 0, 20)
    expected = [(theirs.docnum(i), theirs.score(i)) for i in range(min(20, len(theirs)))]
    assert [d for d, _ in ours] == [d for d, _ in expected]
    assert [round(s, 9) for _, s in ours] == [round(s, 9) for _, s in expected]
    # A later page continues the same order.
    assert sets.top(scores, mask, 10, 20) == ours[10:20]


def test_engine_pages_follow_whoosh_order_under_filters(reuters_engine):
    searcher, _ = reuters_engine.current()
    request = build_request("oil OR prices", entities=["usa"], per_page=5, page=2)
    results = reuters_engine.search(request)
    parsed = parse_query("oil OR prices")
    everything = searcher.search(parsed, limit=None)
    usa = [everything[i] for i in range(len(everything))
           if "place|usa" in {f"{e['type']}|{e['name']}" for e in
                              json.loads(everything[i]["data"])["entities"]}]
    assert results.total == len(usa)
    assert [h.id for h in results.hits] == [hit["id"] for hit in usa[5:10]]


def test_wildcards_and_fuzzy_terms_are_ranked_by_whoosh(reuters_engine):
    searcher, sets = reuters_engine.current()
    for text in ("oil*", "petrol~"):
        parsed = parse_query(text)
        mask, scores = sets.scored(searcher, parsed)
        assert scores is None
        assert set(np.flatnonzero(mask).tolist()) == set(parsed.docs(searcher))
        results = reuters_engine.search(build_request(text))
        assert results.total == len(searcher.search(parsed, limit=None)) > 0


def test_facet_counts_equal_a_recount_article_by_article(reuters_engine):
    searcher, _ = reuters_engine.current()
    results = reuters_engine.search(build_request("oil", facet_size=1000))
    parsed = parse_query("oil")
    entity, outlet, year = Counter(), Counter(), Counter()
    for docnum in parsed.docs(searcher):
        data = json.loads(searcher.stored_fields(docnum)["data"])
        entity.update({e["name"] for e in data["entities"]})  # articles, not mentions
        outlet.update([data["outlet"]] if data["outlet"] else [])
        year.update([data["date"][:4] if data["date"] else "undated"])
    assert {v.value: v.count for v in results.facets["entity"]} == dict(entity)
    assert {v.value: v.count for v in results.facets["outlet"]} == dict(outlet)
    assert {v.value: v.count for v in results.facets["year"]} == dict(year)


def test_date_range_and_date_orders(reuters_engine):
    since, until = dt.date(1987, 3, 5), dt.date(1987, 3, 20)
    every = reuters_engine.search(build_request("", per_page=100, since="1987-03-05",
                                                until="1987-03-20", sort="oldest"))
    stored = [reuters_engine.get(h.id) for h in every.hits]
    assert every.total > 100
    assert all(a.date and since <= a.date <= until for a in stored)
    dates = [a.date for a in stored]
    assert dates == sorted(dates)
    newest = reuters_engine.search(build_request("oil", sort="newest", per_page=100))
    seen = [h.date for h in newest.hits]
    dated = [d for d in seen if d]
    assert dated == sorted(dated, reverse=True)
    assert all(d is None for d in seen[len(dated):]), "undated articles come last"
