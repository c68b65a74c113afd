"""The Host check: answer only requests addressed to this server by a name we know.

DNS rebinding is how a web page reaches a server on 127.0.0.1: the attacker's name is made to
resolve to 127.0.0.1, and the browser, thinking it still talks to the attacker's site, sends
``Host: attacker.example:8000`` and lets the page read the answers. So a request whose Host is
not the bound address (``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``) or a name set in
NEWSFACET_ALLOWED_HOSTS gets a 400 before any route runs.

When the server listens on every address (``--host 0.0.0.0``), any IP address at the port is
accepted as well: a browser sends an IP address as Host only when the page's own origin is that
address, so no name was rebound. A name (a proxy's, the machine's) must be listed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnknownHost(BadRequest):
    """400 for a request addressed to a name this server does not answer to."""


@dataclass(frozen=True)
class HostRule:
    """The names a server answers to: loopback and bound names at ``port`` (any port when
    None), every IP address when bound to a wildcard, and the configured names."""

    port: int | None = None
    names: frozenset[str] = frozenset(LOOPBACK_NAMES)
    any_address: bool = False
    configured: frozenset[tuple[str, int | None]] = frozenset()
    anything: bool = False

    def allows(self, host: str, port: int) -> bool:
        """Return whether ``host`` (lower case, IPv6 without brackets) at ``port`` is ours."""
        if self.anything or (host, port) in self.configured or (host, None) in self.configured:
            return True
        if self.port is not None and port != self.port:
            return False
        return host in self.names or (self.any_address and _is_address(host))

    def described(self) -> str:
        suffix = "" if self.port is None else f":{self.port}"
        shown = [f"[{n}]{suffix}" if ":" in n else f"{n}{suffix}" for n in sorted(self.names)]
        shown += [f"{n}:{p}" if p is not None else n for n, p in sorted(
            self.configured, key=lambda item: (item[0], item[1] or 0))]
        return ", ".join(shown)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_host(value: str, default_port: int) -> tuple[str, int] | None:
    """Return (name in lower case, port) of a Host header, or None when it is malformed."""
    value = value.strip()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    elif ":" in value:
        return None  # an IPv6 address without brackets: not a valid Host
    else:
        name, port_text = value, None
    if not name or not name.isascii() or any(c in name for c in " \t\r\n/\\@?#%"):
        return None
    if port_text is None:
        return name.lower(), default_port
    if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5 \
            or int(port_text) > 65535:
        return None
    return name.lower(), int(port_text)


def build_rule(bound: tuple[str, int] | None, allowed: Iterable[str]) -> HostRule:
    """Return the rule for a server bound to ``bound`` (host, port; None when not known, as in
    tests, or port 0) with the configured ``allowed`` names (``name``, ``name:port`` or ``*``)."""
    configured: set[tuple[str, int | None]] = set()
    anything = False
    for raw in allowed:
        entry = raw.strip()
        if entry == "*":
            anything = True
        elif entry:
            parsed = split_host(entry, -1)
            if parsed is None:
                from search.errors import ConfigError

                raise ConfigError(f"NEWSFACET_ALLOWED_HOSTS: {entry!r} is not a host name "
                                  "(write name or name:port, comma-separated)")
            name, given_port = parsed
            configured.add((name, None if given_port == -1 else given_port))
    names = set(LOOPBACK_NAMES)
    port: int | None = None
    any_address = False
    if bound is not None:
        host, bound_port = bound
        port = bound_port or None
        host = host.strip("[]").lower()
        any_address = host in WILDCARDS
        if not any_address:
            names.add(host)
    return HostRule(port=port, names=frozenset(names), any_address=any_address,
                    configured=frozenset(configured), anything=anything)


def check_host() -> None:
    """Before each request: refuse, with a 400, a Host that is not one of ours."""
    rule: HostRule = current_app.extensions["newsfacet_hosts"]
    if rule.anything:
        return
    given = request.environ.get("HTTP_HOST")
    if given is None:  # HTTP/1.0 without Host: not a browser, nothing was rebound
        return
    parsed = split_host(given, _DEFAULT_PORTS.get(request.scheme, 80))
    if parsed is not None and rule.allows(*parsed):
        return
    shown = given if len(given) <= 100 else given[:100] + "…"
    raise UnknownHost(f"this server answers to {rule.described()}, not to Host {shown!r}: "
                      "to use another name (a proxy's, this machine's), list it in "
                      "NEWSFACET_ALLOWED_HOSTS (comma-separated, name or name:port)")


def init_app(app: Flask) -> None:
    """Build the rule from the app's ``BIND`` (set by ``newsfacet serve``) and settings."""
    settings = app.config["SETTINGS"]
    allowed = (settings.allowed_hosts or "").split(",")
    app.extensions["newsfacet_hosts"] = build_rule(app.config.get("BIND"), allowed)
    app.before_request(check_host)
