"""Matching "all words first, then most words" on Typesense, as the Whoosh engine does it.

Typesense's own token dropping cannot stand in for it: it drops words from the right, then
from the left, so of "a b c" it never finds the articles holding only "b". Here a relaxed query
(``matching``: fewer than ``bm25f.MIN_FULL_MATCHES`` articles hold every word) matches the
articles holding any of its telling words, as a filter on the stem fields
(``title_stems:[...] || body_stems:[...]``), so counts, facets, the timeline and exports count
exactly those. They fall into tiers, one per telling word, rarest first: tier i holds the
articles with word i and none of the rarer telling words (``-word`` in ``q``). Within a tier,
Typesense finds the articles with the query's words from word i on, dropping words from the
right (rarest kept) down to word i alone, so every article of the tier is found and those with
more words come first. The order shown: the head, the first ``HEAD`` candidates of every tier
ranked together by BM25F (``rank``) with the articles holding every word first (they hold the
rarest word and every other one: they are the first candidates of tier 1); then the rest of
each tier, tier by tier, in blocks of ``HEAD`` candidates each re-scored with BM25F.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .query import EXACT, quoted

# Typesense drops query words while fewer articles than this match: always, to the last word.
DROP_ALL = 1_000_000_000
# Candidates each tier gives to the head (and the size of its later blocks); not tuned. On
# TIME's sentence queries Typesense scores nDCG@10 0.751, Whoosh 0.754 (README "Past one
# machine").
HEAD = 50
STEMS = "title_stems,body_top,body_stems"
WEIGHTS = "3,2,1"  # as the ranked candidates of an all-words query (title, repeated, body)


@dataclass(frozen=True)
class Tier:
    """The articles holding ``word`` and none of the rarer telling words, and how many."""

    word: str
    q: str
    found: int = 0

    @property
    def filter(self) -> str:
        return holding([self.word])


@dataclass(frozen=True)
class Relaxed:
    """How a relaxed query matches and ranks: its words and their document frequencies, the
    telling words (rarest first) and the tiers they make."""

    words: tuple[str, ...]
    df: Mapping[str, int]
    tiers: tuple[Tier, ...]

    @property
    def telling(self) -> tuple[str, ...]:
        return tuple(t.word for t in self.tiers)

    @property
    def filter(self) -> str:
        """The filter of the articles a relaxed query matches (none when no word occurs)."""
        return holding(self.telling or self.words)

    @property
    def found(self) -> int:
        return sum(t.found for t in self.tiers)


def holding(words: Sequence[str]) -> str:
    """Return the filter of the articles holding any of ``words`` in title or body."""
    values = ",".join(quoted(w) for w in words)
    return f"(title_stems:[{values}] || body_stems:[{values}])"


def tiers_of(words: Sequence[str], telling: Sequence[str]) -> tuple[Tier, ...]:
    """Return the tiers of a relaxed query (``telling`` rarest first; ``words``, rarest first,
    are all the query's words): tier i's ``q`` holds telling word i, then the query's other
    words not excluded, rarest first, then every rarer telling word excluded."""
    out = []
    for i, word in enumerate(telling):
        rarer = telling[:i]
        rest = [w for w in words if w != word and w not in rarer]
        out.append(Tier(word, " ".join([word, *rest, *("-" + w for w in rarer)])))
    return tuple(out)


def tier_search(tier: Tier, clause: str, **params) -> dict:
    """Return the Typesense search over one tier (``clause``: the request's other filters)."""
    where = tier.filter + (f" && {clause}" if clause else "")
    return {**EXACT, "drop_tokens_threshold": DROP_ALL, "q": tier.q, "query_by": STEMS,
            "query_by_weights": WEIGHTS, "filter_by": where, **params}


def counted(relaxed: Relaxed, founds: Sequence[int]) -> Relaxed:
    """Return the relaxed query with its tiers' article counts."""
    tiers = tuple(Tier(t.word, t.q, n) for t, n in zip(relaxed.tiers, founds, strict=True))
    return Relaxed(relaxed.words, relaxed.df, tiers)


@dataclass(frozen=True)
class Plan:
    """The candidate pages that hold results ``start`` to ``stop`` of a relaxed order: the
    head's (page 1 of every tier that has articles) when the range reaches into it, and the
    later pages as (tier, page, position of its first result in the order)."""

    head: tuple[int, ...]
    head_size: int
    later: tuple[tuple[int, int, int], ...]


def plan_pages(relaxed: Relaxed, start: int, stop: int) -> Plan:
    """Return the pages of tier candidates (``HEAD`` a page) holding results ``start`` to
    ``stop`` of the relaxed order."""
    head_size = sum(min(HEAD, t.found) for t in relaxed.tiers)
    head = tuple(i for i, t in enumerate(relaxed.tiers) if t.found) if start < head_size else ()
    later, offset = [], head_size
    for i, tier in enumerate(relaxed.tiers):
        rest = max(tier.found - HEAD, 0)
        lo, hi = max(start - offset, 0), min(stop - offset, rest)
        if lo < hi:
            later += [(i, n + 2, offset + n * HEAD)
                      for n in range(lo // HEAD, (hi - 1) // HEAD + 1)]
        offset += rest
    return Plan(head, head_size, tuple(later))


def page_search(tier: Tier, clause: str, page: int) -> dict:
    """Return the search of one page of a tier's candidates, with the stems to score them."""
    return tier_search(tier, clause, sort_by="_text_match:desc,body_len:asc", page=page,
                       per_page=HEAD, include_fields="id,title_stems,body_stems,story_key",
                       highlight_fields="none")


def every_word_first(ranked: list, words: Sequence[str]) -> list:
    """Return ``ranked`` (doc, score) with the docs holding every word first (a stable sort)."""
    wanted = set(words)

    def holds_all(doc: dict) -> bool:
        return wanted <= set(f"{doc.get('title_stems', '')} {doc.get('body_stems', '')}".split())

    return sorted(ranked, key=lambda entry: not holds_all(entry[0]))


__all__ = ["DROP_ALL", "HEAD", "Plan", "Relaxed", "Tier", "counted", "every_word_first",
           "holding", "page_search", "plan_pages", "tier_search", "tiers_of"]
