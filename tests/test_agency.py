"""Wire agencies from explicit credit lines only: datelines, sign-offs, reporting credits,
syndication disclaimers; never from a mention such as "told AFP"."""

from __future__ import annotations

import pytest

from search.agency import find_credit

LEAD = "Two armed groups on Thursday rejected a US claim of an imminent threat."
TOLD_AFP = 'A commander told AFP the claim was "a pretext" by Washington.'


@pytest.mark.parametrize("paragraphs, agency, source", [
    (["BAGHDAD (AFP) - Two armed groups rejected a US claim.", TOLD_AFP], "AFP", "dateline"),
    (["LONDON, May 3 (Reuters) - Oil prices rose on Friday."], "Reuters", "dateline"),
    (["WASHINGTON (AP) — The Senate voted on Tuesday."], "Associated Press", "dateline"),
    (["NEW YORK (Reuters) – Stocks fell."], "Reuters", "dateline"),
    ([LEAD, "More troops were sent. (Reporting by Thaier al-Sudani and Maher Nazeh; Writing by "
      "Ahmed Aboulenein Editing by Angus MacSwan and Peter Graff)"], "Reuters", "reporting credit"),
    ([LEAD, "Reporting by Jane Doe; Editing by John Smith"], "Reuters", "reporting credit"),
    ([LEAD, "Associated Press contributed."], "Associated Press", "contribution credit"),
    ([LEAD, "The Associated Press contributed to this report."], "Associated Press",
     "contribution credit"),
    ([LEAD, "Associated Press writer Jane Doe in Cairo contributed."], "Associated Press",
     "contribution credit"),
    ([LEAD, "(With inputs from PTI)"], "PTI", "inputs credit"),
    ([LEAD, "The strike hit a depot near the border. — AFP"], "AFP", "sign-off"),
    ([LEAD, "The strike hit a depot near the border. - AFP"], "AFP", "sign-off"),
    ([LEAD, "Reuter"], "Reuters", "sign-off"),  # the 1987 wire's sign-off line
    ([LEAD, "Copyright 2019 The Associated Press. All rights reserved."], "Associated Press",
     "copyright line"),
])
def test_credits(paragraphs, agency, source):
    credit = find_credit(paragraphs)
    assert credit is not None
    assert (credit.agency, credit.source) == (agency, source)


@pytest.mark.parametrize("paragraphs", [
    [LEAD, TOLD_AFP],  # a quote given to AFP: the outlet's own story mentions the agency
    [LEAD, "But he dismissed the allegations, telling AFP the US was creating an uproar."],
    [LEAD, "The deal was first reported by Reuters on Monday."],
    [LEAD, "Reuters reported that talks had stalled, according to AP."],
    [LEAD,
     "A Patriot missile defense system was sent this week.MCSN Jason Waite / AFP - Getty Images"],
    [LEAD,
     "Iranian President Hassan Rouhani in Tehran on April 18.Tasnim News Agency / Reuters file"],
    [LEAD, "An AFP photographer saw smoke over the city."],
    [LEAD, "Officials spoke to ap reporters."],
    [LEAD, "He said reporting by local media was wrong, and editing by the ministry too."],
    [LEAD, "The cost was put at 5 million dollars - ap"],  # lower case: not a sign-off
    [],
])
def test_mentions_are_not_credits(paragraphs):
    assert find_credit(paragraphs) is None


DISCLAIMER = "Disclaimer: No Business Standard Journalist was involved in creation of this content"
NDTV = ("(Except for the headline, this story has not been edited by NDTV staff and is published "
        "from a syndicated feed.)")


def test_syndication_disclaimer_with_the_house_formula_names_the_agency():
    credit = find_credit([LEAD, TOLD_AFP], chrome=[DISCLAIMER])
    assert (credit.agency, credit.source) == ("AFP", "syndication disclaimer and 'told AFP'")
    credit = find_credit([LEAD, "An official told Reuters the talks were over.", NDTV])
    assert credit.agency == "Reuters"


def test_disclaimer_that_names_its_feed():
    line = "This story is auto-generated from a syndicated feed of PTI."
    assert find_credit([LEAD], chrome=[line]).agency == "PTI"


@pytest.mark.parametrize("paragraphs", [
    [LEAD],  # a disclaimer with no agency named and no formula: which feed is unknown
    [LEAD, TOLD_AFP, "Another official told Reuters the same."],  # two formulas: ambiguous
])
def test_disclaimer_alone_names_nothing(paragraphs):
    assert find_credit(paragraphs, chrome=[DISCLAIMER]) is None


def test_chrome_is_read_for_disclaimers_only():
    assert find_credit([LEAD], chrome=["WASHINGTON (AP) — a teaser from the related list"]) is None


def test_agency_facet_in_the_page_and_the_api(engine, client):
    import dataclasses

    from .conftest import ARTICLES
    from .test_web import sidebar

    engine.upsert([dataclasses.replace(ARTICLES[0], agency="Reuters", agency_source="dateline"),
                   dataclasses.replace(ARTICLES[1], agency="AFP", agency_source="sign-off")])
    page = client.get("/search?q=embassy").get_data(as_text=True)
    assert "Wire agencies" in page
    assert sidebar(page)["agency"] == {"Reuters": 1}
    data = client.get("/api/search?agency=afp&agency=Reuters").get_json()
    assert {h["id"]: h["agency"] for h in data["hits"]} == {"a1": "Reuters", "a2": "AFP"}
    assert {v["value"]: v["selected"] for v in data["facets"]["agency"]} == \
        {"AFP": True, "Reuters": True}
    stats = engine.stats().to_dict()["facets"]["agency"]
    assert {v["value"]: v["count"] for v in stats} == {"AFP": 1, "Reuters": 1}


def test_sign_off_at_the_end_of_a_long_paragraph_counts_and_a_name_inside_it_does_not():
    long = "The ministry said the talks would resume next week. " * 20
    assert find_credit([long + "— AFP"]).agency == "AFP"
    assert find_credit(["AFP " + long]) is None
    assert find_credit([long[:-300] + " — AFP " + long[-290:]]) is None
