"""Recognised people, organisations and places (search/entities/ner): the bundled recogniser, the
curated table's authority over it, collection-level evidence, and a spaCy pipeline named by
NEWSFACET_NER_MODEL (a tiny one trained here on the spot).

The texts are written for these tests; the recogniser's accuracy is measured on CoNLL-2003
dev by ../shared/eval/entities/score_entities.py, not here.
"""

from __future__ import annotations

import pytest

from search.entities import EntityTable, ner
from search.entities.ner.collection import CollectionNames
from search.entities.ner.recogniser import Recogniser, consolidate
from search.errors import ConfigError
from search.ingest import RawDocument
from search.models import Article, Entity
from search.pipeline import content_hash, process


@pytest.fixture(scope="module")
def table() -> EntityTable:
    return EntityTable.load()


@pytest.fixture(autouse=True)
def _bundled(monkeypatch):
    monkeypatch.delenv(ner.NER_ENV, raising=False)


def names(entities) -> dict[str, str]:
    return {e.name: e.type for e in entities}


def test_recogniser_finds_people_organisations_places():
    text = ("Finance Minister Maria Okonkwo told parliament in Lagos on Tuesday that Zenith "
            "Bank Plc would repay the loan. Okonkwo said the Central Bank of Nigeria agreed.")
    found = {m.text: m.label for m in Recogniser().mentions(text)}
    assert found.get("Maria Okonkwo") == "PER"
    assert found.get("Lagos") == "LOC"
    assert found.get("Zenith Bank Plc") == "ORG"
    assert "Tuesday" not in found and "Finance Minister Maria Okonkwo" not in found


def test_adjectives_and_months_are_not_places_or_people():
    text = "Iranian and European officials met in May, a French diplomat said in Geneva."
    found = {m.text: m.label for m in Recogniser().mentions(text)}
    assert found.get("Geneva") == "LOC"
    assert not {"Iranian", "European", "French", "May"} & set(found)


def test_headline_capitals_give_known_places_only():
    found = {m.text for m in Recogniser().mentions("SOCCER - BRAZIL BEAT WALES IN CARDIFF")}
    assert {"Brazil", "Wales", "Cardiff"} <= found and "Soccer" not in found  # spelled as in text


def test_names_never_cross_punctuation():
    text = "Goals: Duncan Ferguson, Stuart McCall (Rangers). Attendance: 40,000"
    for m in Recogniser().mentions(text):
        assert "," not in m.text and "(" not in m.text and m.text[-1:] != "."


def test_short_form_joins_the_full_name_within_an_article():
    recogniser = Recogniser()
    text = "Treasury Secretary James Baker met bankers. Baker said rates would fall."
    assert ("James Baker", "PER") in consolidate(recogniser.mentions(text))
    assert all(name != "Baker" for name, _ in consolidate(recogniser.mentions(text)))


def test_table_stays_the_authority(table):
    found = names(ner.find_entities(
        table, "Kataib Hezbollah fighters clash with Iraqi police",
        "Kataib Hezbollah, part of the PMF, said its commander Abu Fadak al-Mohammedawi "
        "met officials in Baghdad. The PMF denied it."))
    assert found["Kataib Hezbollah"] == "group"
    assert found["Popular Mobilization Forces"] == "group"
    assert "PMF" not in found and "Hezbollah" not in found
    assert "Abu Fadak al-Mohammedawi" in found or "Abu Fadak" in found


def test_recognised_alias_resolves_to_the_table(table):
    entry = table.entries[0]
    alias = next((a for a in entry["aliases"] if " " in a), entry["name"])
    found = ner.find_entities(table, None, f"Officials said {alias} had agreed on Monday.")
    assert Entity(entry["name"], entry["type"]) in found


def test_outlet_is_not_an_entity_of_its_own_articles(table):
    body = ("WASHINGTON, March 3 - Federal Reserve Chairman Paul Volcker told Reuters the "
            "dollar was stable. Volcker spoke in Washington.\n\nReuter")
    own = names(ner.find_entities(table, "FED'S VOLCKER SEES STABLE DOLLAR", body,
                                  outlets=["Reuters"]))
    assert "Reuters" not in own and "Reuter" not in own
    assert own.get("Paul Volcker") == "person"
    other = names(ner.find_entities(table, None, body, outlets=["Business Standard"]))
    assert "Reuters" in other


def test_recognition_can_be_turned_off(table, monkeypatch):
    monkeypatch.setenv(ner.NER_ENV, "none")
    body = "Finance Minister Maria Okonkwo spoke in Lagos about Hezbollah."
    assert ner.find_entities(table, None, body) == table.find(None, body)
    assert ner.fingerprint() == "none"


def test_recogniser_change_reindexes(table, monkeypatch):
    raw = RawDocument(source="a.txt", kind="text", content="Paul Volcker spoke.",
                      raw_hash="x", fields={})
    bundled = content_hash(raw, table, {})
    monkeypatch.setenv(ner.NER_ENV, "none")
    assert content_hash(raw, table, {}) != bundled


def test_unknown_spacy_pipeline_is_a_clear_error(monkeypatch, table):
    monkeypatch.setenv(ner.NER_ENV, "no_such_pipeline_xyz")
    with pytest.raises(ConfigError, match="NEWSFACET_NER_MODEL=no_such_pipeline_xyz"):
        ner.find_entities(table, None, "Paul Volcker spoke.")


def _article(doc_id: str, *entities: Entity) -> Article:
    return Article(id=doc_id, source=doc_id, body="x", entities=entities)


def test_collection_evidence_types_and_full_names(table):
    names_ = CollectionNames(table)
    batch = [_article("a", Entity("Ronald Reagan", "person"), Entity("Acme Widgets", "org")),
             _article("b", Entity("Ronald Reagan", "person"), Entity("Acme Widgets", "org")),
             _article("c", Entity("Reagan", "person"), Entity("Acme Widgets", "place")),
             _article("d", Entity("Kataib Hezbollah", "group"), Entity("Hezbollah", "group")),
             _article("e", Entity("Friday Reagan", "person")),  # a stray misreading
             _article("f", Entity("Ronald Reagan", "person"))]
    for article in batch:
        names_.observe(article)
    out = {a.id: a.entities for a in names_.resolve(batch)}
    assert out["c"] == (Entity("Ronald Reagan", "person"), Entity("Acme Widgets", "org"))
    assert out["d"] == batch[3].entities  # table entities are never changed


def test_surname_of_two_people_is_left_alone(table):
    names_ = CollectionNames(table)
    batch = [_article(str(k), Entity(full, "person")) for k, full in
             enumerate(["James Baker", "James Baker", "Kenneth Baker", "Kenneth Baker"])]
    batch.append(_article("x", Entity("Baker", "person")))
    for article in batch:
        names_.observe(article)
    assert names_.resolve(batch)[-1].entities == (Entity("Baker", "person"),)


def test_spacy_pipeline_from_the_setting(tmp_path, monkeypatch, table):
    """A tiny spaCy pipeline, trained here, replaces the bundled recogniser."""
    spacy = pytest.importorskip("spacy", reason="spaCy is in the test extra")
    from spacy.training import Example

    spacy.util.fix_random_seed(16)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    data = [("yesterday zorblat quux visited the harbour", [(10, 22, "PERSON")]),
            ("the minister met zorblat quux in town", [(17, 29, "PERSON")]),
            ("officials in vexmoor said on monday", [(13, 20, "GPE")]),
            ("rain fell over vexmoor again", [(15, 22, "GPE")])]
    examples = [Example.from_dict(nlp.make_doc(text), {"entities": ents}) for text, ents in data]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(40):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    path = tmp_path / "tiny_pipeline"
    nlp.to_disk(path)

    raw = RawDocument(source="a.txt", kind="text",
                      content="yesterday zorblat quux visited the harbour", raw_hash="y", fields={})
    bundled = content_hash(raw, table, {})
    monkeypatch.setenv(ner.NER_ENV, str(path))
    assert ner.fingerprint().startswith("spacy:")
    assert content_hash(raw, table, {}) != bundled
    processed = process(raw, table)
    assert Entity("zorblat quux", "person") in processed.article.entities


def test_one_spelling_per_name_across_the_collection(table):
    """A record's "canada", a headline's "CANADA" and the text's "Canada" are one facet value
    (Typesense counts values regardless of case: several spellings made the engines differ)."""
    names_ = CollectionNames(table)
    batch = [_article("a", Entity("canada", "place")),  # a record's list, lower case
             _article("b", Entity("CANADA", "place"), Entity("Canada", "place")),
             _article("c", Entity("Canada", "place")),
             _article("d", Entity("Zorblat Quux", "person")),
             _article("e", Entity("zorblat quux", "other"))]  # a record's untyped name
    for article in batch:
        names_.observe(article)
    out = {a.id: a.entities for a in names_.resolve(batch)}
    assert out["a"] == out["c"] == (Entity("Canada", "place"),)
    assert out["b"] == (Entity("Canada", "place"),)  # one value, once
    assert out["e"] == (Entity("Zorblat Quux", "person"),)


def test_a_written_spelling_stays_for_later_batches(table):
    names_ = CollectionNames(table)
    first = [_article("a", Entity("ACME WIDGETS", "org"))]
    names_.observe(first[0])
    assert names_.resolve(first)[0].entities == (Entity("ACME WIDGETS", "org"),)
    later = [_article("b", Entity("Acme Widgets", "org"))]  # a better spelling, too late
    names_.observe(later[0])
    assert names_.resolve(later)[0].entities == (Entity("ACME WIDGETS", "org"),)


def test_places_in_capitals_are_spelled_as_in_running_text(table):
    found = names(ner.find_entities(table, "BRAZIL COFFEE EXPORTS FALL IN SOUTH AFRICA",
                                    "Exports from Brazil fell, traders in Santos said."))
    assert found.get("Brazil") == "place" and "BRAZIL" not in found
    assert found.get("South Africa") == "place" and "SOUTH AFRICA" not in found


@pytest.mark.parametrize("spellings, expected", [
    (["M-3", "M3", "M3"], "M3"),  # one value for Typesense: punctuation does not count
    (["Sao Paulo", "São Paulo", "São Paulo"], "São Paulo"),
    (["Ex-Im", "EXIM"], "Ex-Im"),  # mixed case is preferred over capitals
])
def test_spellings_typesense_counts_as_one_value_are_one(table, spellings, expected):
    names_ = CollectionNames(table)
    batch = [_article(str(k), Entity(s, "org")) for k, s in enumerate(spellings)]
    for article in batch:
        names_.observe(article)
    assert {a.entities for a in names_.resolve(batch)} == {(Entity(expected, "org"),)}


def test_a_name_the_table_knows_but_for_punctuation_is_the_table_entity(table):
    names_ = CollectionNames(table)
    batch = [_article("a", Entity("Kataib Hezbollah.", "org"))]  # resolve() does not know it
    names_.observe(batch[0])
    assert names_.resolve(batch)[0].entities == (table.resolve("Kataib Hezbollah"),)


@pytest.mark.parametrize("capitals, expected", [
    ("NEW YORK", "New York"),
    ("THE HAGUE", "The Hague"),
    ("BOSNIA AND HERZEGOVINA", "Bosnia and Herzegovina"),  # a joiner stays in lower case
    ("GUINEA-BISSAU", "Guinea-Bissau"),
    ("UAE", "UAE"),  # a lone short word is an abbreviation
    ("U.S.", "U.S."),
])
def test_place_spelling(capitals, expected):
    from search.entities.ner.recogniser import place_spelling

    assert place_spelling(capitals) == expected


def test_table_row_labels_are_no_people():
    """Earnings tables start each row with an abbreviation ("Avg", "Oper"): no names."""
    text = ("Zenith Widgets Inc said its profit rose.\n\nQtr\n\n"
            "Oper shr loss two cts vs profit seven cts\n\nRevs 291.8 mln vs 151.1 mln\n\n"
            "Avg shrs 51.7 mln vs 43.4 mln\n\nYear\n\nOper shr profit nil vs profit 12 cts\n\n"
            "Revs 569.3 mln vs 298.5 mln\n\nAvg shrs 51.6 mln vs 41.1 mln\n\n"
            "Brazil 1,200 tonnes vs 900 tonnes\n\n"  # a place labels a row: still a place
            "Reagan said the economy was strong.")  # a sentence, not a row
    recogniser = Recogniser()
    found = dict(consolidate(recogniser.mentions(text), (), recogniser.model.lone_name_score))
    assert found == {"Zenith Widgets Inc": "ORG", "Brazil": "LOC", "Reagan": "PER"}


@pytest.mark.parametrize("text, expected", [
    # a legal form alone is no name: the whole company is found instead
    ("Fenwick-Harlow Inc said its board has approved a three-for-two stock split.",
     {"Fenwick-Harlow Inc": "ORG"}),
    # a company's short form
    ("Michael Hammes, vice president of international operations, said Chrysler planned to "
     "market a few hundred vehicles. Chrysler Corp owns 24 pct of Mitsubishi Motors Corp.",
     {"Michael Hammes": "PER", "Chrysler": "ORG", "Chrysler Corp": "ORG",
      "Mitsubishi Motors Corp.": "ORG"}),
    ("said Lawrence Cohn, analyst with Merrill Lynch and Co.",
     {"Lawrence Cohn": "PER", "Merrill Lynch": "ORG"}),
    ("Moody's Investors Service Inc said it lowered the debt ratings of Fluor Corp.",
     {"Moody": "ORG", "Fluor Corp.": "ORG"}),
])
def test_company_names(text, expected):
    recogniser = Recogniser()
    assert dict(consolidate(recogniser.mentions(text), (), recogniser.model.lone_name_score)) \
        == expected


def test_events_and_laws(table):
    found = names(ner.find_entities(table, None, (
        "Brazil won the World Cup in 1994. Congress passed the Clean Air Act, and the Louvre "
        "Accord was signed in Paris. Marathon said its profit rose.")))
    assert found["World Cup"] == "event"
    assert found["Clean Air Act"] == found["Louvre Accord"] == "law"
    assert "Marathon" not in found or found["Marathon"] != "event"


def test_an_acronym_keeps_its_capitals(table):
    """Reuters writes "OPEC" mostly and "Opec" sometimes: the facet value is OPEC."""
    names_ = CollectionNames(table)
    batch = [_article(str(k), Entity(s, "org")) for k, s in enumerate(["OPEC", "Opec", "OPEC"])]
    for article in batch:
        names_.observe(article)
    assert {a.entities for a in names_.resolve(batch)} == {(Entity("OPEC", "org"),)}


def test_a_known_name_or_a_title_is_no_table_row():
    recogniser = Recogniser()
    for text in ("Reagan signs 1.2 bln dlr farm bill",  # a title: one line
                 "Trade talks.\nReagan signs 1.2 bln dlr farm bill\nMore text."):  # known name
        assert [m.text for m in recogniser.mentions(text)] == ["Reagan"]


def test_results_lists_give_clubs():
    """In a results list a name followed by a score is a club, an organisation, whether or not
    it is a town the place list knows, and so are its other mentions in the text; a national
    team stays its country, a bowler in a scorecard and a town in a price table stay out."""
    recogniser = Recogniser()
    text = ("Results of Freedonian league matches played on Saturday:\n\n"
            "Marlow 3 Tiverton 2 (halftime 1-0)\n\nBrackley 1 Dorking 1\n\n"
            "Hexham 0 Glossop 4\n\nTiverton stay top of the table.")
    found = dict(consolidate(recogniser.mentions(text), (), recogniser.model.lone_name_score))
    clubs = {"Marlow", "Tiverton", "Brackley", "Dorking", "Hexham", "Glossop"}
    assert {name for name, label in found.items() if label == "ORG"} == clubs
    national = "Brazil 2 Wales 1\n\nEngland 326, Pakistan 290\n\nNorwich 2 Colchester 1"
    found = dict(consolidate(recogniser.mentions(national), (), 0.0))
    assert found["Brazil"] == found["Wales"] == found["England"] == found["Pakistan"] == "LOC"
    assert found["Norwich"] == found["Colchester"] == "ORG"
    for other in ("Australia\n\nM. Slater c Healy b Fleming 44\n\nS. Law b Kasprowicz 13\n\n"
                  "R. Ponting c Law b Gillespie 9\n\nG. Blewett b Fleming 3",
                  "Price per bushel:\n\nChicago 3.04 2.98\n\nToledo 3.04 2.98\n\n"
                  "Denver 2.62 2.63\n\nMemphis 3.05 2.99"):
        assert "ORG" not in {m.label for m in recogniser.mentions(other)}, other
