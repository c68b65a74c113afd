"""Checking an index folder for damage, and clearing it for a rebuild.

``check_index`` compares every file of the newest generation with the checksums recorded when
it was written (``integrity``) and reads every segment through, each on its own, so that a
report names the damaged file. ``discard_index`` removes what Whoosh and the engine wrote (not
the sidecars of other parts: saved searches, crawl state, added entities), under the index's
write lock, so that ``newsfacet index --rebuild`` starts from an empty index.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from ...errors import IndexBusy, IndexMissing
from . import integrity, saved, trust
from .engine import META_FILE
from .errors import DAMAGE, described

INDEX_NAME = "MAIN"
WRITE_LOCK = "MAIN_WRITELOCK"
# The engine's own files beside Whoosh's.
ENGINE_FILES = (saved.FILE, integrity.CHECKSUMS, META_FILE)
# What reading a damaged table of contents or segment raised in our trials (truncated, zeroed,
# garbage), besides Whoosh's own signs of bad bytes.
READ_FAILURES = (*DAMAGE, OSError, ValueError, KeyError, IndexError, OverflowError, MemoryError,
                 AttributeError, TypeError)


def check_index(folder: Path, trusted: bool = False) -> integrity.CheckReport:
    """Return what a check of the index in ``folder`` found (problems empty: no damage);
    ``trusted``: read it even when another user may have written it.

    Raises:
        IndexMissing: there is no index in ``folder``.
    """
    generation = integrity.latest_generation(folder)
    if generation is None:
        raise IndexMissing(f"no index in {folder}/ — run `newsfacet index seeds/` first "
                           "(or pass --index DIR)")
    # Raises IndexUntrusted before any pickle is read.
    if not trusted:
        trust.check_folder(folder)
    report = integrity.CheckReport(str(folder), generation)
    integrity.checksum_problems(folder, report)
    try:
        storage = FileStorage(str(folder), supports_mmap=False)
        toc = index.TOC.read(storage, INDEX_NAME, generation)
    except READ_FAILURES as exc:
        report.problems.append(f"{integrity.toc_name(generation)}: cannot be read "
                               f"({described(exc)})")
        return report
    for segment in toc.segments:
        report.articles += _read_segment(storage, toc.schema, segment, report)
    return report


def _read_segment(storage, schema, segment, report: integrity.CheckReport) -> int:
    """Read one segment through; return its documents (0 and a problem when it fails)."""
    name = f"{segment.segment_id()}.seg" if segment.is_compound() else segment.segment_id()
    try:
        reader = SegmentReader(storage, schema, segment)
        try:
            return integrity.read_through(reader)
        finally:
            reader.close()
    except READ_FAILURES as exc:
        report.problems.append(f"{name}: cannot be read ({described(exc)})")
        return 0


def discard_index(folder: Path, also: tuple[str, ...] = ()) -> None:
    """Remove the index in ``folder`` (Whoosh's files, the engine's and the ``also`` names),
    keeping every other file; raise IndexBusy while another run writes to it."""
    if not folder.is_dir():
        return
    lock = FileStorage(str(folder)).lock(WRITE_LOCK)
    if not lock.acquire(blocking=False):
        raise IndexBusy(f"another indexing run holds the index in {folder}/ — let it finish, "
                        "then rebuild")
    try:
        for path in folder.iterdir():
            name = path.name
            whoosh_file = (name.startswith(("_MAIN_", "MAIN_")) and name != WRITE_LOCK)
            if path.is_file() and (whoosh_file or name in ENGINE_FILES or name in also):
                path.unlink()
    finally:
        lock.release()


__all__ = ["check_index", "discard_index"]
