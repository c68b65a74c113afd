"""Server down, wrong key, no key, no collection, bad query: one ``Error:`` line in the CLI,
a 503 (or 400) with a message in the web front end, never a traceback (issue 7, point 3)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.config import Settings
from search.engines import open_engine
from search.engines.typesense.local import free_port
from web import create_app

from .conftest import ARTICLES, TYPESENSE_KEY

pytestmark = pytest.mark.typesense


def _env(url: str, key: str | None, collection: str = "articles", **more) -> dict:
    env = {"NEWSFACET_ENGINE": "typesense", "NEWSFACET_TYPESENSE_NODES": url,
           "NEWSFACET_TYPESENSE_API_KEY": key, "NEWSFACET_TYPESENSE_COLLECTION": collection,
           "NEWSFACET_TYPESENSE_CONFIG": None, "NEWSFACET_INDEX": None}
    env.update(more)
    return env


@pytest.fixture
def filled(typesense_settings):
    engine = open_engine(typesense_settings, create=True)
    engine.upsert(ARTICLES)
    engine.close()
    return typesense_settings


def _one_error_line(result, starts: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr
    assert "Traceback" not in result.output


DOWN = "Error: cannot reach the Typesense server at http://127.0.0.1:"
BAD_KEY = "Error: the Typesense server at http://127.0.0.1:"


@pytest.mark.parametrize("args", [["search", "embassy"], ["stats"], ["show", "a1"],
                                  ["remove", "a1"], ["index", "seeds"]])
def test_cli_says_the_server_is_down(args):
    result = CliRunner().invoke(cli, args, env=_env(f"http://127.0.0.1:{free_port()}", "k"))
    _one_error_line(result, DOWN)
    assert "NEWSFACET_TYPESENSE_NODES" in result.stderr


@pytest.mark.parametrize("args", [["search", "embassy"], ["stats"], ["show", "a1"]])
def test_cli_says_the_key_is_wrong(filled, args):
    result = CliRunner().invoke(cli, args, env=_env(filled.typesense_nodes, "wrong-key",
                                                    filled.typesense_collection))
    _one_error_line(result, BAD_KEY)
    assert "refused the API key" in result.stderr and "wrong-key" not in result.stderr


def test_cli_asks_for_a_key(typesense_server):
    result = CliRunner().invoke(cli, ["search", "x"], env=_env(typesense_server.url, None))
    _one_error_line(result, "Error: the Typesense engine needs an API key")


def test_cli_says_the_collection_is_missing(typesense_server):
    result = CliRunner().invoke(cli, ["search", "x"],
                                env=_env(typesense_server.url, TYPESENSE_KEY, "nosuchcollection"))
    _one_error_line(result, "Error: no collection 'nosuchcollection' on the Typesense server")


@pytest.mark.parametrize("query, message", [
    ("oil OR gas", "Error: OR is not supported on the Typesense engine"),
    ("embass*", "Error: wildcards (word*, w?rd) is not supported on the Typesense engine"),
    ("embasy~", "Error: fuzzy terms (word~) is not supported on the Typesense engine"),
    ("NOT embassy", "Error: a query of only NOT words is not supported on the Typesense engine"),
    ("title:embassy staff", "Error: restricting only part of the query to a field"),
])
def test_cli_refuses_what_typesense_cannot_express(filled, query, message):
    result = CliRunner().invoke(cli, ["search", query], env=_env(
        filled.typesense_nodes, TYPESENSE_KEY, filled.typesense_collection))
    _one_error_line(result, message)


def test_cli_reads_the_key_from_a_config_file(filled, tmp_path):
    config = tmp_path / "typesense.env"
    config.write_text(f"# newsfacet on Typesense\nNEWSFACET_TYPESENSE_API_KEY={TYPESENSE_KEY}\n"
                      f"NEWSFACET_TYPESENSE_NODES={filled.typesense_nodes}\n")
    env = _env("http://127.0.0.1:1", None, filled.typesense_collection,
               NEWSFACET_TYPESENSE_CONFIG=str(config), NEWSFACET_TYPESENSE_NODES=None)
    result = CliRunner().invoke(cli, ["search", "embassy", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.stdout
    config.write_text("NEWSFACET_TYPESENSE_KEY=typo\n")
    _one_error_line(CliRunner().invoke(cli, ["search", "embassy"], env=env),
                    f"Error: {config}:1: expected NAME=value")


def test_no_command_takes_the_key_as_an_option():
    for name, command in cli.commands.items():
        assert not any("key" in opt for p in command.params for opt in getattr(p, "opts", [])), name


def _app(settings: Settings):
    return create_app({"TESTING": True, "SETTINGS": settings}).test_client()


@pytest.mark.parametrize("path", ["/", "/search?q=embassy", "/api/search?q=embassy",
                                  "/article/a1", "/api/articles/a1", "/healthz",
                                  "/api/search?q=embassy&format=csv"])
def test_web_answers_503_when_the_server_is_down(path):
    client = _app(Settings(engine="typesense", typesense_api_key="k",
                           typesense_nodes=f"http://127.0.0.1:{free_port()}"))
    response = client.get(path)
    assert response.status_code == 503
    assert b"cannot reach the Typesense server" in response.data
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("path", ["/search?q=embassy", "/api/search?q=embassy", "/healthz"])
def test_web_answers_503_for_a_wrong_key(filled, path):
    from dataclasses import replace

    response = _app(replace(filled, typesense_api_key="wrong")).get(path)
    assert response.status_code == 503
    assert b"refused the API key" in response.data


def test_web_shows_the_query_error_and_still_browses(filled):
    client = _app(filled)
    page = client.get("/search?q=oil+OR+gas")
    assert page.status_code == 400 and b"OR is not supported on the Typesense engine" in page.data
    api = client.get("/api/search?q=embassy")
    assert api.status_code == 200 and api.get_json()["total"] == 2


def test_every_command_works_unchanged_on_typesense(typesense_settings, seeds_copy):
    """index, search, stats, show, remove through NEWSFACET_ENGINE=typesense, as with Whoosh."""
    env = _env(typesense_settings.typesense_nodes, TYPESENSE_KEY,
               typesense_settings.typesense_collection,
               NEWSFACET_INDEX=typesense_settings.index_dir)
    runner = CliRunner()
    indexed = runner.invoke(cli, ["index", str(seeds_copy), "--json"], env=env)
    assert indexed.exit_code == 0, indexed.output
    assert '"added": 5' in indexed.stdout
    again = runner.invoke(cli, ["index", str(seeds_copy), "--json"], env=env)
    assert '"unchanged": 5' in again.stdout
    import json

    found = json.loads(runner.invoke(cli, ["search", "embassy", "--json"], env=env).stdout)
    assert found["total"] == 5 and "<mark>" in found["hits"][0]["snippet"]
    first = found["hits"][0]["id"]
    stats = json.loads(runner.invoke(cli, ["stats", "--json"], env=env).stdout)
    assert stats["articles"] == 5 and stats["facets"]["year"]
    shown = json.loads(runner.invoke(cli, ["show", first, "--json"], env=env).stdout)
    assert shown["id"] == first and shown["body"]
    removed = runner.invoke(cli, ["remove", first], env=env)
    assert removed.exit_code == 0 and "removed 1 of 1" in removed.stdout
    missing = runner.invoke(cli, ["show", first], env=env)
    _one_error_line(missing, f"Error: no article with id '{first}'")


def test_engine_and_collection_options_choose_typesense(filled):
    env = _env(filled.typesense_nodes, TYPESENSE_KEY, NEWSFACET_ENGINE=None,
               NEWSFACET_TYPESENSE_COLLECTION=None)
    chosen = ["--engine", "typesense", "--collection", filled.typesense_collection]
    runner = CliRunner()
    for args in (["stats", "--json"], ["show", "a1", "--json"], ["search", "embassy", "--json"]):
        result = runner.invoke(cli, [*args, *chosen], env=env)
        assert result.exit_code == 0, (args, result.output)
    assert '"total": 2' in result.stdout
    removed = runner.invoke(cli, ["remove", "a4", *chosen], env=env)
    assert removed.exit_code == 0 and "removed 1 of 1" in removed.stdout
