"""How both engines store an article: the searched text in fields of its own, the rest as one
JSON string, read back into the same ``Article``."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Mapping

from ..models import Article
from ..unicode import valid_data, valid_text

# Stored as fields of their own; every other attribute travels in ``data``.
TEXT_FIELDS = ("id", "source", "title", "body")


def encode_data(article: Article) -> str:
    """Return the JSON of an article's attributes other than id, source, title and body."""
    return json.dumps({k: v for k, v in article.to_dict().items() if k not in TEXT_FIELDS})


def decode_article(stored: Mapping[str, Any]) -> Article:
    """Return the article of a stored document (its fields and its ``data`` JSON)."""
    raw = stored.get("data") or "{}"
    data = json.loads(raw)
    # An index written before text was repaired at indexing may hold lone surrogates. JSON text
    # that is ASCII with no \\uD800-\\uDFFF escape cannot hold one, so the walk over every
    # value (entities are a list of dicts: 12 ms a query at 100k articles) is skipped then.
    if not raw.isascii() or "\\ud" in raw or "\\uD" in raw:
        data = valid_data(data, 3)
    data.update(id=valid_text(stored["id"]), source=valid_text(stored.get("source", "")),
                title=valid_text(stored.get("title") or "") or None,
                body=valid_text(stored.get("body", "")))
    return Article.from_dict(data)


__all__ = ["TEXT_FIELDS", "decode_article", "encode_data"]
