"""The publication date a page declares in its metadata, and where it was found.

Only explicit declarations count (meta tags, JSON-LD, a ``datePublished`` element, a dated URL
path): a year mentioned in the text is never a publication date, and a wrong date is worse than
none. The date is read as written, in the publisher's own time zone, not converted to ours.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass

from dateutil import parser as date_parser
from htmldate import find_date
from lxml.html import HtmlElement

from .html_pagedata import PageData

logger = logging.getLogger(__name__)

# Meta keys naming the original publication date, most specific first; modified dates are left out.
PUBLISHED_META_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "published_time", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "article.published", "date", "displaydate", "original-publish-date",
    "cxenseparse:recs:publishtime",
)
ISO_DATE_RE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})(?:\b|T|\s|$)")
DOTTED_DATE_RE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
TIME_RE = re.compile(r"\d{2}:\d{2}")
# a timestamp in UTC: a time followed by Z, +00:00, +0000 or UTC
UTC_TIMESTAMP_RE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]00:?00|UTC|GMT)\s*$",
                              re.IGNORECASE)
URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})/([01]?\d)/([0-3]?\d)/")
UTC_MARK = " (UTC timestamp)"  # ends the source of a date read from a UTC timestamp
EARLIEST_YEAR = 1990  # the web news era; older values are placeholders such as 1970-01-01


@dataclass(frozen=True)
class Stated:
    """A publication date the page states, where it stated it, and whether it is a UTC timestamp
    (``Z`` or ``+00:00`` with a time: the publisher's local day may be the one before or after)."""

    day: str
    source: str
    utc: bool = False


def find_published_date(tree: HtmlElement, data: PageData,
                        url: str | None) -> tuple[str | None, str | None]:
    """Return the ISO publication date and its source (e.g. ``html-meta:article:published_time``),
    or Nones.

    The first statement wins, in the order meta tags, JSON-LD, ``itemprop=datePublished``, a dated
    URL. A UTC timestamp takes the local day from another statement of the page one day off (a
    local offset, a dated URL), else keeps its source marked ``(UTC timestamp)``. When
    two statements are more than a day apart and no other statement agrees with the first, the
    date is unknown. A page that states nothing is asked of htmldate's markup search, whose date
    is kept only when the page also writes it out somewhere (its text or its URL).
    """
    stated = list(_statements(tree, data, url))
    if not stated:
        return _htmldate(tree, url)
    first, others = stated[0], stated[1:]
    # ``<time>`` elements were tried too and chose the wrong day on 3 of 41 annotated train
    # pages (related stories, updates); other statements of the publication date do not.
    local = {s.day for s in others if not s.utc}
    if first.utc:
        adjacent = {day for day in local if _days_apart(day, first.day) == 1}
        if len(adjacent) == 1:
            return adjacent.pop(), f"{first.source} (local day)"
    if any(_days_apart(s.day, first.day) > 1 for s in others) \
            and not any(s.day == first.day for s in others):
        logger.debug("publication dates disagree: %s", stated)
        return None, None
    return first.day, f"{first.source}{UTC_MARK}" if first.utc else first.source


def _statements(tree: HtmlElement, data: PageData, url: str | None) -> Iterator[Stated]:
    """Yield what the page states as its publication date, most specific place first."""
    found = data.first(*PUBLISHED_META_KEYS)
    if found and (stated := _stated(found[1], f"html-meta:{found[0]}")):
        yield stated
    articles = data.articles()
    for key in ("datePublished", "dateCreated"):
        # the page's own article: later article objects are often related stories
        if articles and (stated := _stated(articles[0].get(key), f"json-ld:{key}")):
            yield stated
            break
    for element in tree.xpath('//*[@itemprop="datePublished"]')[:1]:
        if (stated := _stated(element.get("datetime") or element.get("content"),
                              "html-element:itemprop=datePublished")):
            yield stated
    canonical = canonical_url(tree, data) or url
    if (canonical and (match := URL_DATE_RE.search(canonical))
            and (day := _checked(int(match[1]), int(match[2]), int(match[3])))):
        yield Stated(day, "url")


def _stated(value: object, source: str) -> Stated | None:
    day = parse_date(value)
    if day is None:
        return None
    return Stated(day, source, utc=bool(UTC_TIMESTAMP_RE.search(str(value))))


def _htmldate(tree: HtmlElement, url: str | None) -> tuple[str | None, str | None]:
    """Return htmldate's date for a page that states none of ours, if the page also writes it
    out."""
    try:
        # its markup search only (no guessing from free text); it may prune the tree it gets
        found = find_date(deepcopy(tree), url=url, original_date=True, extensive_search=False)
    except Exception as exc:  # a library's failure on one page is no date, not a lost run
        logger.debug("htmldate failed: %s", exc)
        return None, None
    if not found or not (day := parse_date(found)) or not _written_out(tree, url, day):
        return None, None
    return day, "htmldate"


def _written_out(tree: HtmlElement, url: str | None, day: str) -> bool:
    """Return whether the page's visible text or URL writes the day (in a common form)."""
    date = dt.date.fromisoformat(day)
    if url and (f"{date:%Y/%m/%d}" in url or f"{date:%Y-%m-%d}" in url):
        return True
    text = " ".join(t for t in tree.xpath("//body//text()[not(ancestor::script) and "
                                          "not(ancestor::style)]"))
    month, short = f"{date:%B}", f"{date:%b}"
    forms = (day, f"{month} {date.day}, {date.year}", f"{date.day} {month} {date.year}",
             f"{short} {date.day}, {date.year}", f"{short}. {date.day}, {date.year}",
             f"{date.day} {short} {date.year}", f"{date.day:02d}.{date.month:02d}.{date.year}",
             f"{date.day}.{date.month}.{date.year}", f"{date:%Y/%m/%d}")
    text = " ".join(text.split())
    return any(re.search(rf"(?<![\w.]){re.escape(form)}(?!\w)", text, re.IGNORECASE)
               for form in forms)


def _days_apart(a: str, b: str) -> int:
    return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)


def parse_date(value: object) -> str | None:
    """Return the ISO date (YYYY-MM-DD) an explicit date string states, as written, or None.

    A dotted numeric date is day first, as everywhere that writes dates with dots
    ("10.12.2022, 07:00:03" is 10 December).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    if (match := ISO_DATE_RE.match(value)):
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    if (match := DOTTED_DATE_RE.match(value)):
        return _checked(int(match[3]), int(match[2]), int(match[1]))
    try:
        # no default day/month may leak in: a value lacking them is rejected below
        parsed = date_parser.parse(value, fuzzy=False, default=dt.datetime(1, 1, 1))
    except (ValueError, OverflowError):
        return None
    if parsed.year == 1:
        return None
    return _checked(parsed.year, parsed.month, parsed.day)


def _checked(year: int, month: int, day: int) -> str | None:
    """Return the ISO date if it is a real day between EARLIEST_YEAR and next year, else None."""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if not EARLIEST_YEAR <= year <= dt.date.today().year + 1:
        return None
    return date.isoformat()


def canonical_url(tree: HtmlElement, data: PageData) -> str | None:
    """Return the page's canonical or og:url address, if it declares one."""
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return link.get("href")
    found = data.first("og:url")
    return found[1] if found else None
