"""Text-dump mode of the extraction benchmark: pages to "save as text" dumps, cleaned and scored.

    python -m bench.textdump ../shared/extraction-bench/dev/ [--out DIR]

For every ``<id>.html`` in the folder it writes ``DIR/dumps/<id>.txt`` (the page's visible text,
one block per line, as a browser's "save as text" gives), ``DIR/raw/<id>.txt`` (the dump kept
whole: the baseline) and ``DIR/clean/<id>.txt`` (the body :func:`search.cleaner.clean_text`
keeps), then scores both against the gold with the benchmark's ``score.py``.
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

from search.cleaner import clean_text

logger = logging.getLogger(__name__)

# Elements whose text a browser never shows.
HIDDEN_TAGS = ("script", "style", "noscript", "template", "svg", "head", "iframe", "object")
# Elements a browser lays out as their own block, so "save as text" puts them on their own line.
BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr "
    "ul option button caption".split()
)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
SCORE_SCRIPT = (Path(__file__).resolve().parent.parent.parent / "shared" / "extraction-bench"
                / "score.py")


def html_to_text_dump(html: str) -> str:
    """Return the page's visible text, one block per line, blank lines between blocks."""
    if not html.strip():
        return ""
    # lxml refuses a str that declares its encoding (`<?xml version="1.0" encoding="utf-8"?>`
    # before an XHTML page): the text is decoded already, so the declaration goes.
    root = lxml.html.fromstring(XML_DECLARATION.sub("", html, count=1))
    hidden = list(root.iter(*HIDDEN_TAGS))
    hidden += root.xpath('//*[@hidden or contains(translate(@style, " ", ""), "display:none")]')
    for element in hidden:
        if element.getparent() is not None:  # the root itself, or already dropped with a parent
            element.drop_tree()
    chunks: list[str] = []
    _collect_text(root, chunks)
    lines = (" ".join(line.split()) for line in "".join(chunks).split("\n"))
    return "\n\n".join(line for line in lines if line) + "\n"


def _collect_text(element: lxml.html.HtmlElement, chunks: list[str]) -> None:
    """Append the element's text to ``chunks``, with a newline around each block element."""
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag.lower() in BLOCK_TAGS
    if block:
        chunks.append("\n")
    if isinstance(element.tag, str) and element.text:
        chunks.append(element.text)
    for child in element:
        _collect_text(child, chunks)
        if child.tail:
            chunks.append(child.tail)
    if block:
        chunks.append("\n")


def write_predictions(folder: Path, out: Path) -> tuple[int, float]:
    """Write dumps, raw baselines and cleaned bodies for every page; return (pages, seconds
    cleaning)."""
    for sub in ("dumps", "raw", "clean"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    pages, seconds = 0, 0.0
    for page in sorted(folder.glob("*.html")):
        dump = html_to_text_dump(page.read_text(encoding="utf-8", errors="replace"))
        (out / "dumps" / f"{page.stem}.txt").write_text(dump, encoding="utf-8")
        (out / "raw" / f"{page.stem}.txt").write_text(dump, encoding="utf-8")
        started = time.perf_counter()
        body = clean_text(dump).body
        seconds += time.perf_counter() - started
        (out / "clean" / f"{page.stem}.txt").write_text(body, encoding="utf-8")
        pages += 1
    return pages, seconds


def score(gold: Path, predictions: Path, per_page: bool = False) -> str:
    """Return the output of the benchmark's ``score.py`` for one folder of predictions."""
    command = [sys.executable, str(SCORE_SCRIPT), str(gold), str(predictions), "--bootstrap", "0"]
    if per_page:
        command.append("--per-page")
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main(argv: list[str] | None = None) -> None:
    """Make text dumps of a benchmark folder, clean them, and print raw vs cleaned scores."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="benchmark folder of <id>.html and <id>.json")
    parser.add_argument("--out", type=Path,
                        help="where to write dumps and predictions (default: a temp dir)")
    parser.add_argument("--per-page", action="store_true",
                        help="print per-page scores of the cleaner")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="textdump-"))
    pages, seconds = write_predictions(args.folder, out)
    print(f"{pages} pages; dumps and predictions in {out}; cleaning "
          f"{pages / max(seconds, 1e-9):.0f} pages/s")
    for name in ("raw", "clean"):
        result = score(args.folder, out / name, per_page=args.per_page and name == "clean")
        print(f"--- {name} ({'baseline: the dump kept whole' if name == 'raw' else 'clean_text'})")
        print(re.sub(r"(?m)^", "  ", result.rstrip()))


if __name__ == "__main__":
    main()
