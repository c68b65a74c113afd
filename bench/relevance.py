"""Ranking quality on judged queries: newsfacet (through its CLI) against SQLite FTS5, rank_bm25
and tantivy, in one run on the same articles and queries.

Collection: TIME (SMART; Time magazine news, 1963: 423 articles, 83 natural-language queries,
324 judged relevant pairs) in ``../shared/eval/ranking/time``, prepared exactly as
``../shared/eval/ranking/score_ranking.py`` prepares it: each article is indexed with
``newsfacet index docs.jsonl`` and each query goes through ``newsfacet search QUERY --json
--limit 100`` as a user types it (lower case, punctuation other than . and - removed). The
baselines search the same bodies (TIME articles have no titles), words joined by OR:

- SQLite FTS5: ``porter unicode61`` tokenizer, ``bm25(d, 0, 2, 1)``, as score_ranking.py runs it;
- rank_bm25 ``BM25Okapi`` (k1 1.5, b 0.75) over Porter stems (Whoosh's stemming analyzer);
- tantivy: ``en_stem`` tokenizer, its query parser (OR by default), BM25 k1 1.2, b 0.75.

Reported: nDCG@10, MAP (over the first 100 results), P@10, recall@100 and the share of queries
that return nothing. Needs the ``bench`` extra (``pip install -e '.[bench]'``).

    .venv/bin/python -m bench.relevance [--newsfacet .venv/bin/newsfacet]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable

HERE = Path(__file__).resolve().parent
TIME = HERE.parent.parent / "shared" / "eval" / "ranking" / "time"
DEPTH = 100  # results asked for per query, as score_ranking.py asks
Search = Callable[[str], list[str]]


def prepare_time(raw: Path) -> tuple[list[dict], dict[str, str], dict[str, set[str]]]:
    """Return TIME's articles, queries and judgments, as score_ranking.py reads them."""
    text = (raw / "TIME.ALL").read_text(encoding="latin-1")
    heads = re.findall(r"^\*TEXT (\d+)\s+(.*)$", text, flags=re.M)
    bodies = re.split(r"^\*TEXT .*$", text, flags=re.M)[1:]
    docs = [{"id": f"time-{int(n):03d}", "body": " ".join(b.replace("*STOP", " ").split()),
             "outlet": "TIME"} for (n, _), b in zip(heads, bodies, strict=True)]
    parts = re.split(r"^\*FIND\s+(\d+)\s*$", (raw / "TIME.QUE").read_text(encoding="latin-1"),
                     flags=re.M)
    queries = {parts[i]: " ".join(parts[i + 1].replace("*STOP", " ").split())
               for i in range(1, len(parts), 2)}
    qrels: dict[str, set[str]] = {}
    # TIME.REL.ALL numbers articles in a 425-article order; two are missing between 370 and 378.
    for line in (raw / "TIME.REL.ALL").read_text().splitlines():
        p = line.split()
        if p:
            qrels[p[0]] = {docs[(x - 1) if x <= 370 else (x - 3)]["id"] for x in map(int, p[1:])}
    return docs, queries, qrels


def user_query(text: str) -> str:
    """Return a query as a user types it (score_ranking.py's rule)."""
    text = re.sub(r"[^0-9a-z.\-\s]", " ", text.lower())
    return " ".join(w for w in (w.strip(".-") for w in text.split()) if w)


def _words(query: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"[0-9a-z]+", query.lower())))


# -- systems -------------------------------------------------------------------------------

def newsfacet(command: str, docs: list[dict], work: Path) -> Search:
    """Index the articles with the newsfacet CLI and search through it, as a user would."""
    records = work / "docs.jsonl"
    with records.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc) + "\n")
    index = work / "newsfacet-index"
    done = subprocess.run([command, "index", str(records), "--index", str(index)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"newsfacet index failed: {(done.stderr or done.stdout).strip()[-300:]}")

    def search(query: str) -> list[str]:
        out = subprocess.run([command, "search", query, "--index", str(index), "--json",
                              "--limit", str(DEPTH)], capture_output=True, text=True,
                             check=False)
        if out.returncode:
            return []
        return [hit["id"] for hit in json.loads(out.stdout)["hits"]]
    return search


def fts5(docs: list[dict]) -> Search:
    """SQLite FTS5 with bm25(), words joined by OR (as score_ranking.py runs it)."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, title, body, "
               "tokenize='porter unicode61')")
    db.executemany("INSERT INTO d VALUES (?,?,?)",
                   [(d["id"], d.get("title") or "", d["body"]) for d in docs])

    def search(query: str) -> list[str]:
        words = _words(query)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        return [row[0] for row in db.execute(
            "SELECT id FROM d WHERE d MATCH ? ORDER BY bm25(d, 0.0, 2.0, 1.0) LIMIT ?",
            (match, DEPTH))]
    return search


def rank_bm25(docs: list[dict]) -> Search:
    """rank_bm25's BM25Okapi (its defaults) over Porter stems of title and body."""
    from rank_bm25 import BM25Okapi
    from whoosh.analysis import StemmingAnalyzer

    analyzer = StemmingAnalyzer(stoplist=None, minsize=1)

    def stems(text: str) -> list[str]:
        return [t.text for t in analyzer(text)]

    model = BM25Okapi([stems(f"{d.get('title') or ''} {d['body']}") for d in docs])
    ids = [d["id"] for d in docs]

    def search(query: str) -> list[str]:
        words = list(dict.fromkeys(stems(query)))
        if not words:
            return []
        scores = model.get_scores(words)
        ranked = sorted(range(len(ids)), key=lambda i: (-scores[i], i))
        present = [i for i in ranked if any(w in model.doc_freqs[i] for w in words)]
        return [ids[i] for i in present[:DEPTH]]
    return search


def tantivy_search(docs: list[dict]) -> Search:
    """tantivy with its English stemmer; the query parser ORs the words by default."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for d in docs:
        writer.add_document(tantivy.Document(id=d["id"], title=d.get("title") or "",
                                             body=d["body"]))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def search(query: str) -> list[str]:
        words = _words(query)
        if not words:
            return []
        parsed = index.parse_query(" ".join(words), ["title", "body"], field_boosts={"title": 2.0})
        hits = searcher.search(parsed, DEPTH).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]
    return search


# -- measures ------------------------------------------------------------------------------

def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    found, total = 0, 0.0
    for i, d in enumerate(ranked[:DEPTH]):
        if d in relevant:
            found += 1
            total += found / (i + 1)
    return total / len(relevant) if relevant else 0.0


def measure(search: Search, queries: dict[str, str], qrels: dict[str, set[str]]) -> dict:
    """Return the mean of each measure over the judged queries, and the seconds taken."""
    sums = dict.fromkeys(("ndcg10", "map", "p10", "recall100", "no_result"), 0.0)
    judged = [(qid, text) for qid, text in queries.items() if qrels.get(qid)]
    began = time.perf_counter()
    for qid, text in judged:
        relevant, ranked = qrels[qid], search(user_query(text))
        sums["ndcg10"] += ndcg_at_10(ranked, relevant)
        sums["map"] += average_precision(ranked, relevant)
        sums["p10"] += sum(d in relevant for d in ranked[:10]) / 10
        sums["recall100"] += sum(d in relevant for d in ranked[:DEPTH]) / len(relevant)
        sums["no_result"] += not ranked
    out = {k: v / len(judged) for k, v in sums.items()}
    out["seconds"] = time.perf_counter() - began
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--newsfacet", default=str(Path(sys.executable).parent / "newsfacet"),
                        help="the newsfacet command (default: the one beside this Python)")
    parser.add_argument("--collection", type=Path, default=TIME, help="the TIME folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    docs, queries, qrels = prepare_time(args.collection)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        systems = {"newsfacet (CLI)": lambda: newsfacet(args.newsfacet, docs, Path(tmp)),
                   "SQLite FTS5 (OR)": lambda: fts5(docs),
                   "rank_bm25 BM25Okapi": lambda: rank_bm25(docs),
                   "tantivy (OR)": lambda: tantivy_search(docs)}
        for name, build in systems.items():
            rows[name] = measure(build(), queries, qrels)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    judged = sum(1 for q in queries if qrels.get(q))
    print(f"TIME: {len(docs)} articles, {judged} judged queries, "
          f"{sum(len(qrels[q]) for q in queries if qrels.get(q))} relevant pairs\n")
    print("| system | nDCG@10 | MAP | P@10 | recall@100 | no result |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows.items():
        print(f"| {name} | {r['ndcg10']:.3f} | {r['map']:.3f} | {r['p10']:.3f} | "
              f"{r['recall100']:.3f} | {r['no_result']:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
