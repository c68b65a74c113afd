"""The Whoosh engine: ranking, filters, disjunctive facets, snippets, sorting and updates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from search.engines import open_engine
from search.errors import ArticleNotFound, IndexMissing, QueryError
from search.models import SearchRequest

from .conftest import ARTICLES, facet_counts as facet, hit_ids as ids


def test_keyword_search_ranks_and_counts(engine):
    results = engine.search(SearchRequest(query="embassy"))
    assert results.total == 2
    assert ids(results) == {"a1", "a3"}
    assert all(h.score and h.score > 0 for h in results.hits)


def test_title_match_outranks_body_match(engine):
    engine.upsert([dataclasses.replace(ARTICLES[3], id="b1", title="Baghdad embassy",
                                       body="A short note."),
                   dataclasses.replace(ARTICLES[3], id="b2", title="A short note",
                                       body="Baghdad embassy.")])
    hits = engine.search(SearchRequest(query="baghdad embassy")).hits
    assert hits[0].id == "b1"


@pytest.mark.parametrize("query, expected", [
    ("embassy", {"a1", "a3"}),
    ("embassies", {"a1", "a3"}),                  # stemming
    ('"popular mobilization forces"', {"a2"}),    # phrase
    ("title:embassy", {"a1", "a3"}),
    ("embassy NOT staff", {"a1"}),
    ('embassy NOT "staff left"', {"a1"}),           # excluding a phrase
    ("rockets OR militias", {"a1", "a2", "a4"}),  # militias stems to militia
    ("emb*", {"a1", "a3"}),                        # wildcard
    ("embasy~", {"a1", "a3"}),                     # fuzzy
    ("militia", {"a4", "a2"}),
])
def test_query_syntax(engine, query, expected):
    assert ids(engine.search(SearchRequest(query=query))) == expected


def test_filters_or_within_and_across(engine):
    either = engine.search(SearchRequest(entities=("Kataib Hezbollah", "Asaib Ahl al-Haq")))
    assert ids(either) == {"a1", "a2", "a3"}
    both = engine.search(SearchRequest(entities=("Kataib Hezbollah",), outlets=("Reuters",),
                                       years=("2019",)))
    assert ids(both) == {"a3"}


def test_entity_and_outlet_filters_ignore_case(engine):
    assert ids(engine.search(SearchRequest(entities=("kataib hezbollah",)))) == {"a1", "a3"}
    assert ids(engine.search(SearchRequest(outlets=("reuters",)))) == {"a1", "a3"}


def test_facet_counts_ignore_own_selection(engine):
    results = engine.search(SearchRequest(outlets=("AFP",)))
    assert results.total == 1
    # Other outlets keep their counts, so the user can widen the selection.
    assert facet(results, "outlet") == {"Reuters": 2, "AFP": 1}
    assert [v.selected for v in results.facets["outlet"] if v.value == "AFP"] == [True]
    # Other facets are narrowed by the outlet selection.
    assert facet(results, "entity") == {"Popular Mobilization Forces": 1, "Asaib Ahl al-Haq": 1}


def test_facets_count_articles_and_undated(engine):
    results = engine.search(SearchRequest())
    assert results.total == 4
    assert facet(results, "year") == {"2019": 2, "2020": 1, "undated": 1}
    assert facet(results, "month") == {"2019-05": 2, "2020-01": 1, "undated": 1}
    types = {v.value: v.type for v in results.facets["entity"]}
    assert types["Kataib Hezbollah"] == "group" and types["Iraq"] == "place"
    counts = [v.count for v in results.facets["entity"]]
    assert counts == sorted(counts, reverse=True)


def test_undated_is_selectable(engine):
    assert ids(engine.search(SearchRequest(years=("undated",)))) == {"a4"}


def test_date_range(engine):
    request = SearchRequest(since=dt.date(2019, 5, 16), until=dt.date(2020, 1, 31))
    assert ids(engine.search(request)) == {"a1", "a2"}


@pytest.mark.parametrize("sort, order", [
    ("newest", ["a1", "a2", "a3", "a4"]),
    ("oldest", ["a3", "a2", "a1", "a4"]),   # undated last both ways
])
def test_sort_by_date(engine, sort, order):
    assert [h.id for h in engine.search(SearchRequest(sort=sort)).hits] == order


def test_pages(engine):
    first = engine.search(SearchRequest(sort="oldest", per_page=3))
    second = engine.search(SearchRequest(sort="oldest", per_page=3, page=2))
    assert [h.id for h in first.hits] == ["a3", "a2", "a1"]
    assert [h.id for h in second.hits] == ["a4"]
    assert first.pages == 2
    assert engine.search(SearchRequest(page=9)).hits == ()


def test_snippets_mark_matches_and_escape_text(engine):
    hit = engine.search(SearchRequest(query="staff")).hits[0]
    assert "<mark>Staff</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in hit.snippet


def test_snippet_without_query_is_lead(engine):
    hit = engine.search(SearchRequest(years=("undated",))).hits[0]
    assert hit.snippet.startswith("An analysis of militia")


@pytest.mark.parametrize("query", ['"unbalanced', "(embassy", "embassy)", "AND", "embassy AND",
                                   "OR embassy", "foo:bar", "!!!"])
def test_bad_queries_raise(engine, query):
    with pytest.raises(QueryError):
        engine.search(SearchRequest(query=query))


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


def test_remove_and_get(engine):
    assert engine.remove(["a1", "missing"]) == 1
    with pytest.raises(ArticleNotFound):
        engine.get("a1")
    assert engine.count() == 3


def test_get_round_trips_article(engine):
    assert engine.get("a2") == ARTICLES[1]


def test_hashes_and_stats(engine):
    assert set(engine.hashes()) == {"a1", "a2", "a3", "a4"}
    stats = engine.stats()
    assert stats.articles == 4 and stats.size_bytes > 0 and stats.last_update
    assert {v.value: v.count for v in stats.facets["outlet"]} == {"Reuters": 2, "AFP": 1}


def test_missing_index_says_what_to_do(tmp_path, settings):
    with pytest.raises(IndexMissing, match="newsfacet index"):
        open_engine(settings)


def test_highlight_paragraphs(engine):
    paragraphs = engine.highlight_paragraphs(ARTICLES[2].body + "\n\nMore embassy news.", "embassy")
    assert paragraphs[0].startswith("Staff left the <mark>embassy</mark>.")
    assert "&lt;script&gt;" in paragraphs[0]
    assert paragraphs[1] == "More <mark>embassy</mark> news."


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
