"""Collection-level boilerplate: a line that recurs across documents of one outlet is site chrome.

A folder of one site's text dumps makes its own chrome obvious: the menu, the footer, the
newsletter box and the "Most read" heading are the same on every page, while an article's
paragraphs are its own. :class:`Collection` reads every dump of an indexing run once, groups
the dumps by outlet and, for each dump, names the lines its outlet's other dumps share;
:func:`search.cleaner.clean_text` takes them as ``boilerplate`` and labels such a line chrome
where the rules only kept it for its position (a line whose own shape says it is a byline, a
date or a credit keeps its label).

The *outlet* of a dump is not known before cleaning (a dump names no host), so it is read off
the chrome itself: two dumps belong to one outlet when their short, non-sentence lines (menus,
footers, section names) overlap enough. Grouping by outlet rather than pooling the whole
collection matters: syndicated copies of one wire story in different outlets share whole
paragraphs that are article text, but not their menus.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .site_titles import SiteTitles
from .text import dump_lines, line_key

logger = logging.getLogger(__name__)

__all__ = ["NOTHING_SHARED", "Collection", "Shared", "line_key", "repeated_lines"]

MIN_DOCUMENTS = 2  # a line in this many dumps of one outlet is the outlet's chrome
MIN_KEY_CHARS = 4  # shorter lines ("Home", "24") are too common to say anything
# Two dumps are of one outlet when they share at least SAME_OUTLET_LINES of their non-sentence
# lines and these make at least SAME_OUTLET_OVERLAP of the smaller dump's such lines. [train]
# (bench/fit_collection.py: pairs of train dumps against the gold host, then the text F1.)
SAME_OUTLET_LINES = 5  # [train]
SAME_OUTLET_OVERLAP = 0.5  # [train]
# A sentence-shaped line is chrome only when more than this share of the outlet's dumps has it.
# A bound, not a fit (train has no outlet with more than 3 pages): two versions of one story
# saved from the same site share their paragraphs, and those are article text.
PROSE_SHARE = 0.5


def _hash(key: str) -> int:
    """Return a 64-bit hash of a line key (stable across processes, unlike ``hash``)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _keyed(text: str) -> list[tuple[str, bool]]:
    """Return (key, is prose) for each line of a dump long enough to say something."""
    return [(key, prose) for key, prose in dump_lines(text) if len(key) >= MIN_KEY_CHARS]


@dataclass(frozen=True)
class Shared:
    """What a document's outlet's other documents in the collection share with it."""

    lines: frozenset[str] = frozenset()  # keys of a text dump's lines that are the outlet's chrome
    title_affixes: frozenset[str] = frozenset()  # parts of an HTML page's titles its site repeats

    def fingerprint(self) -> str:
        """Return a string that changes when what is shared does ("" when nothing is)."""
        if not self:
            return ""
        return "\x1f".join([*sorted(self.lines), "\x1e", *sorted(self.title_affixes)])

    def __bool__(self) -> bool:
        return bool(self.lines or self.title_affixes)


NOTHING_SHARED = Shared()


@dataclass
class _Outlet:
    """The dumps of one outlet seen so far: the first dump's signature and line counts."""

    signature: frozenset[int]  # the non-sentence lines of the outlet's first dump
    counts: Counter[int] = field(default_factory=Counter)  # dumps of the outlet holding each line
    size: int = 0


class Collection:
    """The documents of one indexing run, grouped by outlet, to tell chrome from article text.

    ``add`` every text dump and ``add_page`` every HTML page first (only hashes of a dump's
    lines and a page's title parts are kept), then ask ``shared`` for each document.
    """

    def __init__(self) -> None:
        self.titles = SiteTitles()
        self._outlets: list[_Outlet] = []
        self._outlet_of: dict[str, int] = {}
        self._by_line: dict[int, list[int]] = {}  # signature line -> outlets whose signature has it
        self._named: dict[str, int] = {}  # outlets given by name (a hint), not by their chrome

    def __len__(self) -> int:
        return len(self._outlet_of)

    def add(self, source: str, text: str, outlet: str | None = None) -> None:
        """Read one dump into the collection (a source added twice counts once).

        ``outlet``, when the dump's outlet is known (a hint), groups it with the dumps given
        the same name instead of by its chrome.
        """
        if source in self._outlet_of:
            return
        lines = _keyed(text)
        signature = frozenset(_hash(key) for key, prose in lines if not prose)
        index = self._named.get(outlet) if outlet else self._same_outlet(signature)
        if index is None:
            index = len(self._outlets)
            self._outlets.append(_Outlet(signature if outlet is None else frozenset()))
            if outlet:
                self._named[outlet] = index
            for line in self._outlets[index].signature:
                self._by_line.setdefault(line, []).append(index)
        group = self._outlets[index]
        group.counts.update({_hash(key) for key, _ in lines})
        group.size += 1
        self._outlet_of[source] = index

    def _same_outlet(self, signature: frozenset[int]) -> int | None:
        """Return the first outlet whose signature overlaps ``signature`` enough, else None."""
        shared: Counter[int] = Counter()
        for line in signature:
            shared.update(self._by_line.get(line, ()))
        for index, count in sorted(shared.items()):
            smaller = min(len(signature), len(self._outlets[index].signature))
            if count >= SAME_OUTLET_LINES and count >= SAME_OUTLET_OVERLAP * smaller:
                return index
        return None

    def add_page(self, source: str, html: str, url: str | None = None) -> None:
        """Read one HTML page's declared titles into the collection."""
        self.titles.add(source, html, url)

    def shared(self, source: str, kind: str, content: str) -> Shared:
        """Return what the outlet's other documents share with this one (``kind``: "text" or
        "html")."""
        if kind == "text":
            return Shared(lines=self.boilerplate(source, content))
        if kind == "html":
            return Shared(title_affixes=self.titles.affixes(source))
        return Shared()

    def same_outlet(self, source: str, other: str) -> bool:
        """Return whether two added dumps were grouped into one outlet."""
        index = self._outlet_of.get(source)
        return index is not None and index == self._outlet_of.get(other)

    def outlet_size(self, source: str) -> int:
        """Return how many dumps of the collection share this dump's outlet (0 if not added)."""
        index = self._outlet_of.get(source)
        return 0 if index is None else self._outlets[index].size

    def boilerplate(self, source: str, text: str) -> frozenset[str]:
        """Return the keys of the lines of ``text`` that its outlet's other dumps share."""
        index = self._outlet_of.get(source)
        if index is None:
            return frozenset()
        outlet = self._outlets[index]
        if outlet.size < MIN_DOCUMENTS:
            return frozenset()
        out = set()
        for key, prose in _keyed(text):
            count = outlet.counts[_hash(key)]
            if count >= MIN_DOCUMENTS and (not prose or count > PROSE_SHARE * outlet.size):
                out.add(key)
        return frozenset(out)


def repeated_lines(texts: Iterable[str], min_documents: int = MIN_DOCUMENTS) -> frozenset[str]:
    """Return the keys of the lines that occur in at least ``min_documents`` of ``texts``
    (the texts taken as one outlet's dumps, without grouping)."""
    documents: Counter[str] = Counter()
    for text in texts:
        documents.update({key for key, _ in _keyed(text)})
    return frozenset(key for key, count in documents.items() if count >= min_documents)
