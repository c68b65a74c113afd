"""What a second `newsfacet index` run costs, and what it says when another run holds the index
(issue 14: both were bugs of the engines' coupling)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

from search.cli import cli
from search.engines.typesense import TypesenseEngine
from search.engines.whoosh import WhooshEngine
from search.stories import SIDECAR

from .conftest import ROOT, TYPESENSE_KEY

WORDS = [f"{a}{b}{c}" for a in "bdfgklmnprstv" for b in "aeiou" for c in "lmnrst"]  # 390 words


def _corpus(path, count: int, changed: int | None = None) -> None:
    """Write ``count`` articles of distinct random text as JSON Lines; ``changed``: the number
    of the one article whose body differs from the first version."""
    rng = random.Random(14)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            body = " ".join(rng.choice(WORDS) for _ in range(120))
            if n == changed:
                body += " an added closing sentence"
            out.write(json.dumps({"id": f"a{n:04d}", "title": f"Article {n}", "body": body}) + "\n")


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def engine_args(request, tmp_path) -> tuple[list[str], dict, type]:
    """Index options and environment of one engine, and its class."""
    index = ["--index", str(tmp_path / "index")]
    if request.param == "whoosh":
        return index, {"NEWSFACET_ENGINE": None}, WhooshEngine
    settings = request.getfixturevalue("typesense_settings")
    env = {"NEWSFACET_TYPESENSE_NODES": settings.typesense_nodes,
           "NEWSFACET_TYPESENSE_API_KEY": TYPESENSE_KEY, "NEWSFACET_TYPESENSE_CONFIG": None}
    return ([*index, "--engine", "typesense", "--collection", settings.typesense_collection],
            env, TypesenseEngine)


@pytest.mark.parametrize("count", [5, 200])
def test_a_run_that_changes_one_article_reads_a_constant_number_back(
        engine_args, runner, tmp_path, monkeypatch, count):
    options, env, engine_class = engine_args
    corpus = tmp_path / "articles.jsonl"
    _corpus(corpus, count)
    first = runner.invoke(cli, ["index", str(corpus), *options, "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["added"] == count

    calls = []
    real_get = engine_class.get

    def counting_get(self, article_id):
        calls.append(article_id)
        return real_get(self, article_id)

    monkeypatch.setattr(engine_class, "get", counting_get)
    _corpus(corpus, count, changed=count // 2)
    second = runner.invoke(cli, ["index", str(corpus), *options, "--json"], env=env)
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert (report["updated"], report["unchanged"]) == (1, count - 1)
    # The changed article's previous version, to see whether it is still the same story: the
    # other articles' story data comes from the sidecar, not from the engine.
    assert calls == [f"a{count // 2:04d}"]


HOLDER = """
import sqlite3, sys, time
from whoosh import index
writer = index.open_dir(sys.argv[1]).writer()
sidecar = sqlite3.connect(sys.argv[2])
sidecar.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def held_index(indexed):
    """The seeds' index while another process holds its write lock and its story data, as an
    indexing run in the middle of a batch does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(indexed), str(indexed / SIDECAR)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield indexed
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.parametrize("command", ["index", "remove"])
def test_another_run_holding_the_index_is_one_clear_error(held_index, seeds_copy, command):
    changed = sorted(seeds_copy.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing line.\n",
                       encoding="utf-8")
    args = [str(changed)] if command == "index" else ["some-id"]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "search", command, *args, "--index",
                             str(held_index)], cwd=ROOT, capture_output=True, text=True,
                            check=False, env={**_environ(), "NEWSFACET_LOCK_WAIT": "1"}, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: another indexing run holds the index")
    assert "try again" in lines[0] and "please report" not in lines[0]
    assert elapsed < 20  # the configured second of waiting, plus start-up (was 30 s and more)


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSFACET_")}
