"""Whoosh's segment writer, with two costs of a build taken out of its inner loops.

Profiled on 100,000 articles, Whoosh spent a quarter of its writing time on two things that do
not change what it writes:

- When it writes a segment's postings, it asks the field length of the document of every
  posting from the segment's length column, through a file read each time (9.6 million reads).
  Here each field's lengths are read once per segment into a list.
- Its stemming cache is a pure-Python LFU cache wrapped around every word (14 million calls).
  Here the stemmer of the writer's schema is wrapped in ``functools.lru_cache`` instead: the
  same stems from the same function, with the cache in C and as bounded.

What is written is the same: ``tests/test_whoosh_writer.py`` compares every posting (with its
positions), field length and stored field of an index written each way.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence

import numpy as np
from whoosh.analysis import StemFilter
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

# Most stems remembered per writer (Whoosh's own default size).
STEM_CACHE = 50_000


class Writer(SegmentWriter):
    """A ``SegmentWriter`` that writes the same segments faster."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        _cache_stems(self.schema)

    def _flush_segment(self) -> None:
        # Whoosh's own method, with the per-document reader's lengths read into memory.
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


def _cache_stems(schema) -> None:
    """Put a C LRU cache around the stemmer of every stemming analyzer in the schema (the
    schema is the writer's own copy, read from the index)."""
    for _, field in schema.items():
        analyzer = getattr(field, "analyzer", None)
        for part in getattr(analyzer, "items", ()):
            if isinstance(part, StemFilter) and not part.lang:
                part._stem = functools.lru_cache(maxsize=STEM_CACHE)(part.stemfn)


class _Lengths:
    """A segment's field lengths, each field read in one pass when first asked for."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields: dict[tuple[str, int], list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get((fieldname, default))
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname, default] = [
                read(n, fieldname, default) for n in range(self._reader.doc_count_all())]
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


class StoredIds:
    """Tells which ids of a batch may already be stored, from a sorted array of the ids' hashes
    per segment (8 bytes an article; segments never change once written).

    Replacing a batch means deleting its ids first; asking every segment for each of 5,000 new
    ids took 5% of a build. Here only the ids whose hash some segment holds are deleted: a
    hash collision or a deleted document only costs a lookup. A segment not seen before (this
    process's last batch, another writer's, a merge) has its ids read once.
    """

    def __init__(self) -> None:
        self._segments: dict[str, np.ndarray] = {}

    def maybe_stored(self, writer: SegmentWriter, ids: Sequence[str]) -> list[str]:
        """Return the ids that may be in the writer's index (all that are, and maybe more)."""
        current = {}
        for segment in writer.segments:
            name = segment.segment_id()
            hashes = self._segments.get(name)
            if hashes is None:
                hashes = _id_hashes(writer, segment)
            if hashes is None:
                return list(ids)  # a segment whose ids cannot be read: assume any may be there
            current[name] = hashes
        self._segments = current  # segments merged away are forgotten
        wanted = _hashes(ids)
        found = np.zeros(len(ids), dtype=bool)
        for hashes in current.values():
            if len(hashes):
                at = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
                found |= hashes[at] == wanted
        return [i for i, hit in zip(ids, found.tolist(), strict=True) if hit]


def _hashes(ids) -> np.ndarray:
    return np.fromiter((hash(i) for i in ids), dtype=np.int64)


def _id_hashes(writer: SegmentWriter, segment) -> np.ndarray | None:
    """Return the sorted hashes of the ids stored in a segment (deleted documents included),
    or None when they cannot be read."""
    try:
        reader = SegmentReader(writer.storage, writer.schema, segment)
    except (OSError, EOFError, ValueError, KeyError, struct.error):
        # what Whoosh raises on a segment it cannot open: check every id
        return None
    try:
        if not reader.has_column("id"):
            return None
        return np.sort(_hashes(reader.column_reader("id")))
    finally:
        reader.close()
