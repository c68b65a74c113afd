"""Where the wall time of ``bench.perf``'s HTML run goes: a timeline of one ``newsfacet index``.

    .venv/bin/python -m bench.index_timeline [--runs 5] [--out bench/out]

The run is ``bench.perf --only-html``'s: the 40 pages of ``extraction-bench/dev`` five times
over (200 pages, 160 of them copies), indexed by ``newsfacet index FOLDER --workers 2 --json``
in a child process. The child is the command itself with stamps added around its stages
(public functions wrapped, nothing else changed), written to a file by the run and by each
worker process; the clock starts when the child is started, and the last stamp is the child's
exit as its parent sees it. Each stage's median over ``--runs`` runs is printed, with the
workers' CPU time per page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.perf import EXTRACTION_DEV, ROOT

# (stage, stamp it ends at): each stage runs from the previous stamp to its own
STAGES = (
    ("interpreter and modules loaded", "modules"),
    ("settings, index created, entity table", "collect start"),
    ("collection read (200 pages: titles)", "collect end"),
    ("recogniser loaded, first page sent, workers forked", "first page start"),
    ("cleaning 40 pages in 2 workers (160 copies skipped)", "last page end"),
    ("last outcome taken, entity spellings resolved", "upsert start"),
    ("Whoosh: documents added, commit, checksums", "upsert end"),
    ("story sidecar saved", "stories saved"),
    ("prepare: arrays saved for readers", "prepare end"),
    ("engine closed, sources noted, JSON printed", "main returned"),
    ("interpreter exit", "exited"),
)


def _child(log: str, start: float, argv: list[str]) -> None:
    """Run ``newsfacet`` with stamps (the child process)."""
    def stamp(what: str, extra: str = "") -> None:
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps({"t": time.time() - start, "pid": os.getpid(), "what": what,
                                  "extra": extra}) + "\n")

    import search.cli
    from search import indexing
    from search.engines.whoosh.engine import WhooshEngine
    from search.stories import StoryIndex

    stamp("modules")

    def wrap(owner, name: str, before: str | None, after: str | None, cpu: bool = False):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if before:
                stamp(before)
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    stamp(after, f"{time.process_time() - started:.4f}" if cpu else "")
        setattr(owner, name, wrapper)

    wrap(indexing, "collect", "collect start", "collect end")
    wrap(indexing, "clean_one", "page start", "page end", cpu=True)
    wrap(WhooshEngine, "upsert", "upsert start", "upsert end")
    wrap(WhooshEngine, "prepare", None, "prepare end")
    wrap(StoryIndex, "save", None, "stories saved")
    sys.argv = ["newsfacet", *argv]
    try:
        search.cli.main()
    finally:
        stamp("main returned")


def timeline(folder: Path, index_dir: Path, log: Path) -> dict[str, float]:
    """Return the stamps of one indexing run of ``folder``: the time each was first (or, for
    the pages' ends, last) reached, and the workers' CPU seconds."""
    shutil.rmtree(index_dir, ignore_errors=True)
    log.unlink(missing_ok=True)
    start = time.time()
    subprocess.run([sys.executable, "-m", "bench.index_timeline", "--child", str(log),
                    str(start), "index", str(folder), "--index", str(index_dir),
                    "--workers", "2", "--json"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    exited = time.time() - start
    stamps: dict[str, float] = {}
    cpu, pages = 0.0, 0
    for line in log.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        what = row["what"]
        if what == "page end":
            cpu += float(row["extra"])
            pages += 1
            stamps["last page end"] = max(stamps.get("last page end", 0.0), row["t"])
        elif what == "page start":
            stamps.setdefault("first page start", row["t"])
        elif what == "stories saved":  # the last save (the first is on loading)
            stamps[what] = row["t"]
        else:
            stamps.setdefault(what, row["t"])
    stamps["exited"] = exited
    stamps["worker cpu per page"] = cpu / max(pages, 1)
    return stamps


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1], float(argv[2]), argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    pages = sorted(EXTRACTION_DEV.glob("*.html"))
    if not pages:
        raise SystemExit(f"no HTML pages in {EXTRACTION_DEV}")
    folder = args.out / "html"  # bench.perf's folder, made the same way
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n in range(5):
        for page in pages:
            shutil.copy(page, folder / f"{n}-{page.name}")
    runs = [timeline(folder, args.out / "timeline-index", args.out / "timeline.jsonl")
            for _ in range(args.runs)]
    print(f"newsfacet index {len(pages) * 5} pages --workers 2: median of {args.runs} runs, "
          "seconds since the child process started")
    previous = 0.0
    for label, key in STAGES:
        at = statistics.median(run[key] for run in runs)
        print(f"  {previous:5.2f} → {at:5.2f}  {at - previous:5.2f}  {label}")
        previous = at
    cpu = statistics.median(run["worker cpu per page"] for run in runs)
    print(f"workers' CPU per page cleaned: {cpu * 1000:.1f} ms; runs ended at "
          + " ".join(f"{run['exited']:.2f}" for run in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
