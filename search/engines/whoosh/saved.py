"""Arrays of one index generation saved beside the index, so that a new process loads them.

Facet postings, date keys, field lengths and story numbers are derived from every document of
the index; rebuilding them took a fresh ``serve`` worker 1.3 s on 100,000 articles before its
first answer. The indexer writes them once, after its last commit (``WhooshEngine.prepare``), to
one ``.npz`` file in the index folder; a reader loads that file in milliseconds when its
signature (generation, segments and their deletion counts) is the one it has open, and otherwise
builds the arrays itself, as before. The file is a cache: a damaged, stale or missing file only
costs the time to rebuild it, never a wrong answer.
"""

from __future__ import annotations

import logging
import os
import stat
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
        with open(folder / FILE, "rb") as file, np.load(file, allow_pickle=False) as saved:
            if _SIGNATURE not in saved.files or str(saved[_SIGNATURE]) != wanted:
                return {}
            arrays = {name: saved[name] for name in saved.files if name != _SIGNATURE}
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
