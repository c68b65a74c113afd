"""Entity filters in a real browser (issue 16, acceptance 5): "all of" the selected entities
and an unknown entity's answer, on Debian's Chromium driven by Playwright.

Uses conftest's ``seeds_server`` (the seeds and the hostile pages) and ``browser``, as
tests/test_browser.py does, and its page helpers.
"""

from __future__ import annotations

import re

from .conftest import BROWSER
from .test_browser import DESKTOP, Watch, api, shown_total, url_params

pytestmark = BROWSER

GROUPS = ("Kataib Hezbollah", "Asaib Ahl al-Haq")


def _counts(page, group: str) -> dict[str, int]:
    items = page.locator(f"fieldset[data-group={group}] li")
    return {items.nth(i).locator(".value").inner_text():
            int(items.nth(i).locator(".count").inner_text()) for i in range(items.count())}


def test_all_of_the_selected_entities(seeds_server, browser):
    either = api(seeds_server, entity=list(GROUPS))
    both = api(seeds_server, entity=list(GROUPS), entity_match="all")
    assert 0 < both["total"] < either["total"]  # the case tells "all" from "any"
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    watch = Watch(context, seeds_server)
    page = watch.page
    page.goto(seeds_server + "/search")

    # Tick both groups (each tick applies at once), then ask for articles naming both.
    for name in GROUPS:
        page.locator(f"fieldset[data-group=group] li:has(.value:text-is('{name}')) input").check()
        page.wait_for_url(re.compile(re.escape(name.split()[0])))
    assert shown_total(page) == either["total"]
    page.select_option("#entity-match", "all")
    page.wait_for_url(re.compile(r"entity_match=all"))
    assert ("entity_match", "all") in url_params(page)
    assert shown_total(page) == both["total"]
    # Counts now count within the intersection: each selected group names every match.
    groups = _counts(page, "group")
    assert all(groups[name] == both["total"] for name in GROUPS)
    assert groups == {v["value"]: v["count"] for v in both["facets"]["entity"]
                      if v.get("type") == "group"}
    assert "articles naming all of the entities" in page.locator("ul.chips.active").inner_text()

    # The chip row's link goes back to any of them; saving keeps "all of".
    page.locator("li.entity-match-mode a").click()
    page.wait_for_url(lambda url: "entity_match" not in url)
    assert shown_total(page) == either["total"]
    page.select_option("#entity-match", "all")
    page.wait_for_url(re.compile(r"entity_match=all"))
    page.locator("form.watch button").click()
    page.wait_for_url(re.compile(r"/watches\?saved="))
    assert "entity_match=all" in page.locator("main").inner_text()
    watch.assert_safe()
    context.close()


def test_unknown_entity_filter_in_the_browser(seeds_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    watch = Watch(context, seeds_server)
    page = watch.page
    response = page.goto(seeds_server + "/search?q=embassy&entity=Kataib+Hezbolah")
    assert response.status == 400
    assert page.locator("p.error").inner_text() == \
        "no entity 'Kataib Hezbolah'; did you mean Kataib Hezbollah?"
    hint = page.locator(".add-entity").inner_text()
    assert 'newsfacet entities add "Kataib Hezbolah" --type' in hint
    # The rest of the search is shown (not a silent 0), and the suggestion is one click away.
    assert shown_total(page) == api(seeds_server, q="embassy")["total"] > 0
    page.locator(".entity-suggestions a").click()
    page.wait_for_url(re.compile(r"entity=Kataib\+Hezbollah"))
    assert shown_total(page) == api(seeds_server, q="embassy", entity="Kataib Hezbollah")["total"]
    assert page.locator("p.error").count() == 0
    # The console reports the 400 page itself; nothing else may appear.
    assert watch.problems[:1] == ["Failed to load resource: the server responded with a status "
                                  "of 400 (BAD REQUEST)"]
    del watch.problems[:1]
    watch.assert_safe()
    context.close()
