"""Page metadata of an HTML page: title, date, site name, author, URL, description, language."""

from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from .chrome import BARE_DATE
from .html_date import DOTTED_DATE_RE, canonical_url, find_published_date
from .html_pagedata import PageData, ld_name, read_page_data
from .site_titles import strip_affixes

logger = logging.getLogger(__name__)

# " - Site", " | Site", " :: Site" around a title; the separators sites put before their name.
TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—:·•»]+\s+|:\s+|(?<=\w)_(?=[A-Z])")
HOST_RE = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)
MAX_NAME_WORDS = 4  # site names are short; longer og:site_name values are taglines
# Second-level labels under a country code ("co.uk", "com.br"): the domain is the label before.
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "ne", "or", "edu"})
LOWER_NAME_WORDS = frozenset({"of", "the", "and", "de", "la", "le", "du", "der", "die", "&", "for"})


def extract_page_meta(tree: HtmlElement, url: str | None = None,
                      title_affixes: frozenset[str] = frozenset()) -> dict[str, str | None]:
    """Return the page_meta mapping (title, date, date_source, sitename, author, url, description,
    language).

    ``title_affixes``: the parts of this page's titles that its site's other pages in the
    collection repeat (``site_titles.SiteTitles.affixes``); they are taken off the title.
    """
    data = read_page_data(tree)
    date, date_source = find_published_date(tree, data, url)
    sitename = _sitename(tree, data, url)
    return {
        "title": _title(tree, data, sitename, title_affixes),
        "date": date,
        "date_source": date_source,
        "sitename": sitename,
        "author": _author(data),
        "url": url or canonical_url(tree, data),
        "description": _value(data.first("og:description", "description", "twitter:description")),
        "language": _language(tree, data),
    }


def _value(found: tuple[str, str] | None) -> str | None:
    """Return the value of a ``PageData.first`` result."""
    return found[1] if found else None


def _title(tree: HtmlElement, data: PageData, sitename: str | None,
           affixes: frozenset[str] = frozenset()) -> str | None:
    """Return the headline most of the page's title sources agree on, site name affixes removed.

    Sources in order of trust: og:title, twitter:title, JSON-LD headline, the first <h1>, <title>;
    ties go to the most trusted.
    """
    candidates = [
        _value(data.first("og:title")), _value(data.first("twitter:title")),
        next((h for obj in data.articles() if isinstance(h := obj.get("headline"), str)), None),
        _first_h1(tree), tree.findtext(".//title"),
    ]
    titles = [t for t in (_strip_site(c, sitename, affixes) for c in candidates) if t]
    if not titles:
        return None
    votes = Counter(_key(t) for t in titles)
    best = max(votes.values())
    return next(t for t in titles if votes[_key(t)] == best)


def _key(text: str) -> str:
    """Return text reduced to lower-case letters and digits, for comparing titles."""
    return re.sub(r"\W+", "", text.casefold())


def _first_h1(tree: HtmlElement) -> str | None:
    """Return the text of the first <h1> that reads like a headline (a few words at least)."""
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if len(text.split()) >= 3:
            return text
    return None


def _strip_site(title: str | None, sitename: str | None,
                affixes: frozenset[str] = frozenset()) -> str | None:
    """Return the title without a leading or trailing part naming the site ("Headline - Site",
    "Headline_Site"), repeated across the site's pages (``affixes``) or giving only a date
    ("08.11.2021 | Headline")."""
    if not title or not title.strip():
        return None
    title = strip_affixes(" ".join(title.split()), affixes)
    site = _site_key(sitename)
    separators = list(TITLE_SEPARATORS_RE.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if _names_site(title[last.end():], site) or _only_date(title[last.end():]):
        return title[: last.start()].strip() or title
    if _names_site(title[: first.start()], site) or _only_date(title[: first.start()]):
        return title[first.end():].strip() or title
    return title


def _site_key(sitename: str | None) -> str:
    """Return the site's name for comparing, a host name reduced to its main label
    ("belfasttelegraph.co.uk" -> "belfasttelegraph")."""
    if sitename and HOST_RE.match(sitename):
        labels = sitename.lower().split(".")[:-1]
        return _key(max(labels, key=len)) if labels else ""
    return _key(sitename or "")


def _only_date(part: str) -> bool:
    return bool(BARE_DATE.match(part.strip()) or DOTTED_DATE_RE.match(part.strip() + " "))


def _names_site(part: str, site: str) -> bool:
    # a short name must be the whole part: "dw" is inside "Flood waters"
    return bool(site) and (site in _key(part) if len(site) >= 5 else site == _key(part))


def _sitename(tree: HtmlElement, data: PageData, url: str | None) -> str | None:
    """Return the site's name: og:site_name, application-name, JSON-LD publisher, else the
    name the page's title gives the site, else the host.

    A declared name that does not name the host ("Hosted" on AP's pages, a section such as
    "Health") or is a host name gives way to the title's name when the title names the host
    ("… - AP News" on apnews.com); a name in the title beats the bare host ("CBS News", not
    "cbsnews.com"). Rules chosen on extraction-bench/train, checked on dev (README).
    """
    host = urlsplit(url or canonical_url(tree, data) or "").hostname
    host = re.sub(r"^www\.", "", host) if host else None
    titled = _titled_site_name(tree, data, host)
    candidates = [_value(data.first("og:site_name")), _value(data.first("application-name"))]
    candidates += [ld_name(obj.get("publisher")) for obj in data.articles()]
    candidates += [ld_name(obj) for obj in data.typed("website", "newsmediaorganization")]
    chosen = titled or host
    for candidate in candidates:
        name = _name_part(candidate)
        if name and (titled is None or (_names_site(name, _site_key(host))
                                        and not HOST_RE.match(name))):
            chosen = name
            break
    return _publisher_name(data, host, chosen) or chosen


def _publisher_name(data: PageData, host: str | None, chosen: str | None) -> str | None:
    """Return the name a publisher's social page spells in CamelCase ("facebook.com/APNews"
    → "AP News"), when it names the host's domain while the name chosen is a bare host or names
    only a subdomain ("Hosted" on hosted.ap.org); else None."""
    label = _domain_label(host)
    if not label or not (chosen is None or HOST_RE.match(chosen) or _names_subdomain(chosen, host)):
        return None  # a name of its own ("Experience" on expapp.com) is kept
    found = _value(data.first("article:publisher"))
    handle = urlsplit(found).path.strip("/").split("/")[-1] if found and "://" in found else ""
    if not re.fullmatch(r"[A-Za-z0-9]+", handle) or handle.islower() or handle.isupper():
        return None  # a lower-case handle ("cbssports") spells no words
    name = " ".join(re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|\d+", handle))
    return name if _names_label(name, label) else None


def _domain_label(host: str | None) -> str:
    """Return the label of the host's registered domain ("hosted.ap.org" → "ap",
    "entermedia.co.kr" → "entermedia")."""
    labels = (host or "").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        labels = labels[:-1]
    return labels[-2] if len(labels) >= 2 else ""


def _names_subdomain(name: str, host: str | None) -> bool:
    """Return whether a name names only a subdomain of the host ("Hosted" on hosted.ap.org)."""
    label = _domain_label(host)
    subdomains = (host or "").lower().split(".")[:-2]
    return not _names_label(name, label) and any(_names_label(name, s) for s in subdomains)


def _names_label(name: str, label: str) -> bool:
    # a short label must be a whole word of the name: "ap" is inside "Happy"
    if len(label) >= 5:
        return label in _key(name)
    return any(_key(word) == label for word in name.split())


def _titled_site_name(tree: HtmlElement, data: PageData, host: str | None) -> str | None:
    """Return the first or last part of the page's titles that names the host ("Headline -
    CBS News" on cbsnews.com gives "CBS News"), else None."""
    site = _site_key(host)
    for title in (_value(data.first("og:title")), tree.findtext(".//title")):
        parts = TITLE_SEPARATORS_RE.split(" ".join((title or "").split()))
        for part in (parts[-1], parts[0]) if len(parts) > 1 else ():
            if _names_site(part, site) and _name_part(part) == part and not HOST_RE.match(part):
                return part
    return None


def _name_part(value: str | None) -> str | None:
    """Return the name in a site-name value ("LinkNaija | Nigeria's news" -> "LinkNaija"), or None
    for a tagline."""
    if not value or value.lstrip().startswith("@"):  # a social media handle, not a name
        return None
    for part in TITLE_SEPARATORS_RE.split(" ".join(value.split())):
        words = part.split()
        if words and len(words) <= MAX_NAME_WORDS and all(
                w[0].isupper() or not w[0].isalpha() or w.lower() in LOWER_NAME_WORDS
                for w in words):
            return part
    return None


def _author(data: PageData) -> str | None:
    """Return the author's name from meta tags or the JSON-LD article; profile URLs are not
    names."""
    for obj in data.articles():
        if (name := ld_name(obj.get("author"))) and "://" not in name:
            return name
    found = data.first("author", "article:author", "parsely-author", "sailthru.author",
                       "dc.creator")
    if found and "://" not in found[1]:
        return found[1]
    return None


def _language(tree: HtmlElement, data: PageData) -> str | None:
    """Return the page's declared language code (``<html lang>``, else og:locale), e.g. ``en``."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    lang = lang or _value(data.first("og:locale", "content-language", "language"))
    return re.split(r"[-_]", lang.strip())[0].lower() or None if lang and lang.strip() else None
