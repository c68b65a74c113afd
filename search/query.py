"""The user's text, facet selections and dates turned into an engine-neutral SearchRequest.

Whoosh's parser never raises: it quietly drops what it cannot read. So the syntax a user can
get wrong (quotes, parentheses, operators, field names) is checked here first, and a mistake
becomes a QueryError that says how to fix it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from .config import Settings
from .errors import QueryError
from .facets import FACETS, UNDATED, Facet
from .models import ENTITY_MATCHES, SORT_ORDERS, SearchRequest

SEARCH_FIELDS = ("title", "body")
OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")
_BINARY = set(OPERATORS) - {"NOT"}
# A word and a colon (not a URL's "http://"). It is field syntax (title:embassy, title:"air
# strikes", title:(oil prices)) when the name is in lower case, as field names are, and the
# value follows with no space; otherwise it is free text: "Note: the embassy", "NOTE:1986".
_COLON = re.compile(r"(?<![\w:/.])([A-Za-z_]\w*):(?!//)")
# A question mark that ends a word ("why?") or stands alone is punctuation, not a wildcard.
_QUESTION = re.compile(r"(?:(?<=\w)|(?<!\S))\?+(?![\w*?])")
MAX_NESTING = 20


def blank_phrases(text: str) -> str:
    """Return the text with quoted phrases blanked out (keeping positions)."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), text)


def has_operators(text: str) -> bool:
    """Return whether the query uses an operator (AND, OR, NOT... in capitals; in lower case
    they are plain words) outside its quoted phrases."""
    return any(token in OPERATORS for token in re.findall(r"[^\s()]+", blank_phrases(text)))


def is_field_syntax(match: re.Match, text: str) -> bool:
    """Return whether a ``_COLON`` match in ``text`` (the query as typed) is a field
    restriction rather than a word of text."""
    name, after = match.group(1), text[match.end():match.end() + 1]
    return name == name.lower() and after != "" and not after.isspace()


def read_free_text(text: str) -> str:
    """Return the query with the punctuation of pasted prose that is not query syntax turned
    into spaces (same length, so positions still match the text as typed): the colon of a word
    that is not field syntax, and a question mark that ends a word or stands alone."""
    bare = blank_phrases(text)
    chars = list(text)
    for match in _COLON.finditer(bare):
        if not is_field_syntax(match, text):
            chars[match.end() - 1] = " "
    for match in _QUESTION.finditer(bare):
        chars[match.start():match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def check_query_syntax(text: str) -> None:
    """Raise QueryError for syntax the search parser would silently drop or misread."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quotes in the query: close the "phrase" or remove the quote')
    bare = blank_phrases(text)
    depth = 0
    for char in bare:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError("unbalanced parentheses in the query: a ')' has no matching '('")
        if depth > MAX_NESTING:
            raise QueryError(f"the query nests parentheses more than {MAX_NESTING} deep")
    if depth:
        raise QueryError("unbalanced parentheses in the query: a '(' is never closed")
    for match in _COLON.finditer(bare):
        if is_field_syntax(match, text) and match.group(1) not in SEARCH_FIELDS:
            raise QueryError(
                f"unknown field {match.group(1)!r} in the query: you can search "
                f"{' and '.join(SEARCH_FIELDS)} (e.g. title:embassy); filter with "
                "--entity/--outlet/--since/--until; for the word itself, put a space after "
                "the colon")
    # A phrase counts as one word for the operators: `embassy NOT "air strike"` is fine.
    _check_operators(re.sub(r'"[^"]*"', " PHRASE ", text))


def _check_operators(bare: str) -> None:
    tokens = re.findall(r"\(|\)|[^\s()]+", bare)
    previous = None
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if token in OPERATORS:
            if token in _BINARY and (previous in (None, "(") or previous in OPERATORS):
                raise QueryError(f"'{token}' needs a word on each side (e.g. embassy {token} "
                                 "militia)")
            if last or tokens[i + 1] == ")":
                raise QueryError(f"'{token}' needs a word after it (e.g. embassy {token} militia)")
        previous = token


def parse_date_filter(value: str | None, *, end: bool, name: str) -> dt.date | None:
    """Return the first (or, with ``end``, last) day of the period a date phrase names."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if len(text) > 64:
        raise QueryError(f"--{name} is too long: give a date such as 2019-05-01 or \"May 2019\"")
    numeric = _numeric_date(text, name)
    if numeric is not None:
        return _period_bound(*numeric, end)
    from dateparser.date import DateDataParser  # slow to import; only phrases need it

    # English only: without `languages` dateparser loads and tries every locale it knows on the
    # first phrase a process sees (11 s against 0.8 s, both on this loaded 2-core machine), and a
    # browser test's page timed out waiting for it.
    parser = DateDataParser(languages=["en"], settings={"PREFER_DATES_FROM": "past",
                                                        "RETURN_AS_TIMEZONE_AWARE": False})
    data = parser.get_date_data(text)
    if data is None or data.date_obj is None:
        raise QueryError(f"cannot read the date {text!r} for --{name}: use an ISO date "
                         "(2019-05-01) or a phrase such as \"May 2019\" or \"2 years ago\"")
    return _period_bound(data.date_obj.date(), data.period or "day", end)


# Dates written with digits only. ISO forms (year first) are read as ISO or refused; a date
# with the year last is read as day/month or month/day only when just one reading is a date.
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_YEAR_LAST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_EXAMPLES = "use an ISO date (2019-05-01) or a phrase such as \"May 2019\" or \"2 years ago\""


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def human_date(day: dt.date) -> str:
    """Return ``day`` written so it reads one way only: "1 April 1987"."""
    return f"{day.day} {day:%B} {day.year}"


def _numeric_date(text: str, name: str) -> tuple[dt.date, str] | None:
    """Return ``(date, period)`` for a date written in digits, None for anything else (a
    phrase); raise QueryError for digits that are no date or that read as two dates."""
    for pattern in (_ISO_DAY, _YEAR_FIRST):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            found = _day(year, month, day)
            if found is None:
                why = (f"there is no month {month}" if not 1 <= month <= 12 else
                       f"there is no year {year}" if year < dt.MINYEAR else
                       f"{calendar.month_name[month]} {year} has no day {day}")
                raise QueryError(f"{text!r} for --{name} is no date (year-month-day: {why}); "
                                 f"{_EXAMPLES}")
            return found, "day"
    match = _ISO_MONTH.fullmatch(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < dt.MINYEAR:
            why = f"there is no year {year}" if year < dt.MINYEAR else f"there is no month {month}"
            raise QueryError(f"{text!r} for --{name} is no month (year-month: {why}); "
                             f"{_EXAMPLES}")
        return dt.date(year, month, 1), "month"
    match = _YEAR_LAST.fullmatch(text)
    if match:
        first, second, year_text = match.groups()
        if len(year_text) == 2:
            raise QueryError(f"{text!r} for --{name}: write the year in full, or {_EXAMPLES}")
        year = int(year_text)
        readings = dict.fromkeys(d for d in (_day(year, int(second), int(first)),  # day/month
                                             _day(year, int(first), int(second)))  # month/day
                                 if d is not None)
        if not readings:
            raise QueryError(f"{text!r} for --{name} is no date: {_EXAMPLES}")
        if len(readings) > 1:
            day_month, month_day = readings
            raise QueryError(
                f"{text!r} for --{name} reads two ways: {human_date(day_month)} (day/month) or "
                f"{human_date(month_day)} (month/day); write {day_month.isoformat()} or "
                f"{month_day.isoformat()}")
        return next(iter(readings)), "day"
    try:  # the other forms Python reads as ISO (19870401, 1987-W14-3)
        return dt.date.fromisoformat(text), "day"
    except ValueError:
        return None


def _period_bound(day: dt.date, period: str, end: bool) -> dt.date:
    if not end:
        return day.replace(day=1) if period == "month" else (
            day.replace(month=1, day=1) if period == "year" else day)
    if period == "year":
        return day.replace(month=12, day=31)
    if period == "month":
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def build_request(
    query: str | None = "",
    *,
    since: str | None = None,
    until: str | None = None,
    sort: str | None = None,
    page: int | str | None = None,
    per_page: int | str | None = None,
    settings: Settings | None = None,
    resolve_entity=None,
    facet_size: int | str | None = None,
    collapse: bool = False,
    entity_match: str | None = None,
    **selections: Iterable[str],
) -> SearchRequest:
    """Return a validated SearchRequest; raise QueryError naming what to fix.

    ``selections`` are the facet values by ``SearchRequest`` field (``entities=["PMF"]``,
    ``outlets=…``: see ``search.facets``). ``resolve_entity`` maps a name or alias to its
    canonical entity (or None), so that ``--entity PMF`` selects "Popular Mobilization Forces".
    ``entity_match`` is "any" (the default: articles naming any selected entity) or "all"
    (naming every one).
    """
    unknown = sorted(set(selections) - {facet.field for facet in FACETS})
    if unknown:
        raise TypeError(f"build_request() got unknown facet fields {unknown}")
    settings = settings or Settings()
    query = (query or "").strip()
    if len(query) > settings.max_query_chars:
        raise QueryError(f"the query is {len(query)} characters long; the limit is "
                         f"{settings.max_query_chars}")
    if "\x00" in query:
        raise QueryError("the query contains a NUL character")
    sort = sort or "relevance"
    if sort not in SORT_ORDERS:
        raise QueryError(f"unknown sort {sort!r}: choose one of {', '.join(SORT_ORDERS)}")
    entity_match = (entity_match or "any").strip().lower()
    if entity_match not in ENTITY_MATCHES:
        raise QueryError(f"entity_match must be one of {', '.join(ENTITY_MATCHES)}, "
                         f"not {entity_match[:20]!r}")
    start = parse_date_filter(since, end=False, name="since")
    stop = parse_date_filter(until, end=True, name="until")
    if start and stop and start > stop:
        raise QueryError(f"--since {start} is after --until {stop}: swap them")
    chosen: dict[str, Any] = {
        facet.field: _facet_values(facet, selections.get(facet.field, ()), resolve_entity)
        for facet in FACETS}
    return SearchRequest(
        query=query, since=start, until=stop, sort=sort,
        page=_bounded_int(page, 1, 1, settings.max_page, "page"),
        per_page=_bounded_int(per_page, settings.per_page, 1, settings.max_per_page, "per_page"),
        facet_size=_bounded_int(facet_size, settings.facet_size, 1, 10_000, "facet_size"),
        collapse=bool(collapse), entity_match=entity_match, **chosen,
    )


def _facet_values(facet: Facet, values: Iterable[str], resolve_entity) -> tuple[str, ...]:
    """Return one facet's selection, cleaned, checked and without repeats (any case)."""
    cleaned = _clean_values(values, facet.name)
    if facet.pattern is not None:
        pattern = re.compile(facet.pattern)
        for value in cleaned:
            if not pattern.match(value) and value != UNDATED:
                raise QueryError(f"bad {facet.name} {value!r}: use a value such as {facet.example}")
    if facet.typed:
        cleaned = [_canonical(value, resolve_entity) for value in cleaned]
    return _unique(cleaned)


def _clean_values(values: Iterable[str], name: str) -> list[str]:
    out = []
    for raw in values or ():
        value = str(raw).strip()
        if len(value) > 200:
            raise QueryError(f"the {name} filter value is too long (200 characters at most)")
        if value:
            out.append(value)
    return out


def _canonical(name: str, resolve_entity) -> str:
    entity = resolve_entity(name) if resolve_entity else None
    return entity.name if entity else name


_DIGITS = re.compile(r"[0-9]{1,100}")


def whole_number(value: object) -> int | None:
    """Return the number written in ASCII digits (blanks around allowed), else None.

    The one rule for every number in a URL or form: ``str.isdigit`` accepts superscripts
    (``²``) that ``int`` refuses, and ``int`` accepts other scripts' digits, signs and ``_``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if _DIGITS.fullmatch(text) else None


def _bounded_int(value, default: int, low: int, high: int, name: str) -> int:
    if value is None or value == "":
        return default
    number = whole_number(value)
    if number is None:
        raise QueryError(f"{name} must be a whole number, not {str(value)[:40]!r}")
    if not low <= number <= high:
        raise QueryError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())
