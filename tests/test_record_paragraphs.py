"""Bodies of .jsonl records and plain-text .txt stories keep their paragraphs: blank lines,
indented first lines (the 1987 Reuters wire), hard-wrapped lines joined; and the wire's closing
"Reuter" names the agency."""

from __future__ import annotations

import json

import pytest

from search.cleaner import clean_text
from search.cleaner.paragraphs import hard_wrapped
from search.pipeline import record_paragraphs
from tests.conftest import run

# Written in the form of a Reuters-21578 story: lines wrapped under 70 characters, each
# paragraph's first line indented, an indented sign-off.
WIRE = (
    "Showers continued throughout the week in\n"
    "the Bahia cocoa zone, alleviating the drought since early\n"
    "January, the commission said in its weekly review.\n"
    "    The dry period means the harvest will be late this year.\n"
    "    Arrivals for the week ended February 22 were 155,221 bags\n"
    "of 60 kilos, against 5.81 mln at the same stage last year.\n"
    " Reuter\n"
)


@pytest.mark.parametrize(("body", "expected"), [
    (WIRE, ["Showers continued throughout the week in the Bahia cocoa zone, alleviating the "
            "drought since early January, the commission said in its weekly review.",
            "The dry period means the harvest will be late this year.",
            "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos, against "
            "5.81 mln at the same stage last year.",
            "Reuter"]),
    ("One.\n\nTwo wrapped\nlines.", ["One.", "Two wrapped lines."]),
    # one paragraph a line: lines longer than wrapped text are not joined
    ("A first paragraph that runs well past the eighty characters of any hard-wrapped text.\n"
     "A second paragraph, on its own line, which also runs past eighty characters of text.",
     ["A first paragraph that runs well past the eighty characters of any hard-wrapped text.",
      "A second paragraph, on its own line, which also runs past eighty characters of text."]),
    ("  \n\n \n", []),
])
def test_record_paragraphs(body, expected):
    assert record_paragraphs(body) == expected


@pytest.mark.parametrize("sign_off", [" Reuter\n", " REUTER"])
def test_wire_story_keeps_paragraphs_and_its_sign_off_names_the_agency(runner, tmp_path, sign_off):
    records = tmp_path / "wire.jsonl"
    body = WIRE.replace(" Reuter\n", sign_off)
    records.write_text(json.dumps({"id": "wire-1", "title": "BAHIA COCOA REVIEW", "body": body})
                       + "\n",
                       encoding="utf-8")
    index_dir = tmp_path / "index"
    assert run(runner, "index", records, "--index", index_dir).exit_code == 0
    shown = json.loads(run(runner, "show", "wire-1", "--index", index_dir, "--json").output)
    assert shown["body"].split("\n\n")[1] == ("The dry period means the harvest will be late "
                                              "this year.")
    assert len(shown["body"].split("\n\n")) == 4
    assert shown["agency"] == "Reuters"


WIRE_PARAGRAPHS = [
    "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought since "
    "early January, the commission said in its weekly review.",
    "The dry period means the harvest will be late this year.",
    "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos, against 5.81 mln at "
    "the same stage last year.",
    "Reuter",
]


@pytest.mark.parametrize("text", [
    "BAHIA COCOA REVIEW\n\n" + WIRE,
    # the same story with blank lines between its paragraphs instead of indents
    "BAHIA COCOA REVIEW\n\n" + WIRE.replace("\n    ", "\n\n").replace("\n Reuter", "\n\nReuter"),
])
def test_plain_text_story_keeps_its_paragraphs_and_its_title(text):
    assert hard_wrapped(text)
    cleaned = clean_text(text)
    assert cleaned.body.split("\n\n") == WIRE_PARAGRAPHS
    assert [b.text for b in cleaned.blocks if b.label == "title"] == ["BAHIA COCOA REVIEW"]
    assert cleaned.blocks[-1].label == "credit"


def test_plain_text_file_keeps_paragraphs_and_its_sign_off_names_the_agency(runner, tmp_path):
    story = tmp_path / "wire.txt"
    story.write_text("BAHIA COCOA REVIEW\n\n" + WIRE, encoding="utf-8")
    index_dir = tmp_path / "index"
    assert run(runner, "index", story, "--index", index_dir).exit_code == 0
    listed = json.loads(run(runner, "search", "--index", index_dir, "--json").stdout)
    article_id = listed["hits"][0]["id"]
    shown = json.loads(run(runner, "show", article_id, "--index", index_dir, "--json").stdout)
    assert shown["title"] == "BAHIA COCOA REVIEW"
    assert shown["body"].split("\n\n") == WIRE_PARAGRAPHS
    assert (shown["agency"], shown["agency_source"]) == ("Reuters", "sign-off")


@pytest.mark.parametrize("text", [
    # a dump: one block per line, blank lines between
    "London Daily\n\nFocus on the big picture.\n\nThreat to evacuate US diplomats\n\n"
    "The United States has made preparations to withdraw diplomats.\n",
    # one paragraph a line, no blank lines, lines longer than wrapped text
    "A first paragraph that runs well past the eighty characters of any hard-wrapped text.\n"
    "A second paragraph, on its own line, which also runs past eighty characters of text.\n"
    "A third one, short.\n",
    "Too short\nto tell\n",
])
def test_text_that_is_not_hard_wrapped_is_read_line_by_line(text):
    assert not hard_wrapped(text)
