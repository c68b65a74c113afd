"""Which queries are matched "all words first, then most words": queries of plain words.

A query of two or more plain words matches the articles holding every word, unless fewer than
``bm25f.MIN_FULL_MATCHES`` of them do; then it matches the articles holding any of its telling
words (``bm25f.is_telling``), those with every word first. Both engines decide it the same way,
from the query parsed by the shared parser; an operator (AND, OR, NOT in capitals), a phrase, a
field, a boost, a wildcard or a fuzzy term keeps its exact meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from whoosh import query

from ..query import SEARCH_FIELDS, has_operators
from . import bm25f


def plain_words(parsed: query.Query, text: str) -> list[query.Or] | None:
    """Return the distinct words of a query of two or more plain words, each as an ``Or`` of
    one term per searched field (as the parser reads a word), or None for any other query.
    A hyphenated word ("three-nation") counts as its words."""
    if not isinstance(parsed, query.And) or parsed.boost != 1.0 or has_operators(text):
        return None
    words: dict[str, query.Or] = {}
    for group in parsed.children():
        found = _words_of(group)
        if found is None:
            return None
        for word, boosts in found:
            words.setdefault(word, query.Or([query.Term(f, word, boost=b) for f, b in boosts]))
    return list(words.values()) if len(words) > 1 else None


def word_of(group: query.Or) -> str:
    """Return the (analysed) word of one of ``plain_words``' groups."""
    text = next(iter(group.children())).text
    return text.decode("utf-8") if isinstance(text, bytes) else str(text)


def telling_words(df: Mapping[str, int], n_docs: int) -> list[str]:
    """Return the words that select articles when a query is relaxed, rarest first: those in
    fewer than half the articles, or, when none of those occurs, every word that occurs."""
    telling = [w for w, n in df.items() if n and bm25f.is_telling(n_docs, n)]
    if not telling:
        telling = [w for w, n in df.items() if n]
    return rarest_first(telling, df)


def searched_words(df: Mapping[str, int], cap: int) -> list[str] | None:
    """Return the words a long query searches: its ``cap`` rarest words, those the index
    holds before those it does not, or None when it has no more than ``cap`` words (it
    searches them all). ``cap`` is ``Settings.max_query_words``: the value and the figures
    that chose it are in README "Pasted text"."""
    if len(df) <= cap:
        return None
    return sorted(df, key=lambda w: (not df[w], df[w], w))[:cap]


def rarest_first(words: Sequence[str], df: Mapping[str, int]) -> list[str]:
    return sorted(words, key=lambda w: (df.get(w, 0), w))


def _words_of(q: query.Query) -> list[tuple[str, list[tuple[str, float]]]] | None:
    """Return the words of one plain word (or hyphenated word) with each field's boost, or
    None when the part is anything else."""
    if not isinstance(q, query.Or) or q.boost != 1.0 or q.minmatch or q.scale:
        return None
    per_field = []
    for child in q.children():
        terms = list(child.children()) if type(child) is query.And and child.boost == 1.0 \
            else [child]
        if not all(type(t) is query.Term for t in terms) or len({t.fieldname for t in terms}) != 1:
            return None
        per_field.append((terms[0].fieldname, [t.text for t in terms], [t.boost for t in terms]))
    if sorted(f for f, _, _ in per_field) != sorted(SEARCH_FIELDS) \
            or len({tuple(w) for _, w, _ in per_field}) != 1:
        return None
    return [(word, [(f, boosts[i]) for f, _, boosts in per_field])
            for i, word in enumerate(per_field[0][1])]


__all__ = ["plain_words", "rarest_first", "searched_words", "telling_words",
           "word_of"]
