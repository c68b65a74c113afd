"""Whoosh's segment writer, with two costs of a build taken out of its inner loops.

Profiled on 100,000 articles, Whoosh spent a quarter of its writing time on two things that do
not change what it writes:

- When it writes a segment's postings, it asks the field length of the document of every
  posting from the segment's length column, through a file read each time (9.6 million reads).
  Here each field's lengths are read once per segment into a list.
- Its stemming cache is a pure-Python LFU cache wrapped around every word (14 million calls).
  Here the stemmer of the writer's schema is wrapped in ``functools.lru_cache`` instead: the
  same stems from the same function, with the cache in C and as bounded.

And one cost of every document added (issue 17): Whoosh analyses a text field through a chain
of generators that passes one ``Token`` object through the tokenizer and each filter, then
collects its positions per term. For the one analyzer our text fields use (words, lower case,
stems, no stop list), the same terms, positions and weights are computed here in one loop
(``_FastText``); any other field or analyzer goes through Whoosh's own code.

And one cost of merging segments (issue 20): Whoosh merges by putting every posting of the
segments it merges into the writer's sorting pool, which sorts them again in runs of
``limitmb`` on disk, although each segment's postings are sorted already. A build of 500,000
articles merges about 400,000 of them into segments of 105,000 (Whoosh's ``MERGE_SMALL``), at
633 articles/s against a build's 243 (30,000 articles, one process). Here the merged segments'
postings stream from the segments themselves, in order, merged with the pool's when the new
segment is written: no pool runs, no second sort, and memory that does not grow with the
segments merged.

What is written is the same: ``tests/test_whoosh_writer.py`` compares every posting (with its
positions), field length and stored field of an index written each way.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import io
import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.formats import Positions
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.structfile import StructFile
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .errors import release

# Whoosh's decoding of a length byte: 0 is read as None (no length), as its own reader does.
_BYTE_LENGTHS = [None] + [byte_to_length(code) for code in range(1, 256)]

# Most stems remembered per writer (Whoosh's own default size).
STEM_CACHE = 50_000


class Writer(SegmentWriter):
    """A ``SegmentWriter`` that writes the same segments faster."""

    schema: Any  # Whoosh's ``Schema``, set by ``SegmentWriter``

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        _cache_stems(self.schema)
        self._fast_schema = _FastSchema(self.schema)
        # Segments merged into this one: (segment, first docnum here, docnum map or None).
        self._merged: list[tuple] = []
        # Where the merged segments are read from (a background merge writes elsewhere).
        self.source_storage = self.storage

    def add_document(self, **fields) -> None:
        # Whoosh's own, reading its fields from a view of the schema whose plain text fields
        # analyse faster (the schema itself is pickled into the table of contents unchanged).
        schema = self.schema
        self.schema = self._fast_schema
        try:
            super().add_document(**fields)
        finally:
            self.schema = schema

    def write_per_doc(self, fieldnames, reader):
        # Whoosh's own, with the merged segment's field lengths read a field at a time.
        if isinstance(reader, SegmentReader):
            reader = _CachedLengthsReader(reader)
        return super().write_per_doc(fieldnames, reader)

    def add_postings_to_pool(self, reader, startdoc, docmap) -> None:
        # Called by ``add_reader`` when a merge policy merges a segment in: its postings are
        # read again when the new segment is written (its files stay until the commit's end).
        segment = reader.segment() if reader.is_atomic() else None
        if segment is None:
            super().add_postings_to_pool(reader, startdoc, docmap)
        else:
            self._merged.append((segment, startdoc, docmap))

    def _flush_segment(self) -> None:
        # Whoosh's own method, with the per-document reader's lengths read into memory and the
        # merged segments' postings streamed in beside the pool's.
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        readers = []
        try:
            streams = [self.pool.iter_postings()]
            for segment, startdoc, docmap in self._merged:
                readers.append(SegmentReader(self.source_storage, self.schema, segment))
                streams.append(_segment_postings(readers[-1], self.schema, startdoc, docmap))
            # Each stream is sorted by (field, term, docnum) and the streams' docnums never
            # meet, so the merge is the order the pool would have sorted them into.
            postings = heapq.merge(*streams) if len(streams) > 1 else streams[0]
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        finally:  # a failed write (a full disk) must not leave the lengths file open
            if lengths:
                lengths.close()
            for reader in readers:
                reader.close()
        self.fieldwriter.close()


    def abandon(self, failure: BaseException | None = None) -> None:
        """Give up this writer after a failure (a full disk, say): close its files, remove what
        it wrote of a new generation (the new segment's files, the new table of contents,
        the temporary pool) and release the lock, so the index is as it was before.

        A table of contents of the new generation already in place means the commit went
        through (only Whoosh's tidying after it failed): then nothing is removed."""
        if failure is not None:  # files the failed call left open in its frames
            release(failure)
        toc = f"_{self.indexname}_{self.generation}.toc"
        committed = self.storage.file_exists(toc)
        try:
            self._close_segment()
        except (OSError, ValueError) as exc:  # closing wrote, and failed again
            release(exc)
        # A write that failed inside ``_close_segment`` left files open whose closing would
        # write (and fail) again: close the files themselves.
        _close_files([self.perdocwriter, self.fieldwriter, self.pool], set(), 4)
        if not committed:
            segment = f"{self.newsegment.segment_id()}."
            for name in list(self.storage):
                if name.startswith((segment, f"{toc}.")):
                    with contextlib.suppress(FileNotFoundError):
                        self.storage.delete_file(name)
        with contextlib.suppress(OSError):
            self._tempstorage.destroy()
        if self.writelock:
            self.writelock.release()
        self.is_closed = True


def _segment_postings(reader, schema, startdoc: int, docmap) -> Iterator[tuple]:
    """Yield a segment's postings of live documents as the pool holds them, (field, term,
    docnum, weight, value), sorted, with the docnums they take in the new segment.

    The terms are read in file order with their term infos (one pass, instead of a hash lookup
    per term), and each posting list a block at a time (instead of five matcher calls per
    posting). The terms file is in the pool's order, (field, term), because a segment is only
    ever written from a sorted stream, and the field writer raises on any posting out of order.
    """
    terms, codec = getattr(reader, "_terms", None), getattr(reader, "_codec", None)
    if terms is None or codec is None or not (
            hasattr(terms, "items") and hasattr(terms, "_postfile")
            and hasattr(codec, "postings_reader")):
        yield from matcher_postings(reader, schema, startdoc, docmap)
        return
    formats = {name: schema[name].format for name in reader.indexed_field_names()
               if name in schema}
    postfile, open_postings = terms._postfile, codec.postings_reader
    for (fieldname, btext), info in terms.items():
        format_ = formats.get(fieldname)
        if format_ is None:
            continue
        for ids, weights, values in _blocks(open_postings(postfile, info, format_)):
            block = zip(ids, weights, values, strict=True)
            if docmap is None:
                for docnum, weight, value in block:
                    yield fieldname, btext, startdoc + docnum, weight, value
            else:  # deleted documents are not in the map
                for docnum, weight, value in block:
                    if docnum in docmap:
                        yield fieldname, btext, docmap[docnum], weight, value


def _blocks(matcher) -> Iterator[tuple]:
    """Yield a posting list's (docnums, weights, values) a block at a time; postings inlined in
    the term info (one or few) come as one block."""
    if not hasattr(matcher, "_next_block"):
        postings = []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        if postings:
            yield tuple(zip(*postings, strict=True))
        return
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        yield matcher._ids, matcher._weights, matcher._values
        matcher._next_block()


def matcher_postings(reader, schema, startdoc: int, docmap) -> Iterator[tuple]:
    """``_segment_postings`` through Whoosh's public reader calls, for other codecs."""
    for fieldname in sorted(reader.indexed_field_names()):
        if fieldname not in schema:
            continue
        for btext in reader.lexicon(fieldname):
            matcher = reader.postings(fieldname, btext)
            while matcher.is_active():
                docnum = matcher.id()
                yield (fieldname, btext, docmap[docnum] if docmap is not None
                       else startdoc + docnum, matcher.weight(), matcher.value())
                matcher.next()


def _close_files(objects, seen: set[int], depth: int) -> None:
    """Close every open file held by ``objects`` or their attributes (``depth`` levels)."""
    for obj in objects:
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float)):
            continue
        seen.add(id(obj))
        if isinstance(obj, (StructFile, io.IOBase)):
            closed = obj.is_closed if isinstance(obj, StructFile) else obj.closed
            if not closed:  # (a StructFile closed twice raises)
                with contextlib.suppress(OSError, ValueError):  # its last write failing again
                    obj.close()
            continue
        if depth <= 0:
            continue
        if isinstance(obj, dict):
            _close_files(list(obj.values()), seen, depth - 1)
        elif isinstance(obj, (list, tuple, set)):
            _close_files(list(obj), seen, depth - 1)
        elif hasattr(obj, "__dict__"):
            _close_files(list(vars(obj).values()), seen, depth - 1)


def _cache_stems(schema) -> None:
    """Put a C LRU cache around the stemmer of every stemming analyzer in the schema (the
    schema is the writer's own copy, read from the index)."""
    for _, field in schema.items():
        analyzer = getattr(field, "analyzer", None)
        for part in getattr(analyzer, "items", ()):
            if isinstance(part, StemFilter) and not part.lang:
                part._stem = functools.lru_cache(maxsize=STEM_CACHE)(part.stemfn)


class _FastSchema:
    """The writer's schema as ``add_document`` reads it: each field by name, the text fields
    that ``_FastText`` can analyse wrapped in it."""

    def __init__(self, schema) -> None:
        self._schema = schema
        self._fast = {name: _FastText(field) for name, field in schema.items()
                      if _FastText.handles(field)}

    def __contains__(self, name: str) -> bool:
        return name in self._schema

    def __getitem__(self, name: str):
        return self._fast.get(name) or self._schema[name]


class _FastText:
    """A text field whose ``index`` gives what Whoosh's does, computed in one loop: a
    ``RegexTokenizer`` (matches as tokens), ``LowercaseFilter`` and ``StemFilter`` analyzer
    with the ``Positions`` format. Every other attribute is the field's own."""

    def __init__(self, field) -> None:
        self._field = field
        tokenizer, _, stemmer = field.analyzer.items
        self._words = tokenizer.expression.finditer
        self._stemmer = stemmer
        self._format = field.format

    @staticmethod
    def handles(field) -> bool:
        """Return whether ``field`` is analysed and encoded exactly as this class does it."""
        analyzer, format_ = getattr(field, "analyzer", None), getattr(field, "format", None)
        items = getattr(analyzer, "items", None)
        if type(analyzer) is not CompositeAnalyzer or type(format_) is not Positions \
                or not items or len(items) != 3:
            return False
        tokenizer, lower, stemmer = items
        return (type(tokenizer) is RegexTokenizer and not tokenizer.gaps
                and type(lower) is LowercaseFilter and type(stemmer) is StemFilter)

    def __getattr__(self, name: str):
        return getattr(self._field, name)

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):  # a list of tokens, or options: Whoosh's
            return self._field.index(value, **kwargs)
        stem, ignore = self._stemmer._stem, self._stemmer.ignore  # (read per call: cached)
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for pos, match in enumerate(self._words(value)):
            word = match.group(0).lower()
            positions[word if word in ignore else stem(word)].append(pos)
        boost, encode = self._format.field_boost, self._format.encode
        # Whoosh adds a boost of 1.0 per token: the same float as the count
        return [(word.encode("utf-8"), len(poses), float(len(poses)) * boost, encode(poses))
                for word, poses in positions.items()]


class _Lengths:
    """A segment's field lengths, each field read in one pass when first asked for.

    Whoosh's own ``doc_field_length`` reads one byte from the file per call, and for a field
    without lengths (an id, a date) looks for the column's file again on every call; a merge
    asks it once per document and field. Here each field's length bytes are read at once."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._perdoc = getattr(reader, "_perdoc", reader)  # a segment's per-document reader
        self._fields: dict[tuple[str, int], list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._fields.get((fieldname, default))
        if lengths is None:
            lengths = self._fields[fieldname, default] = self._read(fieldname, default)
        return lengths[docnum]

    def _read(self, fieldname: str, default: int) -> list:
        count = self._reader.doc_count_all()
        try:
            column = self._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        except AttributeError:  # another codec
            column = False
        if column is None:  # the field keeps no lengths: Whoosh answers the default
            return [default] * count
        raw = column_bytes(column) if column is not False else None
        if raw is None:
            read = self._reader.doc_field_length
            return [read(n, fieldname, default) for n in range(count)]
        # Past the column's end Whoosh reads the byte 0; a byte 0 gives None, as in Whoosh.
        return [_BYTE_LENGTHS[code] for code in raw[:count]] + [None] * (count - len(raw))

    def close(self) -> None:
        self._reader.close()


def column_bytes(column) -> bytes | None:
    """Return a one-byte-per-doc column's bytes (field lengths) in one read, or None for other
    columns (the query side's arrays read them this way too)."""
    try:
        if column._typecode != "B" or column._fixedlen != 1:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:
        return None


class _CachedLengthsReader:
    """A segment reader whose ``doc_field_length`` answers from ``_Lengths``, for Whoosh's
    ``write_per_doc`` (which asks it for every document and field of a merged segment)."""

    def __init__(self, reader) -> None:
        self._segment_reader = reader
        self._lengths = _Lengths(reader)
        self.doc_field_length = self._lengths.doc_field_length

    def __getattr__(self, name: str):
        return getattr(self._segment_reader, name)


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
