"""What recognising entities costs an article: the table alone against the table plus the
bundled recogniser, on the same Reuters-21578 articles in one run (best of three passes).

Usage: python -m bench.ner [N]   (N articles with a body, default 3000)
"""

from __future__ import annotations

import gzip
import os
import sys
import time

from search.entities import EntityTable, ner
from search.entities.ner.recogniser import MODEL_PATH, Model

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


def main(argv: list[str]) -> int:
    size = int(argv[0]) if argv else 3000
    records = reuters_records()[:size]
    texts = [(r["title"], " ".join(r["body"].split())) for r in records]
    words = sum(len(t.split()) + len(b.split()) for t, b in texts)
    table = EntityTable.load()
    os.environ.pop(ner.NER_ENV, None)
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
    with gzip.open(MODEL_PATH, "rb") as stream:
        unpacked = len(stream.read())
    print(f"model: {MODEL_PATH.stat().st_size / 1e6:.2f} MB on disk, {unpacked / 1e6:.1f} MB "
          f"unpacked, loaded in {load:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
