"""How values read on a page: counts, error titles, date sources, the date boxes' examples."""

from __future__ import annotations

import re

from search.facets import UNDATED
from search.models import SearchResults

# Where a date came from, as a reader would say it; other sources are shown as they are
# stored ("html-meta", "json-ld:datePublished"), which name the page's own statement.
DATE_SOURCES = {
    "given": "as given with the article",
    "date-line": "from a date line",
    "dateline": "from the dateline",
}
# The date boxes' examples when the matches have no dated article to take them from.
NO_DATES = ("2 years ago", "today")


def thousands(value: object) -> object:
    """Return a whole number with thousands separators ("19,771"); anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def error_title(name: str) -> str:
    """Return "Article not found" for the error class name "ArticleNotFound"; HTTP reasons
    ("Not Found") and titles with spaces stay as they are."""
    if " " in name or not re.fullmatch(r"[A-Z][A-Za-z]+", name):
        return name
    words = re.findall(r"[A-Z][a-z]*", name)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def date_source(source: str | None) -> str:
    """Return the words that follow a date on the article page: "(from the dateline)"."""
    if not source:
        return "source unknown"
    return DATE_SOURCES.get(source, f"from {source}")


def date_examples(results: SearchResults) -> tuple[str, str]:
    """Return example values for the From and To boxes, from the years of these matches (so
    they fit the collection shown, not one the page was first written for)."""
    values = [v.value for v in results.facets.get("year", ()) if v.value != UNDATED and v.count]
    years = sorted(v for v in values if v.isdigit())
    if not years:
        return NO_DATES
    return f"{years[0]}-01-01", f"{years[-1]}-12-31"


__all__ = ["date_examples", "date_source", "error_title", "thousands"]
