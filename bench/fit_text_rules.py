"""Fit the numeric constants of the text-dump rules (``search/cleaner/text.py``) on the training
split.

    python -m bench.fit_text_rules ../shared/extraction-bench/train/ \
        [--check ../shared/extraction-bench/dev/]

Coordinate ascent on the benchmark's F1 of the rules alone (the line model off), over a small
grid of values per constant, two passes. A value is taken only if the five seeds
(``seeds/``, whose every line's label the test suite pins) come out labelled as before.
It prints the values to write into ``text.py``;
``--check`` scores another folder with the start and the fitted values, for the record only.
The line model (``bench/fit_text_lines.py``) is fitted after, on the rules as they then stand.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fitting import fit_parser, read_dumps, scorer_of  # noqa: E402
from search.cleaner import text  # noqa: E402

GRID: dict[str, tuple[float, ...]] = {
    "OTHER_LINE_PENALTY": (2, 3, 4, 5, 6, 8, 10),
    "RUN_PENALTY_GROWTH": (0, 0.25, 0.5, 1, 2),
    "OPENER_PENALTY": (20, 35, 50, 75, 100),
    "PROSE_MIN_WORDS": (4, 5, 6, 7, 8, 10),
    "LONG_LINE_WORDS": (15, 20, 25, 30, 40),
    "MENU_MIN_LINES": (4, 5, 6, 8, 10),
    "CAPTION_MIN_WORDS": (6, 8, 10, 12, 100),
    "TITLE_WINDOW": (6, 8, 12, 16, 24),
}


def rules_f1(scorer, dumps: list[tuple[str, str]]) -> float:
    triples = []
    for dump, gold in dumps:
        _, blocks, _ = text.rule_blocks(dump)
        triples.append(scorer.tp_fp_fn(gold, "\n\n".join(b.text for b in blocks if b.kept), 4))
    return scorer.aggregate(triples)[2]


SEEDS = ROOT / "seeds"


def seed_labels() -> list[list[tuple[str, str | None]]]:
    """Return the rules' (label, reason) of every line of every seed."""
    return [[(b.label, b.reason) for b in text.rule_blocks(path.read_text(encoding="utf-8"))[1]]
            for path in sorted(SEEDS.glob("*.txt"))]


def main(argv: list[str] | None = None) -> None:
    args = fit_parser(__doc__).parse_args(argv)
    scorer = scorer_of(args)
    train = [(p.text, p.gold) for p in read_dumps(args.train)]
    check = [(p.text, p.gold) for p in read_dumps(args.check)]
    start = {name: getattr(text, name) for name in GRID}
    best = rules_f1(scorer, train)
    seeds = seed_labels()
    print(f"start {start}: train F1 {best:.4f}"
          + (f", check {rules_f1(scorer, check):.4f}" if check else ""))
    for _ in range(2):
        for name, values in GRID.items():
            for value in values:
                keep = getattr(text, name)
                setattr(text, name, type(keep)(value))
                f1 = rules_f1(scorer, train)
                if f1 > best + 1e-4 and seed_labels() == seeds:
                    best = f1
                    print(f"  {name} = {value}: train F1 {f1:.4f}")
                else:
                    setattr(text, name, keep)
    fitted = {name: getattr(text, name) for name in GRID}
    print(f"fitted {fitted}: train F1 {best:.4f}"
          + (f", check {rules_f1(scorer, check):.4f}" if check else ""))


if __name__ == "__main__":
    main()
