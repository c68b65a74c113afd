"""What a page declares about itself: its <meta> tags and JSON-LD objects, read once from the
tree."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# schema.org types whose fields describe the article itself (not the site, a video or a breadcrumb).
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenews", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "report",
    "techarticle", "scholarlyarticle", "socialmediaposting", "review",
})


@dataclass(frozen=True)
class PageData:
    """The page's meta tags (lower-cased key -> values in page order) and JSON-LD objects."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    json_ld: tuple[dict[str, Any], ...] = ()

    def first(self, *keys: str) -> tuple[str, str] | None:
        """Return (key, value) of the first key, in the order given, that has a non-empty value."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return key, value.strip()
        return None

    def articles(self) -> list[dict[str, Any]]:
        """Return the JSON-LD objects typed as an article, in page order."""
        return [obj for obj in self.json_ld if _types(obj) & ARTICLE_TYPES]

    def typed(self, *type_names: str) -> list[dict[str, Any]]:
        """Return the JSON-LD objects having one of the given (lower-case) types."""
        wanted = set(type_names)
        return [obj for obj in self.json_ld if _types(obj) & wanted]


def read_page_data(tree: HtmlElement) -> PageData:
    """Return the meta tags and JSON-LD objects of a parsed page."""
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), []).append(content)
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            objects.extend(_json_ld_objects(script.text))
    return PageData(meta, tuple(objects))


def _json_ld_objects(text: str) -> Iterator[dict[str, Any]]:
    """Yield every object of a JSON-LD script, flattening lists and ``@graph``; nothing if
    invalid."""
    try:
        data = json.loads(text)
    except ValueError:
        logger.debug("invalid JSON-LD skipped")
        return
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            yield item
            if isinstance(item.get("@graph"), list):
                stack[:0] = item["@graph"]


def _types(obj: dict[str, Any]) -> set[str]:
    """Return the lower-cased ``@type`` names of a JSON-LD object."""
    value = obj.get("@type")
    names = value if isinstance(value, list) else [value]
    return {name.lower() for name in names if isinstance(name, str)}


def ld_name(value: Any) -> str | None:
    """Return the name a JSON-LD person/organisation value carries (a string, an object or a
    list)."""
    if isinstance(value, list):
        names = [n for n in (ld_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None
