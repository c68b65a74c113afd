"""Chrome that trafilatura lets into the main text, told apart block by block.

Signals, all general: known chrome phrases (data in ``search/data/html_chrome_phrases.txt``),
the headline repeated as the first block, a block that is nothing but one of the page's links
(related-article cards), the author's bio at the end, and list items under a "Related" heading.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .document import Block

logger = logging.getLogger(__name__)

LIST_DASH_RE = re.compile(r"^[-•*]\s+")
LABEL_PREFIX_RE = re.compile(r"^[\w ]{2,30}:\s+")
MIN_LINK_WORDS = 4  # shorter link texts ("Home", "Sports") also appear inside real sentences
MAX_TEASER_WORDS = 30
BIO_JOB_RE = re.compile(
    r" (is|was) (an? |the )?([\w-]+ ){0,4}(writer|reporter|editor|journalist|correspondent|"
    r"columnist|contributor)\b")
BIO_TAIL_SHARE = 0.3  # an author bio sits in the last 30% of the blocks


@dataclass(frozen=True)
class PageContext:
    """What the block classifier knows about the page around the blocks."""

    titles: frozenset[str]  # keys of the headline candidates (see ``text_key``)
    link_texts: frozenset[str]  # keys of the page's link texts of MIN_LINK_WORDS words or more
    author: str | None = None


@lru_cache(maxsize=1)
def chrome_phrases() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Return the (reason, compiled regex) pairs of the chrome phrase list."""
    path = resources.files("search").joinpath("data/html_chrome_phrases.txt")
    text = path.read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            reason, pattern = line.split("\t", 1)
            pairs.append((reason, re.compile(pattern.strip(), re.IGNORECASE)))
    return tuple(pairs)


def text_key(text: str) -> str:
    """Return text reduced to lower-case letters and digits, for comparing blocks with page text."""
    return re.sub(r"\W+", "", text.casefold())


def label_chrome(blocks: list[Block], context: PageContext) -> list[Block]:
    """Return the blocks with chrome relabelled ``chrome`` and a reason; body blocks are unchanged.

    Two rules look beyond one block. List items under a "Related" heading are related links.
    A short paragraph under a heading that is one of the page's links is the blurb of another
    article's card, but only where the cards go on: the block after it is chrome too, or the
    page ends. A heading that only matches a link followed by the lead paragraph and the
    article's own list keeps them both, and a blurb never opens a related list.
    """
    texts = [LIST_DASH_RE.sub("", block.text) for block in blocks]
    reasons = [chrome_reason(text, context, index >= len(blocks) * (1 - BIO_TAIL_SHARE))
               for index, text in enumerate(texts)]
    labelled = []
    in_related_list = False
    for index, block in enumerate(blocks):
        text, reason = texts[index], reasons[index]
        is_item = text != block.text
        if reason is None and in_related_list and is_item:
            reason = "related"
        elif reason is None and _is_teaser(blocks, reasons, index, text):
            reason = "related"  # the blurb under a linked headline of another article
        in_related_list = reasons[index] == "related" or (in_related_list and is_item)
        labelled.append(Block(block.text, "chrome", reason) if reason else block)
    return labelled


def _is_teaser(blocks: list[Block], reasons: list[str | None], index: int, text: str) -> bool:
    """Return whether block ``index`` is a card's blurb: short, under a linked heading, before
    chrome or the end."""
    if index == 0 or len(text.split()) > MAX_TEASER_WORDS:
        return False
    under_link = reasons[index - 1] == "link" and blocks[index - 1].label == "heading"
    return under_link and (index + 1 == len(blocks) or reasons[index + 1] is not None)


def chrome_reason(text: str, context: PageContext, at_tail: bool = False) -> str | None:
    """Return why one block of text is chrome (a known phrase, the headline, a link card, the
    author's bio; ``at_tail`` says the block is near the article's end), or None when it may be
    article text."""
    for reason, pattern in chrome_phrases():
        if pattern.match(text):
            return reason
    key = text_key(text)
    if key and key in context.titles:
        return "headline"
    unlabelled = LABEL_PREFIX_RE.sub("", text)
    if len(unlabelled.split()) >= MIN_LINK_WORDS and text_key(unlabelled) in context.link_texts:
        return "link"
    if context.author and _is_bio(text, context.author, at_tail):
        return "author-bio"
    return None


def _is_bio(text: str, author: str, at_tail: bool) -> bool:
    """Return whether a block reads as a bio of the author ("Jane Doe is a writer who ...").

    Anywhere on the page a bio names the author's job; at the end of the article any
    "Jane Doe is/was/has ..." sentence about the author is one.
    """
    first_author = re.split(r",| and ", author)[0].strip()
    if len(first_author.split()) < 2 or not text.startswith(first_author):
        return False
    rest = text[len(first_author):]
    if BIO_JOB_RE.match(rest):
        return True
    return at_tail and bool(re.match(r"(’s|'s)? (is|was|has|covers|writes|reports)\b|"
                                     r"(’s|'s) (book|latest|new)\b", rest))
