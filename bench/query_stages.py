"""Where a query's time goes: bench.perf's 30 queries split by stage, in process.

    .venv/bin/python -m bench.query_stages INDEX_DIR [--repeat 3]

Wraps the Whoosh engine's steps with timers (each step's own time, its inner steps taken out)
and runs ``bench.perf``'s query set (10 queries x 0/1/2 filters, each with total, five facets
and ten snippets) on an index ``bench.perf`` built, after one warm-up pass, as ``bench.perf``
times them. Prints each stage's share of the total and its milliseconds per query. The timers
themselves cost a few microseconds a call, so the total is a little above bench.perf's.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.perf import api_runner, query_set

_totals: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_stack: list[list] = []  # [stage, time spent in inner stages]


def _timed(stage: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = stage
        if stage == "decode" and any(f[0] == "story copies" for f in _stack):
            name = "story copies: decode"
        frame = [name, 0.0]
        _stack.append(frame)
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            _stack.pop()
            _totals[name] += spent - frame[1]
            _calls[name] += 1
            if _stack:
                _stack[-1][1] += spent
    return wrapper


def _patch(owner, attribute: str, stage: str) -> None:
    setattr(owner, attribute, _timed(stage, getattr(owner, attribute)))


def instrument() -> None:
    """Wrap each stage of a Whoosh search with a timer."""
    from search.engines import results
    from search.engines.whoosh import docs, engine, stories

    _patch(engine.WhooshEngine, "search", "other")
    _patch(engine.WhooshEngine, "_parse", "parse")
    _patch(engine.WhooshEngine, "_expanded", "parse")
    _patch(engine, "marked_terms", "parse")
    _patch(engine.WhooshEngine, "_selections", "filters")
    _patch(docs.DocSets, "words", "match + score")
    _patch(docs.DocSets, "scored", "match + score")
    _patch(docs.DocSets, "top", "top-k")
    _patch(docs.DocSets, "count", "facet counts")
    _patch(engine, "facet_values", "facet counts")
    _patch(engine.WhooshEngine, "_stories", "story copies")
    _patch(stories, "hits_with_copies", "story copies")
    from search.engines.whoosh import articles

    _patch(articles, "decode_article", "decode")
    _patch(articles, "decode_copy", "decode")
    _patch(stories, "with_copies", "story copies")
    _patch(results, "make_snippet", "snippets")
    _patch(engine, "make_hit", "hit")
    from whoosh.reading import MultiReader, SegmentReader

    _patch(SegmentReader, "stored_fields", "decode")  # bound into each searcher when made
    _patch(MultiReader, "stored_fields", "decode")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    instrument()
    run, engine = api_runner(args.index)
    cases = query_set()
    for text, filters in cases:  # warm, as bench.perf does
        run(text, filters)
    _totals.clear()
    _calls.clear()
    start = time.perf_counter()
    for _ in range(args.repeat):
        for text, filters in cases:
            run(text, filters)
    wall = time.perf_counter() - start
    engine.close()
    queries = args.repeat * len(cases)
    print(f"{queries} queries on {args.index}: {wall / queries * 1000:.2f} ms a query (wall)")
    print("| stage | ms/query | share | calls/query |")
    print("| --- | --- | --- | --- |")
    total = sum(_totals.values())
    for name, spent in sorted(_totals.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {spent / queries * 1000:.2f} | {spent / total:.0%} | "
              f"{_calls[name] / queries:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
