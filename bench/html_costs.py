"""What one HTML page costs, part by part, beside trafilatura alone (CPU time, one process).

    .venv/bin/python -m bench.html_costs [--rounds 3]

On the 40 pages of ``extraction-bench/dev`` (the pages of ``bench.perf``'s HTML comparison),
warmed up once, best of ``--rounds``: ``trafilatura.extract`` as ``bench.perf`` calls it; our
cleaner (``clean_html``: trafilatura's extraction plus the page's metadata and chrome rules);
the entity recogniser with the table (``find_entities`` on the cleaned title and text); and the
whole pipeline of one page (``process``: cleaning, metadata, entities, credit, story
fingerprint), which an indexing worker runs. Indexing the articles (Whoosh) is the parent
process's and is timed by ``bench.perf``'s whole run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import trafilatura

from bench.perf import EXTRACTION_DEV
from search.cleaner import clean_html
from search.entities import EntityTable, ner
from search.ingest.sources import RawDocument, iter_documents
from search.metadata import extract_metadata
from search.pipeline import clean_document, process


def per_page_ms(func: Callable[[RawDocument], object], docs: list[RawDocument],
                rounds: int) -> float:
    """Return the least CPU milliseconds a page of ``func`` over ``rounds`` passes."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for doc in docs:
            func(doc)
        best = min(best, time.process_time() - start)
    return best / len(docs) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    docs = [d for d in iter_documents([str(EXTRACTION_DEV)], 20_000_000)
            if isinstance(d, RawDocument) and d.kind == "html"]
    if not docs:
        raise SystemExit(f"no HTML pages in {EXTRACTION_DEV}")
    table = EntityTable.load(None)
    cleaned = {d.source: clean_document(d) for d in docs}
    titles = {s: extract_metadata(c, {}).title for s, c in cleaned.items()}
    parts = {
        "trafilatura.extract (trafilatura alone)": lambda d: trafilatura.extract(d.content),
        "clean_html": lambda d: clean_html(d.content),
        "find_entities (table and recogniser)":
            lambda d: ner.find_entities(table, titles[d.source], cleaned[d.source].body),
        "process (a worker's whole page)": lambda d: process(d, table),
    }
    for func in parts.values():  # warm up: first calls fill caches and lazy lists
        for doc in docs:
            func(doc)
    words = sum(len(c.body.split()) for c in cleaned.values()) / len(docs)
    print(f"{len(docs)} pages of {EXTRACTION_DEV}, {words:.0f} words of text each on average; "
          f"CPU ms a page, best of {args.rounds}")
    for name, func in parts.items():
        print(f"  {name:<42} {per_page_ms(func, docs, args.rounds):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
