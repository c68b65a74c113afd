"""Valid Unicode for everything stored, printed or sent.

Python strings may hold lone surrogates (from JSON escapes such as ``\\ud800`` or from file
names that are not UTF-8); such text cannot be encoded as UTF-8, so a terminal, a web page or a
JSON export would fail on it. It is repaired before it is stored and again when it is read.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: str) -> str:
    """Return ``value`` with every lone surrogate replaced by U+FFFD (other text unchanged)."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


def valid_data(value: Any, depth: int = 8) -> Any:
    """Return JSON-like data (dicts, lists, strings) with every string made valid.

    Only ``depth`` levels are walked: stored articles are shallow, and deeper data is left as
    it is rather than risking a recursion error.
    """
    if isinstance(value, str):
        return valid_text(value)
    if depth <= 0:
        return value
    if isinstance(value, dict):
        return {valid_data(k, depth - 1): valid_data(v, depth - 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(valid_data(v, depth - 1) for v in value)
    return value
