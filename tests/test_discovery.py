"""Entity discovery on hand-written articles: what counts as a missing name, and what does not."""

from __future__ import annotations

import pytest

from search.entities.discovery import suggest_entities
from search.entities import EntityTable
from search.models import Article

TABLE = EntityTable.load()


def phrases(*bodies: str, min_count: int = 1, exclude=()) -> dict[str, int]:
    articles = [Article(id=f"n{i}", source=f"n{i}.txt", body=b) for i, b in enumerate(bodies)]
    found, scanned = suggest_entities(articles, TABLE, exclude=exclude, min_count=min_count,
                                      limit=None)
    assert scanned == len(bodies)
    return {s.phrase: s.articles for s in found}


@pytest.mark.parametrize("body, expected", [
    # A name mid-sentence, and a surname alone.
    ("The talks were led by Sami Rahal on Monday. Later Rahal said more.", {"Sami Rahal", "Rahal"}),
    # "Two" and "Police" start sentences and are written in lower case elsewhere: not names.
    ("Two groups met. The two groups left. Police said so. The police left.", set()),
    # Known entities and their aliases are not suggested, nor pieces touching them.
    ("Fighters of Asaib Ahl al-Haq and the PMF met in West Baghdad with Qais al-Khazali.", set()),
    # Titles end a name; months, days and demonyms are not names.
    ("He met President Marwan Haddad on Tuesday in March with Iraqi and Syrian officials.",
     {"Marwan Haddad"}),
    # "of", "al" and "the" may join capitalised words; a possessive ends a name.
    ("He visited the Council of Ministers and the Hadi al-Amiri's office of Saraya Qamar al-Din.",
     {"Council of Ministers", "Saraya Qamar al-Din"}),
    # A Title Case headline line gives nothing; lines of figures neither.
    ("Militia Leaders Meet Amid Rising Regional Tensions\nShr 1.40 dlrs vs 1.38 dlrs Net 1,928,800 "
     "Revs 3,1",
     set()),
    # Short table rows too: their labels are no names (the recogniser's row_label).
    ("Zorblat Widgets said profit rose.\nRevs 1,234,000 vs 987,000\nQtly div 12 cts vs 12 cts",
     {"Zorblat Widgets"}),
])
def test_what_is_a_missing_name(body, expected):
    assert set(phrases(body)) == expected


def test_counts_articles_ranks_by_them_and_keeps_an_example():
    bodies = ["Officials said Saraya Qamar al-Din fired rockets, the officials said.",
              "A statement by Saraya Qamar al-Din followed. It named Saraya Qamar al-Din twice.",
              "There is nothing new about Marwan Haddad here."]
    articles = [Article(id=f"n{i}", source="x", body=b) for i, b in enumerate(bodies)]
    found, _ = suggest_entities(articles, TABLE, min_count=1)
    assert [(s.phrase, s.articles, s.mentions) for s in found] == [
        ("Saraya Qamar al-Din", 2, 3), ("Marwan Haddad", 1, 1)]
    assert (found[0].example, found[0].example_id) == (
        "Officials said Saraya Qamar al-Din fired rockets, the officials said.", "n0")
    assert [s.phrase for s in suggest_entities(articles, TABLE, min_count=2)[0]] == [
        "Saraya Qamar al-Din"]


def test_outlets_are_excluded_and_surnames_hint_at_their_entity():
    found = phrases("Said Layth al-Azari on Sunday. Azari added more, the Daily Planet reported.",
                    exclude=["Daily Planet"])
    assert found == {"Azari": 1}
    articles = [Article(id="n", source="x", body="Azari added more.  Then Azari left.")]
    assert suggest_entities(articles, TABLE, min_count=1)[0][0].alias_of == "Layth al-Azari"


def test_progress_is_reported_while_reading():
    articles = [Article(id=f"n{i}", source="x", body="Sami Rahal spoke.") for i in range(250)]
    seen: list[int] = []
    found, scanned = suggest_entities(articles, TABLE, progress=seen.append)
    assert seen == [100, 200, 250] and scanned == 250 and found[0].phrase == "Sami Rahal"


def test_entities_the_articles_carry_come_first_with_their_type():
    """Names recognised at indexing (or given by records) that the table lacks are suggested
    with their type, before capitalised runs nothing recognised; table entities are not."""
    from search.models import Entity

    volcker, brazil = Entity("Paul Volcker", "person"), Entity("brazil", "place")
    articles = [
        Article(id="n0", source="x", body="Fed chairman Paul Volcker spoke. Revs Oper rose.",
                entities=(volcker, Entity("Iraq", "place"))),
        Article(id="n1", source="x", body="Volcker again. Revs Oper fell in Sao Paulo.",
                entities=(volcker, brazil)),
        Article(id="n2", source="x",
                body="Revs Oper flat. Brazilian exports fell. Coffee from Brazil.",
                entities=(brazil,)),
    ]
    found, _ = suggest_entities(articles, TABLE, min_count=2, limit=None)
    assert [(s.phrase, s.type, s.articles) for s in found] == [
        ("Paul Volcker", "person", 2), ("brazil", "place", 2), ("Revs Oper", None, 3)]
    assert found[0].example == "Fed chairman Paul Volcker spoke." and found[0].example_id == "n0"
    assert found[1].example == "Coffee from Brazil." and found[1].to_dict()["type"] == "place"
    hong_kong = Article(id="h", source="x", body="Shares fell. Panic spread to Hong Kong today.",
                        entities=(Entity("hong-kong", "place"),))
    [found] = suggest_entities([hong_kong], TABLE, min_count=1, limit=1)[0]
    assert (found.phrase, found.example) == ("hong-kong", "Panic spread to Hong Kong today.")
