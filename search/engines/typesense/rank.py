"""Relevance on Typesense ranked as the Whoosh engine ranks it: BM25F over candidate blocks.

Typesense 0.24 ranks by its own ``text_match`` (how many words, which field, proximity); it
knows no term frequency or inverse document frequency, so on its own its top ten for "oil"
share little with the Whoosh engine's BM25F top ten. Typesense's order still gives good
*candidates*: title matches first, then articles where the word is frequent (``body_top``
holds the stems a body repeats), then short bodies. Each block of ``BLOCK`` candidates in that
order is re-scored here with the Whoosh engine's BM25F (``bm25f``: field frequencies weighted
and length-normalised per field, saturated once; field lengths rounded as Whoosh stores them)
from the stems Typesense returns, with document frequencies (articles holding the word in any
of the clause's fields) and average lengths read from Typesense. Pages inside the first block
(the first 250 results) follow BM25F exactly; deeper pages keep each later block's BM25F
order, so every article is listed once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .. import bm25f
from .query import STEM_FIELDS, Clause

BLOCK = 250  # Typesense's largest page
FIELD_ORDER = tuple(STEM_FIELDS)


def block_range(start: int, stop: int) -> range:
    """Return the candidate blocks that hold results ``start`` to ``stop``."""
    return range(start // BLOCK, (max(stop, start + 1) - 1) // BLOCK + 1)


def clause_fields(clause: Clause) -> tuple[str, ...]:
    return tuple(f for f in FIELD_ORDER if f in clause.fields)


def df_searches(clauses: Sequence[Clause]) -> list[tuple[tuple[str, ...], str]]:
    """Return the (fields, stem) pairs whose document frequency the score needs: the articles
    holding the stem in any of those fields."""
    pairs = {(clause_fields(c), w) for c in clauses if not c.negated for w in c.words}
    return sorted(pairs)


def _stored_length(n: int) -> int:
    from whoosh.util.numeric import byte_to_length, length_to_byte

    return byte_to_length(length_to_byte(n)) if n else 0


def bm25f_order(docs: Iterable[dict], clauses: Sequence[Clause],
                df: dict[tuple[tuple[str, ...], str], int], n_docs: int,
                avg_len: dict[str, float]) -> list[tuple[dict, float]]:
    """Return (doc, score) by BM25F score, best first; ties keep Typesense's order."""
    positive = [c for c in clauses if not c.negated]
    scored = []
    for position, doc in enumerate(docs):
        tokens = {f: str(doc.get(STEM_FIELDS[f], "")).split() for f in STEM_FIELDS}
        counts = {f: Counter(tokens[f]) for f in STEM_FIELDS}
        norms = {f: bm25f.normaliser(_stored_length(len(tokens[f])), avg_len.get(f) or 1, f)
                 for f in STEM_FIELDS}
        score = 0.0
        for clause in positive:
            fields = clause_fields(clause)
            # The parser weighs a plain word's fields; a word restricted to one field weighs 1.
            weights = {f: bm25f.FIELD_WEIGHTS[f] if len(fields) > 1 else 1.0 for f in fields}
            # A phrase counts where it occurs in one of its fields, as its words' BM25F.
            if len(clause.words) > 1 and not any(_contains(tokens[f], clause.words)
                                                 for f in fields):
                continue
            for word in dict.fromkeys(clause.words):
                tf = sum(w * counts[f].get(word, 0) / norms[f] for f, w in weights.items())
                if tf:
                    idf = bm25f.idf(n_docs, df.get((fields, word), 0))
                    score += idf * bm25f.saturate(tf)
        scored.append((-score, position, doc))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [(doc, -negative) for negative, _, doc in scored]


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i, t in enumerate(tokens) if t == phrase[0])
