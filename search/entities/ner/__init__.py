"""Entities of an article: the curated table first, then names the recogniser finds.

The table stays the authority: its matches are kept as they are, a recognised name that
overlaps one is dropped, a recognised name that is an alias of a table entity becomes that
entity (with the table's type), and a one-word person name joins a full name of the same
article ("Baker" -> "James Baker"), from the table or recognised. The outlet's own name
(and the agency that wrote the story) is not an entity of its own articles.

The recogniser is the bundled model (``recogniser.py``, ``model.npz``). Setting
``NEWSFACET_NER_MODEL`` to the name or path of an installed spaCy pipeline
(``en_core_web_sm``, ``/models/my_pipeline``) uses that pipeline instead; ``none`` turns
recognition off (the table alone, as before).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable
from typing import Protocol

from ...errors import ConfigError
from ...models import Entity
from ..table import EntityTable, normalise
from .recogniser import Mention, Recogniser, consolidate

NER_ENV = "NEWSFACET_NER_MODEL"
OFF_VALUES = ("none", "off", "0", "false")
TYPES = {"PER": "person", "ORG": "org", "LOC": "place", "EVENT": "event", "LAW": "law"}
# spaCy's label schemes (OntoNotes, CoNLL/WikiNER) to ours; others (NORP, DATE, MISC ...) left out
SPACY_TYPES = {"PERSON": "PER", "PER": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC",
               "FAC": "LOC", "EVENT": "EVENT", "LAW": "LAW"}
_NAME_FORBIDDEN = re.compile(r"[,|]")


class Backend(Protocol):
    fingerprint: str
    lone_name_score: float

    def mentions(self, text: str) -> list[Mention]: ...


class BundledBackend:
    """The recogniser trained by search/entities/ner/train.py and shipped in the package."""

    def __init__(self) -> None:
        self.recogniser = Recogniser()
        # the version of the JSON the packed model came from: packing alone re-indexes nothing
        self.fingerprint = f"bundled:{self.recogniser.model.source}"
        self.lone_name_score = self.recogniser.model.lone_name_score

    def mentions(self, text: str) -> list[Mention]:
        return self.recogniser.mentions(text)


class SpacyBackend:
    """An installed spaCy pipeline named by NEWSFACET_NER_MODEL."""

    def __init__(self, name: str) -> None:
        try:
            import spacy
        except ImportError as exc:
            raise ConfigError(f"{NER_ENV}={name} needs spaCy — pip install spacy and the "
                              f"pipeline, or unset {NER_ENV} to use the bundled "
                              "recogniser") from exc
        try:
            self.nlp = spacy.load(name)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{NER_ENV}={name}: spaCy cannot load that pipeline ({exc}) — "
                              f"install it, or unset {NER_ENV} to use the bundled "
                              "recogniser") from exc
        if "ner" not in self.nlp.pipe_names:
            raise ConfigError(f"{NER_ENV}={name}: the pipeline has no 'ner' component")
        self.lone_name_score = 0.0
        meta = self.nlp.meta
        self.fingerprint = f"spacy:{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
        if os.path.isdir(name):
            self.fingerprint += ":" + _dir_hash(name)

    def mentions(self, text: str) -> list[Mention]:
        doc = self.nlp(text)
        out = []
        for ent in doc.ents:
            label = SPACY_TYPES.get(ent.label_)
            if label:
                out.append(Mention(ent.start_char, ent.end_char, ent.text, label, 1.0))
        return out


_lock = threading.Lock()
_backends: dict[str, Backend | None] = {}


def backend() -> Backend | None:
    """Return the recogniser in use (one per process and setting), or None when it is off.

    Raises:
        ConfigError: NEWSFACET_NER_MODEL names a pipeline that cannot be loaded.
    """
    setting = os.environ.get(NER_ENV, "").strip()
    with _lock:
        if setting not in _backends:
            if setting.lower() in OFF_VALUES:
                _backends[setting] = None
            elif setting:
                _backends[setting] = SpacyBackend(setting)
            else:
                _backends[setting] = BundledBackend()
        return _backends[setting]


def fingerprint() -> str:
    """Return what the entities depend on besides the table: changes re-extract articles."""
    found = backend()
    return found.fingerprint if found else "none"


def find_entities(table: EntityTable, title: str | None, body: str,
                  outlets: Iterable[str | None] = ()) -> tuple[Entity, ...]:
    """Return the entities of one article, table matches and recognised names, once each.

    ``outlets`` are the names of the outlet and agency that published the article: not
    entities of it.
    """
    recogniser = backend()
    own = {_outlet_key(o) for o in outlets if o}
    found: list[Entity] = []
    mentions: list[Mention] = []
    for given in (title or "", body or ""):
        if not given:
            continue
        text = normalise(given)
        known = table.mentions(text)
        found.extend(entity for _, _, entity in known)
        if recogniser is None:
            continue
        spans = [(start, end) for start, end, _ in known]
        for m in recogniser.mentions(text):
            if not any(start < m.end and m.start < end for start, end in spans):
                mentions.append(m)
    recognised: list[Entity] = []
    if mentions and recogniser is not None:
        people = [e.name for e in found if e.type == "person"]
        for given, label in consolidate(mentions, people, recogniser.lone_name_score):
            name = _clean(given)
            if not name:
                continue
            resolved = table.resolve(name)
            recognised.append(resolved or Entity(name, TYPES[label]))
    entities = dict.fromkeys(found + recognised)
    return tuple(e for e in entities if _outlet_key(e.name) not in own)


def _clean(name: str) -> str | None:
    """Return a recognised name fit to be a facet value, or None."""
    name = " ".join(name.split()).strip("-'")
    if len(name) < 2 or _NAME_FORBIDDEN.search(name) or not any(c.isalpha() for c in name):
        return None
    return name


def _outlet_key(name: str) -> str:
    """Return a comparable form of an outlet's name: "Reuters" and the sign-off "Reuter"
    give the same key, so do "The Associated Press" and "Associated Press"."""
    key = " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())
    key = re.sub(r"^the ", "", key)
    return key.removesuffix("s")


def _dir_hash(path: str) -> str:
    digest = hashlib.sha256()
    for root, _, files in sorted(os.walk(path)):
        for name in sorted(files):
            full = os.path.join(root, name)
            digest.update(full[len(path):].encode("utf-8", "surrogatepass"))
            digest.update(str(os.path.getsize(full)).encode())
    return digest.hexdigest()[:12]
