"""Query checks and request building: mistakes become clear messages, not silent drops."""

from __future__ import annotations

import datetime as dt

import pytest

from search.config import Settings
from search.errors import QueryError
from search.models import Entity
from search.query import build_request, check_query_syntax, parse_date_filter


@pytest.mark.parametrize("query", [
    "embassy", '"US embassy" Baghdad', "title:embassy", "embassy AND (militia OR group)",
    "NOT embassy", "emb*", "embasy~2", "10:30 meeting", "http://example.com/x",
    '"a (phrase) with AND inside"', "al-Haq", "Kata'ib",
    'embassy NOT "air strike"', '"US embassy" AND militia', 'title:"US embassy" OR Baghdad',
])
def test_good_queries_pass(query):
    check_query_syntax(query)


@pytest.mark.parametrize("query, message", [
    ('"embassy', "unbalanced quotes"),
    ("(embassy", "'(' is never closed"),
    ("embassy)", "')' has no matching '('"),
    ("AND", "'AND' needs a word"),
    ("embassy AND", "'AND' needs a word after it"),
    ("OR embassy", "'OR' needs a word on each side"),
    ("embassy AND OR militia", "'OR' needs a word on each side"),
    ("foo:bar", "unknown field 'foo'"),
    ("outlet:Reuters", "unknown field 'outlet'"),
    ("(" * 30 + "x" + ")" * 30, "nests parentheses"),
    ('"US embassy" AND', "'AND' needs a word after it"),
    ('AND "US embassy"', "'AND' needs a word on each side"),
])
def test_bad_queries_say_what_is_wrong(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_query_syntax(query)


@pytest.mark.parametrize("value, end, expected", [
    ("2019-05-16", False, dt.date(2019, 5, 16)),
    ("2019-05-16", True, dt.date(2019, 5, 16)),
    ("May 2019", False, dt.date(2019, 5, 1)),
    ("May 2019", True, dt.date(2019, 5, 31)),
    ("February 2020", True, dt.date(2020, 2, 29)),   # leap year
    ("2019", False, dt.date(2019, 1, 1)),
    ("2019", True, dt.date(2019, 12, 31)),
])
def test_date_phrases(value, end, expected):
    assert parse_date_filter(value, end=end, name="since") == expected


def test_relative_date_is_in_the_past():
    assert parse_date_filter("2 years ago", end=False, name="since") < dt.date.today()


@pytest.mark.parametrize("value", ["not a date at all", "x" * 100, "2019-13-45", "1987-13-01",
                                   "1987-02-30", "0000-01-01", "1987-00", "01/04/1987",
                                   "01/04/87", "32/13/1987"])
def test_bad_dates(value):
    with pytest.raises(QueryError, match="--since"):
        parse_date_filter(value, end=False, name="since")


def test_build_request_resolves_entities_and_dedupes():
    resolve = {"pmf": Entity("Popular Mobilization Forces", "group")}.get
    request = build_request("x", entities=["PMF", "pmf", "Unknown Group"],
                            resolve_entity=lambda n: resolve(n.casefold()))
    assert request.entities == ("Popular Mobilization Forces", "Unknown Group")


@pytest.mark.parametrize("kwargs, message", [
    ({"page": "abc"}, "page must be a whole number"),
    ({"page": 0}, "page must be between 1 and 1000"),
    ({"page": 10**12}, "page must be between"),
    ({"per_page": 1000}, "per_page must be between 1 and 100"),
    ({"sort": "random"}, "unknown sort 'random': choose one of relevance, newest, oldest"),
    ({"years": ["20x9"]}, "bad year"),
    ({"months": ["2019-13"]}, "bad month"),
    ({"since": "2020-01-01", "until": "2019-01-01"}, "is after --until"),
])
def test_build_request_rejects_bad_values(kwargs, message):
    with pytest.raises(QueryError, match=message):
        build_request("embassy", **kwargs)


def test_query_length_limit():
    with pytest.raises(QueryError, match="limit is 10"):
        build_request("x" * 11, settings=Settings(max_query_chars=10))


@pytest.mark.parametrize("value, since, until", [
    ("1987-04", dt.date(1987, 4, 1), dt.date(1987, 4, 30)),
    ("1987/04/01", dt.date(1987, 4, 1), dt.date(1987, 4, 1)),
    ("13/04/1987", dt.date(1987, 4, 13), dt.date(1987, 4, 13)),   # day/month: one reading
    ("04/13/1987", dt.date(1987, 4, 13), dt.date(1987, 4, 13)),   # month/day: one reading
    ("04/04/1987", dt.date(1987, 4, 4), dt.date(1987, 4, 4)),     # both readings the same
    ("9999-12", dt.date(9999, 12, 1), dt.date(9999, 12, 31)),
])
def test_numeric_dates_read_one_way(value, since, until):
    assert parse_date_filter(value, end=False, name="since") == since
    assert parse_date_filter(value, end=True, name="until") == until


def test_numeric_date_that_reads_two_ways_names_both():
    with pytest.raises(QueryError) as info:
        parse_date_filter("01/04/1987", end=False, name="since")
    assert "1 April 1987 (day/month) or 4 January 1987 (month/day)" in str(info.value)
    assert "1987-04-01 or 1987-01-04" in str(info.value)
