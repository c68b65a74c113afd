"""Stored articles of one index generation, decoded once and kept in bounded LRU caches.

Reading a stored article means decompressing and unpickling Whoosh's stored fields, parsing its
JSON and building its entities. On 100,000 articles (``bench.query_stages`` on bench.perf's
index, 2026-12-07) a query spent 2.2 of its 7.4 ms decoding the ten hits' articles and the
other copies of their stories (about 33 a query on the amplified corpus). A docnum names the
same document for the whole generation, so its decoded article, or how it is listed as a copy
of a story, can be kept: the hits' articles in one cache, the copies (a few strings each) in
another, both shared by the threads of a process (the values are frozen dataclasses). The
caches are bounded by entries, not by the queries seen: ``ARTICLES`` articles (news articles
of a few kilobytes: about 10 MB) and ``COPIES`` copies (about 5 MB).
"""

from __future__ import annotations


from ...models import Article, StoryCopy
from ..lru import Lru
from ..stored import decode_article, decode_copy
from .docs import GenerationCache

ARTICLES = 1_000
COPIES = 10_000


class StoredArticles:
    """The decoded articles and story copies of one index generation."""

    def __init__(self) -> None:
        self._articles: Lru[int, Article] = Lru(ARTICLES)
        self._copies: Lru[int, StoryCopy] = Lru(COPIES)

    def article(self, searcher, docnum: int) -> Article:
        """Return the article stored as ``docnum`` in the searcher's generation."""
        return self._articles.get(docnum,
                                  lambda d: decode_article(searcher.stored_fields(d)))

    def copy(self, searcher, docnum: int) -> StoryCopy:
        """Return how the document ``docnum`` is listed as another copy of a story."""
        return self._copies.get(docnum, lambda d: decode_copy(searcher.stored_fields(d)))

    def clear(self) -> None:
        """Forget every decoded value (the benchmark's cold runs)."""
        self._articles.clear()
        self._copies.clear()


_generations = GenerationCache()


def stored_articles(path: str, searcher) -> StoredArticles:
    """Return the decoded-article caches of the searcher's generation of the index at ``path``,
    shared by every thread and engine of the process."""
    return _generations.get(path, searcher, StoredArticles)
