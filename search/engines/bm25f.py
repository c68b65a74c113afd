"""BM25F, the relevance score both engines rank by, and the rule that relaxes plain-word queries.

BM25F (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009,
section 3.3): a word's frequencies in title and body are each divided by their field's length
normalisation, weighted, added, and only then saturated, once:

    tf~(w, d) = sum over fields f of
                weight_f * tf(w, f, d) / ((1 - b_f) + b_f * len_f(d) / avglen_f)
    score(d)  = sum over query words w of  idf(w) * tf~ * (k1 + 1) / (k1 + tf~)

so a word in the title and the body counts once, more than either alone, never twice a full
score (scoring the fields as two BM25s and adding them, as Whoosh does, ranked TIME's queries
at nDCG@10 0.582 against 0.754 for this formula on the same tokens).

idf is Robertson/Spärck Jones's log((N - df + 0.5) / (df + 0.5)) over the articles holding the
word in any searched field, floored just above zero as SQLite FTS5 floors it: a word in more
than half of the articles says nothing about relevance, which matters for queries typed as
sentences ("the", "of", "what"). Every query word counts once.

The figures (``bench/relevance.py``, the grid in docs/benchmarks.md): on TIME, k1 1.2, b 0.75
and title weight 2 give nDCG@10 0.754; the best point of the grid (k1 1.5, b 0.9) gives 0.761
but, chosen on the odd-numbered queries, it loses 0.03 on the even ones, while the standard
values lose nothing (0.759 / 0.748 both ways). Judged collections other than TIME are kept
back, so the standard values stay.
"""

from __future__ import annotations

import math

K1 = 1.2
B = {"title": 0.75, "body": 0.75}
FIELD_WEIGHTS = {"title": 2.0, "body": 1.0}
# FTS5's floor: a word in half or more of the articles still ranks by frequency, barely.
IDF_FLOOR = 1e-6
# Fewer articles than this (a page) holding every word of a query of plain words: show those
# holding most of them. On TIME, 1 instead of 10 costs 0.09 nDCG@10 (queries with a handful of
# articles holding every word showed only those); 10 and 100 rank the same.
MIN_FULL_MATCHES = 10


def idf(n_docs: int, df: int) -> float:
    """Return Robertson/Spärck Jones's idf of a word held by ``df`` of ``n_docs`` articles."""
    # A count read a moment before the document frequency (Typesense's, while articles come
    # in) may be the smaller one.
    n_docs = max(n_docs, df)
    return max(math.log((n_docs - df + 0.5) / (df + 0.5)), IDF_FLOOR)


def is_telling(n_docs: int, df: int) -> bool:
    """Return whether a word is rare enough (in fewer than half the articles) to select
    articles on its own when a query is relaxed."""
    return 2 * df < n_docs


def normaliser(length, average: float, field: str):
    """Return BM25F's length normalisation of a field (a number or a NumPy array)."""
    b = B.get(field, 0.75)
    return (1 - b) + b * length / (average or 1)


def saturate(tf):
    """Return the saturated weighted term frequency (a number or a NumPy array)."""
    return tf * (K1 + 1) / (K1 + tf)
