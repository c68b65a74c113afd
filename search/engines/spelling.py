"""Did-you-mean: the index's own word closest to a mistyped one, weighed by how common it is.

A candidate is an indexed stem within ``MAX_DISTANCE`` edits of the typed word (or of its
stem). Its score is ``log(document frequency + 1) - WEIGHT * distance``, where the distance is
the optimal string alignment distance (Levenshtein plus swapped neighbours) between the typed
word and the candidate as articles write it (``cofee`` is one edit from "coffee" but two from
"come", although their stems "cofe", "coffe" and "come" are one edit apart), so a common word
wins over a rare one at the same distance, and a closer word over a common one when the
frequency gap is small. This is the noisy-channel model with each edit costing a factor
``exp(WEIGHT)`` in probability.

``WEIGHT`` was fitted on typing mistakes made (one random edit each: a letter dropped, added,
changed or two swapped) in words of Reuters-21578 titles, against an index of 5,000 Reuters
articles: titles of articles 5,000-9,999 to fit, 10,000-14,999 to check
(``bench/spelling.py`` prints the table; the figures are in docs/search.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from math import log


MAX_DISTANCE = 2
WEIGHT = 7.0
# Candidates, by a first score on stems, whose written forms are looked up for the final score.
SHORTLIST = 8


def score(frequency: int, distance: int, weight: float = WEIGHT) -> float:
    return log(frequency + 1) - weight * distance


def best_word(word: str, stem: str, candidates: Iterable[tuple[str, int]],
              written: Callable[[str], Iterable[str]], weight: float = WEIGHT) -> str | None:
    """Return the best candidate for a typed word, as articles write it, or None.

    ``candidates`` are (stem, document frequency) pairs; ``written`` gives some of the forms
    in which articles write a stem (embassi → embassy, embassies)."""
    from rapidfuzz.distance import OSA  # here: an indexing run never needs rapidfuzz (10 ms)

    word = word.lower()
    first = []
    for candidate, frequency in candidates:
        if candidate == stem or frequency <= 0:
            continue
        distance = min(OSA.distance(word, candidate), OSA.distance(stem, candidate))
        if distance <= MAX_DISTANCE:
            first.append((score(frequency, distance, weight), candidate, frequency))
    first.sort(key=lambda x: (-x[0], x[1]))
    best: tuple[float, str] | None = None
    for _, candidate, frequency in first[:SHORTLIST]:
        forms = sorted({w.lower() for w in written(candidate)})
        if not forms:
            continue
        distance, form = min((OSA.distance(word, f), f) for f in forms)
        if distance > MAX_DISTANCE:
            continue
        value = score(frequency, distance, weight)
        if best is None or value > best[0]:
            best = (value, form)
    return best[1] if best else None
