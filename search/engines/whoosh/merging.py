"""Segment merges run in a second process while the indexer goes on writing (issue 20).

A build writes a segment per batch, and Whoosh's ``MERGE_SMALL`` policy merges the small ones
once enough of them have piled up (about every 105,000 articles). Inline, a merge stops the
indexer for as long as it takes: at 500,000 articles four merges of ~105,000 articles each cost
80-100 s apiece, on a machine whose second core sat idle. Here the same policy chooses what to
merge, and a child process (``merge`` run by a new interpreter) writes the merged
segment into a folder of its own inside the index folder (``.merge-PID-ID/``, which Whoosh's
file cleaning passes over) while the indexer writes the next batches. At the first commit after
the child is done, the merged segment takes its sources' place in the new table of contents:

- articles deleted from a source segment since the merge began (a batch replacing them) are
  deleted again in the merged segment, at the docnums they took there;
- if a source segment is gone (another writer merged it meanwhile), the merge is dropped;
- only one merge runs at a time; the segments written meanwhile wait for the next.

What is written is what an inline merge writes (the same ``Writer``): every posting, length and
stored field of the live documents, in source order (``tests/test_background_merge.py``).
A merge that fails (a full disk, a killed child) leaves the index as it was: its folder is
removed, and the segments stay unmerged until a later merge takes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.util import fib

from ...sidecars import write_atomic
from .writer import Writer

logger = logging.getLogger(__name__)

PREFIX = ".merge-"  # a merge's folder in the index folder: .merge-<indexer pid>-<number>
JOB_FILE = "job.pickle"
RESULT_FILE = "result.pickle"
LOG_FILE = "merge.log"
CHILD = f"import sys; from {__name__} import merge; merge(sys.argv[1])"  # the child's program
# The child's sorting pool for the merged segment's own postings (it has none: the merged
# segments' postings stream from their files), so a small one.
POOL_MB = 32
PR_SET_PDEATHSIG = 1  # prctl's option: a signal for this process when its parent ends


def chosen_segments(segments: list) -> list:
    """Return the segments Whoosh's ``MERGE_SMALL`` would merge now, or an empty list: the
    smallest ones, as soon as five or more of them hold fewer documents than a Fibonacci
    number that grows with their count (its choice, without its merging)."""
    ordered = sorted(segments, key=lambda segment: segment.doc_count_all())
    total = 0
    for i, segment in enumerate(ordered):
        total += max(segment.doc_count_all(), 0)
        if i > 3 and total < fib(i + 5):
            return ordered[:i + 1]
    return []


class BackgroundMerges:
    """The merges of one writing process: a Whoosh merge policy (``policy``) that starts a
    merge in a child process and, once it is done, puts its segment in the index."""

    def __init__(self, path: Path, indexname: str, schema) -> None:
        self.path, self.indexname, self.schema = path, indexname, schema
        self._job: _Job | None = None
        self._count = 0
        self._starting = True  # False: apply a finished merge, start no new one
        remove_stale(path)

    @property
    def running(self) -> bool:
        return self._job is not None

    def policy(self, writer, segments: list) -> list:
        """A Whoosh merge policy: apply a finished merge, start a new one when ``MERGE_SMALL``
        would merge; never merge in the writer itself."""
        segments = list(segments)
        if self._job is not None:
            if not self._job.done():
                return segments
            job, self._job = self._job, None
            segments = job.apply(segments)
        if self._starting:
            chosen = chosen_segments(segments)
            if len(chosen) > 1:
                self._count += 1
                self._job = _Job.start(self.path / f"{PREFIX}{os.getpid()}-{self._count}",
                                       self.path, self.indexname, self.schema, chosen)
        return segments

    def wait(self) -> None:
        """Wait for the running merge to end (it is applied by the next commit)."""
        if self._job is not None:
            self._job.wait()

    def finish(self) -> None:
        """Wait for the running merge; the next commit applies it and starts no other."""
        self.wait()
        self._starting = False

    def abandon(self) -> None:
        """Stop a running merge and remove what it wrote."""
        if self._job is not None:
            job, self._job = self._job, None
            job.abandon()


class _Job:
    """One merge in a child process."""

    def __init__(self, folder: Path, path: Path, sources: list, process) -> None:
        self.folder, self.path, self.process = folder, path, process
        self.sources = sources  # the segments as they were when the merge began
        self.started = time.perf_counter()

    @classmethod
    def start(cls, folder: Path, path: Path, indexname: str, schema, sources: list) -> _Job:
        folder.mkdir()
        # (the segments are pickled as Whoosh pickles them in a table of contents, deletions
        # included: the child merges the documents live now)
        job = {"source": str(path), "indexname": indexname, "schema": schema,
               "segments": sources, "parent": os.getpid()}
        (folder / JOB_FILE).write_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        with open(folder / LOG_FILE, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(folder)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=log, close_fds=True)
        logger.info("merging %d segments (%d articles) in process %d", len(sources),
                    sum(s.doc_count() for s in sources), process.pid)
        return cls(folder, path, [_snapshot(s) for s in sources], process)

    def done(self) -> bool:
        return self.process.poll() is not None

    def wait(self) -> None:
        self.process.wait()

    def abandon(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def apply(self, segments: list) -> list:
        """Return ``segments`` with the merged segment in place of its sources (or unchanged,
        when the merge failed or a source is gone); the merged segment's file is moved into
        the index folder (the caller writes the table of contents that names it)."""
        try:
            merged = self._result()
            if merged is None:
                return segments
            current = {segment.segment_id(): segment for segment in segments}
            if any(source.segment_id() not in current for source, _ in self.sources):
                logger.info("merge dropped: another writer merged its segments meanwhile")
                return segments
            base = 0
            for source, deleted in self.sources:
                now = current[source.segment_id()]
                again = _deleted(now) - deleted
                if again:  # deleted since the merge began: delete them in the merged segment
                    live = [n for n in range(source.doc_count_all()) if n not in deleted]
                    at = {docnum: base + n for n, docnum in enumerate(live)}
                    for docnum in again:
                        merged.delete_document(at[docnum])
                base += source.doc_count_all() - len(deleted)
            if base != merged.doc_count_all():
                logger.warning("merge dropped: it holds %d documents, its sources %d",
                               merged.doc_count_all(), base)
                return segments
            name = merged.make_filename(".seg")
            os.replace(self.folder / name, self.path / name)
            sources = {source.segment_id() for source, _ in self.sources}
            logger.info("merged %d segments in %.1f s", len(sources),
                        time.perf_counter() - self.started)
            return [s for s in segments if s.segment_id() not in sources] + [merged]
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _result(self):
        code = self.process.returncode
        try:
            merged = pickle.loads((self.folder / RESULT_FILE).read_bytes()) if code == 0 else None
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            logger.warning("merge failed: cannot read its result: %s", exc)
            return None
        if merged is None:
            with contextlib.suppress(OSError):
                tail = (self.folder / LOG_FILE).read_text(errors="replace")[-2000:]
                logger.warning("merge failed (exit code %s); the segments stay as they are: %s",
                               code, tail.strip())
        return merged


def _snapshot(segment) -> tuple:
    """Return a segment and its deleted docnums as they are now (the merge's view)."""
    return segment, _deleted(segment)


def _deleted(segment) -> frozenset[int]:
    """Return a segment's deleted docnums."""
    return frozenset(segment.deleted_docs()) if segment.has_deletions() else frozenset()


def remove_stale(path: Path) -> None:
    """Remove the folders of merges whose indexer process is gone (a crash, a kill)."""
    for folder in path.glob(f"{PREFIX}*"):
        pid = folder.name[len(PREFIX):].split("-")[0]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dies_with(parent: int) -> bool:
    """Have this process killed when its parent ends (Linux; elsewhere a merge left behind
    by a killed indexer ends on its own and its folder is removed by the next run); return
    False if the parent is gone already."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    return os.getppid() == parent


class _Target:
    """What ``SegmentWriter`` reads from an index: here the merge's own folder to write in,
    the index's schema, and no segments (the writer only adds the merged ones)."""

    def __init__(self, storage, indexname: str, schema) -> None:
        self.storage, self.indexname = storage, indexname
        self._toc = SimpleNamespace(generation=-1, schema=schema, segments=[])

    def _read_toc(self):
        return self._toc


def merge(folder: str | Path) -> None:
    """Write the merged segment of the job in ``folder`` there, then its result file."""
    folder = Path(folder)
    job = pickle.loads((folder / JOB_FILE).read_bytes())
    if not _dies_with(job["parent"]):
        sys.exit("the indexer that started this merge is gone")
    source = FileStorage(job["source"], supports_mmap=False)
    schema = job["schema"]
    writer = Writer(_Target(FileStorage(str(folder), supports_mmap=False), job["indexname"],
                            schema), _lk=False, limitmb=POOL_MB)
    writer.source_storage = source
    try:
        for segment in job["segments"]:
            reader = SegmentReader(source, schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        merged = writer._finalize_segment()
    except BaseException as exc:
        writer.abandon(exc)
        raise
    writer._finish()
    write_atomic(folder / RESULT_FILE, pickle.dumps(merged, pickle.HIGHEST_PROTOCOL))

