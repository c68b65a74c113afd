"""What both engines build their answers with: a hit and its snippet, marked paragraphs, facet
values, and the stories of hits (one hit per story when collapsed; a story's other copies).

Each engine finds the matches, their order and the words to mark (its ``query_terms``) in its
own way; from there on, the answer is made here, so it is the same on both.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import islice
from typing import TypeVar
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from ..errors import QueryError
from ..facets import BY_NAME
from ..models import Article, FacetValue, Hit, SearchRequest, StoryCopy
from .analysis import analyze_word
from .snippets import make_snippet, mark_all

# Most other copies listed with a hit ("also in: …"); ``copies`` still counts them all.
MAX_ALSO_IN = 20

Entry = TypeVar("Entry")


def make_hit(article: Article, score: float | None, terms: frozenset[str],
             request: SearchRequest, snippet_chars: int) -> Hit:
    """Return the hit of an article, with a snippet marking ``terms`` when the request asks."""
    snippet = ""
    if request.with_snippets:
        snippet = make_snippet(article.body, terms, analyze_word, snippet_chars,
                               title=article.title)
    return Hit.from_article(article, score, snippet)


def highlight_paragraphs(body: str, text: str,
                         query_terms: Callable[[str], frozenset[str]]) -> list[str]:
    """Return the body's paragraphs as HTML-safe strings with the query's words marked.

    ``query_terms`` is the engine's: it reads the query as that engine runs it (a query the
    engine cannot read marks nothing, the article is still shown).
    """
    try:
        terms = query_terms(text) if text.strip() else frozenset()
    except QueryError:
        terms = frozenset()
    return [mark_all(p, terms, analyze_word) for p in body.split("\n\n") if p.strip()]


def facet_values(counts: Mapping[str, int], selected: Sequence[str], name: str,
                 limit: int | None = None) -> tuple[FacetValue, ...]:
    """Return facet values by count then value, the top ``limit``; selected ones always.

    Entity values are counted as "type|Canonical Name" terms and listed by name with their type.
    """
    chosen = {s.casefold() for s in selected}
    values = []
    for term, count in counts.items():
        kind, label = BY_NAME[name].split(term)
        values.append(FacetValue(label, count, label.casefold() in chosen, kind))
    values.sort(key=lambda v: (-v.count, v.value))
    if limit is not None and len(values) > limit:
        values = values[:limit] + [v for v in values[limit:] if v.selected]
    present = {v.value.casefold() for v in values}
    values += [FacetValue(s, 0, True) for s in selected if s.casefold() not in present]
    return tuple(values)


def first_per_story(ranked: Iterable[Entry], key: Callable[[Entry], Hashable],
                    stop: int) -> list[Entry]:
    """Return the first ``stop`` entries of the ranked order that start a story (the best-ranked
    copy of each; ``key`` says what an entry's story is). Reads ``ranked`` no further than that.

    Collapsing is this step over the ranked order, kept apart from the ranking itself.
    """
    seen: set[Hashable] = set()
    firsts: list[Entry] = []
    if stop <= 0:
        return firsts
    for entry in ranked:
        story = key(entry)
        if story not in seen:
            seen.add(story)
            firsts.append(entry)
            if len(firsts) >= stop:
                break
    return firsts


def story_copy(article: Article) -> StoryCopy:
    """Return how a copy of a story is listed with a hit ("also in")."""
    return StoryCopy(id=article.id, source=article.source, outlet=article.outlet,
                     title=article.title, date=article.date)


def with_copies(hit: Hit, copies: int, others: Iterable[StoryCopy]) -> Hit:
    """Return the hit with its story's copy count and up to MAX_ALSO_IN other copies
    (``others``, as ``story_copy`` lists them, is read no further than that)."""
    also_in = tuple(islice((c for c in others if c.id != hit.id), MAX_ALSO_IN))
    return replace(hit, copies=copies, also_in=also_in)


__all__ = ["MAX_ALSO_IN", "facet_values", "first_per_story", "highlight_paragraphs", "make_hit",
           "story_copy", "with_copies"]
