"""The publication date a page declares in its metadata, and where it was found.

Only explicit declarations count (meta tags, JSON-LD, a ``datePublished`` element, a dated URL
path): a year mentioned in the text is never a publication date, and a wrong date is worse than
none. The date is read as written, in the publisher's own time zone, not converted to ours.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from dateutil import parser as date_parser
from lxml.html import HtmlElement

from .html_pagedata import PageData

logger = logging.getLogger(__name__)

# Meta keys naming the original publication date, most specific first; modified dates are left out.
PUBLISHED_META_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "published_time", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "article.published", "date", "displaydate", "original-publish-date", "cxenseparse:recs:publishtime",
)
ISO_DATE_RE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})(?:\b|T|\s|$)")
URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})/([01]?\d)/([0-3]?\d)/")
EARLIEST_YEAR = 1990  # the web news era; older values are placeholders such as 1970-01-01


def find_published_date(tree: HtmlElement, data: PageData, url: str | None) -> tuple[str | None, str | None]:
    """Return the ISO publication date and its source (e.g. ``html-meta:article:published_time``), or Nones."""
    found = data.first(*PUBLISHED_META_KEYS)
    if found and (date := parse_date(found[1])):
        return date, f"html-meta:{found[0]}"
    for obj in data.articles():
        for key in ("datePublished", "dateCreated"):
            if (date := parse_date(obj.get(key))):
                return date, f"json-ld:{key}"
    for element in tree.xpath('//*[@itemprop="datePublished"]'):
        if (date := parse_date(element.get("datetime") or element.get("content"))):
            return date, "html-element:itemprop=datePublished"
    canonical = canonical_url(tree, data) or url
    if canonical and (match := URL_DATE_RE.search(canonical)):
        if (date := _checked(int(match[1]), int(match[2]), int(match[3]))):
            return date, "url"
    return None, None


def parse_date(value: object) -> str | None:
    """Return the ISO date (YYYY-MM-DD) an explicit date string states, as written, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    if (match := ISO_DATE_RE.match(value)):
        return _checked(int(match[1]), int(match[2]), int(match[3]))
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
