"""Long pasted text is parsed in chunks to the very query Whoosh's parser makes of it whole."""

from __future__ import annotations

import random
import re

import pytest
from whoosh import query

from bench.corpus import REUTERS
from search.engines.parsing import CHUNK_ITEMS, parse_query
from search.errors import QueryError
from search.query import check_query_syntax, read_free_text


@pytest.fixture(scope="module")
def parser():
    from search.engines.analysis import query_parser

    return query_parser()


def _paragraphs(count: int) -> list[str]:
    from bench.corpus import reuters_records

    records = reuters_records(REUTERS)
    rng = random.Random(7)
    texts = []
    while len(texts) < count:
        text = " ".join(" ".join(r["body"].split()) for r in rng.sample(records, 3))[:1600]
        try:
            check_query_syntax(text)
        except QueryError:
            continue
        texts.append(text)
    return texts


@pytest.mark.shared(REUTERS)
def test_chunked_parse_equals_whoosh_on_reuters_paragraphs(parser):
    texts = _paragraphs(10)
    extra = ['(oil prices) "interest rates" rose \'Big Bang\' ' + " ".join(["word"] * 60) +
             " title:gold (a (b c)) end", " ".join(f"w{i} (x{i} y{i})" for i in range(80))]
    for text in texts + extra:
        whole = parser.parse(read_free_text(text))
        assert parse_query(parser, text) == whole, text[:200]
    assert any(len(t.split()) > 4 * CHUNK_ITEMS for t in texts)


def test_a_query_with_operators_is_parsed_whole(parser):
    text = " ".join(f"w{i}" for i in range(100)) + " OR gold"
    assert parse_query(parser, text) == parser.parse(text)


def test_prose_punctuation_is_read_as_words(parser):
    parsed = parse_query(parser, "Note: the embassy? NOTE:1986 why ?")
    words = sorted({t for _, t in parsed.iter_all_terms()})
    assert words == ["1986", "embassi", "note", "the", "why"]
    assert not any(isinstance(q, query.Wildcard) for q in parsed.leaves())
    assert isinstance(parse_query(parser, "te?t"), (query.Or, query.Wildcard))


@pytest.mark.parametrize("text", ["auther:smith", 'said:"we will"'])
def test_explicit_field_syntax_keeps_its_error(text):
    with pytest.raises(QueryError, match="unknown field"):
        check_query_syntax(read_free_text(text))


def test_a_nothing_query_is_refused(parser):
    with pytest.raises(QueryError, match="no words"):
        parse_query(parser, "— … ;" * 200)
    assert re.match(r"the query '— … ;— … ;.*\.\.\.' has no words", _message(parser))


def _message(parser) -> str:
    try:
        parse_query(parser, "— … ;" * 200)
    except QueryError as exc:
        return str(exc)
    return ""
