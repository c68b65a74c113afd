"""Stories on Typesense: one hit per story (``collapse``), and each hit's other copies.

As in ``whoosh_stories``, collapsing is a step over the ranked order: walk the matches in the
request's order, block by block, and keep the first article of each story. Every article has a
``story_key`` (its story, or its own id when it has none), so ``group_by=story_key`` counts
the stories among the matches (Typesense's ``found`` counts groups). ``copies`` and "also in"
come from the whole collection, not from the matches: they say where else a story ran.
"""

from __future__ import annotations

from dataclasses import replace
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...models import Hit, StoryCopy

if TYPE_CHECKING:
    from .engine import TypesenseEngine

MAX_ALSO_IN = 20  # as whoosh_stories: most other copies listed; ``copies`` counts them all


def story_key(article_id: str, story: str | None) -> str:
    """Return what collapsing groups an article by: its story, or the article itself."""
    return f"story:{story}" if story else f"article:{article_id}"


def count_search(base: dict) -> dict:
    """Return the search whose ``found`` is the number of stories among the matches."""
    return {**base, "group_by": "story_key", "group_limit": 1, "per_page": 0}


def collapsed(entries_of_block, start: int, stop: int) -> list[tuple[str, float | None]]:
    """Return entries ``start:stop`` of the ranked order with one entry per story.

    ``entries_of_block(n)`` returns block ``n`` of the order as (id, score, story_key), and
    whether more blocks follow.
    """
    seen: set[str | None] = set()
    firsts: list[tuple[str, float | None]] = []
    block = 0
    while len(firsts) < stop:
        entries, more = entries_of_block(block)
        for article_id, score, key in entries:
            if key not in seen:
                seen.add(key)
                firsts.append((article_id, score))
                if len(firsts) >= stop:
                    break
        if not more:
            break
        block += 1
    return firsts[start:stop]


def with_copies(engine: TypesenseEngine, hits: Sequence[Hit]) -> tuple[Hit, ...]:
    """Return the hits, each with its story's copy count and other copies."""
    from .engine import _article, _quoted

    stories = sorted({h.story for h in hits if h.story and "`" not in h.story})
    if not stories:
        return tuple(hits)
    where = f"story:=[{','.join(_quoted(s) for s in stories)}]"
    counts, members = engine._multi([
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
        copies_of[group["group_key"][0]] = [_article(h["document"]) for h in group["hits"]]
    out = []
    for hit in hits:
        if not hit.story or hit.story not in copies:
            out.append(hit)
            continue
        others = [a for a in copies_of.get(hit.story, []) if a.id != hit.id][:MAX_ALSO_IN]
        out.append(replace(hit, copies=copies[hit.story], also_in=tuple(
            StoryCopy(id=a.id, source=a.source, outlet=a.outlet, title=a.title, date=a.date)
            for a in others)))
    return tuple(out)
