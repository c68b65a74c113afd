"""The forms' cross-site guard (web/forms.py): a page on another port of 127.0.0.1 can set our
cookie (cookies are not kept apart by port) but cannot sign a value of its choice."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from search.watches import list_watches
from web import create_app

from .conftest import form_token

TOSSED = "A" * 43  # any well-formed value the other page chooses


def _saved(settings) -> list[str]:
    return [w.query for w in list_watches(settings.index_dir)]


def test_the_page_token_is_not_the_cookie_but_works_with_it(client, settings):
    token = form_token(client)
    cookie = client.get_cookie("newsfacet_form")
    assert cookie is not None and cookie.http_only and token != cookie.value
    response = client.post("/watches", data={"form_token": token, "q": "embassy"})
    assert response.status_code == 303
    assert _saved(settings) == ["embassy"]


@pytest.mark.parametrize("sent", [
    TOSSED,  # the double-submit of old: the cookie's own value
    # signed with keys an attacker might guess: none, empty, the cookie itself
    base64.urlsafe_b64encode(hashlib.sha256(b"newsfacet-form:" + TOSSED.encode()).digest())
    .rstrip(b"=").decode(),
    base64.urlsafe_b64encode(hmac.new(b"", b"newsfacet-form:" + TOSSED.encode(), "sha256").digest())
    .rstrip(b"=").decode(),
    base64.urlsafe_b64encode(hmac.new(TOSSED.encode(), b"newsfacet-form:" + TOSSED.encode(),
                                      "sha256").digest()).rstrip(b"=").decode(),
])
def test_a_tossed_cookie_with_a_matching_token_is_refused(client, settings, sent):
    token = form_token(client)
    client.post("/watches", data={"form_token": token, "q": "kept"})
    client.set_cookie("newsfacet_form", TOSSED)  # what the page on the other port does
    created = client.post("/watches", data={"form_token": sent, "q": "planted"})
    removed = client.post("/watches/1/remove", data={"form_token": sent})
    for response in (created, removed):
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "this form has expired or did not come from this site" in page
    assert _saved(settings) == ["kept"]


def test_after_a_tossed_cookie_a_reloaded_page_works_again(client, settings):
    """The visitor is not locked out: a well-formed tossed cookie is signed afresh on reload."""
    client.set_cookie("newsfacet_form", TOSSED)
    token = form_token(client)
    assert client.post("/watches", data={"form_token": token, "q": "embassy"}).status_code == 303


def test_a_token_from_another_server_secret_is_refused(settings, engine):
    """A server restarted (or another one) has a new secret: its old pages ask for a reload."""
    first = create_app({"TESTING": True, "SETTINGS": settings}).test_client()
    token = form_token(first)
    second = create_app({"TESTING": True, "SETTINGS": settings}).test_client()
    second.set_cookie("newsfacet_form", first.get_cookie("newsfacet_form").value)
    assert second.post("/watches", data={"form_token": token, "q": "x"}).status_code == 400
    assert first.post("/watches", data={"form_token": token, "q": "x"}).status_code == 303


def test_a_configured_secret_key_is_used(settings, engine):
    """With SECRET_KEY set, two apps (processes) accept each other's forms."""
    apps = [create_app({"TESTING": True, "SETTINGS": settings, "SECRET_KEY": "s" * 32})
            for _ in range(2)]
    first, second = (a.test_client() for a in apps)
    token = form_token(first)
    second.set_cookie("newsfacet_form", first.get_cookie("newsfacet_form").value)
    assert second.post("/watches", data={"form_token": token, "q": "x"}).status_code == 303


@pytest.mark.parametrize("cookie, sent", [
    ("", ""), ("short", "short"), ("é" * 43, "é" * 43), ("A" * 43, "é"), ("A" * 44, "A" * 44),
], ids=["empty", "short", "non-ascii", "non-ascii-token", "long"])
def test_malformed_cookies_and_tokens_are_a_400(client, settings, cookie, sent):
    form_token(client)
    client.set_cookie("newsfacet_form", cookie)
    assert client.post("/watches", data={"form_token": sent, "q": "x"}).status_code == 400
    assert _saved(settings) == []
