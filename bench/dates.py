"""Publication dates of the extraction benchmark's pages: how many newsfacet dates, and how many
wrongly.

    python -m bench.dates [../shared/extraction-bench/train ../shared/extraction-bench/dev]

Gold dates come in two kinds, reported apart: ``annotated`` (WCXB pages, dates checked by
people) and dates the benchmark's builder read from the page's own meta tags (Scrapinghub
pages). The second kind is circular for a meta-tag reader and, for a UTC timestamp, is the
UTC day, not the publisher's; it still catches parser errors. Also prints htmldate alone
(``find_date(original_date=True)``) on the same pages.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SPLITS = [ROOT.parent / "shared" / "extraction-bench" / name for name in ("train", "dev")]


def score(folder: Path) -> dict[str, Counter]:
    """Return, per system and gold kind, counts of pages: gold, dated, right, wrong."""
    from htmldate import find_date

    from search.cleaner import clean_html
    from search.metadata import extract_metadata

    counts: dict[str, Counter] = {"newsfacet": Counter(), "htmldate": Counter()}
    for gold_path in sorted(folder.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if not gold.get("date"):
            continue
        html = gold_path.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
        kind = "annotated" if gold.get("date_source") == "annotated" else "meta"
        meta = extract_metadata(clean_html(html, url=gold.get("url")))
        ours = meta.date.isoformat() if meta.date else None
        theirs = find_date(html, url=gold.get("url"), original_date=True)
        for system, found in (("newsfacet", ours), ("htmldate", theirs)):
            tally = counts[system]
            for key in (kind, "all"):
                tally[key, "pages"] += 1
                if found:
                    tally[key, "dated"] += 1
                    tally[key, "right" if found == gold["date"] else "wrong"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dates",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("splits", nargs="*", type=Path, default=DEFAULT_SPLITS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # dateutil warns on unknown zone names in page markup
    print(f"{'split':<8}{'system':<11}{'gold':<11}{'pages':>6}{'dated':>8}{'wrong':>8}")
    for folder in args.splits:
        for system, tally in score(folder).items():
            for kind in ("annotated", "meta", "all"):
                pages, dated = tally[kind, "pages"], tally[kind, "dated"]
                if pages:
                    print(f"{folder.name:<8}{system:<11}{kind:<11}{pages:>6}{dated / pages:>8.1%}"
                          f"{tally[kind, 'wrong'] / max(dated, 1):>8.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
