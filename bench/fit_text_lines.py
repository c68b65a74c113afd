"""Fit the text-dump line model (``search/data/text_line_model.json``) on the training split.

    python -m bench.fit_text_lines ../shared/extraction-bench/train/ \
        [--check ../shared/extraction-bench/dev/]

Everything the model holds comes from the training folder only:

* the function-word list: the ``--stopwords`` tokens found in the most gold bodies;
* each line's target: whether it is article text, read off the gold body (most of the line's
  word 4-grams, counted with the neighbouring lines' edge words for short lines, are in it);
* the weights: L2-regularised logistic regression (Newton's method, numpy), lines weighted by
  their words over the page's gold words, so that every page counts alike as in the metric;
* the L2 strength and the threshold: chosen by the benchmark's own F1 on out-of-fold
  predictions, folds grouped by outlet so that no site is scored by a model that saw it.

``--check`` scores a second folder (dev) with the fitted model, for the record only: nothing
is chosen on it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.extraction import load_pages  # noqa: E402
from bench.fitting import fit_parser, scorer_of  # noqa: E402
from bench.textdump import html_to_text_dump  # noqa: E402
from search.cleaner import text_model  # noqa: E402
from search.cleaner.text import features_of, rule_blocks, shaped  # noqa: E402

MODEL_PATH = ROOT / "search" / text_model.MODEL_FILE
TOKEN = re.compile(r"\w+")
FOLDS = 5
L2_GRID = (100.0, 1000.0, 10000.0, 100000.0)
# A line the rules keep is dropped below DROP; a line they drop is kept from KEEP up
# (DROP 0: never drop; KEEP above 1: never keep).
DROP_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
KEEP_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclasses.dataclass
class PageRows:
    """One page's lines ready for fitting: features, targets, weights and which lines may change."""

    id: str
    outlet: str
    gold: str
    blocks: list
    by_shape: list
    rows: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    mask: np.ndarray  # lines the model may relabel


def shingles(tokens: list[str], n: int = 4) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))]


def line_targets(texts: list[str], gold: str) -> list[bool]:
    """Return, per line, whether it is article text according to the gold body."""
    gold_tokens = TOKEN.findall(gold)
    gold_set = set(shingles(gold_tokens))
    joined = f" {' '.join(gold_tokens)} "
    tokens = [TOKEN.findall(text) for text in texts]
    out = []
    for i, own in enumerate(tokens):
        if not own:
            out.append(False)
            continue
        before = tokens[i - 1][-3:] if i > 0 else []
        after = tokens[i + 1][:3] if i + 1 < len(tokens) else []
        context = before + own + after
        first, last = len(before), len(before) + len(own) - 1
        touching = [sh for k, sh in enumerate(shingles(context)) if k <= last and k + 3 >= first]
        if len(own) >= 4:
            touching = shingles(own)
        if len(context) < 4:
            out.append(f" {' '.join(own)} " in joined)
            continue
        out.append(sum(sh in gold_set for sh in touching) / len(touching) > 0.5)
    return out


def fit_stopwords(golds: list[str], size: int) -> frozenset[str]:
    """Return the ``size`` tokens that occur in the most gold bodies (document frequency)."""
    frequency: Counter[str] = Counter()
    for gold in golds:
        frequency.update({t.casefold() for t in TOKEN.findall(gold) if not t.isdigit()})
    return frozenset(word for word, _ in frequency.most_common(size))


def page_rows(page, stopwords: frozenset[str]) -> PageRows:
    dump = html_to_text_dump(page.html)
    lines, blocks, span = rule_blocks(dump)
    gold = page.gold.get("body") or ""
    rows = np.array(features_of(lines, blocks, span, stopwords),
                    dtype=float).reshape(len(lines), -1)
    target = np.array(line_targets([line.text for line in lines], gold), dtype=float)
    gold_words = max(1, len(TOKEN.findall(gold)))
    weight = np.array([max(1, line.words) / gold_words for line in lines], dtype=float)
    by_shape = shaped(lines, span)
    mask = np.array([text_model.overridable(block, shape)
                     for block, shape in zip(blocks, by_shape, strict=True)],
                    dtype=bool)
    return PageRows(page.id, page.gold.get("outlet") or page.id, gold, blocks, by_shape, rows,
                    target, weight, mask)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray,
                 l2: float) -> tuple[np.ndarray, float]:
    """Return (weights, bias) of the weighted L2 logistic regression (Newton's method)."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2 / n)  # per line, on the mean weighted log-loss
    penalty[-1] = 0.0
    scale = w / w.sum()
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        grad = design.T @ (scale * (p - y)) + penalty * beta
        hess = (design * (scale * p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    return means, scales


def predict(x: np.ndarray, weights: np.ndarray, bias: float, means: np.ndarray,
            scales: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(((x - means) / scales) @ weights + bias, -30, 30)))


def body_with(page: PageRows, probabilities: np.ndarray, thresholds: tuple[float, float]) -> str:
    blocks = text_model.relabel(list(page.blocks), probabilities.tolist(), page.by_shape,
                                *thresholds)
    return "\n\n".join(block.text for block in blocks if block.kept)


_GOLD_SHINGLES: dict[str, Counter] = {}


def tp_fp_fn(scorer, page: PageRows, body: str) -> tuple[float, float, float]:
    """The scorer's ``tp_fp_fn`` with the gold page's shingles computed once."""
    gold = _GOLD_SHINGLES.get(page.id)
    if gold is None:
        gold = _GOLD_SHINGLES[page.id] = scorer.shingles(page.gold, 4)
    pred = scorer.shingles(body, 4)
    tp = sum((gold & pred).values())
    fp = sum((pred - gold).values())
    fn = sum((gold - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def f1_of(scorer, pages: list[PageRows], probabilities: dict[str, np.ndarray],
          thresholds: tuple[float, float] | None) -> tuple:
    """Return the benchmark's (P, R, F1) with the model at (drop, keep) ``thresholds`` (None: rules
    alone)."""
    triples = []
    for page in pages:
        if thresholds is None:
            body = "\n\n".join(block.text for block in page.blocks if block.kept)
        else:
            body = body_with(page, probabilities[page.id], thresholds)
        triples.append(tp_fp_fn(scorer, page, body))
    return scorer.aggregate(triples)


def fold_of(outlet: str) -> int:
    return zlib.crc32(outlet.encode("utf-8")) % FOLDS


def fit_on(pages: list[PageRows], l2: float):
    x = np.vstack([p.rows[p.mask] for p in pages])
    y = np.concatenate([p.target[p.mask] for p in pages])
    w = np.concatenate([p.weight[p.mask] for p in pages])
    means, scales = standardise(x)
    weights, bias = fit_logistic((x - means) / scales, y, w, l2)
    return weights, bias, means, scales


def out_of_fold(pages: list[PageRows], l2: float) -> dict[str, np.ndarray]:
    out = {}
    for fold in range(FOLDS):
        fitted = fit_on([p for p in pages if fold_of(p.outlet) != fold], l2)
        for page in pages:
            if fold_of(page.outlet) == fold:
                out[page.id] = predict(page.rows, *fitted)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = fit_parser(__doc__)
    ap.add_argument("--stopwords", type=int, default=150, help="size of the function-word list")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    scorer = scorer_of(args)
    train_pages = load_pages(args.train)
    stopwords = fit_stopwords([p.gold.get("body") or "" for p in train_pages], args.stopwords)
    pages = [page_rows(p, stopwords) for p in train_pages]
    print(f"train: {len(pages)} pages, {sum(len(p.blocks) for p in pages)} lines, "
          f"{sum(int(p.mask.sum()) for p in pages)} the model may relabel")
    print("rules alone on train: P/R/F1 "
          f"{'/'.join(f'{v:.4f}' for v in f1_of(scorer, pages, {}, None))}")
    best = None
    for l2 in L2_GRID:
        oof = out_of_fold(pages, l2)
        for threshold in [(drop, keep) for drop in DROP_GRID for keep in KEEP_GRID]:
            result = f1_of(scorer, pages, oof, threshold)
            if best is None or result[2] > best[0][2] + 1e-9:
                best = (result, l2, threshold)
        print(f"  l2 {l2:>6}: best out-of-fold F1 so far {best[0][2]:.4f} (l2 {best[1]}, threshold "
              f"{best[2]})")
    (result, l2, threshold) = best
    weights, bias, means, scales = fit_on(pages, l2)
    model = {
        "about": "text-dump line model: logistic regression fitted by bench/fit_text_lines.py",
        "trained_on": str(args.train.resolve().name) + f" ({len(pages)} pages)",
        "out_of_fold_train_f1": round(result[2], 4),
        "l2": l2, "drop_below": threshold[0], "keep_from": threshold[1],
        "features": list(text_model.FEATURES),
        "weights": [round(float(v), 6) for v in weights], "bias": round(bias, 6),
        "means": [round(float(v), 6) for v in means],
        "scales": [round(float(v), 6) for v in scales], "stopwords": sorted(stopwords),
    }
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"chosen l2 {l2}, threshold {threshold}: out-of-fold train P/R/F1 "
          f"{'/'.join(f'{v:.4f}' for v in result)}; written to {args.out}")
    ranked = sorted(zip(text_model.FEATURES, weights, strict=True), key=lambda t: -abs(t[1]))
    for name, weight in ranked[:10]:
        print(f"  {name:<16} {weight:+.3f}")
    in_sample = {p.id: predict(p.rows, weights, bias, means, scales) for p in pages}
    print("in-sample train P/R/F1 "
          f"{'/'.join(f'{v:.4f}' for v in f1_of(scorer, pages, in_sample, threshold))}")
    if args.check:
        check = [page_rows(p, stopwords) for p in load_pages(args.check)]
        fitted = {p.id: predict(p.rows, weights, bias, means, scales) for p in check}
        print(f"check {args.check.name}: rules alone "
              f"{'/'.join(f'{v:.4f}' for v in f1_of(scorer, check, {}, None))}, with the model "
              f"{'/'.join(f'{v:.4f}' for v in f1_of(scorer, check, fitted, threshold))}")


if __name__ == "__main__":
    main()
