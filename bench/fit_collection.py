"""Fit how text dumps are grouped into outlets for collection-level boilerplate, on the train split.

    python -m bench.fit_collection ../shared/extraction-bench/train/ \
        [--check ../shared/extraction-bench/dev/]

The benchmark folder is read as one collection, as ``newsfacet index FOLDER`` reads it: every
dump goes into one :class:`search.cleaner.collection.Collection`, which groups the dumps by the
overlap of their non-sentence lines (no gold host is used). For each pair of constants
(``SAME_OUTLET_LINES``, ``SAME_OUTLET_OVERLAP``) on a small grid it prints

* the grouping against the gold hosts: pairs of dumps put in one outlet that have one host
  (precision) and pairs of one host put together (recall);
* the text-dump F1 of ``clean_text`` with each dump's boilerplate.

The pair with the best train F1, to three decimals (a smaller difference is a line or two on one
page), wins; ties go to the grouping that agrees best with the gold hosts (F1 over pairs), then
to the stricter one (more shared lines, more overlap);
``--check`` prints the same figures on a second folder for the chosen pair only, for the record.
For comparison it also prints each dump cleaned alone and the dumps grouped by the gold host.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fitting import fit_parser, read_dumps, scorer_of  # noqa: E402
from search.cleaner import clean_text, collection  # noqa: E402

LINES_GRID = (2, 3, 5, 8, 12, 20)
OVERLAP_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def build(dumps: dict[str, str]) -> collection.Collection:
    """Return the collection of ``dumps`` with the module's current constants."""
    found = collection.Collection()
    for page_id, dump in dumps.items():
        found.add(page_id, dump)
    return found


def pair_scores(found: collection.Collection, hosts: dict[str, str]) -> tuple[float, float]:
    """Return (precision, recall) of "same outlet" over pairs of dumps, against the gold hosts."""
    together = same = both = 0
    for a, b in itertools.combinations(sorted(hosts), 2):
        grouped = found.same_outlet(a, b)
        one_host = hosts[a] == hosts[b]
        together += grouped
        same += one_host
        both += grouped and one_host
    return (both / together if together else 1.0), (both / same if same else 1.0)


class Scorer:
    """The text F1 of ``clean_text`` under given boilerplate, each cleaning done once."""

    def __init__(self, scorer, dumps: dict[str, str], golds: dict[str, str]) -> None:
        self.scorer, self.dumps, self.golds = scorer, dumps, golds
        self._triples: dict[tuple[str, frozenset[str]], tuple] = {}

    def f1(self, boilerplate: dict[str, frozenset[str]]) -> tuple:
        triples = []
        for page_id, dump in self.dumps.items():
            key = (page_id, boilerplate.get(page_id, frozenset()))
            if key not in self._triples:
                body = clean_text(dump, boilerplate=key[1]).body
                self._triples[key] = self.scorer.tp_fp_fn(self.golds[page_id], body, 4)
            triples.append(self._triples[key])
        return self.scorer.aggregate(triples)


def read(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    pages = read_dumps(folder)
    return ({p.id: p.text for p in pages}, {p.id: p.host for p in pages},
            {p.id: p.gold for p in pages})


def report(name: str, scorer, dumps, hosts, golds) -> tuple:
    found = build(dumps)
    score = Scorer(scorer, dumps, golds)
    precision, recall = pair_scores(found, hosts)
    f1 = score.f1({i: found.boilerplate(i, d) for i, d in dumps.items()})
    by_host: dict[str, list[str]] = {}
    for page_id, host in hosts.items():
        by_host.setdefault(host, []).append(page_id)
    oracle = collection.Collection()
    for ids in by_host.values():  # the gold host as the outlet: one signature per host
        for page_id in ids:
            oracle.add(page_id, dumps[page_id], outlet=hosts[page_id])
    gold_f1 = score.f1({i: oracle.boilerplate(i, d) for i, d in dumps.items()})
    print(f"{name}: pairs P {precision:.3f} R {recall:.3f}; text F1 alone {score.f1({})[2]:.4f}, "
          f"grouped {f1[2]:.4f} (P {f1[0]:.4f} R {f1[1]:.4f}), "
          f"grouped by the gold host {gold_f1[2]:.4f}")
    return f1


def main(argv: list[str] | None = None) -> None:
    args = fit_parser(__doc__).parse_args(argv)
    scorer = scorer_of(args)
    dumps, hosts, golds = read(args.train)
    score = Scorer(scorer, dumps, golds)
    print(f"train: {len(dumps)} dumps, {len(set(hosts.values()))} hosts; "
          f"alone F1 {score.f1({})[2]:.4f}")
    best = None
    for lines in sorted(LINES_GRID, reverse=True):
        for overlap in sorted(OVERLAP_GRID, reverse=True):
            collection.SAME_OUTLET_LINES, collection.SAME_OUTLET_OVERLAP = lines, overlap
            found = build(dumps)
            precision, recall = pair_scores(found, hosts)
            f1 = score.f1({i: found.boilerplate(i, d) for i, d in dumps.items()})[2]
            pairs = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            print(f"  lines {lines:>2} overlap {overlap:.1f}: pairs P {precision:.3f} "
                  f"R {recall:.3f}, F1 {f1:.4f}")
            rank = (round(f1, 3), round(pairs, 3))
            if best is None or rank > best[0]:
                best = (rank, lines, overlap)
    _, lines, overlap = best
    collection.SAME_OUTLET_LINES, collection.SAME_OUTLET_OVERLAP = lines, overlap
    print(f"chosen SAME_OUTLET_LINES = {lines}, SAME_OUTLET_OVERLAP = {overlap}")
    report(f"train ({args.train.name})", scorer, dumps, hosts, golds)
    if args.check:
        report(f"check ({args.check.name})", scorer, *read(args.check))


if __name__ == "__main__":
    main()
