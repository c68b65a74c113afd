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

The band keys live in a sidecar in the index folder (``stories.sqlite``), on disk so that
memory stays flat whatever the corpus size, and committed after each batch the engine commits.
On load it is checked against the index: rows whose article is gone or changed are dropped,
articles without a row are fingerprinted again from their stored body (after a crash between
a commit and the sidecar's, or with a sidecar of an earlier version or other LSH settings).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engines import Engine
from .errors import IndexBusy, IndexWriteFailed
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
SIDECAR = "stories.sqlite"
CACHE_KB = 32_000  # SQLite page cache of the sidecar, per run
_OLD_SIDECARS = ("stories.npz", "stories.npz.tmp.npz")
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
    """The LSH band keys of every indexed article, with its id, story and content hash.

    Kept in SQLite, not in memory, so that a run's memory does not grow with the number of
    articles indexed: the sidecar beside the index, or a private temporary database without a
    path. A band lookup is one indexed query per article. ``body_of`` returns the stored body of
    an indexed article (to verify a candidate), or None.
    """

    def __init__(self, body_of: Callable[[str], str | None], path: Path | None = None,
                 wait: float = 120.0) -> None:
        self.path = path
        self.wait = wait  # seconds to wait for another run writing the sidecar
        self._body_of = body_of
        with _busy(path, wait):
            self._db = _connect(path, wait)
        self._pending: dict[str, np.ndarray] = {}  # shingles of articles not yet committed
        self.merged = 0  # articles of this run that joined a story of another article

    # -- loading and saving ----------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None, indexed: Mapping[str, str],
             stored: Callable[[str], Article | None], wait: float = 120.0) -> StoryIndex:
        """Return the story index of an engine's articles (``indexed``: content hash by id),
        from the sidecar at ``path`` where it matches, fingerprinting the rest again; raise
        IndexBusy when another run keeps the sidecar locked for ``wait`` seconds."""
        def body_of(article_id: str) -> str | None:
            article = stored(article_id)
            return article.body if article else None

        out = cls(body_of, path, wait)
        try:
            with _busy(path, wait):
                return out._fill(indexed, stored)
        except BaseException:
            out.close()
            raise

    def _fill(self, indexed: Mapping[str, str], stored: Callable[[str], Article | None]
              ) -> StoryIndex:
        """Fingerprint the indexed articles the sidecar lacks or has in another version."""
        out, path = self, self.path
        known = out._keep_matching(indexed)
        missing = [i for i in indexed if i not in known]
        if missing:
            logger.info("fingerprinting %d indexed articles missing from %s", len(missing), path)
        for article_id in missing:
            article = stored(article_id)
            if article is None:
                continue
            fp = fingerprint(article.body)
            out._add(article_id, article.story or new_story_id(article), indexed[article_id],
                     fp.bands if fp is not None else None)
        out.save()
        return out

    def _keep_matching(self, indexed: Mapping[str, str]) -> set[str]:
        """Drop the rows whose article is gone or changed; return the ids left."""
        stale, kept = [], set()
        for row, article_id, content in self._db.execute("SELECT row, id, hash FROM articles"):
            if indexed.get(article_id) == content:
                kept.add(article_id)
            else:
                stale.append((row,))
        self._db.executemany("DELETE FROM articles WHERE row = ?", stale)
        return kept

    def save(self) -> None:
        """Make what was added since the last save durable (one SQLite commit)."""
        with _busy(self.path, self.wait):
            self._db.commit()

    def close(self) -> None:
        self._db.close()

    # -- assigning -------------------------------------------------------------------------

    def assign(self, article: Article, fp: Fingerprint | None) -> str:
        """Return the story id of an article about to be indexed, and remember it."""
        with _busy(self.path, self.wait):
            return self._assign(article, fp)

    def _assign(self, article: Article, fp: Fingerprint | None) -> str:
        found = self._db.execute("SELECT story FROM articles WHERE id = ?",
                                 (article.id,)).fetchone()
        previous = found[0] if found else None
        story = None
        if fp is not None:
            story = self._matching_story(article.id, fp, previous is not None)
        if story is None:
            story = new_story_id(article)
        else:
            self.merged += previous is None or previous != story
        self._add(article.id, story, article.content_hash, fp.bands if fp is not None else None)
        if fp is not None:
            self._pending[article.id] = fp.shingles
        return story

    def committed(self) -> None:
        """Forget the shingles held for uncommitted articles (the engine has their bodies now)."""
        self._pending.clear()

    def _matching_story(self, article_id: str, fp: Fingerprint, indexed_before: bool) -> str | None:
        if not indexed_before:
            same = self._same_bands(fp.bands)
            if same is not None:
                return same  # what the candidates below would give: their first is this copy
        best, best_score = None, THRESHOLD
        checked: set[str] = set()  # stories already compared through their closest member
        same_bands = fp.bands.tobytes()
        for other, story, bands in self._candidates(fp.bands):
            own = other == article_id
            if not own and story in checked:
                continue  # a copy of a syndicated story meets all its members: one is enough
            if not own and bands == same_bands:
                score = 1.0  # all 20 band keys (60 MinHash values) equal: the same text
            else:
                theirs = self._shingles_of(other, own)
                if theirs is None:
                    continue
                score = jaccard(fp.shingles, theirs)
            if own and score >= THRESHOLD:
                return story  # still the same story: keep its id
            if not own:
                checked.add(story)
                if score >= best_score:
                    best, best_score = story, score
                if score >= SAME_TEXT and not indexed_before:
                    break  # the same text: no other story can be closer
        return best

    def _shingles_of(self, article_id: str, own: bool) -> np.ndarray | None:
        if not own and article_id in self._pending:
            return self._pending[article_id]
        body = self._body_of(article_id)  # for its own id: the version still in the index
        return shingles(body) if body else None

    def _same_bands(self, keys: np.ndarray) -> str | None:
        """Return the story of the first article added whose band keys are all these, or None.

        An article sharing all 20 keys is the first candidate (most shared bands, then the
        order added) and an identical text, where a new article stops looking: one lookup
        finds it without counting the band rows of every copy of a syndicated story."""
        same = keys.tobytes()
        for story, bands in self._db.execute(
                "SELECT a.story, a.bands FROM copies c JOIN articles a ON a.row = c.row "
                "WHERE c.sig = ? ORDER BY c.row", (_signature(keys),)):
            if bands == same:
                return story
        return None

    def _candidates(self, keys: np.ndarray) -> Iterator[tuple[str, str, bytes]]:
        """Yield (id, story, band keys) of the articles sharing a band with these keys, most
        shared bands first, then in the order they were added. Band rows of replaced
        versions match no article row and are passed over.

        The bands are counted from the band table alone (its key, row order answers the
        lookup without reading any other page); an article is read only when the caller
        takes it, not every copy of a widely syndicated story."""
        signed = keys.view(np.int64).tolist()
        counted = self._db.execute(
            f"SELECT row FROM bands WHERE key IN ({','.join('?' * len(signed))}) "
            "GROUP BY row ORDER BY COUNT(*) DESC, row", signed).fetchall()
        taken = 0
        for (row,) in counted:
            found = self._db.execute("SELECT id, story, bands FROM articles WHERE row = ?",
                                     (row,)).fetchone()
            if found is not None:
                yield found
                taken += 1
                if taken == MAX_CANDIDATES:
                    return

    def _add(self, article_id: str, story: str, content: str, bands: np.ndarray | None) -> None:
        """Add (or replace) an article's row; its band keys make it a candidate at once."""
        row = self._db.execute(
            "INSERT OR REPLACE INTO articles (id, story, hash, bands) VALUES (?, ?, ?, ?)",
            (article_id, story, content, bands.tobytes() if bands is not None else None)).lastrowid
        if bands is not None:
            self._db.executemany("INSERT INTO bands (key, row) VALUES (?, ?)",
                                 [(key, row) for key in bands.view(np.int64).tolist()])
            self._db.execute("INSERT INTO copies (sig, row) VALUES (?, ?)",
                             (_signature(bands), row))


def _signature(keys: np.ndarray) -> int:
    """Return one 64-bit number of an article's band keys (equal for equal keys)."""
    with np.errstate(over="ignore"):
        return int(keys.view(np.int64).sum())


_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    row INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old band rows must not match
    id TEXT NOT NULL UNIQUE, story TEXT NOT NULL, hash TEXT NOT NULL, bands BLOB);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (key, row)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS copies (  -- articles by the signature of their band keys
    sig INTEGER NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (sig, row)) WITHOUT ROWID;
"""
# Sidecars before session 8 kept the band keys in a table with row ids and a second index on
# the key: every band written twice, and every lookup reading the table too. Moved on opening.
_MOVE_BANDS = """
BEGIN;
CREATE TABLE bands_keyed (
    key INTEGER NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (key, row)) WITHOUT ROWID;
INSERT OR IGNORE INTO bands_keyed SELECT key, row FROM bands ORDER BY key, row;
DROP TABLE bands;
ALTER TABLE bands_keyed RENAME TO bands;
COMMIT;
VACUUM;
"""
_LSH = f"{BANDS}x{ROWS} shingles {SHINGLE_WORDS}"


@contextmanager
def _busy(path: Path | None, wait: float) -> Iterator[None]:
    """Map SQLite's "database is locked" (another run writing the sidecar) to IndexBusy, and
    "database or disk is full" to IndexWriteFailed."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "full" in str(exc):  # "database or disk is full": SQLite rolled the change back
            raise IndexWriteFailed(f"cannot write the index's story data {path}: {exc} — the "
                                   "articles committed so far stay indexed; free some space, "
                                   "then run the command again") from exc
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise IndexBusy(f"another indexing run holds the index's story data {path} (waited "
                        f"{wait:g} s) — let it finish and try again, or raise "
                        "NEWSFACET_LOCK_WAIT") from exc


def _connect(path: Path | None, wait: float = 120.0) -> sqlite3.Connection:
    """Open the sidecar (a fresh one when it is unreadable or made with other LSH settings),
    or a private temporary database without a path."""
    if path is None:
        temporary = _open("", wait)  # on disk, deleted when closed
        assert temporary is not None  # a new database has these settings
        return temporary
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in _OLD_SIDECARS:  # earlier versions' format: fingerprinted again instead
        (path.parent / old).unlink(missing_ok=True)
    try:
        db = _open(str(path), wait)
        if db is not None:
            return db
    except sqlite3.DatabaseError as exc:
        logger.warning("ignoring unreadable %s (%s): fingerprinting again", path, exc)
    path.unlink(missing_ok=True)
    db = _open(str(path), wait)
    assert db is not None  # a new file has these settings
    return db


def _open(target: str, wait: float) -> sqlite3.Connection | None:
    """Return the database at ``target`` (created if missing; "" for a temporary one) with a
    bounded page cache large enough for the band index's random inserts and write-ahead
    logging (a crash loses at most the last batch's rows, which the next run recomputes); None
    when its LSH settings differ from these."""
    # Another run writing the same index waits for this one's batch (Whoosh's lock waits too).
    db = sqlite3.connect(target, timeout=wait)
    db.execute(f"PRAGMA cache_size = -{CACHE_KB}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    found = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bands'"
                       ).fetchone()
    if found is not None and "WITHOUT ROWID" not in found[0].upper():
        db.executescript(_MOVE_BANDS)
    signed = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'copies'").fetchone()
    db.executescript(_SCHEMA)
    if signed is None:  # a sidecar made before the signatures: theirs are added
        db.executemany("INSERT INTO copies (sig, row) VALUES (?, ?)",
                       ((_signature(np.frombuffer(bands, dtype=np.uint64)), row)
                        for row, bands in db.execute(
                            "SELECT row, bands FROM articles WHERE bands IS NOT NULL")))
        db.commit()
    found = db.execute("SELECT value FROM settings WHERE name = 'lsh'").fetchone()
    if found is None:
        db.execute("INSERT INTO settings VALUES ('lsh', ?)", (_LSH,))
        db.commit()
    elif found[0] != _LSH:
        db.close()
        return None
    return db


def sidecar_path(engine: Engine) -> Path:
    """Return where an engine keeps its story sidecar (in its ``data_dir``)."""
    return engine.data_dir / SIDECAR


__all__ = ["Fingerprint", "StoryIndex", "fingerprint", "jaccard", "new_story_id", "shingles",
           "sidecar_path", "SIDECAR", "THRESHOLD", "MIN_WORDS"]
