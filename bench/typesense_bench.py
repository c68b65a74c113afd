"""The Typesense column of ``bench.perf``: same corpus, same queries, same run.

    .venv/bin/python -m bench.perf --sizes 10000 --typesense --skip-http --skip-html

For each size a fresh single-node Typesense server (the binary from the typesense extra, on
127.0.0.1, data in the size's work folder) is started; ``newsfacet index --engine typesense``
builds the collection through the same pipeline as the Whoosh index (articles/s); the fixed
query set runs through the Python API, facets and snippets included (p50/p95); and the
server's resident memory is read before and after the import, which gives bytes per article
for the sizing notes in docs/typesense.md.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from collections.abc import Callable

KEY = "bench-key"


def bench_typesense(corpus: Path, work: Path, size: int, repeat: int,
                    measure: Callable, cases: list, timed_child: Callable,
                    newsfacet: list[str]) -> dict:
    """Return build, query and memory figures of Typesense on ``corpus``."""
    from search.config import Settings
    from search.engines import open_engine
    from search.engines.typesense.local import LocalServer
    from search.query import build_request

    data = work / "typesense-data"
    shutil.rmtree(data, ignore_errors=True)
    server = LocalServer(data, KEY).start()
    try:
        server.wait_healthy()
        time.sleep(1.0)  # let the fresh server settle before the baseline reading
        rss_before = server.rss_bytes()
        os.environ.update(NEWSFACET_TYPESENSE_NODES=server.url, NEWSFACET_TYPESENSE_API_KEY=KEY,
                          NEWSFACET_TYPESENSE_COLLECTION="bench")
        seconds, peak, out = timed_child(newsfacet + ["index", str(corpus), "--engine",
                                                      "typesense", "--json"])
        articles = json.loads(out)["articles"]
        time.sleep(2.0)  # background compaction settles
        rss_after = server.rss_bytes()
        engine = open_engine(Settings.from_env(engine="typesense"))

        def run(text: str, filters: dict):
            request = build_request(text, entities=filters.get("entity", ()),
                                    months=filters.get("month", ()))
            return engine.search(request)

        times = measure(run, cases, repeat)
        engine.close()
    finally:
        server.stop()
    times.sort()

    def pick(pct: float) -> float:
        return times[min(len(times) - 1, int(round(pct / 100 * (len(times) - 1))))]

    return {
        "build": {"articles": articles, "build_s": seconds, "articles_per_s": size / seconds,
                  "client_peak_rss_mb": peak},
        "queries": {"p50_ms": pick(50), "p95_ms": pick(95)},
        "memory": {"server_rss_before_mb": rss_before / 1e6, "server_rss_after_mb": rss_after / 1e6,
                   "bytes_per_article": (rss_after - rss_before) / max(articles, 1)},
    }


def print_typesense(result: dict) -> None:
    build, memory = result["build"], result["memory"]
    print(f"typesense build: {build['articles_per_s']:.0f} articles/s ({build['build_s']:.1f} s, "
          f"newsfacet index peak RSS {build['client_peak_rss_mb']} MB); server RSS "
          f"{memory['server_rss_before_mb']:.0f} -> {memory['server_rss_after_mb']:.0f} MB = "
          f"{memory['bytes_per_article']:,.0f} bytes per article")
