"""Saving a search from the page in a real browser (Debian's Chromium), with JavaScript off."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from search.config import Settings
from search.engines import open_engine

from .conftest import ARTICLES

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install "
                              "chromium)"),
]


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    from web import create_app

    settings = Settings(index_dir=str(tmp_path / "index"))
    engine = open_engine(settings, create=True)
    engine.upsert(ARTICLES)
    engine.close()
    httpd = make_server("127.0.0.1", 0, create_app({"SETTINGS": settings}), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


def test_save_run_and_remove_a_search_without_javascript(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_context(java_script_enabled=False).new_page()
        violations = []
        page.on("console",
                lambda m: violations.append(m.text) if "Content Security Policy" in m.text
                else None)
        page.goto(server + "/search?q=embassy&outlet=Reuters")
        page.get_by_role("button", name="Save this search").click()
        page.wait_for_url(re.compile(r"/watches\?saved=1$"))
        assert "Saved as search 1." in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "watches.png"))
        page.get_by_role("link", name='"embassy" outlet=Reuters').click()
        page.wait_for_url(re.compile(r"/search\?q=embassy&outlet=Reuters$"))
        assert page.locator("li.hit").count() == 2
        page.goto(server + "/watches")
        page.get_by_role("button", name="Remove").click()
        page.wait_for_url(re.compile(r"/watches$"))
        assert "No saved searches yet" in page.inner_text("main")
        assert violations == []
        browser.close()
