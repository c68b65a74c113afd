"""What one batch costs the story sidecar as it grows: 5,000 more articles into a copy of a
built index's ``stories.sqlite``, timed by stage.

    .venv/bin/python -m bench.story_batch SIDECAR [SIDECAR ...] [--corpus CORPUS]
        [--batch 5000] [--skip 100000] [--work DIR]

Each sidecar (e.g. ``bench-500k/100000/index/stories.sqlite`` and ``.../500000/...`` that
``bench.perf --out`` leaves) is copied to ``--work`` and given the same batch: ``--batch``
records of the amplified corpus from line ``--skip`` on, under new ids (``-extra``), as one
indexing run's batch (``StoryIndex.assign`` per article, then ``save``). Fingerprints are made
beforehand and not timed; candidates' bodies come from the Reuters originals. Printed per
sidecar: articles in it, seconds in the lookups (an article's previous row, its candidates),
in the row inserts, in the commit (with its checkpoint), the bytes the batch wrote to the
write-ahead log, and the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from bench.corpus import reuters_records
from search.models import Article
from search.stories import SIDECAR, StoryIndex, fingerprint


def batch_articles(corpus: Path | None, skip: int, count: int) -> list[Article]:
    """Return ``count`` articles of the amplified corpus from record ``skip`` on, new ids."""
    out = []
    if corpus is None:
        records = reuters_records()
        rows = (records[n % len(records)] for n in range(skip, skip + count))
    else:
        with corpus.open(encoding="utf-8") as handle:
            lines = (json.loads(line) for n, line in enumerate(handle)
                     if skip <= n < skip + count)
            rows = iter(list(lines))
    for n, row in enumerate(rows):
        out.append(Article(id=f"{row['id']}-extra{n}", source="bench", body=row["body"],
                           title=row.get("title"), content_hash=f"h{skip + n}"))
    return out


def original_id(article_id: str) -> str:
    return article_id.split("-copy", 1)[0].split("-extra", 1)[0]


def measure(sidecar: Path, work: Path, articles: list[Article], bodies: dict) -> dict:
    """Copy the sidecar to ``work``; assign and save one batch there; return the figures."""
    target = work / SIDECAR
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(sidecar, target)
    prints = [fingerprint(a.body) for a in articles]
    index = StoryIndex(lambda i: bodies.get(original_id(i)), target)
    size = index._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    index._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # (an older sidecar's move, done)
    timings = {"inserts": 0.0}
    original_add = index._add

    def timed(name, func):
        def run(*args):
            start = time.perf_counter()
            try:
                return func(*args)
            finally:
                timings[name] += time.perf_counter() - start
        return run

    index._add = timed("inserts", original_add)  # type: ignore[method-assign]
    start = time.perf_counter()
    for article, fp in zip(articles, prints, strict=True):
        index.assign(article, fp)
    assigned = time.perf_counter() - start
    wal = Path(f"{target}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    start = time.perf_counter()
    index.committed()
    index.save()
    saved = time.perf_counter() - start
    wal_after = wal.stat().st_size if wal.exists() else 0
    pages = index._db.execute("PRAGMA page_count").fetchone()[0]
    page = index._db.execute("PRAGMA page_size").fetchone()[0]
    index.close()
    return {"sidecar": str(sidecar), "articles_before": size, "batch": len(articles),
            "assign_s": assigned, "lookups_s": assigned - timings["inserts"],
            "inserts_s": timings["inserts"], "save_s": saved, "total_s": assigned + saved,
            "wal_mb": max(wal_before, wal_after) / 2**20, "merged": index.merged,
            "file_mb": pages * page / 2**20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sidecars", nargs="+", type=Path)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="JSON Lines corpus (default: Reuters amplified in memory)")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--skip", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("bench/out/story_batch"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    bodies = {r["id"]: r["body"] for r in reuters_records()}
    articles = batch_articles(args.corpus, args.skip, args.batch)
    print("| sidecar | articles | lookups s | inserts s | assign s | save s | total s "
          "| WAL MB | file MB | merged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sidecar in args.sidecars:
        got = measure(sidecar, args.work, articles, bodies)
        print(f"| {sidecar.parent.parent.name} | {got['articles_before']:,} "
              f"| {got['lookups_s']:.2f} | {got['inserts_s']:.2f} | {got['assign_s']:.2f} "
              f"| {got['save_s']:.2f} | {got['total_s']:.2f} | {got['wal_mb']:.0f} "
              f"| {got['file_mb']:.0f} | {got['merged']:,} |", flush=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.work / SIDECAR}{suffix}").unlink(missing_ok=True)
    os.sync()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
