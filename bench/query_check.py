"""Same answers before and after a speed change: bench.perf's queries' full JSON, compared.

    .venv/bin/python -m bench.query_check INDEX_DIR --save before.json   # on the old code
    .venv/bin/python -m bench.query_check INDEX_DIR --against before.json  # on the new code

Runs ``bench.perf``'s 30 queries (10 queries x 0/1/2 filters) as it does, and again collapsed
(one hit per story) and on page 2, and writes or compares every answer's full JSON: total,
hits in order with their exact scores, snippets, copies and "also in", every facet count.
Each query runs twice in a row (a cold and a warm answer must agree, whatever is cached), and
``--against`` prints the first difference of each query that changed and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.perf import ENTITY_NAMES, query_set

VARIANTS = ({}, {"collapse": True}, {"page": 2})


def answers(index_dir: Path) -> dict[str, dict]:
    """Return each query's full answer by a readable key."""
    from search.config import Settings
    from search.engines import open_engine
    from search.query import build_request

    engine = open_engine(Settings(index_dir=str(index_dir)))
    out = {}
    try:
        for variant in VARIANTS:
            for text, filters in query_set():
                entities = [ENTITY_NAMES[e][1] for e in filters.get("entity", ())]
                request = build_request(text, entities=entities,
                                        months=filters.get("month", ()), **variant)
                first = _full(engine.search(request))
                again = _full(engine.search(request))
                key = json.dumps([text, filters, variant], sort_keys=True)
                if first != again:
                    raise SystemExit(f"{key}: a repeated query answered differently")
                out[key] = first
    finally:
        engine.close()
    return out


def _full(results) -> dict:
    data = results.to_dict()
    data["scores"] = [repr(h.score) for h in results.hits]  # to_dict rounds them
    return data


def _first_difference(old, new, path: str = "") -> str | None:
    if type(old) is not type(new):
        return f"{path}: {old!r} -> {new!r}"
    if isinstance(old, dict):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                return f"{path}.{key}: only in {'new' if key in new else 'old'}"
            found = _first_difference(old[key], new[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(old, list):
        for n, (a, b) in enumerate(zip(old, new, strict=False)):
            found = _first_difference(a, b, f"{path}[{n}]")
            if found:
                return found
        return None if len(old) == len(new) else f"{path}: {len(old)} -> {len(new)} items"
    return None if old == new else f"{path}: {old!r} -> {new!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--against", type=Path)
    args = parser.parse_args(argv)
    found = answers(args.index)
    if args.save:
        args.save.write_text(json.dumps(found, indent=1, sort_keys=True))
        print(f"{len(found)} answers saved to {args.save}")
        return 0
    before = json.loads(args.against.read_text())
    changed = 0
    for key in sorted(set(before) | set(found)):
        difference = _first_difference(before.get(key), found.get(key))
        if difference:
            changed += 1
            print(f"{key}: {difference}")
    hits = sum(len(a["hits"]) for a in found.values())
    print(f"{len(found) - changed} of {len(found)} answers identical "
          f"({hits} hits, with snippets, copies and facet counts)")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
