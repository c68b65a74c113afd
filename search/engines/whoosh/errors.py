"""The Whoosh library's errors turned into ours: the one place this engine maps them.

Everything the engine does with the library that can fail for a reason outside our code runs
inside one of these blocks, so a caller only ever sees a ``SearchError``.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
import traceback
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filetables import FileFormatError
from whoosh.filedb.structfile import StructFile
from whoosh.index import IndexError as WhooshIndexError
from whoosh.index import LockError

from ...errors import IndexBusy, SearchError, damaged_index as damaged
from . import integrity

# What Whoosh's readers raise on bytes that are not the ones it wrote: a damaged file, never a
# query of ours (EOFError and struct.error: a short file; zlib.error: a broken stored field;
# the pickle error and FileFormatError: a broken table of contents or file header).
DAMAGE = (EOFError, struct.error, zlib.error, pickle.UnpicklingError, FileFormatError,
          WhooshIndexError, UnicodeDecodeError)


def described(exc: BaseException) -> str:
    """Return a failed read's exception in a few words, for the message, after closing the
    files it leaves open (``release``)."""
    release(exc)
    return f"{type(exc).__name__}: {str(exc)[:120]}"


def release(exc: BaseException) -> None:
    """Close the files a failed read left open: Whoosh does not close a file whose header it
    cannot read, and the file would live on in the traceback's frames (a ResourceWarning
    when the error is dropped)."""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        for value in list(frame.f_locals.values()):
            for candidate in (value, getattr(value, "_file", None)):  # a compound file's own
                if isinstance(candidate, StructFile) and not candidate.is_closed:
                    with contextlib.suppress(OSError, ValueError):  # its last write, again
                        candidate.close()
                elif isinstance(candidate, io.IOBase) and not candidate.closed:
                    with contextlib.suppress(OSError, ValueError):
                        candidate.close()


@contextmanager
def opening(path: Path) -> Iterator[None]:
    """Map whatever Whoosh raises while reading an index's table of contents and opening its
    segments: that is reading our files, so any failure there means they are damaged."""
    problems = integrity.quick_problems(path)
    if problems:
        raise damaged(path, "; ".join(problems))
    try:
        yield
    except SearchError:
        raise
    except Exception as exc:  # any failure to read our own files is damage
        raise damaged(path, described(exc)) from exc


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Map what Whoosh raises on a damaged segment while searching or reading articles.

    An error Whoosh raises only on bad bytes is damage; any other error is damage too when a
    file of the index is no longer the one written (its size or, on this rare path, its
    SHA-256); else it is ours, and left for the caller's report."""
    try:
        yield
    except SearchError:
        raise
    except DAMAGE as exc:
        raise damaged(path, described(exc)) from exc
    except Exception as exc:
        if type(exc) is Exception:  # Whoosh's bare one, e.g. "Block tag error" on zeroed bytes
            raise damaged(path, described(exc)) from exc
        problems = integrity.quick_problems(path, every_hash=True)
        if problems:
            release(exc)
            raise damaged(path, "; ".join(problems)) from exc
        raise


@contextmanager
def writing(path: Path, wait: float) -> Iterator[None]:
    """Map the lock another writer holds (past ``wait`` seconds) to IndexBusy."""
    try:
        yield
    except LockError as exc:
        raise IndexBusy(f"another indexing run holds the index in {path}/ (waited {wait:g} s) — "
                        "let it finish and try again, or raise NEWSFACET_LOCK_WAIT") from exc


__all__ = ["DAMAGE", "described", "opening", "reading", "release", "writing"]
