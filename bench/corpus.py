"""Benchmark corpora: the Reuters-21578 JSON Lines, amplified with new ids past 21,578.

Copies beyond the first 21,578 articles are the same stories under new ids (marked
``-copyN``): term statistics repeat, so large runs measure throughput and memory, not ranking.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
# The shared data beside the checkout; NEWSFACET_SHARED names another place (the tests use it
# to check that every test needing a corpus skips, saying why, when it is missing).
SHARED = Path(os.environ.get("NEWSFACET_SHARED") or ROOT.parent / "shared")
REUTERS = SHARED / "corpus" / "reuters21578.jsonl.gz"
TYPES = {"places": "place", "people": "person", "orgs": "org", "exchanges": "org"}


def reuters_records(path: Path = REUTERS) -> list[dict]:
    """Return the Reuters articles that have a body, as newsfacet JSON Lines records."""
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if not item.get("body", "").strip():
                continue
            entities = [{"name": code, "type": kind} for field, kind in TYPES.items()
                        for code in item.get(field) or ()]
            records.append({"id": item["id"], "title": item["title"], "body": item["body"],
                            "date": item["date"][:10], "outlet": item.get("outlet"),
                            "entities": entities})
    return records


def amplified(records: list[dict], size: int) -> Iterator[dict]:
    """Yield ``size`` records, cycling through ``records`` with new ids after the first pass."""
    for n in range(size):
        record = records[n % len(records)]
        copy = n // len(records)
        yield record if copy == 0 else {**record, "id": f"{record['id']}-copy{copy}"}


def write_corpus(records: list[dict], size: int, target: Path) -> Path:
    """Write a JSON Lines corpus of ``size`` articles and return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        for record in amplified(records, size):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target
