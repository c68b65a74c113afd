"""The Whoosh library's errors turned into ours: the one place this engine maps them.

Everything the engine does with the library that can fail for a reason outside our code runs
inside one of these blocks, so a caller only ever sees a ``SearchError``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from whoosh.index import LockError

from ...errors import IndexBusy, IndexCorrupt


@contextmanager
def opening(path: Path) -> Iterator[None]:
    """Map what Whoosh raises on a damaged index while opening it."""
    try:
        yield
    except (OSError, ValueError, EOFError, KeyError) as exc:  # whoosh raises these on damage
        raise IndexCorrupt(f"cannot open the index in {path}/: {exc} — "
                           "delete the folder and index again") from exc


@contextmanager
def writing(path: Path, wait: float) -> Iterator[None]:
    """Map the lock another writer holds (past ``wait`` seconds) to IndexBusy."""
    try:
        yield
    except LockError as exc:
        raise IndexBusy(f"another indexing run holds the index in {path}/ (waited {wait:g} s) — "
                        "let it finish and try again, or raise NEWSFACET_LOCK_WAIT") from exc


__all__ = ["opening", "writing"]
