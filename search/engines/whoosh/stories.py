"""Stories in a Whoosh index: each document's story, copies per story, and collapsing.

Collapsing is a step over the ranked order (``results.first_per_story``), grouping documents
by ``StoryTable.key``. ``copies`` and "also in" are read from the whole index, not from the matches:
they say where else a story ran.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ...models import Hit, StoryCopy
from ..results import with_copies
from .docs import GenerationCache


class StoryTable:
    """The story of every document of one index generation, and the live members of each.

    Stories are numbered: ``codes`` holds each document's story number (-1 for none), and the
    documents sorted by story number give each story's members as one slice.
    """

    def __init__(self, searcher, live: np.ndarray,
                 saved: Mapping[str, np.ndarray] | None = None) -> None:
        size = searcher.reader().doc_count_all()
        if saved and "story.codes" in saved:  # checked by saved.load
            self.codes, self.names = saved["story.codes"], saved["story.names"].tolist()
        else:
            self.codes, self.names = _story_codes(searcher, live, size)
        self._by_story = np.argsort(self.codes, kind="stable")  # docnums ascending per story
        self._sorted = self.codes[self._by_story]

    def arrays(self) -> dict[str, np.ndarray]:
        """Return the table's arrays by name, to be saved for other processes."""
        return {"story.codes": self.codes, "story.names": np.array(self.names, dtype=str)}

    def story(self, docnum: int) -> str | None:
        """Return the story of a document, or None."""
        code = int(self.codes[docnum])
        return self.names[code] if code >= 0 else None

    def members(self, docnum: int) -> list[int]:
        """Return the live documents of a document's story, in docnum order."""
        code = self.codes[docnum]
        low, high = np.searchsorted(self._sorted, [code, code + 1])
        return self._by_story[low:high].tolist()

    def key(self, docnum: int):
        """Return what collapsing groups by: the story, or the document itself without one."""
        return self.story(docnum) or docnum

    def count(self, docs: np.ndarray) -> int:
        """Return how many stories the documents (a mask over docnums) belong to."""
        codes = self.codes[docs]
        return int(np.unique(codes[codes >= 0]).size + np.count_nonzero(codes < 0))


def _story_codes(searcher, live: np.ndarray, size: int) -> tuple[np.ndarray, list[str]]:
    """Return each live document's story number (-1 for none) and the stories' ids."""
    codes = np.full(size, -1, dtype=np.int64)
    numbers: dict[str, int] = {}
    if "story" in searcher.schema and size:  # (an empty index has a reader without columns)
        for leaf, offset in searcher.leaf_searchers():
            for n, value in enumerate(leaf.reader().column_reader("story")):
                if value and live[offset + n]:
                    codes[offset + n] = numbers.setdefault(value, len(numbers))
    return codes, list(numbers)


_tables = GenerationCache()


def story_table(path: str, searcher, live: np.ndarray,
                saved: Mapping[str, np.ndarray] | None = None) -> StoryTable:
    """Return the StoryTable of this index generation, built once for all threads (from
    ``saved`` arrays where they are given)."""
    return _tables.get(path, searcher, lambda: StoryTable(searcher, live, saved))


def hits_with_copies(hits: Sequence[Hit], docnums: Sequence[int], table: StoryTable,
                     copy_of: Callable[[int], StoryCopy]) -> tuple[Hit, ...]:
    """Return the hits, each with its story's copy count and other copies ("also in"; each
    listed as ``copy_of`` a docnum returns it)."""
    out = []
    for hit, docnum in zip(hits, docnums, strict=True):
        if table.story(docnum) is None:
            out.append(hit)
            continue
        members = table.members(docnum)
        out.append(with_copies(hit, len(members), (copy_of(d) for d in members if d != docnum)))
    return tuple(out)
