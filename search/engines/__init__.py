"""The ``Engine`` protocol every search backend implements, and the function that opens one.

Nothing outside this package imports a search library; callers get and give our dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from ..config import Settings
from ..errors import ConfigError
from ..models import Article, Hit, IndexStats, SearchRequest, SearchResults


class Engine(Protocol):
    """A place articles are indexed in and searched."""

    def upsert(self, articles: Sequence[Article]) -> None:
        """Add articles, replacing any stored article with the same id."""

    def remove(self, ids: Iterable[str]) -> int:
        """Remove articles by id; return how many were there."""

    def search(self, request: SearchRequest) -> SearchResults:
        """Return ranked hits, facet counts over every match, and snippets."""

    def get(self, article_id: str) -> Article:
        """Return one article in full; raise ArticleNotFound."""

    def hashes(self) -> dict[str, str]:
        """Return the content hash of every stored article, by id."""

    def count(self) -> int:
        """Return how many articles the index holds."""

    def highlight_paragraphs(self, body: str, text: str) -> list[str]:
        """Return the body's paragraphs, HTML-safe, with the query's matches in <mark>."""

    def suggest(self, text: str) -> str | None:
        """Return the query with words unknown to the index replaced by close ones, or None."""

    def more_like(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Return articles most like this one (not itself); raise ArticleNotFound."""

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Article]]:
        """Return how many articles match and an iterator over up to ``limit`` of them, in order."""

    def stats(self) -> IndexStats:
        """Return article count, facet value counts, size and last update."""

    def prepare(self) -> None:
        """Get the index ready for new readers after a run of writes (may do nothing)."""

    def close(self) -> None:
        """Release files and connections."""


def open_engine(settings: Settings, *, create: bool = False) -> Engine:
    """Return the engine the settings name; ``create`` makes a missing index."""
    if settings.engine == "whoosh":
        from .whoosh.engine import WhooshEngine

        return WhooshEngine(settings, create=create)
    if settings.engine == "typesense":
        from .typesense.engine import TypesenseEngine

        return TypesenseEngine(settings, create=create)
    raise ConfigError(f"engine {settings.engine!r} is not available yet: use --engine whoosh")


__all__ = ["Engine", "open_engine"]
