"""Document sets and BM25F scores for one Whoosh index generation, as NumPy arrays.

Whoosh finds and scores matches one posting at a time through layers of Python matcher objects:
on 100,000 articles a very common word ("said", in 60% of them) took 200 ms to rank. Here a
match is a boolean mask over docnums and a score is a float array: facet counts read the
matched docs' values or the values' docs (``facet_counts``), a page in date order is one masked
slice, and relevance is BM25F
(``bm25f``: a word's field frequencies weighted and length-normalised per field, then
saturated once) evaluated on whole posting lists at once, then ``argpartition`` for the top
hits, ties to the lower docnum. A word searched in title and body (the parser's ``Or`` of one
term per field, boosts as field weights) is one BM25F term; words, phrases and groups add up.
``tests/test_whoosh_scoring.py`` checks the scores against a BM25F computed from the stored
text of real articles.

A ``DocSets`` is built once per index generation and shared by every thread of a process
(``shared_docsets``); it holds no reader, because Whoosh readers share file handles and must not
be used by two threads at once: each call takes the caller's own searcher. Decoded posting
lists are kept in a bounded LRU cache (``POSTINGS_CACHE``), like the page cache under Lucene's
decoded blocks, and so is each word's BM25F score on the docs holding it (the same in every
query); the benchmark reports first-time (cold) and repeated query times apart. Scores travel
sparse (``Scores``: the docs scored and their scores), so their cost follows the match, not the
index; masks stay dense (a byte a doc), for the filters and facet counts.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import numpy as np
from whoosh import query
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from ...errors import QueryError
from .. import bm25f, budget
from .facet_counts import FacetPostings, MatchedDocs
from .writer import column_bytes

# Most postings (docnum + weight, 8 bytes each) kept decoded per process: 2M is 16 MB.
POSTINGS_CACHE = 2_000_000
# A word held by at least one doc in COMMON keeps its mask of docs with its cached scores (read
# only: every caller makes new masks from it): setting 300,000 docs of a mask (a word in 60% of
# 500k articles) took 1.2 ms, the mask's copy 0.01 ms. One in 64: a mask then costs at most 64
# bytes a doc it holds, five times the scores' 12 (numpy micro-benchmark, 2026-12-07).
COMMON = 64
# Sort keys that put undated articles last in both directions (stored in date_new/date_old).
UNDATED_NEWEST, UNDATED_OLDEST = "0000-00-00", "9999-99-99"
T = TypeVar("T")
# A query's scores, sparse: the docnums it scores (ascending, each once) and their scores.
# Dense arrays over every doc, made, copied and added per query part, cost a common and a rare
# word alike (at 500k articles, matching and scoring took 3.1-3.6 ms a query with them; 1.2-1.4
# ms sparse, with each word's scores cached: bench.query_stages, one run, 2026-12-07).
Scores = tuple[np.ndarray, np.ndarray]
_NO_SCORES: Scores = (np.empty(0, np.int64), np.empty(0))


class KeptScores(tuple):
    """A word's scores as the cache keeps them between queries, with their ranking (best first,
    ties to the lower docnum) worked out when a second query ranks them: a common word's ten
    best then take a few dozen docs to find, not a partition of all its scores (0.3 ms for
    300,000 at 500k). Not for the first: sorting them costs a hundred partitions, which a word
    searched once (or a query that finds nothing cached) would pay for nothing."""

    def ranking(self) -> np.ndarray | None:
        """Return the positions of the scores from the best down (None the first time)."""
        order = self.__dict__.get("order")
        if order is None:  # two threads may both work it out: the same array either way
            if not self.__dict__.get("ranked_once"):
                self.ranked_once = True
                return None
            ids, values = self
            order = np.lexsort((ids, -values)).astype(np.int32)
            order.flags.writeable = False
            self.order = order
        return order


class Unscorable(Exception):
    """A query part this module cannot score (wildcards, fuzzy terms); Whoosh ranks it."""


def _leaf_postings(matcher, offset: int, weighted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return the docnums and weights (empty when not ``weighted``) of one segment's posting
    list, a block at a time."""
    if isinstance(matcher, FilterMatcher):  # deletions are removed later, with the live mask
        matcher = matcher.child
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        ids, weights = [], []
        while matcher.is_active():
            matcher._read_ids()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            if weighted:
                matcher._read_weights()
                weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if not ids:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        return (np.concatenate(ids) + offset,
                np.concatenate(weights) if weighted else np.empty(0, np.float32))
    pairs = []
    while matcher.is_active():  # postings stored inline in the term info: few of them
        pairs.append((matcher.id() + offset, matcher.weight()))
        matcher.next()
    if not pairs:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    ids_, weights_ = zip(*pairs, strict=True)
    return np.asarray(ids_, dtype=np.int64), np.asarray(weights_, dtype=np.float32)


def _raw_matcher(reader, field: str, text: str):
    """Return a segment's matcher for a term without the deletion filter (which has already
    stepped past leading deleted docs, and copies the deletion list on every call)."""
    try:
        raw = text.encode("utf-8") if isinstance(text, str) else text
        return reader._terms.matcher(field, raw, reader.schema[field].format, scorer=None)
    except AttributeError:  # another reader type: the filtered matcher, unwrapped below
        return reader.postings(field, text)


def read_postings(searcher, field: str, text: str,
                  weighted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return the docnums (deleted ones included) holding a term, and the term's weights
    (empty when not ``weighted``)."""
    ids, weights = [], []
    for leaf, offset in searcher.leaf_searchers():
        try:  # one term lookup per segment: asking `in` first would look it up twice
            matcher = _raw_matcher(leaf.reader(), field, text)
        except TermNotFound:
            continue
        i, w = _leaf_postings(matcher, offset, weighted)
        ids.append(i)
        weights.append(w)
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def intersect(masks: list):
    """Return the docs in every mask. One mask comes back as it is, so that ``DocSets.live``
    stays recognisable to ``DocSets.count``."""
    if len(masks) == 1:
        return masks[0]
    return np.logical_and.reduce(masks)


def size_of(mask) -> int:
    """Return how many docs a mask holds."""
    return int(np.count_nonzero(mask))


class DocSets:
    """Live documents, facet postings, field lengths, date orders and cached postings.

    ``saved`` holds arrays another process built for this same generation, as
    ``whoosh_saved.load`` returns them (checked against this index); whatever it lacks is built
    from the index.
    """

    def __init__(self, searcher, facet_fields: Iterable[str],
                 saved: Mapping[str, np.ndarray] | None = None) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        saved = saved or {}
        self.live = saved["live"] if "live" in saved else _live_mask(searcher, self.size)
        self.live_count = int(self.live.sum())
        self.facets = {field: (_saved_facet(saved, field, self.size)
                               or self._facet(searcher, field)) for field in facet_fields}
        self._lock = threading.Lock()
        self._orders: dict[str, np.ndarray] = {}
        self._keys: dict[str, np.ndarray] = _saved_group(saved, "key")
        self._lengths: dict[str, np.ndarray] = _saved_group(saved, "lengths")
        self._cache: OrderedDict = OrderedDict()  # postings and phrase matches, LRU
        self._sizes: dict = {}
        self._cached = 0
        self._avg: dict[str, float] = {k: float(v) for k, v in _saved_group(saved, "avg").items()}
        self._norms: dict[str, np.ndarray] = {}

    def arrays(self, searcher, key_fields: Iterable[str],
               length_fields: Iterable[str]) -> dict[str, np.ndarray]:
        """Return every array of this generation by name, building the lazy ones, to be saved
        for other processes."""
        out = {"live": self.live}
        for field, facet in self.facets.items():
            out[f"facet.{field}.terms"] = np.array(facet.terms, dtype=str)
            out[f"facet.{field}.docs"] = facet.docs
            out[f"facet.{field}.values"] = facet.values
        for field in key_fields:
            out[f"key.{field}"] = self._key(searcher, field)
        for field in length_fields:
            out[f"lengths.{field}"] = self._field_lengths(searcher, field)
            out[f"avg.{field}"] = np.array(self._average(searcher, field))
        return out

    def _facet(self, searcher, field: str) -> FacetPostings:
        terms: list[str] = []
        docs: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for raw in searcher.reader().lexicon(field):
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            ids, _ = read_postings(searcher, field, text, weighted=False)
            ids = ids[self.live[ids]]
            if len(ids):
                docs.append(ids)
                values.append(np.full(len(ids), len(terms), dtype=np.int32))
                terms.append(text)
        if not terms:
            return FacetPostings([], np.empty(0, np.int64), np.empty(0, np.int32), self.size)
        return FacetPostings(terms, np.concatenate(docs), np.concatenate(values), self.size)

    # -- facets and filters ----------------------------------------------------------------

    def terms(self, field: str) -> list[str]:
        """Return the values a facet field has in live docs."""
        return self.facets[field].terms

    def terms_named(self, field: str, name: str, typed: bool) -> list[str]:
        """Return a facet field's terms called ``name`` ignoring case (``typed``: the name after
        an entity term's "type|" prefix)."""
        facet = self.facets[field]
        return [facet.terms[i] for i in facet.named(name, typed)]

    def select(self, field: str, terms: Iterable[str]) -> np.ndarray:
        """Return the docs carrying any of the given facet terms."""
        facet = self.facets[field]
        mask = np.zeros(self.size, dtype=bool)
        wanted = [facet.number[t] for t in terms if t in facet.number]
        for value in wanted:
            mask[facet.docs_of(value)] = True
        return mask

    def matched(self, docs) -> MatchedDocs:
        """Return a mask of live docs as a set to count facets over, once for several facets."""
        return MatchedDocs(docs, self.live, self.live_count)

    def count(self, field: str, docs, top: int | None = None,
              keep: Iterable[str] = ()) -> Counter[str]:
        """Return how many of ``docs`` (a mask of live docs, or ``matched`` of one) carry each
        value of a facet field: with ``top``, only the ``top`` most frequent (ties at the cut
        included) and the values named in ``keep`` (``FacetPostings.count``)."""
        matched = docs if isinstance(docs, MatchedDocs) else self.matched(docs)
        return self.facets[field].count(matched, top, keep)

    def date_range(self, searcher, start: str | None, end: str | None) -> np.ndarray:
        """Return the dated live docs published from ``start`` to ``end`` (ISO, inclusive)."""
        keys = self._key(searcher, "date_old")
        mask = self.live & (keys != _date_key(UNDATED_OLDEST))
        if start:
            mask &= keys >= _date_key(start)
        if end:
            mask &= keys <= _date_key(end)
        return mask

    # -- orders ----------------------------------------------------------------------------

    def _key(self, searcher, key_field: str) -> np.ndarray:
        with self._lock:
            if key_field not in self._keys:
                keys = np.zeros(self.size, dtype=np.int64)
                for leaf, offset in searcher.leaf_searchers():
                    count = leaf.doc_count_all()
                    if count:  # an empty index has one empty reader, without columns
                        column = leaf.reader().column_reader(key_field)
                        keys[offset:offset + count] = np.fromiter(
                            (_date_key(v) for v in column), dtype=np.int64, count=count)
                keys[~self.live] = 0
                self._keys[key_field] = keys
            return self._keys[key_field]

    def order(self, searcher, key_field: str, reverse: bool) -> np.ndarray:
        """Return live docnums sorted by a date column (ties: lower docnum first), cached."""
        name = f"{key_field}:{reverse}"
        keys = self._key(searcher, key_field)
        with self._lock:
            if name not in self._orders:
                docs = np.flatnonzero(self.live)
                k = keys[docs]
                self._orders[name] = docs[np.lexsort((docs, -k if reverse else k))]
            return self._orders[name]

    def page_in_order(self, searcher, key_field: str, reverse: bool, docs, start: int,
                      stop: int) -> list[int]:
        """Return the docnums of one page of ``docs`` in a column's order."""
        order = self.order(searcher, key_field, reverse)
        if docs is not self.live:
            order = order[docs[order]]
        return order[start:stop].tolist()

    # -- matching and scoring --------------------------------------------------------------

    def query_docs(self, searcher, q: query.Query) -> np.ndarray:
        """Return the live docs a query matches."""
        if isinstance(q, query.Every):
            return self.live
        return self._evaluate(searcher, q, scored=False)[0] & self.live

    def scored(self, searcher, q: query.Query) -> tuple[np.ndarray, Scores | None]:
        """Return the live docs a query matches and their BM25F scores, or None for the scores
        when part of the query is one Whoosh must rank itself."""
        try:
            mask, scores = self._evaluate(searcher, q, scored=True)
        except Unscorable:
            return self.query_docs(searcher, q), None
        return mask & self.live, scores

    def words(self, searcher, groups: list[query.Or], scored: bool, *,
              partial: bool = False) -> tuple[np.ndarray, np.ndarray, Scores | None, int]:
        """Return, for a query of plain words (each an ``Or`` of one term per field), the live
        docs holding every word, those holding any word rare enough to tell (in fewer than
        half the docs; any word at all when no such word occurs), the BM25F scores, and how
        many words were read: all of them, unless ``partial`` and the query's time budget ran
        out after the first (then the words read so far decide)."""
        parts = []
        for group in groups:
            try:
                parts.append(self._evaluate(searcher, group, scored))
            except QueryError:  # the time budget (budget.check)
                if not (partial and parts):
                    raise
                break
        masks = [mask for mask, _ in parts]
        every = np.logical_and.reduce(masks) & self.live
        telling = [m for m in masks if bm25f.is_telling(self.size, size_of(m))]
        some = np.logical_or.reduce(telling) if telling else np.zeros(self.size, dtype=bool)
        if not (some & self.live).any():
            some = np.logical_or.reduce(masks)
        scores = self._sum([s for _, s in parts]) if scored else None
        return every, some & self.live, scores, len(parts)

    def top(self, scores: Scores, docs, start: int, stop: int,
            first=None) -> list[tuple[int, float]]:
        """Return (docnum, score) of ``docs`` ranked by score from ``start`` to ``stop``; ties
        go to the lower docnum. ``first`` (a mask) ranks its docs above all others."""
        if first is not None:
            head = self.top(scores, docs & first, 0, stop)
            if len(head) >= stop:
                return head[start:stop]
            return (head + self.top(scores, docs & ~first, 0, stop - len(head)))[start:stop]
        if isinstance(scores, KeptScores):
            best = _top_kept(scores, docs, stop)
            if best is not None:
                return best[start:stop]
        candidates, values = _scores_of(scores, docs)
        if len(candidates) > stop:
            threshold = np.partition(values, len(values) - stop)[len(values) - stop]
            keep = values >= threshold
            candidates, values = candidates[keep], values[keep]
        ranked = np.lexsort((candidates, -values))[start:stop]
        return [(int(candidates[i]), float(values[i])) for i in ranked]

    def _evaluate(self, searcher, q, scored: bool):
        """Return (mask, scores) for a query tree; scores None when not ``scored``."""
        if q is query.NullQuery:
            return self._empty(scored)
        if type(q) is query.Term:
            if self._scorable(searcher, q.fieldname):
                return self._word(searcher, q.text, {q.fieldname: q.boost}, scored)
            return self._term(searcher, q.fieldname, q.text, q.boost, scored)
        if isinstance(q, query.Every):
            if scored:
                raise Unscorable(q)
            return self.live, None
        if isinstance(q, query.And):
            return self._combine([self._evaluate(searcher, c, scored) for c in q.children()],
                                 np.logical_and, scored, q.boost)
        if isinstance(q, query.Or) and not q.minmatch and not q.scale:
            return self._combine(self._or_parts(searcher, q, scored), np.logical_or, scored,
                                 q.boost)
        if isinstance(q, query.AndNot):
            mask, scores = self._evaluate(searcher, q.a, scored)
            return mask & ~self._evaluate(searcher, q.b, False)[0], scores
        if isinstance(q, query.Not):  # says nothing of relevance: adds no score
            mask = self.live & ~self._evaluate(searcher, q.query, False)[0]
            return mask, (_NO_SCORES if scored else None)
        if isinstance(q, query.Phrase) and len(q.words) > 1:
            return self._phrases(searcher, [q], scored)
        if scored:
            raise Unscorable(q)
        if isinstance(q, query.MultiTerm):
            mask = np.zeros(self.size, dtype=bool)
            for text in q._btexts(searcher.reader()):
                mask[read_postings(searcher, q.fieldname, text)[0]] = True
            return mask, None
        if isinstance(q, (query.Or, query.DisjunctionMax)):
            return self._combine([self._evaluate(searcher, c, False) for c in q.children()],
                                 np.logical_or, False, 1.0)
        if isinstance(q, (query.Require, query.AndMaybe)):
            return self._evaluate(searcher, q.children()[0], False)
        return self._mask(q.docs(searcher)), None  # anything rarer: Whoosh's own matchers

    def _or_parts(self, searcher, q: query.Or, scored: bool) -> list:
        """Return (mask, scores) of an Or's parts: the terms of one word in several fields
        make one BM25F word (their boosts weigh the fields), the same phrase in several
        fields one phrase; other children count apart."""
        words: dict[str, dict[str, float]] = {}
        phrases: dict[tuple, list[query.Phrase]] = {}
        rest = []
        for child in q.children():
            if type(child) is query.Term and self._scorable(searcher, child.fieldname):
                weights = words.setdefault(child.text, {})
                weights[child.fieldname] = max(child.boost, weights.get(child.fieldname, 0.0))
            elif (isinstance(child, query.Phrase) and len(child.words) > 1
                  and self._scorable(searcher, child.fieldname)):
                phrases.setdefault((tuple(child.words), child.slop), []).append(child)
            else:
                rest.append(child)
        parts = [self._word(searcher, text, weights, scored) for text, weights in words.items()]
        parts += [self._phrases(searcher, group, scored) for group in phrases.values()]
        return parts + [self._evaluate(searcher, c, scored) for c in rest]

    def _empty(self, scored: bool):
        return np.zeros(self.size, dtype=bool), (_NO_SCORES if scored else None)

    def _mask(self, docnums: Iterable[int]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docnums, dtype=np.int64)] = True
        return mask

    def _combine(self, parts, op, scored: bool, boost: float):
        if not parts:
            return self._empty(scored)
        mask = op.reduce([m for m, _ in parts]) if len(parts) > 1 else parts[0][0].copy()
        if not scored:
            return mask, None
        # An And's docs hold every part: its scores are only needed there.
        within = mask if op is np.logical_and else None
        summed = self._sum([s for _, s in parts], within)
        return mask, (summed if boost == 1.0 else (summed[0], summed[1] * boost))

    def _sum(self, parts: list[Scores], within: np.ndarray | None = None) -> Scores:
        """Return the sum of some scores (a doc a part does not score adds nothing), added in
        the parts' order, as the dense arrays were: the same floats to the last bit. With
        ``within`` (a mask), only on its docs."""
        if within is not None:
            parts = [_restricted(p, within) for p in parts]
        parts = [p for p in parts if len(p[0])]
        if len(parts) <= 1:
            return parts[0] if parts else _NO_SCORES
        ids = parts[0][0]
        if all(len(i) == len(ids) and np.array_equal(i, ids) for i, _ in parts[1:]):
            # The same docs in every part (an And's, a phrase's words): no array over every
            # doc (two common words of a phrase took 3.8 ms so at 500k articles).
            values = parts[0][1] + 0.0  # a fresh array; 0.0 + x is x, as it was added before
            for _, more in parts[1:]:
                values += more
            return ids, values
        total = np.zeros(self.size)
        held = np.zeros(self.size, dtype=bool)
        for ids, values in parts:
            total[ids] += values
            held[ids] = True
        ids = np.flatnonzero(held)
        return ids, total[ids]

    @staticmethod
    def _scorable(searcher, field: str) -> bool:
        return field in searcher.schema and searcher.schema[field].scorable

    def _word(self, searcher, text, weights: Mapping[str, float], scored: bool):
        """Return the docs holding a word in any of the weighted fields, and its BM25F score:
        field frequencies weighted and normalised by length, added, then saturated once."""
        key = ("word", text, tuple(weights.items()))
        found = self._recall(key)
        if found is None:
            held, scores, mask = self._word_scores(searcher, text, weights)
            kept = mask if len(held) >= self.size // COMMON else None  # see COMMON
            if kept is not None:
                kept.flags.writeable = False
            # In postings of 12 bytes: a doc's score and rank take 16, a mask a byte a doc.
            found = KeptScores((held, scores)), kept
            self._remember(key, found,
                           len(held) * 4 // 3 + (0 if kept is None else self.size // 12))
            return mask, (found[0] if scored else None)
        kept_scores, mask = found
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[kept_scores[0]] = True
        return mask, (kept_scores if scored else None)

    def _word_scores(self, searcher, text,
                     weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the docs holding a word in any of the weighted fields, its BM25F score there,
        and the docs as a mask. The first two are kept in the postings cache: a word's scores
        are the same in every query (its idf counts the whole index), and a common word's took
        most of a query's time at 500k articles (gathering the field lengths of 300,000
        postings)."""
        mask = np.zeros(self.size, dtype=bool)
        tf = np.zeros(self.size)
        for field, weight in weights.items():
            try:
                raw = searcher.schema[field].to_bytes(text)
            except ValueError:
                continue
            # Not kept: the word's scores are, and hold all a query needs of them.
            ids, freqs = self._postings(searcher, field, raw, keep=False)
            mask[ids] = True
            tf[ids] += weight * freqs.astype(np.float64) / self._norm(searcher, field)[ids]
        # Over every stored doc, deleted ones included, as the postings count them.
        held = np.flatnonzero(mask)
        scores = bm25f.idf(self.size, len(held)) * bm25f.saturate(tf[held])
        held = held.astype(np.int32)  # a docnum fits: 12 bytes a doc with its score, not 16
        held.flags.writeable = scores.flags.writeable = False  # shared by the queries to come
        return held, scores, mask

    def _term(self, searcher, field: str, text, boost: float, scored: bool):
        """A term of a field that is not scored by BM25F (an id, an entity): its weight."""
        if field not in searcher.schema:
            return self._empty(scored)
        try:
            raw = searcher.schema[field].to_bytes(text)
        except ValueError:
            return self._empty(scored)
        ids, weights = self._postings(searcher, field, raw)
        mask = np.zeros(self.size, dtype=bool)
        mask[ids] = True
        if not scored:
            return mask, None
        return mask, (ids, weights.astype(np.float64) * boost)

    def _norm(self, searcher, field: str) -> np.ndarray:
        """Return each doc's BM25F length normalisation of a field."""
        norm = self._norms.get(field)
        if norm is None:
            norm = bm25f.normaliser(self._field_lengths(searcher, field),
                                    self._average(searcher, field), field)
            with self._lock:
                self._norms[field] = norm
        return norm

    def warm(self, searcher, fields) -> None:
        """Build the fields' lengths and average lengths now (scoring builds them on first use)."""
        for field in fields:
            self._field_lengths(searcher, field)
            self._average(searcher, field)

    def build_lazy(self, searcher, fields: Iterable[str], key_fields: Iterable[str]) -> None:
        """Build now every array queries build on first use: the fields' normalisations, the
        date orders both ways, and each facet's ways of counting (``FacetPostings.build``)."""
        for field in fields:
            self._norm(searcher, field)
        for key_field in key_fields:
            for reverse in (False, True):
                self.order(searcher, key_field, reverse)
        for facet in self.facets.values():
            facet.build()

    def _average(self, searcher, field: str) -> float:
        avg = self._avg.get(field)
        if avg is None:
            avg = self._avg[field] = searcher.avg_field_length(field) or 1
        return avg

    def _phrases(self, searcher, group: list[query.Phrase], scored: bool):
        """Return the docs where one phrase occurs in any of its fields, scored as the BM25F
        sum of its words over those fields (the phrase's boosts weigh the fields)."""
        mask = np.zeros(self.size, dtype=bool)
        for q in group:
            mask |= self._phrase_mask(searcher, q)
        if not scored:
            return mask, None
        weights = {q.fieldname: q.boost for q in group}
        return mask, self._sum([self._word(searcher, word, weights, True)[1]
                                for word in dict.fromkeys(group[0].words)], mask)

    def _phrase_mask(self, searcher, q: query.Phrase) -> np.ndarray:
        key = ("phrase", q.fieldname, tuple(q.words), q.slop)
        ids = self._recall(key)
        if ids is None:
            ids = np.fromiter(q.docs(searcher), dtype=np.int64)
            self._remember(key, ids, len(ids))
        mask = np.zeros(self.size, dtype=bool)
        mask[ids] = True
        return mask

    def clear_cache(self) -> None:
        """Forget the decoded postings and phrase matches (the benchmark's cold runs)."""
        with self._lock:
            self._cache.clear()
            self._sizes.clear()
            self._cached = 0

    def _postings(self, searcher, field: str, raw: bytes,
                  keep: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Return a term's docnums and weights, from the cache or read (and, with ``keep``,
        cached)."""
        key = (field, raw)
        found = self._recall(key)
        if found is None:
            budget.check("searching")  # a posting list read from disk: the slow unit of work
            found = read_postings(searcher, field, raw.decode("utf-8"))
            if keep:
                self._remember(key, found, len(found[0]))
        return found

    def _recall(self, key):
        """Return a cached value (marked as recently used), or None."""
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _remember(self, key, value, size: int) -> None:
        # One huge list would push out everything else; half of the cache is the most one takes
        # (a word in 78% of 500k docs, with its scores, ranking and mask, counts 560,000).
        if size > POSTINGS_CACHE // 2:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = value
            self._sizes[key] = size
            self._cached += size
            while self._cached > POSTINGS_CACHE and self._cache:
                old, _ = self._cache.popitem(last=False)
                self._cached -= self._sizes.pop(old)

    def _field_lengths(self, searcher, field: str) -> np.ndarray:
        """Return each doc's length of a field as Whoosh's BM25F reads it: byte-encoded, and 1
        where the field is empty."""
        with self._lock:
            if field not in self._lengths:
                lengths = np.ones(self.size)
                for leaf, offset in searcher.leaf_searchers():
                    codes = _length_codes(leaf.reader(), field)
                    if codes is not None:
                        lengths[offset:offset + len(codes)] = _BYTE_TO_LENGTH[codes]
                self._lengths[field] = lengths
            return self._lengths[field]


def _scores_of(scores: Scores, docs: np.ndarray) -> Scores:
    """Return the docnums of a mask and their scores (0 for a doc the scores leave out: a
    query part that adds none, as ``NOT`` does), docnums in order."""
    ids, values = _restricted(scores, docs)
    if len(ids) == size_of(docs):
        return ids, values
    candidates = np.flatnonzero(docs)
    every = np.zeros(len(candidates))
    every[np.searchsorted(candidates, ids)] = values
    return candidates, every


def _top_kept(scores: KeptScores, docs: np.ndarray, stop: int) -> list[tuple[int, float]] | None:
    """Return (docnum, score) of the first ``stop`` of ``docs`` in a kept word's ranking, read
    from the best down; None when that cannot tell (a doc of ``docs`` the word does not score
    ranks as 0, so the last one found must score above 0)."""
    ids, values = scores
    order = scores.ranking()
    if order is None:
        return None
    want = min(stop, size_of(docs))
    if want <= 0:
        return []
    chunk = 16 * want
    while True:
        head = order[:chunk]
        inside = head[docs[ids[head]]]
        if len(inside) >= want or chunk >= len(order):
            break
        chunk *= 8
    inside = inside[:want]
    if len(inside) < want or not values[inside[-1]] > 0:
        return None
    return [(int(ids[i]), float(values[i])) for i in inside]


def _restricted(scores: Scores, docs: np.ndarray) -> Scores:
    """Return the scores of the docs of a mask only."""
    ids, values = scores
    keep = docs[ids]
    return ids[keep], values[keep]


def _saved_facet(saved: Mapping[str, np.ndarray], field: str,
                 size: int) -> FacetPostings | None:
    names = [f"facet.{field}.{part}" for part in ("terms", "docs", "values")]
    if not all(name in saved for name in names):
        return None
    terms, docs, values = (saved[name] for name in names)
    return FacetPostings(terms.tolist(), docs, values, size)


def _saved_group(saved: Mapping[str, np.ndarray], group: str) -> dict[str, np.ndarray]:
    """Return the saved arrays named ``group.<field>``, by field."""
    prefix = group + "."
    return {name[len(prefix):]: value for name, value in saved.items() if name.startswith(prefix)}


def _length_codes(reader, field: str) -> np.ndarray | None:
    """Return one segment's byte-encoded field lengths, read as one block (Whoosh's own
    ``doc_field_length`` reads them one doc at a time); None when the codec differs."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except (AttributeError, ImportError):
        column = None
    raw = column_bytes(column)
    if raw is not None:
        codes = np.zeros(reader.doc_count_all(), dtype=np.int64)
        codes[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)[:len(codes)]
        return codes
    if column is None:
        count = reader.doc_count_all()
        return np.fromiter((_code(reader.doc_field_length(d, field, 0)) for d in range(count)),
                           dtype=np.int64, count=count)
    return np.frombuffer(column.load(), dtype=np.uint8).astype(np.int64)


def _live_mask(searcher, size: int) -> np.ndarray:
    """Return a mask of the docnums not deleted, from each segment's deletion list."""
    live = np.ones(size, dtype=bool)
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not reader.has_deletions():
            continue
        try:
            deleted = list(reader._perdoc.deleted_docs())
        except AttributeError:  # another codec: ask doc by doc
            deleted = [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
        live[np.asarray(deleted, dtype=np.int64) + offset] = False
    return live


def _code(length: int) -> int:
    from whoosh.util.numeric import length_to_byte

    return length_to_byte(length) if length else 0


def _byte_to_length_table() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    table = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)
    table[0] = 1  # Whoosh's BM25F asks for the length with a default of 1
    return table


_BYTE_TO_LENGTH = _byte_to_length_table()


def _date_key(value: str) -> int:
    """Return an ISO date (or an undated sort key) as a comparable number: 2020-01-05 → 20200105."""
    digits = (value or "").replace("-", "")[:8]
    return int(digits) if digits.isdigit() else 0


class GenerationCache:
    """Values built once per index generation and shared by every thread; a newer generation
    of the same index replaces the older one's value."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, int, tuple[str, ...]], object] = {}
        self._lock = threading.Lock()

    def get(self, path: str, searcher, build: Callable[[], T]) -> T:
        """Return the value for the searcher's generation of the index at ``path``."""
        key = (path, *_generation_of(searcher))
        with self._lock:
            if key not in self._values:
                for old in [k for k in self._values if k[0] == path]:
                    del self._values[old]  # an older generation: no longer current
                self._values[key] = build()
            return self._values[key]  # type: ignore[return-value]


_generations: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_generations_lock = threading.Lock()


def _generation_of(searcher) -> tuple[int, tuple[str, ...]]:
    """Return the generation and segment ids a searcher reads, worked out once per searcher (a
    query asks three caches; at 500k articles, 20 segments, that took 0.1 ms a query)."""
    with _generations_lock:
        found = _generations.get(searcher)
    if found is None:
        found = (searcher.reader().generation(), _segment_ids(searcher))
        with _generations_lock:
            _generations[searcher] = found
    return found


def _segment_ids(searcher) -> tuple[str, ...]:
    """Return the ids of the searcher's segments: an index removed and built again in the same
    folder reaches the same generation numbers, but Whoosh names every segment at random."""
    ids = []
    for leaf, _ in searcher.leaf_searchers():
        segment = getattr(leaf.reader(), "segment", None)
        found = segment() if segment else None  # an empty index's reader has none
        ids.append(found.segment_id() if found is not None else "")
    return tuple(ids)


_docsets = GenerationCache()


def shared_docsets(path: str, searcher, facet_fields: Iterable[str],
                   saved: Mapping[str, np.ndarray] | None = None) -> DocSets:
    """Return the DocSets of this index generation, built once for all threads and engines
    (from ``saved`` arrays where they are given)."""
    return _docsets.get(path, searcher, lambda: DocSets(searcher, facet_fields, saved))


class DocsQuery(query.Query):
    """Matches a fixed set of docnums with score 0, to be AND'ed with a scored query.

    Whoosh applies a ``filter`` by stepping through every match of the query; AND'ed with this
    query, scoring steps through the (few) allowed documents instead and skips the rest.
    """

    def __init__(self, searcher, docs: np.ndarray) -> None:
        self.docnums = np.flatnonzero(docs).tolist()
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
