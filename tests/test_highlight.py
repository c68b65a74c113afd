"""Every hit shows why it matched: snippets and the article page mark the query's words.

Whoosh 2.7's ``existing_terms`` only returned the first field's words, so a word found in no
title was never marked (``militia`` on the seeds marked nothing); snippets also missed words
whose stem changes a short word's last letter (they → thei). These tests fail on the old code.
The Reuters tests are issue 15's acceptance 3, on both engines, and did-you-mean on the same
articles (``cofee`` → ``coffee``).
"""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from bench.corpus import REUTERS
from search.config import Settings
from search.engines import open_engine
from search.engines.analysis import ANALYZER, analyze_word
from search.engines.query_terms import query_terms
from search.engines.snippets import find_matches, make_snippet, mark_all
from search.models import Article
from search.query import build_request

from .conftest import run

MARK = re.compile(r"<mark>(.*?)</mark>")


def test_a_word_in_no_title_is_marked_in_the_snippet(engine):
    # "Baghdad" is in a1's body and in no title of the index.
    hits = engine.search(build_request("Baghdad")).hits
    assert [h.id for h in hits] == ["a1"]
    assert "<mark>Baghdad</mark>" in hits[0].snippet


def test_every_field_of_the_query_gives_its_words(engine):
    parsed = engine._parse('embassy "armed groups" title:rockets body:Baghdad NOT analysis')
    terms = query_terms(parsed)
    assert terms["body"] == {"embassi", "arm", "group", "baghdad", "analysi"}
    assert terms["title"] == {"embassi", "arm", "group", "rocket", "analysi"}


def test_militia_is_marked_on_every_seed_and_on_its_article_page(indexed, runner):
    import json

    result = run(runner, "search", "militia", "--index", indexed, "--json", "--limit", "50")
    data = json.loads(result.stdout)
    assert data["total"] == 5
    for hit in data["hits"]:
        assert "<mark>" in hit["snippet"] and MARK.search(hit["snippet"]).group(1).lower() \
            .startswith("militia"), hit["snippet"]
    from web import create_app

    client = create_app({"TESTING": True,
                         "SETTINGS": Settings(index_dir=str(indexed))}).test_client()
    for hit in data["hits"]:
        page = client.get(f"/article/{hit['id']}?q=militia").get_data(as_text=True)
        marked = re.findall(r'<mark id="m\d+"[^>]*>([^<]*)</mark>', page)
        assert marked and all(m.lower().startswith("militia") for m in marked), hit["id"]


def test_short_words_whose_stem_changes_are_marked():
    text = "They say the day may come. Any buyer pays."
    terms = frozenset(t for w in ("they", "say", "day", "may", "any", "pay")
                      for t in analyze_word(w))
    assert [text[a:b] for a, b, _ in find_matches(text, terms, analyze_word)] == \
        ["They", "say", "day", "may", "Any", "pays"]


def test_a_title_only_match_marks_the_title_in_the_snippet():
    snippet = make_snippet("Qtly div 11 cents vs 11 cents prior.",
                           frozenset(analyze_word("quarterly")), analyze_word, 200,
                           title="TRANZONIC <TNZ> SETS QUARTERLY")
    assert snippet.startswith("TRANZONIC &lt;TNZ&gt; SETS <mark>QUARTERLY</mark> — Qtly div")


def test_tokens_with_dots_are_marked_as_the_analyzer_reads_them():
    text = "The U.S. said x.com and com. rose; u.s policy"
    marked = MARK.findall(mark_all(text, frozenset(analyze_word("u.s")), analyze_word))
    assert marked == ["U.S", "u.s"]
    assert MARK.findall(mark_all(text, frozenset(analyze_word("com")), analyze_word)) == ["com"]


# -- acceptance 3: 5,000 Reuters articles, both engines ------------------------------------

REUTERS_ARTICLES = 5000
QUERIES = 150
PER_PAGE = 20


def _reuters_articles() -> list[Article]:
    from bench.corpus import reuters_records

    return [Article(id=r["id"], source=r["id"], title=r["title"], body=r["body"],
                    outlet=r.get("outlet"), date=dt.date.fromisoformat(r["date"]))
            for r in reuters_records(REUTERS)[:REUTERS_ARTICLES]]


def _body_words(articles: list[Article]) -> list[str]:
    """One-word queries drawn from the bodies: a random word of a random article (seeded)."""
    rng = random.Random(15)
    words: list[str] = []
    while len(words) < QUERIES:
        found = re.findall(r"[A-Za-z]{3,}", rng.choice(articles).body)
        if found:
            words.append(rng.choice(found).lower())
    return words


def _expected_marks(engine, text: str, query: str) -> int:
    """How many words of the text the analyzer reads as one of the query's words."""
    terms = frozenset(analyze_word(query))
    return sum(1 for t in ANALYZER(text) if t.text in terms)


def _check_marks(engine, articles: list[Article]) -> None:
    by_id = {a.id: a for a in articles}
    hits = marked = 0
    unmarked = []
    pages = 0
    for word in _body_words(articles):
        for hit in engine.search(build_request(word, per_page=PER_PAGE)).hits:
            hits += 1
            if "<mark>" in hit.snippet:
                marked += 1
            else:
                unmarked.append((word, hit.id))
            if pages < 300:  # the article page: every occurrence in the body marked
                pages += 1
                body = by_id[hit.id].body
                paragraphs = engine.highlight_paragraphs(body, word)
                got = sum(len(MARK.findall(p)) for p in paragraphs)
                want = sum(_expected_marks(engine, p, word) for p in body.split("\n\n"))
                assert got == want, (word, hit.id, got, want)
    print(f"\n{type(engine).__name__}: {marked} of {hits} hits marked "
          f"({marked / hits:.1%}); unmarked: {unmarked[:10]}")
    assert hits > 500
    assert marked / hits >= 0.99, unmarked[:20]


@pytest.fixture(scope="module")
def reuters_articles():
    return _reuters_articles()


@pytest.fixture(scope="module")
def reuters_whoosh(tmp_path_factory, reuters_articles):
    engine = open_engine(Settings(index_dir=str(tmp_path_factory.mktemp("marks") / "index")),
                         create=True)
    for start in range(0, len(reuters_articles), 1000):
        engine.upsert(reuters_articles[start:start + 1000])
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def reuters_typesense(typesense_server, reuters_articles):
    import uuid

    from .conftest import TYPESENSE_KEY

    settings = Settings(engine="typesense", typesense_nodes=typesense_server.url,
                        typesense_api_key=TYPESENSE_KEY,
                        typesense_collection=f"marks{uuid.uuid4().hex[:8]}")
    engine = open_engine(settings, create=True)
    engine.upsert(reuters_articles)
    yield engine
    engine.close()


@pytest.mark.slow
@pytest.mark.shared(REUTERS)
def test_reuters_hits_have_marked_snippets_on_whoosh(reuters_whoosh, reuters_articles):
    _check_marks(reuters_whoosh, reuters_articles)


@pytest.mark.slow
@pytest.mark.typesense
@pytest.mark.shared(REUTERS)
def test_reuters_hits_have_marked_snippets_on_typesense(reuters_typesense, reuters_articles):
    _check_marks(reuters_typesense, reuters_articles)


# -- did-you-mean on the same articles (issue 15, acceptance 4: cofee → coffee) -------------

SPELLING = [("cofee", "coffee"), ("Cofee prices", "Coffee prices"),
            ("petroluem", "petroleum"), ("coffee", None), ("embassy", None)]


def _check_spelling(engine) -> None:
    got = {text: engine.suggest(text) for text, _ in SPELLING}
    print(f"\n{type(engine).__name__}: {got}")
    assert got == dict(SPELLING)


@pytest.mark.slow
@pytest.mark.shared(REUTERS)
def test_did_you_mean_on_reuters_on_whoosh(reuters_whoosh):
    _check_spelling(reuters_whoosh)


@pytest.mark.slow
@pytest.mark.typesense
@pytest.mark.shared(REUTERS)
def test_did_you_mean_on_reuters_on_typesense(reuters_typesense):
    _check_spelling(reuters_typesense)
