"""What a cleaner returns: the article's body and the labelled blocks it was decided on."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping

# Labels of blocks kept in the article body, in reading order.
BODY_LABELS = ("standfirst", "heading", "body", "dateline", "credit")
# Labels of blocks that are not body text but carry metadata.
META_LABELS = ("title", "date", "byline", "masthead")
# Every other block is labelled "chrome" with a reason (e.g. "paywall", "caption", "promo").


@dataclass(frozen=True)
class Block:
    """One line or paragraph of the input with the cleaner's decision about it."""

    text: str
    label: str
    reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.label in BODY_LABELS


@dataclass(frozen=True)
class CleanedDocument:
    """The article's main text plus what the cleaner learnt on the way.

    ``body`` holds paragraphs separated by blank lines, without the headline. ``page_meta``
    holds metadata the page itself declares (HTML only): keys ``title``, ``date``,
    ``date_source``, ``sitename``, ``author``, ``url``, ``description``, ``language``; values
    are strings or None.
    """

    body: str
    mode: str
    blocks: tuple[Block, ...] = ()
    page_meta: Mapping[str, str | None] = field(default_factory=dict)


__all__ = ["BODY_LABELS", "META_LABELS", "Block", "CleanedDocument"]
