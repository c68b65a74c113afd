"""What one batch costs the story sidecar as it grows: 5,000 more articles into a copy of a
built index's ``stories.sqlite``, timed by stage.

    .venv/bin/python -m bench.story_batch SIDECAR [SIDECAR ...] [--corpus CORPUS]
        [--batch 5000] [--batches 2] [--skip 100000] [--warm 5000] [--work DIR]

Each sidecar (e.g. ``bench-500k/100000/index/stories.sqlite`` and ``.../500000/...`` that
``bench.perf --out`` leaves) is copied to ``--work`` and given the same ``--batches``
batches of ``--batch`` records of the amplified corpus from line ``--skip`` on, under new ids
(``-extra``), as an indexing run's batches (``StoryIndex.assign`` per article, then
``save``), after an untimed batch of the ``--warm`` records before them (a build's earlier
batch: the page cache filled as in a run, an older sidecar moved to the current table).
Fingerprints are made beforehand and not timed; candidates' bodies come from the Reuters
originals. Printed per sidecar, as means per batch (a checkpoint made every few batches
counts in its share): articles in it, seconds in the lookups (an article's previous row, its
candidates), in the row inserts, in the commit (with its checkpoint), the largest write-ahead
log seen, and the file's size.
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
        out.append(Article(id=f"{row['id']}-extra{skip + n}", source="bench", body=row["body"],
                           title=row.get("title"), content_hash=f"h{skip + n}"))
    return out


def original_id(article_id: str) -> str:
    return article_id.split("-copy", 1)[0].split("-extra", 1)[0]


def measure(sidecar: Path, work: Path, batches: list[list[Article]], bodies: dict,
            warm: list[Article]) -> dict:
    """Copy the sidecar to ``work``; assign and save ``warm`` there untimed (the run's batch
    before, which fills the page cache as a build's earlier batches do), then the batches
    timed; return the figures per batch (means) and the largest write-ahead log seen."""
    target = work / SIDECAR
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(sidecar, target)
    prints = [[fingerprint(a.body) for a in batch] for batch in batches]
    index = StoryIndex(lambda i: bodies.get(original_id(i)), target)
    size = index._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    for article, fp in zip(warm, [fingerprint(a.body) for a in warm], strict=True):
        index.assign(article, fp)
    index.committed()
    index.save()
    index._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # (an older sidecar's move, done)
    timings = {"inserts": 0.0}
    original_add = index._add

    def timed_add(*args):
        start = time.perf_counter()
        try:
            return original_add(*args)
        finally:
            timings["inserts"] += time.perf_counter() - start

    index._add = timed_add  # type: ignore[method-assign]
    wal = Path(f"{target}-wal")
    assigned = saved = 0.0
    wal_mb = 0.0
    for batch, batch_prints in zip(batches, prints, strict=True):
        start = time.perf_counter()
        for article, fp in zip(batch, batch_prints, strict=True):
            index.assign(article, fp)
        assigned += time.perf_counter() - start
        wal_mb = max(wal_mb, (wal.stat().st_size if wal.exists() else 0) / 2**20)
        start = time.perf_counter()
        index.committed()
        index.save()
        saved += time.perf_counter() - start
        wal_mb = max(wal_mb, (wal.stat().st_size if wal.exists() else 0) / 2**20)
    pages = index._db.execute("PRAGMA page_count").fetchone()[0]
    page = index._db.execute("PRAGMA page_size").fetchone()[0]
    index.close()
    n = len(batches)
    return {"sidecar": str(sidecar), "articles_before": size, "batches": n,
            "assign_s": assigned / n, "lookups_s": (assigned - timings["inserts"]) / n,
            "inserts_s": timings["inserts"] / n, "save_s": saved / n,
            "total_s": (assigned + saved) / n, "wal_mb": wal_mb, "merged": index.merged,
            "file_mb": pages * page / 2**20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sidecars", nargs="+", type=Path)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="JSON Lines corpus (default: Reuters amplified in memory)")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--skip", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=2,
                        help="batches timed, one after the other (figures are means)")
    parser.add_argument("--warm", type=int, default=5000,
                        help="articles of an untimed batch before (the records before --skip)")
    parser.add_argument("--work", type=Path, default=Path("bench/out/story_batch"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    bodies = {r["id"]: r["body"] for r in reuters_records()}
    batches = [batch_articles(args.corpus, args.skip + n * args.batch, args.batch)
               for n in range(args.batches)]
    warm = batch_articles(args.corpus, args.skip - args.warm, args.warm) if args.warm else []
    print("| sidecar | articles | lookups s | inserts s | assign s | save s | total s "
          "| WAL MB | file MB | merged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sidecar in args.sidecars:
        got = measure(sidecar, args.work, batches, bodies, warm)
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
