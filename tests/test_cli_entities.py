"""``newsfacet entities``: suggest, add and list, through click's runner on the seeds."""

from __future__ import annotations

import json

import pytest

from search.entities import EntityTable

from .conftest import run

KNOWN = ("Asaib Ahl al-Haq", "Kataib Hezbollah", "Popular Mobilization Forces", "PMF",
         "Hashed al-Shaabi", "Harakat al-Nujaba", "Donald Trump", "Trump", "Baghdad", "AFP")


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
    assert "JCPOA (org)  1 article, 1 mention" in text and "known as the JCPOA" in text
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


# -- entities add -------------------------------------------------------------------------

def facet(runner, index, name: str) -> list[dict]:
    data = json.loads(run(runner, "search", "--index", index, "--json").stdout)
    return [v for v in data["facets"]["entity"] if v["value"] == name]


def test_add_then_reindex_makes_the_new_entity_a_facet_value(runner, indexed, seeds_copy):
    # Recognised before it is in the table (search/entities/ner), as an organisation.
    assert all(v["type"] == "org" for v in facet(runner, indexed, "JCPOA"))
    before = json.loads(run(runner, "show", "--json", "--index", indexed,
                            json.loads(run(runner, "search", "JCPOA", "--index", indexed,
                                           "--json").stdout)["hits"][0]["id"]).stdout)
    result = run(runner, "entities", "add", "JCPOA", "--type", "org", "--alias",
                 "Joint Comprehensive Plan of Action", "--index", indexed)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added JCPOA (org) with aliases Joint Comprehensive Plan of "
                                    "Action in ")
    overlay = json.loads((indexed / "entities.json").read_text(encoding="utf-8"))
    assert overlay == [{"name": "JCPOA", "type": "org",
                        "aliases": ["Joint Comprehensive Plan of Action"]}]
    # The table's fingerprint is in every article's content hash: all are processed again.
    report = json.loads(run(runner, "index", seeds_copy, "--index", indexed, "--json").stdout)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 5, 0)
    after = json.loads(run(runner, "show", "--json", "--index", indexed, before["id"]).stdout)
    assert after["content_hash"] != before["content_hash"]
    assert {"name": "JCPOA", "type": "org"} in after["entities"]
    assert facet(runner, indexed, "JCPOA") == [{"value": "JCPOA", "type": "org", "count": 1,
                                                "selected": False}]
    # Everywhere the table is used: filters by alias, discovery, listing.
    hits = json.loads(run(runner, "search", "--entity", "joint comprehensive plan of action",
                          "--index", indexed, "--json").stdout)
    assert [h["id"] for h in hits["hits"]] == [before["id"]]
    phrases = [s["phrase"] for s in suggestions(runner, indexed, "--min-count", 1)["suggestions"]]
    assert "JCPOA" not in phrases
    listed = json.loads(run(runner, "entities", "list", "--json", "--index", indexed).stdout)
    assert any(e["name"] == "JCPOA" for e in listed["entities"])
    # A third run changes nothing.
    report = json.loads(run(runner, "index", seeds_copy, "--index", indexed, "--json").stdout)
    assert report["unchanged"] == 5


def test_added_entity_has_an_entity_page(runner, indexed, seeds_copy):
    from search.config import Settings
    from web import create_app

    client = create_app({"TESTING": True,
                         "SETTINGS": Settings(index_dir=str(indexed))}).test_client()
    before = client.get("/api/entities/JCPOA")  # recognised in one seed, not in the table
    assert before.status_code == 200 and before.get_json()["in_table"] is False
    run(runner, "entities", "add", "JCPOA", "--type", "org", "--index", indexed)
    run(runner, "index", seeds_copy, "--index", indexed)
    data = client.get("/api/entities/jcpoa").get_json()  # the running app sees the addition
    assert (data["entity"] == {"name": "JCPOA", "type": "org"} and data["in_table"]
            and data["total"] == 1)


def test_add_aliases_to_a_known_entity(runner, indexed):
    result = run(runner, "entities", "add", "layth al-azari", "--type", "person", "--alias",
                 "Azari", "--index", indexed)
    assert result.exit_code == 0
    assert result.output.startswith("added aliases Azari to Layth al-Azari (person) in ")
    phrases = [s["phrase"] for s in suggestions(runner, indexed, "--min-count", 1)["suggestions"]]
    assert "Azari" not in phrases


@pytest.mark.parametrize("args, message", [
    (("Asaib Ahl al-Haq", "--type", "group"),
     "Error: 'Asaib Ahl al-Haq' is already in the entity table with that name — nothing to add"),
    (("AAH", "--type", "group"),
     "Error: 'AAH' is already an alias of 'Asaib Ahl al-Haq' (group) — to add aliases, run: "
     'newsfacet entities add "Asaib Ahl al-Haq" --type group --alias …'),
    (("New Group", "--type", "group", "--alias", "PMF"),
     "Error: alias 'PMF' already belongs to 'Popular Mobilization Forces' — an alias can name "
     "only one entity"),
    (("Asaib Ahl al-Haq", "--type", "person", "--alias", "AAH2"),
     "Error: 'Asaib Ahl al-Haq' is already in the entity table as a group, not a person — use "
     "--type group"),
    (("Bad|Name", "--type", "group"),
     "Error: entity name 'Bad|Name' in "),
])
def test_add_refuses_duplicates_and_clashes(runner, tmp_path, args, message):
    index = tmp_path / "ix"
    result = run(runner, "entities", "add", *args, "--index", index)
    assert result.exit_code == 1
    assert result.output.strip().startswith(message)
    assert not (index / "entities.json").exists()


def test_add_bad_type_is_bad_usage(runner, tmp_path):
    result = run(runner, "entities", "add", "X Y", "--type", "militia", "--index", tmp_path)
    assert result.exit_code == 2 and "Invalid value for '--type'" in result.output


def test_add_writes_to_the_named_table_file(runner, tmp_path, monkeypatch):
    table = tmp_path / "mine.json"
    table.write_text('[{"name": "Kataib Hezbollah", "type": "group", "aliases": ["KH"]}]',
                     encoding="utf-8")
    assert run(runner, "entities", "add", "Saraya Qamar al-Din", "--type", "group", "--alias",
               "SQD", "--entities", table).exit_code == 0
    monkeypatch.setenv("NEWSFACET_ENTITIES", str(table))
    assert run(runner, "entities", "add", "kataib hezbollah", "--type", "group", "--alias",
               "Hezbollah Brigades").exit_code == 0
    entries = json.loads(table.read_text(encoding="utf-8"))
    assert entries == [
        {"name": "Kataib Hezbollah", "type": "group", "aliases": ["KH", "Hezbollah Brigades"]},
        {"name": "Saraya Qamar al-Din", "type": "group", "aliases": ["SQD"]}]
    assert not (tmp_path / "index").exists()  # the named file, not an overlay


def test_add_appends_a_row_to_a_csv_table(runner, tmp_path):
    table = tmp_path / "mine.csv"
    table.write_text("name,type,aliases\n# my groups\nKataib Hezbollah,group,KH\n",
                     encoding="utf-8")
    assert run(runner, "entities", "add", "Saraya Qamar al-Din", "--type", "group", "--alias",
               "SQD", "--alias", "Qamar Brigades", "--entities", table).exit_code == 0
    assert table.read_text(encoding="utf-8").splitlines()[-2:] == [
        "Kataib Hezbollah,group,KH", "Saraya Qamar al-Din,group,SQD|Qamar Brigades"]
    assert EntityTable.load(table).resolve("qamar brigades").name == "Saraya Qamar al-Din"
    result = run(runner, "entities", "add", "Kataib Hezbollah", "--type", "group", "--alias", "KH2",
                 "--entities", table)
    assert result.exit_code == 1 and "add the aliases to that row by hand" in result.output


def test_a_broken_overlay_is_a_clear_error(runner, indexed):
    (indexed / "entities.json").write_text("[{", encoding="utf-8")
    result = run(runner, "search", "embassy", "--index", indexed)
    assert result.exit_code == 1 and "is not valid JSON" in result.output


def test_suggest_shows_progress_on_a_terminal(runner, indexed, monkeypatch):
    monkeypatch.setattr("search.cli.entities.on_terminal", lambda: True)
    result = run(runner, "entities", "suggest", "--index", indexed, "--min-count", 1)
    assert result.exit_code == 0
    assert "\rreading articles        5/5        [########################]" in result.stderr
    quiet = run(runner, "entities", "suggest", "--index", indexed, "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["articles"] == 5


def test_suggest_lists_the_entities_articles_carry_with_their_type(runner, tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_text("\n".join(json.dumps({
        "id": f"r{i}", "title": f"Rates {i}", "body": "Paul Volcker said rates would hold.",
        "entities": [{"name": "Paul Volcker", "type": "person"}]}) for i in range(2)) + "\n")
    index = tmp_path / "ix"
    assert run(runner, "index", records, "--index", index).exit_code == 0
    first = suggestions(runner, index)["suggestions"][0]
    assert (first["phrase"], first["type"], first["articles"]) == ("Paul Volcker", "person", 2)
    text = run(runner, "entities", "suggest", "--index", index).output
    assert "Paul Volcker (person)  2 articles" in text
