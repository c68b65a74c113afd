"""Crash safety: ``newsfacet index`` killed with SIGKILL at random moments, again and again.

After every kill the index must open, answer searches and take a writer at once (Whoosh's
write lock is an flock, released by the kernel when the process dies); re-running must then
finish with every article present exactly once, each in its latest version.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from search.cli import cli
from search.config import Settings
from search.engines import open_engine
from search.query import build_request

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 20
PARTS = 4
PER_PART = 150
EXTRA_PER_TRIAL = 10
WORDS = ("embassy militia Baghdad rockets Mosul parliament election protest minister oil "
         "talks ceasefire drone strike").split()

pytestmark = pytest.mark.slow


def write_part(folder: Path, name: str, version: int, count: int) -> None:
    """Write ``count`` JSON Lines records whose titles carry the version."""
    rnd = random.Random(f"{name}-{version}")
    with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as handle:
        for i in range(count):
            body = "\n\n".join(" ".join(rnd.choice(WORDS) for _ in range(60)) for _ in range(3))
            record = {"id": f"{name}-{i:04d}", "title": f"Story {name}/{i} v{version}",
                      "body": body}
            handle.write(json.dumps(record) + "\n")


def stored_docs(index_dir: Path) -> list[dict]:
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            return [dict(fields) for fields in searcher.reader().all_stored_fields()]
    finally:
        ix.close()


def check_usable(index_dir: Path) -> int:
    """Open, search and lock the index; return its article count. Raises if any step fails."""
    settings = Settings(index_dir=str(index_dir))
    engine = open_engine(settings)
    try:
        results = engine.search(build_request("embassy", settings=settings))
        assert results.total == engine.count()  # every record says "embassy"
        for hit in results.hits:
            assert engine.get(hit.id).body
        count = engine.count()
    finally:
        engine.close()
    ix = whoosh_index.open_dir(str(index_dir))
    writer = ix.writer(timeout=0)  # raises LockError if a dead run left the lock held
    writer.cancel()
    ix.close()
    docs = stored_docs(index_dir)
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)) == count, "an article is stored twice"
    for doc in docs:  # every stored article is whole: its metadata parses, its body is there
        json.loads(doc["data"])
        assert doc["body"] and doc["title"].startswith("Story ")
    return count


def index_until_killed(corpus: Path, index_dir: Path, delay: float) -> bool:
    """Run ``newsfacet index`` in a subprocess and SIGKILL it after ``delay`` seconds.

    Returns True if the kill landed (False if the run finished first)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "index", str(corpus), "--index", str(index_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return True


def test_sigkill_at_random_moments_loses_nothing(tmp_path, runner):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    versions = {f"part{p}": 0 for p in range(PARTS)}
    for name in versions:
        write_part(corpus, name, 0, PER_PART)
    # Time one whole run, so kills are spread over a run however fast indexing gets.
    started = time.monotonic()
    assert not index_until_killed(corpus, index_dir, 120)
    full_run = time.monotonic() - started
    expected = PARTS * PER_PART
    assert check_usable(index_dir) == expected
    rnd = random.Random(5)
    killed = recovered = 0
    for trial in range(TRIALS):
        # Give the run as much work as the first one: every part rewritten, a few new articles.
        for name in versions:
            versions[name] = trial + 1
            write_part(corpus, name, trial + 1, PER_PART)
        write_part(corpus, f"extra{trial}", 0, EXTRA_PER_TRIAL)
        expected += EXTRA_PER_TRIAL
        # Kills land before the first write (Python still starting), mid-batch and mid-commit.
        killed += index_until_killed(corpus, index_dir, rnd.uniform(0.1, 0.95) * full_run)
        count = check_usable(index_dir)
        assert count <= expected
        result = runner.invoke(cli, ["index", str(corpus), "--index", str(index_dir), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["skipped"] == 0
        assert check_usable(index_dir) == expected
        titles = {d["id"]: d["title"] for d in stored_docs(index_dir)}
        for part, version in versions.items():
            assert titles[f"{part}-0000"].endswith(f" v{version}"), (
                f"{part} not at its latest version")
        recovered += 1
    assert recovered == TRIALS
    assert killed >= TRIALS // 2, "most kills should land while the run was still going"
    print(f"\n{recovered}/{TRIALS} trials recovered, {killed} killed mid-run "
          f"(a whole run takes {full_run:.1f} s), {time.monotonic() - started:.1f} s")
