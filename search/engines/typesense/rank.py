"""Relevance on Typesense ranked as the Whoosh engine ranks it: BM25F over candidate blocks.

Typesense 0.24 ranks by its own ``text_match`` (how many words, which field, proximity); it
knows no term frequency or inverse document frequency, so on its own its top ten for "oil"
share little with Whoosh's BM25F top ten. Typesense's order still gives good *candidates*:
title matches first, then articles where the word is frequent (``body_top`` holds the stems a
body repeats), then short bodies. Each block of ``BLOCK`` candidates in that order is
re-scored here with Whoosh's BM25F formula (B=0.75, K1=1.2, title weighed twice, field
lengths rounded as Whoosh stores them) from the stems Typesense returns, using document
frequencies and average lengths read from Typesense. Pages inside the first block (the first
250 results) follow BM25F exactly; deeper pages keep each later block's BM25F order, so every
article is listed once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from .query import STEM_FIELDS, Clause

BLOCK = 250  # Typesense's largest page
B, K1 = 0.75, 1.2


def block_range(start: int, stop: int) -> range:
    """Return the candidate blocks that hold results ``start`` to ``stop``."""
    return range(start // BLOCK, (max(stop, start + 1) - 1) // BLOCK + 1)


def df_searches(clauses: Sequence[Clause]) -> list[tuple[str, str]]:
    """Return the (field, stem) pairs whose document frequency the score needs."""
    pairs = {(f, w) for c in clauses if not c.negated for f in c.fields for w in c.words}
    return sorted(pairs)


def _stored_length(n: int) -> int:
    from whoosh.util.numeric import byte_to_length, length_to_byte

    return byte_to_length(length_to_byte(n))


def bm25f_order(docs: Iterable[dict], clauses: Sequence[Clause], df: dict[tuple[str, str], int],
                n_docs: int, avg_len: dict[str, float], title_boost: float) -> list[tuple[dict, float]]:
    """Return (doc, score) by BM25F score, best first; ties keep Typesense's order."""
    positive = [c for c in clauses if not c.negated]
    idf = {key: math.log(max(n_docs, 1) / (n + 1)) + 1 for key, n in df.items()}
    scored = []
    for position, doc in enumerate(docs):
        tokens = {f: str(doc.get(STEM_FIELDS[f], "")).split() for f in STEM_FIELDS}
        counts = {f: Counter(tokens[f]) for f in STEM_FIELDS}
        lengths = {f: _stored_length(len(tokens[f])) for f in STEM_FIELDS}
        score = 0.0
        for clause in positive:
            boost = {"title": title_boost if len(clause.fields) > 1 else 1.0, "body": 1.0}
            for field in clause.fields:
                # Whoosh scores a phrase in a field only where the phrase itself occurs there.
                if len(clause.words) > 1 and not _contains(tokens[field], clause.words):
                    continue
                for word in clause.words:
                    tf = counts[field].get(word, 0)
                    if tf:
                        norm = tf + K1 * ((1 - B) + B * lengths[field] / (avg_len.get(field) or 1))
                        score += idf.get((field, word), 1.0) * tf * (K1 + 1) / norm * boost[field]
        scored.append((-score, position, doc))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [(doc, -negative) for negative, _, doc in scored]


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i, t in enumerate(tokens) if t == phrase[0])
