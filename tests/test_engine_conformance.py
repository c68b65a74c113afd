"""The ``Engine`` protocol: the same cases, the same answers, on every engine.

Each case runs on the Whoosh engine and on the Typesense engine (a real server). Where the
engines differ by design (the protocol's docstring lists it), the case says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from search.errors import ArticleNotFound, QueryError
from search.models import SearchRequest

from .conftest import ARTICLES, facet_counts as facet, hit_ids as ids


def search(engine, **fields):
    return engine.search(SearchRequest(**fields))


def test_keyword_search_ranks_and_counts(any_engine):
    results = search(any_engine, query="embassy")
    assert results.total == 2 and ids(results) == {"a1", "a3"}
    assert all(h.score and h.score > 0 for h in results.hits)


def test_title_match_outranks_body_match(any_engine):
    any_engine.upsert([dataclasses.replace(ARTICLES[3], id="b1", title="Baghdad embassy",
                                           body="A short note."),
                       dataclasses.replace(ARTICLES[3], id="b2", title="A short note",
                                           body="Baghdad embassy.")])
    assert search(any_engine, query="baghdad embassy").hits[0].id == "b1"


@pytest.mark.parametrize("query, expected", [
    ("embassy", {"a1", "a3"}),
    ("embassies", {"a1", "a3"}),                  # stemming
    ('"popular mobilization forces"', {"a2"}),    # phrase
    ("title:embassy", {"a1", "a3"}),
    ("embassy NOT staff", {"a1"}),
    ('embassy NOT "staff left"', {"a1"}),         # excluding a phrase
    ("militia", {"a4", "a2"}),
])
def test_query_language_both_engines_run(any_engine, query, expected):
    assert ids(search(any_engine, query=query)) == expected


@pytest.mark.parametrize("query, expected", [
    ("rockets OR militias", {"a1", "a2", "a4"}),
    ("emb*", {"a1", "a3"}),
    ("embasy~", {"a1", "a3"}),
])
def test_query_language_only_whoosh_runs(any_engine, query, expected):
    """A documented difference: Typesense refuses, naming the construct, never drops it."""
    if type(any_engine).__name__ == "TypesenseEngine":
        with pytest.raises(QueryError, match="not supported on the Typesense engine"):
            search(any_engine, query=query)
    else:
        assert ids(search(any_engine, query=query)) == expected


@pytest.mark.parametrize("query", ['"unbalanced', "(embassy", "embassy)", "AND", "embassy AND",
                                   "OR embassy", "foo:bar", "!!!"])
def test_bad_queries_raise(any_engine, query):
    with pytest.raises(QueryError):
        search(any_engine, query=query)


def test_filters_or_within_and_across_and_ignore_case(any_engine):
    either = search(any_engine, entities=("Kataib Hezbollah", "Asaib Ahl al-Haq"))
    assert ids(either) == {"a1", "a2", "a3"}
    both = search(any_engine, entities=("Kataib Hezbollah",), outlets=("Reuters",),
                  years=("2019",))
    assert ids(both) == {"a3"}
    assert ids(search(any_engine, entities=("kataib hezbollah",))) == {"a1", "a3"}
    assert ids(search(any_engine, outlets=("reuters",))) == {"a1", "a3"}


def test_facet_counts_ignore_own_selection(any_engine):
    results = search(any_engine, outlets=("AFP",))
    assert results.total == 1
    assert facet(results, "outlet") == {"Reuters": 2, "AFP": 1}
    assert [v.selected for v in results.facets["outlet"] if v.value == "AFP"] == [True]
    assert facet(results, "entity") == {"Popular Mobilization Forces": 1, "Asaib Ahl al-Haq": 1}


def test_facets_count_articles_and_undated(any_engine):
    results = search(any_engine)
    assert results.total == 4
    assert facet(results, "year") == {"2019": 2, "2020": 1, "undated": 1}
    assert facet(results, "month") == {"2019-05": 2, "2020-01": 1, "undated": 1}
    types = {v.value: v.type for v in results.facets["entity"]}
    assert types["Kataib Hezbollah"] == "group" and types["Iraq"] == "place"
    counts = [v.count for v in results.facets["entity"]]
    assert counts == sorted(counts, reverse=True)


def test_dates_undated_and_order(any_engine):
    assert ids(search(any_engine, years=("undated",))) == {"a4"}
    assert ids(search(any_engine, since=dt.date(2019, 5, 16), until=dt.date(2020, 1, 31))) == \
        {"a1", "a2"}
    assert [h.id for h in search(any_engine, sort="newest").hits] == ["a1", "a2", "a3", "a4"]
    assert [h.id for h in search(any_engine, sort="oldest").hits] == ["a3", "a2", "a1", "a4"]
    assert all(h.score is None for h in search(any_engine, sort="newest").hits)


def test_pages(any_engine):
    first = search(any_engine, sort="oldest", per_page=3)
    second = search(any_engine, sort="oldest", per_page=3, page=2)
    assert [h.id for h in first.hits] == ["a3", "a2", "a1"] and first.pages == 2
    assert [h.id for h in second.hits] == ["a4"]
    assert search(any_engine, page=9).hits == ()


def test_snippets_mark_matches_escape_text_and_lead_without_query(any_engine):
    hit = search(any_engine, query="staff").hits[0]
    assert "<mark>Staff</mark>" in hit.snippet and "<script>" not in hit.snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in hit.snippet
    assert search(any_engine, years=("undated",)).hits[0].snippet.startswith("An analysis of "
                                                                             "militia")


def test_highlight_paragraphs(any_engine):
    paragraphs = any_engine.highlight_paragraphs(ARTICLES[2].body + "\n\nMore embassy news.",
                                                 "embassy")
    assert paragraphs[0].startswith("Staff left the <mark>embassy</mark>.")
    assert "&lt;script&gt;" in paragraphs[0]
    assert paragraphs[1] == "More <mark>embassy</mark> news."
    assert any_engine.highlight_paragraphs("Staff left.", "(broken") == ["Staff left."]


def test_query_terms_are_what_both_engines_mark(any_engine):
    """The one shared ``highlight_paragraphs`` marks what each engine's ``query_terms`` reads."""
    assert any_engine.query_terms('Embassy "staff left" -militia') == \
        {"embassi", "staff", "left", "militia"}  # stems; a left-out word is marked too
    with pytest.raises(QueryError):
        any_engine.query_terms("(broken")


def test_get_remove_count_and_hashes(any_engine):
    assert any_engine.get("a2") == ARTICLES[1]
    assert set(any_engine.hashes()) == {"a1", "a2", "a3", "a4"}
    assert any_engine.remove(["a1", "missing"]) == 1
    with pytest.raises(ArticleNotFound):
        any_engine.get("a1")
    assert any_engine.count() == 3


def test_stats_and_where_data_lives(any_engine):
    stats = any_engine.stats()
    assert stats.articles == 4 and stats.size_bytes > 0 and stats.last_update
    assert {v.value: v.count for v in stats.facets["outlet"]} == {"Reuters": 2, "AFP": 1}
    assert isinstance(any_engine.location, str) and any_engine.location
    assert isinstance(any_engine.data_dir, Path)


def test_more_like_export_and_suggest(any_engine):
    similar = any_engine.more_like("a1", limit=3)
    assert "a1" not in {h.id for h in similar} and len(similar) <= 3
    with pytest.raises(ArticleNotFound):
        any_engine.more_like("missing")
    total, articles = any_engine.export(SearchRequest(sort="oldest"), 3)
    assert total == 4 and [a.id for a in articles] == ["a3", "a2", "a1"]
    assert any_engine.suggest("embassy") is None
    assert any_engine.suggest("embasy staff") == "embassy staff"


def test_collapse_shows_one_hit_per_story_with_its_copies(any_engine):
    copy = dataclasses.replace(ARTICLES[0], id="c1", source="c1.txt", outlet="AP",
                               story="s-rockets")
    any_engine.upsert([dataclasses.replace(ARTICLES[0], story="s-rockets"), copy])
    any_engine.prepare()
    results = search(any_engine, query="rockets", collapse=True)
    assert results.total == 1 and results.articles == 2
    (hit,) = results.hits
    assert hit.copies == 2 and [c.id for c in hit.also_in] == [({"a1", "c1"} - {hit.id}).pop()]


def test_a_headline_only_article_is_found_by_its_title_and_flagged(any_engine):
    """Issue 18: a record with a title and no text is stored, found and flagged on both engines."""
    any_engine.upsert([dataclasses.replace(ARTICLES[3], id="brief", body="",
                                           title="Money supply rises in the week")])
    any_engine.prepare()
    results = search(any_engine, query="money supply")
    assert [(h.id, h.headline_only) for h in results.hits] == [("brief", True)]
    assert any_engine.get("brief").body == ""
    assert not any(h.headline_only for h in search(any_engine, query="embassy").hits)
