"""The embedded default engine, on Whoosh: ``engine`` (schema, writing, searching), ``docs``
(facet counts and BM25 over posting lists), ``saved`` (those arrays saved beside the index),
``writer``, ``browse`` (suggest, more-like-this, export), ``stories`` (copies of a story) and
``articles`` (stored articles decoded once, in bounded caches).
"""

from __future__ import annotations

from .engine import FACET_FIELDS, WhooshEngine, build_schema

__all__ = ["FACET_FIELDS", "WhooshEngine", "build_schema"]
