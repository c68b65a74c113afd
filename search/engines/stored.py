"""How both engines store an article: the searched text in fields of its own, the rest as one
JSON string, read back into the same ``Article``."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Mapping

from ..models import Article
from ..unicode import valid_data

# Stored as fields of their own; every other attribute travels in ``data``.
TEXT_FIELDS = ("id", "source", "title", "body")


def encode_data(article: Article) -> str:
    """Return the JSON of an article's attributes other than id, source, title and body."""
    return json.dumps({k: v for k, v in article.to_dict().items() if k not in TEXT_FIELDS})


def decode_article(stored: Mapping[str, Any]) -> Article:
    """Return the article of a stored document (its fields and its ``data`` JSON)."""
    data = json.loads(stored.get("data") or "{}")
    data.update(id=stored["id"], source=stored.get("source", ""),
                title=stored.get("title") or None, body=stored.get("body", ""))
    # An index written before text was repaired at indexing may hold lone surrogates.
    return Article.from_dict(valid_data(data, 3))


__all__ = ["TEXT_FIELDS", "decode_article", "encode_data"]
