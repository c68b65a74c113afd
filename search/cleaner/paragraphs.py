"""Paragraphs of plain text: blank lines and indented first lines start one, wrapped lines join.

A JSON record's body and a hard-wrapped ``.txt`` story (the 1987 Reuters wire: lines under 70
characters, each paragraph's first line indented, an indented "Reuter" to close) are written
this way. A "save as text" dump of a web page is not: it puts each block on a line of its own,
so the text cleaner reads it line by line and only unwraps a dump that :func:`hard_wrapped` says
is wrapped.
"""

from __future__ import annotations

import re

__all__ = ["WRAP_CHARS", "hard_wrapped", "record_paragraphs"]

# Hard-wrapped text has lines no longer than this: 99.99% of the lines of Reuters-21578's
# bodies are under 70 characters; a longer line is a paragraph of its own.
WRAP_CHARS = 80
# A text is hard-wrapped when at least this share of its non-blank lines fill a line and run
# straight on into the next (no blank line, no indent), and almost none is longer than WRAP_CHARS.
# (bench/fit_wrapping.py: Reuters-21578 TRAIN stories against the extraction benchmark's train
# dumps and the seeds; checked on the TEST stories and the dev dumps.)
WRAPPED_SHARE = 0.1  # [fitted]
FULL_LINE_CHARS = WRAP_CHARS // 2  # a wrapped line fills half the width at least; a menu's do not
LONG_LINE_SHARE = 0.01  # lines over WRAP_CHARS a wrapped text may have (a table row, a URL)
MIN_LINES = 3  # fewer lines say nothing about wrapping


def record_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of a record's body, each on one line.

    A paragraph ends at a blank line or before an indented line (the 1987 Reuters wire indents
    each paragraph's first line and ends with an indented "Reuter"). Inside a paragraph, lines
    of hard-wrapped text are joined; a block whose lines run longer than any wrapped text keeps
    one paragraph per line (a body written with one line per paragraph).
    """
    paragraphs: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        for piece in re.split(r"\n(?=[ \t]+\S)", chunk):
            lines = [" ".join(line.split()) for line in piece.splitlines()]
            lines = [line for line in lines if line]
            if any(len(line) > WRAP_CHARS for line in lines[:-1]):
                paragraphs.extend(lines)
            elif lines:
                paragraphs.append(" ".join(lines))
    return paragraphs


def hard_wrapped(text: str) -> bool:
    """Return whether ``text`` is hard-wrapped prose rather than one block per line."""
    lines = text.splitlines()
    filled = [line for line in lines if line.strip()]
    if len(filled) < MIN_LINES:
        return False
    if sum(len(line.strip()) > WRAP_CHARS for line in filled) > LONG_LINE_SHARE * len(filled):
        return False
    running_on = sum(1 for line, following in zip(lines, lines[1:], strict=False)
                     if len(line.strip()) >= FULL_LINE_CHARS and following.strip()
                     and not following[0].isspace())
    return running_on >= WRAPPED_SHARE * len(filled)
