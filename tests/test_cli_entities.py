"""``newsfacet entities``: suggest, add and list, through click's runner on the seeds."""

from __future__ import annotations

import json

import pytest

from search.cli import cli
from search.entities import EntityTable

KNOWN = ("Asaib Ahl al-Haq", "Kataib Hezbollah", "Popular Mobilization Forces", "PMF",
         "Hashed al-Shaabi", "Harakat al-Nujaba", "Donald Trump", "Trump", "Baghdad", "AFP")


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def indexed(runner, tmp_path, seeds_copy):
    index = tmp_path / "ix"
    result = run(runner, "index", seeds_copy, "--index", index)
    assert result.exit_code == 0, result.output
    return index


def suggestions(runner, index, *args) -> dict:
    result = run(runner, "entities", "suggest", "--index", index, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_suggest_finds_a_missing_name_with_an_example_sentence(runner, indexed):
    data = suggestions(runner, indexed, "--min-count", 1, "--limit", 1000)
    assert data["articles"] == 5
    found = {s["phrase"]: s for s in data["suggestions"]}
    # The seeds call the Iran nuclear deal "the JCPOA"; the table has no such entity.
    jcpoa = found["JCPOA"]
    assert jcpoa["articles"] == 1 and "known as the JCPOA" in jcpoa["example"]["sentence"]
    assert run(runner, "show", jcpoa["example"]["article"], "--index", indexed).exit_code == 0
    # A surname used alone is offered as a likely alias of the known person.
    assert found["Azari"]["alias_of"] == "Layth al-Azari"


def test_suggest_leaves_out_known_entities_aliases_outlets_and_calendar_words(runner, indexed):
    phrases = [s["phrase"] for s in suggestions(runner, indexed, "--min-count", 1,
                                                "--limit", 1000)["suggestions"]]
    table = EntityTable.load()
    assert [p for p in phrases if table.resolve(p)] == []
    for word in (*KNOWN, "Business Standard", "NBC News", "London Daily", "Wednesday", "January",
                 "The", "It", "Iranian", "Iraqi"):
        assert word not in phrases, word


def test_suggest_limit_min_count_and_text_output(runner, indexed):
    assert len(suggestions(runner, indexed, "--min-count", 1, "--limit", 3)["suggestions"]) == 3
    assert suggestions(runner, indexed)["suggestions"] == []  # no missing name in 2 seeds
    text = run(runner, "entities", "suggest", "--index", indexed).output
    assert text.startswith("no names missing from the entity table in 5 articles") and \
        "--min-count 1" in text
    text = run(runner, "entities", "suggest", "--index", indexed, "--min-count", 1).output
    assert "JCPOA  1 article, 1 mention" in text and "known as the JCPOA" in text
    assert 'newsfacet entities add "NAME" --type' in text


@pytest.mark.parametrize("args, code, message", [
    (("--min-count", 0), 2, "Invalid value for '--min-count'"),
    (("--limit", "x"), 2, "Invalid value for '--limit'"),
])
def test_suggest_bad_options(runner, indexed, args, code, message):
    result = run(runner, "entities", "suggest", "--index", indexed, *args)
    assert result.exit_code == code and message in result.output


def test_suggest_without_an_index_says_what_to_do(runner, tmp_path):
    result = run(runner, "entities", "suggest", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: no index in")


def test_list_shows_the_table(runner, tmp_path):
    data = json.loads(run(runner, "entities", "list", "--json", "--index", tmp_path / "ix").stdout)
    names = [e["name"] for e in data["entities"]]
    assert "Asaib Ahl al-Haq" in names and len(names) == len(EntityTable.load())
    text = run(runner, "entities", "list").output
    assert "Asaib Ahl al-Haq (group): Asa'ib Ahl al-Haq" in text
