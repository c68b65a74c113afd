"""Entity matching, resolving and table files: search/entities/table.py and
search/data/entities.json."""

from __future__ import annotations

import json
import pickle
import re
import time
from pathlib import Path

import pytest

from search.entities import EntityTable
from search.errors import EntityTableError
from search.models import ENTITY_TYPES, Entity

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def table() -> EntityTable:
    return EntityTable.load()


def names(entities: tuple[Entity, ...]) -> list[str]:
    return [e.name for e in entities]


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# --- matching with the bundled table ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # spellings real coverage uses
    ("Kata'ib Hizballah fired rockets", ["Kataib Hezbollah"]),
    ("Kata’ib Hizballah fired rockets", ["Kataib Hezbollah"]),
    ("Kataeb Hezbollah and KH", ["Kataib Hezbollah"]),
    ("the People’s Mobilization Forces (PMF)", ["Popular Mobilization Forces"]),
    ("the Popular Mobilization Force (PMF)", ["Popular Mobilization Forces"]),
    ("fighters of al Hashd al Shaabi", ["Popular Mobilization Forces"]),
    # NBSP, nb hyphen
    ("fighters of al-Hashd\u00a0al\u2011Shaabi", ["Popular Mobilization Forces"]),
    ("the Hashd al-Sha’bi", ["Popular Mobilization Forces"]),
    ("the Popular\nMobilisation   Units", ["Popular Mobilization Forces"]),
    ("Hez\u00adbollah", ["Hezbollah"]),  # soft hyphen from a web page
    ("Asa'ib Ahl al-Haq (AAH) and the League of the Righteous", ["Asaib Ahl al-Haq"]),
    ("Qassem Soleimani and Abu Mahdi al-Mohandes", ["Qasem Soleimani", "Abu Mahdi al-Muhandis"]),
    ("Erbil, also written Arbil or Irbil", ["Erbil"]),
    ("the green zone", ["Green Zone"]),
    # acronyms match only in capitals
    ("the pmf said", []),
    ("kh and aah", []),
    ("us and them", []),
    ("US forces left", ["United States"]),
    ("the U.S. said", ["United States"]),
    ("aboard the U.S.S. Arlington", []),
    ("WHAT IS NEXT FOR OIL", []),  # "IS" is deliberately not an alias of Islamic State
    # never inside a word, a ticker or an identifier
    ("KHAN and Khan", []),
    ("Iranian and Iraqi officials", []),
    ("a man called al-Baghdadi", []),
    ("AFFILIATED PUBLICATIONS INC <AFP> SETS PAYOUT", []),
    ("Unilever Plc <UN.A> group", []),
    ("Iran-backed and pro-Iran groups", ["Iran"]),  # a hyphen separates words
    ("Iran's foreign ministry", ["Iran"]),
    ("the anti-ISIS coalition", ["Islamic State"]),
    ("told AFP", ["Agence France-Presse"]),
    # case-sensitive ordinary words
    ("an Islamic state in all but name", []),
    ("the Islamic State jihadist group", ["Islamic State"]),
    ("played his trump card", []),
    ("Trump said", ["Donald Trump"]),
    ("bought fine china", []),
    ("sent the Gulf a signal", []),  # "the Gulf" is left out: Gulf of Mexico, Gulf states
    # longest match wins
    ("Kataib Hezbollah denied it", ["Kataib Hezbollah"]),
    ("Harakat Hezbollah al-Nujaba", ["Harakat al-Nujaba"]),
    ("Kataib Hezbollah, unlike Hezbollah, denied it", ["Kataib Hezbollah", "Hezbollah"]),
    ("Donald Trump Jr. said", ["Donald Trump Jr."]),
    ("Laith al-Khazali, the brother", ["Laith al-Khazali"]),
    ("Senior US State Department officials", ["US State Department"]),
    ("The Washington Post reported", ["Washington Post"]),
    # once each, in order of first appearance
    ("Iraq, Iran, Iraq and Syria", ["Iraq", "Iran", "Syria"]),
    ("ISIL (ISIS) and Daesh", ["Islamic State"]),
])
def test_find_with_bundled_table(table: EntityTable, text: str, expected: list[str]) -> None:
    assert names(table.find(None, text)) == expected


def test_find_reports_title_entities_first(table: EntityTable) -> None:
    found = table.find("Kataib Hezbollah denies attack", "Iraq said Kataib Hezbollah fired.")
    assert names(found) == ["Kataib Hezbollah", "Iraq"]


def test_find_gives_entities_with_types(table: EntityTable) -> None:
    assert table.find("", "PMF leader in Baghdad met Mike Pompeo of the Pentagon") == (
        Entity("Popular Mobilization Forces", "group"), Entity("Baghdad", "place"),
        Entity("Mike Pompeo", "person"), Entity("Pentagon", "org"))


# --- matching rules on a tiny table -------------------------------------------------------------

TINY = [
    {"name": "Red Sea", "type": "place", "aliases": []},
    {"name": "Sea Shepherd Society", "type": "org", "aliases": []},
    {"name": "Kataib Group", "type": "group", "aliases": ["Kata'ib"]},
    {"name": "Plain Group", "type": "group", "aliases": ["Plainib"]},
    {"name": "Six Letters", "type": "org", "aliases": ["ABCDEF", "ABCDE"]},
]


@pytest.mark.parametrize("text, expected", [
    # the longer match wins even when the shorter one starts first
    ("the Red Sea Shepherd Society", ["Sea Shepherd Society"]),
    ("the Red Sea", ["Red Sea"]),
    # an apostrophe written in an alias is optional in the text, not the other way round
    ("Kataib and Kata’ib", ["Kataib Group"]),
    ("Plain'ib", []),
    # acronyms: at most five characters are matched only in capitals
    ("abcdef", ["Six Letters"]),
    ("abcde", []),
    ("ABCDE", ["Six Letters"]),
])
def test_matching_rules(text: str, expected: list[str]) -> None:
    assert names(EntityTable(TINY).find(None, text)) == expected


def test_empty_table_finds_nothing() -> None:
    assert EntityTable().find("Iraq", "Iraq") == ()


# --- resolve -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("PMF", "Popular Mobilization Forces"),
    ("Hashed al-Shaabi", "Popular Mobilization Forces"),
    ("popular mobilization forces", "Popular Mobilization Forces"),
    ("People’s Mobilization Forces", "Popular Mobilization Forces"),
    ("  kataib   HEZBOLLAH ", "Kataib Hezbollah"),
    ("kata'ib hizballah", "Kataib Hezbollah"),
    ("kh", "Kataib Hezbollah"),  # resolving is case-insensitive even for acronyms
    ("Hezbollah", "Hezbollah"),
    ("Trump", "Donald Trump"),
    ("Arbil", "Erbil"),
    ("Iranian", None),
    ("nobody at all", None),
    ("", None),
])
def test_resolve(table: EntityTable, name: str, expected: str | None) -> None:
    entity = table.resolve(name)
    assert (entity.name if entity else None) == expected


# --- the bundled table ---------------------------------------------------------------------------

def test_bundled_table_is_well_formed(table: EntityTable) -> None:
    assert len(table) > 100
    assert {e["type"] for e in table.entries} == set(ENTITY_TYPES)
    assert re.fullmatch(r"[0-9a-f]{12}", table.fingerprint)


# Every seed that names each armed group, checked against the text by hand.
SEED_GROUPS = [
    ("Kataib Hezbollah", {"001", "003"}),
    ("Popular Mobilization Forces", {"000", "001", "003"}),
    ("Asaib Ahl al-Haq", {"000", "001"}),
    ("Harakat al-Nujaba", {"000"}),
    ("Islamic State", {"000", "001", "002", "004"}),
    ("Hezbollah", set()),  # only inside "Kataib Hezbollah"
]


@pytest.mark.parametrize("group, expected", SEED_GROUPS)
def test_seed_groups(table: EntityTable, group: str, expected: set[str]) -> None:
    seeds = {p.name[:3] for p in SEEDS.glob("*.txt")
             if group in names(table.find(None, p.read_text(encoding="utf-8")))}
    assert seeds == expected


SEED_OTHERS = [
    ("000", ["Nasr al-Shomari", "Layth al-Azari", "Mohammad Javad Zarif", "Pentagon",
             "US State Department", "Islamic Revolutionary Guard Corps", "Erbil", "Tehran"]),
    ("001", ["Qasem Soleimani", "Abu Mahdi al-Muhandis", "Ismail Qaani", "Qais al-Khazali",
             "Mohammed Mohie", "Donald Trump", "Politico", "Middle East Eye", "Washington Post"]),
    ("002",
     ["Chris Ghika", "John Bolton", "Jeremy Hunt", "Mike Pompeo", "Heiko Maas", "Sanam Vakil",
             "Hassan Rouhani", "Ahmed al-Sahaf", "Chatham House", "US State Department",
             "UK Ministry of Defence", "Operation Inherent Resolve", "Persian Gulf", "Erbil",
      "Mosul",
             "Syria", "Brussels"]),
    ("003", ["Donald Trump", "Ali Khamenei", "Saddam Hussein", "Green Zone", "Tigris", "Kuwait",
             "Baghdad", "Tehran"]),
    ("004", ["Mike Pompeo", "Barham Salih", "Muqtada al-Sadr", "Mustafa al-Kadhimi", "Gati Rikabi",
             "Qasem Soleimani", "US State Department", "Pentagon", "Green Zone"]),
]


@pytest.mark.parametrize("seed, expected", SEED_OTHERS)
def test_seed_people_organisations_places(table: EntityTable, seed: str,
                                          expected: list[str]) -> None:
    found = names(table.find(None, seed_text(seed)))
    assert [name for name in expected if name not in found] == []


def test_find_is_fast(table: EntityTable) -> None:
    # ~2,000 articles of seed text; a generous floor (measured: ~13,000 articles/s) so a
    # loaded machine does not fail it.
    text = "\n".join(seed_text(p) for p in ("000", "001", "002", "003"))
    articles = [text[i:i + 850] for i in range(0, len(text) - 850, 7)][:2000]
    started = time.perf_counter()
    for article in articles:
        table.find("Headline", article)
    assert len(articles) / (time.perf_counter() - started) > 500


# --- loading, errors, editing --------------------------------------------------------------------

def write(tmp_path: Path, content: str, name: str = "table.json") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def two(alias_a: str, alias_b: str) -> str:
    return json.dumps([{"name": "A", "type": "group", "aliases": [alias_a]},
                       {"name": "B", "type": "org", "aliases": [alias_b]}])


@pytest.mark.parametrize("content, message", [
    ("{bad",
     "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    ('{"name": "X"}', 'must be a JSON list of objects with "name", "type" and "aliases"'),
    ('["Iraq"]', "entry 1 in {path} is not an object"),
    ('[{"type": "group"}]',
     'entry 1 in {path} has no "name" — give every entity a name and a type'),
    ('[{"name": "X"}]',
     "entity 'X' in {path} has no \"type\" — use one of: group, person, org, place"),
    ('[{"name": "X", "type": "militia"}]',
     "entity 'X' in {path} has unknown type 'militia' — use one of: group, person, org, place"),
    ('[{"name": "X", "type": "org", "aliases": "Y"}]',
     "aliases of 'X' in {path} must be a list of strings"),
    ('[{"name": "A, B", "type": "org"}]', "contains ',' or '|'"),
    (two("KH", "kh"),
     "alias 'kh' is claimed by both 'A' and 'B' in {path} — keep it on one entity"),
    (two("Kata'ib", "Kataib"), "alias 'Kataib' is claimed by both 'A' and 'B'"),
    ('[{"name": "X", "type": "org"}, {"name": "x", "type": "place"}]',
     "entity 'x' is listed twice in {path} — merge the two entries"),
    ('[{"name": "X", "type": "org", "aliases": ["--"]}]', "an alias of 'X' in {path} is empty"),
])
def test_load_errors_say_what_to_fix(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(EntityTableError, match=re.escape(message.format(path=path))):
        EntityTable.load(path)


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(EntityTableError) as caught:
        EntityTable.load(path)
    assert str(caught.value) == (f"entity table {path} not found — check --entities or "
                                 "NEWSFACET_ENTITIES, or leave both unset to use the bundled table")


def test_load_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "name,type,aliases\n"
                           "# a comment line\n"
                           "Kataib Hezbollah,group,Kata'ib Hizballah|KH\n"
                           "\n"
                           "Donald Trump,person,,Trump,only capitalised\n", "table.csv")
    table = EntityTable.load(path)
    assert names(table.find("KH and Kataib Hizballah", "Trump, the trump card")) == [
        "Kataib Hezbollah", "Donald Trump"]
    assert table.entries[1] == {"name": "Donald Trump", "type": "person", "aliases": [],
                                "case_sensitive": ["Trump"], "note": "only capitalised"}


def test_load_csv_with_wrong_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "Iraq\n", "table.csv")
    with pytest.raises(EntityTableError, match=re.escape(f"line 1 of {path} has 1 columns")):
        EntityTable.load(path)


def test_fingerprint_follows_matching_content_only() -> None:
    base = EntityTable(TINY).fingerprint
    assert EntityTable(list(reversed(TINY))).fingerprint == base
    assert EntityTable([*TINY[:-1], {**TINY[-1], "note": "a note"}]).fingerprint == base
    assert EntityTable([*TINY[:-1], {**TINY[-1], "aliases": ["ABCDEF"]}]).fingerprint != base


def test_add_returns_new_table_and_save_round_trips(tmp_path: Path) -> None:
    table = EntityTable(TINY, source="tiny")
    added = table.add("Harakat al-Nujaba", "group", ["Nujaba"]).add("Red Sea", "place",
                                                                    ["Erythraean Sea"])
    assert table.resolve("Nujaba") is None
    assert added.resolve("nujaba") == Entity("Harakat al-Nujaba", "group")
    assert names(added.find(None, "the Erythraean Sea")) == ["Red Sea"]
    added.save(tmp_path / "saved.json")
    loaded = EntityTable.load(tmp_path / "saved.json")
    assert loaded.entries == added.entries
    assert loaded.fingerprint == added.fingerprint != table.fingerprint


@pytest.mark.parametrize("name, kind, aliases, message", [
    ("Red Sea", "org", [],
     "'Red Sea' is already in tiny with type place, not org — use --type place"),
    ("New", "militia", [], "entity 'New' in tiny has unknown type 'militia'"),
    ("New", "org", ["ABCDE"], "alias 'ABCDE' is claimed by both 'Six Letters' and 'New' in tiny"),
])
def test_add_refuses_bad_entries(name: str, kind: str, aliases: list[str], message: str) -> None:
    with pytest.raises(EntityTableError, match=re.escape(message)):
        EntityTable(TINY, source="tiny").add(name, kind, aliases)


def test_table_survives_pickling_for_worker_processes(table: EntityTable) -> None:
    copy = pickle.loads(pickle.dumps(table))
    assert copy.fingerprint == table.fingerprint
    assert copy.find(None, "KH in Baghdad") == table.find(None, "KH in Baghdad")
