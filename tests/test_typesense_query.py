"""Our query language translated to Typesense's q and query_by (no server needed)."""

from __future__ import annotations

import pytest

from search.engines.typesense.query import translate
from search.errors import QueryError


@pytest.mark.parametrize("text, q, query_by", [
    ("embassy", "embassi", "title_stems,body_stems"),           # stems, as Whoosh indexes them
    ("Embassies in Baghdad", "embassi in baghdad", "title_stems,body_stems"),
    ("oil AND prices", "oil price", "title_stems,body_stems"),
    ('"interest rates"', '"interest rate"', "title_stems,body_stems"),
    ("oil NOT bank", "oil -bank", "title_stems,body_stems"),
    ('oil ANDNOT crude', "oil -crude", "title_stems,body_stems"),
    ("-oil prices", "oil price", "title_stems,body_stems"),     # a dash is not NOT in our syntax
    ("title:embassy", "embassi", "title_stems"),
    ('title:"air strikes" title:Iraq', '"air strike" iraq', "title_stems"),
    ("", "*", "title_stems,body_stems"),
])
def test_translates_what_typesense_can_say(text, q, query_by):
    translated = translate(text)
    assert (translated.q, translated.query_by) == (q, query_by)


@pytest.mark.parametrize("text, message", [
    ("oil OR gas", "OR is not supported"),
    ("embass*", "wildcards (word*, w?rd) is not supported"),
    ("emb?ssy", "wildcards"),
    ("embasy~", "fuzzy terms (word~) is not supported"),
    ("NOT oil", "a query of only NOT words"),
    ("oil NOT (gas price)", "NOT before a group of words"),
    ("title:oil gas", "restricting only part of the query to a field"),
    ("oil ANDMAYBE gas", "ANDMAYBE is not supported"),
    ('"unbalanced', "unbalanced quotes"),
])
def test_refuses_what_typesense_cannot_say(text, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*").replace("?", r"\?")):
        translate(text)


def test_marks_the_same_terms_as_whoosh():
    assert translate('"crude prices" NOT oil').terms == {"oil", "crude", "price"}
