"""The timeline histogram: matching articles by month (by year over a long span), as bars to draw.

The page draws these as SVG on the server, so the timeline works without JavaScript; each bar
is a link filtering to its period. Counts come from the month facet, which ignores the month
selection, so the bars around a selected month stay visible (and clickable) too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from search.models import UNDATED, SearchResults

from . import links
from .sidebar import period_label

# Past this many months a bar per month gets too thin to read or to hit on a phone.
MAX_MONTH_BARS = 36
BAR, GAP, UNDATED_GAP = 24, 6, 18
CHART_TOP, CHART_HEIGHT, AXIS_HEIGHT = 16, 100, 34
MONTH_INITIALS = "JFMAMJJASOND"


@dataclass(frozen=True)
class Bar:
    """One period: its geometry in the SVG's own units, its link and what it says."""

    value: str
    count: int
    x: int
    y: int
    height: int
    label: str
    link: str | None
    selected: bool
    tick: str = ""
    year_tick: str = ""

    @property
    def middle(self) -> int:
        return self.x + BAR // 2


@dataclass(frozen=True)
class Timeline:
    """The bars to draw, by ``unit`` ("month" or "year"), and the SVG's size."""

    unit: str
    bars: tuple[Bar, ...]
    width: int
    height: int = CHART_TOP + CHART_HEIGHT + AXIS_HEIGHT
    base: int = CHART_TOP + CHART_HEIGHT
    bar_width: int = BAR
    show_counts: bool = True


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _periods(counts: Counter[str]) -> tuple[str, list[tuple[str, int]]]:
    dated = sorted(k for k in counts if k != UNDATED)
    if not dated:
        return "month", []
    months = _months_between(dated[0], dated[-1])
    if len(months) <= MAX_MONTH_BARS:
        return "month", [(m, counts[m]) for m in months]
    years: Counter[str] = Counter()
    for month, count in counts.items():
        if month != UNDATED:
            years[month[:4]] += count
    span = range(int(dated[0][:4]), int(dated[-1][:4]) + 1)
    return "year", [(str(y), years[str(y)]) for y in span]


def build_timeline(results: SearchResults, args: MultiDict) -> Timeline | None:
    """Return the timeline of the results, or None when nothing matches."""
    counts = Counter({v.value: v.count for v in results.facets.get("month", ()) if v.count})
    if not counts:
        return None
    unit, periods = _periods(counts)
    if counts[UNDATED]:
        periods.append((UNDATED, counts[UNDATED]))
    top = max(count for _, count in periods)
    chosen = set(args.getlist("month")) | set(args.getlist("year"))
    bars: list[Bar] = []
    x = 0
    for value, count in periods:
        if value == UNDATED and bars:
            x += UNDATED_GAP
        bars.append(_bar(unit, value, count, x, top, value in chosen, args, len(periods)))
        x += BAR + GAP
    return Timeline(unit, tuple(bars), max(x - GAP, 1), show_counts=len(periods) <= 24)


def _bar(unit: str, value: str, count: int, x: int, top: int, selected: bool, args: MultiDict,
         many: int) -> Bar:
    height = round(CHART_HEIGHT * count / top) if count else 0
    height = max(height, 2) if count else 0
    param, other = ("year", "month") if unit == "year" and value != UNDATED else ("month", "year")
    link = None
    if selected:
        link = links.toggle(args, param, value)
    elif count:
        link = links.only(args, param, value, other)
    noun = "article" if count == 1 else "articles"
    label = f"{period_label(value)}: {count} {noun}" + (" (selected)" if selected else "")
    tick, year_tick = _ticks(unit, value, x == 0, many)
    return Bar(value, count, x, CHART_TOP + CHART_HEIGHT - height, height, label, link, selected,
               tick, year_tick)


def _ticks(unit: str, value: str, first: bool, many: int) -> tuple[str, str]:
    if value == UNDATED:
        return "undated", ""
    if unit == "year":
        step = 1 if many <= 20 else 5
        return (value if first or int(value) % step == 0 else ""), ""
    month = int(value[5:])
    initial = MONTH_INITIALS[month - 1] if many <= 24 else ""
    return initial, value[:4] if first or month == 1 else ""
