"""Every matching article as CSV or JSON, streamed a row at a time.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) get a leading apostrophe: article text is written by strangers.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import chain
from collections.abc import Iterable, Iterator

from search.models import Article, SearchRequest

EXPORT_FORMATS = ("csv", "json")
CSV_COLUMNS = ("id", "title", "outlet", "author", "date", "date_source", "source", "url",
               "entities", "body")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Return the cell as text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(article: Article) -> list[str]:
    entities = "; ".join(f"{e.name} ({e.type})" for e in article.entities)
    values = (article.id, article.title, article.outlet, article.author,
              article.date.isoformat() if article.date else None, article.date_source,
              article.source, article.url, entities, article.body)
    return [safe_cell(v) for v in values]


def csv_lines(articles: Iterable[Article]) -> Iterator[str]:
    """Yield the CSV: a header row, then one row per article."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([list(CSV_COLUMNS)], map(_row, articles)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_dict(article: Article) -> dict:
    data = article.to_dict()
    data.pop("content_hash", None)
    return data


def json_chunks(request: SearchRequest, total: int, limit: int,
                articles: Iterable[Article]) -> Iterator[str]:
    """Yield one JSON document: the search, counts, then the articles one by one."""
    head = {"query": request.query, "total": total, "limit": limit, "count": min(total, limit)}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": ['
    for number, article in enumerate(articles):
        yield ("," if number else "") + json.dumps(export_dict(article), ensure_ascii=False)
    yield "]}"
