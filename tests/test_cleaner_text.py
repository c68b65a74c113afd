"""The text-mode cleaner, line by line on the seeds and on hand-written dumps of other shapes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from search.cleaner import BODY_LABELS, CleanedDocument, clean_text

from .cleaner_stories import STORIES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DUMPS = Path(__file__).resolve().parent / "data" / "text"


@cache
def cleaned(path: Path) -> CleanedDocument:
    return clean_text(path.read_text(encoding="utf-8"))


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def input_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def block_for(doc: CleanedDocument, start: str):
    matches = [block for block in doc.blocks if block.text.startswith(start)]
    assert len(matches) >= 1, f"no block starts with {start!r}"
    return matches[0]


# Every line of every seed that is not plain article body: (seed, line start, label, reason).
# Lines not listed here must be labelled "body" and appear verbatim in doc.body.
SEED_LINES = [
    ("000", "Disclaimer: No Business Standard Journalist", "chrome", "disclaimer"),
    ("000", "You’ve reached your limit", "chrome", "paywall"),
    ("000", "Subscribe now for unlimited access.", "chrome", "paywall"),
    ("000", "Already subscribed? Log in", "chrome", "paywall"),
    ("000", "Smart Quarterly", "chrome", "paywall"),
    ("000", "₹900", "chrome", "paywall"),
    ("000", "3 Months", "chrome", "paywall"),
    ("000", "₹300/Month", "chrome", "paywall"),
    ("000", "Renews automatically, cancel anytime", "chrome", "paywall"),
    ("000", "Complimentary Access to The New York Times", "chrome", "paywall"),
    ("000", "News, Games, Cooking, Audio, Wirecutter", "chrome", "paywall"),
    # a plan feature list mentioning newsletters and "1997" stays inside the paywall section
    ("000", "Insights on markets, finance", "chrome", "paywall"),
    ("000", "Repository of articles and publications dating back to 1997", "chrome", "paywall"),
    ("000", "Access Business Standard across devices", "chrome", "paywall"),
    ("001", "US Pulling Diplomats Out of Embassy", "title", None),
    # a standfirst without a full stop: kept because it follows the headline
    ("001", "Iran has urged its allies in Iraq not to provoke", "standfirst", None),
    ("001", "Author: Dave DeCamp", "byline", None),
    ("001", "Dave DeCamp is the news editor of", "chrome", "bio"),
    ("002", "IE 11 is not supported.", "chrome", "browser-notice"),
    ("002", "Trump administration's Iran threat claim disputed", "title", None),
    ("002",
     "\"There's been no increased threat from Iranian backed forces in Iraq and Syria,\" British",
     "standfirst", None),
    ("002", "Image: The Patriot air defence system", "chrome", "caption"),
    # the photo credit is glued to the caption's full stop: "…with Iran.MCSN Jason Waite / AFP -
    # Getty Images"
    ("002", "A Patriot missile defense system on board", "chrome", "caption"),
    ("002", "Army Lt. Col. CJ Kirkpatrick, right, escorts", "chrome", "caption"),
    ("002", "Download the NBC News app", "chrome", "promo"),
    ("002", "Iranian President Hassan Rouhani delivers a speech", "chrome", "caption"),
    ("002", "Associated Press contributed.", "credit", None),
    # " date 2020-01-01 advertisement": a date line, with the ad label glued to it
    ("003", "date 2020-01-01 advertisement", "date", None),
    ("003", "BAGHDAD – Paramilitary groups", "dateline", None),
    ("004", "London Daily", "masthead", None),
    ("004", "Focus on the big picture.", "chrome", "tagline"),
    # the day the page was saved, not the publication date
    ("004", "Thursday, Jul 10, 2025", "chrome", "date-banner"),
    ("004", "Threat to evacuate US diplomats from Iraq raises fear of war", "title", None),
    ("004", "Any move by the US to scale down its diplomatic presence would be seen", "standfirst",
     None),
    ("004", "Perennial Risk", "heading", None),
    ("004", "Double-edged sword", "heading", None),
    ("004", "Hawks on both sides", "heading", None),
    # a caption without a credit: a lone sentence-case line with no full stop
    ("004", "Protesters burn property in front of the US embassy", "chrome", "caption"),
    ("004", "Newsletter", "chrome", "newsletter"),
    ("004", "Related Articles", "chrome", "related"),
    ("004", "0:00", "chrome", "residue"),
    ("004", "Close", "chrome", "residue"),
    ("004", "NVIDIA Achieves Historic Milestone", "chrome", "related"),
    # a related headline that is a full sentence is still part of the list
    ("004", "Azerbaijan and Armenia are on the brink of a historic peace deal.", "chrome",
     "related"),
    ("004", "Largest Healthcare Fraud Takedown", "chrome", "related"),
    ("004", "×", "chrome", "residue"),
]
# Kept paragraphs per seed (standfirst, headings, body, datelines, credits): none may be lost.
KEPT_COUNTS = {"000": 16, "001": 10, "002": 21, "003": 15, "004": 36}
# Words that occur only in the seeds' chrome: none may reach the body.
CHROME_WORDS = ["subscription", "Subscribe", "Wirecutter", "₹", "Epaper", "IE 11", "Image:",
                "Getty Images", "/ AP", "Reuters file", "Download the NBC News app", "NVIDIA",
                "Related Articles", "0:00", "Close", "×", "Focus on the big picture",
                "Thursday, Jul 10, 2025", "@decampdave", "Newsletter", "Disclaimer"]


@pytest.mark.parametrize(("prefix", "start", "label", "reason"), SEED_LINES)
def test_seed_line_label(prefix, start, label, reason):
    doc = cleaned(seed(prefix))
    block = block_for(doc, start)
    assert (block.label, block.reason) == (label, reason)
    assert (block.text in doc.body) == (label in BODY_LABELS)


@pytest.mark.parametrize("prefix", sorted(KEPT_COUNTS))
def test_seed_unlisted_lines_are_body_verbatim(prefix):
    doc = cleaned(seed(prefix))
    listed = tuple(start for p, start, _, _ in SEED_LINES if p == prefix)
    # the paywall and related-list sections are checked whole by the tests below
    sections = [b.text for b in doc.blocks if b.reason in ("paywall", "related")]
    for line in input_lines(seed(prefix)):
        if line.startswith(listed) or line in sections:
            continue
        assert block_for(doc, line).label == "body", line
        assert line in doc.body.split("\n\n"), line


@pytest.mark.parametrize(("prefix", "count"), sorted(KEPT_COUNTS.items()))
def test_seed_keeps_every_article_paragraph(prefix, count):
    doc = cleaned(seed(prefix))
    assert len(doc.body.split("\n\n")) == count
    assert len(doc.blocks) == len(input_lines(seed(prefix)))  # every input line is accounted for


@pytest.mark.parametrize("word", CHROME_WORDS)
def test_seed_chrome_never_reaches_the_body(word):
    bodies = {path.name: cleaned(path).body for path in SEEDS.glob("*.txt")}
    assert [name for name, body in bodies.items() if word in body] == []


def test_seed_related_list_is_chrome_to_the_end():
    doc = cleaned(seed("004"))
    start = next(i for i, b in enumerate(doc.blocks) if b.text == "Related Articles")
    assert all(b.label == "chrome" for b in doc.blocks[start:])
    assert len(doc.blocks) - start == 55  # the heading, 0:00 twice, Close, 50 headlines, ×


def test_seed_paywall_runs_to_the_end():
    doc = cleaned(seed("000"))
    start = next(i for i, b in enumerate(doc.blocks) if b.reason == "paywall")
    assert {b.reason for b in doc.blocks[start:]} == {"paywall"}
    assert doc.body.endswith("said Iran was exercising \"maximum restraint\".")


def test_duplicate_title_collapses_to_one():
    doc = cleaned(seed("004"))
    labels = [b.label for b in doc.blocks if b.text.startswith("Threat to evacuate")]
    assert labels == ["title", "chrome"]
    assert "Threat to evacuate" not in doc.body


# Hand-written dumps of other shapes: (file, line start, label, reason).
DUMP_LINES = [
    ("wire_story.txt", "Home", "chrome", "residue"),
    ("wire_story.txt", "World", "chrome", "header"),
    ("wire_story.txt", "Saturday, March 13, 2021", "chrome", "date-banner"),
    ("wire_story.txt", "Harbour strike halts grain exports", "title", None),
    ("wire_story.txt", "By Jane Doe and Omar Said", "byline", None),
    ("wire_story.txt", "Published: 12 March 2021", "date", None),
    ("wire_story.txt", "LONDON (Reuters) - Dock workers", "dateline", None),
    ("wire_story.txt", "The strike, the first at the port", "body", None),
    ("wire_story.txt", "Advertisement", "chrome", "residue"),
    ("wire_story.txt", "What the union wants", "heading", None),
    ("wire_story.txt", "Harbour workers gather outside the port gates", "chrome", "caption"),
    ("wire_story.txt", "(Reporting by Jane Doe; Editing by Omar Said)", "credit", None),
    ("wire_story.txt", "Share this article", "chrome", "share"),
    ("wire_story.txt", "More from World", "chrome", "related"),
    ("wire_story.txt", "Markets rally as inflation cools", "chrome", "related"),
    ("wire_story.txt", "© 2021 Example Times.", "chrome", "copyright"),
    ("feature_blog.txt", "We use cookies", "chrome", "cookie"),
    ("feature_blog.txt", "Menu", "chrome", "residue"),
    # a question headline: too short to count as prose
    ("feature_blog.txt", "Can a city run on rainwater?", "title", None),
    ("feature_blog.txt", "Updated May 3, 2019", "date", None),
    ("feature_blog.txt", "A growing number of towns", "standfirst", None),
    ("feature_blog.txt", "Photo: Rain barrels", "chrome", "caption"),
    ("feature_blog.txt", "Early results", "heading", None),
    ("feature_blog.txt", "Critics say the savings will vanish", "body", None),
    ("feature_blog.txt", "Maria Lopez is a freelance writer", "chrome", "bio"),
    ("feature_blog.txt", "Why the reservoir ran dry", "chrome", "related"),
    ("feature_blog.txt", "Get the best stories delivered", "chrome", "newsletter"),
    ("bare_paragraphs.txt", "The museum reopened", "body", None),
    ("bare_paragraphs.txt", "Curators said", "body", None),
]


@pytest.mark.parametrize(("name", "start", "label", "reason"), DUMP_LINES)
def test_hand_written_dump_line_label(name, start, label, reason):
    doc = cleaned(DUMPS / name)
    block = block_for(doc, start)
    assert (block.label, block.reason) == (label, reason)
    assert (block.text in doc.body) == (label in BODY_LABELS)


@pytest.mark.parametrize(("text", "body", "labels"), [
    ("", "", []),
    ("\n \n\t\n", "", []),
    # chrome only: nothing is kept
    ("Home\nSign in\n0:00\nClose", "", ["chrome"] * 4),
    # no prose anywhere: a lone short line reads as a heading rather than vanishing
    ("Storm warning", "Storm warning", ["heading"]),
    ("One plain sentence that stands for the whole article.",
     "One plain sentence that stands for the whole article.", ["body"]),
])
def test_degenerate_dumps(text, body, labels):
    doc = clean_text(text)
    assert doc.body == body
    assert [b.label for b in doc.blocks] == labels
    assert doc.mode == "text"


# The learned second opinion (search/cleaner/text_model.py, fitted by bench/fit_text_lines.py).

def test_shipped_line_model_loads_and_matches_the_features():
    from search.cleaner.text_model import FEATURES, load_model
    model = load_model()
    assert model is not None, ("search/data/text_line_model.json is missing or does not match "
                               "FEATURES")
    assert model.names == FEATURES and 0 < model.drop_below <= model.keep_from < 1


def test_line_model_relabels_only_lines_labelled_by_position():
    from search.cleaner import Block
    from search.cleaner.text_model import relabel
    blocks = [Block("A paragraph of the story.", "body"),
              Block("Sign up today", "chrome", "header"),
              Block("Photo: a credit", "chrome", "caption"), Block("By Jane Doe", "byline"),
              Block("Another paragraph of the story.", "body")]
    out = relabel(blocks, [0.1, 0.9, 0.9, 0.1, 0.9], [False, False, True, True, False], 0.3, 0.6)
    assert [(b.label, b.reason) for b in out] == [
        ("chrome", "line-model"), ("body", None), ("chrome", "caption"), ("byline", None),
        ("body", None)]


def test_line_model_never_empties_an_article_the_rules_found():
    from search.cleaner import Block
    from search.cleaner.text_model import relabel
    blocks = [Block("One short paragraph.", "body"), Block("Menu", "chrome", "header")]
    assert relabel(blocks, [0.0, 0.0], [False, False], 0.3, 0.6) == blocks


def test_line_model_scores_prose_above_repeated_menu_lines():
    from search.cleaner.text import features_of, rule_blocks
    from search.cleaner.text_model import load_model
    story = " ".join(f"The council met on day {n} and agreed that the harbour bridge needs new "
                     "cables."
                     for n in range(3))
    dump = "\n".join(["Home", "News", "Sport", "Home", "News", "Sport", story,
                      story.replace("council", "mayor"), story.replace("bridge", "ferry"), "Home",
                      "News", "Sport"])
    model = load_model()
    lines, blocks, span = rule_blocks(dump)
    p = model.probabilities(features_of(lines, blocks, span, model.stopwords))
    assert min(p[6:9]) > model.keep_from and max(p[:6] + p[9:]) < model.drop_below


def test_lines_an_outlet_repeats_across_its_dumps_are_chrome():
    from search.cleaner.collection import repeated_lines
    chrome = ["The Morning Harbour Gazette is read by thousands of people across the county every "
              "day.",
              "Our reporters cover the harbour, the council and the ferries for readers across the "
              "county."]
    stories = STORIES[:2]
    dumps = ["\n".join([title, first, *chrome, *rest]) for title, first, *rest in stories]
    shared = repeated_lines(dumps)
    alone, grouped = clean_text(dumps[0]), clean_text(dumps[0], boilerplate=shared)
    assert all(line in alone.body for line in chrome)  # one dump alone cannot tell them from prose
    assert all(line not in grouped.body for line in chrome)
    for paragraph in stories[0][1:]:
        assert paragraph in grouped.body
    assert {b.reason for b in grouped.blocks if b.text in chrome} == {"boilerplate"}
    assert repeated_lines(dumps[:1]) == frozenset()  # one dump shares nothing with itself
