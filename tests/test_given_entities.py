"""Entities a .jsonl record lists itself: every usable name kept, typed by the table, the
record, the text or ``other`` (search/entities/given.py, issue 16)."""

from __future__ import annotations

import json

import pytest

from search.entities import EntityTable
from search.entities.given import entity_type, given_entities
from search.models import Entity

from .conftest import run

TABLE = EntityTable.load()

GIVEN = [
    # A table name or alias: the table's canonical name and type.
    (["usa"], (), [Entity("United States", "place")]),
    ([{"name": "PMF", "type": "person"}], (), [Entity("Popular Mobilization Forces", "group")]),
    # Unknown to the table: the record's type, read as ours when it is a common spelling.
    ([{"name": "Reagan", "type": "person"}], (), [Entity("Reagan", "person")]),
    ([{"name": "Acme Mining", "type": "Organization"}], (), [Entity("Acme Mining", "org")]),
    ([{"name": "Lyon", "type": "GPE"}], (), [Entity("Lyon", "place")]),
    ([{"name": "World Cup", "type": "event"}], (), [Entity("World Cup", "event")]),
    # No type: the type the text gave the same name, else other.
    (["baker"], (Entity("Baker", "person"),), [Entity("Baker", "person")]),
    (["Volcker"], (), [Entity("Volcker", "other")]),
    # The text's spelling of the same name; else the record's, also in lower case (one
    # spelling across the collection: not "Canada" where the text names it, "canada" elsewhere).
    (["reagan"], (Entity("Reagan", "person"),), [Entity("Reagan", "person")]),
    ([{"name": "reagan", "type": "person"}], (Entity("Reagan", "other"),),
     [Entity("Reagan", "person")]),
    (["reagan"], (), [Entity("reagan", "other")]),
    # A type that is no plain word is no type; separators of the index become spaces.
    ([{"name": "Oddity", "type": "<b>x</b>"}], (), [Entity("Oddity", "other")]),
    (["Washington, D.C.|x"], (), [Entity("Washington D.C. x", "other")]),
    # Unusable items are skipped: no name, not a string, blank, too long; duplicates once.
    ([{"type": "person"}, 5, None, "  ", "x" * 201, ["a"], {"name": 3}], (), []),
    (["Volcker", "volcker", "Volcker"], (),
     [Entity("Volcker", "other"), Entity("volcker", "other")]),
]


@pytest.mark.parametrize("items, found, expected", GIVEN)
def test_record_entities_are_kept_and_typed(items, found, expected):
    assert list(given_entities(items, TABLE, found)) == expected


@pytest.mark.parametrize("value, expected", [
    ("person", "person"), ("PER", "person"), ("Organisation", "org"), ("LOC", "place"),
    ("armed group", "group"), ("law", "law"), ("other", "other"), ("", None), (None, None),
    (7, None), ("two words here", None), ("x" * 31, None),
])
def test_record_types_read_as_ours(value, expected):
    assert entity_type(value) == expected


def test_a_record_name_the_table_lacks_is_a_facet_and_a_filter(runner, tmp_path):
    """Record reuters21578-1250 lists ["usa", "reagan"]: `--entity reagan` finds it."""
    records = tmp_path / "reuters.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"id": "reuters21578-1250", "title": "REAGAN TO MAKE ANNOUNCEMENT",
         "body": "The White House said President Reagan would make an announcement.",
         "date": "1987-03-03", "outlet": "Reuters", "entities": ["usa", "reagan"]},
        {"id": "r2", "title": "Coffee talks", "body": "Brazil and Colombia met in London.",
         "entities": [{"name": "Brazil", "type": "place"}, {"name": "ICO", "type": "org"}]},
    ]) + "\n")
    index = tmp_path / "ix"
    assert run(runner, "index", records, "--index", index).exit_code == 0
    found = json.loads(run(runner, "search", "--entity", "reagan", "--index", index,
                           "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["reuters21578-1250"]
    # The text names him too (search/entities/ner): the record's "reagan" is that person.
    assert {"name": "Reagan", "type": "person"} in found["hits"][0]["entities"]
    assert {"name": "reagan", "type": "other"} not in found["hits"][0]["entities"]
    assert {"name": "United States", "type": "place"} in found["hits"][0]["entities"]
    stats = json.loads(run(runner, "stats", "--index", index, "--json").stdout)
    entities = {(v["value"], v.get("type")): v["count"] for v in stats["facets"]["entity"]}
    assert entities[("Brazil", "place")] == 1 and entities[("ICO", "org")] == 1
    assert entities[("Reagan", "person")] == 1 and ("reagan", "other") not in entities


def test_the_pipeline_version_makes_the_next_index_run_process_again(runner, tmp_path, monkeypatch):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"id": "x1", "title": "T", "body": "Some text.",
                                   "entities": ["Volcker"]}) + "\n")
    index = tmp_path / "ix"
    assert run(runner, "index", records, "--index", index).exit_code == 0
    assert "unchanged 1" in run(runner, "index", records, "--index", index).output
    monkeypatch.setattr("search.pipeline.PIPELINE_VERSION", "test-next")
    assert "updated 1" in run(runner, "index", records, "--index", index).output


def test_one_spelling_of_a_record_name_across_runs(runner, tmp_path):
    """A record's "zorblat corp" and another's "Zorblat Corp" are one facet value, also when
    the second comes in a later run (the index's spelling stays)."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"id": "a1", "title": "T", "body": "Some text.",
                                 "entities": [{"name": "ZORBLAT CORP", "type": "org"}]}) + "\n"
                     + json.dumps({"id": "a2", "title": "T", "body": "Other text.",
                                   "entities": [{"name": "zorblat corp", "type": "org"}]}) + "\n")
    second.write_text(json.dumps({"id": "b1", "title": "T", "body": "More text.",
                                  "entities": [{"name": "Zorblat Corp.", "type": "org"}]}) + "\n")
    index = tmp_path / "ix"
    assert run(runner, "index", first, "--index", index).exit_code == 0
    assert run(runner, "index", second, "--index", index).exit_code == 0
    stats = json.loads(run(runner, "stats", "--index", index, "--json").stdout)
    zorblat = [(v["value"], v["count"]) for v in stats["facets"]["entity"]
               if "zorblat" in v["value"].casefold()]
    assert zorblat == [("ZORBLAT CORP", 3)]
