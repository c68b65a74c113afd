"""Outlet names on the extraction benchmark: how many name the page's host, and how many are a
bare host name ("cbsnews.com") rather than the outlet's name.

    python -m bench.outlets ../shared/extraction-bench/train/ [--list]

The gold ``outlet`` of the benchmark is the page's host, so "names the host" uses the lenient
test of bench/extraction.py (``outlet_matches``: "The New York Times" names nytimes.com).
A bare host counts as a host-form outlet even when it matches. ``--list`` prints every page.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.extraction import outlet_matches  # noqa: E402
from search.cleaner import clean_html  # noqa: E402
from search.cleaner.html_meta import HOST_RE  # noqa: E402
from search.metadata import extract_metadata  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--list", action="store_true", help="print host and outlet of every page")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    pages = named = host_form = missing = 0
    for gold_path in sorted(Path(args.folder).glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        html = gold_path.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
        outlet = extract_metadata(clean_html(html, url=gold.get("url")), {}).outlet
        pages += 1
        named += outlet_matches(outlet, gold["outlet"])
        host_form += bool(outlet and HOST_RE.match(outlet))
        missing += not outlet
        if args.list:
            print(f"{gold['outlet']:<30} {outlet!r}")
    print(f"pages {pages}: outlet names the host {named} ({named / pages:.1%}), "
          f"host-form {host_form} ({host_form / pages:.1%}), missing {missing}")


if __name__ == "__main__":
    main()
