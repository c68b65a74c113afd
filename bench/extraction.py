"""Extraction benchmark: trafilatura alone versus our cleaner, on any folder of the benchmark
format.

    python bench/extraction.py FOLDER [--mode html|text|both] [--per-page] [--scorer PATH]

FOLDER holds ``<id>.html`` (the raw page) and ``<id>.json`` (gold: ``body``, ``title``, ``date``,
``outlet``). Bodies are scored with the benchmark's own ``score.py`` (word 4-gram shingles,
per-page normalised, F1 from mean precision and mean recall). HTML mode compares trafilatura
(defaults, and ``include_comments=False``) with ``clean_html``; text-dump mode compares the
raw dump kept whole with ``clean_text`` on the dump, alone and with the lines its outlet's
other dumps in the folder share (the folder read as one collection, as ``newsfacet index``
does). Metadata (title, date, outlet) of ``clean_html`` is checked against the gold; a date
that disagrees with the gold is counted apart from a missing one. The last line is
``F1 <our HTML F1>``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: make `search` importable
    sys.path.insert(0, str(ROOT))

DEFAULT_SCORER = ROOT.parent / "shared" / "extraction-bench" / "score.py"
OURS = "newsfacet"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One benchmark page: its id, raw HTML and gold record."""

    id: str
    html: str
    gold: dict


@dataclass(frozen=True)
class Run:
    """One system's predictions on every page and the seconds it spent on them."""

    name: str
    preds: dict[str, str]
    seconds: float


def load_pages(folder: Path) -> list[Page]:
    """Return every page of FOLDER that has both ``<id>.html`` and ``<id>.json``, sorted by id."""
    pages = []
    for gold_path in sorted(folder.glob("*.json")):
        html_path = gold_path.with_suffix(".html")
        if not html_path.exists():
            logger.warning("no HTML for %s, skipped", gold_path.name)
            continue
        html = html_path.read_text(encoding="utf-8", errors="replace")
        pages.append(Page(gold_path.stem, html, json.loads(gold_path.read_text(encoding="utf-8"))))
    return pages


def load_scorer(path: Path) -> ModuleType:
    """Return the benchmark's ``score.py`` loaded as a module (its metric is reused, not copied)."""
    spec = importlib.util.spec_from_file_location("extraction_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {path}: pass --scorer PATH/score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_systems(systems: dict[str, Callable[[Page], str]], pages: list[Page]) -> list[Run]:
    """Return every system's predictions on every page, timed.

    Systems take turns page by page (after one warm-up call each), so that load from other
    jobs on the machine slows them alike and pages/s stay comparable within a run.
    """
    for extract in systems.values():
        if pages:
            extract(pages[0])
    preds: dict[str, dict[str, str]] = {name: {} for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    for page in pages:
        for name, extract in systems.items():
            start = time.perf_counter()
            preds[name][page.id] = extract(page) or ""
            seconds[name] += time.perf_counter() - start
    return [Run(name, preds[name], seconds[name]) for name in systems]


def score_run(scorer: ModuleType, run: Run, pages: list[Page]) -> tuple[dict[str, tuple], tuple]:
    """Return per-page (tp, fp, fn) triples and the overall (precision, recall, F1)."""
    triples = {p.id: scorer.tp_fp_fn(p.gold.get("body") or "", run.preds.get(p.id, ""), 4)
               for p in pages if p.gold.get("body") is not None}
    return triples, scorer.aggregate(list(triples.values()))


def html_runs(pages: list[Page], metas: dict[str, dict]) -> list[Run]:
    """Return trafilatura (two settings) and our cleaner on the raw HTML; fills ``metas``."""
    import trafilatura

    from search.cleaner import clean_html
    from search.cleaner.collection import Collection

    collection = Collection()  # the folder as one collection, as `newsfacet index FOLDER` reads it
    for page in pages:
        collection.add_page(page.id, page.html)

    def ours(page: Page) -> str:
        affixes = collection.shared(page.id, "html", page.html).title_affixes
        doc = clean_html(page.html, title_affixes=affixes)
        metas[page.id] = dict(doc.page_meta)
        return doc.body

    return run_systems({
        "trafilatura": lambda p: trafilatura.extract(p.html) or "",
        "trafilatura no-comments": lambda p: trafilatura.extract(p.html, include_comments=False)
        or "",
        OURS: ours,
    }, pages)


def text_runs(pages: list[Page]) -> list[Run]:
    """Return the raw text dump kept whole and our text cleaner on it; [] if either is missing."""
    try:
        from bench.textdump import html_to_text_dump
        from search.cleaner import clean_text
    except ImportError as exc:
        print(f"text-dump mode: not available ({exc})")
        return []
    from search.cleaner.collection import Collection

    dumps = {p.id: html_to_text_dump(p.html) for p in pages}
    # The folder is one collection, as `newsfacet index FOLDER` reads it: dumps are grouped into
    # outlets by their own chrome (the gold host is not used), each dump's shared lines are chrome.
    collection = Collection()
    for page in pages:
        collection.add(page.id, dumps[page.id])
    shared = {page.id: collection.boilerplate(page.id, dumps[page.id]) for page in pages}

    def with_collection(page: Page) -> str:
        return clean_text(dumps[page.id], shared[page.id]).body

    return run_systems({"raw dump": lambda p: dumps[p.id],
                        OURS: lambda p: clean_text(dumps[p.id]).body,
                        f"{OURS} + collection": with_collection}, pages)


def print_table(title: str, scorer: ModuleType, runs: list[Run], pages: list[Page],
                per_page: bool) -> dict[str, tuple]:
    """Print P/R/F1 and pages/s per system side by side; return each system's (P, R, F1)."""
    scored = {run.name: score_run(scorer, run, pages) for run in runs}
    print(f"\n== {title}: {len(pages)} pages ==")
    print(f"{'system':<26} {'P':>7} {'R':>7} {'F1':>7} {'pages/s':>9}")
    for run in runs:
        p, r, f = scored[run.name][1]
        rate = len(pages) / run.seconds if run.seconds > 0 else float("inf")
        print(f"{run.name:<26} {p:7.4f} {r:7.4f} {f:7.4f} {rate:9.1f}")
    if per_page:
        print_per_page(scorer, runs, scored)
    return {name: result for name, (_, result) in scored.items()}


def print_per_page(scorer: ModuleType, runs: list[Run], scored: dict) -> None:
    """Print each page's F1 for every system, worst of ours first."""
    ids = sorted(scored[runs[-1].name][0],
                 key=lambda i: scorer.page_f1(scored[runs[-1].name][0][i]))
    print(f"\n{'id':<26} " + " ".join(f"{run.name[:14]:>14}" for run in runs)
          + "   (page F1; P/R of ours)")
    for page_id in ids:
        cells = [scorer.page_f1(scored[run.name][0][page_id]) for run in runs]
        t = scored[runs[-1].name][0][page_id]
        print(f"{page_id:<26} " + " ".join(f"{c:14.3f}" for c in cells)
              + f"   P {scorer.precision(*t):.3f} R {scorer.recall(*t):.3f}")


def _norm(text: str | None) -> str:
    """Return text lower-cased with only letters and digits kept, for lenient comparison."""
    return re.sub(r"\W+", "", (text or "").casefold())


def outlet_matches(name: str | None, host: str | None) -> bool:
    """Return whether a site name plausibly names the gold host.

    "The Guardian" names theguardian.com and "The New York Times" names nytimes.com: the
    host's main label must be spelt by prefixes of the name's consecutive words (initials count).
    """
    if not name or not host:
        return False
    label = _norm(re.sub(r"^www\.", "", host.casefold()).split(".")[0])
    words = [_norm(w) for w in name.split() if _norm(w)]
    if _norm(name) == _norm(host) or label in _norm(name):
        return True
    return any(_spelt_by_prefixes(label, words[i:]) for i in range(len(words)))


def _spelt_by_prefixes(label: str, words: list[str]) -> bool:
    """Return whether ``label`` is non-empty prefixes of ``words`` (in order, none skipped)
    joined."""
    if not label:
        return True
    if not words:
        return False
    return any(label.startswith(words[0][:k]) and _spelt_by_prefixes(label[k:], words[1:])
               for k in range(min(len(words[0]), len(label)), 0, -1))


def print_metadata(pages: list[Page], metas: dict[str, dict]) -> None:
    """Print title, date and outlet accuracy of our HTML metadata against the gold records."""
    title_ok = sum(_norm(metas[p.id].get("title")) == _norm(p.gold.get("title")) for p in pages)
    dated = [p for p in pages if p.gold.get("date")]
    date_ok = sum(metas[p.id].get("date") == p.gold["date"] for p in dated)
    date_missing = sum(not metas[p.id].get("date") for p in dated)
    date_wrong = len(dated) - date_ok - date_missing
    undated_given = sum(bool(metas[p.id].get("date")) for p in pages if not p.gold.get("date"))
    outlet_ok = sum(outlet_matches(metas[p.id].get("sitename"), p.gold.get("outlet"))
                    for p in pages)
    outlet_missing = sum(not metas[p.id].get("sitename") for p in pages)
    n = len(pages) or 1
    print(f"\n== metadata ({OURS}, HTML) ==")
    print(f"title   {title_ok}/{len(pages)} = {title_ok / n:.3f} (normalised exact match)")
    print(f"date    {date_ok}/{len(dated)} correct, {date_missing} missing, {date_wrong} WRONG"
          f" (score {(date_ok - 2 * date_wrong) / (len(dated) or 1):.3f}: wrong counts -2);"
          f" {undated_given} dates given where the gold has none")
    print(f"outlet  {outlet_ok}/{len(pages)} = {outlet_ok / n:.3f} name the gold host, "
          f"{outlet_missing} missing")
    for p in pages:
        got = metas[p.id].get("date")
        if p.gold.get("date") and got and got != p.gold["date"]:
            print(f"  wrong date {p.id}: {got} ({metas[p.id].get('date_source')}) vs gold "
                  f"{p.gold['date']}")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark on a folder and print the tables; the last line is ``F1 <our HTML F1>``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="folder of <id>.html + <id>.json pages")
    ap.add_argument("--mode", choices=("html", "text", "both"), default="both")
    ap.add_argument("--per-page", action="store_true", help="print one line per page and system")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="the benchmark's score.py")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    pages = load_pages(args.folder)
    if not pages:
        raise SystemExit(f"no <id>.html + <id>.json pages in {args.folder}")
    scorer = load_scorer(args.scorer)
    ours_f1 = None
    if args.mode in ("text", "both"):
        runs = text_runs(pages)
        if runs:
            print_table("text-dump mode", scorer, runs, pages, args.per_page)
    if args.mode in ("html", "both"):
        metas: dict[str, dict] = {}
        results = print_table("HTML mode", scorer, html_runs(pages, metas), pages, args.per_page)
        print_metadata(pages, metas)
        ours_f1 = results[OURS][2]
    print(f"F1 {ours_f1:.4f}" if ours_f1 is not None else "F1 n/a (HTML mode not run)")


if __name__ == "__main__":
    main()
