"""robots.txt rules as RFC 9309 reads them (search/ingest/robots.py)."""

from __future__ import annotations

import pytest

from search.ingest.robots import Robots

AGENT = "newsfacet/0.1.0 (+https://example.invalid/)"

NEWS_SITE = """
# a typical news site
User-agent: *
Disallow: /search
Disallow: /*?share=
Disallow: /*.pdf$
Allow: /search/about
Disallow: /private/
Crawl-delay: 2.5

User-agent: BadBot
Disallow: /
"""


@pytest.mark.parametrize("path, allowed", [
    ("/2020/01/story", True),
    ("/search", False),
    ("/search?q=x", False),
    ("/search/about", True),  # the longer Allow wins over Disallow: /search
    ("/2020/01/story?share=twitter", False),  # wildcard in the middle
    ("/files/report.pdf", False),
    ("/files/report.pdf?download=1", True),  # "$" anchors the end
    ("/private/", False),
    ("/privately", True),
    ("/robots.txt", True),
    ("/%7Eeditor/", True),
])
def test_news_site_rules(path, allowed):
    assert Robots.parse(NEWS_SITE, AGENT).allowed("https://news.example.org" + path) is allowed


def test_crawl_delay_of_our_group():
    assert Robots.parse(NEWS_SITE, AGENT).crawl_delay == 2.5


@pytest.mark.parametrize("text, path, allowed", [
    # our own group replaces the * group entirely
    ("User-agent: *\nDisallow: /\n\nUser-agent: newsfacet\nDisallow: /drafts\n", "/news", True),
    ("User-agent: *\nDisallow: /\n\nUser-agent: newsfacet\nDisallow: /drafts\n", "/drafts/1",
     False),
    # two user-agent lines share one group; case does not matter
    ("User-agent: other\nUser-Agent: NewsFacet\nDisallow: /x\n", "/x/1", False),
    # equal length: allow wins
    ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True),
    # an empty Disallow allows everything
    ("User-agent: *\nDisallow:\n", "/anything", True),
    # no group for us and no * group: everything allowed
    ("User-agent: other\nDisallow: /\n", "/anything", True),
    # rules before any user-agent line belong to no group
    ("Disallow: /\nUser-agent: *\nAllow: /\n", "/x", True),
    # garbage never breaks the parser
    ("\x00\xff<html>not robots</html>\nDisallow /x\n:::\n", "/x", True),
])
def test_groups_and_precedence(text, path, allowed):
    assert Robots.parse(text, AGENT).allowed("http://h" + path) is allowed


def test_many_wildcards_do_not_take_forever():
    pattern = "/" + "a*" * 500 + "b"
    robots = Robots.parse(f"User-agent: *\nDisallow: {pattern}\n", AGENT)
    assert robots.allowed("http://h/" + "a" * 5000) is True
