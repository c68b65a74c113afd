"""Index files and folders into an engine: skip what is unchanged, replace what changed.

Memory stays flat whatever the corpus size: documents stream from disk and are written in
bounded batches, each batch a commit of its own (so a crash loses at most one batch, and the
next run redoes only that).
"""

from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping

from .engines import Engine
from .entities import EntityTable
from .pipeline import Processed, article_id, content_hash, process
from .sources import RawDocument, Skipped, iter_documents

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged + len(self.skipped)

    def to_dict(self) -> dict:
        return {"added": len(self.added), "updated": len(self.updated),
                "unchanged": self.unchanged, "skipped": len(self.skipped),
                "skips": [{"source": s.source, "reason": s.reason} for s in self.skipped]}


_worker_state: dict = {}


def _init_worker(table: EntityTable, max_text_chars: int) -> None:
    _worker_state.update(table=table, max_text_chars=max_text_chars)


def _work(job: tuple[RawDocument, Mapping[str, str]]) -> Processed | Skipped:
    raw, hints = job
    return process(raw, _worker_state["table"], hints, _worker_state["max_text_chars"])


def index_paths(
    paths: Iterable[str],
    engine: Engine,
    table: EntityTable,
    *,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    max_bytes: int = 20_000_000,
    max_text_chars: int = 1_000_000,
    workers: int = 1,
    progress: Callable[[int, str], None] | None = None,
) -> IndexReport:
    """Clean and index every document under ``paths``; return what happened to each."""
    report = IndexReport()
    existing = engine.hashes()
    overrides = overrides or {}
    jobs = _changed(iter_documents(paths, max_bytes), existing, table, overrides, report, progress)
    batch = []
    for outcome in _run(jobs, table, max_text_chars, workers):
        if isinstance(outcome, Skipped):
            logger.warning("skipped %s: %s", outcome.source, outcome.reason)
            report.skipped.append(outcome)
            continue
        article = outcome.article
        (report.updated if article.id in existing else report.added).append(article.id)
        batch.append(article)
        if len(batch) >= BATCH_SIZE:
            engine.upsert(batch)
            batch = []
    engine.upsert(batch)
    return report


def _changed(documents: Iterator[RawDocument | Skipped], existing: Mapping[str, str],
             table: EntityTable, overrides: Mapping[str, Mapping[str, str]], report: IndexReport,
             progress) -> Iterator[tuple[RawDocument, Mapping[str, str]]]:
    """Yield the documents that need cleaning; count unchanged ones and early skips."""
    ids: dict[str, str] = {}
    contents: dict[str, str] = {}
    for number, doc in enumerate(documents, start=1):
        if progress:
            progress(number, doc.source)
        if isinstance(doc, Skipped):
            logger.warning("skipped %s: %s", doc.source, doc.reason)
            report.skipped.append(doc)
            continue
        doc_id = article_id(doc)
        if doc_id in ids or doc.raw_hash in contents:
            first = ids.get(doc_id) or contents[doc.raw_hash]
            why = "same id as" if doc_id in ids else "same content as"
            report.skipped.append(Skipped(doc.source, f"{why} {first}"))
            continue
        ids[doc_id] = contents[doc.raw_hash] = doc.source
        hints = overrides.get(doc.source, {})
        if existing.get(doc_id) == content_hash(doc, table, hints):
            report.unchanged += 1
            continue
        yield doc, hints


def _run(jobs: Iterator[tuple[RawDocument, Mapping[str, str]]], table: EntityTable,
         max_text_chars: int, workers: int) -> Iterator[Processed | Skipped]:
    if workers <= 1:
        for raw, hints in jobs:
            yield process(raw, table, hints, max_text_chars)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker,
                             initargs=(table, max_text_chars)) as pool:
        yield from pool.map(_work, jobs, chunksize=8)
