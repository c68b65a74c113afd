"""The ``Engine`` protocol every search backend implements, and the function that opens one.

Nothing outside this package imports a search library; callers get and give our dataclasses.
Both engines read queries with the same analyzer and parser (``analysis``), store articles the
same way (``stored``) and build hits, snippets, marked paragraphs, facet values and story copies
with the same code (``results``, ``snippets``); ``whoosh/`` and ``typesense/`` hold only what
differs. The Typesense engine imports nothing of the Whoosh engine.

Where the engines differ in meaning (everything else is the same answer on both):

- Query language: Whoosh runs all of it. Typesense runs words, "phrases", NOT word, AND and
  field:word over the whole query; OR, wildcards (word*), fuzzy terms (word~), ranges, NOT
  before a group, and a field on only part of the query raise a QueryError naming the
  construct (never silently dropped).
- ``IndexStats.size_bytes``: Whoosh counts the index folder's files on disk; Typesense reports
  the server's active memory (all its collections).
- ``Hit.score``: ranked searches score BM25F with the same formula on both (B=0.75, K1=1.2,
  title twice), so scores agree within float rounding; a query part only Whoosh can score
  (wildcards, fuzzy terms) is scored by Whoosh itself. ``more_like`` scores are Whoosh's BM25
  on Whoosh and Typesense's ``text_match`` (a large integer) on Typesense: compare them only
  within one answer. Sorted by date, scores are None on both.
- Relaxed matching (``matching``): the same articles, counts and message on both; after the
  articles holding every word, Whoosh ranks the rest by BM25F; Typesense ranks the first
  candidates of each tier (the rarest telling word an article holds) together by BM25F, then
  the rest tier by tier (``typesense/relaxed.py``).
- Marking: Whoosh marks the indexed words a wildcard or fuzzy term expands to; on Typesense
  such a query is refused, and ``highlight_paragraphs`` marks nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..errors import ConfigError
from ..models import Article, Hit, IndexStats, SearchRequest, SearchResults


class Engine(Protocol):
    """A place articles are indexed in and searched."""

    @property
    def location(self) -> str:
        """Where the articles are, for messages: the index folder, or the server and collection."""

    @property
    def data_dir(self) -> Path:
        """The local folder for data kept beside the index (the story sidecar of
        ``search.stories``): the index folder on Whoosh, a folder per collection under the
        index directory on Typesense. It may not exist yet."""

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
        """Return the body's paragraphs, HTML-safe, with the query's matches in <mark>
        (``results.highlight_paragraphs`` with this engine's ``query_terms``)."""

    def query_terms(self, text: str) -> frozenset[str]:
        """Return the (analysed) words the query marks in snippets and on the article page;
        raise QueryError when the engine cannot read the query."""

    def suggest(self, text: str) -> str | None:
        """Return the query with words unknown to the index replaced by close ones, or None."""

    def more_like(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Return articles most like this one (not itself); raise ArticleNotFound."""

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Article]]:
        """Return how many articles match and an iterator over up to ``limit`` of them, in order."""

    def stats(self) -> IndexStats:
        """Return article count, facet value counts, size and last update."""

    def merging_in_background(self) -> AbstractContextManager[None]:
        """Return a context in which the engine may reorganise its storage in another process
        while writes go on, and which waits for that work at its end (may do nothing)."""

    def prepare(self) -> None:
        """Get the index ready for new readers after a run of writes (may do nothing)."""

    def warm(self) -> None:
        """Build now what the first searches of the current index would build on first use,
        as a server does before it takes requests (may do nothing)."""

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


def check_index(settings: Settings):
    """Return what a check of the index the settings name found (an ``integrity.CheckReport``
    of the Whoosh engine); a Typesense collection is its server's to check."""
    if settings.engine != "whoosh":
        raise ConfigError("`newsfacet check` checks a Whoosh index folder; a Typesense "
                          "collection is kept by its server (use --engine whoosh)")
    from .whoosh.maintenance import check_index as check_folder

    return check_folder(Path(settings.index_dir), settings.trust_index)


def check_trust(settings: Settings) -> None:
    """Raise IndexUntrusted when the index folder may have been written by another user
    (Whoosh; unless ``settings.trust_index``). A missing folder is not checked."""
    if settings.engine == "whoosh" and not settings.trust_index:
        from .whoosh.trust import check_folder

        check_folder(Path(settings.index_dir))


def discard_index(settings: Settings, also: tuple[str, ...] = ()) -> None:
    """Remove the index the settings name, and the files named ``also`` beside it, so that it
    can be built again (``newsfacet index --rebuild``)."""
    if settings.engine != "whoosh":
        raise ConfigError("--rebuild clears a Whoosh index folder; to rebuild a Typesense "
                          "collection, give a new --collection name")
    from .whoosh.maintenance import discard_index as discard_folder

    discard_folder(Path(settings.index_dir), also)


__all__ = ["Engine", "check_index", "check_trust", "discard_index", "open_engine"]
