"""A facet lists its ``facet_size`` most frequent values (ties broken by name), selected values
always with their true counts: the same answer whether counts are cut early or not."""

from __future__ import annotations

import random

import pytest

from search.config import Settings
from search.engines import open_engine
from search.models import Article, Entity
from search.query import build_request

NAMES = [f"Person {chr(65 + i)}" for i in range(26)]


def _articles() -> list[Article]:
    rng = random.Random(7)
    articles = []
    for n in range(120):
        # Skewed counts with many ties: name i is in about 1/(i+1) of the articles.
        named = [name for i, name in enumerate(NAMES) if rng.random() < 1.2 / (i + 1)]
        articles.append(Article(
            id=f"a{n}", source=f"a{n}.txt", title=f"Story {n}",
            body=f"news report number {n} {'alpha' if n % 3 == 0 else 'beta'}",
            outlet=f"Outlet {n % 7}", entities=tuple(Entity(x, "person") for x in named)))
    return articles


@pytest.fixture(scope="module")
def top_engine(tmp_path_factory):
    settings = Settings(index_dir=str(tmp_path_factory.mktemp("top") / "index"))
    eng = open_engine(settings, create=True)
    eng.upsert(_articles())
    yield eng
    eng.close()


def _listed(top_engine, size: int, entities: tuple[str, ...] = (), query: str = "news"):
    request = build_request(query, entities=entities, facet_size=size)
    return [(v.value, v.count, v.selected) for v in top_engine.search(request).facets["entity"]]


@pytest.mark.parametrize("query", ["news", "report number"])
def test_every_facet_size_lists_the_head_of_the_full_list(top_engine, query):
    full = _listed(top_engine, 10_000, query=query)
    counts = [c for _, c, _ in full]
    assert len(set(counts)) < len(counts), "the corpus must have ties to test the cut"
    for size in range(1, len(full) + 2):
        assert _listed(top_engine, size, query=query) == full[:size]


def test_a_selected_value_past_the_cut_keeps_its_count(top_engine):
    full = dict((v, c) for v, c, _ in _listed(top_engine, 10_000))
    rare = min(full, key=lambda v: (full[v], v))
    listed = _listed(top_engine, 3, entities=(rare.lower(),))
    assert (rare, full[rare], True) in [(v, c, s) for v, c, s in listed]
    assert len(listed) == 4


@pytest.mark.parametrize("query", ["alpha", "beta", "news", "alpha OR beta"])
def test_counts_are_those_of_the_matched_articles(top_engine, query):
    """Counts of a few matched articles and of most of them (two ways of counting) agree with
    the articles themselves."""
    words = set(query.split()) - {"OR"}
    expected: dict[str, int] = {}
    for article in _articles():
        if words & set(article.body.split()):
            for entity in article.entities:
                expected[entity.name] = expected.get(entity.name, 0) + 1
    assert {v: c for v, c, _ in _listed(top_engine, 10_000, query=query)} == expected
