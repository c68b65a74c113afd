"""Did-you-mean accuracy on typing mistakes made in real words, and the fit of its weight.

    .venv/bin/python -m bench.spelling [--index DIR] [--words 600]

The index holds the first 5,000 Reuters-21578 articles that have a body (built in DIR, or a
temporary folder). Words are drawn from Reuters titles (alphabetic, 4 letters or more, known to
the index): those of articles 5,000-9,999 fit ``spelling.WEIGHT``, those of 10,000-14,999
check it. Each gets one random edit (a letter dropped, added, changed, or two neighbours
swapped); mistakes that are themselves indexed words are left out, since did-you-mean only
corrects unknown words. A suggestion is right when it has the original word's stem. Printed:
accuracy for each weight on both splits, and the previous method (closest stem with the same
first letter, one edit then two, the most frequent) on the same mistakes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import string
import tempfile
from pathlib import Path

from bench.corpus import REUTERS, reuters_records
from search.config import Settings
from search.engines import open_engine
from search.engines.spelling import MAX_DISTANCE, best_word
from search.engines.whoosh import WhooshEngine
from search.models import Article

WEIGHTS = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0]
INDEXED = 5000
SPLITS = {"fit": (5000, 10000), "check": (10000, 15000)}


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(["drop", "add", "change", "swap"])
    letter = rng.choice(string.ascii_lowercase)
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "add":
        return word[:i] + letter + word[i:]
    if kind == "change":
        return word[:i] + letter + word[i + 1:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def mistakes(records: list[dict], engine: WhooshEngine, span: tuple[int, int], count: int,
             seed: int):
    """Return (original, mistyped) pairs from the titles of the records in ``span``."""
    from search.engines.whoosh.engine import _analyze

    reader = engine._current()[0].reader()

    def known(word: str) -> bool:
        return any((f, s) in reader for s in _analyze(word)[:1] for f in ("title", "body"))

    words = [w for r in records[span[0]:span[1]] for w in re.findall(r"[a-z]+", r["title"].lower())
             if len(w) >= 4 and known(w)]
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        word = rng.choice(words)
        wrong = typo(word, rng)
        if wrong != word and len(wrong) >= 3 and not known(wrong):
            out.append((word, wrong))
    return out


def main(argv: list[str] | None = None) -> int:
    from search.engines.whoosh.browse import candidates_for, written_forms
    from search.engines.whoosh.engine import _analyze

    parser = argparse.ArgumentParser(prog="python -m bench.spelling",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--index", help="folder for the index (built once, then reused)")
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args(argv)
    records = reuters_records(REUTERS)
    folder = Path(args.index or tempfile.mkdtemp(prefix="nf-spelling-")) / f"reuters{INDEXED}"
    if not folder.exists():
        engine = open_engine(Settings(index_dir=str(folder)), create=True)
        engine.upsert([Article(id=r["id"], source=r["id"], title=r["title"], body=r["body"],
                               date=dt.date.fromisoformat(r["date"])) for r in records[:INDEXED]])
        engine.prepare()
        engine.close()
    engine = WhooshEngine(Settings(index_dir=str(folder)))
    searcher, _ = engine._current()
    reader = searcher.reader()
    surfaces: dict[str, list[str]] = {}

    def surface(stem: str) -> list[str]:
        if stem not in surfaces:
            surfaces[stem] = written_forms(searcher, stem)
        return surfaces[stem]

    print(f"did-you-mean on {INDEXED} Reuters articles, {args.words} mistyped title words a split")
    print("weight  " + "  ".join(f"{name:>6}" for name in SPLITS))
    table: dict[float | str, dict[str, float]] = {}
    for name, span in SPLITS.items():
        pairs = mistakes(records, engine, span, args.words, seed=len(name))
        prepared = []
        for word, wrong in pairs:
            stem = (_analyze(wrong) or [wrong])[0]
            prepared.append((_analyze(word)[:1], wrong, stem,
                             candidates_for(engine, searcher, wrong, stem)))
        for weight in WEIGHTS:
            right = sum(1 for target, wrong, stem, cands in prepared
                        if _analyze(best_word(wrong, stem, cands, surface, weight)
                                    or "")[:1] == target)
            table.setdefault(weight, {})[name] = right / len(prepared)
        old = 0
        for target, _wrong, stem, _ in prepared:
            guess = None
            for maxdist in (1, 2):
                close = [t for t in reader.terms_within("body", stem, maxdist, prefix=1)
                         if t != stem]
                if close:
                    guess = max(close, key=lambda t: (reader.doc_frequency("body", t), t))
                    break
            old += guess is not None and (guess,) == tuple(target)
        table.setdefault("previous", {})[name] = old / len(prepared)
    for key, row in table.items():
        label = f"{key:>6}" if isinstance(key, str) else f"{key:6.1f}"
        print(f"{label}  " + "  ".join(f"{row[name]:6.1%}" for name in SPLITS))
    print(f"(edit distance at most {MAX_DISTANCE})")
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
