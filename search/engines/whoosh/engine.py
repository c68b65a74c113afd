"""The embedded default engine: schema, writing, searching, facets and snippets with Whoosh.

All Whoosh field options live here. Facets are counted from per-reader sets of docnums
(``whoosh_docs.DocSets``, built once per index generation), not with ``groupedby`` (which
scores every match) nor ``DateRangeFacet`` (about half a second a query): dates are faceted on
year and month values. Snippets come from ``snippets.make_snippet``, not Whoosh's highlighter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import threading
from pathlib import Path
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from whoosh import index, qparser, query
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from ...config import Settings
from ...errors import ArticleNotFound, IndexCorrupt, IndexMissing, QueryError
from ...facets import BY_NAME, FACET_NAMES, FACETS
from ...models import (UNDATED, Article, FacetValue, Hit, IndexStats, SearchRequest,
                      SearchResults)
from ...query import SEARCH_FIELDS, check_query_syntax
from ...unicode import valid_data
from . import browse as whoosh_browse
from . import saved as whoosh_saved
from . import stories as whoosh_stories
from .. import budget
from ..budget import Deadline, within
from ..expansion import Expander, Vocabulary, has_patterns
from ..parsing import parse_query
from ..query_terms import marked_terms
from ..snippets import make_snippet, mark_all
from .docs import (UNDATED_NEWEST, UNDATED_OLDEST, DocSets, DocsQuery,
                          GenerationCache, intersect, shared_docsets, size_of)
from .writer import StoredIds, Writer

logger = logging.getLogger(__name__)

# 2: agency (facet) and story (sortable) fields; older indexes get them added on open.
SCHEMA_VERSION = 2
FACET_FIELDS = FACET_NAMES
TITLE_BOOST = 2.0
# No stop list: "The Hague" or a quoted phrase must stay searchable, and BM25 already weighs
# very common words down.
ANALYZER = StemmingAnalyzer(stoplist=None, minsize=1)
META_FILE = "newsfacet.json"
DATE_KEYS = ("date_new", "date_old")  # the sortable date columns (newest / oldest first)
# The arrays saved beside the index for the generation a searcher has open, loaded once.
_saved_arrays = GenerationCache()
# The words of the searched fields, for fuzzy and wildcard expansion (one per generation).
_vocabularies = GenerationCache()
VOCABULARY = "vocab.words"


def build_schema() -> Schema:
    """Return the Whoosh schema of an article index."""
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        source=ID(stored=True),
        title=TEXT(stored=True, analyzer=ANALYZER),
        body=TEXT(stored=True, analyzer=ANALYZER),
        **_facet_fields(),
        date=ID(),
        date_new=ID(sortable=True),
        date_old=ID(sortable=True),
        content_hash=ID(sortable=True),
        data=STORED(),
        story=ID(sortable=True),
    )


def _facet_fields() -> dict[str, Any]:
    """Return a field per facet of the registry: a list of terms (entities indexed as
    "type|Canonical Name", so one term carries both) or one term."""
    return {f.name: KEYWORD(commas=True, lowercase=False, scorable=False) if f.multi_valued
            else ID() for f in FACETS}


def _document(article: Article) -> dict:
    data = article.to_dict()
    for key in ("title", "body", "id", "source"):
        data.pop(key)
    date = article.date.isoformat() if article.date else None
    doc = {
        "id": article.id, "source": article.source, "title": article.title or "",
        "body": article.body,
        "date_new": date or UNDATED_NEWEST, "date_old": date or UNDATED_OLDEST,
        "content_hash": article.content_hash, "data": json.dumps(data),
    }
    for facet in FACETS:  # a period facet always has a value ("undated"), others may have none
        terms = facet.terms(article)
        if facet.multi_valued:
            doc[facet.name] = ",".join(terms)
        elif terms:
            doc[facet.name] = terms[0]
    if article.story:
        doc["story"] = article.story
    if date:
        doc["date"] = date
    return doc


def _article(stored: dict) -> Article:
    data = json.loads(stored["data"])
    data.update(id=stored["id"], source=stored["source"], title=stored.get("title") or None,
                body=stored.get("body", ""))
    # An index written before text was repaired at indexing may hold lone surrogates.
    return Article.from_dict(valid_data(data, 3))


class WhooshEngine:
    """An article index in a directory, searched with Whoosh."""

    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        self.settings = settings
        self.path = Path(settings.index_dir)
        self._index = self._open(create)
        self._lock = threading.Lock()
        self._searcher = None
        self._sets: DocSets | None = None
        self._stored_ids = StoredIds()
        self._parser = qparser.MultifieldParser(list(SEARCH_FIELDS), self._index.schema,
                                                fieldboosts={"title": TITLE_BOOST})
        self._parser.add_plugin(qparser.FuzzyTermPlugin())

    def _open(self, create: bool):
        exists = self.path.is_dir() and index.exists_in(str(self.path))
        if not exists and not create:
            raise IndexMissing(f"no index in {self.path}/ — run `newsfacet index seeds/` first "
                               "(or pass --index DIR)")
        try:
            if not exists:
                self.path.mkdir(parents=True, exist_ok=True)
                index.create_in(str(self.path), build_schema())
                self._write_meta()
            # No mmap: every thread has its own searcher, and each mapping of the index files
            # counts again in the server's resident memory; plain reads share the page cache.
            opened = FileStorage(str(self.path), supports_mmap=False).open_index()
        except (OSError, ValueError, EOFError, KeyError) as exc:  # whoosh raises these on damage
            raise IndexCorrupt(f"cannot open the index in {self.path}/: {exc} — "
                               "delete the folder and index again") from exc
        return self._upgraded(opened)

    def _upgraded(self, opened):
        """Return the index with the fields a newer schema added (an index made by an older
        version lacks them; its articles get their values when they are indexed again)."""
        missing = [(name, field) for name, field in build_schema().items()
                   if name not in opened.schema]
        if not missing:
            return opened
        try:
            writer = opened.writer(timeout=10.0)
        except LockError as exc:
            raise IndexCorrupt(f"the index in {self.path}/ was made by an older newsfacet and "
                               "another process is writing to it — try again when it is done") from exc
        for name, field in missing:
            writer.add_field(name, field)
        writer.commit()
        logger.warning("index %s upgraded to schema %d: run `newsfacet index` on its sources "
                       "again to fill in agencies and stories", self.path, SCHEMA_VERSION)
        self._write_meta()
        opened.close()
        return FileStorage(str(self.path), supports_mmap=False).open_index()

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, articles: Sequence[Article]) -> None:
        if not articles:
            return
        writer = Writer(self._index, timeout=30.0, limitmb=256)
        try:
            # One delete query per batch (update_document would open a reader per article),
            # for the ids that may be stored.
            stored = self._stored_ids.maybe_stored(writer, [a.id for a in articles])
            if stored:
                writer.delete_by_query(query.Or([query.Term("id", i) for i in stored]))
            for article in articles:
                writer.add_document(**_document(article))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._write_meta()

    def remove(self, ids: Iterable[str]) -> int:
        writer = self._index.writer(timeout=30.0)
        removed = 0
        try:
            for article_id in ids:
                removed += writer.delete_by_term("id", article_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._write_meta()
        return removed

    def _write_meta(self) -> None:
        meta = {"schema_version": SCHEMA_VERSION,
                "last_update": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        tmp = self.path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, self.path / META_FILE)

    # -- reading ---------------------------------------------------------------------------

    def _current(self) -> tuple[Any, DocSets]:
        """Return an up-to-date searcher and its doc sets, refreshed after commits."""
        with self._lock:
            if self._searcher is None:
                self._searcher = self._index.searcher()
            elif not self._searcher.up_to_date():
                # A fresh searcher, not refresh(): a refreshed searcher leaves the readers of
                # merged-away segments open. Every call uses one searcher from start to end and
                # an engine serves one thread, so no call is still reading the old one.
                old, self._searcher = self._searcher, self._index.searcher()
                old.close()
                self._sets = None
            if self._sets is None:
                self._sets = shared_docsets(self._path_key, self._searcher, FACET_FIELDS,
                                            self._saved(self._searcher))
                # Field lengths and their averages, which scoring builds on first use, are
                # built here, so a query's time budget never pays for them.
                for field in SEARCH_FIELDS:
                    self._sets._field_lengths(self._searcher, field)
                    self._sets._average(self._searcher, field)
            return self._searcher, self._sets

    @property
    def _path_key(self) -> str:
        return str(self.path.resolve())

    def _saved(self, searcher) -> dict:
        return _saved_arrays.get(self._path_key, searcher,
                                 lambda: whoosh_saved.load(self.path, searcher))

    def _stories(self, searcher, sets: DocSets) -> whoosh_stories.StoryTable:
        return whoosh_stories.story_table(self._path_key, searcher, sets.live, self._saved(searcher))

    def prepare(self) -> None:
        """Build what a reader of the current generation needs (facet postings, date keys,
        field lengths, stories) and save it beside the index, so that a new process, such as a
        server worker, loads it in milliseconds instead of building it."""
        searcher, sets = self._current()
        if self._saved(searcher) or not sets.size:
            return  # saved already (and loaded from the file), or nothing to save
        arrays = {**sets.arrays(searcher, DATE_KEYS, SEARCH_FIELDS),
                  VOCABULARY: np.array(self._vocabulary(searcher).words, dtype=str),
                  **self._stories(searcher, sets).arrays()}
        whoosh_saved.save(self.path, searcher, arrays)

    def get(self, article_id: str) -> Article:
        searcher, _ = self._current()
        stored = searcher.document(id=article_id)
        if stored is None:
            raise ArticleNotFound(f"no article with id {article_id!r} — "
                                  "`newsfacet search` lists ids")
        return _article(stored)

    def hashes(self) -> dict[str, str]:
        searcher, _ = self._current()
        reader = searcher.reader()
        if not reader.doc_count():
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("content_hash")
        return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    def stats(self) -> IndexStats:
        searcher, sets = self._current()
        facets = {name: _facet_values(sets.count(name, sets.live), (), name)
                  for name in FACET_FIELDS}
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        try:
            last = json.loads((self.path / META_FILE).read_text())["last_update"]
        except (OSError, ValueError, KeyError):
            last = None
        return IndexStats(articles=sets.live_count, facets=facets, size_bytes=size,
                          last_update=last, location=str(self.path))

    def search(self, request: SearchRequest) -> SearchResults:
        searcher, sets, parsed, (matched, scores), selections, filtered = self._match(request)
        facets = {}
        if request.with_facets:
            for name in FACET_FIELDS:
                others = [s for key, s in selections.items()
                          if (key != name or not request.disjunctive(name)) and s is not None]
                counts = sets.count(name, intersect([matched, *others]))
                facets[name] = _facet_values(counts, request.filters[name], name,
                                             request.facet_size)
        hits, total = self._hits(searcher, sets, parsed, (matched, scores), filtered, request)
        return SearchResults(request=request, total=total, hits=hits, facets=facets,
                             articles=size_of(filtered))

    def _match(self, request: SearchRequest):
        """Return searcher, doc sets, parsed query, its matches with their scores (None when
        not ranked by relevance, or when Whoosh must rank them), each filter's docs, and both."""
        searcher, sets = self._current()
        with within(Deadline()) as deadline:  # reading, expanding and matching the query
            parsed = self._expanded(searcher, self._parse(request.query, deadline), deadline)
            if _effective_sort(request) == "relevance":
                matched, scores = sets.scored(searcher, parsed)
            else:
                matched, scores = sets.query_docs(searcher, parsed), None
        selections = self._selections(request, searcher, sets)
        filtered = intersect([matched, *(s for s in selections.values() if s is not None)])
        return searcher, sets, parsed, (matched, scores), selections, filtered

    def ordered(self, request: SearchRequest, limit: int) -> tuple[int, list[int], Any]:
        """Return the number of matches, the docnums of the first ``limit`` in the request's
        order, and the searcher they belong to."""
        searcher, sets, parsed, matched, _, filtered = self._match(request)
        page = _page(searcher, sets, parsed, matched, filtered, request, 0, limit)
        return size_of(filtered), [docnum for docnum, _ in page], searcher

    def count(self) -> int:
        searcher, _ = self._current()
        return searcher.doc_count()

    def highlight_paragraphs(self, body: str, text: str) -> list[str]:
        """Return the body's paragraphs as HTML-safe strings with the query's matches marked."""
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        try:
            searcher, _ = self._current()
            terms = (_terms(searcher, self._expanded(searcher, self._parse(text)))
                     if text.strip() else frozenset())
        except QueryError:
            terms = frozenset()
        return [mark_all(p, terms, _analyze) for p in paragraphs]

    def suggest(self, text: str) -> str | None:
        """Return the query with unknown words replaced by close indexed ones, or None."""
        return whoosh_browse.suggest_query(self, text)

    def more_like(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Return articles sharing the most telling words of this one."""
        return whoosh_browse.more_like(self, article_id, limit)

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Article]]:
        """Return the number of matches and an iterator over up to ``limit`` of them."""
        return whoosh_browse.export_articles(self, request, limit)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        self._index.close()

    def __del__(self) -> None:
        # The web server keeps one engine per thread for the thread's life and never closes it
        # explicitly; when the thread (or a test's app) goes, its index files close here.
        with contextlib.suppress(Exception):  # half-built engine or interpreter shutdown
            self.close()

    # -- search helpers --------------------------------------------------------------------

    def _vocabulary(self, searcher) -> Vocabulary:
        """Return the words of the searched fields in the searcher's generation (saved beside
        the index by ``prepare``, else read from the term dictionary once)."""
        def build() -> Vocabulary:
            saved = self._saved(searcher).get(VOCABULARY)
            if saved is not None:
                return Vocabulary(saved.tolist())
            return Vocabulary.from_reader(searcher.reader(), SEARCH_FIELDS)

        with budget.paused():  # built once a generation: not the query's time
            return _vocabularies.get(self._path_key, searcher, build)

    def _expanded(self, searcher, parsed: query.Query,
                  deadline: Deadline | None = None) -> query.Query:
        """Return the query with its fuzzy, wildcard and range words expanded (capped)."""
        if not has_patterns(parsed):
            return parsed
        reader = searcher.reader()
        expander = Expander(self._vocabulary(searcher),
                            lambda word: reader.doc_frequency("body", word),
                            reader.doc_count_all(), deadline or Deadline())
        return expander.expand(parsed)

    def _parse(self, text: str, deadline: Deadline | None = None) -> query.Query:
        if not text.strip():
            return query.Every()
        check_query_syntax(text)
        return parse_query(self._parser, text, deadline)

    def _selections(self, request: SearchRequest, searcher, sets: DocSets) -> dict[str, Any]:
        """Return the docs each active filter allows, as masks (None: filter not in use)."""
        out: dict[str, Any] = {}
        for name, values in request.filters.items():
            if not values:
                out[name] = None
                continue
            vocabulary = sets.terms(name) if BY_NAME[name].case_folded else None
            if name == "entity" and request.all_entities:  # every value: one set per value
                out[name] = intersect([sets.select(name, _match_terms(name, v, vocabulary))
                                       for v in values])
                continue
            terms = [t for v in values for t in _match_terms(name, v, vocabulary)]
            out[name] = sets.select(name, terms)
        if request.since or request.until:
            start = request.since.isoformat() if request.since else None
            end = request.until.isoformat() if request.until else None
            # Its own key, not a facet name, so every facet's counts respect the date range.
            out["dates"] = sets.date_range(searcher, start, end)
        if request.ids:
            out["ids"] = sets.query_docs(searcher, query.Or([query.Term("id", i) for i in request.ids]))
        return out

    def _hits(self, searcher, sets: DocSets, parsed, matched, filtered,
              request: SearchRequest) -> tuple[tuple[Hit, ...], int]:
        """Return the page of hits, with their copies, and the number of hits to page through
        (stories when collapsed, else articles)."""
        start, stop = (request.page - 1) * request.per_page, request.page * request.per_page
        table = self._stories(searcher, sets)
        total = size_of(filtered)
        if request.collapse:
            # A step over the ranked order: the first document of each story, page by page.
            total = table.count(filtered)
            page = whoosh_stories.collapsed_page(
                lambda a, b: _page(searcher, sets, parsed, matched, filtered, request, a, b),
                table, start, stop, size_of(filtered))
        else:
            page = _page(searcher, sets, parsed, matched, filtered, request, start, stop)
        if not page:
            return (), total
        # The same searcher throughout: another _current() call could refresh it mid-request,
        # and a refreshed Whoosh searcher closes the readers it does not reuse.
        terms = _terms(searcher, parsed) if request.query.strip() and request.with_snippets else frozenset()
        hits = [self._hit(searcher.stored_fields(d), score, terms, request) for d, score in page]
        stored = lambda d: _article(searcher.stored_fields(d))  # noqa: E731
        return whoosh_stories.hits_with_copies(hits, [d for d, _ in page], table, stored), total

    def _hit(self, stored: dict, score: float | None, terms: frozenset[str],
             request: SearchRequest) -> Hit:
        article = _article(stored)
        snippet = ""
        if request.with_snippets:
            snippet = make_snippet(article.body, terms, _analyze, self.settings.snippet_chars,
                                   title=article.title)
        return Hit.from_article(article, score, snippet)


def _page(searcher, sets: DocSets, parsed: query.Query, match, filtered,
          request: SearchRequest, start: int, stop: int) -> list[tuple[int, float | None]]:
    """Return (docnum, score) of the filtered matches from ``start`` to ``stop`` in the
    request's order; scores only when ranked by relevance."""
    matched, scores = match
    if stop <= start or start >= size_of(filtered):
        return []
    sort = _effective_sort(request)
    if sort == "relevance" and scores is not None:
        return list(sets.top(scores, filtered, start, stop))  # (a page: a short list)
    if sort == "relevance":  # a query part only Whoosh can score (wildcards, fuzzy terms)
        results = searcher.search(_restricted(searcher, parsed, matched, filtered), limit=stop)
        return [(results.docnum(i), results.score(i))
                for i in range(start, min(stop, results.scored_length()))]
    key, reverse = ("date_new", True) if sort == "newest" else ("date_old", False)
    return [(d, None) for d in sets.page_in_order(searcher, key, reverse, filtered, start, stop)]


def _terms(searcher, parsed: query.Query) -> frozenset[str]:
    """Return the words an (expanded) query looks for in the searched fields. Not Whoosh's
    ``existing_terms``: see ``query_terms``."""
    return marked_terms(parsed)


def _restricted(searcher, parsed: query.Query, matched, filtered) -> query.Query:
    """Return the query limited to the filtered docs, cheaply for Whoosh to score."""
    if size_of(filtered) == size_of(matched):
        return parsed
    return query.And([parsed, DocsQuery(searcher, filtered)])


@functools.lru_cache(maxsize=65_536)
def _analyze(word: str) -> tuple[str, ...]:
    # Snippets analyse each candidate word of every hit; the same words come back all the time.
    return tuple(t.text for t in ANALYZER(word))


def _effective_sort(request: SearchRequest) -> str:
    if request.sort == "relevance" and not request.query.strip():
        return "newest"  # browsing without a query: relevance means nothing, recency does
    return request.sort


def _match_terms(name: str, value: str, vocabulary: list[str] | None) -> list[str]:
    """Return the indexed terms a filter value selects (``vocabulary``: every term of a
    case-folded facet, to look through; None: the value is the term)."""
    if vocabulary is None:
        return [value]
    return [t for t in vocabulary if BY_NAME[name].selects(t, value)]


def _facet_values(counts, selected: Sequence[str], name: str,
                  limit: int | None = None) -> tuple[FacetValue, ...]:
    """Return facet values by count then value, the top ``limit``; selected ones always."""
    chosen = {s.casefold() for s in selected}
    facet = BY_NAME[name]
    values = []
    for term, count in counts.items():
        kind, label = facet.split(term)
        values.append(FacetValue(label, count, label.casefold() in chosen, kind))
    values.sort(key=lambda v: (-v.count, v.value))
    if limit is not None and len(values) > limit:
        values = values[:limit] + [v for v in values[limit:] if v.selected]
    present = {v.value.casefold() for v in values}
    values += [FacetValue(s, 0, True) for s in selected if s.casefold() not in present]
    return tuple(values)


__all__ = ["WhooshEngine", "build_schema", "FACET_FIELDS", "UNDATED"]
