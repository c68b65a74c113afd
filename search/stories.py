"""Story ids: syndicated copies and light rewrites of one story share an id.

Each body becomes a set of word 5-shingles (hashed to 64 bits) and a MinHash signature of 60
values, cut into 20 bands of 3 (LSH: a pair with Jaccard 0.6 shares a band with probability
0.99, a pair at 0.2 with 0.15). A band collision only makes a candidate: an article joins a
story when the exact Jaccard of its shingles with a member's is at least ``THRESHOLD``, so topic
neighbours (two reports of one event, earnings notices written from one template) stay apart.

Ids are assigned first come, and kept: an article joins the story of its best match, or, when
indexed again, keeps the story of its own previous version if its text still matches it;
otherwise it starts a story whose id is a hash of its id and content, so a rewritten article
never keeps an id that others still carry. ``copies`` is counted at search time, so removing an
article leaves nothing stale.

The LSH bands live in a sidecar in the index folder (``stories.npz``), checked against the
index on load: rows whose article is gone or changed are dropped, articles without a row are
fingerprinted again from their stored body (after a crash between a commit and the save).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from .models import Article

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 5
BANDS, ROWS = 20, 3
# Shingle Jaccard a pair needs to share a story. On Reuters-21578, pairs at 0.5-0.6 include
# templated notices of different issuers (equity warrant bonds, defence contracts); above 0.6
# they are copies, corrections and rewrites of one story (bench/stories.py prints samples).
THRESHOLD = 0.6
# Bodies shorter than this (in words) get a story of their own: too short to tell a copy from
# a template ("Shr 10 cts vs 5 cts").
MIN_WORDS = 40
# Candidates verified per article, most band collisions first.
MAX_CANDIDATES = 12
# A candidate this close is the same text; a new article stops looking further.
SAME_TEXT = 0.95
SIDECAR = "stories.npz"
_WORD = re.compile(r"\w+")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_rng = np.random.RandomState(20190516)  # fixed: signatures must not change between runs
_PERM_A = _rng.randint(1, 2**62, BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
_PERM_B = _rng.randint(0, 2**62, BANDS * ROWS, dtype=np.uint64)
_BAND_MIX = _rng.randint(1, 2**62, ROWS, dtype=np.uint64) | np.uint64(1)
_SHINGLE_MIX = np.uint64(1000003)


@dataclass(frozen=True)
class Fingerprint:
    """A body's hashed shingles (sorted, unique) and its LSH band keys."""

    shingles: np.ndarray
    bands: np.ndarray


def shingles(body: str) -> np.ndarray | None:
    """Return the sorted unique 64-bit hashes of the body's word 5-shingles, or None when the
    body is shorter than ``MIN_WORDS``."""
    words = _WORD.findall(body.lower())
    if len(words) < MIN_WORDS:
        return None
    tokens = np.fromiter((zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words),
                         dtype=np.uint64, count=len(words))
    count = len(tokens) - SHINGLE_WORDS + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        for i in range(SHINGLE_WORDS):
            hashes = hashes * _SHINGLE_MIX + tokens[i:i + count]
    return np.unique(hashes)


def fingerprint(body: str) -> Fingerprint | None:
    """Return the body's shingles and band keys, or None when it is too short to compare."""
    hashed = shingles(body)
    if hashed is None:
        return None
    with np.errstate(over="ignore"):
        signature = (np.multiply.outer(_PERM_A, hashed) + _PERM_B[:, None]).min(axis=1)
        keys = (signature.reshape(BANDS, ROWS) * _BAND_MIX).sum(axis=1)
    # The band number goes into the key, so equal values in different bands do not collide.
    keys = (keys & ~np.uint64(0xFF)) | np.arange(BANDS, dtype=np.uint64)
    return Fingerprint(hashed, keys)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Jaccard similarity of two sorted unique shingle arrays."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def new_story_id(article: Article) -> str:
    """Return the id of a story this article starts (changes when its content does)."""
    key = f"{article.id}\n{article.content_hash}"
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class StoryIndex:
    """The LSH bands of every indexed article, with their ids and stories.

    ``body_of`` returns the stored body of an indexed article (to verify a candidate), or None.
    """

    def __init__(self, body_of: Callable[[str], str | None], path: Path | None = None) -> None:
        self.path = path
        self._body_of = body_of
        self.ids: list[str] = []
        self.stories: list[str] = []
        self.hashes: list[str] = []
        self._row: dict[str, int] = {}  # article id → its current row
        self._bands = np.zeros((0, BANDS), dtype=np.uint64)
        self._sorted_keys = np.zeros(0, dtype=np.uint64)
        self._sorted_rows = np.zeros(0, dtype=np.int64)
        self._recent: dict[int, list[int]] = {}  # band key → rows added since the last fold
        self._new_bands: list[np.ndarray] = []
        self._pending: dict[str, np.ndarray] = {}  # shingles of articles not yet committed
        self.merged = 0  # articles of this run that joined a story of another article

    # -- loading and saving ----------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None, indexed: Mapping[str, str], stored: Callable[[str], Article | None]
             ) -> StoryIndex:
        """Return the story index of an engine's articles (``indexed``: content hash by id),
        from the sidecar at ``path`` where it matches, fingerprinting the rest again."""
        def body_of(article_id: str) -> str | None:
            article = stored(article_id)
            return article.body if article else None

        out = cls(body_of, path)
        rows = out._read_sidecar(indexed)
        missing = [i for i in indexed if i not in rows]
        if missing:
            logger.info("fingerprinting %d indexed articles missing from %s", len(missing), path)
        for article_id in missing:
            article = stored(article_id)
            if article is None:
                continue
            fp = fingerprint(article.body)
            story = article.story or new_story_id(article)
            rows[article_id] = (story, indexed[article_id],
                                fp.bands if fp is not None else None)
        for article_id, (story, content, bands) in rows.items():
            out._add_row(article_id, story, content, bands, lookup=False)
        out._fold()
        return out

    def _read_sidecar(self, indexed: Mapping[str, str]) -> dict[str, tuple]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as data:
                ids, stories, hashes = data["ids"], data["stories"], data["hashes"]
                bands, has = data["bands"], data["has_bands"]
        except (OSError, ValueError, KeyError, EOFError) as exc:
            logger.warning("ignoring unreadable %s (%s): fingerprinting again", self.path, exc)
            return {}
        if bands.shape[1:] != (BANDS,):
            return {}  # made with other LSH settings
        rows = {}
        for n, article_id in enumerate(ids.tolist()):
            if indexed.get(article_id) == hashes[n]:
                rows[article_id] = (str(stories[n]), str(hashes[n]), bands[n] if has[n] else None)
        return rows

    def save(self) -> None:
        """Write the sidecar (atomically); nothing without a path."""
        if self.path is None:
            return
        self._fold()
        live = [n for n, article_id in enumerate(self.ids) if self._row.get(article_id) == n]
        bands = self._bands[live] if live else np.zeros((0, BANDS), dtype=np.uint64)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, ids=np.array([self.ids[n] for n in live], dtype=str),
                 stories=np.array([self.stories[n] for n in live], dtype=str),
                 hashes=np.array([self.hashes[n] for n in live], dtype=str),
                 bands=bands, has_bands=bands.any(axis=1))
        os.replace(tmp, self.path)

    # -- assigning -------------------------------------------------------------------------

    def assign(self, article: Article, fp: Fingerprint | None) -> str:
        """Return the story id of an article about to be indexed, and remember it."""
        previous = self._row.get(article.id)
        story = None
        if fp is not None:
            story = self._matching_story(article.id, fp, previous)
        if story is None:
            story = new_story_id(article)
        else:
            self.merged += previous is None or self.stories[previous] != story
        self._add_row(article.id, story, article.content_hash, fp.bands if fp is not None else None)
        if fp is not None:
            self._pending[article.id] = fp.shingles
        return story

    def committed(self) -> None:
        """Forget the shingles held for uncommitted articles (the engine has their bodies now)."""
        self._pending.clear()
        self._fold()

    def _matching_story(self, article_id: str, fp: Fingerprint, previous: int | None) -> str | None:
        best, best_score = None, THRESHOLD
        checked: set[str] = set()  # stories already compared through their closest member
        for row in self._candidates(fp.bands):
            other = self.ids[row]
            own = other == article_id
            if not own and self.stories[row] in checked:
                continue  # a copy of a syndicated story meets all its members: one is enough
            if not own and np.array_equal(self._bands_of(row), fp.bands):
                score = 1.0  # all 20 band keys (60 MinHash values) equal: the same text
            else:
                theirs = self._shingles_of(other, own)
                if theirs is None:
                    continue
                score = jaccard(fp.shingles, theirs)
            if own and score >= THRESHOLD:
                return self.stories[row]  # still the same story: keep its id
            if not own:
                checked.add(self.stories[row])
                if score >= best_score:
                    best, best_score = self.stories[row], score
                if score >= SAME_TEXT and previous is None:
                    break  # the same text: no other story can be closer
        return best

    def _bands_of(self, row: int) -> np.ndarray:
        """Return a row's band keys, folded into the sorted arrays or not yet."""
        folded = len(self._bands)
        return self._bands[row] if row < folded else self._new_bands[row - folded]

    def _shingles_of(self, article_id: str, own: bool) -> np.ndarray | None:
        if not own and article_id in self._pending:
            return self._pending[article_id]
        body = self._body_of(article_id)  # for its own id: the version still in the index
        return shingles(body) if body else None

    def _candidates(self, keys: np.ndarray) -> list[int]:
        """Return rows sharing a band with these keys, most shared bands first."""
        counts: dict[int, int] = {}
        if len(self._sorted_keys):
            low = np.searchsorted(self._sorted_keys, keys, "left")
            high = np.searchsorted(self._sorted_keys, keys, "right")
            for a, b in zip(low.tolist(), high.tolist()):
                for row in self._sorted_rows[a:b].tolist():
                    counts[row] = counts.get(row, 0) + 1
        for key in keys.tolist():
            for row in self._recent.get(key, ()):
                counts[row] = counts.get(row, 0) + 1
        # Rows of replaced versions are skipped; the current row of the article being assigned
        # is its previous version, which it may keep the story of.
        current = [r for r in counts if self._row.get(self.ids[r]) == r]
        return sorted(current, key=lambda r: (-counts[r], r))[:MAX_CANDIDATES]

    def _add_row(self, article_id: str, story: str, content: str, bands: np.ndarray | None,
                 lookup: bool = True) -> None:
        """Add a row; ``lookup`` makes it a candidate at once (before the next fold)."""
        row = len(self.ids)
        self.ids.append(article_id)
        self.stories.append(story)
        self.hashes.append(content)
        self._row[article_id] = row
        self._new_bands.append(bands if bands is not None else np.zeros(BANDS, dtype=np.uint64))
        if bands is not None and lookup:
            for key in bands.tolist():
                self._recent.setdefault(key, []).append(row)

    def _fold(self) -> None:
        """Move the rows added since the last fold into the sorted key arrays."""
        if not self._new_bands:
            return
        start = len(self._bands)
        new = np.vstack(self._new_bands)
        self._bands = np.vstack([self._bands, new])
        has = new.any(axis=1)
        rows = np.repeat(np.arange(start, start + len(new))[has], BANDS)
        keys = new[has].reshape(-1)
        keys = np.concatenate([self._sorted_keys, keys])
        rows = np.concatenate([self._sorted_rows, rows])
        order = np.argsort(keys, kind="stable")
        self._sorted_keys, self._sorted_rows = keys[order], rows[order]
        self._new_bands, self._recent = [], {}


def sidecar_path(engine) -> Path | None:
    """Return where an engine keeps its story sidecar: beside a Whoosh index, else nowhere."""
    folder = getattr(engine, "path", None)
    return Path(folder) / SIDECAR if folder else None


__all__ = ["Fingerprint", "StoryIndex", "fingerprint", "jaccard", "new_story_id", "shingles",
           "sidecar_path", "THRESHOLD", "MIN_WORDS"]
