"""The NumPy match sets and facet counts agree with Whoosh's own; the scores are BM25F.

``engines/whoosh/docs.py`` replaces Whoosh's one-posting-at-a-time matchers on the search path;
these tests build an index of real Reuters articles in several segments, with deleted documents, and
compare every match set with what Whoosh computes by itself (``q.docs``), facet counts with a
recount article by article, date ranges and date orders with the stored dates. The scores are
compared with a BM25F written out here from Robertson and Zaragoza's definition and computed
from the stored text (stems counted per field, lengths as the index rounds them): field
frequencies weighted and length-normalised per field, added, saturated once, times
Robertson/Spärck Jones's idf over the articles holding the word in any searched field.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter

import numpy as np
import pytest

from bench.corpus import REUTERS, reuters_records
from search.config import Settings
from search.engines import bm25f, open_engine
from search.engines.analysis import ANALYZER, parse_query
from search.models import Article, Entity
from search.query import build_request

pytestmark = pytest.mark.shared(REUTERS)

BOTH = {"title": 2.0, "body": 1.0}  # a plain word: the parser's field boosts
TITLE = {"title": 1.0}
# Each query and the words its score adds up: (word, field weights, multiplier). Phrases add
# their words (where the phrase occurs); NOT parts add nothing.
QUERIES = [
    ("said", [("said", BOTH, 1)]),
    ("oil", [("oil", BOTH, 1)]),
    ("cocoa", [("cocoa", BOTH, 1)]),
    ("oil AND prices", [("oil", BOTH, 1), ("prices", BOTH, 1)]),
    ("bank AND rates", [("bank", BOTH, 1), ("rates", BOTH, 1)]),
    ('"interest rates"', [("interest", BOTH, 1), ("rates", BOTH, 1)]),
    ('"trade deficit"', [("trade", BOTH, 1), ("deficit", BOTH, 1)]),
    ("oil OR gold", [("oil", BOTH, 1), ("gold", BOTH, 1)]),
    ("oil NOT prices", [("oil", BOTH, 1)]),
    ("title:oil", [("oil", TITLE, 1)]),
    ("oil prices opec", [("oil", BOTH, 1), ("prices", BOTH, 1), ("opec", BOTH, 1)]),
    ("(oil OR gas) AND prices", [("oil", BOTH, 1), ("gas", BOTH, 1), ("prices", BOTH, 1)]),
    ("bank NOT (rates OR interest)", [("bank", BOTH, 1)]),
    ('"said the" company', [("said", BOTH, 1), ("the", BOTH, 1), ("company", BOTH, 1)]),
    ("oil^3 prices", [("oil", BOTH, 3), ("prices", BOTH, 1)]),
    ("gold OR silver OR copper", [("gold", BOTH, 1), ("silver", BOTH, 1), ("copper", BOTH, 1)]),
    ("oil AND NOT gold AND prices", [("oil", BOTH, 1), ("prices", BOTH, 1)]),
    ("title:(oil prices)", [("oil", TITLE, 1), ("prices", TITLE, 1)]),
    ("wheat -corn", [("wheat", BOTH, 1), ("corn", BOTH, 1)]),
    ("yen dollar", [("yen", BOTH, 1), ("dollar", BOTH, 1)]),
]


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


class ReferenceBM25F:
    """BM25F from the stored text of every stored article (deleted ones too: the index's
    statistics count them until a merge drops them)."""

    def __init__(self, searcher) -> None:
        from whoosh.util.numeric import byte_to_length, length_to_byte

        self.n = searcher.reader().doc_count_all()
        self.tf: dict[str, list[Counter]] = {"title": [], "body": []}
        self.length: dict[str, list[int]] = {"title": [], "body": []}
        total = Counter()
        for docnum in range(self.n):
            stored = searcher.stored_fields(docnum)
            for field in ("title", "body"):
                stems = [t.text for t in ANALYZER(stored.get(field) or "")]
                self.tf[field].append(Counter(stems))
                total[field] += len(stems)
                # The index keeps a field's length in one byte, as Whoosh rounds it.
                self.length[field].append(byte_to_length(length_to_byte(len(stems)))
                                          if stems else 0)
        self.avg = {field: total[field] / self.n for field in ("title", "body")}

    def word(self, word: str, weights: dict[str, float]) -> list[float]:
        """Return every doc's BM25F score for one word over the weighted fields."""
        stem = [t.text for t in ANALYZER(word)][0]
        df = sum(1 for d in range(self.n) if any(self.tf[f][d][stem] for f in weights))
        idf = max(math.log((self.n - df + 0.5) / (df + 0.5)), 1e-6)
        scores = []
        for d in range(self.n):
            tf = sum(w * self.tf[f][d][stem]
                     / ((1 - bm25f.B[f]) + bm25f.B[f] * self.length[f][d] / self.avg[f])
                     for f, w in weights.items())
            scores.append(idf * tf * (bm25f.K1 + 1) / (bm25f.K1 + tf))
        return scores


@pytest.fixture(scope="module")
def reference(reuters_engine):
    searcher, _ = reuters_engine.current()
    return ReferenceBM25F(searcher)


@pytest.mark.parametrize("text, parts", QUERIES, ids=[q for q, _ in QUERIES])
def test_matches_equal_whoosh_and_scores_equal_reference_bm25f(reuters_engine, reference,
                                                                 text, parts):
    searcher, sets = reuters_engine.current()
    parsed = parse_query(text)
    mask, scores = sets.scored(searcher, parsed)
    assert scores is not None, f"{text!r} should be scored without Whoosh"
    matched = set(parsed.docs(searcher)) - {d for d in range(sets.size) if not sets.live[d]}
    assert set(np.flatnonzero(mask).tolist()) == matched
    assert len(matched) >= 5, f"{text!r} matches too little: the comparison would prove little"
    expected = [0.0] * reference.n
    for word, weights, multiplier in parts:
        for d, score in enumerate(reference.word(word, weights)):
            expected[d] += multiplier * score
    best = sorted(matched, key=lambda d: (-expected[d], d))[:20]
    ours = sets.top(scores, mask, 0, 20)
    assert [d for d, _ in ours] == best
    assert [s for _, s in ours] == pytest.approx([expected[d] for d in best], rel=1e-9)
    assert sets.top(scores, mask, 10, 20) == ours[10:20]  # a later page continues the order


@pytest.mark.parametrize("text", ["said", "oil", "title:oil", "oil AND prices",
                                  '"interest rates" OR oil^2', "said NOT oil"])
def test_a_word_scored_again_from_the_cache_ranks_to_the_last_bit_the_same(reuters_engine, text):
    """Each word's scores, and from the second query on their order, are kept between queries:
    later answers are the first, exactly, on every page and under a filter."""
    searcher, sets = reuters_engine.current()
    sets.clear_cache()
    odd = np.zeros(sets.size, dtype=bool)
    odd[1::2] = True  # a filter that leaves out half of the best docs
    answers = []
    for _ in range(3):
        mask, scores = sets.scored(searcher, parse_query(text))
        answers.append([sets.top(scores, mask, 0, 50), sets.top(scores, mask, 10, 20),
                        sets.top(scores, mask & odd, 0, 10)])
    first = answers[0]
    assert len(first[0]) == 50 and first[1] == first[0][10:20]
    assert first[2] and all(d % 2 for d, _ in first[2])
    assert answers[1] == first and answers[2] == first


def test_not_adds_nothing_to_the_score(reuters_engine):
    searcher, sets = reuters_engine.current()
    mask, scores = sets.scored(searcher, parse_query("NOT oil"))
    assert scores is not None and mask.sum() > 1000
    ranked = sets.top(scores, mask, 0, int(mask.sum()))
    assert len(ranked) == mask.sum()  # every match ranked, none left out for want of a score
    assert {s for _, s in ranked} == {0.0}


def test_engine_pages_follow_bm25f_order_under_filters(reuters_engine, reference):
    searcher, sets = reuters_engine.current()
    request = build_request("oil OR prices", entities=["usa"], per_page=5, page=2)
    results = reuters_engine.search(request)
    parsed = parse_query("oil OR prices")
    expected = [a + b for a, b in zip(reference.word("oil", BOTH), reference.word("prices", BOTH),
                                      strict=True)]
    usa = [d for d in parsed.docs(searcher) if sets.live[d] and "place|usa" in
           {f"{e['type']}|{e['name']}" for e in
            json.loads(searcher.stored_fields(d)["data"])["entities"]}]
    usa.sort(key=lambda d: (-expected[d], d))
    assert results.total == len(usa)
    assert [h.id for h in results.hits] == [searcher.stored_fields(d)["id"] for d in usa[5:10]]


def test_wildcards_and_fuzzy_terms_are_ranked_by_whoosh(reuters_engine):
    searcher, sets = reuters_engine.current()
    for text in ("oil*", "petrol~"):
        parsed = parse_query(text)
        mask, scores = sets.scored(searcher, parsed)
        assert scores is None
        assert set(np.flatnonzero(mask).tolist()) == set(parsed.docs(searcher))
        results = reuters_engine.search(build_request(text))
        assert results.total == len(searcher.search(parsed, limit=None)) > 0


@pytest.mark.parametrize("text", ["oil", "said"])  # "said": most articles, counted apart
def test_facet_counts_equal_a_recount_article_by_article(reuters_engine, text):
    searcher, _ = reuters_engine.current()
    results = reuters_engine.search(build_request(text, facet_size=10_000))
    parsed = parse_query(text)
    if text == "said":
        assert 2 * results.total > searcher.doc_count()
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
