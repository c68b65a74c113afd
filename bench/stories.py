"""Story ids on Reuters-21578: build rate with and without near-duplicate detection, stories
merged, and a sample of merged pairs with their shingle Jaccard.

    .venv/bin/python -m bench.stories [--sample 20] [--out bench/out/stories.json]

Both builds run the full pipeline in this process (one worker, as `newsfacet index` does by
default) on the 19,771 Reuters articles that have a body, into fresh temporary indexes. "Without"
replaces the fingerprint with None, so every article starts its own story: what remains is the
cost of the rest of the pipeline and of writing the index.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.corpus import reuters_records, write_corpus


def build(corpus: Path, folder: Path, dedupe: bool) -> dict:
    """Index the corpus into ``folder``; return seconds, articles/s and the report."""
    from search import pipeline
    from search.config import Settings
    from search.engines import open_engine
    from search.entities import EntityTable
    from search.indexing import index_paths

    original = pipeline.fingerprint
    if not dedupe:
        pipeline.fingerprint = lambda body: None
    try:
        engine = open_engine(Settings(index_dir=str(folder)), create=True)
        start = time.perf_counter()
        report = index_paths([str(corpus)], engine, EntityTable.load(None))
        seconds = time.perf_counter() - start
        engine.close()
    finally:
        pipeline.fingerprint = original
    done = len(report.added) + len(report.updated)
    return {"seconds": round(seconds, 1), "articles": done, "per_second": round(done / seconds),
            "merged": report.merged}


def stories(folder: Path) -> dict[str, list]:
    """Return the articles of each story with more than one article."""
    from search.config import Settings
    from search.engines import open_engine
    from search.models import SearchRequest

    engine = open_engine(Settings(index_dir=str(folder)))
    members: dict[str, list] = defaultdict(list)
    _, articles = engine.export(SearchRequest(sort="oldest", with_facets=False), 1_000_000)
    for article in articles:
        members[article.story].append(article)
    start = time.perf_counter()
    engine.search(SearchRequest(collapse=True, with_facets=False))
    first_collapse = time.perf_counter() - start
    engine.close()
    return {"shared": {s: a for s, a in members.items() if len(a) > 1},
            "first_collapsed_search_s": round(first_collapse, 2)}


def dedupe_cost(records: list[dict]) -> dict:
    """Return the time fingerprinting and assigning story ids takes alone, per article: the
    part of a build that dedupe adds, measured apart from the rest (less noisy on a shared
    machine than the difference of two builds)."""
    from search.models import Article
    from search.stories import StoryIndex, fingerprint

    start = time.perf_counter()
    prints = [fingerprint(r["body"]) for r in records]
    shingling = time.perf_counter() - start
    index = StoryIndex(lambda article_id: None)
    start = time.perf_counter()
    for record, fp in zip(records, prints, strict=True):
        index.assign(Article(id=record["id"], source="", body=record["body"], content_hash="1"), fp)
    assigning = time.perf_counter() - start
    return {"fingerprint_us": round(shingling / len(records) * 1e6),
            "assign_us": round(assigning / len(records) * 1e6),
            "total_s": round(shingling + assigning, 1)}


def sample_pairs(shared: dict[str, list], size: int, seed: int = 1987) -> list[dict]:
    """Return ``size`` random pairs of articles sharing a story, with their shingle Jaccard."""
    from search.stories import jaccard, shingles

    rng = random.Random(seed)
    chosen = rng.sample(sorted(shared), min(size, len(shared)))
    out = []
    for story in chosen:
        a, b = rng.sample(shared[story], 2)
        out.append({"story": story,
                    "jaccard": round(jaccard(shingles(a.body), shingles(b.body)), 3),
                    "a": {"id": a.id, "title": a.title}, "b": {"id": b.id, "title": b.title}})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--out", default="bench/out/stories.json")
    args = parser.parse_args()
    records = reuters_records()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(records, len(records), Path(tmp) / "reuters.jsonl")
        without = build(corpus, Path(tmp) / "plain", dedupe=False)
        print(f"without dedupe: {without['articles']} articles in {without['seconds']} s, "
              f"{without['per_second']} articles/s")
        with_ = build(corpus, Path(tmp) / "stories", dedupe=True)
        print(f"with dedupe:    {with_['articles']} articles in {with_['seconds']} s, "
              f"{with_['per_second']} articles/s ({with_['merged']} articles joined a story)")
        found = stories(Path(tmp) / "stories")
    cost = dedupe_cost(records)
    print(f"dedupe alone: {cost['total_s']} s for {len(records)} articles "
          f"(fingerprint {cost['fingerprint_us']} us + story assignment {cost['assign_us']} us "
          "an article)")
    shared = found["shared"]
    sizes = sorted((len(a) for a in shared.values()), reverse=True)
    in_shared = sum(sizes)
    print(f"{len(shared)} stories have more than one article ({in_shared} articles; "
          f"{in_shared - len(shared)} folded away by collapsing); largest: {sizes[:5]}")
    print(f"first collapsed search on a fresh engine: {found['first_collapsed_search_s']} s")
    largest = max(shared.values(), key=len)
    print(f"largest story ({len(largest)}): " + " | ".join(a.title[:40] for a in largest[:6]))
    pairs = sample_pairs(shared, args.sample)
    for pair in pairs:
        print(f"  {pair['jaccard']:.2f}  {pair['a']['title'][:55]!s:<55} | "
              f"{pair['b']['title'][:55]}")
    result = {"corpus": "Reuters-21578 (articles with a body)", "without_dedupe": without,
              "with_dedupe": with_, "dedupe_alone": cost, "shared_stories": len(shared),
              "articles_in_shared": in_shared,
              "largest": sizes[:10], "first_collapsed_search_s": found["first_collapsed_search_s"],
              "sample": pairs}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
