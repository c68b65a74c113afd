"""Title, date, outlet, author and language of an article, normalised; one small function per field.

Every value carries where it came from: ``given`` (hints: record fields or a --metadata file,
which win over everything), ``html-meta`` (what an HTML page declares), or the kind of text
block it was read from (``title-line``, ``date-line``, ``dateline``, ``masthead``, ``chrome``,
``byline``). A text dump without a headline gets a title derived from its first sentence
(``title_source="first-sentence"``) so that results still show something readable.

Dates come only from places that state the publication date, never from a year in the text
and never from a site's date banner (the day the page was saved); unknown dates are None.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from collections.abc import Mapping

from .cleaner import CleanedDocument
from .cleaner.chrome import BARE_DATE, BYLINE, DATE_PATTERN, DATELINE
from .cleaner.html_date import UTC_MARK

logger = logging.getLogger(__name__)

# Refuse to invent a missing day, month or year; a bare "2019" or "May 2019" is no date.
DATE_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
}
EARLIEST_DATE = dt.date(1800, 1, 1)
MAX_DATE_CHARS = 64  # longer strings are sentences, not dates
DATELINE_DATE_CHARS = 60  # a dateline's date stands before its dash: "LONDON, May 3, 2019 (AP) –"
# A page shows its date beside the headline, not further down. A bound, not a fit: none of the
# 75 train pages dated by a UTC timestamp has a date-only line (bench/dates.py).
SHOWN_DATE_BLOCKS = 8
DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
DERIVED_TITLE_CHARS = 90
OUTLET_MAX_WORDS = 6
# Chrome that names the site it belongs to; the keywords are case-free, the name is capitalised.
OUTLET_PATTERNS = tuple(re.compile(pattern) for pattern in (
    r"^(?i:download|get|try) (?i:the) (?P<name>[A-Z].+?) (?i:app)\b",
    r"^(?i:disclaimer: no) (?P<name>[A-Z].+?) (?i:journalist)",
    r"^(?i:access) (?P<name>[A-Z].+?) (?i:across (all )?devices)",
    r"^(?:©|\((?i:c)\)|"
    r"(?i:copyright))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?(?i:by\s+)?(?P<name>[A-Z][^.,|©]+?)"
    r"\s*(?:\.|,|\||(?i:all rights)|$)",
))
_HOSTNAME = re.compile(r"^(?:https?://)?(?:www\d?\.)?(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/?$",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Metadata:
    """Normalised metadata; every ``*_source`` says where its value came from."""

    title: str | None = None
    title_source: str | None = None
    date: dt.date | None = None
    date_source: str | None = None
    outlet: str | None = None
    outlet_source: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None
    author_source: str | None = None


def extract_metadata(doc: CleanedDocument,
                     hints: Mapping[str, str | None] | None = None) -> Metadata:
    """Return the article's metadata; ``hints`` (record fields, --metadata) win over the page."""
    given = {key: text for key, value in (hints or {}).items() if (text := _normalise(value))}
    title, title_source = _extract_title(doc, given)
    date, date_source = _extract_date(doc, given)
    outlet, outlet_source = _extract_outlet(doc, given)
    author, author_source = _extract_author(doc, given)
    return Metadata(
        title=title, title_source=title_source, date=date, date_source=date_source,
        outlet=outlet, outlet_source=outlet_source, author=author, author_source=author_source,
        url=given.get("url") or _normalise(doc.page_meta.get("url")),
        language=_normalise(doc.page_meta.get("language")),
    )


def parse_date(value: object) -> dt.date | None:
    """Return the date an explicit date string states (day, month and year all given), else None.

    Accepts ISO dates and datetimes and written dates ("May 3, 2019", "3 May 2019"); returns
    None for anything else, for dates in the future and for dates before 1800. Never raises.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value if EARLIEST_DATE <= value <= dt.date.today() else None
    text = _normalise(value) if isinstance(value, str) else None
    if not text or len(text) > MAX_DATE_CHARS:
        return None
    parsed = _parse_iso(text) or _parse_dotted(text) or _parse_written(text)
    return parsed if parsed and EARLIEST_DATE <= parsed <= dt.date.today() else None


def _parse_iso(text: str) -> dt.date | None:
    """Return the date of an ISO 8601 date or datetime, else None."""
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _parse_dotted(text: str) -> dt.date | None:
    """Return the date of a dotted numeric date, day first as everywhere dots are written
    ("10.12.2022, 07:00:03" is 10 December; dateparser reads it month first), else None."""
    if not (match := DOTTED_DATE.match(text)):
        return None
    try:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def _parse_written(text: str) -> dt.date | None:
    """Return the date dateparser reads in ``text`` under strict settings, else None."""
    # imported here: it takes about 50 ms to import, and HTML pages, whose dates are ISO
    # stamps or dotted, seldom reach it (none of extraction-bench/dev's 40 pages do)
    import dateparser

    try:
        parsed = dateparser.parse(text, settings=DATE_SETTINGS)
    except (ValueError, TypeError, OverflowError, AttributeError, IndexError) as exc:
        # dateparser raises assorted errors on odd input; garbage is simply not a date
        logger.debug("no date in %r: %s", text, exc)
        return None
    # relative phrases ("yesterday", "2 days ago") pass REQUIRE_PARTS: a stated date names its year
    return parsed.date() if parsed and str(parsed.year) in text else None


def _normalise(value: object) -> str | None:
    """Return ``value`` as a string with whitespace collapsed, or None when empty."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _extract_title(doc: CleanedDocument, given: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return (title, source): the hint, the page's declared title, the title line, or the first
    sentence."""
    if given.get("title"):
        return given["title"], "given"
    if _normalise(doc.page_meta.get("title")):
        return _normalise(doc.page_meta.get("title")), "html-meta"
    line = next((block.text for block in doc.blocks if block.label == "title"), None)
    if line:
        return _normalise(line), "title-line"
    derived = _title_from_body(doc.body)
    return (derived, "first-sentence") if derived else (None, None)


def _title_from_body(body: str) -> str | None:
    """Return the body's first sentence, shortened on a word boundary with an ellipsis, or None."""
    paragraph = body.strip().split("\n\n", 1)[0]
    if DATELINE.match(paragraph):  # "BAGHDAD – Paramilitary groups …" starts at "Paramilitary"
        paragraph = re.split(r"\s[–—-]\s", paragraph, maxsplit=1)[-1]
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", paragraph, maxsplit=1)[0].strip()
    if not sentence:
        return None
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence
    return sentence[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _extract_date(doc: CleanedDocument,
                  given: Mapping[str, str]) -> tuple[dt.date | None, str | None]:
    """Return (date, source) from the hint, the page's metadata, a date line or a dated dateline."""
    if given.get("date"):
        date = parse_date(given["date"])
        if date:
            return date, "given"
        logger.warning("ignored the given date %r: not a full date", given["date"])
    written = _written_date(doc)
    date = parse_date(doc.page_meta.get("date"))
    if date:
        source = doc.page_meta.get("date_source") or "html-meta"
        # A UTC timestamp's day may not be the publisher's: a date the page shows one day off
        # is the local day ("2023-11-01T23:01Z" beside "2 November 2023" in Rome).
        shown = written or _shown_date(doc)
        if source.endswith(UTC_MARK) and shown and abs((shown[0] - date).days) == 1:
            return shown
        return date, source
    return written or (None, None)


def _shown_date(doc: CleanedDocument) -> tuple[dt.date, str] | None:
    """Return the date of a line near the top of a page that is only a date, if any."""
    for block in doc.blocks[:SHOWN_DATE_BLOCKS]:
        if BARE_DATE.match(block.text.strip()) and (date := _date_in(block.text)):
            return date, "date-line"
    return None


def _written_date(doc: CleanedDocument) -> tuple[dt.date, str] | None:
    """Return the first date a date line or a dateline of the text states, with its source."""
    for block in doc.blocks:
        if block.label in ("date", "dateline"):
            date = _date_in(block.text if block.label == "date"
                            else block.text[:DATELINE_DATE_CHARS])
            if date:
                return date, "date-line" if block.label == "date" else "dateline"
    return None


def _date_in(text: str) -> dt.date | None:
    """Return the first full date written in ``text``, else None."""
    return next((date for match in DATE_PATTERN.finditer(text)
                 if (date := parse_date(match["date"]))), None)


def _extract_outlet(doc: CleanedDocument,
                    given: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return (outlet, source): the hint, the page's site name, or a name the dump's own chrome
    states."""
    if given.get("outlet"):
        return given["outlet"], "given"
    sitename = _normalise(doc.page_meta.get("sitename"))
    if sitename:
        return _site_name(sitename), "html-meta"
    for block in doc.blocks:
        if block.label == "masthead":
            return _normalise(block.text), "masthead"
    for block in doc.blocks:
        name = _outlet_in_chrome(block.text) if block.label == "chrome" else None
        if name:
            return name, "chrome"
    return None, None


def _site_name(sitename: str) -> str:
    """Return a site name with a bare hostname form ("www.x.com", "https://x.com/") reduced to
    "x.com"."""
    match = _HOSTNAME.match(sitename)
    return match["host"].lower() if match else sitename


def _outlet_in_chrome(text: str) -> str | None:
    """Return the outlet a chrome line names ("Download the NBC News app" → "NBC News"), else
    None."""
    for pattern in OUTLET_PATTERNS:
        match = pattern.search(text)
        if match and len(match["name"].split()) <= OUTLET_MAX_WORDS:
            return _normalise(match["name"])
    return None


def _extract_author(doc: CleanedDocument,
                    given: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return (author, source): the hint, the page's declared author, or the name on a byline."""
    if given.get("author"):
        return given["author"], "given"
    if _normalise(doc.page_meta.get("author")):
        return _normalise(doc.page_meta.get("author")), "html-meta"
    for block in doc.blocks:
        match = BYLINE.match(block.text) if block.label == "byline" else None
        if match:
            return _normalise(match["name"]), "byline"
    return None, None
