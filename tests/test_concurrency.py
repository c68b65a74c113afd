"""``newsfacet serve`` (waitress, a real subprocess) keeps answering while ``newsfacet index``
writes to the same index: 0 failed requests, and every answer shows whole articles and an
article count that some commit really had."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import pytest

from bench.load import ROOT, mixed_urls, run_load, serving

PART = 150
EXTRA = 40
RUNS = 5

pytestmark = pytest.mark.slow


def write_records(path, prefix: str, version: int, count: int) -> None:
    """Records whose title and every paragraph name the same version, to spot a torn read."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            paragraphs = [f"Paragraph {p} of version {version}: the embassy in Baghdad."
                          for p in range(4)]
            handle.write(json.dumps({"id": f"{prefix}-{i:04d}", "title": f"Story {i} v{version}",
                                     "body": "\n\n".join(paragraphs)}) + "\n")


def index(corpus, index_dir) -> None:
    subprocess.run([sys.executable, "-m", "search", "index", str(corpus), "--index",
                    str(index_dir)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def check_answer(valid_counts):
    def check(kind: str, path: str, body: bytes) -> str | None:
        if kind == "api_article":
            article = json.loads(body)
            versions = set(re.findall(r"version (\d+)", article["body"]))
            title_version = article["title"].rsplit(" v", 1)[1]
            if (len(versions) != 1 or versions != {title_version}
                or article["body"].count("Paragraph") != 4):
                return f"torn article on {path}: {article['title']!r} / {sorted(versions)}"
        elif kind == "api_search" and "q=&" not in path and "format=csv" not in path:
            data = json.loads(body)
            for hit in data["hits"]:
                if not hit["title"].startswith("Story "):
                    return f"odd hit on {path}: {hit['title']!r}"
        elif kind == "healthz":
            count = json.loads(body)["articles"]
            if count not in valid_counts:
                return f"/healthz counted {count} articles: no commit had that many"
        return None
    return check


def test_serve_answers_while_index_writes(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_records(corpus / "part.jsonl", "p", 0, PART)
    index(corpus, index_dir)
    # Each run is one commit (fewer than BATCH_SIZE articles), so readers see whole runs only.
    valid_counts = {PART + EXTRA * run for run in range(RUNS + 1)}
    writer_errors: list[BaseException] = []

    def writer() -> None:
        try:
            for run in range(1, RUNS + 1):
                write_records(corpus / "part.jsonl", "p", run, PART)
                write_records(corpus / f"extra{run}.jsonl", f"e{run}", run, EXTRA)
                index(corpus, index_dir)
        except BaseException as exc:  # reported by the main thread
            writer_errors.append(exc)

    server_log: list[str] = []
    with serving(str(index_dir), threads=8, log=server_log) as (host, port):
        urls = mixed_urls(host, port) + [("healthz", "/healthz")] * 10
        thread = threading.Thread(target=writer)
        thread.start()
        results = []
        while thread.is_alive() or not results:
            results.append(run_load(host, port, urls, duration=2, connections=16,
                                    check=check_answer(valid_counts)))
        thread.join()
        final = run_load(host, port, [("healthz", "/healthz")], duration=0.5, connections=2,
                         check=check_answer({PART + EXTRA * RUNS}))
    assert not writer_errors
    requests = sum(r.requests for r in results)
    errors = [s for r in results + [final] for s in r.samples]
    assert requests > 100
    assert sum(r.errors for r in results + [final]) == 0, (errors, "".join(server_log)[-4000:])
    print(f"\n{requests} requests during {RUNS} index runs, 0 failed")


def test_load_script_short_run(capsys):
    """bench/load.py for 5 s at 32 connections on the seeds: 0 errors (the 60 s run is in the
    README)."""
    from bench.load import main

    assert main(["--duration", "5", "--connections", "32"]) == 0
    out = capsys.readouterr().out
    assert "errors 0," in out and "p99" in out
