"""An article's highlighted paragraphs as text segments with numbered matches.

The engine returns paragraphs as escaped HTML with ``<mark>`` around matches. Turning them back
into plain text pieces lets the template number the matches (``#m1``, ``#m2``, …) and add the
links between them while it autoescapes every piece of article text itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass(frozen=True)
class Segment:
    """A run of paragraph text; ``match`` numbers it (from 1) when it matched the query."""

    text: str
    match: int | None = None


def numbered_paragraphs(paragraphs: list[str]) -> tuple[list[list[Segment]], int]:
    """Return each paragraph as segments, and how many matches there are in all."""
    out, number = [], 0
    for paragraph in paragraphs:
        segments, last = [], 0
        for found in _MARK.finditer(paragraph):
            if found.start() > last:
                segments.append(Segment(html.unescape(paragraph[last:found.start()])))
            number += 1
            segments.append(Segment(html.unescape(found.group(1)), number))
            last = found.end()
        if last < len(paragraph):
            segments.append(Segment(html.unescape(paragraph[last:])))
        out.append(segments)
    return out, number
