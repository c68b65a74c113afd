"""Arrays of one index generation saved beside the index, so that a new process loads them.

Facet postings, date keys, field lengths and story numbers are derived from every document of
the index; rebuilding them took a fresh ``serve`` worker 1.3 s on 100,000 articles before its
first answer. The indexer writes them once, after its last commit (``WhooshEngine.prepare``), to
one ``.npz`` file in the index folder; a reader loads that file in milliseconds when its
signature (generation, segments and their deletion counts) is the one it has open, and otherwise
builds the arrays itself, as before. The file is a cache: a damaged, stale or missing file only
costs the time to rebuild it, never a wrong answer.

The arrays are memory-mapped, not read: ``np.savez`` stores each array uncompressed in the zip
file, so each one is a read-only view of the file's pages at its offset. The server's worker
processes then share one copy of them in the page cache, where each held a private copy of the
whole file (89 MB at 500,000 articles) before. A file is only ever replaced (``save``), never
written in place, so a mapping keeps the generation it was opened for. A member stored otherwise
(compressed, by another writer) is read as before.
"""

from __future__ import annotations

import logging
import mmap
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

FILE = "newsfacet-arrays.npz"
FORMAT = 1  # bump when the arrays' names or meaning change
_SIGNATURE = "_signature"
# What each array must hold (NumPy dtype kinds): by group, by facet part, or by name.
_LOCAL_HEADER = 30  # bytes of a zip entry's local header before its name and extra field
_KINDS = {"live": "b", "key": "iu", "lengths": "f", "avg": "f", "docs": "iu", "values": "iu",
          "terms": "U", "story.codes": "i", "story.names": "U", "vocab": "U", "wordcounts": "iu"}


def signature(searcher) -> str:
    """Return what identifies the searcher's view of the index: its generation, and each
    segment with its document and live counts (a segment only ever gains deletions)."""
    reader = searcher.reader()
    parts = [f"format {FORMAT}", f"generation {reader.generation()}"]
    for leaf, offset in searcher.leaf_searchers():
        segment_reader = leaf.reader()
        try:
            name = segment_reader.segment().segment_id()
        except AttributeError:  # not a segment reader: nothing to recognise it by
            return ""
        parts.append(f"{name}@{offset}:{segment_reader.doc_count_all()}:{segment_reader.doc_count()}")
    return "\n".join(parts)


def load(folder: Path, searcher) -> dict[str, np.ndarray]:
    """Return the arrays saved for the searcher's view of the index, or {} if there are none
    (missing, stale or unreadable file)."""
    wanted = signature(searcher)
    if not wanted:
        return {}
    try:
        with open(folder / FILE, "rb") as file:
            saved = _mapped(file)
            if saved is None:  # not as ``save`` writes it: read into memory
                file.seek(0)
                with np.load(file, allow_pickle=False) as read:
                    saved = {name: read[name] for name in read.files}
        if _SIGNATURE not in saved or str(saved[_SIGNATURE]) != wanted:
            return {}
        arrays = {name: value for name, value in saved.items() if name != _SIGNATURE}
        problem = _inconsistency(arrays, searcher.reader().doc_count_all())
    except FileNotFoundError:
        return {}
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        # a damaged file: what numpy's and zipfile's readers raise on one
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        logger.warning("ignoring %s (%s); its arrays are built again", folder / FILE, problem)
        return {}
    return arrays


def _mapped(file) -> dict[str, np.ndarray] | None:
    """Return the arrays of an ``.npz`` file as read-only views of a memory map of it, or None
    when a member is compressed (or the file is empty: nothing to map); raise ValueError (or
    what zipfile raises) on a damaged file."""
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
    if not members or any(m.compress_type != zipfile.ZIP_STORED for m in members):
        return None
    pages = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    arrays = {}
    for member in members:
        if not member.filename.endswith(".npy"):
            raise ValueError(f"{member.filename} is not an array")
        arrays[member.filename[:-len(".npy")]] = _member_array(file, pages, member)
    return arrays


def _member_array(file, pages: mmap.mmap, member: zipfile.ZipInfo) -> np.ndarray:
    """Return one stored ``.npy`` member as a view of ``pages`` (its bytes in the file)."""
    local = pages[member.header_offset:member.header_offset + _LOCAL_HEADER]
    if len(local) != _LOCAL_HEADER or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{member.filename}: no zip entry at its offset")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    start = member.header_offset + _LOCAL_HEADER + name_length + extra_length
    file.seek(start)
    version = np.lib.format.read_magic(file)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = read_header(file)
    if dtype.hasobject:
        raise ValueError(f"{member.filename} holds Python objects")
    offset, count = file.tell(), int(np.prod(shape, dtype=np.int64))
    if offset + count * dtype.itemsize > start + member.file_size:
        raise ValueError(f"{member.filename} is shorter than its shape")
    if not count:
        return np.empty(shape, dtype=dtype)
    flat = np.frombuffer(pages, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C")


def _inconsistency(arrays: Mapping[str, np.ndarray], size: int) -> str | None:
    """Return what makes the arrays unusable for an index of ``size`` documents, or None.

    Names: ``live``, ``key.<field>``, ``lengths.<field>``, ``avg.<field>``,
    ``facet.<field>.terms|docs|values``, ``story.codes|names``.
    """
    for name, value in arrays.items():
        group, _, rest = name.partition(".")
        kind = _KINDS.get(group if group != "facet" else rest.rpartition(".")[2], _KINDS.get(name))
        if kind and value.dtype.kind not in kind:
            return f"{name} holds {value.dtype}"
        if ((group in ("live", "key", "lengths") or name == "story.codes")
            and value.shape != (size,)):
            return f"{name} has shape {value.shape}, not ({size},)"
        if group == "facet" and rest.endswith(".docs"):
            field = rest[:-len(".docs")]
            values = arrays.get(f"facet.{field}.values")
            terms = arrays.get(f"facet.{field}.terms")
            if values is None or terms is None or values.shape != value.shape:
                return f"facet {field} is incomplete"
            if len(value) and (value.min() < 0 or value.max() >= size
                               or values.min() < 0 or values.max() >= len(terms)):
                return f"facet {field} points outside the index"
    codes, names = arrays.get("story.codes"), arrays.get("story.names")
    if (codes is None) != (names is None):
        return "stories are incomplete"
    if (codes is not None and names is not None and len(codes)
            and (codes.min() < -1 or codes.max() >= len(names))):
        return "story numbers point outside the story list"
    return None


def save(folder: Path, searcher, arrays: Mapping[str, np.ndarray]) -> bool:
    """Write the arrays for the searcher's view of the index (atomically); return False when
    the folder cannot be written (a read-only index is still served, only slower to start)."""
    wanted = signature(searcher)
    if not wanted:
        return False
    try:
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".arrays-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                payload: dict[str, Any] = {_SIGNATURE: np.array(wanted), **arrays}
                np.savez(out, **payload)
            # Readable by whoever may read the folder (mkstemp makes it private to us).
            os.chmod(tmp, stat.S_IMODE(folder.stat().st_mode) & 0o666)
            os.replace(tmp, folder / FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        logger.info("could not save %s: %s", folder / FILE, exc)
        return False
    return True
