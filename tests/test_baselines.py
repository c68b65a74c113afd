"""The speed benchmark's baselines answer the same questions as newsfacet: on a few records,
SQLite FTS5 and tantivy agree on what matches each query of the benchmark's kinds, on every
facet count over the whole matched set, and both mark the words in their snippets."""

from __future__ import annotations

import json

import pytest

from bench.baselines import Tantivy, build_fts5, fts5_search

RECORDS = [
    {"id": "r1", "title": "Oil prices rise", "date": "1987-03-02", "outlet": "Reuters",
     "body": "Oil prices rose on Monday as interest rates fell in the United States.",
     "entities": [{"name": "usa", "type": "place"}]},
    {"id": "r2", "title": "Japan trade", "date": "1987-03-05", "outlet": "Reuters",
     "body": "The trade deficit of Japan widened as oil imports grew.",
     "entities": [{"name": "japan", "type": "place"}, {"name": "usa", "type": "place"}]},
    {"id": "r3", "title": "Coffee quotas", "date": "1987-04-01", "outlet": "AP",
     "body": "Coffee producers discussed export quotas; oil was not mentioned by the bank.",
     "entities": [{"name": "brazil", "type": "place"}]},
    {"id": "r4", "title": "Bank rates", "date": None, "outlet": None,
     "body": "The central bank kept interest rates unchanged.", "entities": []},
    # More oil than one page of ten hits: facet counts must cover every match, not the page.
    *({"id": f"w{n}", "title": f"Oil shipment {n}", "date": f"1986-{n % 12 + 1:02d}-10",
       "outlet": ["Reuters", "AP", "AFP"][n % 3], "body": f"Oil tanker {n} sailed from the gulf.",
       "entities": [{"name": ["usa", "iran"][n % 2], "type": "place"}]} for n in range(12)),
]
CASES = [
    ("oil", {}), ("oil", {"entity": ["usa"]}), ("oil", {"entity": ["japan"], "month": ["1987-03"]}),
    ("oil AND prices", {}), ('"interest rates"', {}), ("bank", {}),
    ("coffee", {"month": ["1987-04"]}), ("zinc", {}),  # the last: nothing matches
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The records as an FTS5 database and a tantivy index."""
    folder = tmp_path_factory.mktemp("baselines")
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return build_fts5(corpus, folder / "fts5.db"), Tantivy.build(corpus, folder / "tantivy")


@pytest.mark.parametrize("text, filters", CASES)
def test_tantivy_and_fts5_agree_on_matches_and_facet_counts(built, text, filters):
    fts_db, fast_index = built
    fts, fast = fts5_search(fts_db, text, filters), fast_index.search(text, filters)
    assert fast["total"] == fts["total"]
    if fts["total"] <= 10:  # a full page: the same hits (beyond, ties may order differently)
        assert {h[0] for h in fast["hits"]} == {h[0] for h in fts["hits"]}
    else:
        assert len(fast["hits"]) == len(fts["hits"]) == 10
    for name in Tantivy.FACETS:
        assert fast["facets"][name] == {k: v for k, v in fts["facets"][name] if k}, name


def test_tantivy_snippets_mark_the_words(built):
    found = built[1].search('"interest rates"', {})
    assert [h[0] for h in found["hits"]] in (["r1", "r4"], ["r4", "r1"])
    assert all("<b>interest</b> <b>rates</b>" in h[2] for h in found["hits"])
