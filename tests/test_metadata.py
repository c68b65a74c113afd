"""Metadata: seed dates, outlets, titles and authors; parse_date tables; hints; HTML page
metadata."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.cleaner import Block, CleanedDocument, clean_text
from search.metadata import extract_metadata, parse_date

ROOT = Path(__file__).resolve().parent.parent
DUMPS = Path(__file__).resolve().parent / "data" / "text"


def seed_metadata(prefix: str, hints=None):
    path = next((ROOT / "seeds").glob(f"{prefix}_*.txt"))
    return extract_metadata(clean_text(path.read_text(encoding="utf-8")), hints)


@pytest.mark.parametrize(("prefix", "date", "date_source"), [
    ("000", None, None),  # "archives dating back to 1997" is paywall chrome, not a date
    ("001", None, None),
    ("002", None, None),
    ("003", dt.date(2020, 1, 1), "date-line"),
    ("004", None, None),  # "Thursday, Jul 10, 2025" is the save-day banner
])
def test_seed_dates(prefix, date, date_source):
    meta = seed_metadata(prefix)
    assert (meta.date, meta.date_source) == (date, date_source)


@pytest.mark.parametrize(("prefix", "outlet", "source"), [
    ("000", "Business Standard", "chrome"),  # from "Disclaimer: No Business Standard Journalist…"
    ("001", None, None),  # Politico, Middle East Eye and The Washington Post are only quoted
    ("002", "NBC News", "chrome"),  # from "Download the NBC News app…"
    ("003", None, None),
    ("004", "London Daily", "masthead"),
])
def test_seed_outlets(prefix, outlet, source):
    meta = seed_metadata(prefix)
    assert (meta.outlet, meta.outlet_source) == (outlet, source)


@pytest.mark.parametrize(("prefix", "title", "source"), [
    ("000",
     "Two key pro-Iran Iraqi armed groups Thursday rejected a US claim of an \"imminent\" threat…",
     "first-sentence"),
    ("001", "US Pulling Diplomats Out of Embassy in Baghdad Amid Heightened Tensions",
     "title-line"),
    ("002", "Trump administration's Iran threat claim disputed by foreign officials", "title-line"),
    # the dateline "BAGHDAD –" is not part of a derived title
    ("003",
     "Paramilitary groups who have protested US air strikes in Iraq told their supporters to…",
     "first-sentence"),
    ("004", "Threat to evacuate US diplomats from Iraq raises fear of war", "title-line"),
])
def test_seed_titles(prefix, title, source):
    meta = seed_metadata(prefix)
    assert (meta.title, meta.title_source) == (title, source)


@pytest.mark.parametrize(("prefix", "author"), [
    ("000", None), ("001", "Dave DeCamp"), ("002", None), ("003", None), ("004", None),
])
def test_seed_authors(prefix, author):
    assert seed_metadata(prefix).author == author


@pytest.mark.parametrize(("name", "field", "value"), [
    ("wire_story.txt", "date", dt.date(2021, 3, 12)),  # "Published:" line, not the Saturday banner
    ("wire_story.txt", "outlet", "Example Times"),  # from the © line
    ("wire_story.txt", "author", "Jane Doe and Omar Said"),
    ("feature_blog.txt", "date", dt.date(2019, 5, 3)),
    ("feature_blog.txt", "title", "Can a city run on rainwater?"),
    ("feature_blog.txt", "outlet", None),
    ("bare_paragraphs.txt", "date", None),  # "since 2019" in the text is not a date
])
def test_hand_written_dump_metadata(name, field, value):
    doc = clean_text((DUMPS / name).read_text(encoding="utf-8"))
    assert getattr(extract_metadata(doc), field) == value


def test_hints_override_everything():
    hints = {"title": "  Given   title ", "date": "2019-05-16", "outlet": "Reuters",
             "url": "https://x.test/a", "author": "A. Writer"}
    meta = seed_metadata("003", hints)
    assert (meta.title, meta.title_source) == ("Given title", "given")
    assert (meta.date, meta.date_source) == (dt.date(2019, 5, 16), "given")
    assert (meta.outlet, meta.outlet_source) == ("Reuters", "given")
    assert (meta.author, meta.url) == ("A. Writer", "https://x.test/a")


def test_unreadable_date_hint_falls_back_to_the_page():
    meta = seed_metadata("003", {"date": "sometime", "title": None})
    assert (meta.date, meta.date_source) == (dt.date(2020, 1, 1), "date-line")


def html_doc(**page_meta) -> CleanedDocument:
    return CleanedDocument(body="Body text.", mode="html", blocks=(Block("Body text.", "body"),),
                           page_meta=page_meta)


@pytest.mark.parametrize(("page_meta", "expected"), [
    ({"title": "Headline", "date": "2019-05-16T10:00:00+00:00",
      "date_source": "html-meta:article:published_time", "sitename": "NBC News",
      "author": "Jane Doe", "url": "https://nbcnews.com/x", "language": "en"},
     {"title": "Headline", "title_source": "html-meta", "date": dt.date(2019, 5, 16),
      "date_source": "html-meta:article:published_time", "outlet": "NBC News", "author": "Jane Doe",
      "url": "https://nbcnews.com/x", "language": "en"}),
    # a bare hostname as site name is normalised
    ({"sitename": "www.Example.com"}, {"outlet": "example.com", "outlet_source": "html-meta"}),
    ({"sitename": "https://www.example.co.uk/"}, {"outlet": "example.co.uk"}),
    # no source given for the date: it is still page metadata
    ({"date": "May 3, 2019"}, {"date": dt.date(2019, 5, 3), "date_source": "html-meta"}),
    ({"date": "2999-01-01"}, {"date": None, "date_source": None}),
    ({}, {"title": "Body text.", "title_source": "first-sentence", "outlet": None, "date": None}),
])
def test_html_page_metadata(page_meta, expected):
    meta = extract_metadata(html_doc(**page_meta))
    assert {key: getattr(meta, key) for key in expected} == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2019-05-16", dt.date(2019, 5, 16)),
    ("2019-05-16T10:00:00+00:00", dt.date(2019, 5, 16)),
    ("2019-05-16T10:00:00Z", dt.date(2019, 5, 16)),
    ("2019-05-16 10:00", dt.date(2019, 5, 16)),
    ("May 3, 2019", dt.date(2019, 5, 3)),
    ("3 May 2019", dt.date(2019, 5, 3)),
    ("Thursday, Jul 10, 2025", dt.date(2025, 7, 10)),
    ("  May   3,  2019 ", dt.date(2019, 5, 3)),
    (dt.date(2019, 5, 3), dt.date(2019, 5, 3)),
    (dt.datetime(2019, 5, 3, 12, 0), dt.date(2019, 5, 3)),
    # missing parts are never invented
    ("2019", None),
    ("May 2019", None),
    ("May 3", None),
    # out of range
    ("2999-01-01", None),
    ("1700-01-01", None),
    ("1799-12-31", None),
    # garbage
    ("", None),
    (None, None),
    (5, None),
    ("garbage", None),
    ("99/99/9999", None),
    ("2019-13-45", None),
    ("yesterday", None),  # relative phrases are not a stated date
    ("x" * 500, None),
    ("\x00\x01", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_an_index_run_of_html_pages_with_iso_dates_does_not_load_dateparser(tmp_path):
    # dateparser takes about 50 ms to import: `newsfacet index` of HTML pages, whose dates are
    # ISO stamps, goes without it, while a written date still loads and uses it
    page = tmp_path / "page.html"
    page.write_text(_page('<meta property="article:published_time" '
                          'content="2021-03-04T10:00:00+01:00">'), encoding="utf-8")
    code = ("import sys\n"
            "from search.entities import EntityTable\n"
            "from search.ingest.sources import iter_documents\n"
            "from search.pipeline import process\n"
            "from search.metadata import parse_date\n"
            f"(doc,) = iter_documents([{str(page)!r}], 10**6)\n"
            "article = process(doc, EntityTable.load(None)).article\n"
            "print(article.date, 'dateparser' in sys.modules)\n"
            "print(parse_date('May 3, 2019'), 'dateparser' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split("\n")
    assert out[:2] == ["2021-03-04 False", "2019-05-03 True"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_date_never_raises(value):
    date = parse_date(value)
    assert date is None or dt.date(1800, 1, 1) <= date <= dt.date.today()


def _page(head: str) -> str:
    body = ("<p>" + "A paragraph of the article that is long enough to be kept as text. " * 4
            + "</p>")
    return (f"<html><head>{head}</head><body><article><h1>The headline of it</h1>{body}"
            "</article></body></html>")


@pytest.mark.parametrize("url, head, outlet", [
    # AP's hosted pages call the site "Hosted"; their publisher's page names AP (issue 18)
    ("https://hosted.ap.org/eagle/article/1", '<title>Storm hits | Hosted</title>'
     '<meta property="og:site_name" content="Hosted">'
     '<meta property="article:publisher" content="https://www.facebook.com/APNews">', "AP News"),
    # no site name: the title's name of the host, not the bare host
    ("https://www.cbsnews.com/news/x/", "<title>Storm hits coast - CBS News</title>", "CBS News"),
    ("https://www.oregonlive.com/x", "<title>Storm hits - oregonlive.com</title>",
     "oregonlive.com"),
    # a declared name that names the host is kept; one naming a section gives way to the title's
    ("https://www.latimes.com/x", '<title>Storm - Los Angeles Times</title>'
     '<meta property="og:site_name" content="Los Angeles Times">', "Los Angeles Times"),
    ("https://www.nationalgeographic.com/x", '<title>Storm | National Geographic</title>'
     '<meta property="og:site_name" content="Health">', "National Geographic"),
    # a name of its own that names no part of the host stays (expapp.com is "Experience")
    ("https://www.expapp.com/x", '<title>Storm</title><meta property="og:site_name" '
     'content="Experience"><meta property="article:publisher" '
     'content="https://www.facebook.com/ExpApp">', "Experience"),
    # a lower-case handle spells no name: the bare host stays
    ("https://www.sportsnet.ca/x", '<title>Storm</title><meta property="article:publisher" '
     'content="http://www.facebook.com/sportsnet">', "sportsnet.ca"),
    # a social media handle is not a name
    ("https://www.politifact.com/x", '<title>Storm | PolitiFact</title>'
     '<meta property="og:site_name" content="@politifact">', "PolitiFact"),
])
def test_outlet_is_a_name_not_a_host_or_a_label(url, head, outlet):
    from search.cleaner import clean_html

    assert extract_metadata(clean_html(_page(head), url=url), {}).outlet == outlet
