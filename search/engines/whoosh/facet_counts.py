"""Facet counts over a matched set of documents: exact, reading only what the answer needs.

A facet field's values are held three ways, each built once per index generation on first use:

- the postings by document: a small matched set (or the few live documents a large one leaves
  out, taken away from the totals) is counted through its documents' own values;
- a bitset per *dense* value, one held by at least one document in ``DENSE``: its count in a
  matched set is an AND and a popcount over ``size / 64`` words, no more than its postings;
- the other (*sparse*) values' postings by value, most frequent value first: the ``top``
  values of a large matched set are found without counting the rest. A value's count is at
  most its number of documents, so once the ``top``-th largest exact count exceeds the
  frequency of the next value not yet counted, no value left can reach the ``top`` (nor tie
  with the last of them) and counting stops.

Each call takes the way that reads fewer array elements (``BY_DOC_COST``). ``MatchedDocs``
holds one matched set with what counting needs (its size, docnums, packed bits and the live
documents it leaves out), computed once for every facet counted over it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np

# A value held by at least one document in DENSE gets a bitset: counting it reads size/64 words
# of 64 bits, no more than its postings (one docnum each).
DENSE = 64
# A posting read through the documents (a gather of each document's run of values, then a
# bincount) costs about four read by value (a boolean gather, a running sum): on the 100k
# amplified Reuters index of bench.perf, 2.7 + 1.2 ns against 1.0 ns (2026-12-07).
BY_DOC_COST = 4


class MatchedDocs:
    """A set of live documents (a boolean mask over docnums), with its size, docnums, packed
    bits and complement computed on first use and shared by every facet counted over it."""

    def __init__(self, mask: np.ndarray, live: np.ndarray, live_count: int) -> None:
        self.mask = mask
        self.everything = mask is live
        self.live_count = live_count
        self._live = live
        self._size: int | None = live_count if self.everything else None
        self._docnums: np.ndarray | None = None
        self._words: np.ndarray | None = None
        self._rest: MatchedDocs | None = None

    @property
    def size(self) -> int:
        """Return how many documents the set holds."""
        if self._size is None:
            self._size = int(np.count_nonzero(self.mask))
        return self._size

    def docnums(self) -> np.ndarray:
        """Return the set's docnums in order."""
        if self._docnums is None:
            self._docnums = np.flatnonzero(self.mask)
        return self._docnums

    def words(self) -> np.ndarray:
        """Return the mask packed into 64-bit words (``pack_bits``)."""
        if self._words is None:
            self._words = pack_bits(self.mask)
        return self._words

    def rest(self) -> MatchedDocs:
        """Return the live documents this set leaves out."""
        if self._rest is None:
            self._rest = MatchedDocs(self._live & ~self.mask, self._live, self.live_count)
        return self._rest


class FacetPostings:
    """A facet field's values and its (docnum, value number) postings over live docs, with the
    ways of counting them built on first use (see the module's docstring)."""

    def __init__(self, terms: list[str], docs: np.ndarray, values: np.ndarray,
                 size: int) -> None:
        self.terms = terms
        self.number = {t: i for i, t in enumerate(terms)}
        self.docs, self.values = docs, values
        self.size = size  # docnums, deleted ones included
        self.totals = np.bincount(values, minlength=len(terms))
        self._lock = threading.Lock()
        self._names: dict[bool, dict[str, list[int]]] = {}
        self._by_doc: tuple[np.ndarray, np.ndarray] | None = None
        self._by_value: _ByValue | None = None
        self._dense: np.ndarray | None = None

    # -- the layouts -----------------------------------------------------------------------

    def build(self) -> None:
        """Build every layout now (counting and filtering build them on first use)."""
        self.by_doc()
        self.dense()  # and the postings by value

    def _runs(self) -> _ByValue:
        with self._lock:
            if self._by_value is None:
                self._by_value = _ByValue(self.docs, self.values, self.totals)
            return self._by_value

    def docs_of(self, value: int) -> np.ndarray:
        """Return the docs carrying a value: a filter reads only the docs of its values
        (``np.isin`` over every posting of the entity facet took 0.3 ms a filter at 100k
        articles)."""
        runs = self._runs()
        rank = runs.ranks[value]
        return runs.docs[runs.starts[rank]:runs.starts[rank + 1]]

    def by_doc(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the value numbers ordered by doc and where each doc's run starts (``size`` + 1
        offsets): counting a few thousand matched docs through these reads only their values."""
        with self._lock:
            if self._by_doc is None:
                order = np.argsort(self.docs, kind="stable")
                starts = np.searchsorted(self.docs[order], np.arange(self.size + 1))
                self._by_doc = self.values[order], starts
            return self._by_doc

    def dense(self) -> np.ndarray:
        """Return the bitsets of the dense values (the first ranks of ``_ByValue``), one row
        of 64-bit words each."""
        runs = self._runs()
        with self._lock:
            if self._dense is None:
                dense = int(np.count_nonzero(runs.frequencies * DENSE >= max(self.size, 1)))
                bits = np.zeros((dense, (self.size + 63) // 64), dtype=np.uint64)
                for rank in range(dense):
                    mask = np.zeros(self.size, dtype=bool)
                    mask[runs.docs[runs.starts[rank]:runs.starts[rank + 1]]] = True
                    bits[rank] = pack_bits(mask)
                self._dense = bits
            return self._dense

    # -- names -----------------------------------------------------------------------------

    def named(self, name: str, typed: bool) -> list[int]:
        """Return the numbers of the values called ``name`` ignoring case: whole terms, or with
        ``typed`` the name after a term's "type|" prefix (entity terms). A dictionary built once
        per generation: a scan of the entity vocabulary took 11 ms a filter at 100k articles."""
        names = self._names.get(typed)
        if names is None:
            names = {}
            for i, term in enumerate(self.terms):
                key = term.split("|", 1)[-1] if typed else term
                names.setdefault(key.casefold(), []).append(i)
            self._names[typed] = names
        return names.get(name.casefold(), [])

    def numbers_named(self, names: Iterable[str]) -> list[int]:
        """Return the value numbers named in ``names`` either way (see ``named``). Taking a few
        too many is harmless: callers only use these to keep selected values' counts."""
        return sorted({i for name in names for typed in (False, True)
                       for i in self.named(name, typed)})

    # -- counting --------------------------------------------------------------------------

    def count(self, matched: MatchedDocs, top: int | None = None,
              keep: Iterable[str] = ()) -> Counter[str]:
        """Return how many of the matched docs carry each value they carry.

        With ``top``, only the values that can be among the ``top`` most frequent (every value
        counted at least as often as the ``top``-th, so ties at the cut all come back) and the
        values named in ``keep`` (the selected ones): with entities recognised, a facet can hold
        tens of thousands of values, and making each one a Python object cost 80 ms a query at
        100k articles (bench.perf, 2026-12-07) where the answer lists 100."""
        if matched.size == 0 or not self.terms:
            return Counter()
        if matched.everything:
            numbers, counts = np.arange(len(self.terms)), self.totals
        else:
            found = self._by_value_counts(matched, top)
            numbers, counts = found if found is not None else self._by_doc_counts(matched)
        # Counted in part, the values above the bound decide the cut: the same top-th count.
        listed = _listed(counts, top)
        assert listed is not None  # (without a bound it is always decided)
        # In value number (term) order, whichever way they were counted: values of equal
        # count and name (an entity of two types) are listed in the order they come.
        numbers, counts = numbers[listed], counts[listed]
        by_term = np.argsort(numbers, kind="stable")
        out = Counter(dict(zip([self.terms[i] for i in numbers[by_term].tolist()],
                               counts[by_term].tolist(), strict=True)))
        for value in self.numbers_named(keep):  # the selected values, wherever they rank
            term = self.terms[value]
            if term not in out:
                held = int(np.count_nonzero(matched.mask[self.docs_of(value)]))
                if held:
                    out[term] = held
        return out

    def _by_doc_counts(self, matched: MatchedDocs) -> tuple[np.ndarray, np.ndarray]:
        """Return every value's count, read through the docs of the smaller side."""
        values, starts = self.by_doc()
        if 2 * matched.size > matched.live_count:
            # Most docs: count the live ones left out, a selective set, and take them away
            # from the totals (on 100k articles, entity facet, 90% matched: 2.5 -> 0.5 ms).
            others = np.bincount(_values_of(values, starts, matched.rest().docnums()),
                                 minlength=len(self.terms))
            counts = self.totals - others
        else:
            counts = np.bincount(_values_of(values, starts, matched.docnums()),
                                 minlength=len(self.terms))
        return np.arange(len(self.terms)), counts

    def _by_value_counts(self, matched: MatchedDocs,
                         top: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """Return value numbers and their counts, dense values first then the sparse ones most
        frequent first, as far as they decide the ``top`` values (all of them without
        ``top``); None when reading through the docs would read fewer elements."""
        runs, bits = self._runs(), self.dense()
        dense, values = len(bits), len(runs.order)
        side = min(matched.size, matched.live_count - matched.size)
        budget = BY_DOC_COST * side * (1 + len(self.docs) / max(self.size, 1))

        def cost(end: int) -> int:  # words and postings read to count ranks up to ``end``
            return bits.size + int(runs.starts[end] - runs.starts[dense])

        if top is None:
            end = values
        else:  # where the top-th count would fall if values were matched in proportion
            guess = matched.size / matched.live_count * runs.frequencies[min(top, values) - 1]
            end = int(np.searchsorted(-runs.frequencies, -guess, side="right"))
            end = min(values, max(end, dense + top))
        if cost(end) > budget:
            return None
        parts = [_popcounts(bits, matched.words())]
        counted = dense
        while True:
            parts.append(_run_counts(matched.mask, runs.docs, runs.starts, counted, end))
            counted = end
            counts = np.concatenate(parts)
            bound = int(runs.frequencies[counted]) if counted < values else 0
            if _listed(counts, top, bound) is not None:
                return runs.order[:counted], counts
            # Any value held by as many docs as the top-th count so far could still rank.
            kth = _kth_largest(counts[counts > 0], top) if top is not None and \
                np.count_nonzero(counts) >= top else 0
            if kth:
                end = int(np.searchsorted(-runs.frequencies, -kth, side="right"))
            else:
                end = counted + max(counted - dense, 1)
            end = min(max(end, counted + 1), values)
            if cost(end) > budget:
                return None


class _ByValue:
    """A facet's postings by value, the most frequent value first (ties: lower number first):
    ``order`` (value numbers by rank), ``ranks`` (rank by value number), ``docs`` (each
    rank's docs, ascending), ``starts`` (where each rank's run starts, one offset more) and
    ``frequencies`` (docs per rank)."""

    def __init__(self, docs: np.ndarray, values: np.ndarray, totals: np.ndarray) -> None:
        self.order = np.argsort(-totals, kind="stable")
        self.ranks = np.empty(len(totals), dtype=np.int64)
        self.ranks[self.order] = np.arange(len(totals))
        self.frequencies = totals[self.order]
        self.starts = np.concatenate(([0], np.cumsum(self.frequencies)))
        if len(values) > 1 and (values[1:] < values[:-1]).any():
            self.docs = docs[np.argsort(self.ranks[values], kind="stable")]
        else:  # grouped by value number already (as built): move each value's run whole
            was = np.searchsorted(values, np.arange(len(totals) + 1))[self.order]
            moves = np.repeat(was - self.starts[:-1], self.frequencies)
            self.docs = docs[moves + np.arange(len(docs))]


def pack_bits(mask: np.ndarray) -> np.ndarray:
    """Return a boolean mask packed into 64-bit words (padded with zeros), the same way for
    every mask, so that two packed masks AND together."""
    packed = np.packbits(mask, bitorder="little")
    words = np.zeros(-(-len(mask) // 64) * 8, dtype=np.uint8)
    words[:len(packed)] = packed
    return words.view(np.uint64)


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.int64)


def _popcounts(bits: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Return, for each row of ``bits``, how many bits it shares with ``words``."""
    if not len(bits):
        return np.zeros(0, dtype=np.int64)
    both = bits & words
    if hasattr(np, "bitwise_count"):  # NumPy 2
        return np.bitwise_count(both).sum(axis=1, dtype=np.int64)
    return _BYTE_BITS[both.view(np.uint8)].reshape(len(bits), -1).sum(axis=1)


def _run_counts(mask: np.ndarray, docs: np.ndarray, starts: np.ndarray, first: int,
                end: int) -> np.ndarray:
    """Return how many docs of each run from ``first`` to ``end`` the mask holds."""
    if end <= first:
        return np.zeros(0, dtype=np.int64)
    held = np.zeros(starts[end] - starts[first] + 1, dtype=np.int32)
    # int32: NumPy's running sum of booleans into int64 is ten times slower (3.5 ms for 380k).
    np.cumsum(mask[docs[starts[first]:starts[end]]], dtype=np.int32, out=held[1:])
    return np.diff(held[starts[first:end + 1] - starts[first]]).astype(np.int64)


def _values_of(values: np.ndarray, starts: np.ndarray, docnums: np.ndarray) -> np.ndarray:
    """Return the value numbers some docs carry (one per posting), from the postings by doc."""
    first, lengths = starts[docnums], starts[docnums + 1] - starts[docnums]
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return values[np.repeat(first - ends + lengths, lengths) + np.arange(total)]


def _listed(counts: np.ndarray, top: int | None, bound: int = 0) -> np.ndarray | None:
    """Return which counts make the answer: all above zero, or with ``top`` those at least
    the ``top``-th largest (ties at the cut included); None when that is undecided because
    values not counted may hold up to ``bound`` each and fewer than ``top`` counts exceed it."""
    if top is None or top <= 0:
        return counts > 0 if bound == 0 else None
    above = counts > bound
    if np.count_nonzero(above) < top:
        return counts > 0 if bound == 0 else None
    return counts >= _kth_largest(counts[above], top)


def _kth_largest(counts: np.ndarray, k: int) -> int:
    """Return the ``k``-th largest of some counts (non-negative integers, at least ``k``): from
    their histogram when they are small, as ``np.partition`` slows down on many equal values
    (0.24 ms for 2,800 counts, mostly 1 and 2, where this takes a few microseconds)."""
    largest = int(counts.max())
    if largest <= 4 * len(counts):
        at_least = np.cumsum(np.bincount(counts)[::-1])  # [j]: how many are >= max - j
        return largest - int(np.searchsorted(at_least, k))
    return int(np.partition(counts, len(counts) - k)[len(counts) - k])


__all__ = ["BY_DOC_COST", "DENSE", "FacetPostings", "MatchedDocs", "pack_bits"]
