"""A bounded load generator for ``newsfacet serve`` on loopback: requests, errors, p50/p99.

Threads with keep-alive ``http.client`` connections send a mixed set of /search, /api/search,
/article and /api/articles URLs for a fixed time. Without ``--url`` it indexes the seeds into a
temporary folder and starts ``newsfacet serve`` (waitress, the production mode) itself.

    python -m bench.load                                  # 60 s, 32 connections, on the seeds
    python -m bench.load --duration 5 --connections 8
    python -m bench.load --url http://127.0.0.1:8000/ --index index/

Exits 1 if any request failed (a status other than 200, or a connection error).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator, Sequence
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("embassy", "militia", '"Popular Mobilization"', "title:embassy", "Baghdad OR Mosul",
           "rocket*", "iraq~", "")
MAX_ERRORS_SHOWN = 10


@dataclass
class LoadResult:
    """What one load run measured."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)

    def percentile(self, p: float, values: Sequence[float] | None = None) -> float:
        values = sorted(self.latencies if values is None else values)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(p / 100 * len(values)))]

    def summary(self) -> str:
        lines = [f"requests {self.requests}, errors {self.errors}, {self.seconds:.1f} s, "
                 f"{self.requests / max(self.seconds, 1e-9):.0f} req/s, "
                 f"p50 {self.percentile(50) * 1000:.1f} ms, "
                 f"p99 {self.percentile(99) * 1000:.1f} ms"]
        for kind, values in sorted(self.by_kind.items()):
            lines.append(f"  {kind:<14} {len(values):>7} requests  p50 "
                         f"{self.percentile(50, values) * 1000:7.1f} ms  p99 "
                         f"{self.percentile(99, values) * 1000:7.1f} ms")
        lines += [f"  error: {s}" for s in self.samples]
        return "\n".join(lines)


def _get(host: str, port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def mixed_urls(host: str, port: int, seed: int = 1) -> list[tuple[str, str]]:
    """Return (kind, path) pairs: searches, facet filters and every article, shuffled."""
    status, body = _get(host, port, "/api/search?per_page=100")
    if status != 200:
        raise SystemExit(f"cannot list articles: /api/search answered {status}")
    data = json.loads(body)
    ids = [hit["id"] for hit in data["hits"]]
    entities = [v["value"] for v in data["facets"].get("entity", [])][:5]
    urls = [("search", f"/search?q={quote(q)}") for q in QUERIES]
    urls += [("api_search", f"/api/search?q={quote(q)}") for q in QUERIES]
    urls += [("search", f"/search?entity={quote(e)}") for e in entities]
    urls += [("api_search", f"/api/search?q=embassy&entity={quote(e)}&sort=newest")
             for e in entities]
    urls += [("article", f"/article/{quote(i)}?q=embassy") for i in ids]
    urls += [("api_article", f"/api/articles/{quote(i)}") for i in ids]
    urls += [("search", "/"), ("healthz", "/healthz"), ("csv", "/api/search?q=embassy&format=csv")]
    random.Random(seed).shuffle(urls)
    return urls


def run_load(host: str, port: int, urls: Sequence[tuple[str, str]], *, duration: float,
             connections: int, headers: dict[str, str] | None = None,
             check=None) -> LoadResult:
    """Send ``urls`` round-robin from ``connections`` threads for ``duration`` seconds.

    ``check(kind, path, body)`` may return an error message for a 200 whose content is wrong.
    """
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker(offset: int) -> None:
        conn = None
        mine: list[tuple[str, float]] = []
        failures: list[str] = []
        for kind, path in itertools.islice(itertools.cycle(urls), offset, None):
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                body = response.read()
                problem = None if response.status == 200 else f"{response.status} on {path}"
                if problem is None and check is not None:
                    problem = check(kind, path, body)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc} on {path}"
                if conn is not None:
                    conn.close()
                conn = None
            mine.append((kind, time.perf_counter() - started))
            if problem:
                failures.append(problem)
        if conn is not None:
            conn.close()
        with lock:
            result.requests += len(mine)
            result.errors += len(failures)
            result.samples += failures[:MAX_ERRORS_SHOWN - len(result.samples)]
            for kind, seconds in mine:
                result.latencies.append(seconds)
                result.by_kind.setdefault(kind, []).append(seconds)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n * 7,), daemon=True)
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(host: str, port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _get(host, port, "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"newsfacet serve did not answer on {host}:{port} within {seconds:.0f} s")


@contextmanager
def serving(index_dir: str, *, threads: int = 8, env: dict[str, str] | None = None,
            log: list[str] | None = None, args: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """Start ``newsfacet serve`` (waitress) on a free loopback port; stop it on exit.

    The server's stderr goes to a temporary file (a pipe nobody reads would block the server
    once its buffer fills); ``log``, when given, receives its text after the server stops, so
    a test can show the traceback behind a 500. ``args`` go to the command (``--workers 2``).
    """
    port = free_port()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--index", index_dir, "--host", "127.0.0.1",
             "--port", str(port), "--threads", str(threads), *args],
            cwd=ROOT, env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_until_up("127.0.0.1", port)
            yield "127.0.0.1", port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if log is not None:
                stderr.seek(0)
                log.append(stderr.read())


def index_seeds(index_dir: str) -> None:
    subprocess.run([sys.executable, "-m", "search", "index", str(ROOT / "seeds"), "--index",
                    index_dir], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (default: start one on the seeds)")
    parser.add_argument("--index",
                        help="index to serve (default: the seeds, indexed to a temp dir)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--connections", type=int, default=32,
                        help="parallel connections (default 32)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads when we start it")
    args = parser.parse_args(argv)
    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error("load tests run against loopback only")
        return _report(parts.hostname, parts.port or 80, args)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index or os.path.join(tmp, "index")
        if not args.index:
            index_seeds(index_dir)
        with serving(index_dir, threads=args.threads) as (host, port):
            return _report(host, port, args)


def _report(host: str, port: int, args) -> int:
    urls = mixed_urls(host, port)
    print(f"{len(urls)} URLs, {args.connections} connections, {args.duration:.0f} s "
          f"against http://{host}:{port}/", flush=True)
    result = run_load(host, port, urls, duration=args.duration, connections=args.connections)
    print(result.summary())
    return 1 if result.errors or not result.requests else 0


if __name__ == "__main__":
    sys.exit(main())
