"""Stories on Typesense: one hit per story (``collapse``), and each hit's other copies.

As on Whoosh, collapsing is a step over the ranked order (``results.first_per_story``), read
block by block. Every article has a
``story_key`` (its story, or its own id when it has none), so ``group_by=story_key`` counts
the stories among the matches (Typesense's ``found`` counts groups). ``copies`` and "also in"
come from the whole collection, not from the matches: they say where else a story ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ...models import Hit
from ..results import MAX_ALSO_IN, first_per_story, with_copies as hit_with_copies
from ..stored import decode_copy
from .query import quoted

if TYPE_CHECKING:
    from .engine import TypesenseEngine

Entry = tuple[str, "float | None", str]  # (id, score, story_key)


def story_key(article_id: str, story: str | None) -> str:
    """Return what collapsing groups an article by: its story, or the article itself."""
    return f"story:{story}" if story else f"article:{article_id}"


def count_search(base: dict) -> dict:
    """Return the search whose ``found`` is the number of stories among the matches."""
    return {**base, "group_by": "story_key", "group_limit": 1, "per_page": 0}


def collapsed(entries_of_block: Callable[[int], tuple[list[Entry], bool]], start: int,
              stop: int) -> list[tuple[str, float | None]]:
    """Return entries ``start:stop`` of the ranked order with one entry per story.

    ``entries_of_block(n)`` returns block ``n`` of the order as (id, score, story_key), and
    whether more blocks follow; blocks are read only as far as the page needs.
    """
    def ranked() -> Iterator[Entry]:
        block, more = 0, True
        while more:
            entries, more = entries_of_block(block)
            yield from entries
            block += 1

    firsts = first_per_story(ranked(), lambda entry: entry[2], stop)
    return [(article_id, score) for article_id, score, _ in firsts[start:stop]]


def with_copies(engine: TypesenseEngine, hits: Sequence[Hit]) -> tuple[Hit, ...]:
    """Return the hits, each with its story's copy count and other copies."""
    stories = sorted({h.story for h in hits if h.story and "`" not in h.story})
    if not stories:
        return tuple(hits)
    where = f"story:=[{','.join(quoted(s) for s in stories)}]"
    counts, members = engine.multi_search([
        {"q": "*", "query_by": "title_stems", "filter_by": where, "per_page": 0,
         "facet_by": "story", "max_facet_values": len(stories)},
        {"q": "*", "query_by": "title_stems", "filter_by": where, "group_by": "story",
         "group_limit": min(MAX_ALSO_IN + 1, 99), "per_page": len(stories),
         "sort_by": "date_old:asc", "include_fields": "id,source,outlet,title,data,story,body",
         "highlight_fields": "none"}])
    copies = {c["value"]: int(c["count"]) for f in counts.get("facet_counts", [])
              for c in f.get("counts", [])}
    copies_of = {}
    for group in members.get("grouped_hits", []):
        copies_of[group["group_key"][0]] = [decode_copy(h["document"]) for h in group["hits"]]
    out = []
    for hit in hits:
        if not hit.story or hit.story not in copies:
            out.append(hit)
            continue
        out.append(hit_with_copies(hit, copies[hit.story], copies_of.get(hit.story, [])))
    return tuple(out)
