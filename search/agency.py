"""The wire agency an article credits, from explicit credit lines only.

A credit is a line or phrase whose only job is to say where the story came from: a wire
dateline ("BAGHDAD (AFP) -"), a sign-off ("— AFP", the old Reuters "Reuter"), a reporting
credit ("(Reporting by …; Editing by …)"), "Associated Press contributed", "(With inputs from
PTI)". A mention is not a credit: "told AFP", "Reuters reported", a photo credit ("/ AFP -
Getty Images") never label an article.

Syndication disclaimers ("auto-generated from a syndicated feed", "No Business Standard
journalist was involved in creation of this content") rarely name the agency. Such an article
is the agency's own copy, and wires attribute their own interviews with a house formula ("told
AFP", "told Reuters", "told The Associated Press"), so a disclaimer plus the formula of exactly
one agency names it. The formula alone, in an outlet's own story, names nothing.

Detection reads the body and the cleaner's chrome blocks (a disclaimer is chrome, and removed
from the body, but it is still a credit); the body itself is never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable

# Names an agency goes by in credits → the value shown in the facet.
AGENCIES: dict[str, str] = {
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "ap": "Associated Press", "associated press": "Associated Press",
    "the associated press": "Associated Press",
    "reuters": "Reuters", "reuter": "Reuters", "thomson reuters": "Reuters",
    "dpa": "dpa", "upi": "UPI", "united press international": "UPI", "xinhua": "Xinhua",
    "pti": "PTI", "press trust of india": "PTI", "ani": "ANI", "ians": "IANS",
    "efe": "EFE", "ansa": "ANSA", "kyodo": "Kyodo", "anadolu": "Anadolu",
}
_NAMES = "|".join(sorted((re.escape(n) for n in AGENCIES), key=len, reverse=True))
_DASH = r"[-–—]"
_I = re.IGNORECASE


@dataclass(frozen=True)
class Credit:
    """The agency an article credits and the kind of line that said so."""

    agency: str
    source: str


# (kind of credit, pattern, agency or None to read it from the "name" group). Order matters:
# a dateline says the whole story is the agency's; a contribution credit says less.
PATTERNS: tuple[tuple[str, re.Pattern, str | None], ...] = (
    # "BAGHDAD (AFP) - …", "LONDON, May 3 (Reuters) — …", "WASHINGTON (AP) — …"
    ("dateline", re.compile(rf"^[A-Z][A-Za-z.'\-]+(?:[ /][A-Z][A-Za-z.'\-]+)*(?:,[^()\n]{{1,40}})?"
                            rf"\s*\((?P<name>{_NAMES})\)\s*{_DASH}", _I), None),
    # "(Reporting by Thaier al-Sudani; Editing by Angus MacSwan)": Reuters' house style.
    ("reporting credit", re.compile(r"(?:\(|^)(?:additional )?reporting by\b[^()]{0,400}?"
                                    r"\b(?:editing|writing) by\b", _I | re.M), "Reuters"),
    # "Associated Press contributed.", "Associated Press writer Jane Doe contributed to this
    # report."
    ("contribution credit", re.compile(rf"\b(?P<name>{_NAMES})\b(?:\s+(?:writers?|reporters?|"
                                       rf"correspondents?|staff)\b[^.]{{0,120}})?\s+contributed\b",
                                       _I),
     None),
    # "(With inputs from PTI)", "With inputs from Reuters and AFP" (the first named counts)
    ("inputs credit", re.compile(rf"^\(?\s*with (?:additional )?inputs? from (?P<name>{_NAMES})\b",
                                 _I), None),
    # A paragraph ending in "— AFP" / "- AFP" / "(AFP)", or a line that is only the agency.
    ("sign-off", re.compile(rf"(?:^|\s{_DASH}{{1,2}}\s*)(?P<name>{_NAMES})\.?\s*$", _I), None),
    # "Copyright 2019 The Associated Press. All rights reserved."
    ("copyright line", re.compile(rf"^(?:copyright|©|\(c\))\s*(?:\d{{4}}\s*)?(?P<name>{_NAMES})\b"
                                  r"[^.]*\.?\s*(?:all rights reserved)?", _I), None),
)
# Disclaimers that say a story came from a feed; the optional group is an agency they name.
DISCLAIMERS = (
    re.compile(rf"(?:auto-generated|published|generated) from (?:a |the )?syndicated feed"
               rf"(?:\s+(?:of|from)\s+(?P<name>{_NAMES})\b)?", _I),
    re.compile(r"\bno [\w .'&-]{1,40} journalist was involved in (?:the )?creation of this content",
               _I),
    re.compile(r"has not been edited by [\w .'&-]{1,40} staff", _I),
)
# How a wire attributes its own interviews: only the agency's own copy says "told AFP".
HOUSE_FORMULA = re.compile(rf"\b(?:told|telling|tells) (?P<name>{_NAMES})\b", _I)


def _canonical(name: str) -> str:
    return AGENCIES[" ".join(name.lower().split())]


def find_credit(paragraphs: Iterable[str], chrome: Iterable[str] = ()) -> Credit | None:
    """Return the agency credited by the article's paragraphs or chrome lines, or None.

    ``paragraphs`` are the body's paragraphs (credits are kept there); ``chrome`` are lines
    the cleaner removed, read for syndication disclaimers only.
    """
    paragraphs = [p.strip() for p in paragraphs if p and p.strip()]
    for kind, pattern, agency in PATTERNS:
        for paragraph in paragraphs:
            match = _search(kind, pattern, paragraph)
            if match:
                return Credit(agency or _canonical(match.group("name")), kind)
    return _syndicated(paragraphs, [c.strip() for c in chrome if c and c.strip()])


# Words a kind of credit cannot match without (same flags): a quick test before the costly
# search, which tries every agency name at every position.
_REQUIRED = {"contribution credit": re.compile("contributed", _I),
             "reporting credit": re.compile("reporting by", _I)}
_DISCLAIMER_WORDS = tuple(re.compile(word, _I) for word in ("syndicated", "journalist", "edited"))
# A sign-off ends the paragraph; longer than this it would need a run of spaces.
_SIGN_OFF_CHARS = 300
_SIGN_OFF_SPELLINGS = frozenset({"AFP", "AP", "Reuters", "Reuter", "PTI", "ANI", "IANS", "dpa",
                                 "UPI", "Xinhua", "EFE", "ANSA"})


def _search(kind: str, pattern: re.Pattern, paragraph: str) -> re.Match | None:
    required = _REQUIRED.get(kind)
    if required is not None and not required.search(paragraph):
        return None
    if kind == "sign-off":
        # Only the capitalised spellings, and only at the end of the paragraph; a lone name
        # must be the whole line ("Reuter" closing an old wire story). ``^`` still means the
        # paragraph's start when the search starts later.
        match = pattern.search(paragraph, max(0, len(paragraph) - _SIGN_OFF_CHARS))
        if match and (match.group("name") in _SIGN_OFF_SPELLINGS
                      # the 1987 wire also closed with "REUTER" on a line of its own
                      or match.group(0).strip() == "REUTER"):
            return match
        return None
    if kind in ("dateline", "inputs credit", "copyright line"):
        return pattern.match(paragraph)
    return pattern.search(paragraph)


def _syndicated(paragraphs: list[str], chrome: list[str]) -> Credit | None:
    """Return the agency of a syndicated copy: named by its disclaimer, or by its house formula."""
    text = "\n".join(chrome + paragraphs)
    if not any(word.search(text) for word in _DISCLAIMER_WORDS):
        return None  # every disclaimer has one of these words
    for line in chrome + paragraphs:
        for pattern in DISCLAIMERS:
            match = pattern.search(line)
            if not match:
                continue
            named = match.groupdict().get("name")
            if named:
                return Credit(_canonical(named), "syndication disclaimer")
            formulas = {_canonical(m.group("name")) for p in paragraphs
                        for m in HOUSE_FORMULA.finditer(p)}
            if len(formulas) == 1:
                agency = formulas.pop()
                return Credit(agency, f"syndication disclaimer and 'told {agency}'")
            return None
    return None


__all__ = ["AGENCIES", "Credit", "find_credit"]
