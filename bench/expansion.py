"""Fuzzy and wildcard queries, and hostile ones, against Whoosh's own expansion (issue 15).

    .venv/bin/python -m bench.expansion [--size 20000] [--runs 40] [--index DIR]

Builds (or reuses, with ``--index``) an index of ``size`` Reuters articles (amplified past
21,578, see ``bench.corpus``) and times, through ``WhooshEngine.search`` (total, facets and ten
snippets, as the CLI and the API ask): fuzzy and wildcard queries ``runs`` times each (p50,
p95, max), the hostile queries of the issue (a result or a QueryError), and, as the baseline
in the same run, plain Whoosh searching the same fuzzy and wildcard queries with its own
expansion and scoring (``searcher.search``, top 10; three runs, one when it takes over 5 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import string
import tempfile
import time
from pathlib import Path

from bench.corpus import REUTERS, amplified, reuters_records
from bench.perf import percentile
from search.config import Settings
from search.engines import open_engine
from search.errors import QueryError
from search.models import Article
from search.query import build_request

QUERIES = ["opec~", "cofee~", "embasy~2", "petrol*", "oil*", "emb?ssy", "opec~ prices"]
BASELINE_RUNS = 3


def build(records: list[dict], size: int, folder: Path) -> None:
    engine = open_engine(Settings(index_dir=str(folder)), create=True)
    batch: list[Article] = []
    for record in amplified(records, size):
        batch.append(Article(id=record["id"], source=record["id"], title=record["title"],
                             body=record["body"], date=dt.date.fromisoformat(record["date"])))
        if len(batch) == 2000:
            engine.upsert(batch)
            batch = []
    engine.upsert(batch)
    engine.prepare()
    engine.close()


def hostile(records: list[dict]) -> dict[str, str]:
    words = sorted({w for w in re.findall(r"[a-z]+", " ".join(r["body"] for r in records[:300])
                                             .lower()) if len(w) >= 8})[:400:5]
    fuzzy = " ".join(f"{w}~{1 + n % 2}" for n, w in enumerate(words))[:946].rsplit(" ", 1)[0]
    return {"cocoaprices~9": "cocoaprices~9",
            "26 leading wildcards OR'ed": " OR ".join(f"*{c}" for c in string.ascii_lowercase),
            f"80 fuzzy words ({len(fuzzy)} chars)": fuzzy,
            "26 one-letter prefixes OR'ed": " OR ".join(f"{c}*" for c in string.ascii_lowercase),
            "20 fuzzy words ~2": " ".join(f"{w}~2" for w in fuzzy.replace("~1", "").replace(
                "~2", "").split()[:20])}


def timed(engine, text: str) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        results = engine.search(build_request(text))
        answer = f"{results.total} hits"
    except QueryError as exc:
        answer = f"QueryError: {exc}"
    return time.perf_counter() - start, answer


def baseline(engine, text: str) -> tuple[float, int]:
    """Plain Whoosh: its parser's fuzzy/wildcard query, expanded and ranked by Whoosh."""
    searcher = engine._index.searcher()
    try:
        parsed = engine._parser.parse(text)
        start = time.perf_counter()
        results = searcher.search(parsed, limit=10)
        total = len(results)
        return time.perf_counter() - start, total
    finally:
        searcher.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.expansion",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--index", help="an index folder to build once and reuse")
    args = parser.parse_args(argv)
    records = reuters_records(REUTERS)
    folder = Path(args.index or tempfile.mkdtemp(prefix="nf-expansion-")) / f"size{args.size}"
    if not folder.exists():
        start = time.perf_counter()
        build(records, args.size, folder)
        print(f"built {args.size} articles in {time.perf_counter() - start:.0f} s ({folder})")
    engine = open_engine(Settings(index_dir=str(folder)))
    timed(engine, "oil")  # the first search loads the facet arrays and the word list
    print(f"\n{args.size} articles, {args.runs} runs a query (ms): newsfacet p50 / p95 / max"
          f" | plain Whoosh, mean of {BASELINE_RUNS} (1 when over 5 s) | ratio")
    for text in QUERIES:
        times, answer = [], ""
        for _ in range(args.runs):
            took, answer = timed(engine, text)
            times.append(took * 1000)
        plain = [baseline(engine, text)]
        if plain[0][0] < 5:  # a baseline of many seconds is timed once
            plain += [baseline(engine, text) for _ in range(BASELINE_RUNS - 1)]
        plain_ms = sum(t for t, _ in plain) / len(plain) * 1000
        p50 = percentile(times, 50)
        print(f"{text:<14} {p50:7.1f} / {percentile(times, 95):7.1f} / {max(times):7.1f}"
              f" | {plain_ms:8.0f} | {plain_ms / p50:6.0f}x   ({answer})")
    print("\nhostile queries (ms, first run and worst of 5):")
    for name, text in hostile(records).items():
        runs = [timed(engine, text) for _ in range(5)]
        print(f"{name:<34} {runs[0][0] * 1000:7.1f} {max(t for t, _ in runs) * 1000:7.1f}"
              f"   {runs[0][1][:110]}")
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
