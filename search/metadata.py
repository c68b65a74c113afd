"""Title, byline, date, outlet and language of an article (placeholder: page metadata only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

from .cleaner import CleanedDocument


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


def parse_date(value: str | None) -> dt.date | None:
    """Return the date an explicit date string states, or None (placeholder: ISO only)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def extract_metadata(doc: CleanedDocument, hints: Mapping[str, str | None] | None = None) -> Metadata:
    """Return the article's metadata; ``hints`` (record fields, --metadata) win over the page."""
    hints = {k: v for k, v in (hints or {}).items() if v}
    meta = doc.page_meta
    title = hints.get("title") or meta.get("title")
    date = parse_date(hints.get("date")) or parse_date(meta.get("date"))
    return Metadata(
        title=title, title_source="given" if hints.get("title") else ("html-meta" if title else None),
        date=date, date_source="given" if hints.get("date") else meta.get("date_source"),
        outlet=hints.get("outlet") or meta.get("sitename"),
        outlet_source="given" if hints.get("outlet") else ("html-meta" if meta.get("sitename") else None),
        author=hints.get("author") or meta.get("author"), url=hints.get("url") or meta.get("url"),
        language=meta.get("language"),
    )
