"""Files kept beside the index (entity additions, checksums, metadata): written whole, under a lock.

A sidecar is read, changed and written back. Two processes doing that at once must not lose
each other's change, and a reader must never see half a file: the read-change-write runs under
an exclusive lock on a lock file beside the sidecar (``locked``), and the new text goes to a
temporary file of a unique name in the same folder that then replaces the old one
(``write_atomic``; one fixed temporary name let two writers replace each other's half-written
file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: there a sidecar's writers are not serialised
    fcntl = None  # type: ignore[assignment]

from .errors import IndexBusy

# Seconds between two tries to take a lock held by another process.
POLL = 0.02


def lock_path(path: Path) -> Path:
    """Return the lock file that guards ``path``."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: str | Path, wait: float = 30.0, busy: str | None = None) -> Iterator[None]:
    """Hold the lock of the sidecar ``path`` for the block (its folder must exist); raise
    IndexBusy (with the message ``busy``, if given) when another process holds it for longer
    than ``wait`` seconds."""
    if fcntl is None:
        yield
        return
    guard = lock_path(Path(path))
    handle = os.open(guard, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(busy or f"another newsfacet process holds {path} (waited "
                                            f"{wait:g} s) — let it finish and try again") from None
                time.sleep(POLL)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) through a temporary file of a
    unique name; the file keeps the mode of the one it replaces. Raises OSError, leaving no
    temporary file behind."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """Return the mode a new version of ``path`` gets: the old file's, else readable by all
    and writable by us (mkstemp makes files private to us; reading the umask would change it
    for a moment under other threads)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o644


__all__ = ["POLL", "lock_path", "locked", "write_atomic"]
