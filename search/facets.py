"""The one registry of facets: what each one is called where, and how its values are stored.

A facet has one ``name`` everywhere a user sees it: the URL parameter (``?outlet=Reuters``), the
key in the search JSON's ``facets``, the saved-search filter and the CLI option (``--outlet``).
In Python the selection lives in one ``SearchRequest`` field (``outlets``). Everything that
lists facets reads ``FACETS`` instead of spelling the names out: ``SearchRequest.filters``,
``query.build_request``, ``watches``, the engines' schemas, filters and counts, and in ``web/``
the URL parameters (``params``, ``links``), the sidebar and its chips, the OpenAPI document,
the saved-search form and the search box.

Repeated values of one facet are OR'ed, different facets AND'ed (``SearchRequest``). Facet
counts count articles.

How to add a facet (say ``language``, one value an article, matched case-insensitively):

1. ``models.Article`` carries the value (``language: str | None = None``), filled in by the
   pipeline; ``models.SearchRequest`` gets the selection, a tuple of strings with the default
   ``()`` (``languages: tuple[str, ...] = ()``), at the end of the fields: callers build
   requests by keyword.
2. Add a ``Facet`` to ``FACETS`` below: ``Facet("language", "languages", "Languages",
   "A language code (en, fr), case-insensitive.", "Only articles in this language",
   attribute="language", case_folded=True)`` (the second text is the CLI option's help).
   Its place in ``FACETS`` is its place in the JSON and the chips; the sidebar, the OpenAPI
   document and ``--help`` list the facets of names first, then the period facets
   (``DISPLAY_ORDER``). The URL parameter, the CLI option (``cli.options.filter_options``),
   the saved-search filter and the OpenAPI parameter then exist without more code.
3. The engines need no code: both build their fields from the registry (Whoosh an ``ID``
   field, ``KEYWORD`` when ``multi_valued``; Typesense a facet field, plus a ``<name>_key`` field
   of case-folded values to filter on when ``case_folded``), fill them from ``Facet.terms``,
   match filter values with ``Facet.selects`` and list counted terms with ``Facet.split``.
   An index written before has no such field: bump ``SCHEMA_VERSION`` in the Whoosh engine
   (an older index gets new fields added on open) and say in the README that the facet fills
   in when articles are indexed again; a Typesense collection made before needs indexing
   into a new collection (``--collection``).
4. Run ``tests/test_facets.py``: it checks that every registry facet shows in the search API's
   facets, the sidebar, the chips, the OpenAPI document, the saved-search form and saved
   filters, the search box and the CLI, so a facet cannot be added halfway. Then add a test that
   filters by a real value in ``tests/test_whoosh_engine.py`` (and the Typesense parity cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNDATED = "undated"  # the value of the period facets for an article without a date


@dataclass(frozen=True)
class Facet:
    """One facet: its names, its words for people, and how its values are matched and stored.

    ``name`` is the URL parameter, JSON key, saved-search filter and CLI option; ``field`` the
    ``SearchRequest`` attribute holding the selection and ``attribute`` the ``Article``
    attribute holding the value(s). ``case_folded``: a filter value selects indexed values
    regardless of case ("reuters" selects "Reuters"). ``multi_valued``: an article may carry
    several values (stored as a list). ``typed``: values are entities, stored as
    ``"type|Canonical Name"`` so one term carries both, shown grouped by type, and a filter
    value may be an alias (``query`` resolves it). ``period``: a value of the publication date,
    present on every article (``"undated"`` without a date) and checked against ``pattern``.
    ``time_ordered``: the sidebar lists values in time order rather than by count.
    """

    name: str
    field: str
    label: str
    help: str
    cli_help: str
    attribute: str
    metavar: str = "NAME"
    case_folded: bool = False
    multi_valued: bool = False
    typed: bool = False
    period: bool = False
    pattern: str | None = None
    example: str | None = None
    time_ordered: bool = False

    def terms(self, article: Any) -> tuple[str, ...]:
        """Return the values an article is indexed under for this facet (entities typed)."""
        value = getattr(article, self.attribute)
        if self.typed:
            return tuple(entity_term(e.type, e.name) for e in value)
        if self.multi_valued:
            return tuple(v for v in value if v)
        return (value,) if value else ()

    def split(self, term: str) -> tuple[str | None, str]:
        """Return an indexed term as (entity type or None, value shown)."""
        if self.typed:
            kind, _, label = term.partition("|")
            return kind, label
        return None, term

    def selects(self, term: str, value: str) -> bool:
        """Return whether a filter value selects an indexed term."""
        label = self.split(term)[1]
        return label.casefold() == value.casefold() if self.case_folded else label == value


def entity_term(kind: str, name: str) -> str:
    """Return the indexed term of an entity: ``"group|Kataib Hezbollah"``."""
    return f"{kind}|{name}"


FACETS: tuple[Facet, ...] = (
    Facet("entity", "entities", "Entities",
          "An entity by canonical name or alias, case-insensitive.",
          "Only articles naming this entity, by name or alias", attribute="entities",
          case_folded=True, multi_valued=True, typed=True),
    Facet("outlet", "outlets", "Outlets", "An outlet name.", "Only articles from this outlet",
          attribute="outlet", case_folded=True),
    Facet("year", "years", "Years", "A year, or undated.",
          "Only articles of this year, or 'undated'", attribute="year", metavar="YYYY",
          period=True, pattern=r"^(\d{4}|undated)$", example="2019 or undated"),
    Facet("month", "months", "Months", "A month (2019-05), or undated.",
          "Only articles of this month, or 'undated'", attribute="month",
          metavar="YYYY-MM", period=True, pattern=r"^(\d{4}-(0[1-9]|1[0-2])|undated)$",
          example="2019-05 or undated", time_ordered=True),
    Facet("agency", "agencies", "Wire agencies",
          "A wire agency credited by the article (AFP, Associated Press, Reuters …), "
          "case-insensitive.", "Only articles crediting this wire agency", attribute="agency",
          case_folded=True),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}
# Sidebar and OpenAPI order: facets of names (entities, outlets, agencies) before dates.
DISPLAY_ORDER: tuple[Facet, ...] = tuple(sorted(FACETS, key=lambda f: f.period))

__all__ = ["BY_NAME", "DISPLAY_ORDER", "FACETS", "FACET_NAMES", "UNDATED", "Facet", "entity_term"]
