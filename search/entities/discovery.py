"""Entity discovery: frequent proper-noun phrases in articles that the entity table lacks.

A candidate is a run of capitalised words inside one sentence ("Layth al-Azari", "Islamic
Revolutionary Guard Corps"), with "of", "the", "al" … allowed between them; punctuation, a
possessive and a name the table already knows end a run. The runs are the recogniser's own
(``ner.recogniser.capitalised_runs``, the runs its candidates come from), so discovery and
recognition read a text's names the same way. What is left out, and why:

- known entities and their aliases: their mentions are cut out of the text first, so neither
  they nor phrases containing them are suggested;
- words capitalised only because a sentence starts with them: the first word of a sentence is
  kept only if the articles never write it in lower case ("Two groups" gives nothing, "Ghika
  said" gives Ghika);
- lone common words ("Parliament" where the articles also write "parliament"), the words of
  ``data/suggest_stopwords.txt`` (months, days, demonyms, chrome) at a phrase's edges, titles
  ("President Reagan" gives Reagan), demonyms of the table's places and of the other names
  ("Iraqi", "Canadian"), outlet names, and pieces right beside a known name ("West" Germany);
- lines of figures (financial tables);
- headline lines (mostly Title Case words, no closing full stop), which would make every
  headline word a name.

Entities the articles already carry but the table lacks (recognised in the text at index
time, or listed by a .jsonl record) are candidates too, with their type: they are what the
recogniser found, so they are listed first, then the capitalised runs nothing recognised.

Candidates are counted in articles (and mentions), ranked by article count, and each comes
with the first sentence that uses it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

from .ner.recogniser import Tokens, capitalised_runs, row_label
from .table import EntityTable, normalise
from ..models import Article

STOPWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "suggest_stopwords.txt"
# Lower-case words that may join capitalised ones inside a name.
CONNECTORS = frozenset({"of", "the", "for", "al", "el", "bin", "ibn", "de", "du", "la", "van",
                        "von", "der", "den"})
# Lower-case prefixes of a capitalised Arabic name part: al-Haq, as-Sadr, bin-Salman.
PARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ibn", "bin", "abu",
                       "abd"})
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "gen", "maj", "col", "lt", "sgt", "capt",
                           "adm", "gov", "sen", "rep", "st", "jr", "sr", "no", "inc", "corp",
                           "co", "vs", "mt", "ft"})
DEMONYM_ENDINGS = ("i", "is", "an", "ans", "ian", "ians", "ese", "ish", "n", "ns")
# Hyphenated words starting so are adjectives, not names: Anti-American, Pro-Iranian.
ADJECTIVE_PREFIXES = frozenset({"anti", "pro", "non", "ex", "post", "pre", "neo"})
# A lone word is a common noun when the articles write it in lower case at least this often,
# relative to its capitalised uses inside sentences ("Parliament"/"parliament").
COMMON_RATIO = 0.25
MAX_WORDS = 8
EXAMPLE_CHARS = 240
PROGRESS_EVERY = 100  # articles between two progress reports

_WORD = re.compile(r"[^\W\d_][\w'\-]*")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")


@dataclass(frozen=True)
class Suggestion:
    """A phrase the table lacks: in how many articles, how often, and one sentence using it."""

    phrase: str
    articles: int
    mentions: int
    example: str
    example_id: str
    alias_of: str | None = None  # a known entity whose name has this word ("Azari")
    type: str | None = None  # the type articles carry it with, when it was recognised

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "articles": self.articles, "mentions": self.mentions,
                "example": {"sentence": self.example, "article": self.example_id},
                "alias_of": self.alias_of, "type": self.type}


@dataclass
class _Tally:
    articles: set[int] = field(default_factory=set)
    mentions: int = 0
    spellings: Counter = field(default_factory=Counter)
    example: tuple[str, str] | None = None
    types: Counter = field(default_factory=Counter)  # of the articles' own entities


class _Collector:
    """Counts runs over every article; ``suggestions`` decides what is a name at the end,
    when the corpus' own use of lower case is known."""

    def __init__(self, table: EntityTable) -> None:
        self.table = table
        words = load_stopwords()
        self.stopwords, self.titles, self.suffixes = words["edge"], words["title"], words["suffix"]
        self.demonym = _demonym_test(table)
        self.tallies: dict[tuple[str, ...], _Tally] = {}
        # Sentence-initial runs, decided at the end: (words, article number, example).
        self.initial: list[tuple[tuple[str, ...], int, tuple[str, str]]] = []
        self.lower: Counter[str] = Counter()
        self.capital: Counter[str] = Counter()
        self.articles = 0

    def add(self, article: Article) -> None:
        number = self.articles
        self.articles += 1
        text = normalise(article.body)
        known = self.table.mentions(article.body)
        starts = [start for start, _, _ in known]
        ends = [end for _, end, _ in known]
        title = " ".join((article.title or "").split())
        position = 0
        for line in text.split("\n"):
            begin, position = position, position + len(line) + 1
            if not line.strip() or " ".join(line.split()) == title or _is_headline(line):
                continue
            for start, stop in _sentences(line, begin):
                if _is_table(text, start, stop):
                    continue
                for words, initial in _runs(text, start, stop, starts, ends, self):
                    example = (_example(text, start, stop, words[0]), article.id)
                    if initial:
                        self.initial.append((words, number, example))
                    else:
                        self._count(words, number, example)
        self._carried(article, number, text)

    def _carried(self, article: Article, number: int, text: str) -> None:
        """Count the entities the article carries that the table lacks, with their types."""
        for entity in article.entities:
            key = _key(entity.name.split())
            if not key or len(key) > MAX_WORDS or self.table.resolve(entity.name):
                continue
            tally = self.tallies.setdefault(key, _Tally())
            tally.articles.add(number)
            tally.types[entity.type] += 1
            tally.spellings[entity.name] += 1
            if tally.example is None or not tally.example[0]:  # a sentence, once one names it
                tally.example = (_sentence_naming(text, entity.name), article.id)

    def _count(self, words: tuple[str, ...], number: int, example: tuple[str, str]) -> None:
        words = _trim(words, self.stopwords, self.demonym)
        while words and words[0].casefold() in self.suffixes:
            words = words[1:]
        if not words or len(words) > MAX_WORDS:
            return
        key = _key(words)
        tally = self.tallies.setdefault(key, _Tally())
        tally.articles.add(number)
        tally.mentions += 1
        tally.spellings[" ".join(words)] += 1
        if tally.example is None:
            tally.example = example

    def is_common(self, word: str) -> bool:
        lower = self.lower[word.casefold()]
        return lower > 0 and lower >= COMMON_RATIO * self.capital[word]

    def suggestions(self, exclude: Iterable[str]) -> list[Suggestion]:
        seen = set(self.tallies)
        for words, number, example in self.initial:
            first = words[0]
            # "General Motors Corp said…": kept whole when the articles use it mid-sentence too.
            trimmed = _trim(words, self.stopwords, self.demonym)
            keep_first = (_key(trimmed) in seen
                          or (first.casefold() not in self.stopwords and not self.is_common(first)))
            self._count(words if keep_first else words[1:], number, example)
        self.initial = []
        excluded = {" ".join(e.split()).casefold() for e in exclude}
        name_words = _name_words(self.table, self.stopwords)
        # Demonyms of places the table lacks, from the names themselves (Canadian: Canada).
        demonym = _demonym_test(self.table, {k[0] for k in self.tallies if len(k) == 1})
        out = []
        for key, tally in self.tallies.items():
            phrase = tally.spellings.most_common(1)[0][0]
            if phrase.casefold() in excluded or self.table.resolve(phrase):
                continue
            if len(key) == 1 and (len(phrase) < 3 or self.is_common(phrase) or demonym(phrase)):
                continue
            owners = name_words.get(key[0], ()) if len(key) == 1 else ()
            kind = tally.types.most_common(1)[0][0] if tally.types else None
            assert tally.example is not None  # set with the first mention
            sentence, article_id = tally.example
            out.append(Suggestion(phrase, len(tally.articles),
                                  max(tally.mentions, len(tally.articles)), sentence, article_id,
                                  alias_of=next(iter(owners)) if len(owners) == 1 else None,
                                  type=kind))
        out.sort(key=lambda s: (s.type is None, -s.articles, -s.mentions,
                                -len(s.phrase.split()), s.phrase))
        return out


def suggest_entities(articles: Iterable[Article], table: EntityTable, *,
                     exclude: Iterable[str] = (), min_count: int = 2,
                     limit: int | None = 50,
                     progress: Callable[[int], None] | None = None) -> tuple[list[Suggestion], int]:
    """Return the most frequent names in ``articles`` that ``table`` does not know, and how
    many articles were read.

    ``exclude`` holds names never to suggest (outlet names); ``min_count`` is the fewest
    articles a name must appear in; ``progress`` is called with the number of articles read
    every PROGRESS_EVERY articles and once at the end.
    """
    collector = _Collector(table)
    for article in articles:
        collector.add(article)
        if progress is not None and collector.articles % PROGRESS_EVERY == 0:
            progress(collector.articles)
    if progress is not None:
        progress(collector.articles)
    found = [s for s in collector.suggestions(exclude) if s.articles >= min_count]
    return (found if limit is None else found[:limit]), collector.articles


def load_stopwords(path: Path = STOPWORDS_FILE) -> dict[str, frozenset[str]]:
    """Return the words of the stop-word file by section (edge, title, suffix), case-folded."""
    sections: dict[str, set[str]] = {"edge": set(), "title": set(), "suffix": set()}
    current = sections["edge"]
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), set())
        elif line and not line.startswith("#"):
            current.add(line.casefold())
    return {name: frozenset(words) for name, words in sections.items()}


# --- finding runs ------------------------------------------------------------------------------

def _is_headline(line: str) -> bool:
    """Tell a Title Case line without a closing full stop (a headline) from a sentence."""
    stripped = line.rstrip()
    if stripped.endswith((".", "!", "?", '"', "'")):
        return False
    words = [w for w in _WORD.findall(line) if len(w) > 3]
    return len(words) >= 3 and sum(_is_capitalised(w) for w in words) >= 0.6 * len(words)


def _sentences(line: str, offset: int) -> Iterable[tuple[int, int]]:
    """Yield (start, end) of each sentence of a line, as positions in the whole text."""
    start = 0
    for end in _SENTENCE_END.finditer(line):
        before = line[:end.start()].rsplit(None, 1)
        last = before[-1].casefold().strip(".\"'") if before else ""
        if last in ABBREVIATIONS or len(last) == 1 or re.fullmatch(r"(\w\.)+\w", last):
            continue  # "Gen. Soleimani", "U.S. forces": not the end of a sentence
        yield offset + start, offset + end.start() + 1
        start = end.end()
    if start < len(line):
        yield offset + start, offset + len(line)


def _is_table(text: str, start: int, stop: int) -> bool:
    """Tell a line of figures ("Shr 1.40 dlrs vs 1.38 dlrs Net 1,928,800") from a sentence."""
    tokens = text[start:stop].split()
    figures = sum(any(c.isdigit() for c in t) for t in tokens)
    return len(tokens) >= 5 and figures >= 0.25 * len(tokens)


def _is_capitalised(word: str) -> bool:
    """Tell whether a word can be part of a name: Capitalised, ACRONYM or al-Particle parts."""
    parts = [p for p in word.split("-") if p]
    if not parts or (len(parts) > 1 and parts[0].casefold() in ADJECTIVE_PREFIXES):
        return False
    for index, part in enumerate(parts):
        if part[0].isupper():
            continue
        if part.casefold() in PARTICLES and index + 1 < len(parts):
            continue
        return False
    return True


def _runs(text: str, start: int, stop: int, starts: list[int], ends: list[int], collector):
    """Yield (words, starts_the_sentence) for each run of capitalised words in a sentence.

    The runs are the recogniser's (``capitalised_runs``, with this module's connectors), cut
    at known names, titles and words that cannot be part of a name; a piece right beside a
    known name is part of a longer one ("West" Germany) and is left out.
    """
    tokens = Tokens(text[start:stop])
    words, spans = tokens.words, tokens.spans
    for index, word in enumerate(words):
        if word[0].islower():
            collector.lower[word.casefold()] += 1
        elif index and _is_capitalised(word) and len(word) > 1:
            collector.capital[word] += 1
    known = [_overlaps(start + a, start + b, starts, ends) for a, b in spans]
    for i, j in capitalised_runs(tokens, CONNECTORS):
        piece: list[int] = []
        for k in range(i, j + 1):
            word = words[k] if k < j else ""
            name_word = (_is_capitalised(word) and len(word) > 1
                         and word.casefold() not in collector.titles)
            fits = k < j and not known[k] and (name_word or (bool(piece) and word in CONNECTORS))
            if fits:
                piece.append(k)
                continue
            if len(piece) == 1 and row_label(tokens, piece[0], several_lines="\n" in text):
                pass  # "Revs 291.8 mln vs 151.1 mln": a table row's label, as the recogniser says
            elif piece and not _touches_known(piece, known, words, i, j):
                # After a dateline ("BAGHDAD (Reuters) - Paramilitary groups…") a sentence starts.
                initial = piece[0] == 0 or (piece[0] < 6 and
                                            text[start:stop][:spans[piece[0]][0]].rstrip().endswith("-"))
                yield from _flush([words[x] for x in piece], initial)
            piece = []


def _touches_known(piece: list[int], known: list[bool], words: list[str], i: int, j: int) -> bool:
    """Tell whether the words next to a piece, inside its run, are a known name's (an
    abbreviation's full stop parts them: "U.S. Agriculture Department" keeps its piece)."""
    before = piece[0] - 1
    return (before >= i and known[before] and not words[before].endswith(".")) or \
        (piece[-1] + 1 < j and known[piece[-1] + 1])


def _key(words: Iterable[str]) -> tuple[str, ...]:
    """Return the key a phrase is counted under ("Drexel Burnham Lambert Inc." and "… Inc"
    are one name)."""
    return tuple(w.casefold().rstrip(".") or w for w in words)


def _flush(run: list[str], initial: bool):
    while run and run[-1] in CONNECTORS:
        run = run[:-1]
    if run:
        yield tuple(run), initial


def _overlaps(start: int, end: int, starts: list[int], ends: list[int]) -> bool:
    """Tell whether [start, end) overlaps one of the (disjoint, sorted) known mentions."""
    index = bisect_right(starts, start)
    if index and ends[index - 1] > start:
        return True
    return index < len(starts) and starts[index] < end


def _trim(words: tuple[str, ...], stopwords: frozenset[str], demonym) -> tuple[str, ...]:
    """Return the run without stop words, connectors and demonyms at its edges
    ("Iranian Foreign Minister" keeps "Foreign", which is then a lone common word)."""
    def edge(word: str) -> bool:
        return word.casefold() in stopwords or word in CONNECTORS or demonym(word)

    kept = list(words)
    while kept and edge(kept[0]):
        kept.pop(0)
    while kept and edge(kept[-1]):
        kept.pop()
    return tuple(kept)


def _example(text: str, start: int, stop: int, word: str) -> str:
    """Return the sentence, cut to EXAMPLE_CHARS around the word when it is longer."""
    sentence = " ".join(text[start:stop].split())
    if len(sentence) <= EXAMPLE_CHARS:
        return sentence
    at = max(0, sentence.find(word) - EXAMPLE_CHARS // 3)
    if at:  # start and end on word boundaries
        at = sentence.find(" ", at) + 1 or at
    cut = sentence[at:at + EXAMPLE_CHARS]
    if at + EXAMPLE_CHARS < len(sentence):
        cut = cut.rsplit(" ", 1)[0] + " …"
    return ("… " if at else "") + cut


def _sentence_naming(text: str, name: str) -> str:
    """Return the first sentence of ``text`` naming ``name`` as a word (any case; spaces and
    hyphens alike: "hong-kong" finds Hong Kong), or "" if none does."""
    words = [re.escape(w) for w in re.split(r"[\s\-]+", name) if w]
    found = re.search(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", text, re.IGNORECASE)
    if not words or found is None:
        return ""
    at = found.start()
    begin = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[begin:] if end < 0 else text[begin:end]
    for start, stop in _sentences(line, begin):
        if start <= at < stop:
            return _example(text, start, stop, found.group())
    return _example(text, begin, begin + len(line), name)


def _name_words(table: EntityTable, stopwords: frozenset[str]) -> dict[str, set[str]]:
    """Return the entities of people, groups and orgs by each distinctive word of their
    spellings, particles dropped ("al-Azari" → "azari": Layth al-Azari)."""
    out: dict[str, set[str]] = {}
    for entry in table.entries:
        if entry["type"] == "place":
            continue
        for spelling in (entry["name"], *entry["aliases"]):
            for token in normalise(spelling).split():
                parts = token.split("-")
                while len(parts) > 1 and parts[0].casefold() in PARTICLES:
                    parts.pop(0)
                word = "-".join(parts).casefold()
                if len(word) >= 4 and word not in stopwords:
                    out.setdefault(word, set()).add(entry["name"])
    return out


def _demonym_test(table: EntityTable, more: Iterable[str] = ()):
    """Return a test for words derived from the table's one-word places (Iraqi, Syrians)
    or from the words in ``more``."""
    places = {s.casefold() for e in table.entries if e["type"] == "place"
              for s in (e["name"], *e["aliases"]) if " " not in s and len(s) >= 4}
    known = frozenset(places)
    places |= {w for w in more if len(w) >= 4}

    @functools.lru_cache(maxsize=65536)
    def derived(word: str) -> bool:
        folded = word.casefold()
        if folded in known or not folded.endswith(DEMONYM_ENDINGS):
            return False
        for place in places - {folded}:
            shared = len(_common_prefix(place, folded))
            # Known places may change more (Lebanon: Lebanese); other words only their last
            # letter (Canada: Canadian), so that Reagan is no demonym of a misspelt "Reagen".
            slack = 2 if place in known else 1
            if shared >= max(4, len(place) - slack) and 0 < len(folded) - len(place) <= 4:
                return True
        return False

    return derived


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


__all__ = ["Suggestion", "suggest_entities", "load_stopwords"]
