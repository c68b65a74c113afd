"""The seeds end to end: index seeds/ with the CLI, then search, filter and read them back.

This is the one test module that reads seeds/; it checks what a user of the demo corpus sees.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from search.cli import cli

from .conftest import SEEDS

NAMES = {p.name[:3]: str(p) for p in SEEDS.iterdir()}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("seeds") / "index"
    result = CliRunner().invoke(cli, ["index", str(SEEDS), "--index", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 5
    return path


def search(index, *args) -> dict:
    result = CliRunner().invoke(cli, ["search", *args, "--index", str(index), "--json",
                                      "--limit", "50"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def seeds_of(data: dict) -> set[str]:
    return {re.search(r"(\d{3})_", h["source"]).group(1) for h in data["hits"]}


def articles(index) -> dict[str, dict]:
    out = {}
    for hit in search(index)["hits"]:
        shown = CliRunner().invoke(cli, ["show", hit["id"], "--index", str(index), "--json"])
        out[re.search(r"(\d{3})_", hit["source"]).group(1)] = json.loads(shown.stdout)
    return out


def test_embassy_finds_all_five_with_marked_snippets(index):
    data = search(index, "embassy")
    assert data["total"] == 5 and seeds_of(data) == set(NAMES)
    for hit in data["hits"]:
        assert "<mark>embassy</mark>" in hit["snippet"], hit["source"]
    facets = {name: {v["value"]: v["count"] for v in values}
              for name, values in data["facets"].items()}
    assert facets["year"] == {"2020": 1, "undated": 4}
    assert facets["outlet"] == {"Business Standard": 1, "NBC News": 1, "London Daily": 1}
    assert facets["entity"]["Kataib Hezbollah"] == 2
    assert facets["entity"]["Popular Mobilization Forces"] == 3


@pytest.mark.parametrize("name", ["Kataib Hezbollah", "kataib hezbollah", "Kata'ib Hizballah"])
def test_kataib_hezbollah_filter(index, name):
    assert seeds_of(search(index, "--entity", name)) == {"001", "003"}


@pytest.mark.parametrize("name", ["PMF", "Hashed al-Shaabi", "popular mobilization forces",
                                  "Popular Mobilization Forces"])
def test_pmf_aliases_select_the_same_three(index, name):
    assert seeds_of(search(index, "--entity", name)) == {"000", "001", "003"}


@pytest.mark.parametrize("words", ["subscription", "Wirecutter", "NVIDIA", '"IE 11"', "Getty",
                                   "Subscribe", "Epaper", "Heatwave", "decampdave"])
def test_chrome_is_not_searchable(index, words):
    assert search(index, words)["total"] == 0


CHROME = [
    "free articles this month", "Subscribe", "Smart Quarterly", "₹", "Wirecutter",
    "IE 11 is not supported", "Image:", "Getty Images", "U.S. Army / AP", "Reuters file",
    "Download the NBC News app", "Focus on the big picture", "Thursday, Jul 10, 2025",
    "Related Articles", "NVIDIA", "0:00", "×", "follow him on Twitter",
    "Protesters burn property in front of the US embassy compound",
]

KEPT = {
    "000": ["Two key pro-Iran Iraqi armed groups Thursday rejected",
            "said Iran was exercising \"maximum restraint\"."],
    "001": ["Iran has urged its allies in Iraq not to provoke tensions with the US",
            "who celebrated the US assassination of Soleimani."],
    "002": ["\"There's been no increased threat from Iranian backed forces in Iraq and Syria,\"",
            "Associated Press contributed."],
    "003": ["BAGHDAD – Paramilitary groups who have protested",
            "(Reporting by Thaier al-Sudani and Maher Nazeh;"],
    "004": ["Perennial Risk", "Double-edged sword", "Hawks on both sides",
            "who aren’t necessarily following state policy.”"],
}


def test_no_chrome_shown_and_no_paragraph_lost(index):
    shown = articles(index)
    for seed, article in shown.items():
        for line in CHROME:
            assert line not in article["body"], (seed, line)
        for line in KEPT[seed]:
            assert line in article["body"], (seed, line)
    snippets = " ".join(h["snippet"] for h in search(index, "embassy OR militia OR Iran")["hits"])
    for line in CHROME:
        assert line not in snippets


def test_dates_only_from_stated_publication_dates(index):
    shown = articles(index)
    assert shown["003"]["date"] == "2020-01-01"
    # 004's "Thursday, Jul 10, 2025" is the site's banner on the day it was saved; 000 mentions
    # "1997" in its paywall chrome. Neither is a publication date.
    assert {seed: a["date"] for seed, a in shown.items() if seed != "003"} == \
        {"000": None, "001": None, "002": None, "004": None}


def test_outlets_named_in_the_seeds_chrome(index):
    shown = articles(index)
    assert {seed: a["outlet"] for seed, a in shown.items()} == {
        "000": "Business Standard", "001": None, "002": "NBC News", "003": None,
        "004": "London Daily"}


def test_agency_facet_from_credit_lines(index):
    """003 carries Reuters' "(Reporting by …; Editing by …)", 002 "Associated Press
    contributed"; 000 is a syndicated copy (its disclaimer is chrome) that attributes its own
    interviews with "told AFP"; 001 only quotes "told AFP" in its own story: no agency."""
    shown = articles(index)
    assert {seed: a["agency"] for seed, a in shown.items()} == {
        "000": "AFP", "001": None, "002": "Associated Press", "003": "Reuters", "004": None}
    assert "told AFP" in shown["001"]["body"]
    facets = {v["value"]: v["count"] for v in search(index)["facets"]["agency"]}
    assert facets == {"AFP": 1, "Associated Press": 1, "Reuters": 1}
    assert seeds_of(search(index, "--agency", "reuters", "--agency", "AFP")) == {"000", "003"}
    assert seeds_of(search(index, "embassy", "--agency", "Associated Press")) == {"002"}


def test_people_the_seeds_quote_are_recognised(index):
    """Issue 16: people the table does not know are recognised, with their full names, and
    the table's groups keep their names and types."""
    values = {(v["value"], v["type"]): v["count"]
              for v in search(index)["facets"]["entity"]}
    for person in ["Nasr al-Shomari", "Chris Ghika", "Layth al-Azari", "Qais al-Khazali",
                   "Heiko Maas", "Sanam Vakil", "Barham Salih"]:
        assert (person, "person") in values, person
    assert values[("Popular Mobilization Forces", "group")] == 3
    assert values[("Kataib Hezbollah", "group")] == 2
    assert not [name for name, kind in values if name in ("PMF", "Hezbollah", "Azari")]
    assert not [name for name, kind in values if kind == "place" and name.endswith("linked")]
