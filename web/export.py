"""Every matching article as CSV or JSON, streamed a row at a time.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) get a leading apostrophe: article text is written by strangers. An export cut at its
limit says so in the file itself (a last CSV line, ``truncated`` in the JSON), as Datasette does:
a header alone is lost when the file is saved.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from itertools import chain
from collections.abc import Callable, Iterable, Iterator

from search.errors import QueryError
from search.models import Article, SearchRequest

EXPORT_FORMATS = ("csv", "json")
CSV_COLUMNS = ("id", "title", "outlet", "author", "date", "date_source", "source", "url",
               "entities", "agency", "story", "link", "body")
# Spreadsheets (Excel) read a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"
FILE_NAME_CHARS = 60
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Return the cell as text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(article: Article, link: Callable[[str], str]) -> list[str]:
    entities = "; ".join(f"{e.name} ({e.type})" for e in article.entities)
    values = (article.id, article.title, article.outlet, article.author,
              article.date.isoformat() if article.date else None, article.date_source,
              article.source, article.url, entities, article.agency, article.story,
              link(article.id), article.body)
    return [safe_cell(v) for v in values]


def export_limit(args, most: int) -> int:
    """Return the rows an export asks for (``limit``, at most ``most``, the setting
    NEWSFACET_MAX_EXPORT); raise QueryError for a value that is no whole number in range."""
    given = args.get("limit", "").strip()
    if not given:
        return most
    if not given.isdigit() or not 1 <= int(given) <= most:
        raise QueryError(f"limit must be a whole number from 1 to {most:,} (the most rows of an "
                         f"export, NEWSFACET_MAX_EXPORT), not {given[:20]!r}")
    return int(given)


def cut_note(total: int, limit: int) -> str | None:
    """Return what a cut export says of itself, or None when it holds every match."""
    if total <= limit:
        return None
    return (f"# cut: the first {limit:,} of {total:,} matching articles "
            "(ask for fewer matches, or raise NEWSFACET_MAX_EXPORT)")


def csv_lines(articles: Iterable[Article], *, total: int, limit: int,
              link: Callable[[str], str], bom: bool = False) -> Iterator[str]:
    """Yield the CSV: a header row, one row per article, then a last line saying where the
    export was cut, if it was."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    note = cut_note(total, limit)
    rows = chain([list(CSV_COLUMNS)], (_row(a, link) for a in articles),
                 [[note]] if note else [])
    for number, row in enumerate(rows):
        writer.writerow(row)
        yield (BOM if bom and not number else "") + buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def file_name(request: SearchRequest, fmt: str) -> str:
    """Return a download file name naming the search: newsfacet-embassy-kataib-hezbollah.csv."""
    words = [request.query, *request.entities, *request.outlets]
    words += [f"{name} {day}" for name, day in (("since", request.since),
                                                 ("until", request.until)) if day]
    plain = unicodedata.normalize("NFKD", " ".join(w for w in words if w))
    slug = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode().lower()).strip("-")
    slug = slug[:FILE_NAME_CHARS].rstrip("-") or ("search" if any(words) else "all-articles")
    return f"newsfacet-{slug}.{fmt}"


def export_dict(article: Article) -> dict:
    data = article.to_dict()
    data.pop("content_hash", None)
    return data


def json_chunks(request: SearchRequest, total: int, limit: int,
                articles: Iterable[Article]) -> Iterator[str]:
    """Yield one JSON document: the search, counts, then the articles one by one."""
    head = {"query": request.query, "total": total, "limit": limit, "count": min(total, limit),
            "truncated": total > limit, "note": cut_note(total, limit)}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": ['
    for number, article in enumerate(articles):
        yield ("," if number else "") + json.dumps(export_dict(article), ensure_ascii=False)
    yield "]}"
