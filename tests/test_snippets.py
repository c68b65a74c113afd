"""The snippet module, the one place that turns article text into markup: everything escaped,
our ``<mark>`` the only tag, stemmed forms marked, a window found in long bodies.

The analyzer is the engines' (Whoosh's stemming analyzer, no stop words, words of one letter
kept), built here so these tests need no index.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer

from search.engines.snippets import (ELLIPSIS, MAX_MATCHES, find_matches, lead_snippet,
                                     make_snippet, mark_all)

ANALYZER = StemmingAnalyzer(stoplist=None, minsize=1)
CASES = dict(deadline=None, derandomize=True, database=None)


def analyze(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


def terms(query: str) -> frozenset[str]:
    return frozenset(analyze(query))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        self.tags.append("/" + tag)

    def handle_data(self, data):
        self.text.append(data)


def parsed(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def marked_words(markup: str) -> list[str]:
    return [html.unescape(w) for w in re.findall(r"<mark>(.*?)</mark>", markup)]


def visible(markup: str) -> str:
    """The text a browser shows: our tags removed, entities decoded."""
    return html.unescape(markup.replace("<mark>", "").replace("</mark>", ""))


def assert_only_our_marks(markup: str) -> None:
    bare = markup.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare, markup
    assert re.sub(r"&(?:amp|lt|gt);", "", bare).count("&") == 0, markup
    tags = parsed(markup).tags
    assert set(tags) <= {"mark", "/mark"}, tags
    assert tags == ["mark", "/mark"] * (len(tags) // 2), tags  # never nested, always closed


# -- escaping and marks -----------------------------------------------------------------------

def test_text_is_escaped_and_only_our_mark_is_added():
    body = ('Staff left the <b>embassy</b>. <script>alert("x")</script> & <mark>more</mark> '
            "at the embassy's gate")
    snippet = make_snippet(body, terms("embassy"), analyze, 300)
    assert snippet == ("Staff left the &lt;b&gt;<mark>embassy</mark>&lt;/b&gt;. "
                       '&lt;script&gt;alert("x")&lt;/script&gt; &amp; '
                       '&lt;mark&gt;more&lt;/mark&gt; '
                       "at the <mark>embassy</mark>'s gate")
    assert_only_our_marks(snippet)
    assert visible(snippet) == body


def test_stemmed_forms_are_marked_and_look_alikes_are_not():
    body = "Embassies closed. The embassy said an embassador (sic) and the embargo were unrelated."
    snippet = make_snippet(body, terms("embassy"), analyze, 300)
    assert marked_words(snippet) == ["Embassies", "embassy"]


def test_words_are_marked_whole_and_case_is_kept():
    text = "MILITIAS and a militia's leaders; militiamen are another word."
    assert marked_words(mark_all(text, terms("militia"), analyze)) == ["MILITIAS", "militia"]


def test_no_match_gives_the_escaped_lead():
    body = "A <i>quiet</i>   day\n\nin   Baghdad. " + "More words follow here. " * 40
    snippet = make_snippet(body, terms("embassy"), analyze, 60)
    assert snippet == lead_snippet(body, 60)
    assert snippet.startswith("A &lt;i&gt;quiet&lt;/i&gt; day in Baghdad.")
    assert snippet.endswith(" " + ELLIPSIS) and len(visible(snippet)) <= 62
    assert "<mark>" not in snippet


def test_lead_of_a_short_body_is_the_whole_body_with_spaces_folded():
    assert lead_snippet("  one\ttwo\n\nthree <four> ", 100) == "one two three &lt;four&gt;"


def test_no_terms_or_no_text_find_nothing():
    assert find_matches("embassy", frozenset(), analyze) == []
    assert find_matches("", terms("embassy"), analyze) == []
    assert mark_all("", terms("embassy"), analyze) == ""


def test_terms_with_pattern_characters_are_literal():
    text = "c++ and c.+ and (a|b) and a*b"
    for term in ("c++", "c.+", "(a|b)", "a*b", "\\", "[", ""):
        assert_only_our_marks(mark_all(text, frozenset({term}), analyze))
        assert visible(mark_all(text, frozenset({term}), analyze)) == text


# -- the window -------------------------------------------------------------------------------

def test_window_goes_to_the_match_deep_in_a_long_body():
    filler = "Nothing to see in this sentence at all. " * 20_000  # 800,000 characters
    body = filler + "Then the embassy was closed for the day. " + filler
    snippet = make_snippet(body, terms("embassy"), analyze, 200)
    assert snippet.startswith(ELLIPSIS + " ") and snippet.endswith(" " + ELLIPSIS)
    assert marked_words(snippet) == ["embassy"]
    assert len(visible(snippet)) <= 200 + 4
    assert_only_our_marks(snippet)


def test_window_prefers_the_place_with_the_most_distinct_terms():
    body = ("Oil was mentioned first. " + "Filler words here. " * 30
            + "Oil prices rose sharply as oil traders watched. " + "More filler. " * 30)
    snippet = make_snippet(body, terms("oil prices"), analyze, 80)
    assert "prices" in marked_words(snippet)
    assert not snippet.startswith("Oil")


def test_of_equally_good_windows_the_first_is_shown():
    body = ("Filler words here. " * 30 + "Oil prices fell at first. " + "Oil again. " * 20
            + "Filler words here. " * 30 + "Oil prices rose later. " + "More filler. " * 30)
    snippet = make_snippet(body, terms("oil prices"), analyze, 60)
    assert "fell" in visible(snippet) and "rose" not in visible(snippet)


def test_matches_stop_at_the_limit_but_mark_all_marks_every_one():
    text = "embassy " * (MAX_MATCHES + 50)
    assert len(find_matches(text, terms("embassy"), analyze)) == MAX_MATCHES
    assert len(marked_words(mark_all(text, terms("embassy"), analyze))) == MAX_MATCHES + 50


# -- any text ---------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=400),
    st.lists(st.sampled_from(["embassy", "Embassies", "<mark>", "</mark>", "<script>", "&amp;",
                              "&", "<", ">", '"', "'", "\x00", "\n", " ", "…", "oil", "prices",
                              "<b>oil</b>", "&lt;", "é", "\u200b"]),
             max_size=200).map(" ".join),
)
queries = st.sampled_from(["embassy", "oil prices", "é", "<script>", "amp", "lt", "mark", "b",
                           "x y z", "embassies oil"])


@settings(max_examples=400, **CASES)
@given(body=hostile_text, query=queries, chars=st.integers(1, 300))
def test_any_text_gives_escaped_markup_of_its_own_words(body, query, chars):
    found = terms(query)
    snippet = make_snippet(body, found, analyze, chars)
    assert_only_our_marks(snippet)
    folded = " ".join(body.split())
    shown = visible(snippet)
    if shown.startswith(ELLIPSIS + " ") and not folded.startswith(ELLIPSIS + " "):
        shown = shown[2:]
    if shown.endswith(" " + ELLIPSIS) and not folded.endswith(" " + ELLIPSIS):
        shown = shown[:-2]
    assert shown in folded
    for word in marked_words(snippet):
        assert set(analyze(word)) & found, word
    whole = mark_all(folded, found, analyze)
    assert_only_our_marks(whole)
    assert visible(whole) == folded


def _reference_matches(text: str, found: frozenset[str]) -> list[tuple[int, int, str]]:
    """Every token (as the analyzer reads tokens) that starts like a term's stem, analysed and
    kept when it is a term: the definition ``find_matches`` implements faster."""
    prefixes = sorted({t[:max(1, len(t) - 1)] for t in found if t}, key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?<!\w\.)(?:{'|'.join(map(re.escape, prefixes))})\w*(?:\.\w+)*",
                         re.IGNORECASE)
    out = []
    for candidate in pattern.finditer(text):
        hit = next((t for t in analyze(candidate.group()) if t in found), None)
        if hit is not None:
            out.append((candidate.start(), candidate.end(), hit))
    return out[:MAX_MATCHES]


tokens_text = st.lists(st.sampled_from(["said", "Said", "xsaid", "_said", "1said", "u.said",
                                        "u.s", "U.S.", "said.com", "a.b.said", ".said", "..said",
                                        "sai", "Ünsaid", "é.said", "saidé", "oil", "oils.",
                                        "-oil", "oil_", " ", ".", "", "é"]),
                       max_size=60).map("".join)


@settings(max_examples=500, **CASES)
@given(text=st.one_of(tokens_text, tokens_text.map(lambda t: t.replace("", " ")[1:])),
       query=st.sampled_from(["said", "oil", "u.s", "said oil", "oils u.s"]))
def test_matches_are_the_tokens_that_start_where_a_token_can(text, query):
    found = terms(query)
    assert find_matches(text, found, analyze) == _reference_matches(text, found)
