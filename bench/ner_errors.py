"""Where the bundled recogniser loses names of one type, by category (not by document).

For each gold name of a document (CoNLL-style IOB file, document level, as
../shared/eval/entities/score_entities.py reads it) that the article's entities
(``find_entities`` with the bundled table) do not give with its type, the furthest stage any of
its mentions reached:

- ``given as X``: the article has the name, with another type X;
- ``absent``: the name is not written so in the text (the gold file's tokens differ);
- ``not a candidate``: no mention is a candidate span (``capitals``: in a headline or all in
  capitals; ``no token run``: the tokeniser cuts it otherwise; ``other``: e.g. a lower-case
  word inside, or cut at a sentence start);
- ``below threshold (X)``: a candidate, its chance of being a name under the threshold (X its
  best type);
- ``scored as X``: a confident candidate of another type;
- ``dropped by a rule``: confident and of this type, but a news-style rule left it out;
- ``overlapped``: confident, but a more confident overlapping candidate won;
- ``lost later``: recognised in a mention, lost in consolidation (one name per article).

Also the wrong names given with the type: gold name of another type, or no gold name at all.

Usage: python -m bench.ner_errors [IOB_FILE] [--type ORG] [--examples 5]
(default IOB_FILE: ../shared/eval/entities/conll2003-dev.txt; an evaluation set is read, never
fitted on: look at the categories, not at single documents)
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from search.entities import EntityTable
from search.entities.ner import find_entities
from search.entities.ner.recogniser import (
    Recogniser,
    Tokens,
    candidate_spans,
    span_rows,
)
from search.entities.table import normalise

from .corpus import SHARED

CONLL_DEV = SHARED / "eval" / "entities" / "conll2003-dev.txt"
TYPEMAP = {"person": "PER", "org": "ORG", "group": "ORG", "place": "LOC"}


def _detok(tokens: list[str]) -> str:
    """Join tokens as the scorer does (score_entities.py ``detok``)."""
    text = " ".join(tokens)
    text = re.sub(r" ([,.;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    return re.sub(r" ('s|'S|n't|'re|'ve|'ll|'d|'m)\b", r"\1", text)


def _norm(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).casefold().replace("\u2019", "'").replace(".", "")
    return re.sub(r"^the ", "", re.sub(r"[\s\-']+", " ", name).strip())


def read_documents(path: Path) -> list[tuple[str, str, dict[str, set[str]]]]:
    """Return (title, body, gold names by type) per document, as the scorer builds them."""
    docs: list[list[list[tuple[str, str]]]] = []
    sents: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + ["-DOCSTART- -X- -X- O"]:
        parts = line.split()
        if not parts:
            if sent:
                sents.append(sent)
                sent = []
        elif parts[0] == "-DOCSTART-":
            if sent:
                sents.append(sent)
                sent = []
            if sents:
                docs.append(sents)
                sents = []
        else:
            sent.append((parts[0], parts[-1]))
    out = []
    for sents in docs:
        gold: dict[str, set[str]] = defaultdict(set)
        for s in sents:
            cur: list[str] = []
            kind = None
            for tok, tag in [*s, ("", "O")]:
                prefix, _, label = tag.partition("-")
                if cur and (tag == "O" or prefix == "B" or label != kind):
                    gold[str(kind)].add(_detok(cur))
                    cur, kind = [], None
                if tag != "O":
                    cur.append(tok)
                    kind = label
        texts = [_detok([t for t, _ in s]) for s in sents]
        out.append((texts[0], "\n\n".join(texts[1:]) or texts[0], gold))
    return out


def _occurrences(tokens: Tokens, name: str) -> list[tuple[int, int]]:
    """Return (i, j) word ranges where ``name`` is written in the text, or (-1, -1) for an
    occurrence whose edges are not word edges."""
    out = []
    starts = {s: k for k, (s, _) in enumerate(tokens.spans)}
    ends = {e: k for k, (_, e) in enumerate(tokens.spans)}
    for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", tokens.text):
        i, j = starts.get(m.start()), ends.get(m.end())
        out.append((i, j + 1) if i is not None and j is not None else (-1, -1))
    return out


STAGES = ("not a candidate", "below threshold", "scored as", "dropped by a rule", "overlapped",
          "lost later")


def _mention_stage(recogniser: Recogniser, tokens: Tokens, kept: set[tuple[int, int, str]],
                   i: int, j: int, kind: str) -> str:
    """Return how far the mention words[i:j] of a ``kind`` name got."""
    if i < 0:
        return "not a candidate: no token run"
    if (i, j) not in set(candidate_spans(tokens)):
        if tokens.headline or all(tokens.uppers[k] or len(tokens.words[k]) < 2
                                  for k in range(i, j)):
            return "not a candidate: capitals"
        return "not a candidate: other"
    model = recogniser.model
    if tokens.headline or all(tokens.uppers[k] for k in range(i, j)):
        if (i, j, kind) in kept:
            return "lost later"
        return "not a candidate: capitals" if kind != "LOC" else "dropped by a rule"
    probs = model.probabilities_of_rows([span_rows(tokens, i, j, model)])[0]
    best = model.classes[int(probs[1:].argmax()) + 1]
    if 1.0 - probs[0] < model.threshold:
        return f"below threshold ({best})"
    if best != kind:
        return f"scored as {best}"
    label = recogniser._checked(tokens, i, j, best)  # noqa: SLF001 (a diagnosis of the rules)
    if label is None:
        return "dropped by a rule"
    if label != kind:
        return f"dropped by a rule (made {label})"
    if (i, j, kind) in kept or any(a <= i and j <= b and lab == kind for a, b, lab in kept):
        return "lost later"
    return "overlapped"


def _rank(stage: str) -> int:
    """Return how far a stage is along the way (absent -1, not a candidate 0 ...)."""
    for k, prefix in enumerate(STAGES):
        if stage.startswith(prefix):
            return k
    return -1


def analyse(path: Path, kind: str, shown: int) -> str:
    table = EntityTable.load()
    recogniser = Recogniser()
    keys: dict[str, str] = {}
    for entry in table.entries:
        for alias in (entry["name"], *entry["aliases"], *entry.get("case_sensitive", ())):
            keys.setdefault(_norm(alias), _norm(entry["name"]))
    missed: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    wrong: Counter[str] = Counter()
    wrong_examples: dict[str, list[str]] = defaultdict(list)
    gold_total = found_total = given_total = 0
    for title, body, gold in read_documents(path):
        entities = find_entities(table, title, body)
        given: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            if e.type in TYPEMAP:
                given[TYPEMAP[e.type]].add(keys.get(_norm(e.name), _norm(e.name)))
        gold_keys = {t: {keys.get(_norm(n), _norm(n)) for n in names} for t, names in gold.items()}
        texts = [Tokens(normalise(t)) for t in (title, body) if t]
        kept = []
        for tokens in texts:
            mentions = {(m.start, m.end, m.label) for m in recogniser.mentions(tokens.text)}
            starts = {s: k for k, (s, _) in enumerate(tokens.spans)}
            ends = {e: k for k, (_, e) in enumerate(tokens.spans)}
            kept.append({(starts.get(a, -1), ends.get(b, -2) + 1, lab) for a, b, lab in mentions})
        for name in gold.get(kind, ()):
            key = keys.get(_norm(name), _norm(name))
            gold_total += 1
            if key in given[kind]:
                found_total += 1
                continue
            other = [t for t in ("PER", "ORG", "LOC") if t != kind and key in given[t]]
            if other:
                stage = f"given as {other[0]}"
            else:
                stages = ["absent: not in the text as written"]
                for tokens, kept_here in zip(texts, kept, strict=True):
                    for i, j in _occurrences(tokens, name):
                        stages.append(_mention_stage(recogniser, tokens, kept_here, i, j, kind))
                stage = max(stages, key=_rank)
            missed[stage] += 1
            if len(examples[stage]) < shown:
                examples[stage].append(name)
        for key in given[kind]:
            given_total += 1
            if key in gold_keys.get(kind, set()):
                continue
            other = [t for t in ("PER", "ORG", "LOC", "MISC") if key in gold_keys.get(t, set())]
            reason = f"gold {other[0]}" if other else "no gold name"
            wrong[reason] += 1
            if len(wrong_examples[reason]) < shown:
                wrong_examples[reason].append(key)
    right = given_total - sum(wrong.values())
    lines = [f"{kind}: {found_total}/{gold_total} gold names given "
             f"(R {found_total / max(gold_total, 1):.3f}); "
             f"{right}/{given_total} given right (P {right / max(given_total, 1):.3f})",
             "missed, by the furthest stage a mention reached:"]
    for stage, count in missed.most_common():
        lines.append(f"  {count:4d}  {stage}  e.g. {'; '.join(examples[stage])}")
    lines.append(f"given as {kind} but wrong:")
    for reason, count in wrong.most_common():
        lines.append(f"  {count:4d}  {reason}  e.g. {'; '.join(wrong_examples[reason])}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=CONLL_DEV)
    parser.add_argument("--type", default="ORG", choices=("PER", "ORG", "LOC"))
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args(argv)
    print(analyse(args.path, args.type, args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
