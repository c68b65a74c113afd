"""What recognising entities costs an article: the table alone against the table plus the
bundled recogniser, on the same Reuters-21578 articles in one run (best of three passes).

Usage: python -m bench.ner [N] [--index M]   (N articles with a body, default 3000)

``--index M`` also indexes the first M articles (records without their entity codes, one
process, a fresh Whoosh index each time) with recognition off and on, and gives the CPU time
of each and their ratio: what recognition adds to a whole indexing run.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from search.entities import EntityTable, ner
from search.entities.ner.packed import PACKED_PATH, SOURCE_PATH
from search.entities.ner.recogniser import Model

from .corpus import reuters_records


def _best(fn, texts, rounds: int = 3) -> float:
    """Return the least CPU time of this process over ``rounds`` passes (CPU time, not wall
    time: other processes on the machine do not count)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for title, body in texts:
            fn(title, body)
        best = min(best, time.process_time() - start)
    return best


def _index_cpu(records: list[dict], setting: str) -> float:
    """Return the CPU time of this process to index ``records`` with NEWSFACET_NER_MODEL set
    to ``setting`` ("" for the bundled recogniser)."""
    from search.config import Settings
    from search.engines import open_engine
    from search.indexing import index_paths

    os.environ[ner.NER_ENV] = setting
    ner.find_entities(EntityTable.load(), "warm", "Up")  # the model is loaded outside the timing
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "reuters.jsonl"
        corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        engine = open_engine(Settings(index_dir=str(Path(folder) / "ix")), create=True)
        start = time.process_time()
        index_paths([str(corpus)], engine, EntityTable.load())
        spent = time.process_time() - start
        engine.close()
    os.environ.pop(ner.NER_ENV, None)
    return spent


def compare_indexing(size: int) -> None:
    records = [{k: v for k, v in r.items() if k != "entities"} for r in reuters_records()[:size]]
    off = min(_index_cpu(records, "none") for _ in range(2))
    on = min(_index_cpu(records, "") for _ in range(2))
    print(f"indexing {size} articles, CPU: recognition off {off:.1f} s, on {on:.1f} s "
          f"(x{on / off:.2f}; best of two each)")


def main(argv: list[str]) -> int:
    if "--index" in argv:
        at = argv.index("--index")
        compare_indexing(int(argv[at + 1]))
        argv = argv[:at] + argv[at + 2:]
    size = int(argv[0]) if argv else 3000
    records = reuters_records()[:size]
    texts = [(r["title"], " ".join(r["body"].split())) for r in records]
    words = sum(len(t.split()) + len(b.split()) for t, b in texts)
    table = EntityTable.load()
    os.environ.pop(ner.NER_ENV, None)
    start = time.perf_counter()
    Model.load(SOURCE_PATH)
    json_load = time.perf_counter() - start
    start = time.perf_counter()
    Model.load()
    load = time.perf_counter() - start
    ner.find_entities(table, "warm", "Up")
    alone = _best(table.find, texts)
    both = _best(lambda t, b: ner.find_entities(table, t, b, outlets=("Reuters",)), texts)
    n = len(texts)
    print(f"{n} Reuters-21578 articles, {words / n:.0f} words each on average")
    print(f"table alone:           {alone / n * 1e6:8.0f} us an article")
    print(f"table and recogniser:  {both / n * 1e6:8.0f} us an article "
          f"({(both - alone) / words * 1e6:.1f} us a word for recognition)")
    with gzip.open(SOURCE_PATH, "rb") as stream:
        unpacked = len(stream.read())
    print(f"model: {PACKED_PATH.stat().st_size / 1e6:.2f} MB packed, loaded in {load:.3f} s "
          f"(wall); as gzip JSON {SOURCE_PATH.stat().st_size / 1e6:.2f} MB on disk, "
          f"{unpacked / 1e6:.1f} MB unpacked, loaded in {json_load:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
