"""Collection-level boilerplate: a line that recurs across documents of one outlet is site chrome.

A folder of one site's text dumps makes its own chrome obvious: the menu, the footer, the
newsletter box and the "Most read" heading are the same on every page, while an article's
paragraphs are its own. :func:`repeated_lines` finds the lines that several dumps share;
:func:`search.cleaner.clean_text` takes them as ``boilerplate`` and labels such a line chrome
where the rules only kept it for its position (a line whose own shape says it is a byline,
a date or a credit keeps its label).

Group dumps by outlet before calling it: syndicated copies of one wire story in different
outlets share whole paragraphs that are article text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

MIN_DOCUMENTS = 2  # a line in this many dumps of one outlet is the outlet's chrome
MIN_KEY_CHARS = 4  # shorter lines ("Home", "24") are too common to say anything


def line_key(text: str) -> str:
    """Return the line reduced to lower-case letters and digits, for matching across documents."""
    return re.sub(r"\W+", "", text.casefold())


def repeated_lines(texts: Iterable[str], min_documents: int = MIN_DOCUMENTS) -> frozenset[str]:
    """Return the keys of the lines that occur in at least ``min_documents`` of ``texts``."""
    documents: Counter[str] = Counter()
    for text in texts:
        documents.update({key for line in text.splitlines()
                          if len(key := line_key(line)) >= MIN_KEY_CHARS})
    return frozenset(key for key, count in documents.items() if count >= min_documents)
