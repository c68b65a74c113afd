"""Talking to a Typesense server or cluster: node list, retries across nodes, our errors.

The ``typesense`` client is used with one client per node and no retries of its own, so that
this module decides what a failure means: a node that refuses connections or answers 5xx
(a Raft election in progress, "Not Ready or Lagging") is skipped and the next one tried, with
backoff, until a deadline; a wrong API key stops at once. Every failure reaches callers as one
of our errors, never as a client or ``requests`` exception: this is the one place the engine
maps them (``Connection.call``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from ...errors import ConfigError, EngineUnavailable, IndexCorrupt, IndexMissing, QueryError

logger = logging.getLogger(__name__)

# A Raft election after a leader dies takes a few seconds here (heartbeats every 1 s); reads
# and writes keep retrying across nodes for this long before giving up.
RETRY_SECONDS = 30.0
# When no node accepts connections at all the server is simply down: say so quickly.
DOWN_ROUNDS = 2
REQUEST_TIMEOUT = 30.0
KEY_HINT = "check NEWSFACET_TYPESENSE_API_KEY (or the key in NEWSFACET_TYPESENSE_CONFIG)"
_RAISE = object()  # ``missing`` not given: a 404 is an IndexMissing


@dataclass(frozen=True)
class Node:
    """One Typesense node's address."""

    protocol: str
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"


def parse_nodes(text: str) -> tuple[Node, ...]:
    """Return the nodes of a comma-separated list of ``http://host:port``; raise ConfigError."""
    nodes = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        parts = urlsplit(item if "://" in item else "http://" + item)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 8108)
        except ValueError:
            port = None
        if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
            raise ConfigError(f"bad Typesense node {item!r} in NEWSFACET_TYPESENSE_NODES: "
                              "give comma-separated http://host:port addresses")
        nodes.append(Node(parts.scheme, parts.hostname, port))
    if not nodes:
        raise ConfigError("NEWSFACET_TYPESENSE_NODES names no node: give comma-separated "
                          "http://host:port addresses")
    return tuple(nodes)


MISSING_EXTRA = ("the Typesense engine needs the typesense extra: pip install -e '.[typesense]' "
                 "(or pip install 'newsfacet[typesense]'), or use --engine whoosh")


class Connection:
    """Requests to whichever node of the cluster answers, with retries and our errors."""

    def __init__(self, nodes: Sequence[Node], api_key: str, *,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        try:
            import typesense
        except ImportError as exc:
            raise ConfigError(MISSING_EXTRA) from exc

        if not api_key:
            raise ConfigError("the Typesense engine needs an API key: set "
                              "NEWSFACET_TYPESENSE_API_KEY (or NEWSFACET_TYPESENSE_CONFIG, a file "
                              "holding it)")
        self.nodes = tuple(nodes)
        self.retry_seconds = retry_seconds
        self._clients = [typesense.Client({
            "nodes": [{"host": n.host, "port": n.port, "protocol": n.protocol}],
            "api_key": api_key, "num_retries": 0, "retry_interval_seconds": 0,
            "connection_timeout_seconds": REQUEST_TIMEOUT}) for n in self.nodes]
        self._next = random.randrange(len(self.nodes))
        self.failures = 0  # node attempts that failed and were retried elsewhere (for tests)
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return ", ".join(n.url for n in self.nodes)

    def call(self, func: Callable[[Any], Any], what: str, *, missing: Any = _RAISE,
             exists_ok: bool = False, deadline: float | None = None) -> Any:
        """Return ``func(client)`` from the first node that answers; raise our errors.

        ``func`` gets a ``typesense.Client`` bound to one node. Answers about the request
        itself become: 404 ``missing`` (raised if it is an exception, else returned; by default
        an IndexMissing), 409 None with ``exists_ok`` (else EngineUnavailable), 400 QueryError,
        422 IndexCorrupt (a document the collection's schema refuses).
        """
        import requests
        from typesense import exceptions as tx

        retryable = (requests.RequestException, tx.ServerError, tx.ServiceUnavailable,
                     tx.HTTPStatus0Error, tx.Timeout)
        stop = time.monotonic() + (self.retry_seconds if deadline is None else deadline)
        delay, attempt, refused_rounds, last = 0.05, 0, 0, None
        while True:
            refused = 0
            for _ in range(len(self.nodes)):
                index = self._take()
                try:
                    return func(self._clients[index])
                except (tx.RequestUnauthorized, tx.RequestForbidden) as exc:
                    raise EngineUnavailable(f"the Typesense server at {self.nodes[index].url} "
                                            f"refused the API key — {KEY_HINT}") from exc
                except retryable as exc:
                    last = exc
                    self.failures += 1
                    refused += _refused(exc)
                    logger.debug("%s on %s failed: %s", what, self.nodes[index].url, exc)
                except tx.ObjectNotFound as exc:
                    if missing is _RAISE:
                        raise IndexMissing(f"Typesense at {self.nodes[index].url} found nothing "
                                           f"for {what}: {exc}") from exc
                    if isinstance(missing, BaseException):
                        raise missing from None
                    return missing
                except tx.ObjectAlreadyExists as exc:
                    if exists_ok:
                        return None
                    raise EngineUnavailable(f"Typesense refused {what}: {exc}") from exc
                except tx.RequestMalformed as exc:
                    raise QueryError(f"Typesense cannot run {what}: {exc}") from exc
                except tx.ObjectUnprocessable as exc:
                    raise IndexCorrupt(f"Typesense refused {what}: {exc} — the collection may "
                                       "have an older schema; delete it and index again") from exc
                except tx.TypesenseClientError as exc:  # an unmapped status (e.g. 502): retried
                    last = exc
            attempt += 1
            refused_rounds = refused_rounds + 1 if refused == len(self.nodes) else 0
            if refused_rounds >= DOWN_ROUNDS or time.monotonic() + delay > stop:
                raise self._unavailable(what, last, refused_rounds >= DOWN_ROUNDS)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _take(self) -> int:
        with self._lock:
            index = self._next
            self._next = (self._next + 1) % len(self.nodes)
            return index

    def _unavailable(self, what: str, exc: Exception | None, down: bool) -> EngineUnavailable:
        if down:
            return EngineUnavailable(f"cannot reach the Typesense server at {self.where} — start "
                                     "it, or set NEWSFACET_TYPESENSE_NODES to where it runs")
        detail = str(exc).strip() or type(exc).__name__
        return EngineUnavailable(f"the Typesense cluster at {self.where} did not answer {what} "
                                 f"within {self.retry_seconds:.0f} s ({detail[:120]}) — check "
                                 "that a majority of its nodes is up")

    def close(self) -> None:
        self._clients = []


def _refused(exc: Exception) -> bool:
    """Whether nothing listens at the node (not a connection dropped mid-request, which a
    follower does while its leader is gone)."""
    import requests

    return isinstance(exc, requests.ConnectionError) and (
        "refused" in str(exc).lower() or "NewConnectionError" in str(exc))
