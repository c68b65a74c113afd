"""Segment merges: Whoosh's own writer against ours, on the same segments, in one run.

    .venv/bin/python -m bench.merge [--articles 20000] [--batch 5000] [--rounds 2]

Writes ``--articles`` Reuters-21578 articles (amplified with new ids past 19,771, as
``bench.corpus``) in batches of ``--batch``, one segment each and no merging (as an indexing run
writes them before ``MERGE_SMALL`` merges them), then merges every segment into one, each time
on a fresh copy of those segments, with:

- ``whoosh``: Whoosh's ``SegmentWriter`` (every posting of the merged segments put through its
  sorting pool, sorted again, read back);
- ``matcher``: our ``Writer`` reading each merged segment as session 6 landed it: its postings
  through Whoosh's public reader calls (a term lookup and a matcher per term, five calls per
  posting) and its field lengths through Whoosh's ``write_per_doc`` (one call per document and
  field); the new segment's lengths are read a field at a time in both;
- ``ours``: our ``Writer`` as it is (terms read in file order, postings a block at a time, field
  lengths a field at a time).

Prints seconds and merged articles/s for each, best of ``--rounds``, and the ratios to Whoosh's.
The written segments are the same (``tests/test_whoosh_writer.py``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from unittest import mock

from whoosh import index
from whoosh.writing import SegmentWriter

from bench.corpus import amplified, reuters_records
from search.engines.whoosh import writer as writer_module
from search.engines.whoosh.engine import build_schema, document
from search.engines.whoosh.writer import Writer
from search.models import Article


def write_segments(folder: Path, articles: int, batch: int) -> None:
    ix = index.create_in(str(folder), build_schema())
    records = list(amplified(reuters_records(), articles))
    for start in range(0, len(records), batch):
        writer = Writer(ix, limitmb=256)
        for record in records[start:start + batch]:
            writer.add_document(**document(Article(
                id=record["id"], source=record["id"], title=record.get("title"),
                body=record["body"], outlet=record.get("outlet") or "Reuters")))
        writer.commit(merge=False)
    ix.close()


def merge_all(segments: Path, work: Path, writer_class) -> float:
    """Return the seconds a merge of every segment of a copy of ``segments`` takes."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(segments, work)
    ix = index.open_dir(str(work))
    start = time.perf_counter()
    writer = writer_class(ix, limitmb=256)
    writer.commit(optimize=True)
    seconds = time.perf_counter() - start
    ix.close()
    shutil.rmtree(work)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsfacet-merge-") as tmp:
        segments, work = Path(tmp) / "segments", Path(tmp) / "work"
        segments.mkdir()
        write_segments(segments, args.articles, args.batch)
        count = len(index.open_dir(str(segments))._segments())
        print(f"{args.articles:,} articles in {count} segments of {args.batch:,}; "
              f"best of {args.rounds}")
        ways = {
            "whoosh": lambda: merge_all(segments, work, SegmentWriter),
            "matcher": lambda: _with_matcher_stream(lambda: merge_all(segments, work, Writer)),
            "ours": lambda: merge_all(segments, work, Writer),
        }
        best = {name: float("inf") for name in ways}
        for _ in range(args.rounds):  # interleaved, so load changes touch every way alike
            for name, run in ways.items():
                best[name] = min(best[name], run())
        print("| writer | merge s | articles/s | vs Whoosh |")
        print("| --- | --- | --- | --- |")
        for name, seconds in best.items():
            print(f"| {name} | {seconds:.1f} | {args.articles / seconds:,.0f} | "
                  f"{best['whoosh'] / seconds:.2f}x |")


def _with_matcher_stream(run):
    with mock.patch.object(writer_module, "_segment_postings", writer_module.matcher_postings), \
            mock.patch.object(writer_module.Writer, "write_per_doc", SegmentWriter.write_per_doc):
        return run()


if __name__ == "__main__":
    main()
