"""Facet counts are exact whichever way they are read: through the matched documents, by
value with bitsets for frequent values, or by value stopped early once the top values are
certain. Every way is checked against counts taken straight from the postings, on skewed
values with many ties, selected values past the cut, empty and whole matches, and deleted
documents."""

from __future__ import annotations

import random

import numpy as np
import pytest

from search.config import Settings
from search.engines import open_engine
from search.engines.whoosh import facet_counts
from search.engines.whoosh.facet_counts import FacetPostings, MatchedDocs
from search.models import Article, Entity
from search.query import build_request

SIZE = 3000


def _postings(seed: int, values: int = 300, deleted: float = 0.0):
    """Return (terms, docs, values, live): value i held by about SIZE/(i+1) docs (a few by
    every doc, most by one to ten: many equal frequencies), over live docs only."""
    rng = np.random.default_rng(seed)
    live = rng.random(SIZE) >= deleted
    docs, numbers = [], []
    for value in range(values):
        held = rng.random(SIZE) < min(1.0, 1.5 / (value + 1))
        held &= live
        if held.any():
            docs.append(np.flatnonzero(held))
            numbers.append(np.full(int(held.sum()), len(numbers), dtype=np.int32))
    terms = [f"person|Name {i:03d}" for i in range(len(docs))]
    return terms, np.concatenate(docs), np.concatenate(numbers), live


def _expected(terms, docs, values, mask, top, keep=()):
    """The answer by definition: every value's count from the postings, the values counted at
    least as often as the top-th (all of them when no more than ``top`` are counted), and the
    selected ones with their counts."""
    counts = np.bincount(values[mask[docs]], minlength=len(terms))
    present = [i for i in range(len(terms)) if counts[i] > 0]
    listed = set(present)
    if top is not None and 0 < top < len(present):
        kth = sorted((counts[i] for i in present), reverse=True)[top - 1]
        listed = {i for i in present if counts[i] >= kth}
    chosen = {k.casefold() for k in keep}
    listed |= {i for i in present if terms[i].split("|")[1].casefold() in chosen}
    return {terms[i]: int(counts[i]) for i in listed}


@pytest.fixture(params=["auto", "by doc", "by value"])
def counting_way(request, monkeypatch):
    """Counting forced through the documents, forced by value (with the early stop), or
    left to choose by cost."""
    if request.param == "by doc":
        monkeypatch.setattr(facet_counts, "BY_DOC_COST", 0)
    elif request.param == "by value":
        monkeypatch.setattr(facet_counts, "BY_DOC_COST", 10**9)
    return request.param


def _masks(live, seed: int):
    """Yield matched sets of live docs, from a few to all of them."""
    rng = np.random.default_rng(seed)
    for share in (0.0005, 0.01, 0.1, 0.3, 0.5, 0.7, 0.95, 1.0):
        yield (rng.random(SIZE) < share) & live


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("top", [1, 2, 5, 10, 40, None])
def test_counts_and_cut_match_the_postings(counting_way, seed, top):
    terms, docs, values, live = _postings(seed)
    facet = FacetPostings(terms, docs, values, SIZE)
    for mask in _masks(live, seed):
        got = facet.count(MatchedDocs(mask, live, int(live.sum())), top)
        assert dict(got) == _expected(terms, docs, values, mask, top)


@pytest.mark.parametrize("top", [3, 20])
def test_selected_values_past_the_cut_keep_their_counts(counting_way, top):
    terms, docs, values, live = _postings(4)
    facet = FacetPostings(terms, docs, values, SIZE)
    mask = np.random.default_rng(4).random(SIZE) < 0.4
    keep = ["name 250", "NAME 120", "Name 001", "nobody"]  # rare, rarer, frequent, absent
    got = facet.count(MatchedDocs(mask, live, int(live.sum())), top, keep)
    expected = _expected(terms, docs, values, mask, top, keep)
    assert dict(got) == expected
    assert {"person|Name 250", "person|Name 120"} <= set(expected)  # (past the cut, counted)


def test_ties_at_the_cut_all_come_back(counting_way):
    """Six values held by the same 50 docs, the rest by fewer: with a cut at 2, all six."""
    docs = [np.arange(50)] * 6 + [np.arange(n) for n in (49, 10, 10, 3, 1)]
    terms = [f"v{i}" for i in range(len(docs))]
    values = np.concatenate([np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs)])
    facet = FacetPostings(terms, np.concatenate(docs), values, 100)
    live = np.ones(100, dtype=bool)
    matched = MatchedDocs(np.arange(100) < 60, live, 100)
    assert facet.count(matched, 2) == {f"v{i}": 50 for i in range(6)}
    assert facet.count(matched, 7) == {**{f"v{i}": 50 for i in range(6)}, "v6": 49}
    # A value held by as many docs as the cut's count, all matched, ties with it.
    facet = FacetPostings(terms[:3], np.concatenate([np.arange(60), np.arange(30),
                                                     np.arange(30, 60)]),
                          np.repeat(np.arange(3, dtype=np.int32), [60, 30, 30]), 100)
    assert facet.count(matched, 2) == {"v0": 60, "v1": 30, "v2": 30}


def test_a_value_not_yet_counted_can_tie_with_the_cut(counting_way):
    """Three frequent values not matched, then rare ones held by 45, 40, 40 and 40 docs, all
    matched: counted by value, the first pass stops inside the run of 40s, where the value
    left (40 docs) could still equal the third count (40), so counting goes on."""
    size = 6400
    docs = [np.arange(400, size)] * 3 + [np.arange(45), np.arange(40), np.arange(50, 90),
                                         np.arange(100, 140)]
    terms = ["d0", "d1", "d2", "s3", "s4", "s5", "s6"]
    values = np.concatenate([np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs)])
    facet = FacetPostings(terms, np.concatenate(docs), values, size)
    live = np.ones(size, dtype=bool)
    matched = MatchedDocs(np.arange(size) < 400, live, size)
    assert facet.count(matched, 3) == {"s3": 45, "s4": 40, "s5": 40, "s6": 40}


def test_empty_and_whole_matches(counting_way):
    terms, docs, values, live = _postings(5, deleted=0.2)
    facet = FacetPostings(terms, docs, values, SIZE)
    count = int(live.sum())
    assert facet.count(MatchedDocs(np.zeros(SIZE, dtype=bool), live, count), 5,
                       ["name 001"]) == {}
    whole = facet.count(MatchedDocs(live, live, count), 5)  # the live set itself: totals
    assert dict(whole) == _expected(terms, docs, values, live, 5)
    again = facet.count(MatchedDocs(live.copy(), live, count), 5)  # the same docs, counted
    assert again == whole


@pytest.mark.parametrize("deleted", [0.1, 0.6])
def test_deleted_docs_are_not_counted(counting_way, deleted):
    """Docnums run past the live docs: counting the docs left out of a large match must not
    take deleted ones away from the totals."""
    terms, docs, values, live = _postings(6, deleted=deleted)
    facet = FacetPostings(terms, docs, values, SIZE)
    for mask in _masks(live, 6):
        got = facet.count(MatchedDocs(mask, live, int(live.sum())), 10)
        assert dict(got) == _expected(terms, docs, values, mask, 10)


def test_a_large_match_stops_before_the_rare_values(monkeypatch):
    """The early stop is taken (the test above would pass without it): half the docs matched
    decide the top 10 from the frequent values alone, and the answer is still exact."""
    terms, docs, values, live = _postings(7)
    facet = FacetPostings(terms, docs, values, SIZE)
    mask = np.random.default_rng(7).random(SIZE) < 0.5
    monkeypatch.setattr(facet_counts, "BY_DOC_COST", 10**9)
    numbers, _ = facet._by_value_counts(MatchedDocs(mask, live, SIZE), 10)
    assert len(numbers) < len(terms) // 2
    assert dict(facet.count(MatchedDocs(mask, live, SIZE), 10)) == _expected(
        terms, docs, values, mask, 10)


def test_popcounts_without_numpy_2(monkeypatch, counting_way):
    """NumPy 1.26 (allowed by pyproject) has no ``bitwise_count``: a table of byte counts."""
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    terms, docs, values, live = _postings(8)
    facet = FacetPostings(terms, docs, values, SIZE)
    mask = np.random.default_rng(8).random(SIZE) < 0.5
    assert dict(facet.count(MatchedDocs(mask, live, SIZE), 10)) == _expected(
        terms, docs, values, mask, 10)


def _skewed_articles() -> list[Article]:
    rng = random.Random(11)
    names = [f"Person {i:02d}" for i in range(40)]
    out = []
    for n in range(300):
        named = [name for i, name in enumerate(names) if rng.random() < 1.5 / (i + 1)]
        out.append(Article(id=f"a{n}", source=f"a{n}.txt", title=f"Story {n}",
                           body=f"report {'alpha' if n % 4 else 'beta'} {n}",
                           outlet=f"Outlet {n % 3}",
                           entities=tuple(Entity(x, "person") for x in named)))
    return out


def test_an_index_with_deleted_articles_counts_only_the_live_ones(tmp_path, monkeypatch):
    """Removed articles stay in the segments as deleted docs until a merge: the sidebar
    counts (entities cut at 5, outlets) are those of the articles still indexed, whichever
    way they are counted."""
    articles = _skewed_articles()
    engine = open_engine(Settings(index_dir=str(tmp_path / "index")), create=True)
    try:
        engine.upsert(articles)
        removed = {f"a{n}" for n in range(0, 300, 3)}
        assert engine.remove(removed) == len(removed)
        kept = [a for a in articles if a.id not in removed]
        for query in ("report", "beta", "alpha"):
            matched = [a for a in kept if query in a.body]
            entities: dict[str, int] = {}
            outlets: dict[str, int] = {}
            for a in matched:
                for e in a.entities:
                    entities[e.name] = entities.get(e.name, 0) + 1
                outlets[a.outlet] = outlets.get(a.outlet, 0) + 1
            listed = sorted(entities.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            for cost in (0, 10**9):  # through the docs, by value
                monkeypatch.setattr(facet_counts, "BY_DOC_COST", cost)
                results = engine.search(build_request(query, facet_size=5))
                assert results.total == len(matched)
                assert [(v.value, v.count) for v in results.facets["entity"]] == listed
                assert {v.value: v.count for v in results.facets["outlet"]} == outlets
    finally:
        engine.close()


def test_values_come_in_term_order_whichever_way_they_are_counted(counting_way):
    """Values of equal count and name (an entity of two types) are listed in the order they
    come: by term, as the engines' parity test expects, not by frequency."""
    size = 6400
    docs = [np.arange(300), np.arange(200, 6400), np.arange(100)]  # org, place, person
    terms = ["org|Georgia", "place|Georgia", "person|Other"]
    values = np.concatenate([np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs)])
    facet = FacetPostings(terms, np.concatenate(docs), values, size)
    live = np.ones(size, dtype=bool)
    matched = MatchedDocs((np.arange(size) >= 200) & (np.arange(size) < 300), live, size)
    assert list(facet.count(matched, 2).items()) == [("org|Georgia", 100),
                                                      ("place|Georgia", 100)]
