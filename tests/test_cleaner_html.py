"""clean_html on tiny hand-written pages: what a user of the search would notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.cleaner import clean_html
from search.cleaner.html_chrome import PageContext, chrome_reason

DATA = Path(__file__).parent / "data" / "html"


@pytest.fixture(scope="module")
def article():
    return clean_html((DATA / "article.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("sentence", [
    "The old harbour bridge reopened to traffic on Thursday morning",
    "Engineers replaced the rusted steel cables",
    "said the harbour master",
    "Local shops on both banks said trade had fallen",
    "The council said the final bill would be published",
])
def test_article_paragraphs_kept(article, sentence):
    assert sentence in article.body


@pytest.mark.parametrize("chrome", [
    "Sign up for our morning newsletter",  # promo
    "Advertisement",
    "Ferry strike called off",  # related list
    "Photo: John Smith",  # caption / photo credit
    "We use cookies",  # cookie banner
    "All rights reserved",
    "Harbour bridge reopens after repairs",  # the headline is not body text
])
def test_chrome_removed(article, chrome):
    assert chrome not in article.body


def test_removed_blocks_are_labelled_chrome_with_a_reason(article):
    chrome = {b.text: b.reason for b in article.blocks if b.label == "chrome"}
    assert chrome.get("Advertisement") == "advert"
    assert all(chrome.values())


def test_page_metadata(article):
    meta = article.page_meta
    assert meta["title"] == "Harbour bridge reopens after repairs"
    # the date as the publisher wrote it, not shifted to another time zone
    assert (meta["date"], meta["date_source"]) == ("2021-03-04", "html-meta:article:published_time")
    assert meta["sitename"] == "The Daily Example"
    assert meta["author"] == "Jane Doe"
    assert meta["language"] == "en"
    assert meta["description"] == "The old harbour bridge is open again."


def test_year_in_text_is_not_a_publication_date():
    doc = clean_html((DATA / "year_in_text.html").read_text(encoding="utf-8"))
    assert "The river burst its banks in 1953" in doc.body
    assert doc.page_meta["date"] is None
    assert doc.page_meta["date_source"] is None


@pytest.mark.parametrize("html", [
    "",
    "   ",
    "not html at all",
    "\x00\x01\x02\xff\xfe<<<>>>\x00",  # binary garbage
    "<html><head><script>var x = 1; document.write('hello world');</script></head></html>",
    "<html><body><p>Hi</p></body></html>",  # too short to be an article
    "<html><body><div><div><span></span></div>",  # unclosed, empty
])
def test_pages_without_an_article_give_an_empty_body(html):
    doc = clean_html(html)
    assert doc.body == ""
    assert doc.mode == "html"


@pytest.mark.parametrize("text, reason", [
    ("Photo: John Smith / Reuters", "caption"),
    ("Jane Roe / AFP - Getty Images", "caption"),
    ("Related: Ferry strike called off after late talks", "related"),
    ("More from Business:", "related"),
    ("Get the latest updates right in your inbox. Subscribe to our newsletters.", "newsletter"),
    ("Download our app for breaking news alerts", "promo"),
    ("By continuing to use this site, you agree to our use of cookies.", "cookie"),
    ("5:45 AM PST 11/19/2019 by Pat Example", "byline"),
    ("Sam Roe contributed reporting from Lagos.", "byline"),
    ("Follow us on Twitter and Facebook.", "social"),
    ("Advertisement", "advert"),
    # article sentences that merely mention such words stay
    ("The photo agency said the image was genuine.", None),
    ("Readers who follow the case closely were not surprised.", None),
    ("Share prices fell by 3% on Tuesday after the report.", None),
])
def test_chrome_phrases(text, reason):
    context = PageContext(titles=frozenset(), link_texts=frozenset())
    assert chrome_reason(text, context) == reason


def test_author_bio_is_chrome():
    context = PageContext(titles=frozenset(), link_texts=frozenset(), author="Jane Doe")
    assert chrome_reason("Jane Doe is a staff writer covering transport.", context) == "author-bio"
    assert chrome_reason("Jane Doe said the bridge was safe.", context, at_tail=True) is None


SELF_LINKED = """<!DOCTYPE html><html lang="en"><head>
<title>Harbour bridge reopens after repairs - The Daily Example</title>
<link rel="canonical" href="https://example.com/news/harbour-bridge-reopens">
</head><body>
<aside><a href="https://example.com/news/harbour-bridge-reopens?ref=sidebar">
What the harbour bridge repairs changed</a></aside>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<h2><a href="/news/harbour-bridge-reopens#changes">What the harbour bridge repairs changed</a></h2>
<p>The bridge reopened on Thursday after eighteen months of work.</p>
<ul>
<li>Engineers replaced every one of the rusted steel cables on both spans.</li>
<li>The deck was resurfaced and its two cracked supports were rebuilt.</li>
<li>Lorries may cross again for the first time since the inspection.</li>
</ul>
<p>Local shops on both banks said trade had fallen by a third while the bridge was shut, and several
asked the council for help with their rents during the long closure of the crossing.</p>
<p>The council said the final bill would be published at its next meeting in April, together with a
plan for yearly inspections of the cables and the supports.</p>
</article></body></html>"""


def test_heading_linking_to_its_own_page_keeps_lead_and_list():
    """A heading that is a permalink to the page itself is the article's own heading: the lead
    paragraph under it and the list after that are article text, not a related-article card."""
    doc = clean_html(SELF_LINKED, url="https://example.com/news/harbour-bridge-reopens")
    for text in ("What the harbour bridge repairs changed",
                 "The bridge reopened on Thursday after eighteen months of work.",
                 "Engineers replaced every one of the rusted steel cables",
                 "The deck was resurfaced", "Lorries may cross again"):
        assert text in doc.body, text
    # without the url argument the page's canonical address tells the same
    assert "The bridge reopened on Thursday" in clean_html(SELF_LINKED).body


def blocks(*rows):
    from search.cleaner import Block
    return [Block(text, label) for text, label in rows]


def test_linked_heading_blurb_is_related_only_where_cards_go_on():
    from search.cleaner.html_chrome import label_chrome
    link = "Ferry strike called off after late talks"
    context = PageContext(titles=frozenset(),
                          link_texts=frozenset({"ferrystrikecalledoffafterlatetalks"}))
    # a heading matching a link to another page, then the lead and a list of the article: kept
    lead = label_chrome(blocks((link, "heading"), ("The ferry crews returned on Monday.", "body"),
                               ("- Services restart at six in the morning.", "body"),
                               ("- Fares stay as they were before the strike.", "body")), context)
    assert [b.label for b in lead] == ["chrome", "body", "body", "body"]
    # a card of another article (linked heading, blurb) followed by more chrome: the blurb goes
    cards = label_chrome(blocks((link, "heading"),
                                ("Unions and owners agreed late on Sunday.", "body"),
                                ("Advertisement", "body")), context)
    assert [(b.label, b.reason) for b in cards] == [("chrome", "link"), ("chrome", "related"),
                                                    ("chrome", "advert")]


def test_justext_stop_words_are_trafilaturas():
    from justext import get_stoplist, get_stoplists

    import trafilatura.external

    from search.cleaner.html import justext_stopwords

    assert trafilatura.external.jt_stoplist_init is justext_stopwords  # what trafilatura calls
    # trafilatura's own build (trafilatura.external.jt_stoplist_init, before ours replaced it)
    theirs = {word for language in get_stoplists() for word in get_stoplist(language)}
    assert set(justext_stopwords()) == theirs
    assert len(theirs) > 100_000
