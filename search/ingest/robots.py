"""robots.txt as RFC 9309 reads it: our group, ``*`` and ``$`` in paths, the longest rule wins.

Python's ``urllib.robotparser`` is not enough for news sites: it compares plain prefixes (so
``Disallow: /*?share=`` or ``Disallow: /*.pdf$`` never match) and lets the first rule win
rather than the most specific one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# A robots.txt with more rules than this is cut there (RFC 9309 lets crawlers limit size).
MAX_RULES = 10_000
MAX_PATTERN = 2_000


@dataclass(frozen=True)
class Robots:
    """The rules of one robots.txt that apply to one user agent."""

    rules: tuple[tuple[str, bool], ...] = ()  # (pattern, allowed)
    crawl_delay: float | None = None

    @classmethod
    def parse(cls, text: str, agent: str) -> Robots:
        """Return the rules for ``agent`` (its product token, e.g. ``newsfacet``)."""
        token = agent.split("/", 1)[0].strip().lower()
        groups = _groups(text)
        mine = [g for g in groups if token in g.agents]
        chosen = mine or [g for g in groups if "*" in g.agents]
        rules = tuple(rule for g in chosen for rule in g.rules)[:MAX_RULES]
        delays = [g.delay for g in chosen if g.delay is not None]
        return cls(rules, delays[0] if delays else None)

    def allowed(self, url: str) -> bool:
        """Return whether the URL's path (and query) may be fetched."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return True
        best: tuple[int, bool] | None = None
        for pattern, allow in self.rules:
            if _matches(pattern, path):
                key = (len(pattern), allow)  # longest wins; on a tie, allow wins
                if best is None or key > best:
                    best = key
        return True if best is None else best[1]


@dataclass
class _Group:
    agents: set[str] = field(default_factory=set)
    rules: list[tuple[str, bool]] = field(default_factory=list)
    delay: float | None = None


def _groups(text: str) -> list[_Group]:
    groups: list[_Group] = []
    current: _Group | None = None
    in_agents = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if current is None or not in_agents:
                current = _Group()
                groups.append(current)
            current.agents.add(value.split("/", 1)[0].strip().lower())
            in_agents = True
            continue
        in_agents = False
        if current is None:
            continue
        if key in ("allow", "disallow") and value and len(value) <= MAX_PATTERN:
            current.rules.append((_normal(value), key == "allow"))
        elif key == "crawl-delay":
            with contextlib.suppress(ValueError):
                current.delay = max(float(value), 0.0)
    return groups


def _normal(pattern: str) -> str:
    """Return the pattern with runs of ``*`` folded (they match the same) and a leading ``/``."""
    while "**" in pattern:
        pattern = pattern.replace("**", "*")
    return pattern if pattern.startswith(("/", "*")) else "/" + pattern


def _matches(pattern: str, path: str) -> bool:
    """Return whether the path starts with the pattern (``*`` any run, ``$`` the end).

    A two-pointer walk, linear for ordinary patterns and never exponential (a regular
    expression with many ``.*`` can backtrack for minutes on a long URL).
    """
    anchored = pattern.endswith("$")
    if anchored:
        pattern = pattern[:-1]
    else:
        pattern += "*"
    path, pattern = unquote(path), unquote(pattern)  # "%7E" and "~" are the same path
    p = s = 0
    star = mark = -1
    while s < len(path):
        if p < len(pattern) and pattern[p] != "*" and pattern[p] == path[s]:
            p += 1
            s += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, s
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            s = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


__all__ = ["Robots"]
