"""The speed benchmark's own machinery: issue 20's goals judged from a run's figures, the build
watched by tenths of its corpus, and builds kept in --out and reused by a later run, which
reports the figures of the run that built them and says so."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import perf
from bench.corpus import REUTERS
from bench.perf_goals import check_goals
from bench.perf_watch import Sample, Watch, by_tenths


def _size(p50=5.0, p95=20.0, tantivy=4.0, fts=30.0, http=True, peak=400, rate=400.0) -> dict:
    queries = {"newsfacet": {"p50_ms": p50, "p95_ms": p95},
               "sqlite_fts5": {"p50_ms": fts, "p95_ms": 200.0}}
    if tantivy is not None:
        queries["tantivy"] = {"p50_ms": tantivy, "p95_ms": 10.0}
    return {"queries": queries, "build": {"peak_rss_mb": peak, "articles_per_s": rate},
            "http": {"c8_p95_ms": 90.0, "c8_errors": 0, "cold_first_search_s": 0.9,
                     "server_rss_mb": 500.0, "server_pss_mb": 400.0} if http else None}


def test_a_run_meeting_every_goal_is_reported_as_such():
    goals = check_goals({100_000: _size(), 500_000: _size(rate=350.0), "html": {}})
    assert len(goals) == 8 and all(goal.met for goal in goals), goals
    assert all(goal.line().endswith(")") and ": met (" in goal.line() for goal in goals)


def test_each_missed_goal_is_named_with_its_figures():
    report = {100_000: _size(), 500_000: _size(p50=7.0, p95=75.0, peak=900, rate=300.0)}
    goals = {g.name: g for g in check_goals(report)}
    missed = sorted(name for name, goal in goals.items() if goal.met is False)
    assert missed == ["build rate at 500,000 >= 80% of the rate at 100,000",
                      "indexing peak memory <= 800 MB at 500,000",
                      "query p50 <= 1.5x tantivy at 100,000, 500,000",
                      "query p95 <= 60 ms at 500,000"]
    assert "1.75x at 500,000" in goals["query p50 <= 1.5x tantivy at 100,000, 500,000"].figures
    assert goals["build rate at 500,000 >= 80% of the rate at 100,000"].line() == (
        "- build rate at 500,000 >= 80% of the rate at 100,000: NOT met "
        "(300 vs 400 articles/s, 75%)")


def test_what_a_run_did_not_measure_is_never_reported_met():
    unmeasured = [g for g in check_goals({500_000: _size(tantivy=None, http=False)})
                  if g.met is None]
    assert {g.name.split(" ")[0] for g in unmeasured} == {"query", "HTTP", "cold", "server",
                                                          "build"}
    assert not any(g.met for g in unmeasured)


def test_the_build_rate_and_memory_are_given_by_tenths_of_the_corpus():
    # 1,000 articles in 1,000 bytes: the first half read at 10 bytes/s, the second at 5.
    samples = [Sample(t, 100 + t, min(1000, 10 * t if t <= 50 else 500 + 5 * (t - 50)))
               for t in range(0, 160, 2)]
    timeline = by_tenths(samples + [Sample(162, 300, -1)], 1000, 1000, 170.0)
    rates = [t["articles_per_s"] for t in timeline["tenths"]]
    assert len(rates) == 10
    assert rates[:5] == pytest.approx([10.0] * 5) and rates[5:] == pytest.approx([5.0] * 5)
    assert timeline["tenths"][-1]["rss_mb"] == 250  # the highest sample of the last tenth
    assert timeline["after_last_read_s"] == pytest.approx(20.0)
    assert timeline["peak_rss_mb"] == 300


def test_a_file_closed_after_reading_counts_as_read():
    samples = [Sample(1, 50, 0), Sample(2, 50, 900), Sample(3, 60, -1)]
    timeline = by_tenths(samples, 1000, 100, 4.0)
    assert [t["tenth"] for t in timeline["tenths"]] == list(range(1, 11))
    assert timeline["after_last_read_s"] == pytest.approx(1.0)


def test_the_watch_sees_a_child_read_its_file_and_its_memory(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"x" * 4000)
    reader = ("import sys, time\n"
              "with open(sys.argv[1], 'rb', buffering=0) as f:\n"
              "    for _ in range(4):\n"
              "        f.read(1000); time.sleep(0.5)\n")
    child = subprocess.Popen([sys.executable, "-c", reader, str(data)])
    watch = Watch(child.pid, data, every=0.05)
    child.wait(30)
    samples = watch.stop()
    offsets = [s.offset for s in samples if s.offset >= 0]
    # (on a loaded machine a sample may come late: the offsets grow, whichever ones are seen)
    assert offsets == sorted(offsets) and len(set(offsets)) >= 2 and offsets[-1] >= 2000
    # (the memory of the samples taken while the file is open: one taken between fork and exec
    # or after the child exited sees a process of no size)
    assert all(s.rss_mb > 1 for s in samples if s.offset >= 0)


@pytest.mark.slow
@pytest.mark.shared(REUTERS)
def test_a_reused_build_reports_the_figures_of_the_run_that_built_it(tmp_path, capsys):
    args = ["--sizes", "1500", "--out", str(tmp_path), "--repeat", "1", "--skip-http",
            "--skip-html"]
    assert perf.main(args) == 0
    first = capsys.readouterr().out
    saved = json.loads((tmp_path / "1500" / "build.json").read_text())
    assert saved["articles"] == 1500 and saved["commit"] and saved["built_at"]
    assert saved["disk_mb"] == pytest.approx(sum(saved["disk_parts_mb"].values()))
    assert "reused" not in first and "bytes/article" in first
    index_files = {p.name: p.stat().st_mtime for p in (tmp_path / "1500" / "index").iterdir()}

    assert perf.main([*args, "--reuse"]) == 0
    again = capsys.readouterr().out
    assert (f"(build figures reused from the run that built this index, {saved['built_at']}, "
            f"commit {saved['commit']})") in again
    build_line = next(line for line in first.splitlines() if line.startswith("build:"))
    assert build_line in again  # the same figures, not a new measurement
    assert {p.name: p.stat().st_mtime
            for p in (tmp_path / "1500" / "index").iterdir()} == index_files
    report = json.loads((tmp_path / "perf.json").read_text())
    assert report["1500"]["build"]["reused"] and report["1500"]["fts5_build"]["reused"]

    # A build of another size is never taken for this one: it is built again.
    (tmp_path / "1500" / "build.json").write_text(json.dumps({**saved, "size": 999}))
    assert perf.main([*args, "--reuse"]) == 0
    assert "reused" not in capsys.readouterr().out.split("## Issue 20")[0]
