"""Speed benchmark: newsfacet against SQLite FTS5, plain Whoosh and tantivy, at several sizes.

    .venv/bin/python -m bench.perf [--sizes 10000,30000,100000] [--out bench/out] [--reuse]
    .venv/bin/python -m bench.perf --only-html [--out bench/out]
    .venv/bin/python -m bench.perf --only-http --sizes 500000 --out DIR

For each size: index build (articles/s, peak memory, its rate and memory over each tenth of the
corpus, re-index of the unchanged corpus, size on disk per article), then a
fixed mixed query set, each returning total, facet counts and ten snippets: p50/p95 through the
Python API for newsfacet and both baselines, and through ``GET /api/search`` on ``newsfacet
serve`` (gunicorn, one worker per core) with 1 and 8 concurrent clients, with the server's RSS
and the time a cold server takes to answer its first search. ``newsfacet_cold`` runs the same
queries with the caches of decoded postings and stored articles emptied before each one (every
query reads its posting lists and articles from disk again); tantivy
(``bench.baselines.Tantivy``, the ``bench`` extra; left out, saying so, when it is not
installed) gets the same records, fields and queries, with its build rate and index size;
``--typesense`` adds a Typesense column. HTML pages/s with ``--workers 2`` is compared with a
single process of trafilatura alone (``--only-html``: that comparison alone, on the 40 pages of
``extraction-bench/dev`` five times over; ``--only-http``: the server's figures alone, on the
indexes an earlier run left in ``--out``, written to ``perf-http.json``). Every figure is also
printed as a
ratio to the baselines, since absolute times vary between runs on shared machines; the run ends
with issue 20's goals checked against its figures (``bench.perf_goals``).

Sizes past the 19,771 Reuters-21578 articles with a body are amplified: the same articles again
under new ids (``bench.corpus``), flagged in the output. ``--out DIR`` keeps each size's corpus,
indexes and FTS5 database in ``DIR/SIZE``; ``--reuse`` then reuses each build a run finished
there (newsfacet's, FTS5's and tantivy's separately) instead of building it again, and reports
the build figures of the run that built it, saying so, with that run's date and commit.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.baselines import PlainWhoosh, Tantivy, build_fts5, fts5_search
from bench.corpus import REUTERS, reuters_records, write_corpus
from bench.perf_goals import check_goals, http_goals
from bench.perf_watch import Watch, by_tenths, pss_mb, rss_mb

ROOT = Path(__file__).resolve().parent.parent
NEWSFACET = [sys.executable, "-m", "search"]
EXTRACTION_DEV = ROOT.parent / "shared" / "extraction-bench" / "dev"

QUERIES = ["said", "oil", "cocoa", "zinc", "oil AND prices", "bank AND rates",
           '"interest rates"', '"trade deficit"', "shares", "coffee"]
FILTERS = [{}, {"entity": ["usa"]}, {"entity": ["japan"], "month": ["1987-03"]}]
# The records name places as Reuters-21578 does ("usa"); newsfacet's entity table resolves them
# to canonical names, which its filters take. FTS5 filters on the records' own names.
ENTITY_NAMES = {"usa": ("place", "United States"), "japan": ("place", "Japan")}


def query_set() -> list[tuple[str, dict]]:
    """Return the fixed mixed set: every query with 0, 1 and 2 filters."""
    return [(q, f) for q in QUERIES for f in FILTERS]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def timed_child(args: list[str], watch: Path | None = None,
                samples: list | None = None) -> tuple[float, int, str]:
    """Run a command; return wall seconds, its own peak RSS in MB, and its stdout.

    A Python module run (``[python, "-m", module, ...]``) goes through ``bench.peak``, which
    reports the child's own peak; ``wait4`` would report at least this process's. ``watch``: a
    file the child reads, whose read offset and the child's RSS are sampled into ``samples``
    (``bench.perf_watch``)."""
    peak_file = None
    if args[:2] == [sys.executable, "-m"]:
        handle, peak_file = tempfile.mkstemp(prefix="peak-")
        os.close(handle)
        args = [sys.executable, "-m", "bench.peak", peak_file, *args[2:]]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT)
        watcher = Watch(proc.pid, watch) if watch is not None else None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if watcher is not None:
            taken = watcher.stop()
            if samples is not None:
                samples += taken
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{args} failed: {err.read()[-2000:].decode(errors='replace')}")
        peak = usage.ru_maxrss // 1024
        if peak_file:
            peak = int(Path(peak_file).read_text() or 0) // 1024
            os.unlink(peak_file)
        return seconds, peak, out.read().decode()


def bench_build(corpus: Path, index_dir: Path, size: int) -> dict:
    shutil.rmtree(index_dir, ignore_errors=True)
    samples: list = []
    seconds, peak, out = timed_child(NEWSFACET + ["index", str(corpus), "--index", str(index_dir),
                                                  "--json"], watch=corpus, samples=samples)
    report = json.loads(out)
    disk = disk_parts(index_dir)
    again, _, _ = timed_child(NEWSFACET + ["index", str(corpus), "--index", str(index_dir),
                                           "--json"])
    timeline = by_tenths(samples, corpus.stat().st_size, size, seconds)
    # The indexer's own peak, or the highest sample of it and its merge process together.
    return {"articles": report["articles"], "build_s": seconds, "articles_per_s": size / seconds,
            "peak_rss_mb": max(peak, round(timeline["peak_rss_mb"])), "own_peak_rss_mb": peak,
            "reindex_s": again, "reindex_speedup": seconds / again,
            "disk_mb": sum(disk.values()), "disk_parts_mb": disk,
            "timeline": timeline, **provenance()}


def disk_parts(index_dir: Path) -> dict[str, float]:
    """Return the MB on disk of an index folder's parts: Whoosh's segments and tables of
    contents, the story sidecar, the arrays saved for readers, and the rest."""
    parts = {"segments": 0.0, "stories": 0.0, "arrays": 0.0, "other": 0.0}
    for path in index_dir.iterdir():
        if not path.is_file():
            continue
        name = path.name
        part = ("segments" if name.startswith(("MAIN_", "_MAIN_")) else
                "stories" if name.startswith("stories.sqlite") else
                "arrays" if name.endswith(".npz") else "other")
        parts[part] += path.stat().st_size / 2**20
    return parts


def provenance() -> dict:
    """Return when and from which commit a build was made (for reports of reused builds)."""
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit}


def bench_fts5_build(corpus: Path, target: Path, size: int) -> dict:
    start = time.perf_counter()
    build_fts5(corpus, target).close()
    seconds = time.perf_counter() - start
    return {"build_s": seconds, "articles_per_s": size / seconds,
            "disk_mb": target.stat().st_size / 2**20, **provenance()}


def bench_tantivy_build(corpus: Path, target: Path, size: int) -> dict | None:
    """Build the tantivy index in this process; return its build figures, or None (and say
    why) when tantivy is not installed."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("tantivy is not installed (`pip install -e '.[bench]'`): no tantivy column")
        return None
    start = time.perf_counter()
    Tantivy.build(corpus, target)
    seconds = time.perf_counter() - start
    return {"build_s": seconds, "articles_per_s": size / seconds, "disk_mb": _disk_mb(target),
            **provenance()}


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def api_runner(index_dir: Path):
    from search.config import Settings
    from search.engines import open_engine
    from search.query import build_request

    engine = open_engine(Settings(index_dir=str(index_dir)))

    def run(text: str, filters: dict):
        entities = [ENTITY_NAMES[e][1] for e in filters.get("entity", ())]
        request = build_request(text, entities=entities,
                                months=filters.get("month", ()))
        return engine.search(request)
    return run, engine


def measure(func, cases, repeat: int) -> list[float]:
    for text, filters in cases:  # warm caches once, as a running server would be
        func(text, filters)
    times = []
    for _ in range(repeat):
        for text, filters in cases:
            start = time.perf_counter()
            func(text, filters)
            times.append((time.perf_counter() - start) * 1000)
    return times


def bench_queries(index_dir: Path, fts_db, repeat: int, tantivy_dir: Path | None = None) -> dict:
    cases = query_set()
    ours, engine = api_runner(index_dir)
    for name, (_, canonical) in ENTITY_NAMES.items():  # a renamed entity would time empty queries
        if not ours("", {"entity": [name]}).total:
            raise SystemExit(f"entity filter {canonical!r} matches nothing in {index_dir}")
    plain = PlainWhoosh(index_dir)

    def plain_run(text, filters):
        mapped = {k: ["|".join(ENTITY_NAMES[v]) if k == "entity" else v for v in vals]
                  for k, vals in filters.items()}
        return plain.search(text, mapped)

    def ours_cold(text, filters):  # every query decodes its postings and articles again
        engine.clear_caches()
        return ours(text, filters)

    results = {
        "newsfacet": measure(ours, cases, repeat),
        "newsfacet_cold": measure(ours_cold, cases, repeat),
        "sqlite_fts5": measure(lambda t, f: fts5_search(fts_db, t, f), cases, repeat),
        "plain_whoosh": measure(plain_run, cases, max(1, repeat // 3)),
    }
    if tantivy_dir is not None:
        results["tantivy"] = measure(Tantivy(tantivy_dir).search, cases, repeat)
    plain.close()
    engine.close()
    return {name: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
            for name, v in results.items()}


def _get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return (time.perf_counter() - start) * 1000


def _urls(port: int) -> list[str]:
    urls = []
    for text, filters in query_set():
        params = [("q", text)] + [(k, v) for k, vals in filters.items() for v in vals]
        urls.append(f"http://127.0.0.1:{port}/api/search?{urllib.parse.urlencode(params)}")
    return urls


def _memory_mb(pid: int) -> list[tuple[float, float]]:
    """Return the resident memory (RSS: pages two processes share count in both) and the
    proportional set size (PSS: shared pages split between their processes) of a process and
    of each of its descendants (gunicorn workers), the process first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        todo += sorted(children.get(current, []))
        found.append((rss_mb(current), pss_mb(current)))
    return found


def bench_http(index_dir: Path, port: int, rounds: int) -> dict:
    start = time.perf_counter()
    server = subprocess.Popen(NEWSFACET + ["serve", "--index", str(index_dir), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urls = _urls(port)
    try:
        while True:
            try:
                _get(urls[0])
                break
            except OSError:
                if time.perf_counter() - start > 60:
                    raise
                time.sleep(0.02)
        cold = time.perf_counter() - start
        single = [_get(u) for _ in range(rounds) for u in urls]
        times, errors = [], []

        def client(offset: int) -> None:
            for n in range(rounds * len(urls)):
                try:
                    times.append(_get(urls[(n + offset) % len(urls)]))
                except Exception as exc:  # counted, not fatal: the benchmark reports errors
                    errors.append(repr(exc))

        threads = [threading.Thread(target=client, args=(i * 3,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        memory = _memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    return {"cold_first_search_s": cold, "c1_p50_ms": percentile(single, 50),
            "c1_p95_ms": percentile(single, 95), "c8_p50_ms": percentile(times, 50),
            "c8_p95_ms": percentile(times, 95), "c8_errors": len(errors),
            "server_rss_mb": sum(rss for rss, _ in memory),
            "server_pss_mb": sum(pss for _, pss in memory),
            "processes_rss_pss_mb": memory, "error_samples": errors[:5]}


def bench_html(work: Path, copies: int) -> dict:
    import trafilatura

    pages = sorted(EXTRACTION_DEV.glob("*.html"))
    folder = work / "html"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n in range(copies):
        for page in pages:
            shutil.copy(page, folder / f"{n}-{page.name}")
    count = len(pages) * copies
    start = time.perf_counter()
    for page in folder.iterdir():
        trafilatura.extract(page.read_text(encoding="utf-8", errors="replace"))
    alone = time.perf_counter() - start
    index_dir = work / "html-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    ours, _, out = timed_child(NEWSFACET + ["index", str(folder), "--index", str(index_dir),
                                            "--workers", "2", "--json"])
    # the copies are skipped as the same content as their first: newsfacet cleans each page
    # once, where trafilatura alone extracts every copy
    return {"pages": count, "trafilatura_pages_per_s": count / alone,
            "newsfacet_workers2_pages_per_s": count / ours,
            "ratio": (count / ours) / (count / alone), "cleaned": json.loads(out)["added"]}


def print_size(size: int, build: dict, queries: dict, http: dict | None,
               tantivy: dict | None = None, fts: dict | None = None,
               amplified: bool = False) -> None:
    ours, fts_q, plain = queries["newsfacet"], queries["sqlite_fts5"], queries["plain_whoosh"]
    fast = queries.get("tantivy")
    print(f"\n## {size:,} articles" + (" (amplified: copies of Reuters-21578 with new ids)"
                                      if amplified else ""))
    if build.get("reused"):
        print(f"(build figures reused from the run that built this index, {build['built_at']}, "
              f"commit {build['commit']})")
    print(f"build: {build['articles_per_s']:.0f} articles/s ({build['build_s']:.1f} s), "
          f"peak RSS {build['peak_rss_mb']} MB; re-index unchanged {build['reindex_s']:.1f} s "
          f"({build['reindex_speedup']:.1f}x faster)"
          + (f"; index {build['disk_mb']:.1f} MB, {_per_article(build['disk_mb'], size)}"
             if "disk_mb" in build else ""))
    if "disk_parts_mb" in build:
        print("index on disk: " + ", ".join(f"{name} {mb:.1f} MB ({_per_article(mb, size)})"
                                            for name, mb in build["disk_parts_mb"].items()))
    timeline = build.get("timeline")
    if timeline and timeline["tenths"]:
        print("build by tenths of the corpus, articles/s: "
              + " ".join(f"{t['articles_per_s']:.0f}" if t["articles_per_s"] else "-"
                         for t in timeline["tenths"])
              + "; RSS MB: " + " ".join(f"{t['rss_mb']:.0f}" for t in timeline["tenths"])
              + (f"; after the last line read: {timeline['after_last_read_s']:.1f} s"
                 if timeline["after_last_read_s"] is not None else ""))
    for name, other in (("FTS5", fts), ("tantivy", tantivy)):
        if other:
            print(f"{name} build: {other['articles_per_s']:.0f} articles/s "
                  f"({other['build_s']:.1f} s), {other['disk_mb']:.1f} MB, "
                  f"{_per_article(other['disk_mb'], size)}"
                  + (f" (reused: built {other['built_at']})" if other.get("reused") else ""))
    print("| engine | p50 ms | p95 ms | p50 vs FTS5 | p50 vs plain Whoosh |"
          + (" p50 vs tantivy |" if fast else ""))
    print("| --- | --- | --- | --- | --- |" + (" --- |" if fast else ""))
    for name, row in queries.items():
        print(f"| {name} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | "
              f"{row['p50_ms'] / fts_q['p50_ms']:.2f}x | {row['p50_ms'] / plain['p50_ms']:.2f}x |"
              + (f" {row['p50_ms'] / fast['p50_ms']:.2f}x |" if fast else ""))
    print(f"newsfacet p50 = {ours['p50_ms'] / fts_q['p50_ms']:.2f}x FTS5, "
          f"{ours['p50_ms'] / plain['p50_ms']:.2f}x plain Whoosh"
          + (f", {ours['p50_ms'] / fast['p50_ms']:.2f}x tantivy" if fast else "")
          + f"; p95 {ours['p95_ms']:.1f} ms")
    if http:
        print_http(http)


def print_http(http: dict) -> None:
    processes = http.get("processes_rss_pss_mb")
    print(f"HTTP /api/search: cold first search {http['cold_first_search_s']:.2f} s; "
          f"1 client p50/p95 {http['c1_p50_ms']:.1f}/{http['c1_p95_ms']:.1f} ms; "
          f"8 clients p50/p95 {http['c8_p50_ms']:.1f}/{http['c8_p95_ms']:.1f} ms, "
          f"{http['c8_errors']} errors; server RSS {http['server_rss_mb']:.0f} MB"
          + (f" (PSS {http['server_pss_mb']:.0f} MB)" if "server_pss_mb" in http else "")
          + ("; by process (first: the one the workers are forked from), RSS/PSS MB: "
             + ", ".join(f"{rss:.0f}/{pss:.0f}" for rss, pss in processes) if processes else ""))


def _per_article(mb: float, size: int) -> str:
    return f"{mb * 2**20 / size:,.0f} bytes/article"


def saved_figures(path: Path, size: int, *needed: Path) -> dict | None:
    """Return the build figures an earlier run saved at ``path``, marked as reused, when they
    are of ``size`` articles and what they describe (``needed``) is still there; else None."""
    try:
        figures = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if figures.get("size", size) != size or not all(p.exists() for p in needed):
        return None
    return {"built_at": "an earlier run", "commit": "unknown", **figures, "reused": True}


def http_only(out: Path, sizes: list[int], port: int) -> int:
    """Serve each size's index an earlier run left in ``out`` and print the server's figures
    and goals; write them to ``out/perf-http.json`` (a full run's figures stay as they are)."""
    report: dict = {}
    for size in sizes:
        index_dir = out / str(size) / "index"
        if not index_dir.is_dir():
            raise SystemExit(f"no index in {index_dir}: run bench.perf with --out {out} first")
        http = bench_http(index_dir, port, rounds=2)
        report[size] = {"http": http, **provenance()}
        print(f"\n## {size:,} articles (server only, index of an earlier run)")
        print_http(http)
        (out / "perf-http.json").write_text(json.dumps(report, indent=2))
    if sizes:
        print("\n## Issue 20's server goals, with this run's figures")
        for goal in http_goals(report[sizes[-1]]["http"], sizes[-1]):
            print(goal.line())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-html", action="store_true")
    parser.add_argument("--only-html", action="store_true",
                        help="run the HTML pages/s comparison alone (no index sizes, no queries)")
    parser.add_argument("--only-http", action="store_true",
                        help="serve the indexes an earlier run left in --out and measure the "
                             "server alone (no builds, no queries through the API, no HTML)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--typesense", action="store_true",
                        help="add a Typesense column (bench/typesense_bench.py)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the builds (corpus, index, FTS5, tantivy) an earlier run "
                             "finished in --out; their build figures are that run's, and the "
                             "output says so")
    args = parser.parse_args(argv)
    sizes = [] if args.only_html else [int(s) for s in args.sizes.split(",")]
    args.out = args.out.resolve()  # the children run in the checkout, wherever this runs
    # ... and start as an installed newsfacet does, with its modules compiled (pip and `make
    # install` compile them): a module edited since would be compiled again at every start,
    # where PYTHONDONTWRITEBYTECODE keeps Python from saving it (0.2 s for all of them).
    for package in ("search", "web"):
        compileall.compile_dir(ROOT / package, quiet=1)
    if args.only_http:
        return http_only(args.out, sizes, args.port)
    records = reuters_records(REUTERS) if sizes else []
    if sizes:
        print(f"# newsfacet speed benchmark — {len(records):,} Reuters-21578 articles with a "
              f"body; {os.cpu_count()} cores; queries: {len(query_set())} (10 queries x 0/1/2 "
              "filters)")
    report: dict = {}
    for size in sizes:
        work = args.out / str(size)
        corpus, index_dir, fts_db = work / "corpus.jsonl", work / "index", work / "fts5.db"
        build = saved_figures(work / "build.json", size, corpus, index_dir) if args.reuse else None
        reuse = build is not None  # a new corpus: the baselines are built again too
        if build is None:
            for stale in ("build.json", "fts5.json", "tantivy.json"):  # a crash must not leave
                (work / stale).unlink(missing_ok=True)  # figures of another build to reuse
            corpus = write_corpus(records, size, corpus)
            build = {**bench_build(corpus, index_dir, size), "size": size}
            (work / "build.json").write_text(json.dumps(build))
        fts_build = saved_figures(work / "fts5.json", size, fts_db) if reuse else None
        if fts_build is None:
            fts_build = {**bench_fts5_build(corpus, fts_db, size), "size": size}
            (work / "fts5.json").write_text(json.dumps(fts_build))
        fts = sqlite3.connect(str(fts_db), check_same_thread=False)
        tantivy = saved_figures(work / "tantivy.json", size, work / "tantivy") if reuse else None
        if tantivy is None:
            tantivy = bench_tantivy_build(corpus, work / "tantivy", size)
            if tantivy:
                (work / "tantivy.json").write_text(json.dumps({**tantivy, "size": size}))
        queries = bench_queries(index_dir, fts, args.repeat,
                                work / "tantivy" if tantivy else None)
        fts.close()
        typesense = None
        if args.typesense:
            from bench.typesense_bench import bench_typesense, print_typesense

            typesense = bench_typesense(corpus, work, size, args.repeat, measure,
                                        query_set(), timed_child, NEWSFACET)
            queries["typesense"] = typesense["queries"]
        http = None if args.skip_http else bench_http(index_dir, args.port, rounds=2)
        print_size(size, build, queries, http, tantivy, fts_build,
                   amplified=size > len(records))
        if typesense:
            print_typesense(typesense)
        report[size] = {"build": build, "fts5_build": fts_build, "tantivy_build": tantivy,
                        "queries": queries, "http": http, "typesense": typesense,
                        "amplified": size > len(records)}
        (args.out / "perf.json").write_text(json.dumps(report, indent=2))  # after every size
    if args.only_html and not EXTRACTION_DEV.is_dir():
        raise SystemExit(f"{EXTRACTION_DEV} is not there: no HTML pages to time")
    if not args.skip_html and EXTRACTION_DEV.is_dir():
        html = bench_html(args.out, copies=5)
        print(f"\nHTML: trafilatura alone {html['trafilatura_pages_per_s']:.1f} pages/s; "
              f"newsfacet index --workers 2 {html['newsfacet_workers2_pages_per_s']:.1f} pages/s "
              f"({html['ratio']:.2f}x; it cleaned {html['cleaned']} of the {html['pages']} pages, "
              "the rest being copies)")
        report["html"] = html
    # --only-html leaves a full run's figures as they are
    figures = args.out / ("perf-html.json" if args.only_html else "perf.json")
    args.out.mkdir(parents=True, exist_ok=True)
    figures.write_text(json.dumps(report, indent=2))
    goals = check_goals(report)
    if goals:
        print("\n## Issue 20's goals, with this run's figures")
        for goal in goals:
            print(goal.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
