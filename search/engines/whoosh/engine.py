"""The embedded default engine: schema, writing, searching, facets and snippets with Whoosh.

All Whoosh field options live here. Facets are counted from per-reader sets of docnums
(``docs.DocSets``, built once per index generation), not with ``groupedby`` (which
scores every match) nor ``DateRangeFacet`` (about half a second a query): dates are faceted on
year and month values. Queries are read, and hits and snippets made, by the engines' shared modules
(``analysis``, ``results``, ``stored``); snippets never come from Whoosh's highlighter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index, query
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from ...config import Settings
from ...errors import ArticleNotFound, IndexMissing, IndexWriteFailed
from ...facets import BY_NAME, FACET_NAMES, FACETS
from ...models import Article, Hit, IndexStats, Matching, SearchRequest, SearchResults
from ...query import SEARCH_FIELDS
from ...sidecars import locked, write_atomic
from .. import bm25f
from .. import budget
from ..analysis import ANALYZER, effective_sort, parse_query
from ..budget import Deadline, within
from ..expansion import Expander, Vocabulary, has_patterns
from ..matching import plain_words, searched_words, word_of
from ..query_terms import marked_terms
from ..results import facet_values, first_per_story, highlight_paragraphs, make_hit
from ..stored import decode_article, encode_data
from . import browse, integrity, saved, stories, trust
from .articles import stored_articles
from .docs import (UNDATED_NEWEST, UNDATED_OLDEST, DocSets, DocsQuery, GenerationCache, intersect,
                   shared_docsets, size_of)
from .errors import opening, reading, writing
from .merging import BackgroundMerges
from .writer import StoredIds, Writer

logger = logging.getLogger(__name__)

# 2: agency (facet) and story (sortable) fields; older indexes get them added on open.
SCHEMA_VERSION = 2
FACET_FIELDS = FACET_NAMES
META_FILE = "newsfacet.json"
CREATE_LOCK = "index-create"  # the lock (a file beside it) held while a new index is created
DATE_KEYS = ("date_new", "date_old")  # the sortable date columns (newest / oldest first)
# The arrays saved beside the index for the generation a searcher has open, loaded once.
_saved_arrays = GenerationCache()
# The words of the searched fields, for fuzzy and wildcard expansion (one per generation).
_vocabularies = GenerationCache()
VOCABULARY = "vocab.words"
VOCABULARY_COUNTS = "wordcounts"  # each word's document frequencies, title and body added


def _reads(method):
    """Run an engine method that reads the index with Whoosh's errors on damaged files mapped
    to IndexCorrupt (``errors.reading``)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with reading(self.path):
            return method(self, *args, **kwargs)
    return wrapper


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


def document(article: Article) -> dict:
    """Return the Whoosh document of an article."""
    date = article.date.isoformat() if article.date else None
    doc = {
        "id": article.id, "source": article.source, "title": article.title or "",
        "body": article.body,
        "date_new": date or UNDATED_NEWEST, "date_old": date or UNDATED_OLDEST,
        "content_hash": article.content_hash, "data": encode_data(article),
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


class WhooshEngine:
    """An article index in a directory, searched with Whoosh."""

    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        self.settings = settings
        self.path = Path(settings.index_dir)
        self._index = self._open(create)
        # What the per-generation caches of the process know this index by: resolved once
        # (three ``resolve`` calls, a system call per path component, took 0.27 ms a query).
        self._path_key = str(self.path.resolve())
        self._lock = threading.Lock()
        self._searcher = None
        self._sets: DocSets | None = None
        self._stored_ids = StoredIds()
        self._merges: BackgroundMerges | None = None  # while merging_in_background

    def _open(self, create: bool):
        # A table of contents on disk, not ``index.exists_in``: that opens the index, outside
        # the block below that turns a damaged one into a clear error.
        exists = self.path.is_dir() and integrity.latest_generation(self.path) is not None
        if not exists and not create:
            raise IndexMissing(f"no index in {self.path}/ — run `newsfacet index seeds/` first "
                               "(or pass --index DIR)")
        if not self.settings.trust_index:  # before Whoosh unpickles anything of the folder
            trust.check_folder(self.path)
        with opening(self.path):
            if not exists:
                self.path.mkdir(parents=True, exist_ok=True)
                # Two runs starting on a new folder must not both create the index: Whoosh's
                # create removes every table of contents in the folder, the other run's
                # half-written one included (which then failed as a damaged index).
                with locked(self.path / CREATE_LOCK, self.settings.lock_wait):
                    if integrity.latest_generation(self.path) is None:
                        created = index.create_in(str(self.path), build_schema())
                        self._record(created)
                        self._write_meta()
            # No mmap: every thread has its own searcher, and each mapping of the index files
            # counts again in the server's resident memory; plain reads share the page cache.
            opened = FileStorage(str(self.path), supports_mmap=False).open_index()
            return self._upgraded(opened)

    def _upgraded(self, opened):
        """Return the index with the fields a newer schema added (an index made by an older
        version lacks them; its articles get their values when they are indexed again)."""
        missing = [(name, field) for name, field in build_schema().items()
                   if name not in opened.schema]
        if not missing:
            return opened
        with writing(self.path, self.settings.lock_wait):
            writer = opened.writer(timeout=self.settings.lock_wait)
        for name, field in missing:
            writer.add_field(name, field)
        writer.commit()
        self._record(opened)
        logger.warning("index %s upgraded to schema %d: run `newsfacet index` on its sources "
                       "again to fill in agencies and stories", self.path, SCHEMA_VERSION)
        self._write_meta()
        opened.close()
        return FileStorage(str(self.path), supports_mmap=False).open_index()

    # -- writing ---------------------------------------------------------------------------

    @_reads
    def upsert(self, articles: Sequence[Article]) -> None:
        if not articles:
            return
        lost = f"the {len(articles)} articles of this batch were not added"
        with self._committing(lost, limitmb=256) as writer:
            # One delete query per batch (update_document would open a reader per article),
            # for the ids that may be stored.
            stored = self._stored_ids.maybe_stored(writer, [a.id for a in articles])
            if stored:
                writer.delete_by_query(query.Or([query.Term("id", i) for i in stored]))
            for article in articles:
                writer.add_document(**document(article))

    @_reads
    def remove(self, ids: Iterable[str]) -> int:
        removed = 0
        with self._committing("nothing was removed") as writer:
            for article_id in ids:
                removed += writer.delete_by_term("id", article_id)
        return removed

    @contextlib.contextmanager
    def _committing(self, lost: str, **options) -> Iterator[Writer]:
        """Yield a writer, then commit what it holds (merging as the moment's policy says)
        and record the new generation. A failure abandons the writer, so the index is as it
        was; an OSError is raised as IndexWriteFailed saying what was ``lost``."""
        with writing(self.path, self.settings.lock_wait):
            writer = Writer(self._index, timeout=self.settings.lock_wait, **options)
        try:
            yield writer
            writer.commit(mergetype=self._merge_policy())
        except OSError as exc:
            writer.abandon(exc)
            raise self._write_failed(exc, lost) from exc
        except BaseException as exc:
            writer.abandon(exc)
            raise
        self._record(self._index)
        self._write_meta()

    @contextlib.contextmanager
    def merging_in_background(self) -> Iterator[None]:
        """Merge segments in a second process while the block writes (``merging``); at its
        end, wait for a running merge and commit it. Left by an error, a running merge is
        stopped and its files removed (the index is as the last commit left it)."""
        if self._merges is not None:  # nested: the outer block does it
            yield
            return
        merges = self._merges = BackgroundMerges(self.path, self._index.indexname,
                                                 self._index.schema)
        try:
            yield
            if merges.running:
                merges.finish()
                self._commit_merges()
        except BaseException:
            merges.abandon()
            raise
        finally:
            self._merges = None

    def _merge_policy(self):
        """Return the merge policy of the next commit (None: Whoosh's default, inline)."""
        return None if self._merges is None else self._merges.policy

    def _commit_merges(self) -> None:
        """Commit nothing but a finished background merge."""
        with self._committing("the merge of its segments was not kept"):
            pass

    def _write_failed(self, exc: OSError, lost: str) -> IndexWriteFailed:
        """Return the error for a write that failed (what it made is removed already)."""
        what = exc.strerror or type(exc).__name__
        hint = ("free some space" if exc.errno == errno.ENOSPC
                else "check the folder's permissions and free space")
        return IndexWriteFailed(f"cannot write the index in {self.path}/: {what}; {lost} and the "
                                f"index is as it was — {hint}, then run the command again")

    def _write_meta(self) -> None:
        meta = {"schema_version": SCHEMA_VERSION,
                "last_update": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        try:
            write_atomic(self.path / META_FILE, json.dumps(meta))
        except OSError as exc:  # the commit stands; only the date `stats` shows is stale
            logger.warning("could not write %s: %s", self.path / META_FILE, exc)

    def _record(self, ix) -> None:
        """Record the checksums of the generation just committed (``integrity``)."""
        generation = ix.latest_generation()
        segments = [segment.segment_id()
                    for segment in index.TOC.read(ix.storage, ix.indexname, generation,
                                                       schema=ix.schema).segments]
        integrity.record(self.path, generation, segments)

    # -- reading ---------------------------------------------------------------------------

    @_reads
    def current(self) -> tuple[Any, DocSets]:
        """Return an up-to-date searcher and its doc sets, refreshed after commits (the
        browse module reads through them too, so it sees what ``search`` sees)."""
        with self._lock:
            searcher = self._fresh_searcher()
            if self._sets is None:
                self._sets = shared_docsets(self._path_key, self._searcher, FACET_FIELDS,
                                            self._saved(self._searcher))
                # Field lengths and their averages, which scoring builds on first use, are
                # built here, so a query's time budget never pays for them.
                self._sets.warm(self._searcher, SEARCH_FIELDS)
            return searcher, self._sets

    def _stored_searcher(self):
        """Return an up-to-date searcher without building the doc sets: reading stored fields
        needs none, and the indexer reads stored articles after each commit (a story's earlier
        member), where building them for every generation would cost time in proportion to the
        whole index per batch."""
        with self._lock:
            return self._fresh_searcher()

    def _fresh_searcher(self):
        """Return the searcher, replaced by a new one after a commit (the caller holds the lock;
        the doc sets of the old one are dropped)."""
        if self._searcher is None:
            self._searcher = self._index.searcher()
        elif not self._searcher.up_to_date():
            # A fresh searcher, not refresh(): a refreshed searcher leaves the readers of
            # merged-away segments open. Every call uses one searcher from start to end and
            # an engine serves one thread, so no call is still reading the old one.
            old, self._searcher = self._searcher, self._index.searcher()
            old.close()
            self._sets = None
        return self._searcher

    def clear_caches(self) -> None:
        """Forget what queries of this generation decoded (postings, phrase matches, stored
        articles): the benchmark's cold runs, where every query reads from disk again."""
        searcher, sets = self.current()
        sets.clear_cache()
        stored_articles(self._path_key, searcher).clear()

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def data_dir(self) -> Path:
        return self.path

    def _saved(self, searcher) -> dict:
        return _saved_arrays.get(self._path_key, searcher,
                                 lambda: saved.load(self.path, searcher))

    def _stories(self, searcher, sets: DocSets) -> stories.StoryTable:
        return stories.story_table(self._path_key, searcher, sets.live, self._saved(searcher))

    @_reads
    def prepare(self) -> None:
        """Build what a reader of the current generation needs (facet postings, date keys,
        field lengths, stories) and save it beside the index, so that a new process, such as a
        server worker, loads it in milliseconds instead of building it."""
        searcher, sets = self.current()
        if self._saved(searcher) or not sets.size:
            return  # saved already (and loaded from the file), or nothing to save
        vocabulary = self.vocabulary(searcher)
        arrays = {**sets.arrays(searcher, DATE_KEYS, SEARCH_FIELDS),
                  VOCABULARY: np.array(vocabulary.words, dtype=str),
                  **({} if vocabulary.counts is None else {VOCABULARY_COUNTS: vocabulary.counts}),
                  **self._stories(searcher, sets).arrays()}
        saved.save(self.path, searcher, arrays)

    @_reads
    def warm(self) -> None:
        """Build what the current generation's first searches would build on first use (field
        normalisations, date orders, facet lookups, stories, the vocabulary): a server builds
        them once before it starts its workers, which then share them (``web/server.py``)."""
        searcher, sets = self.current()
        sets.build_lazy(searcher, SEARCH_FIELDS, DATE_KEYS)
        self._stories(searcher, sets)
        self.vocabulary(searcher)
        saved.release()  # read through to build all this; queries read few of those pages

    @_reads
    def get(self, article_id: str) -> Article:
        searcher = self._stored_searcher()
        stored = searcher.document(id=article_id)
        if stored is None:
            raise ArticleNotFound(f"no article with id {article_id!r} — "
                                  "`newsfacet search` lists ids")
        return decode_article(stored)

    @_reads
    def hashes(self) -> dict[str, str]:
        searcher = self._stored_searcher()
        reader = searcher.reader()
        if not reader.doc_count():
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("content_hash")
        return {ids[n]: hashes[n] for n in reader.all_doc_ids()}

    @_reads
    def stats(self) -> IndexStats:
        searcher, sets = self.current()
        facets = {name: facet_values(sets.count(name, sets.live), (), name)
                  for name in FACET_FIELDS}
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        try:
            last = json.loads((self.path / META_FILE).read_text())["last_update"]
        except (OSError, ValueError, KeyError):
            last = None
        return IndexStats(articles=sets.live_count, facets=facets, size_bytes=size,
                          last_update=last, location=self.location)

    @_reads
    def search(self, request: SearchRequest) -> SearchResults:
        searcher, sets, parsed, match, selections, filtered, matching = self._match(request)
        matched = match[0]
        facets = {}
        if request.with_facets:
            # Facets counted over the same filters share one set (its docnums, its bits).
            sets_by_filters: dict[tuple[str, ...], Any] = {}
            for name in FACET_FIELDS:
                keys = tuple(key for key, s in selections.items()
                             if (key != name or not request.disjunctive(name)) and s is not None)
                if keys not in sets_by_filters:
                    sets_by_filters[keys] = sets.matched(
                        intersect([matched, *(selections[key] for key in keys)]))
                counts = sets.count(name, sets_by_filters[keys], request.facet_size,
                                    request.filters[name])
                facets[name] = facet_values(counts, request.filters[name], name,
                                            request.facet_size)
        hits, total = self._hits(searcher, sets, parsed, match, filtered, request)
        return SearchResults(request=request, total=total, hits=hits, facets=facets,
                             articles=size_of(filtered), matching=matching)

    def _match(self, request: SearchRequest):
        """Return searcher, doc sets, parsed query, its matches (docs, their scores (None when
        not ranked by relevance, or when Whoosh must rank them) and the docs to rank first),
        each filter's docs, both together, and how plain words were matched (or None).

        A query of plain words matches the articles holding every word, unless fewer than
        ``bm25f.MIN_FULL_MATCHES`` of the filtered ones do: then it matches those holding any
        of its telling words, the ones with every word ranked first (``DocSets.words``)."""
        searcher, sets = self.current()
        relevance = effective_sort(request) == "relevance"
        selections = self._selections(request, searcher, sets)
        allowed = [s for s in selections.values() if s is not None]
        first, matching = None, None
        with within(Deadline()) as deadline:  # reading, expanding and matching the query
            parsed = self._expanded(searcher, self._parse(request.query, deadline), deadline)
            groups = plain_words(parsed, request.query)
            searched = None
            if groups:
                words = len(groups)
                groups, searched = self._long_query(searcher, groups)
                # A long query's words are read rarest first; when its time runs out, the
                # words read so far decide, rather than an error (a pasted paragraph).
                every, some, scores, read = sets.words(searcher, groups, relevance,
                                                       partial=searched is not None)
                if searched is not None:
                    groups, searched = groups[:read], read
                    parsed = query.And(groups)  # what is marked, too
                # A saved search's "new articles only" (ids) does not decide: it would relax
                # nearly every saved search of two words into "any of them".
                chosen = [s for name, s in selections.items() if s is not None and name != "ids"]
                with_all = size_of(intersect([every, *chosen]))
                matching = Matching(words, with_all, with_all < bm25f.MIN_FULL_MATCHES, searched)
                matched = some if matching.relaxed else every
                first = every if matching.relaxed and with_all else None
            elif relevance:
                matched, scores = sets.scored(searcher, parsed)
            else:
                matched, scores = sets.query_docs(searcher, parsed), None
        filtered = intersect([matched, *allowed])
        return searcher, sets, parsed, (matched, scores, first), selections, filtered, matching

    @_reads
    def ordered(self, request: SearchRequest, limit: int) -> tuple[int, list[int], Any]:
        """Return the number of matches, the docnums of the first ``limit`` in the request's
        order, and the searcher they belong to."""
        searcher, sets, parsed, matched, _, filtered, _ = self._match(request)
        page = _page(searcher, sets, parsed, matched, filtered, request, 0, limit)
        return size_of(filtered), [docnum for docnum, _ in page], searcher

    @_reads
    def count(self) -> int:
        searcher, _ = self.current()
        return searcher.doc_count()

    @_reads
    def highlight_paragraphs(self, body: str, text: str) -> list[str]:
        """Return the body's paragraphs as HTML-safe strings with the query's matches marked."""
        return highlight_paragraphs(body, text, self.query_terms)

    def query_terms(self, text: str) -> frozenset[str]:
        """Return the words a query marks: wildcards and fuzzy terms as the indexed words they
        expand to; raise QueryError for a query that cannot be read."""
        searcher, _ = self.current()
        return marked_terms(self._expanded(searcher, self._parse(text)))

    @_reads
    def suggest(self, text: str) -> str | None:
        """Return the query with unknown words replaced by close indexed ones, or None."""
        return browse.suggest_query(self, text)

    @_reads
    def more_like(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """Return articles sharing the most telling words of this one."""
        return browse.more_like(self, article_id, limit)

    @_reads
    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Article]]:
        """Return the number of matches and an iterator over up to ``limit`` of them."""
        total, articles = browse.export_articles(self, request, limit)
        return total, self._read_all(articles)

    def _read_all(self, articles: Iterator[Article]) -> Iterator[Article]:
        with reading(self.path):
            yield from articles

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        self._index.close()

    def __del__(self) -> None:
        # The web server keeps one engine per thread for the thread's life and never closes it
        # explicitly; when the thread (or a test's app) goes, its index files close here.
        with contextlib.suppress(AttributeError, OSError, TypeError):
            # a half-built engine, or interpreter shutdown: nothing left to close
            self.close()

    # -- search helpers --------------------------------------------------------------------

    def vocabulary(self, searcher) -> Vocabulary:
        """Return the words of the searched fields in the searcher's generation (saved beside
        the index by ``prepare``, else read from the term dictionary once)."""
        def build() -> Vocabulary:
            arrays = self._saved(searcher)
            saved = arrays.get(VOCABULARY)
            if saved is not None:
                return Vocabulary.from_saved(saved.tolist(), arrays.get(VOCABULARY_COUNTS))
            return Vocabulary.from_reader(searcher.reader(), SEARCH_FIELDS)

        with budget.paused():  # built once a generation: not the query's time
            return _vocabularies.get(self._path_key, searcher, build)

    def _long_query(self, searcher, groups: list[query.Or]) -> tuple[list[query.Or], int | None]:
        """Return the groups a query of plain words searches, and how many when it is long:
        its ``max_query_words`` rarest words, rarest first, those the index holds first
        (None: all of them, in the query's order)."""
        cap = self.settings.max_query_words
        if len(groups) <= cap:
            return groups, None
        vocabulary, reader = self.vocabulary(searcher), searcher.reader()
        by_word = {word_of(g): g for g in groups}
        df = {}
        for word in by_word:
            known = vocabulary.count(word)
            df[word] = known if known is not None else \
                sum(reader.doc_frequency(f, word) for f in SEARCH_FIELDS)
        kept = searched_words(df, cap) or list(by_word)
        return [by_word[w] for w in kept], len(kept)

    def _expanded(self, searcher, parsed: query.Query,
                  deadline: Deadline | None = None) -> query.Query:
        """Return the query with its fuzzy, wildcard and range words expanded (capped)."""
        if not has_patterns(parsed):
            return parsed
        reader = searcher.reader()
        expander = Expander(self.vocabulary(searcher),
                            lambda word: reader.doc_frequency("body", word),
                            reader.doc_count_all(), deadline or Deadline())
        return expander.expand(parsed)

    def _parse(self, text: str, deadline: Deadline | None = None) -> query.Query:
        return parse_query(text, deadline)

    def _selections(self, request: SearchRequest, searcher, sets: DocSets) -> dict[str, Any]:
        """Return the docs each active filter allows, as masks (None: filter not in use)."""
        out: dict[str, Any] = {}
        for name, values in request.filters.items():
            if not values:
                out[name] = None
                continue
            if name == "entity" and request.all_entities:  # every value: one set per value
                out[name] = intersect([sets.select(name, _match_terms(sets, name, v))
                                       for v in values])
                continue
            terms = [t for v in values for t in _match_terms(sets, name, v)]
            out[name] = sets.select(name, terms)
        if request.since or request.until:
            start = request.since.isoformat() if request.since else None
            end = request.until.isoformat() if request.until else None
            # Its own key, not a facet name, so every facet's counts respect the date range.
            out["dates"] = sets.date_range(searcher, start, end)
        if request.ids:
            out["ids"] = sets.query_docs(searcher,
                                         query.Or([query.Term("id", i) for i in request.ids]))
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
            page = _collapsed_page(
                lambda n: _page(searcher, sets, parsed, matched, filtered, request, 0, n),
                table, start, stop, size_of(filtered))
        else:
            page = _page(searcher, sets, parsed, matched, filtered, request, start, stop)
        if not page:
            return (), total
        # The same searcher throughout: another current() call could refresh it mid-request,
        # and a refreshed Whoosh searcher closes the readers it does not reuse.
        terms = (marked_terms(parsed) if request.query.strip() and request.with_snippets
                 else frozenset())
        stored = stored_articles(self._path_key, searcher)
        hits = [make_hit(stored.article(searcher, d), score, terms, request,
                         self.settings.snippet_chars) for d, score in page]
        return stories.hits_with_copies(hits, [d for d, _ in page], table,
                                        lambda d: stored.copy(searcher, d)), total


def _page(searcher, sets: DocSets, parsed: query.Query, match, filtered,
          request: SearchRequest, start: int, stop: int) -> list[tuple[int, float | None]]:
    """Return (docnum, score) of the filtered matches from ``start`` to ``stop`` in the
    request's order; scores only when ranked by relevance."""
    matched, scores, first = match
    if stop <= start or start >= size_of(filtered):
        return []
    sort = effective_sort(request)
    if sort == "relevance" and scores is not None:
        return list(sets.top(scores, filtered, start, stop, first))  # (a page: a short list)
    if sort == "relevance":  # a query part only Whoosh can score (wildcards, fuzzy terms)
        results = searcher.search(_restricted(searcher, parsed, matched, filtered), limit=stop)
        return [(results.docnum(i), results.score(i))
                for i in range(start, min(stop, results.scored_length()))]
    key, reverse = ("date_new", True) if sort == "newest" else ("date_old", False)
    return [(d, None) for d in sets.page_in_order(searcher, key, reverse, filtered, start, stop)]


def _restricted(searcher, parsed: query.Query, matched, filtered) -> query.Query:
    """Return the query limited to the filtered docs, cheaply for Whoosh to score."""
    if size_of(filtered) == size_of(matched):
        return parsed
    return query.And([parsed, DocsQuery(searcher, filtered)])


def _match_terms(sets: DocSets, name: str, value: str) -> list[str]:
    """Return the indexed terms a filter value selects (case-insensitive for a case-folded
    facet of the registry, entities by name whatever their type)."""
    facet = BY_NAME[name]
    if not facet.case_folded:
        return [value]
    return sets.terms_named(name, value, typed=facet.typed)


def _collapsed_page(page: Callable[[int], list], table: stories.StoryTable, start: int,
                    stop: int, total: int) -> list:
    """Return entries ``start:stop`` of the ranked order with one entry per story.

    ``page(n)`` returns the first ``n`` ranked ``(docnum, score)`` entries; it is asked for
    more until the collapsed page is full or the matches run out.
    """
    want = max(stop * 2, 20)
    while True:
        ranked = page(want)
        firsts = first_per_story(ranked, lambda entry: table.key(entry[0]), stop)
        if len(firsts) >= stop or len(ranked) < want or want >= total:
            return firsts[start:stop]
        want *= 4


__all__ = ["FACET_FIELDS", "WhooshEngine", "build_schema", "document"]
