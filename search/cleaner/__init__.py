"""Cleaners: a raw page (HTML, through trafilatura) or a text dump to the article's main text.

Both cleaners return a :class:`CleanedDocument`: the article body with site chrome removed,
the labelled blocks the decision was made on (so ``newsfacet clean`` can show it and the
metadata extractors can read mastheads, date lines and bylines), and, for HTML, what the page's
own metadata declares.
"""

from __future__ import annotations

from .document import BODY_LABELS, META_LABELS, Block, CleanedDocument
from .html import PARSER_DEPTH, clean_html, nesting_depth
from .text import clean_text

__all__ = ["BODY_LABELS", "META_LABELS", "PARSER_DEPTH", "Block", "CleanedDocument", "clean_html",
           "clean_text", "nesting_depth"]
