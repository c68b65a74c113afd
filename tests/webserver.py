"""A tiny web site on 127.0.0.1 for the ingest tests: pages, feeds, sitemaps and robots.txt,
with every request recorded (time, path, headers). Nothing leaves the machine."""

from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable

ROBOTS = "User-agent: *\nDisallow: /private/\n"


def article_html(title: str, *paragraphs: str, date: str | None = None,
                 site: str = "The Test Courier") -> str:
    """Return a news page the cleaner accepts: title, optional date, paragraphs, some chrome."""
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title} - {site}</title>"
            f"<meta property='og:title' content='{title}'><meta property='og:site_name' "
            f"content='{site}'>{meta}</head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>© {site}</footer></body></html>")


def story(title: str, topic: str, date: str | None = None) -> str:
    """Return an article page about ``topic`` with enough text to be indexed."""
    return article_html(
        title,
        f"Officials said on Tuesday that the {topic} would continue for several more weeks, "
        "after a meeting that lasted late into the evening and ended without a statement.",
        f"Residents told reporters that the {topic} had changed daily life in the city, and "
        "that shops near the river had closed early for most of the month.",
        "A spokesman for the regional council said further details would be published once "
        "the committee had reviewed the figures submitted by the contractors.",
        date=date)


def rss(items: list[tuple[str, str]], title: str = "Test feed") -> str:
    entries = "".join(f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
            f"</title><link>http://example.invalid/</link>{entries}</channel></rss>")


def atom(links: list[str]) -> str:
    entries = "".join(f'<entry><title>e</title><link rel="alternate" href="{link}"/></entry>'
                      for link in links)
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'


def sitemap(links: list[str]) -> str:
    urls = "".join(f"<url><loc>{link}</loc></url>" for link in links)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


def sitemap_index(links: list[str]) -> str:
    maps = "".join(f"<sitemap><loc>{link}</loc></sitemap>" for link in links)
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>')


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    etag: str | None = None
    hang: bool = False
    responses: list | None = None  # statuses to answer in turn before ``status`` (e.g. [503])
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


@dataclass
class Request:
    time: float
    path: str
    headers: dict
    status: int = 0


class Site:
    """The routes and the request log of one test server."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable] = {
            "/robots.txt": Route(ROBOTS.encode(), content_type="text/plain")}
        self.log: list[Request] = []
        self.release = threading.Event()
        self.base = ""

    def add(self, path: str, body: str | bytes = b"", **options) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            record = Request(time.monotonic(), self.path,
                             {k.lower(): v for k, v in self.headers.items()})
            site.log.append(record)
            route = site.routes.get(self.path)
            if route is None:
                return self._send(record, 404, "text/html", b"<html><body>not found</body></html>")
            if route.hang:
                site.release.wait(10)
            if route.responses:
                status = route.responses.pop(0)
                return self._send(record, status, "text/html", b"<html><body>busy</body></html>")
            if route.etag and record.headers.get("if-none-match") == route.etag:
                return self._send(record, 304, None, b"", {"ETag": route.etag})
            headers = dict(route.headers)
            if route.etag:
                headers["ETag"] = route.etag
                headers["Last-Modified"] = email.utils.formatdate(0, usegmt=True)
            self._send(record, route.status, route.content_type, route.body, headers,
                       route.no_length)

        def _send(self, record, status, content_type, body, headers=None, no_length=False) -> None:
            record.status = status
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if no_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # the client may have given up (size cap)

    return Handler


class Server:
    """A running test server; ``site`` holds its routes and request log."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.site = Site()
        self.httpd = ThreadingHTTPServer((host, 0), _handler(self.site))
        self.httpd.daemon_threads = True
        self.site.base = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.site.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
