"""The recogniser's packed model (search/entities/ner/packed.py): the same weights as the gzip JSON
train.py writes, so the same names with the same scores, and the same fingerprint (packing alone
re-processes no article)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from bench.corpus import REUTERS, reuters_records
from search.cleaner import clean_text
from search.entities import ner
from search.entities.ner.packed import PACKED_PATH, SOURCE_PATH, file_hash, pack, unpack
from search.entities.ner.recogniser import Model, Recogniser

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def recognisers() -> tuple[Recogniser, Recogniser]:
    return Recogniser(Model.load(SOURCE_PATH)), Recogniser(Model.load(PACKED_PATH))


def test_the_packed_model_is_the_json_model(recognisers):
    old, new = (r.model for r in recognisers)
    assert (old.classes, old.threshold, old.lone_name_score, old.meta) == \
        (new.classes, new.threshold, new.lone_name_score, new.meta)
    assert new.matrix.dtype == old.matrix.dtype and np.array_equal(new.matrix, old.matrix)
    assert np.array_equal(new.bias, old.bias)
    assert new.index == old.index
    assert list(new.lower_ratio.items()) == list(old.lower_ratio.items())
    assert new.places == old.places and new.lexicon == old.lexicon
    assert new.demonyms == old.demonyms


def test_packing_keeps_the_fingerprint_of_the_json_it_came_from(monkeypatch):
    # a model retrained without packing again fails here: run `python -m
    # search.entities.ner.train --pack-only`
    monkeypatch.delenv(ner.NER_ENV, raising=False)
    assert Model.load().source == file_hash(SOURCE_PATH)
    assert ner.fingerprint() == f"bundled:{file_hash(SOURCE_PATH)}"


def _texts_of_seeds() -> list[str]:
    texts = []
    for path in sorted(SEEDS.glob("*.txt")):  # each dump whole (chrome too) and its article text
        dump = path.read_text(encoding="utf-8")
        texts += [dump, clean_text(dump).body]
    return texts


def test_both_loaders_find_the_same_names_in_the_seeds(recognisers):
    old, new = recognisers
    texts = _texts_of_seeds()
    found = [old.mentions(text) for text in texts]
    assert sum(map(len, found)) >= 20  # the seeds name people, places and organisations
    assert [new.mentions(text) for text in texts] == found


@pytest.mark.slow
@pytest.mark.shared(REUTERS)
def test_both_loaders_find_the_same_names_in_reuters_stories(recognisers):
    old, new = recognisers
    texts = [t for r in itertools.islice(reuters_records(), 500) for t in (r["title"], r["body"])]
    found = [old.mentions(text) for text in texts]
    assert sum(map(len, found)) >= 1000
    assert [new.mentions(text) for text in texts] == found


def test_a_tiny_model_survives_packing(tmp_path):
    data = {"classes": ["O", "PER"], "weights": {"__bias__": [0.5, -0.25], "w:paris": [0.1, 0.2],
                                                 "sh:Xx": [-1.5, 3.0]},
            "lower_ratio": {"the": 0.99, "paris": 0.0}, "places": {"paris": "city"},
            "lexicon": {}, "threshold": 0.4, "lone_name_score": 0.5, "meta": {"C": 1.0}}
    pack(data, "abc123", tmp_path / "m.npz")
    packed, built = Model.load(tmp_path / "m.npz"), Model(data)
    assert packed.source == "abc123" and built.source is None
    assert packed.index == {"w:paris": 1, "sh:Xx": 2} and packed.lexicon == {}
    assert np.array_equal(packed.matrix, built.matrix) and np.array_equal(packed.bias, built.bias)
    assert (packed.lower_ratio, packed.places) == (data["lower_ratio"], data["places"])
    assert np.allclose(packed.probabilities([["w:paris", "sh:Xx", "unknown"]]),
                       built.probabilities([["w:paris", "sh:Xx", "unknown"]]))


def test_a_file_of_another_format_is_refused(tmp_path):
    np.savez(tmp_path / "other.npz", header=np.frombuffer(b'{"format": 99}', dtype=np.uint8))
    with pytest.raises(ValueError, match="not a packed model"):
        unpack(tmp_path / "other.npz")
