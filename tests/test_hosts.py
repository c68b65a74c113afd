"""The Host check (web/hosts.py): a loopback server answers only to its own address and the
names it is given, so a page whose name was rebound to 127.0.0.1 reads nothing; redirects
never carry a Host the client sent."""

from __future__ import annotations

import pytest

from search.config import Settings
from search.errors import ConfigError
from web import create_app
from web.security import HEADERS

REFUSED = "this server answers to"


def _client(settings, bind=None, allowed=None):
    config = {"TESTING": True, "SETTINGS": settings.with_(allowed_hosts=allowed)}
    if bind is not None:
        config["BIND"] = bind
    return create_app(config).test_client()


def _status(client, host, path="/api/search?q=embassy"):
    return client.get(path, headers={"Host": host}).status_code


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("LOCALHOST:8000", 200), ("[::1]:8000", 200),
    ("localhost:8001", 400), ("127.0.0.1", 400),  # another port, or 80 by default
    ("evil.example:8000", 400), ("localhost.evil.example:8000", 400),
    ("127.0.0.1.nip.io:8000", 400), ("2130706433:8000", 400), ("127.1:8000", 400),
    ("192.168.1.5:8000", 400),  # an address, but not the one bound
    ("", 400), ("localhost:", 400), ("localhost:80000", 400), ("localhost:8000:1", 400),
    ("local host:8000", 400), ("[::1:8000", 400), ("::1", 400), ("localhost:٨٠٠٠", 400),
    ("user@localhost:8000", 400), ("localhost:8000/x", 400),
])
def test_a_loopback_server_answers_only_to_its_address(settings, engine, host, status):
    client = _client(settings, bind=("127.0.0.1", 8000))
    assert _status(client, host) == status


def test_the_refusal_says_what_to_do_and_carries_the_headers(settings, engine):
    client = _client(settings, bind=("127.0.0.1", 8000))
    for path in ("/api/search?q=embassy", "/search?q=embassy", "/healthz", "/article/a1",
                 "/static/style.css", "/nope"):
        response = client.get(path, headers={"Host": '<b>evil</b>.example:8000'})
        assert response.status_code == 400, path
        text = response.get_data(as_text=True)
        assert REFUSED in text and "NEWSFACET_ALLOWED_HOSTS" in text
        assert "127.0.0.1:8000" in text and "localhost:8000" in text
        if response.mimetype == "text/html":
            assert "<b>evil" not in text and "&lt;b&gt;evil" in text
        else:
            assert response.mimetype == "application/json"
        for name, value in HEADERS.items():
            assert response.headers[name] == value, (path, name)


def test_without_a_known_port_loopback_names_on_any_port_pass(client):
    """Apps built without ``BIND`` (tests, a server on port 0): any port, loopback names only."""
    assert [_status(client, h) for h in ("localhost", "127.0.0.1:5123", "[::1]:1")] == [200] * 3
    assert _status(client, "evil.example") == 400


@pytest.mark.parametrize("allowed, host, status", [
    ("news.example.org", "news.example.org", 200),
    ("news.example.org", "NEWS.example.org:8443", 200),  # a name without port: any port
    ("news.example.org:443", "news.example.org:443", 200),
    ("news.example.org:443", "news.example.org:8000", 400),
    ("news.example.org", "evil.example:8000", 400),
    ("a.example, b.example", "b.example:8000", 200),
    ("*", "anything.example", 200),
    ("news.example.org", "localhost:8000", 200),  # the bound address stays allowed
])
def test_configured_names_are_allowed(settings, engine, allowed, host, status):
    client = _client(settings, bind=("127.0.0.1", 8000), allowed=allowed)
    assert _status(client, host) == status


def test_the_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSFACET_ALLOWED_HOSTS", "news.example.org")
    assert Settings.from_env().allowed_hosts == "news.example.org"


@pytest.mark.parametrize("bad", ["a b", "news.example.org:http", "[::1"])
def test_a_malformed_setting_is_a_clear_error(settings, bad, runner):
    with pytest.raises(ConfigError, match="NEWSFACET_ALLOWED_HOSTS"):
        _client(settings, allowed=bad)
    from search.cli import cli

    result = runner.invoke(cli, ["serve", "--index", settings.index_dir],
                           env={"NEWSFACET_ALLOWED_HOSTS": bad})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: NEWSFACET_ALLOWED_HOSTS")


@pytest.mark.parametrize("host, status", [
    ("192.168.1.5:8000", 200), ("10.0.0.7:8000", 200), ("[fe80::1]:8000", 200),
    ("localhost:8000", 200), ("myhost:8000", 400), ("192.168.1.5:9000", 400),
])
def test_a_server_on_every_address_takes_any_address_but_no_unlisted_name(settings, engine,
                                                                          host, status):
    client = _client(settings, bind=("0.0.0.0", 8000))
    assert _status(client, host) == status


def test_serve_tells_the_app_its_address(runner, settings, engine):
    from unittest import mock

    from search.cli import cli

    apps = []
    with mock.patch("web.server.serve", lambda app, *args: apps.append(app)):
        result = runner.invoke(cli, ["serve", "--index", settings.index_dir, "--port", "8123"])
    assert result.exit_code == 0, result.output
    client = apps[0].test_client()
    assert _status(client, "127.0.0.1:8123") == 200
    assert _status(client, "127.0.0.1:8000") == 400


@pytest.mark.parametrize("path, location", [
    ("/api//search?q=embassy", "/api/search?q=embassy"),
    ("/article//a1", "/article/a1"),
    ("/static//style.css", "/static/style.css"),
])
@pytest.mark.parametrize("allowed, host", [(None, "localhost:8000"), ("*", "evil.example:8000")])
def test_the_slash_merging_redirect_is_relative(settings, engine, path, location, allowed, host):
    client = _client(settings, bind=("127.0.0.1", 8000), allowed=allowed)
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 308
    assert response.headers["Location"] == location


def test_a_rebound_name_gets_no_redirect(settings, engine):
    client = _client(settings, bind=("127.0.0.1", 8000))
    response = client.get("/api//search?q=embassy", headers={"Host": "evil.example:8000"})
    assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("allowed", [None, "*"])
@pytest.mark.parametrize("host", ["x" * 300, "a..b", ".", "x" * 64 + ".example"],
                         ids=["long", "empty-label", "dot", "long-label"])
def test_a_host_werkzeug_cannot_read_is_a_400_not_a_500(settings, engine, allowed, host):
    """Found by bench/route_fuzz.py: such a Host leaves Flask without a URL adapter, and the
    error page's url_for failed (500)."""
    client = _client(settings, bind=("127.0.0.1", 8000), allowed=allowed)
    for path in ("/search?q=embassy", "/api/search?q=embassy", "/nope"):
        response = client.get(path, environ_overrides={"HTTP_HOST": host})
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:200])
        for name, value in HEADERS.items():
            assert response.headers[name] == value
