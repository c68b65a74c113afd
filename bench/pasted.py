"""Long pasted queries: how many of their words to search (``Settings.max_query_words``).

    .venv/bin/python -m bench.pasted [--size 20000] [--index DIR] [--caps 8,16,24,32,48,64,0]

A query of more plain words than the cap searches only its ``cap`` rarest words (0: no cap).
Two measurements per cap, in one run, each split into a train half (odd) and a dev half (even):

- TIME (``../shared/eval/ranking/time``: 83 sentence queries of 4 to 28 distinct words, as
  ``bench.relevance`` reads them): nDCG@10 of the Whoosh engine, odd- and even-numbered queries.
- Reuters paragraphs: an index of ``size`` Reuters-21578 articles (amplified as ``bench.corpus``
  does past 19,771; built once, or reused with ``--index``), and 60 paragraphs cut from the
  start of bodies of 2,000 characters or more (every n-th such body: 2,000 characters, or
  4,000 where the body has them). For each cap, fresh processes (cold: nothing of the index
  loaded yet) search them through ``WhooshEngine.search`` (total, facets, ten snippets): the
  first query of each process is timed cold, the others warm; an answer that is an error (the
  0.8 s budget) is counted; and the rank of the article the paragraph came from (or a copy with
  the same body) gives the mean reciprocal rank.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import REUTERS, reuters_records
from bench.perf import percentile
from bench.relevance import TIME, ndcg_at_10, prepare_time, user_query

PARAGRAPHS = 60
LENGTHS = (2000, 4000)
PROCESSES = 3  # fresh processes a cap: each one's first query is cold
NO_CAP = 10 ** 6


def paragraphs(records: list[dict], count: int = PARAGRAPHS) -> list[dict]:
    """Return ``count`` paragraphs cut at a word from the start of long bodies, with the id
    of the article each came from."""
    long = [r for r in records if len(r["body"]) >= LENGTHS[0]]
    step = max(len(long) // count, 1)
    out = []
    for n, record in enumerate(long[::step][:count]):
        size = LENGTHS[-1] if n % 2 and len(record["body"]) >= LENGTHS[-1] else LENGTHS[0]
        text = " ".join(record["body"][:size].split()[:-1])  # the last word may be cut
        out.append({"id": record["id"], "text": text.replace('"', " ")})
    return out


def worker(index: str, cap: int, path: str) -> None:
    """Search the paragraphs of ``path`` in this fresh process; print one JSON line each."""
    from search.config import Settings
    from search.engines import open_engine
    from search.errors import QueryError
    from search.query import build_request

    engine = open_engine(Settings(index_dir=index, max_query_words=cap or NO_CAP))
    for item in json.loads(Path(path).read_text()):
        start = time.perf_counter()
        try:
            results = engine.search(build_request(item["text"], per_page=10))
            ids, error = [h.id for h in results.hits], None
        except QueryError as exc:
            ids, error = [], str(exc)
        print(json.dumps({"id": item["id"], "ms": (time.perf_counter() - start) * 1000,
                          "hits": ids, "error": error}), flush=True)
    engine.close()


def build_index(records: list[dict], size: int, folder: Path) -> None:
    from bench.expansion import build

    start = time.perf_counter()
    build(records, size, folder)
    print(f"built {size} articles in {time.perf_counter() - start:.0f} s ({folder})")


def reuters_runs(folder: Path, cap: int, items: list[dict], work: Path) -> list[dict]:
    """Return each paragraph's answer, searched in ``PROCESSES`` fresh processes."""
    out = []
    for n in range(PROCESSES):
        part = items[n::PROCESSES]
        path = work / f"part{n}.json"
        path.write_text(json.dumps(part))
        done = subprocess.run([sys.executable, "-m", "bench.pasted", "--worker", str(folder),
                               str(cap), str(path)], capture_output=True, text=True, check=True)
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        for i, row in enumerate(rows):
            row["cold"] = i == 0
            row["train"] = items.index(part[i]) % 2 == 0
        out += rows
    return out


def reciprocal_rank(row: dict, same_body: dict[str, set[str]]) -> float:
    wanted = same_body[row["id"]]
    for rank, hit in enumerate(row["hits"], 1):
        if hit.split("-copy")[0] in wanted:
            return 1 / rank
    return 0.0


def time_ndcg(caps: list[int]) -> dict[int, tuple[float, float]]:
    """Return, per cap, TIME's nDCG@10 on the odd- and the even-numbered judged queries."""
    from search.config import Settings
    from search.engines import open_engine
    from search.entities import EntityTable
    from search.indexing import index_paths
    from search.query import build_request

    docs, queries, qrels = prepare_time(TIME)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "docs.jsonl"
        records.write_text("".join(json.dumps(d) + "\n" for d in docs))
        engine = open_engine(Settings(index_dir=f"{tmp}/index"), create=True)
        index_paths([str(records)], engine, EntityTable.load(None))
        engine.close()
        for cap in caps:
            engine = open_engine(Settings(index_dir=f"{tmp}/index",
                                          max_query_words=cap or NO_CAP))
            halves: dict[bool, list[float]] = {True: [], False: []}
            for qid, text in queries.items():
                if qrels.get(qid):
                    hits = engine.search(build_request(user_query(text), per_page=10)).hits
                    halves[int(qid) % 2 == 1].append(ndcg_at_10([h.id for h in hits], qrels[qid]))
            engine.close()
            out[cap] = (sum(halves[True]) / len(halves[True]),
                        sum(halves[False]) / len(halves[False]))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker(argv[1], int(argv[2]), argv[3])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.pasted",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--index", help="a folder to build the index in once and reuse")
    parser.add_argument("--caps", default="8,16,24,32,48,64,0")
    args = parser.parse_args(argv)
    caps = [int(c) for c in args.caps.split(",")]
    records = reuters_records(REUTERS)
    bodies: dict[str, set[str]] = {}
    for record in records:
        bodies.setdefault(record["body"], set()).add(record["id"])
    same_body = {i: ids for ids in bodies.values() for i in ids}
    items = paragraphs(records)
    words = sorted(len(set(i["text"].lower().split())) for i in items)
    print(f"{len(items)} Reuters paragraphs of {LENGTHS} characters, "
          f"{words[0]}-{words[-1]} distinct words (median {words[len(words) // 2]})")
    folder = Path(args.index or tempfile.mkdtemp(prefix="nf-pasted-")) / f"size{args.size}"
    if not folder.exists():
        build_index(records, args.size, folder)
    ndcg = time_ndcg(caps)
    print("\n| cap | TIME nDCG@10 odd (train) | even (dev) | Reuters MRR train | dev "
          "| cold ms (max of 3) | warm p50 / p95 / max ms | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for cap in caps:
            rows = reuters_runs(folder, cap, items, Path(tmp))
            mrr = {half: [reciprocal_rank(r, same_body) for r in rows if r["train"] == half]
                   for half in (True, False)}
            cold = [r["ms"] for r in rows if r["cold"]]
            warm = [r["ms"] for r in rows if not r["cold"]]
            errors = sum(r["error"] is not None for r in rows)
            print(f"| {cap or 'none'} | {ndcg[cap][0]:.3f} | {ndcg[cap][1]:.3f} | "
                  f"{sum(mrr[True]) / len(mrr[True]):.3f} | "
                  f"{sum(mrr[False]) / len(mrr[False]):.3f} "
                  f"| {max(cold):.0f} | {percentile(warm, 50):.0f} / {percentile(warm, 95):.0f} / "
                  f"{max(warm):.0f} | {errors} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
