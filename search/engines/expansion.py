"""Fuzzy terms, wildcards and ranges expanded against the index's own word list, with caps.

Whoosh expands ``opec~`` by walking its term dictionary with a Python automaton per segment and
then ranks the result through its own matchers: 2.3–5 s on 20,000 articles, and hostile
queries (``cocoaprices~9``, 26 leading wildcards, 80 fuzzy words) held a worker for 14–41 s.
Here every word of the title and body fields is kept once per index generation in a sorted
array (``Vocabulary``); a fuzzy word is compared with all of them at C speed (RapidFuzz's
Levenshtein with a cut-off), a wildcard or a range reads a slice found by bisection. Each
expanded leaf becomes an OR of plain terms, which the NumPy scorer ranks like any other word.

Limits, each refused with a message that says what to do (``QueryError``):
- an edit distance of at most ``MAX_DISTANCE`` (2), as Lucene allows;
- a wildcard needs ``MIN_PREFIX`` (1) letter before its first ``*`` or ``?``: a leading wildcard
  would compare every word of the index;
- at most ``MAX_PATTERNS`` fuzzy, wildcard or range words in one query, and at most
  ``MAX_TERMS`` words after expansion in all; a fuzzy word keeps its ``FUZZY_EXPANSIONS``
  closest words (then the most frequent), as Lucene's ``maxExpansions``;
- reading, expanding and matching a query stop with a message once its time budget has
  passed (``budget.py``).

Scoring: the expansions of one word share one inverse document frequency, the lowest among
them (Lucene's blended frequency), so a rare misspelling does not outrank the word itself; a
fuzzy expansion's weight falls with its distance as in Lucene's FuzzyQuery: 1 - distance /
(length of the shorter word).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from math import log

import numpy as np

from whoosh import query

from ..errors import QueryError
from .budget import Deadline

MAX_DISTANCE = 2
MIN_PREFIX = 1
MAX_PATTERNS = 20
MAX_TERMS = 1000
FUZZY_EXPANSIONS = 50


class Vocabulary:
    """The distinct words of some text fields, sorted (one index generation)."""

    def __init__(self, words: Iterable[str], counts: Mapping[str, int] | None = None) -> None:
        self.words: list[str] = sorted(set(words))
        self.frequencies: dict[str, int] = {}  # document frequencies looked up so far
        # Each word's document frequencies in the fields added (the articles holding it, an
        # article counted once a field): how rare a word is, without a look-up per segment.
        self.counts = None if counts is None else np.array([counts.get(w, 0) for w in self.words],
                                                           dtype=np.int64)
        self._by_length: dict[int, list[str]] = {}
        for word in self.words:
            self._by_length.setdefault(len(word), []).append(word)

    @classmethod
    def from_reader(cls, reader, fields: Sequence[str]) -> Vocabulary:
        counts: dict[str, int] = {}
        for field in fields:
            if field in reader.schema:
                for text, info in reader.iter_field(field):
                    word = text.decode("utf-8") if isinstance(text, bytes) else text
                    counts[word] = counts.get(word, 0) + info.doc_frequency()
        return cls(counts, counts)

    @classmethod
    def from_saved(cls, words: Sequence[str], counts: Sequence[int] | None) -> Vocabulary:
        """Return the vocabulary saved as its sorted words and, if saved, their counts."""
        if counts is None or len(counts) != len(words):
            return cls(words)
        return cls(words, dict(zip(words, (int(n) for n in counts), strict=True)))

    def count(self, word: str) -> int | None:
        """Return the word's ``counts`` (0 for a word not in the vocabulary), or None when
        the counts are not known."""
        at = bisect.bisect_left(self.words, word)
        if at == len(self.words) or self.words[at] != word:
            return 0
        return None if self.counts is None else int(self.counts[at])

    def __len__(self) -> int:
        return len(self.words)

    def between(self, low: str, high: str | None) -> list[str]:
        """Return the words from ``low`` up to (not including) ``high``; to the end for None."""
        start = bisect.bisect_left(self.words, low)
        stop = len(self.words) if high is None else bisect.bisect_left(self.words, high)
        return self.words[start:stop]

    def prefixed(self, prefix: str) -> list[str]:
        """Return the words that start with ``prefix``."""
        return self.between(prefix, _after_prefix(prefix)) if prefix else self.words

    def within(self, word: str, distance: int, prefix_length: int = 0) -> list[tuple[str, int]]:
        """Return (word, edit distance) of the words at most ``distance`` edits from ``word``
        sharing its first ``prefix_length`` letters, closest first."""
        prefix = word[:prefix_length]
        # Only words whose length is within ``distance`` of the word's can be that close.
        if prefix:
            groups = [[w for w in self.prefixed(prefix) if abs(len(w) - len(word)) <= distance]]
        else:
            groups = [self._by_length.get(n, [])
                      for n in range(len(word) - distance, len(word) + distance + 1)]
        # here: only fuzzy terms (word~) need rapidfuzz, whose import (10 ms) every indexing run
        # and plain search would pay
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        found = [match for choices in groups if choices
                 for match in process.extract(word, choices, scorer=Levenshtein.distance,
                                              score_cutoff=distance, limit=None)]
        return sorted(((choice, int(d)) for choice, d, _ in found), key=lambda x: (x[1], x[0]))


def _after_prefix(prefix: str) -> str | None:
    """Return the smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        last = prefix[-1]
        if ord(last) < 0x10FFFF:
            return prefix[:-1] + chr(ord(last) + 1)
        prefix = prefix[:-1]
    return None


class Expander:
    """Rewrites the fuzzy, wildcard and range leaves of a query as ORs of indexed words."""

    def __init__(self, vocabulary: Vocabulary, doc_frequency: Callable[[str], int],
                 doc_count: int, deadline: Deadline | None = None) -> None:
        self.vocabulary = vocabulary
        self.doc_frequency = doc_frequency
        self.doc_count = max(doc_count, 1)
        self._deadline = deadline
        self.patterns = 0
        self.terms = 0
        self._seen: dict[tuple, list[tuple[str, float]]] = {}

    def expand(self, q: query.Query) -> query.Query:
        """Return the query with every expanding leaf replaced by plain terms."""
        if self._deadline is None:  # the budget starts with the expansion
            self._deadline = Deadline()
        return self._rewrite(q) if has_patterns(q) else q

    def _check(self, what: str) -> None:
        if self._deadline is not None:
            self._deadline.check(what)

    def _rewrite(self, q: query.Query) -> query.Query:
        if isinstance(q, query.Or) and _same_pattern_in_fields(q.subqueries):
            # The parser searches a word in title and body as an OR of one leaf per field:
            # expand the word once, and keep one OR of its fields per expanded word.
            words = self._words(q.subqueries[0])
            groups = [query.Or([query.Term(leaf.fieldname, word, boost=leaf.boost * weight)
                                for leaf in q.subqueries]) for word, weight in words]
            return _any(groups, q.boost)
        if isinstance(q, _EXPANDING):
            return _any([query.Term(q.fieldname, word, boost=q.boost * weight)
                         for word, weight in self._words(q)], 1.0)
        if q.is_leaf():
            return q
        return q.apply(self._rewrite)

    def _words(self, leaf: query.Query) -> list[tuple[str, float]]:
        """Return the words a leaf stands for, with their weights (checked against the caps)."""
        key = _pattern_key(leaf)
        if key in self._seen:
            return self._seen[key]
        self.patterns += 1
        if self.patterns > MAX_PATTERNS:
            raise QueryError(f"the query has more than {MAX_PATTERNS} fuzzy (word~), wildcard "
                             "(word*) or range words: use fewer")
        self._check("expanding the fuzzy and wildcard words")
        if isinstance(leaf, query.FuzzyTerm):
            words = self._fuzzy(leaf)
        elif isinstance(leaf, query.TermRange):
            words = [(w, 1.0) for w in self._range(leaf)]
        else:
            words = [(w, 1.0) for w in self._wildcard(leaf)]
        self.terms += len(words)
        if self.terms > MAX_TERMS:
            raise QueryError(f"{_shown(leaf)} and the rest of the query stand for more than "
                             f"{MAX_TERMS} indexed words: make the pattern longer (e.g. "
                             "embass* rather than e*) or use fewer wildcards")
        self._seen[key] = weighted = self._blended(words)
        return weighted

    def _fuzzy(self, leaf: query.FuzzyTerm) -> list[tuple[str, float]]:
        word = _text(leaf.text)
        if leaf.maxdist > MAX_DISTANCE:
            raise QueryError(f"{word}~{leaf.maxdist}: a fuzzy word allows at most "
                             f"{MAX_DISTANCE} edits (e.g. {word}~2)")
        close = self.vocabulary.within(word, leaf.maxdist, leaf.prefixlength)
        if len(close) > FUZZY_EXPANSIONS:
            frequency = {w: self._frequency(w) for w, _ in close}
            close = sorted(close, key=lambda x: (x[1], -frequency[x[0]], x[0]))[:FUZZY_EXPANSIONS]
        return [(w, 1 - d / max(min(len(word), len(w)), 1)) for w, d in close]

    def _wildcard(self, leaf) -> list[str]:
        pattern = _text(leaf.text).lower()
        if isinstance(leaf, query.Prefix):
            pattern += "*"
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
        if len(prefix) < MIN_PREFIX:
            raise QueryError(f"{pattern}: a wildcard needs at least {MIN_PREFIX} letter before "
                             "its first * or ? (e.g. o*l, not *oil)")
        candidates = self.vocabulary.prefixed(prefix)
        if isinstance(leaf, query.Prefix) or pattern == prefix + "*":
            return candidates
        matcher = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                     for c in pattern) + r"\Z", re.DOTALL)
        out = []
        for n, word in enumerate(candidates):
            if n % 4096 == 4095:
                self._check("expanding the wildcard words")
            if matcher.match(word):
                out.append(word)
        return out

    def _range(self, leaf: query.TermRange) -> list[str]:
        low, high = _text(leaf.start or ""), (_text(leaf.end) if leaf.end else None)
        words = self.vocabulary.between(low, _after_prefix(high) if high else None)
        return [w for w in words
                if not (leaf.startexcl and w == low) and not (leaf.endexcl and w == high)
                and (high is None or w <= high)]

    def _frequency(self, word: str) -> int:
        known = self.vocabulary.frequencies.get(word)
        if known is None:
            known = self.vocabulary.frequencies[word] = self.doc_frequency(word)
        return known

    def _blended(self, words: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Return the words with weights that give each the idf of the most frequent one."""
        if len(words) < 2:
            return words
        frequency = {w: self._frequency(w) for w, _ in words}
        common = _idf(self.doc_count, max(frequency.values()))
        return [(w, weight * common / _idf(self.doc_count, frequency[w])) for w, weight in words]


_EXPANDING = (query.FuzzyTerm, query.Prefix, query.Wildcard, query.TermRange)


def has_patterns(q: query.Query) -> bool:
    """Return whether a query has fuzzy, wildcard or range words to expand."""
    return isinstance(q, _EXPANDING) or any(isinstance(leaf, _EXPANDING) for leaf in q.leaves())


def _idf(doc_count: int, frequency: int) -> float:
    # Whoosh's BM25F idf (search/engines/whoosh/docs.py); only the ratio of two is used.
    return log(doc_count / (frequency + 1)) + 1


def _pattern_key(leaf) -> tuple:
    if isinstance(leaf, query.FuzzyTerm):
        return ("fuzzy", _text(leaf.text), leaf.maxdist, leaf.prefixlength)
    if isinstance(leaf, query.TermRange):
        return ("range", leaf.start, leaf.end, leaf.startexcl, leaf.endexcl)
    return (type(leaf).__name__, _text(leaf.text))


def _same_pattern_in_fields(children: list) -> bool:
    if len(children) < 2 or not all(isinstance(c, _EXPANDING) for c in children):
        return False
    return len({_pattern_key(c) for c in children}) == 1 and \
        len({c.fieldname for c in children}) == len(children)


def _any(children: list[query.Query], boost: float) -> query.Query:
    if not children:
        return query.NullQuery
    if len(children) == 1 and boost == 1.0:
        return children[0]
    return query.Or(children, boost=boost)


def _shown(leaf) -> str:
    if isinstance(leaf, query.TermRange):
        return f"[{_text(leaf.start or '')} TO {_text(leaf.end or '')}]"
    return _text(leaf.text) + ("*" if isinstance(leaf, query.Prefix) else "")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
