"""The words a parsed query looks for, field by field: what snippets and the article page mark.

Whoosh 2.7's ``Query.existing_terms`` cannot be used for this: it reuses its ``fieldname``
argument as a loop variable, so after the first leaf (the title) it skips every leaf of another
field, and a word found in no title of the index was never marked. Here the query tree is
walked directly; every word the query names in a searched field is kept, whether or not the
index holds it (a word it does not hold simply marks nothing).
"""

from __future__ import annotations

from whoosh import query

from ..query import SEARCH_FIELDS


def query_terms(parsed: query.Query, fields=SEARCH_FIELDS) -> dict[str, frozenset[str]]:
    """Return, for each searched field, the (analysed) words a query names there, phrases'
    words included. Wildcard and fuzzy leaves must already be expanded into terms."""
    found: dict[str, set[str]] = {f: set() for f in fields}
    for leaf in _leaves(parsed):
        if isinstance(leaf, query.Phrase):
            words = [_text(w) for w in leaf.words]
        elif isinstance(leaf, query.Term) and not isinstance(leaf, query.MultiTerm):
            words = [_text(leaf.text)]
        else:
            continue
        if leaf.fieldname in found:
            found[leaf.fieldname].update(w for w in words if w)
    return {f: frozenset(words) for f, words in found.items()}


def marked_terms(parsed: query.Query) -> frozenset[str]:
    """Return every word of a searched field the query names: the words to mark in a body or
    title (both fields share one analyzer, so one set serves both)."""
    return frozenset().union(*query_terms(parsed).values())


def _leaves(q: query.Query):
    if q is query.NullQuery or q is None:
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _leaves(child)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
