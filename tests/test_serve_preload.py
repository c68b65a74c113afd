"""``newsfacet serve`` loads the index once in the process its workers are forked from: the
workers share what it built, never its open files, and a newer generation written while they
run is served by each of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bench.load import ROOT, serving
from search.engines.whoosh import docs as whoosh_docs
from search.engines.whoosh import engine as whoosh
from search.engines.whoosh import stories as whoosh_stories
from search.models import SearchRequest
from tests.conftest import hit_ids
from web.server import preload


def open_index_files(index_dir) -> list[str]:
    """Return the files of the index folder this process has open."""
    folder = os.path.realpath(index_dir)
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed since listed (listdir's own descriptor)
            continue
        if target.startswith(folder + os.sep):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
def test_preload_builds_what_searches_read_and_leaves_no_file_open(app, settings, monkeypatch):
    for module, name in ((whoosh_docs, "_docsets"), (whoosh_stories, "_tables"),
                         (whoosh, "_saved_arrays"), (whoosh, "_vocabularies")):
        monkeypatch.setattr(module, name, whoosh_docs.GenerationCache())
    before = open_index_files(settings.index_dir)
    preload(app)
    # Descriptors left open would be shared by the forked workers, file offsets and all.
    assert open_index_files(settings.index_dir) == before
    (built,) = whoosh_docs._docsets._values.values()
    assert len(built._orders) == 4 and set(built._norms) == {"title", "body"}

    def refuse(*args, **kwargs):
        raise AssertionError("built again after the preload")

    monkeypatch.setattr(whoosh_docs.DocSets, "__init__", refuse)
    monkeypatch.setattr(whoosh_stories.StoryTable, "__init__", refuse)
    answers = {}

    def request_thread() -> None:  # a worker's request thread: an engine of its own
        client = app.test_client()
        answers["search"] = client.get("/api/search?q=embassy&sort=newest").get_json()
        answers["collapsed"] = client.get("/api/search?q=&collapse=1").get_json()

    thread = threading.Thread(target=request_thread)
    thread.start()
    thread.join()
    assert {h["id"] for h in answers["search"]["hits"]} == {"a1", "a3"}
    assert answers["collapsed"]["total"] == 4


def test_a_preloaded_app_serves_a_newer_generation(app, engine):
    preload(app)
    client = app.test_client()
    militia = hit_ids(engine.search(SearchRequest(query="militia")))
    assert militia == {"a2", "a4"}
    assert client.get("/api/search?q=militia").get_json()["total"] == 2
    engine.remove(militia)  # a new generation, after the preload
    assert client.get("/api/search?q=militia").get_json()["total"] == 0
    assert client.get("/healthz").get_json()["articles"] == 2
    assert {h["id"] for h in client.get("/api/search?q=").get_json()["hits"]} == {"a1", "a3"}


def index(corpus, index_dir) -> None:
    subprocess.run([sys.executable, "-m", "search", "index", str(corpus), "--index",
                    str(index_dir)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def write_records(path, word: str, count: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({"id": f"{word}-{i:03d}", "title": f"Report {i}",
                                     "body": f"A report on {word} in the region."}) + "\n")


def get(host: str, port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_both_workers_serve_the_generation_indexed_after_they_started(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_records(corpus / "a.jsonl", "harbour", 30)
    index(corpus, index_dir)
    log: list[str] = []
    with serving(str(index_dir), threads=2, args=["--workers", "2"], log=log) as (host, port):
        # Many requests at once, so that both workers answer some of them.
        def totals(word: str) -> set[int]:
            seen: list[int] = []

            def ask() -> None:
                for _ in range(5):
                    seen.append(get(host, port, f"/api/search?q={word}")["total"])

            threads = [threading.Thread(target=ask) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return set(seen)

        assert totals("harbour") == {30}
        write_records(corpus / "b.jsonl", "glacier", 12)
        index(corpus, index_dir)
        assert totals("glacier") == {12}
        assert totals("harbour") == {30}
        assert get(host, port, "/healthz")["articles"] == 42
    assert "Traceback" not in "".join(log)
