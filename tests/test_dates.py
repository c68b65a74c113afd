"""Publication dates of HTML pages: day-first dotted dates, UTC timestamps and the local day,
statements that disagree, names written with stray spaces, and htmldate as a last source."""

from __future__ import annotations

import datetime as dt

import pytest

from search.cleaner import clean_html
from search.cleaner.html_date import parse_date as parse_page_date
from search.metadata import extract_metadata, parse_date

BODY = """
<article><h1>Harbour bridge reopens</h1>{visible}
<p>The old harbour bridge reopened to traffic on Thursday morning after eight months of
repairs, the city council said in a statement on its website.</p>
<p>Engineers replaced the rusted steel cables and repainted the whole span, the council said,
and the work came in under the budget that had been set for it last spring.</p>
<p>Local shops on both banks said trade had fallen while the bridge was closed and that they
hoped customers would now come back for the summer season.</p></article>
"""


def page(head: str = "", visible: str = "",
         url: str | None = None) -> tuple[dt.date | None, str | None]:
    html = (f"<html><head><title>Harbour bridge reopens</title>{head}</head>"
            f"<body>{BODY.format(visible=visible)}</body></html>")
    meta = extract_metadata(clean_html(html, url=url))
    return meta.date, meta.date_source


def published(value: str, name: str = "article:published_time") -> str:
    return f'<meta property="{name}" content="{value}">'


@pytest.mark.parametrize(("text", "expected"), [
    ("10.12.2022, 07:00:03", dt.date(2022, 12, 10)),  # dots: day first
    ("10.12.2022", dt.date(2022, 12, 10)),
    ("3.4.2021", dt.date(2021, 4, 3)),
    ("31.02.2021", None),  # no such day
    ("2022-10-12", dt.date(2022, 10, 12)),
])
def test_dotted_dates_are_day_first(text, expected):
    assert parse_date(text) == expected
    assert parse_page_date(text) == (expected.isoformat() if expected else None)


def test_dotted_meta_date_is_read_day_first():
    assert page(published("10.12.2022, 07:00:03")) == (dt.date(2022, 12, 10),
                                                        "html-meta:article:published_time")


def test_late_evening_utc_timestamp_takes_the_visible_local_day():
    # Published 2 November in Rome; the meta tag gives the UTC time of the evening before.
    date, source = page(published("2023-11-01T23:01:00+00:00"), "<p>2 November 2023</p>")
    assert (date, source) == (dt.date(2023, 11, 2), "date-line")


def test_utc_timestamp_alone_is_kept_and_marked():
    assert page(published("2023-11-01T23:01:00Z")) == (
        dt.date(2023, 11, 1), "html-meta:article:published_time (UTC timestamp)")


def test_utc_timestamp_takes_the_local_day_of_a_dated_url():
    date, source = page(published("2019-11-20T02:59:46+00:00"),
                        url="https://news.example.com/2019/11/19/wild-beat-sabres/")
    assert (date, source) == (dt.date(2019, 11, 19), "html-meta:article:published_time (local day)")


def test_a_local_offset_is_the_publishers_own_day():
    assert page(published("2023-11-01T23:01:00+01:00")) == (dt.date(2023, 11, 1),
                                                            "html-meta:article:published_time")


def test_property_name_with_a_trailing_space():
    assert page(published("2021-03-04T10:00:00-05:00", "article:published_time ")) == (
        dt.date(2021, 3, 4), "html-meta:article:published_time")


def test_published_wins_over_modified():
    head = published("2021-03-04T10:00:00-05:00", "article:modified_time") + \
        published("2021-02-01T10:00:00-05:00")
    assert page(head)[0] == dt.date(2021, 2, 1)


def test_statements_far_apart_with_nothing_to_settle_them_give_no_date():
    head = published("2021-03-04") + ('<script type="application/ld+json">'
                                      '{"@type": "NewsArticle", "datePublished": "2019-06-01"}'
                                      '</script>')
    assert page(head) == (None, None)


def test_a_third_statement_settles_a_disagreement():
    head = published("2021-03-04") + ('<script type="application/ld+json">'
                                      '{"@type": "NewsArticle", "datePublished": "2019-06-01"}'
                                      '</script>')
    date, _ = page(head, url="https://news.example.com/2021/03/04/bridge/")
    assert date == dt.date(2021, 3, 4)


def test_htmldate_dates_a_page_only_with_a_date_it_writes_out():
    # no statement of ours; htmldate's markup search finds the <time> element, and the page
    # writes the same day in its text
    time = '<p class="byline">By Jane Doe, <time datetime="2021-03-04">March 4, 2021</time></p>'
    assert page(visible=time) == (dt.date(2021, 3, 4), "htmldate")
