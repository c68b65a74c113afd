"""The files and folders indexed into an index, so that ``newsfacet update`` can read them again.

Kept beside the index as ``file_sources.json`` (crawled URLs live in the crawl state): each
entry is the path as it was given, its absolute form, and when it was last indexed. A path
given relative is read again relative when ``update`` runs from the same folder, so articles
keep the source they were indexed under; from elsewhere, by its absolute path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from ..errors import InputError

logger = logging.getLogger(__name__)

FILE_SOURCES = "file_sources.json"


@dataclass(frozen=True)
class FileSource:
    """A file or folder given to ``newsfacet index``."""

    given: str
    absolute: str
    kind: str  # "folder" or "file"
    indexed: str  # when it was last indexed, ISO 8601 UTC

    def path_to_read(self) -> str:
        """Return the path to read it by: as given when that still leads to it, else absolute."""
        return self.given if os.path.abspath(self.given) == self.absolute else self.absolute

    def to_dict(self) -> dict:
        return {"path": self.given, "absolute": self.absolute, "kind": self.kind,
                "last_update": self.indexed}


def file_sources(index_dir: str) -> list[FileSource]:
    """Return the files and folders indexed into ``index_dir``, in the order first given."""
    path = Path(index_dir) / FILE_SOURCES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path} ({exc}): delete it and index the files again "
                         "to let `newsfacet update` find them") from exc
    try:
        return [FileSource(str(e["given"]), str(e["absolute"]), str(e["kind"]), str(e["indexed"]))
                for e in data["files"]]
    except (KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a list of indexed files: delete it and index the "
                         "files again") from exc


def remember_file_sources(index_dir: str, paths: Iterable[str]) -> list[FileSource]:
    """Record that the existing files and folders among ``paths`` were indexed now; return
    every recorded source. A path met again keeps its place and gets the new time."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sources = {s.absolute: s for s in file_sources(index_dir)}
    for given in paths:
        if not os.path.exists(given):
            continue  # reported as a skip by the run; nothing to read again
        absolute = os.path.abspath(given)
        kind = "folder" if os.path.isdir(given) else "file"
        sources[absolute] = FileSource(os.path.normpath(given), absolute, kind, now)
    _write(index_dir, list(sources.values()))
    return list(sources.values())


def touch_file_sources(index_dir: str) -> None:
    """Record that every file and folder recorded was indexed again now (``update``), each
    keeping the path it was first given by."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write(index_dir, [FileSource(s.given, s.absolute, s.kind, now)
                       for s in file_sources(index_dir)])


def _write(index_dir: str, sources: list[FileSource]) -> None:
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    data = {"files": [{"given": s.given, "absolute": s.absolute, "kind": s.kind,
                       "indexed": s.indexed} for s in sources]}
    partial = folder / (FILE_SOURCES + ".partial")
    # surrogateescape-safe: a file name that is not UTF-8 is kept as JSON escapes
    partial.write_text(json.dumps(data, ensure_ascii=True, indent=1), encoding="utf-8")
    os.replace(partial, folder / FILE_SOURCES)
