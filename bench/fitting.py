"""What the fitting scripts share: their train/check arguments and the benchmark pages as dumps.

A fitting script (``bench/fit_*.py``) reads a training folder of the extraction benchmark, fits
on it, and scores a second folder (``--check``) for the record only, with the benchmark's own
scorer (``--scorer``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from bench.extraction import DEFAULT_SCORER, load_pages, load_scorer
from bench.textdump import html_to_text_dump


@dataclass(frozen=True)
class Dump:
    """One benchmark page as the text dump its HTML gives, with its gold body and host."""

    id: str
    text: str
    gold: str
    host: str


def fit_parser(doc: str | None) -> argparse.ArgumentParser:
    """Return a parser with the arguments every fitting script takes: the training folder,
    ``--check`` (a second folder, scored for the record) and ``--scorer``; the first paragraph
    of ``doc`` (the script's docstring) is its description."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--check", type=Path,
                        help="a second folder scored with the fitted values (not used to choose)")
    parser.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    return parser


def scorer_of(args: argparse.Namespace) -> ModuleType:
    """Return the benchmark's scorer named by ``--scorer``."""
    return load_scorer(args.scorer)


def read_dumps(folder: Path | None) -> list[Dump]:
    """Return the text dumps of every page of ``folder`` (none when it is None), sorted by id."""
    if folder is None:
        return []
    return [Dump(p.id, html_to_text_dump(p.html), p.gold.get("body") or "",
                 p.gold.get("outlet") or p.id) for p in load_pages(folder)]
