"""A learned second opinion on the lines of a text dump: is this line article text?

The rules of :mod:`search.cleaner.text` label every line. Lines whose label comes from their
*position* rather than their *shape* (header and tail zone lines, body lines of the core,
sub-headings, captions, menus) are then scored by a small logistic regression on features that
carry across sites: the line's length and punctuation, its share of common function words, its
digits and symbols, where it stands (zone, distance from the core, position in the dump), its
neighbours, and whether it repeats in the dump. A line whose score falls beyond the model's
threshold on the other side of its rule label is relabelled (one threshold for each direction).

The weights, the function-word list and the threshold are data
(``search/data/text_line_model.json``), fitted on the training split of the extraction benchmark by
``bench/fit_text_lines.py``; nothing here was tuned by hand. Scoring is plain Python: no
scikit-learn at run time.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Sequence
from importlib import resources

from .document import Block

logger = logging.getLogger(__name__)

MODEL_FILE = "data/text_line_model.json"
# Labels the rules give by position, which the model may overturn. Labels given by a line's
# own shape (a known chrome phrase, a byline, a date line, a credit, the title) stay.
KEPT_BY_POSITION = frozenset({("body", None), ("heading", None), ("standfirst", None)})
DROPPED_BY_POSITION = frozenset({"header", "tail", "menu"})
WINDOW = 2  # neighbours on each side whose shape a line's features include
_TOKEN = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]")
_DIGITS = re.compile(r"\d")
_SYMBOLS = re.compile(r"[|•·»«/\\@#©®™€$£₹%+=*_<>{}\[\]]")
_LIST_MARK = re.compile(r"^([-•*–]|\d{1,2}[.)])\s")
_CLOSERS = "\"'”’)]»」』）"
_TERMINALS = (".", "!", "?", "…", "。", "！", "？", "．")


@dataclass(frozen=True)
class LineModel:
    """Logistic regression weights over named features, the function words and the threshold."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    drop_below: float  # a line the rules keep by position is dropped below this probability
    keep_from: float  # a line the rules drop by position is kept from this probability up
    stopwords: frozenset[str]
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Return P(article text) for each feature row."""
        out = []
        for row in rows:
            terms = zip(self.weights, row, self.means, self.scales, strict=True)
            z = self.bias + sum(w * (x - m) / s for w, x, m, s in terms)
            out.append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
        return out


@lru_cache(maxsize=1)
def load_model() -> LineModel | None:
    """Return the shipped model, or None (rules alone) when the file is missing or unreadable."""
    try:
        text = resources.files("search").joinpath(MODEL_FILE).read_text(encoding="utf-8")
        data = json.loads(text)
        names = tuple(data["features"])
        sizes = {len(data["weights"]), len(data["means"]), len(data["scales"]), len(names)}
        if names != FEATURES or len(sizes) != 1:
            logger.warning("text line model %s does not match the features of this version: not "
                           "used", MODEL_FILE)
            return None
        return LineModel(names, tuple(map(float, data["weights"])), float(data["bias"]),
                         float(data["drop_below"]), float(data["keep_from"]),
                         frozenset(data["stopwords"]), tuple(map(float, data["means"])),
                         tuple(float(s) or 1.0 for s in data["scales"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("text line model %s unreadable (%s): rules alone", MODEL_FILE, exc)
        return None


FEATURES = (
    "log_words", "terminal", "question", "colon_end", "title_case", "stopword_share", "digit_share",
    "symbol_share", "list_mark", "cjk", "repeated", "prose",
    "zone_header", "zone_tail", "core_distance", "position",
    "rule_kept", "rule_heading", "rule_caption", "rule_menu", "section_opened",
    "near_prose", "near_kept", "near_words", "prev_kept", "next_kept", "near_phrase",
)


def overridable(block: Block, by_shape: bool = False) -> bool:
    """Return whether the rules labelled this block by its position, so the model may overturn it.

    ``by_shape`` says the line's own shape decided its label (a chrome phrase, a photo credit, a
    date, a byline): such a label stands whatever the reason's name.
    """
    if by_shape:
        return False
    if block.label == "chrome":
        return block.reason in DROPPED_BY_POSITION
    return (block.label, block.reason) in KEPT_BY_POSITION


def line_features(texts: Sequence[str], words: Sequence[int], prose: Sequence[bool],
                  phrases: Sequence[bool], blocks: Sequence[Block], span: tuple[int, int],
                  stopwords: frozenset[str]) -> list[list[float]]:
    """Return one feature row (in ``FEATURES`` order) per line of the dump."""
    n = len(texts)
    start, end = span
    counts = Counter(text.casefold() for text in texts)
    kept = [1.0 if block.kept else 0.0 for block in blocks]
    opened = _section_opened(blocks)
    rows = []
    for i, text in enumerate(texts):
        tokens = _TOKEN.findall(text)
        lowered = [t.casefold() for t in tokens]
        letters = [t for t in tokens if _LETTERS.match(t)]
        chars = max(1, len(text))
        stripped = text.rstrip(_CLOSERS)
        near = [j for j in range(max(0, i - WINDOW), min(n, i + WINDOW + 1)) if j != i]
        distance = start - i if i < start else (i - end + 1 if i >= end else 0)
        block = blocks[i]
        rows.append([
            math.log1p(words[i]),
            1.0 if stripped.endswith(_TERMINALS) else 0.0,
            1.0 if stripped.endswith(("?", "!")) else 0.0,
            1.0 if stripped.endswith(":") else 0.0,
            sum(1 for t in letters if t[0].isupper()) / len(letters) if letters else 0.0,
            sum(1 for t in lowered if t in stopwords) / len(lowered) if lowered else 0.0,
            len(_DIGITS.findall(text)) / chars,
            len(_SYMBOLS.findall(text)) / chars,
            1.0 if _LIST_MARK.match(text) else 0.0,
            1.0 if words[i] and not tokens
            else (1.0 if any("\u3040" <= c <= "\u9fff" for c in text[:50]) else 0.0),
            1.0 if counts[text.casefold()] > 1 else 0.0,
            1.0 if prose[i] else 0.0,
            1.0 if i < start else 0.0,
            1.0 if i >= end else 0.0,
            math.log1p(distance),
            i / n,
            kept[i],
            1.0 if block.label == "heading" else 0.0,
            1.0 if block.reason == "caption" else 0.0,
            1.0 if block.reason == "menu" else 0.0,
            opened[i],
            sum(1.0 for j in near if prose[j]) / len(near) if near else 0.0,
            sum(kept[j] for j in near) / len(near) if near else 0.0,
            sum(math.log1p(words[j]) for j in near) / len(near) if near else 0.0,
            kept[i - 1] if i > 0 else 0.0,
            kept[i + 1] if i + 1 < n else 0.0,
            sum(1.0 for j in near if phrases[j]) / len(near) if near else 0.0,
        ])
    return rows


def _section_opened(blocks: Sequence[Block]) -> list[float]:
    """Return 1.0 for each line after a chrome phrase that opens a section (related, share, ...)."""
    out, seen = [], False
    for block in blocks:
        out.append(1.0 if seen else 0.0)
        if block.label == "chrome" and block.reason in ("related", "newsletter", "share", "paywall",
                                                        "comments"):
            seen = True
    return out


def relabel(blocks: list[Block], probabilities: Sequence[float], by_shape: Sequence[bool],
            drop_below: float, keep_from: float) -> list[Block]:
    """Return ``blocks`` with each position-labelled block the model confidently disagrees with
    relabelled; when the model would drop every line the rules keep, the rules stand (a dump
    of one paragraph has no neighbours to judge it by)."""
    out = []
    for block, p, shape in zip(blocks, probabilities, by_shape, strict=True):
        if overridable(block, shape) and block.kept and p < drop_below:
            out.append(Block(block.text, "chrome", "line-model"))
        elif overridable(block, shape) and not block.kept and p >= keep_from:
            out.append(Block(block.text, "body"))
        else:
            out.append(block)
    if any(block.kept for block in blocks) and not any(block.kept for block in out):
        return list(blocks)
    return out
