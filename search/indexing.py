"""Index files and folders into an engine: skip what is unchanged, replace what changed.

Memory stays flat whatever the corpus size: documents stream from disk and are written in
bounded batches, each batch a commit of its own (so a crash loses at most one batch, and the
next run redoes only that).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import signal
import sqlite3
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterable, Iterator, Mapping

from .cleaner.collection import NOTHING_SHARED, Collection, Shared
from .engines import Engine
from .entities.table import EntityTable
from .errors import ArticleNotFound
from .sidecars import locked
from .entities.ner.collection import CollectionNames
from .pipeline import Processed, article_id, content_hash, process
from .ingest.sources import RawDocument, Skipped, failure_reason, iter_documents
from .stories import StoryIndex, sidecar_path

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# A batch is also written once its text reaches this size, so memory stays flat with long pages.
BATCH_CHARS = 20_000_000
# Jobs waiting per worker process: enough to keep every worker busy, few enough to stay small.
WINDOW_PER_WORKER = 4
# A page whose cleaning takes longer is skipped: an 8 MB page of real paragraphs takes about
# 15 s, while some 50 MB pages take many minutes.
CLEAN_SECONDS = 120.0
# Seconds to wait for another run writing the story data (the default of Settings.lock_wait).
LOCK_WAIT = 30.0
# Seconds between a worker process's checks that its run is still there.
PARENT_CHECK_SECONDS = 1.0
# The lock one indexing run holds from reading the index's contents to its last commit, beside
# the index (``Engine.data_dir``).
RUN_LOCK = "index-run"


# Parts of a skip reason that name one input (a path, a size), removed to group skips by kind.
_REASON_DETAILS = (
    (re.compile(r"^(same (?:id|content) as) .*"), r"\1 an earlier document"),
    (re.compile(r"^(\w+) is .*over the limit.*"), r"\1 over the size limit"),
    (re.compile(r" after [\d,]+ records.*"), ""),
    (re.compile(r" \(.*"), ""),  # a parenthesis explains one case: the error, the link target
    (re.compile(r": .*"), ""),  # after a colon: the detail (an OS error, the readable types)
)


def skip_kind(reason: str) -> str:
    """Return the kind of a skip reason, the same for every input skipped for one cause
    ("same id as a.txt" and "same id as b.txt" are both "same id as an earlier document")."""
    for pattern, replacement in _REASON_DETAILS:
        reason = pattern.sub(replacement, reason, count=1)
    return reason.strip() or "unknown reason"


def skip_counts(skipped: Iterable[Skipped]) -> dict[str, int]:
    """Return how many inputs were skipped for each kind of reason, most frequent first."""
    counts: dict[str, int] = {}
    for skip in skipped:
        kind = skip_kind(skip.reason)
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    merged: int = 0  # articles of this run that joined the story of another article
    notes: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged + len(self.skipped)

    def to_dict(self) -> dict:
        return {"added": len(self.added), "updated": len(self.updated),
                "unchanged": self.unchanged, "skipped": len(self.skipped),
                "merged_into_stories": self.merged,
                "skips": [{"source": s.source, "reason": s.reason} for s in self.skipped],
                "skip_reasons": skip_counts(self.skipped),
                **({"notes": self.notes} if self.notes else {})}


_worker_state: dict = {}


def _init_worker(table: EntityTable, max_text_chars: int, seconds: float) -> None:
    _worker_state.update(table=table, max_text_chars=max_text_chars, seconds=seconds)
    _watch_parent(os.getppid())


def _watch_parent(parent: int) -> None:
    """Exit this worker process once the run that started it is gone (a ``kill -9``): the
    worker holds its own copy of the pipe it waits on for work, so it would wait forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="newsfacet-parent-watch", daemon=True).start()


Job = tuple[RawDocument, Mapping[str, str], Shared]  # a document, its hints, what its outlet shares


def _work(job: Job) -> Processed | Skipped:
    raw, hints, shared = job
    state = _worker_state
    return clean_one(raw, state["table"], hints, state["max_text_chars"], state["seconds"], shared)


def index_paths(
    paths: Iterable[str],
    engine: Engine,
    table: EntityTable,
    *,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    max_bytes: int = 20_000_000,
    max_text_chars: int = 1_000_000,
    workers: int = 1,
    clean_seconds: float = CLEAN_SECONDS,
    progress: Callable[[int, str], None] | None = None,
    lock_wait: float = LOCK_WAIT,
) -> IndexReport:
    """Clean and index every document under ``paths``; return what happened to each.

    The text dumps and HTML pages under ``paths`` are read once first, as one collection, so
    that each document's outlet's other documents show which of its lines are the site's chrome
    and which parts of its title the site's name (``cleaner.collection``).
    """
    paths = list(paths)
    found = collect(paths, max_bytes, overrides or {})
    return index_documents(iter_documents(paths, max_bytes), engine, table, overrides=overrides,
                           max_text_chars=max_text_chars, workers=workers,
                           clean_seconds=clean_seconds, progress=progress, lock_wait=lock_wait,
                           collection=found)


def collect(paths: Iterable[str], max_bytes: int,
            overrides: Mapping[str, Mapping[str, str]]) -> Collection:
    """Return the collection of every readable text dump and HTML page under ``paths``.

    Dumps whose outlet ``overrides`` give are grouped by that name, the rest by their chrome;
    pages by the site they name.
    """
    found = Collection()
    for doc in iter_documents(paths, max_bytes, kinds=frozenset({"text", "html"}), hashed=False):
        if not isinstance(doc, RawDocument):
            continue  # the indexing pass reports the skip
        hints = overrides.get(doc.source, {})
        try:
            if doc.kind == "text":
                found.add(doc.source, doc.content, outlet=hints.get("outlet"))
            else:
                found.add_page(doc.source, doc.content, hints.get("url"))
        except Exception:  # one document is the unit of failure: it is cleaned alone
            logger.debug("reading %s into the collection failed", doc.source, exc_info=True)
    return found


def index_documents(
    documents: Iterable[RawDocument | Skipped],
    engine: Engine,
    table: EntityTable,
    *,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    max_text_chars: int = 1_000_000,
    workers: int = 1,
    clean_seconds: float = CLEAN_SECONDS,
    progress: Callable[[int, str], None] | None = None,
    lock_wait: float = LOCK_WAIT,
    collection: Collection | None = None,
) -> IndexReport:
    """Clean and index documents from any reader (files, a crawl); return what happened.

    One run at a time per index: a second waits for the first to end (``lock_wait`` seconds,
    then IndexBusy), and then reads the index as the first left it, so that two runs on the
    same input do not both add it. ``lock_wait`` also bounds the wait for the story data (the
    engine waits its own ``Settings.lock_wait``). ``collection``: the run's text dumps read
    beforehand (``collect_dumps``), whose shared lines are chrome."""
    folder = engine.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    busy = (f"another indexing run holds the index in {engine.location} (waited {lock_wait:g} "
            "s) — let it finish and try again, or raise NEWSFACET_LOCK_WAIT")
    with locked(folder / RUN_LOCK, lock_wait, busy=busy):
        return _index_documents(documents, engine, table, overrides=overrides,
                                max_text_chars=max_text_chars, workers=workers,
                                clean_seconds=clean_seconds, progress=progress,
                                lock_wait=lock_wait, collection=collection)


def _index_documents(documents, engine: Engine, table: EntityTable, *, overrides, max_text_chars,
                     workers, clean_seconds, progress, lock_wait, collection) -> IndexReport:
    report = IndexReport()
    existing = engine.hashes()
    overrides = overrides or {}
    jobs = _changed(iter(documents), existing, table, overrides, report, progress, collection)
    batch: list = []
    batch_chars = 0
    stories: StoryIndex | None = None  # loaded at the first changed article, not before
    names = CollectionNames(table)
    if existing:  # new articles take the spellings and types the index already has
        names.seed(engine.stats().facets.get("entity", ()))
    try:
        # (segments merged in a second process meanwhile: the engine's merging_in_background)
        with engine.merging_in_background():
            for outcome in _run(jobs, table, max_text_chars, workers, clean_seconds):
                if isinstance(outcome, Skipped):
                    logger.warning("skipped %s: %s", outcome.source, outcome.reason)
                    report.skipped.append(outcome)
                    continue
                if stories is None:
                    stories = StoryIndex.load(sidecar_path(engine), existing, _stored(engine),
                                              lock_wait)
                article = replace(outcome.article,
                                  story=stories.assign(outcome.article, outcome.fingerprint))
                (report.updated if article.id in existing else report.added).append(article.id)
                names.observe(article)
                batch.append(article)
                batch_chars += len(article.body)
                if len(batch) >= BATCH_SIZE or batch_chars >= BATCH_CHARS:
                    _commit(engine, names.resolve(batch), stories)
                    batch, batch_chars = [], 0
            _commit(engine, names.resolve(batch), stories)
        engine.prepare()
    except BaseException:
        if stories is not None:  # what it holds of uncommitted batches is rolled back
            stories.close()
        raise
    if stories is not None:
        report.merged = stories.merged
        stories.close()
    return report


def _commit(engine: Engine, batch: list, stories: StoryIndex | None) -> None:
    """Write a batch, then the story sidecar that describes it (a crash in between is
    repaired on the next run, which fingerprints what the sidecar lacks)."""
    engine.upsert(batch)
    if stories is not None:
        stories.committed()
        stories.save()


def _stored(engine: Engine) -> Callable:
    def get(article_id: str):
        try:
            return engine.get(article_id)
        except ArticleNotFound:
            return None
    return get


class _Overtime(BaseException):
    """Raised by the alarm inside a slow cleaner. A BaseException, so that the libraries'
    own ``except Exception`` blocks cannot swallow it."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread on POSIX only; elsewhere no limit)."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise _Overtime()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def clean_one(raw: RawDocument, table: EntityTable, hints: Mapping[str, str],
              max_text_chars: int, seconds: float = CLEAN_SECONDS,
              shared: Shared = NOTHING_SHARED) -> Processed | Skipped:
    """Return the processed article, or a skip if cleaning fails or overruns ``seconds``.

    One page must never stop a run: an unexpected error in the cleaner becomes a skip that
    names it (and asks for a report), with the trace at DEBUG level.
    """
    try:
        with _deadline(seconds):
            return process(raw, table, hints, max_text_chars, shared)
    except _Overtime:
        return Skipped(raw.source, f"cleaning took longer than {seconds:g} s (page too big "
                                   "or too complex; lower NEWSFACET_MAX_FILE_BYTES skips such "
                                   "pages early)")
    except RecursionError:
        return Skipped(raw.source, "page is nested too deeply to parse")
    except MemoryError:
        return Skipped(raw.source, "not enough memory to clean this page")
    except Exception as exc:
        logger.debug("cleaner failed on %s", raw.source, exc_info=True)
        return Skipped(raw.source, f"the cleaner failed ({type(exc).__name__}: {str(exc)[:120]}) "
                                   "— please report it with this file")


def _changed(documents: Iterator[RawDocument | Skipped], existing: Mapping[str, str],
             table: EntityTable, overrides: Mapping[str, Mapping[str, str]], report: IndexReport,
             progress, collection: Collection | None = None) -> Iterator[Job]:
    """Yield the documents that need cleaning; count unchanged ones and early skips."""
    seen = _Seen()
    for number, doc in enumerate(documents, start=1):
        if progress:
            progress(number, doc.source)
        if isinstance(doc, Skipped):
            logger.warning("skipped %s: %s", doc.source, doc.reason)
            report.skipped.append(doc)
            continue
        try:
            doc_id = article_id(doc)
            earlier = seen.earlier(doc_id, doc.raw_hash, doc.source)
            hints = overrides.get(doc.source, {})
            shared = (collection.shared(doc.source, doc.kind, doc.content)
                      if collection is not None else NOTHING_SHARED)
            unchanged = existing.get(doc_id) == content_hash(doc, table, hints, shared)
        except Exception as exc:  # one record is the unit of failure
            logger.debug("checking %s failed", doc.source, exc_info=True)
            report.skipped.append(Skipped(doc.source, failure_reason(exc)))
            continue
        if earlier:
            report.skipped.append(Skipped(doc.source, earlier))
            continue
        if unchanged:
            report.unchanged += 1
            continue
        yield doc, hints, shared


class _Seen:
    """The ids and raw contents met so far in a run, each with the document that had it first.

    In a private temporary SQLite database (on disk past a few megabytes), not in dicts, so
    that a run's memory does not grow with the corpus.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        self._db.execute("PRAGMA cache_size = -16000")  # KB: bounded; the rest spills to disk
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, source TEXT) WITHOUT ROWID")

    def earlier(self, doc_id: str, raw_hash: str, source: str) -> str | None:
        """Return why a document repeats an earlier one ("same id as …"), or None after
        remembering it."""
        for key, why in ((f"id {doc_id}", "same id as"), (f"raw {raw_hash}", "same content as")):
            found = self._db.execute("SELECT source FROM seen WHERE key = ?", (key,)).fetchone()
            if found:
                return f"{why} {found[0]}"
        self._db.executemany("INSERT INTO seen VALUES (?, ?)",
                             [(f"id {doc_id}", source), (f"raw {raw_hash}", source)])
        return None


def _run(jobs: Iterator[Job], table: EntityTable,
         max_text_chars: int, workers: int, seconds: float) -> Iterator[Processed | Skipped]:
    """Yield outcomes in input order; with several workers, keep only a window in flight.

    ``Executor.map`` would submit every job at once (the whole corpus in memory); here at
    most ``WINDOW_PER_WORKER * workers`` jobs wait. If a worker process dies (a crash in C
    code, the OOM killer), the jobs in flight are retried one per fresh process, the one
    that kills its process again is skipped, and the run goes on with a new pool.
    """
    if workers <= 1:
        for raw, hints, shared in jobs:
            yield clean_one(raw, table, hints, max_text_chars, seconds, shared)
        return
    initargs = (table, max_text_chars, seconds)
    window = WINDOW_PER_WORKER * workers
    pending: deque = deque()
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=initargs)
    try:
        for job in itertools.chain(jobs, [None]):
            if job is not None:
                pending.append((pool.submit(_work, job), job))
            while pending and (job is None or len(pending) >= window):
                future, first = pending.popleft()
                try:
                    yield future.result()
                except BrokenProcessPool:
                    pool.shutdown(wait=True, cancel_futures=True)
                    retry = [first] + [j for _, j in pending]
                    pending.clear()
                    yield from _isolated(retry, initargs)
                    pool = ProcessPoolExecutor(workers, initializer=_init_worker,
                                               initargs=initargs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _isolated(jobs: list[Job],
              initargs: tuple) -> Iterator[Processed | Skipped]:
    """Run each job in a process of its own; skip the ones whose process dies."""
    for job in jobs:
        with ProcessPoolExecutor(1, initializer=_init_worker, initargs=initargs) as pool:
            try:
                yield pool.submit(_work, job).result()
            except BrokenProcessPool:
                logger.warning("worker died on %s", job[0].source)
                yield Skipped(job[0].source, "the cleaner crashed on this page (its worker "
                                             "process died); the rest of the run went on")
