"""Collection-level boilerplate (search/cleaner/collection.py): the lines one outlet's dumps share
are chrome, found when a folder is indexed, while another outlet's copy of a story keeps them."""

from __future__ import annotations

import json

from search.cleaner import clean_text
from search.cleaner.collection import Collection

from .cleaner_stories import STORIES
from .conftest import run

MENU = ["Harbour Gazette", "Home", "Local News", "Business Desk", "Sport Results", "Weather Today",
        "Letters to the Editor"]
FOOTER = ["Privacy Policy", "Terms of Use", "Contact the Newsroom", "Advertise With Us"]
# A sentence-shaped promo in the middle of each article: one dump alone cannot tell it from prose.
PROMO = ("Sign up to the Harbour Gazette morning briefing for the stories that matter across "
         "the county.")
OTHER_OUTLET = ["Valley Courier", "Front Page", "Farming", "Markets", "Rugby", "Obituaries",
                "Puzzles"]


def gazette(title: str, first: str, *rest: str) -> str:
    return "\n\n".join([*MENU, title, first, PROMO, *rest, *FOOTER]) + "\n"


def courier(title: str, *paragraphs: str) -> str:
    footer = "Valley Courier, all the news from the hills"
    return "\n\n".join([*OTHER_OUTLET, title, *paragraphs, footer]) + "\n"


def test_lines_an_outlets_dumps_share_are_chrome_and_another_outlets_copy_keeps_them():
    dumps = {f"gazette-{n}.txt": gazette(*story) for n, story in enumerate(STORIES)}
    # the Courier runs the Gazette's strike story word for word, and the Gazette's promo as a quote
    dumps["courier.txt"] = courier(STORIES[0][0], *STORIES[0][1:], PROMO)
    collection = Collection()
    for source, text in dumps.items():
        collection.add(source, text)
    assert [collection.outlet_size(source) for source in dumps] == [3, 3, 3, 1]
    assert not collection.same_outlet("gazette-0.txt", "courier.txt")

    alone = clean_text(dumps["gazette-0.txt"])
    grouped = clean_text(dumps["gazette-0.txt"], boilerplate=collection.boilerplate("gazette-0.txt",
                                                                                    dumps["gazette-0.txt"]))
    assert PROMO in alone.body
    assert PROMO not in grouped.body
    assert [b.reason for b in grouped.blocks if b.text == PROMO] == ["boilerplate"]
    assert all(paragraph in grouped.body for paragraph in STORIES[0][1:])

    assert collection.boilerplate("courier.txt", dumps["courier.txt"]) == frozenset()
    copy = clean_text(dumps["courier.txt"],
                      boilerplate=collection.boilerplate("courier.txt", dumps["courier.txt"]))
    assert all(paragraph in copy.body for paragraph in [*STORIES[0][1:], PROMO])


def test_a_lone_dump_is_unaffected():
    collection = Collection()
    collection.add("gazette-0.txt", gazette(*STORIES[0]))
    assert collection.boilerplate("gazette-0.txt", gazette(*STORIES[0])) == frozenset()
    assert collection.boilerplate("never-added.txt", gazette(*STORIES[0])) == frozenset()


def test_two_versions_of_one_story_keep_the_paragraphs_they_share():
    title, first, second, third = STORIES[0]
    update = (f"{title}: talks set for Monday",
              "Talks between the union and the owners are set for Monday.", first, second, third)
    dumps = [gazette(*story) for story in STORIES]
    dumps += [gazette(*update), gazette("Bridge closed for repairs", *STORIES[1][1:])]
    collection = Collection()
    for n, text in enumerate(dumps):
        collection.add(str(n), text)
    assert collection.outlet_size("0") == 5
    # the strike story and its update share three paragraphs: 2 of the outlet's 5 dumps, not chrome
    body = clean_text(dumps[3], boilerplate=collection.boilerplate("3", dumps[3])).body
    assert all(paragraph in body for paragraph in update[1:])
    assert PROMO not in body  # in all 5 dumps: chrome


def _bodies(runner, index) -> dict[str, str]:
    listed = json.loads(run(runner, "search", "--index", index, "--json", "--limit", "50").stdout)
    shown = (json.loads(run(runner, "show", hit["id"], "--index", index, "--json").stdout)
             for hit in listed["hits"])
    return {article["source"].rsplit("/", 1)[-1]: article["body"] for article in shown}


def test_indexing_a_folder_drops_what_the_outlets_dumps_share(runner, tmp_path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    for n, story in enumerate(STORIES[:2]):
        (folder / f"gazette-{n}.txt").write_text(gazette(*story), encoding="utf-8")
    copy = courier(STORIES[0][0], *STORIES[0][1:], PROMO)
    (folder / "courier.txt").write_text(copy, encoding="utf-8")
    index = tmp_path / "ix"
    first = run(runner, "index", folder, "--index", index, "--json")
    assert first.exit_code == 0, first.output
    bodies = _bodies(runner, index)
    assert PROMO not in bodies["gazette-0.txt"] and PROMO not in bodies["gazette-1.txt"]
    assert all(paragraph in bodies["gazette-0.txt"] for paragraph in STORIES[0][1:])
    assert PROMO in bodies["courier.txt"]

    again = json.loads(run(runner, "index", folder, "--index", index, "--json").stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)

    # a lone dump of the same outlet, indexed on its own, keeps the promo (nothing tells it apart)
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "gazette-2.txt").write_text(gazette(*STORIES[2]), encoding="utf-8")
    assert run(runner, "index", lone, "--index", tmp_path / "ix2").exit_code == 0
    assert PROMO in _bodies(runner, tmp_path / "ix2")["gazette-2.txt"]


def test_a_new_dump_that_shows_chrome_updates_the_outlets_other_dumps(runner, tmp_path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "gazette-0.txt").write_text(gazette(*STORIES[0]), encoding="utf-8")
    index = tmp_path / "ix"
    assert run(runner, "index", folder, "--index", index).exit_code == 0
    assert PROMO in _bodies(runner, index)["gazette-0.txt"]
    (folder / "gazette-1.txt").write_text(gazette(*STORIES[1]), encoding="utf-8")
    second = json.loads(run(runner, "index", folder, "--index", index, "--json").stdout)
    assert (second["added"], second["updated"], second["unchanged"]) == (1, 1, 0)
    assert all(PROMO not in body for body in _bodies(runner, index).values())
