"""Saving a search from the page in a real browser (Debian's Chromium), with JavaScript off."""

from __future__ import annotations

import re

from .conftest import BROWSER

pytestmark = BROWSER


def test_save_run_and_remove_a_search_without_javascript(app_server, browser, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    violations = []
    page.on("console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(app_server + "/search?q=embassy&outlet=Reuters")
    page.get_by_role("button", name="Save this search").click()
    page.wait_for_url(re.compile(r"/watches\?saved=1$"))
    assert "Saved as search 1." in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "watches.png"))
    page.get_by_role("link", name='"embassy" outlet=Reuters').click()
    page.wait_for_url(re.compile(r"/search\?q=embassy&outlet=Reuters$"))
    assert page.locator("li.hit").count() == 2
    page.goto(app_server + "/watches")
    page.get_by_role("button", name="Remove").click()
    page.wait_for_url(re.compile(r"/watches$"))
    assert "No saved searches yet" in page.inner_text("main")
    assert violations == []
    context.close()
