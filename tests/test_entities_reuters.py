"""Recognised entities on Reuters-21578 (19,771 articles of 1987 news with a body), indexed
without the records' own entity codes, so what shows is what newsfacet found in the text.

Issue 16, acceptance 3: the people, places and organisations of 1987's news are facet values
with counts, and Reuters is not an organisation of its own stories.
"""

from __future__ import annotations

import json

import pytest

from bench.corpus import REUTERS, reuters_records
from search.config import Settings
from search.engines import open_engine
from search.entities import EntityTable
from search.indexing import index_paths
from search.models import SearchRequest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not REUTERS.exists(), reason=f"{REUTERS} is not there")]


@pytest.fixture(scope="module")
def entity_facet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reuters_entities")
    corpus = folder / "reuters.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for record in reuters_records():
            record.pop("entities", None)
            handle.write(json.dumps(record) + "\n")
    engine = open_engine(Settings(index_dir=str(folder / "ix")), create=True)
    try:
        index_paths([str(corpus)], engine, EntityTable.load(None), workers=2)
        results = engine.search(SearchRequest(per_page=1, facet_size=100_000))
    finally:
        engine.close()
    return {(v.value, v.type): v.count for v in results.facets["entity"]}


@pytest.mark.parametrize("name, kind, at_least", [
    ("Ronald Reagan", "person", 50), ("James Baker", "person", 50),
    ("Paul Volcker", "person", 20), ("Brazil", "place", 100), ("Canada", "place", 100),
    ("OPEC", "org", 50)])
def test_the_news_of_1987_is_in_the_entity_facet(entity_facet, name, kind, at_least):
    values = entity_facet
    assert values.get((name, kind), 0) >= at_least, \
        sorted(((n, t, c) for (n, t), c in values.items() if name.split()[-1] in n),
               key=lambda x: -x[2])[:10]


def test_reuters_is_not_an_entity_of_its_own_stories(entity_facet):
    values = entity_facet
    assert not [(n, t) for (n, t) in values if n.casefold() in ("reuters", "reuter")]


def test_the_people_facet_is_1987s(entity_facet):
    values = entity_facet
    people = sorted(((c, n) for (n, t), c in values.items() if t == "person"), reverse=True)
    top = {n for _, n in people[:30]}
    print("\ntop people:", people[:30])
    assert {"Ronald Reagan", "James Baker"} <= top
    assert "Donald Trump" not in top and "Joe Biden" not in top
