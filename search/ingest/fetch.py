"""Fetches web pages as a good citizen: one clear user agent, a pause between two requests to
the same host, timeouts, retries with exponential backoff, robots.txt, and a size cap.

Every outcome is a value: a ``Response`` (200, or 304 for a conditional request) or a
``FetchFailure`` whose reason a user can read. Nothing here raises for a bad server or URL.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from importlib import metadata
from collections.abc import Callable, Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3

from .robots import Robots

logger = logging.getLogger(__name__)

# Where the project lives, named in the user agent so that site owners can find out who calls.
PROJECT_URL = "https://github.com/newsfacet/newsfacet"
REDIRECTS = 5
# robots.txt files are read up to this size, as RFC 9309 allows (Google reads 500 KiB).
ROBOTS_BYTES = 500_000
# A server's Retry-After is honoured up to this many seconds.
MAX_RETRY_AFTER = 60.0
# A site's Crawl-delay is honoured up to this many seconds.
MAX_CRAWL_DELAY = 60.0
CHUNK = 64 * 1024
_TRANSIENT_STATUS = {429, 500, 502, 503, 504}
_REDIRECT_STATUS = {301, 302, 303, 307, 308}


def default_user_agent() -> str:
    """Return ``newsfacet/<version> (+<project url>)``."""
    try:
        version = metadata.version("newsfacet")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"newsfacet/{version} (+{PROJECT_URL})"


@dataclass(frozen=True)
class Response:
    """A page fetched: 200 with its body, or 304 (not modified) without one."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: str  # ISO 8601, UTC, seconds

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


@dataclass(frozen=True)
class FetchFailure:
    """A URL we could not fetch, and why; ``transient`` failures may work another time."""

    url: str
    reason: str
    transient: bool = False


@dataclass
class _Host:
    next_request: float = 0.0
    delay: float = 0.0
    robots: Robots | None = None
    robots_failure: str | None = None
    robots_read: bool = False


@dataclass
class Fetcher:
    """Fetches URLs one at a time, pausing ``delay`` seconds between requests to one host.

    The pause runs from the end of one request to the start of the next, robots.txt and
    retries included, so a server never sees two of our requests closer than ``delay``.
    """

    user_agent: str = field(default_factory=default_user_agent)
    delay: float = 1.0
    timeout: float = 30.0
    retries: int = 2
    max_bytes: int = 20_000_000
    backoff: float | None = None  # first retry waits this long (default: the delay), then doubles
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    # Loopback, private, link-local and reserved addresses are refused unless this is set
    # (NEWSFACET_FETCH_PRIVATE): a crawler on a server must not reach the server's own network.
    allow_private: bool = False
    resolve: Callable[[str, int], list[str]] = field(
        default=lambda host, port: resolve_host(host, port))  # noqa: PLW0108 (defined below)

    def __post_init__(self) -> None:
        self._hosts: dict[str, _Host] = {}
        self._headers = {
            "User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        self._pool = urllib3.PoolManager(num_pools=20, retries=False)
        self._addresses: dict[tuple[str, int], str] = {}

    def close(self) -> None:
        self._pool.clear()

    def fetch(self, url: str, *, etag: str | None = None,
              last_modified: str | None = None) -> Response | FetchFailure:
        """Return the page at ``url`` (following redirects), or why it could not be had.

        With ``etag`` or ``last_modified`` the request is conditional, and an unchanged
        page comes back as a 304 Response with an empty body.
        """
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        current = url
        for _ in range(REDIRECTS + 1):
            problem = (check_url(current) or self._address_problem(current)
                       or self.disallowed(current))
            if problem:
                return FetchFailure(url,
                                    problem if current == url
                                    else f"redirected to {current}: {problem}")
            outcome = self._with_retries(current, conditional)
            if not isinstance(outcome, str):
                if isinstance(outcome, FetchFailure):
                    return FetchFailure(url, outcome.reason, outcome.transient)
                return Response(url, current, outcome.status, outcome.headers, outcome.body,
                                outcome.fetched_at)
            if is_private_url(outcome) and not is_private_url(current):
                return FetchFailure(url, f"redirected from a public address to a private or "
                                         f"local one ({outcome[:100]}): not followed")
            current = outcome  # a redirect: the next URL, checked (and resolved) above
        return FetchFailure(url, f"more than {REDIRECTS} redirects")

    def disallowed(self, url: str) -> str | None:
        """Return why robots.txt forbids ``url`` to us, or None if it may be fetched."""
        host = self._host(url)
        if not host.robots_read:
            self._read_robots(url, host)
        if host.robots_failure:
            return host.robots_failure
        if host.robots is not None and not host.robots.allowed(url):
            return "disallowed by robots.txt"
        return None

    # -- robots.txt ------------------------------------------------------------------------

    def _read_robots(self, url: str, host: _Host) -> None:
        """Fetch and parse the host's robots.txt once, as RFC 9309 says to treat it."""
        parts = urlsplit(url)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        host.robots_read = True
        current = robots_url
        for _ in range(REDIRECTS + 1):
            outcome = self._with_retries(current, {}, limit=ROBOTS_BYTES, truncate=True)
            if not isinstance(outcome, str):
                break
            current = outcome
            problem = check_url(current) or self._address_problem(current)
            if problem:
                outcome = FetchFailure(robots_url, problem)
                break
        else:
            outcome = FetchFailure(robots_url, "too many redirects")
        if isinstance(outcome, FetchFailure):
            if outcome.reason.startswith("HTTP 4") and not outcome.transient:
                return  # "unavailable": no rules, everything allowed
            host.robots_failure = (f"robots.txt could not be read ({outcome.reason}), "
                                   "so the site is not crawled")
            return
        host.robots = Robots.parse(outcome.body.decode("utf-8", errors="replace"), self.user_agent)
        if host.robots.crawl_delay:
            host.delay = min(host.robots.crawl_delay, MAX_CRAWL_DELAY)
            host.next_request = max(host.next_request, self.clock() + host.delay)

    # -- addresses -------------------------------------------------------------------------

    def _address_problem(self, url: str) -> str | None:
        """Return why the host of ``url`` must not be contacted, or None.

        The host is resolved here (numeric forms such as ``2130706433`` or ``127.1`` too), and
        every address it resolves to must be public unless ``allow_private``; the request then
        goes to the first address checked, never to a second lookup's answer.
        """
        try:
            outcome = self._checked_address(url)
        except ValueError as exc:
            return f"not a usable URL ({_short(exc)})"
        return None if _is_address(outcome) else outcome

    def _checked_address(self, url: str) -> str:
        """Return the address to connect to for ``url``, or a reason (not an address) why not."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        key = (host, port)
        if key in self._addresses:
            return self._addresses[key]
        try:
            addresses = self.resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            outcome = f"cannot resolve host {host[:100]!r} ({_short(exc)})"
        else:
            outcome = addresses[0] if addresses else f"host {host[:100]!r} has no address"
            blocked = [a for a in addresses if _private_address(a)]
            if blocked and not self.allow_private:
                outcome = (f"host {host[:100]!r} is a private, loopback, link-local or reserved "
                           f"address ({blocked[0]}): not fetched (NEWSFACET_FETCH_PRIVATE=1 "
                           "allows it)")
        self._addresses[key] = outcome
        return outcome

    # -- requests --------------------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        if key not in self._hosts:
            self._hosts[key] = _Host()
        return self._hosts[key]

    def _with_retries(self, url: str, headers: Mapping[str, str], *, limit: int | None = None,
                      truncate: bool = False) -> Response | FetchFailure | str:
        """Return a response, a failure, or the URL a redirect points to."""
        host = self._host(url)
        outcome: Response | FetchFailure | str = FetchFailure(url, "not fetched")
        for attempt in range(self.retries + 1):
            outcome, retry_after = self._once(url, headers, host, limit, truncate)
            if (not (isinstance(outcome, FetchFailure) and outcome.transient)
                or attempt == self.retries):
                break
            first = self.backoff if self.backoff is not None else max(self.delay, 0.05)
            wait = max(first * 2 ** attempt, retry_after or 0.0)
            logger.info("retrying %s in %.1f s: %s", url, wait, outcome.reason)
            host.next_request = max(host.next_request, self.clock() + wait)
        return outcome

    def _once(self, url: str, headers: Mapping[str, str], host: _Host, limit: int | None,
              truncate: bool) -> tuple[Response | FetchFailure | str, float | None]:
        wait = host.next_request - self.clock()
        if wait > 0:
            self.sleep(wait)
        self.requests += 1
        fetched_at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            return self._send(url, headers, limit, truncate, fetched_at)
        finally:
            host.next_request = self.clock() + max(self.delay, host.delay)

    def _send(self, url: str, headers: Mapping[str, str], limit: int | None, truncate: bool,
              fetched_at: str) -> tuple[Response | FetchFailure | str, float | None]:
        started = self.clock()
        try:
            address = self._checked_address(url)
        except ValueError as exc:
            return FetchFailure(url, f"not a usable URL ({_short(exc)})"), None
        if not _is_address(address):
            return FetchFailure(url, address), None
        try:
            raw = self._request(url, address, {**self._headers, **headers})
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the timeout error
            return FetchFailure(url, f"cannot connect ({_short(exc)})", True), None
        except urllib3.exceptions.TimeoutError:
            return FetchFailure(url, f"timed out after {self.timeout:g} s", True), None
        except urllib3.exceptions.HTTPError as exc:
            return FetchFailure(url, f"connection failed ({_short(exc)})", True), None
        except (ValueError, UnicodeError) as exc:
            return FetchFailure(url, f"not a usable URL ({_short(exc)})"), None
        try:
            return self._handle(url, raw, limit, truncate, fetched_at, started)
        finally:
            raw.release_conn()

    def _request(self, url: str, address: str, headers: Mapping[str, str]):
        """Send the GET to ``address`` (the one checked), naming the host in Host and SNI."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        pool_kwargs: dict = {}
        if scheme == "https":
            pool_kwargs = {"server_hostname": host, "assert_hostname": host}
        pool = self._pool.connection_from_host(address, port, scheme, pool_kwargs=pool_kwargs)
        default_port = (scheme, port) in (("http", 80), ("https", 443))
        named = f"[{host}]" if ":" in host else host
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        return pool.urlopen("GET", target,
                            headers={"Host": named if default_port else f"{named}:{port}",
                                     **headers},
                            redirect=False, retries=False, preload_content=False,
                            decode_content=True, assert_same_host=False,
                            timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout))

    def _handle(self, url: str, raw, limit: int | None, truncate: bool, fetched_at: str,
                started: float) -> tuple[Response | FetchFailure | str, float | None]:
        status = raw.status
        headers = {k.lower(): v for k, v in raw.headers.items()}
        if status in _REDIRECT_STATUS and headers.get("location"):
            raw.close()
            return urljoin(url, headers["location"].strip()), None
        if status in _TRANSIENT_STATUS:
            raw.close()
            return FetchFailure(url, f"HTTP {status} {_phrase(raw)}", True), _retry_after(headers)
        if status == 304:
            return Response(url, url, 304, headers, b"", fetched_at), None
        if status != 200:
            raw.close()
            return FetchFailure(url, f"HTTP {status} {_phrase(raw)}".strip()), None
        return self._read_body(url, raw, headers, limit, truncate, fetched_at, started), None

    def _read_body(self, url: str, raw, headers: dict[str, str], limit: int | None,
                   truncate: bool, fetched_at: str, started: float) -> Response | FetchFailure:
        limit = self.max_bytes if limit is None else limit
        too_large = FetchFailure(url, f"response is over the limit of {limit:,} bytes "
                                      "(raise NEWSFACET_MAX_FILE_BYTES to fetch it)")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not truncate:
            raw.close()
            return too_large
        chunks, size = [], 0
        # The read timeout counts between bytes; a server dripping bytes must stop somewhere.
        deadline = started + 4 * self.timeout
        try:
            for chunk in raw.stream(CHUNK):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raw.close()
                    if truncate:
                        break
                    return too_large
                if self.clock() > deadline:
                    raw.close()
                    return FetchFailure(url,
                                        f"timed out after {4 * self.timeout:g} s reading the page",
                                        True)
        except urllib3.exceptions.TimeoutError:
            return FetchFailure(url, f"timed out after {self.timeout:g} s", True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return FetchFailure(url, f"connection broke while reading ({_short(exc)})", True)
        return Response(url, url, 200, headers, b"".join(chunks)[:limit], fetched_at)


def check_url(url: str) -> str | None:
    """Return why ``url`` cannot be fetched (not http/https, no host), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        return f"not a usable URL ({_short(exc)})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme or 'missing'!r})"
    if not parts.hostname:
        return "not a usable URL (no host)"
    return None


def is_private_url(url: str) -> bool:
    """Return whether a URL names this machine or a private network (by name or address)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def resolve_host(host: str, port: int) -> list[str]:
    """Return every address ``host`` resolves to (numeric forms as the C library reads them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _private_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_multicast or address.is_unspecified)


def _phrase(raw) -> str:
    return (raw.reason or "").strip()[:60]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # urllib3 wraps errors as "<...HTTPConnection object at 0x...>: Failed to ..."; keep the end.
    return text.rsplit(">: ", 1)[-1][:120]


__all__ = ["Fetcher", "FetchFailure", "Response", "check_url", "default_user_agent",
           "is_private_url"]
