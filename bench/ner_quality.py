"""Document-level quality of the bundled recogniser on the training side's own held-out text.

For each document, the distinct PER / ORG / LOC names the recogniser gives (mentions
consolidated as at indexing, without the entity table) are compared with the distinct gold
names, as ../shared/eval/entities/score_entities.py compares them on CoNLL-2003 (case-folded,
without periods, hyphens or apostrophes; a one-word gold person is found by a predicted
person ending in that word). Two held-out sets:

- ``ewt-test``: the English Web Treebank test split (UNER), never trained on; the threshold
  and the lone-name score are fitted on it, so rules are checked, not fitted, here.
- ``held-out``: every fifth training document (wikigold, PUD news and Wikipedia sentences,
  BTC tweets, EWT dev), when ``--model`` names a model trained without them
  (``python -m search.entities.ner.train DATA --hold-out --out /tmp/heldout.json.gz``).

Usage: python -m bench.ner_quality DATA_DIR [--model PATH]
(DATA_DIR as for search/entities/ner/train.py)
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from search.entities.ner import train
from search.entities.ner.recogniser import MODEL_PATH, Model, Recogniser, consolidate

TYPES = ("PER", "ORG", "LOC")


def _norm(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).casefold().replace("\u2019", "'").replace(".", "")
    return re.sub(r"^the ", "", re.sub(r"[\s\-']+", " ", name).strip())


def document_scores(recogniser: Recogniser, docs) -> dict[str, tuple[int, int, int, int]]:
    """Return, per type and overall, (gold found, gold, predicted right, predicted)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    lone = recogniser.model.lone_name_score
    for doc in docs:
        text, spans = train.doc_text(doc)
        gold: dict[str, set[str]] = defaultdict(set)
        for (a, b), label in spans.items():
            if label in TYPES:
                gold[label].add(_norm(text[a:b]))
        predicted: dict[str, set[str]] = defaultdict(set)
        for name, label in consolidate(recogniser.mentions(text), (), lone):
            predicted[label].add(_norm(name))
        for kind in TYPES:
            g, p = gold[kind], predicted[kind]
            last = {x.split()[-1] for x in p if x} if kind == "PER" else set()
            single = {x for x in g if " " not in x} if kind == "PER" else set()
            found = sum(1 for x in g if x in p or (" " not in x and x in last))
            right = sum(1 for x in p if x in g or (x and x.split()[-1] in single))
            for key in (kind, "all"):
                for k, v in enumerate((found, len(g), right, len(p))):
                    totals[key][k] += v
    return {k: (v[0], v[1], v[2], v[3]) for k, v in totals.items()}


def report(name: str, scores: dict[str, tuple[int, int, int, int]]) -> str:
    parts = []
    for key in ("all", *TYPES):
        found, gold, right, predicted = scores[key]
        parts.append(f"{key} R {found / max(gold, 1):.3f} P {right / max(predicted, 1):.3f}")
    return f"{name}: " + ", ".join(parts)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    model = Model.load(args.model)
    recogniser = Recogniser(model)
    train_docs, dev_docs = train.load_sources(args.data)
    print(report(f"ewt-test ({len(dev_docs)} docs)", document_scores(recogniser, dev_docs)))
    if model.meta.get("held_out"):
        kept_back = train.held_out(train_docs)
        print(report(f"held-out ({len(kept_back)} docs)", document_scores(recogniser, kept_back)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
