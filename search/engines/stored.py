"""How both engines store an article: the searched text in fields of its own, the rest as one
JSON string, read back into the same ``Article``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from collections.abc import Mapping

from ..models import Article, StoryCopy
from ..unicode import valid_data, valid_text

# Stored as fields of their own; every other attribute travels in ``data``.
TEXT_FIELDS = ("id", "source", "title", "body")


def encode_data(article: Article) -> str:
    """Return the JSON of an article's attributes other than id, source, title and body."""
    return json.dumps({k: v for k, v in article.to_dict().items() if k not in TEXT_FIELDS})


def decode_article(stored: Mapping[str, Any]) -> Article:
    """Return the article of a stored document (its fields and its ``data`` JSON)."""
    data = _data(stored)
    data.update(id=valid_text(stored["id"]), source=valid_text(stored.get("source", "")),
                title=valid_text(stored.get("title") or "") or None,
                body=valid_text(stored.get("body", "")))
    return Article.from_dict(data)


def decode_copy(stored: Mapping[str, Any]) -> StoryCopy:
    """Return how a stored document is listed as another copy of a story ("also in"): what
    ``results.story_copy`` makes of ``decode_article(stored)``, without building the article
    (its entities are most of the time a copy took to decode: 40 copies a query at 100k)."""
    data = _data(stored)
    date = data.get("date")
    return StoryCopy(id=valid_text(stored["id"]), source=valid_text(stored.get("source", "")),
                     outlet=data.get("outlet"),
                     title=valid_text(stored.get("title") or "") or None,
                     date=dt.date.fromisoformat(date) if date else None)


def _data(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored document's ``data`` JSON, its text made valid."""
    raw = stored.get("data") or "{}"
    data = json.loads(raw)
    # An index written before text was repaired at indexing may hold lone surrogates. JSON text
    # that is ASCII with no \\uD800-\\uDFFF escape cannot hold one, so the walk over every
    # value (entities are a list of dicts: 12 ms a query at 100k articles) is skipped then.
    if not raw.isascii() or "\\ud" in raw or "\\uD" in raw:
        data = valid_data(data, 3)
    return data


__all__ = ["TEXT_FIELDS", "decode_article", "decode_copy", "encode_data"]
