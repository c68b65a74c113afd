"""Sets of document numbers for one Whoosh reader: matches, filters, facet counts and orders.

Whoosh finds matches one posting at a time through layers of Python matcher objects; for
facet counts we need every match, so this module reads posting blocks directly and combines
whole sets with Python's C-speed set operations. A ``DocSets`` is built once per index
generation and shared by every thread (``shared_docsets``); it holds no reader, because Whoosh
readers share file handles and must not be used by two threads at once: each call takes the
caller's own searcher.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Iterable

from whoosh import query
from whoosh.matching.wrappers import FilterMatcher

UNDATED_NEWEST, UNDATED_OLDEST = "0000-00-00", "9999-99-99"


def _leaf_ids(matcher, offset: int) -> Iterable[int]:
    """Yield the docnums of one segment's posting list, a block at a time where possible."""
    if isinstance(matcher, FilterMatcher):  # deletions are removed later, with the live set
        matcher = matcher.child
    read_block = getattr(matcher, "_read_ids", None)
    if read_block is None or not hasattr(matcher, "_next_block"):
        yield from (offset + i for i in matcher.all_ids())
        return
    while matcher.is_active():
        read_block()
        yield from (offset + i for i in matcher._ids)
        matcher._next_block()


def term_docs(searcher, field: str, text: str) -> set[int]:
    """Return the docnums (including deleted ones) that contain a term."""
    out: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (field, text) in reader:
            out.update(_leaf_ids(reader.postings(field, text), offset))
    return out


def intersect(sets: list):
    """Return the docs in every set, smallest first. One set comes back as it is, so that
    ``DocSets.live`` stays recognisable to ``DocSets.count``."""
    if len(sets) == 1:
        return sets[0]
    result = None
    for docs in sorted(sets, key=len):
        result = set(docs) if result is None else result & docs
        if not result:
            break
    return result if result is not None else set()


class DocSets:
    """Live documents, facet postings, per-document facet values and date orders."""

    def __init__(self, searcher, facet_fields: Iterable[str]) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = frozenset(reader.all_doc_ids())
        self.postings: dict[str, dict[str, frozenset[int]]] = {}
        self.values: dict[str, list[tuple[str, ...]]] = {}
        self.sizes: dict[str, int] = {}  # postings per facet field, to choose how to count
        for field in facet_fields:
            terms = {}
            for raw in reader.lexicon(field):
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                docs = frozenset(term_docs(searcher, field, text)) & self.live
                if docs:
                    terms[text] = docs
            self.postings[field] = terms
            self.values[field] = self._invert(terms)
            self.sizes[field] = sum(len(docs) for docs in terms.values())
        self._orders: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def _invert(self, terms: dict[str, frozenset[int]]) -> list[tuple[str, ...]]:
        table: list[tuple[str, ...]] = [()] * self.size
        for text, docs in terms.items():
            for docnum in docs:
                table[docnum] += (text,)
        return table

    def query_docs(self, searcher, q: query.Query) -> frozenset[int] | set[int]:
        """Return the live docnums a query matches."""
        if isinstance(q, query.Every):
            return self.live
        return self._docs(searcher, q) & self.live

    def _docs(self, searcher, q: query.Query) -> set[int] | frozenset[int]:
        if q is query.NullQuery:
            return set()
        if isinstance(q, query.Term):
            return term_docs(searcher, q.fieldname, q.text)
        if isinstance(q, query.Every):
            return self.live
        if isinstance(q, (query.And, query.Require)):
            return intersect([self._docs(searcher, s) for s in q.children()])
        if isinstance(q, (query.Or, query.DisjunctionMax)):
            return set().union(*(self._docs(searcher, s) for s in q.children()))
        if isinstance(q, query.AndNot):
            return self._docs(searcher, q.a) - self._docs(searcher, q.b)
        if isinstance(q, query.AndMaybe):
            return self._docs(searcher, q.a)
        if isinstance(q, query.Not):
            return self.live - self._docs(searcher, q.query)
        if isinstance(q, query.MultiTerm):
            return set().union(*(term_docs(searcher, q.fieldname, t)
                                 for t in q._btexts(searcher.reader())))
        # Phrases and anything rarer: let Whoosh's own matchers check positions.
        return set(q.docs(searcher))

    def select(self, field: str, terms: Iterable[str]) -> set[int]:
        """Return the docs carrying any of the given facet terms."""
        postings = self.postings.get(field, {})
        return set().union(*(postings.get(t, ()) for t in terms))

    def count(self, field: str, docs) -> Counter[str]:
        """Return how many of ``docs`` carry each value of a facet field."""
        postings = self.postings.get(field, {})
        if docs is self.live:
            return Counter({t: len(p) for t, p in postings.items()})
        if len(docs) * 4 < self.sizes.get(field, 0):  # few matches: look each one up
            counts: Counter[str] = Counter()
            values = self.values[field]
            for docnum in docs:
                counts.update(values[docnum])
            return counts
        return Counter({t: n for t, p in postings.items() if (n := len(p & docs))})

    def order(self, searcher, key_field: str, reverse: bool) -> list[int]:
        """Return live docnums sorted by a sortable column (ties by docnum), cached."""
        name = f"{key_field}:{reverse}"
        with self._lock:
            if name not in self._orders:
                column = searcher.reader().column_reader(key_field)
                keys = {d: column[d] for d in self.live}
                self._orders[name] = sorted(self.live, reverse=reverse,
                                            key=lambda d: (keys[d], -d if reverse else d))
                rank = [0] * self.size
                for position, docnum in enumerate(self._orders[name]):
                    rank[docnum] = position
                self._orders["rank:" + name] = rank
            return self._orders[name]

    def page_in_order(self, searcher, key_field: str, reverse: bool, docs, start: int,
                      stop: int) -> list[int]:
        """Return the docnums of one page of ``docs`` in a column's order."""
        order = self.order(searcher, key_field, reverse)
        if docs is self.live:
            return order[start:stop]
        if len(docs) * 8 < len(order):  # few docs: sort them; many: walk the order
            rank = self._orders[f"rank:{key_field}:{reverse}"]
            return sorted(docs, key=rank.__getitem__)[start:stop]
        picked = []
        for docnum in order:
            if docnum in docs:
                picked.append(docnum)
                if len(picked) >= stop:
                    break
        return picked[start:stop]


_shared: dict[tuple[str, int], DocSets] = {}
_shared_lock = threading.Lock()


def shared_docsets(path: str, searcher, facet_fields: Iterable[str]) -> DocSets:
    """Return the DocSets of this index generation, built once for all threads and engines."""
    key = (path, searcher.reader().generation())
    with _shared_lock:
        if key not in _shared:
            for old in [k for k in _shared if k[0] == path]:
                del _shared[old]  # an older generation of the same index: no longer current
            _shared[key] = DocSets(searcher, facet_fields)
        return _shared[key]


class DocsQuery(query.Query):
    """Matches a fixed set of docnums with score 0, to be AND'ed with a scored query.

    Whoosh applies a ``filter`` by stepping through every match of the query; AND'ed with this
    query, scoring steps through the (few) allowed documents instead and skips the rest.
    """

    def __init__(self, searcher, docnums: Iterable[int]) -> None:
        self.docnums = sorted(docnums)
        self._offsets = {id(leaf): (offset, leaf.doc_count_all())
                         for leaf, offset in searcher.leaf_searchers()}

    def __eq__(self, other) -> bool:
        return isinstance(other, DocsQuery) and self.docnums == other.docnums

    def __hash__(self) -> int:
        return hash(tuple(self.docnums))

    def estimate_size(self, ixreader) -> int:
        return len(self.docnums)

    def matcher(self, searcher, context=None):
        from bisect import bisect_left

        from whoosh.matching import ListMatcher, NullMatcher

        offset, size = self._offsets.get(id(searcher), (0, searcher.doc_count_all()))
        low, high = bisect_left(self.docnums, offset), bisect_left(self.docnums, offset + size)
        ids = [d - offset for d in self.docnums[low:high]]
        return ListMatcher(ids, weights=[0.0] * len(ids)) if ids else NullMatcher()
