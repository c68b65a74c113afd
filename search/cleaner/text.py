"""Text-mode cleaner: a "save as text" dump to labelled blocks and the article body.

How a dump is read (general signals only; the phrases it knows are data in ``chrome.py``):

1. Every non-empty line is a block. A line is *prose* when it is sentence-shaped: enough words
   and terminal punctuation, or simply long.
2. The article core is the run of lines that maximises prose words minus a fixed penalty per
   other line (Finn et al.'s Body Text Extraction, on lines instead of tags). Lines before it
   form the header zone, lines after it the tail zone.
3. Shapes that mean the same wherever they stand are labelled first: known chrome phrases,
   photo credits, agency credits, date lines, bylines, bare dates.
4. Header: the title (first headline-shaped line near the core), a masthead and tagline above
   it, a standfirst below it; the rest is chrome. Core: body, datelines, lone short lines as
   sub-headings, lone unpunctuated sentences as captions. Tail: credits are kept, everything
   else is chrome named after the section that opened it ("Related Articles", a paywall …).
5. A learned line model (``text_model``, fitted on the benchmark's train split) gives a second
   opinion on the lines labelled by position alone and relabels those it confidently disagrees
   with; lines the outlet's other dumps share (``collection``) are chrome when given.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .document import Block, CleanedDocument
from .chrome import (BARE_DATE, BYLINE, CAPTION_CREDIT, CHROME_PHRASES, CREDIT_LINE, DATE_LINE,
                     DATE_PATTERN, DATELINE, EDGE_ONLY_REASONS, SECTION_OPENERS, SIGN_OFF,
                     STICKY_SECTION)
from .paragraphs import hard_wrapped, record_paragraphs
from .text_model import line_features, load_model, overridable, relabel

logger = logging.getLogger(__name__)

# The constants below marked [train] were fitted on the extraction benchmark's train split by
# bench/fit_text_rules.py (coordinate ascent on the benchmark F1, seeds' labels held fixed);
# the comments say what each one means, not where its value came from.
# [train] "Washington says its diplomats are safe." is prose; "Read more." is not
PROSE_MIN_WORDS = 8
LONG_LINE_WORDS = 40  # [train] an unpunctuated line this long is a paragraph, not a headline
OTHER_LINE_PENALTY = 3  # [train] cost of one non-prose line inside the core, in prose words
# Each further line of an unbroken run of non-prose lines costs this much more: a sub-heading or
# caption between paragraphs is cheap, a menu or a list of other stories splits the page.
RUN_PENALTY_GROWTH = 0.25  # [train]
# A line opening a section of other content ("Related Articles", "View comments") nearly ends
# the article: only a much larger body of prose beyond it pulls the core across.
OPENER_PENALTY = 20  # [train]
CJK_CHARS_PER_WORD = 2  # Chinese and Japanese write no spaces; about two characters make a word
TITLE_WINDOW = 24  # [train] the headline stands among the last lines of the header zone
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 3, 30
HEADING_MAX_WORDS = 12
MENU_MIN_LINES = 4  # [train] this many short lines in a row inside the core are a menu or link list
CAPTION_MIN_WORDS = 10  # [train] a shorter lone unpunctuated line is a sub-heading
STANDFIRST_MAX_WORDS = 45
MASTHEAD_MAX_WORDS = 4
TAGLINE_MAX_WORDS = 8
CLOSERS = "\"'”’)]»」』）"
TERMINALS = (".", "!", "?", "…", ":", ";", "。", "！", "？", "．")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class _Line:
    """One non-empty input line with the features the zones decide on."""

    text: str
    words: int
    terminal: bool
    phrase: str | None  # the reason of the known chrome phrase it matches, if any

    @property
    def prose(self) -> bool:
        if self.phrase or _caption_credit(self):
            return False
        # a short question or exclamation is a headline or sub-heading ("Can a city run on
        # rainwater?")
        min_words = (HEADING_MAX_WORDS if self.text.rstrip(CLOSERS).endswith(("?", "!"))
                     else PROSE_MIN_WORDS)
        return (self.terminal and self.words >= min_words) or self.words >= LONG_LINE_WORDS


def clean_text(text: str, boilerplate: frozenset[str] = frozenset()) -> CleanedDocument:
    """Return the dump's article body (title left out) and every non-empty line as a labelled block.

    ``boilerplate`` holds keys (``line_key``) of lines that recur across the outlet's
    other dumps (``collection.Collection.boilerplate``): where the rules keep such a line only for
    its position, it is chrome.
    """
    lines, blocks, span = rule_blocks(text)
    model = load_model()
    by_shape = shaped(lines, span) if (model is not None or boilerplate) else []
    if model is not None and blocks:
        rows = features_of(lines, blocks, span, model.stopwords)
        blocks = relabel(blocks, model.probabilities(rows), by_shape, model.drop_below,
                         model.keep_from)
    if boilerplate:
        blocks = _drop_boilerplate(blocks, by_shape, boilerplate)
    body = "\n\n".join(block.text for block in blocks if block.kept)
    logger.debug("text dump: %d lines, core %d-%d, %d kept", len(lines), span[0], span[1],
                 sum(block.kept for block in blocks))
    return CleanedDocument(body=body, mode="text", blocks=tuple(blocks))


def line_key(text: str) -> str:
    """Return the line reduced to lower-case letters and digits, for matching across documents."""
    return re.sub(r"\W+", "", text.casefold())


def dump_lines(text: str) -> list[tuple[str, bool]]:
    """Return (``line_key``, is prose) for each line of a dump as ``clean_text`` reads it."""
    return [(line_key(line.text), line.prose) for line in map(_read_line, _text_lines(text))]


def _drop_boilerplate(blocks: list[Block], by_shape: list[bool],
                      boilerplate: frozenset[str]) -> list[Block]:
    """Return ``blocks`` with position-kept lines that recur across the collection labelled
    chrome."""
    out = [Block(block.text, "chrome", "boilerplate")
           if block.kept and overridable(block, shape) and line_key(block.text) in boilerplate
           else block
           for block, shape in zip(blocks, by_shape, strict=True)]
    return (out if any(block.kept for block in out) or not any(block.kept for block in blocks)
            else blocks)


def rule_blocks(text: str) -> tuple[list[_Line], list[Block], tuple[int, int]]:
    """Return the dump's lines, the rules' block for each, and the core span [start, end)."""
    lines = [_read_line(raw) for raw in _text_lines(text)]
    start, end = _core_span(lines)
    header = _label_header(lines[:start])
    core = _label_core(lines[start:end])
    tail = _label_tail(lines[end:])
    blocks = _collapse_titles(_mark_standfirst(header + core) + tail)
    if lines and SIGN_OFF.match(lines[-1].text):  # "Reuter" closing the story: its credit
        blocks[-1] = Block(lines[-1].text, "credit")
    return lines, blocks, (start, end)


def _text_lines(text: str) -> list[str]:
    """Return the text's lines as the cleaner reads them: one per paragraph of hard-wrapped text
    (a plain-text story), else the dump's non-empty lines with broken sentences joined."""
    if hard_wrapped(text):
        return record_paragraphs(text)
    return _join_broken_lines(text.splitlines())


def shaped(lines: list[_Line], span: tuple[int, int]) -> list[bool]:
    """Return, per line, whether its own shape decided its label (see ``_label_shape``)."""
    start, end = span
    zones = ["header" if i < start else ("core" if i < end else "tail") for i in range(len(lines))]
    return [_label_shape(line, zone) is not None for line, zone in zip(lines, zones, strict=True)]


def features_of(lines: list[_Line], blocks: list[Block], span: tuple[int, int],
                stopwords: frozenset[str]) -> list[list[float]]:
    """Return the line model's feature rows for the lines of one dump (see ``text_model``)."""
    return line_features([line.text for line in lines], [line.words for line in lines],
                         [line.prose for line in lines],
                         [line.phrase is not None for line in lines], blocks, span, stopwords)


def _join_broken_lines(raw_lines: list[str]) -> list[str]:
    """Return the non-empty lines, a line that starts in lower case joined to an unfinished one
    before it.

    Dumps of pages that break paragraphs with ``<br>`` cut sentences mid-way ("…has taken" /
    "to her Instagram page …"); the pieces only read as prose once joined.
    """
    joined: list[str] = []
    for raw in raw_lines:
        text = raw.strip()
        if not text:
            continue
        previous = joined[-1] if joined else ""
        if previous and text[0].islower() and not previous.rstrip(CLOSERS).endswith(TERMINALS):
            joined[-1] = f"{previous} {text}"
        else:
            joined.append(text)
    return joined


def _read_line(raw: str) -> _Line:
    """Return the stripped line with its shape features."""
    text = raw.strip()
    phrase = next((reason for reason, pattern in CHROME_PHRASES if pattern.search(text)), None)
    return _Line(text=text, words=_count_words(text),
                 terminal=text.rstrip(CLOSERS).endswith(TERMINALS), phrase=phrase)


def _count_words(text: str) -> int:
    """Return the number of words in ``text``, counting runs of CJK characters by length."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + -(-cjk // CJK_CHARS_PER_WORD)


def _core_span(lines: list[_Line]) -> tuple[int, int]:
    """Return [start, end) of the run of lines with the most prose words net of other lines."""
    best: float = 0
    best_span = (0, 0)
    total: float = 0
    start, run = 0, 0
    for index, line in enumerate(lines):
        if total <= 0:
            total, start = 0, index
        run = 0 if line.prose else run + 1
        total += line.words if line.prose else -(OTHER_LINE_PENALTY + RUN_PENALTY_GROWTH
                                                 * (run - 1))
        total -= OPENER_PENALTY if line.phrase in SECTION_OPENERS else 0
        if total > best:
            best, best_span = total, (start, index + 1)
    if best == 0:  # no prose at all: nothing to anchor zones on, so read the whole dump as core
        return 0, len(lines)
    return best_span


def _label_shape(line: _Line, zone: str) -> Block | None:
    """Return the block for a line whose shape decides its label in any zone, else None."""
    if line.phrase and not (zone == "core" and line.phrase in EDGE_ONLY_REASONS):
        return Block(line.text, "chrome", line.phrase)
    if DATE_LINE.match(line.text) and line.words <= 12:
        # "Updated Nov 19, 9:41 AM" states no year: a timestamp, not a usable date line
        return (Block(line.text, "date") if DATE_PATTERN.search(line.text)
                else Block(line.text, "chrome", "timestamp"))
    if line.words <= 8 and BYLINE.match(line.text):
        return Block(line.text, "byline")
    if line.words <= 40 and CREDIT_LINE.search(line.text):
        return Block(line.text, "credit")
    if _caption_credit(line):
        return Block(line.text, "chrome", "caption")
    if BARE_DATE.match(line.text):
        return Block(line.text, "chrome", "date-banner" if zone == "header" else "timestamp")
    return None


def _caption_credit(line: _Line) -> bool:
    """Return True for a caption or photo line ending in its credit ("… / AFP - Getty Images")."""
    return not line.terminal and CAPTION_CREDIT.search(line.text) is not None


def _label_header(lines: list[_Line]) -> list[Block]:
    """Return blocks for the lines above the core: masthead, tagline, title, standfirst, chrome."""
    title_at = _find_title(lines)
    blocks: list[Block] = []
    for index, line in enumerate(lines):
        block = _label_shape(line, "header")
        if block is None and index == title_at:
            block = Block(line.text, "title")
        elif (block is None and title_at is not None
              and line.text.casefold() == lines[title_at].text.casefold()):
            block = Block(line.text, "chrome", "repeated-title")
        elif block is None and title_at is not None and index < title_at:
            block = _label_above_title(line, index)
        elif (block is None and title_at is not None and index == title_at + 1
              and _standfirst_shaped(line)):
            block = Block(line.text, "standfirst")
        blocks.append(block or Block(line.text, "chrome", "header"))
    return blocks


def _find_title(lines: list[_Line]) -> int | None:
    """Return the index of the headline: the first headline-shaped line near the end of the
    header."""
    first = max(0, len(lines) - TITLE_WINDOW)
    for index in range(first, len(lines)):
        line = lines[index]
        if _label_shape(line, "header") is None and _headline_shaped(line):
            return index
    return None


def _headline_shaped(line: _Line) -> bool:
    """Return True for a line that reads like a headline: a few words, no closing full stop."""
    ends_with_stop = line.text.rstrip(CLOSERS).endswith((".", ";", ":"))
    return TITLE_MIN_WORDS <= line.words <= TITLE_MAX_WORDS and not ends_with_stop


def _standfirst_shaped(line: _Line) -> bool:
    """Return True for a summary sentence: long enough and not in Title Case (a second headline
    is)."""
    names = _WORD.findall(line.text)
    capitalised = sum(1 for name in names if name[0].isupper())
    return line.words >= PROSE_MIN_WORDS and capitalised * 2 <= len(names)


def _label_above_title(line: _Line, index: int) -> Block:
    """Return the block of a header line above the title: masthead, tagline or header chrome."""
    names = _WORD.findall(line.text)
    if (index == 0 and not line.terminal and 0 < line.words <= MASTHEAD_MAX_WORDS
            and len(names) == line.words and all(name[0].isupper() for name in names)):
        return Block(line.text, "masthead")
    if line.text.endswith(".") and line.words <= TAGLINE_MAX_WORDS:
        return Block(line.text, "chrome", "tagline")
    return Block(line.text, "chrome", "header")


def _label_core(lines: list[_Line]) -> list[Block]:
    """Return blocks for the core: body, datelines, sub-headings, captions, menus, chrome shapes."""
    blocks = []
    runs = _run_lengths(lines)
    for line, run in zip(lines, runs, strict=True):
        block = _label_shape(line, "core")
        if block is None and line.prose:
            block = Block(line.text, "dateline" if DATELINE.match(line.text) else "body")
        elif block is None and run >= MENU_MIN_LINES:
            block = Block(line.text, "chrome", "menu")
        elif block is None:
            block = _label_short_line(line)
        blocks.append(block)
    return blocks


def _run_lengths(lines: list[_Line]) -> list[int]:
    """Return, for each line, the length of the unbroken run of non-prose lines it belongs to (0 for
    prose)."""
    runs = [0] * len(lines)
    start = 0
    for index, line in enumerate(lines + [None]):
        if line is None or line.prose:
            runs[start:index] = [index - start] * (index - start)
            start = index + 1
    return runs


def _label_short_line(line: _Line) -> Block:
    """Return the block of a non-prose line inside the core: a sub-heading or a caption."""
    names = _WORD.findall(line.text)
    lower = sum(1 for name in names if name[0].islower())
    sentence_case = bool(names) and names[0][0].isupper() and lower * 2 > len(names)
    if sentence_case and line.words >= CAPTION_MIN_WORDS and not line.terminal:
        return Block(line.text, "chrome", "caption")
    if line.words <= HEADING_MAX_WORDS:
        return Block(line.text, "heading")
    return Block(line.text, "body")


def _label_tail(lines: list[_Line]) -> list[Block]:
    """Return blocks for the lines after the core: credits kept, the rest chrome by section."""
    section = "tail"
    blocks = []
    for line in lines:
        block = _label_shape(line, "tail")
        if section == STICKY_SECTION and (block is None or block.label == "chrome"):
            block = Block(line.text, "chrome", section)
        elif block is not None and block.reason in SECTION_OPENERS:
            section = block.reason
        blocks.append(block or Block(line.text, "chrome", section))
    return blocks


def _mark_standfirst(blocks: list[Block]) -> list[Block]:
    """Return ``blocks`` with the first body block relabelled standfirst when it follows the
    title."""
    seen_title = False
    for index, block in enumerate(blocks):
        if block.label == "title":
            seen_title = True
        elif block.label == "standfirst":
            return blocks
        elif block.kept:
            if (seen_title and block.label == "body"
                and len(block.text.split()) <= STANDFIRST_MAX_WORDS):
                blocks[index] = Block(block.text, "standfirst")
            return blocks
    return blocks


def _collapse_titles(blocks: list[Block]) -> list[Block]:
    """Return ``blocks`` with every repeat of the title line labelled chrome, so one title
    remains."""
    title = next((block.text for block in blocks if block.label == "title"), None)
    if title is None:
        return blocks
    first = next(index for index, block in enumerate(blocks) if block.label == "title")
    return [Block(block.text, "chrome", "repeated-title")
            if index != first and block.text.casefold() == title.casefold() else block
            for index, block in enumerate(blocks)]
