"""The Whoosh engine's own cases: updates and replacement across segments and writers.

Ranking, filters, facets, snippets, sorting and paging are the `Engine` protocol's cases, run
on every engine by tests/test_engine_conformance.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from search.engines import open_engine
from search.errors import IndexMissing
from search.models import SearchRequest

from .conftest import ARTICLES


def test_update_replaces_without_duplicates_while_searcher_open(engine):
    assert engine.search(SearchRequest(query="rockets")).total == 1
    # Many commits force segment merges; a long-lived searcher must not see old copies.
    for n in range(12):
        changed = dataclasses.replace(ARTICLES[0], body=f"Rockets again, version {n}.")
        engine.upsert([changed])
    results = engine.search(SearchRequest(query="rockets"))
    assert results.total == 1
    assert engine.count() == 4
    assert "version 11" in engine.get("a1").body


def test_missing_index_says_what_to_do(tmp_path, settings):
    with pytest.raises(IndexMissing, match="newsfacet index"):
        open_engine(settings)


def test_upsert_replaces_an_article_another_writer_added_meanwhile(settings, engine):
    """The indexer skips the delete for ids absent at its start; a commit by another process
    in between must not leave two copies."""
    from dataclasses import replace

    first = open_engine(settings)
    assert "a5" not in first.hashes()
    other = open_engine(settings)
    other.upsert([replace(ARTICLES[0], id="a5", title="Written by another process")])
    other.close()
    first.upsert([replace(ARTICLES[0], id="a5", title="Written by the indexer")])
    first.upsert([replace(ARTICLES[1], id="a6")])
    assert first.count() == len(ARTICLES) + 2
    assert first.get("a5").title == "Written by the indexer"
    first.close()


def test_upsert_of_known_ids_replaces_them(settings, engine):
    from dataclasses import replace

    assert set(engine.hashes()) == {a.id for a in ARTICLES}
    engine.upsert([replace(ARTICLES[0], title="Changed"), replace(ARTICLES[1], id="new")])
    engine.upsert([replace(ARTICLES[1], id="new", title="Changed again")])
    assert engine.count() == len(ARTICLES) + 1
    assert engine.get("a1").title == "Changed" and engine.get("new").title == "Changed again"


def test_upsert_after_segments_were_merged_replaces_not_duplicates(settings, engine):
    from dataclasses import replace

    for n in range(3):  # several segments, then one merged segment the engine has not seen
        engine.upsert([replace(ARTICLES[1], id=f"extra{n}")])
    engine.upsert([replace(ARTICLES[0], title="Before the merge")])
    engine._index.optimize()
    engine.upsert([replace(ARTICLES[0], title="After the merge"), replace(ARTICLES[2], id="x")])
    assert engine.count() == len(ARTICLES) + 4
    assert engine.get("a1").title == "After the merge"
