"""What every command shares: the options, settings from options and environment, the open
engine, the ``--json`` output and the one-line error.

The commands' modules import these names; nothing here imports a command.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from typing import Any

import click

from ..config import ENGINES, Settings
from ..engines import open_engine
from ..entities import EntityTable, load_table
from ..errors import SearchError, error_object
from ..facets import DISPLAY_ORDER, FACETS

FACET_META = "newsfacet.facets"  # where filter_options keeps the facet values in ctx.meta


def settings_for(ctx: click.Context, **overrides) -> Settings:
    """Return the settings: the environment, then the group's options, then ``overrides``."""
    return Settings.from_env(**{**ctx.obj, **{k: v for k, v in overrides.items() if v is not None}})


def json_wanted() -> bool:
    """Return whether the running command was given ``--json``."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.params.get("as_json"))


def emit_json_error(error: dict, exit_code: int) -> None:
    """Print an error object (``{"error": {...}}``, the web API's shape, plus ``exit_code``;
    other keys of ``error`` kept, such as a summary) on stdout as the command's one JSON
    document, the usual ``Error:`` line on stderr, and exit with ``exit_code``."""
    emit_json({**error, "error": {**error["error"], "exit_code": exit_code}})
    click.echo(f"Error: {error['error']['message']}", err=True)
    sys.exit(exit_code)


def fail_cleanly(func):
    """Turn our errors into one ``Error:`` line and exit 1; with ``--json``, into a JSON error
    object on stdout (``{"error": {"status", "title", "message", "exit_code", …}}``), same exit
    code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SearchError as exc:
            if json_wanted():
                emit_json_error(error_object(exc), 1)
            raise click.ClickException(str(exc)) from exc
        except click.ClickException as exc:
            if json_wanted():
                emit_json_error({"error": {"status": 400, "title": type(exc).__name__,
                                           "message": exc.format_message()}}, exc.exit_code)
            raise
        except KeyboardInterrupt:
            if json_wanted():
                emit_json_error({"error": {"title": "Interrupted", "message": "interrupted"}}, 130)
            click.echo("Error: interrupted", err=True)
            sys.exit(130)

    return wrapper


def emit_json(data: Any) -> None:
    """Print ``data`` as the command's one JSON document on stdout (what ``--json`` prints)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def index_option(func):
    return click.option("--index", "index_dir", metavar="DIR",
                        help="Index directory [env NEWSFACET_INDEX; default index/].")(func)


def into_settings(ctx, param, value):
    """Keep an option's value for ``settings_for`` without adding it to the command's arguments."""
    if value is not None:
        ctx.ensure_object(dict)[param.name] = value
    return value


# --collection is described in --engine's help and hidden from the list: Typesense users are
# few, and its own line in every command's help cluttered it (issue 18).
ENGINE_HELP = ("Search engine [env NEWSFACET_ENGINE; default whoosh]; typesense also takes "
               "--collection NAME.")


def collection_option(func):
    return click.option("--collection", "typesense_collection", metavar="NAME", expose_value=False,
                        callback=into_settings, hidden=True,
                        help="Typesense collection [env NEWSFACET_TYPESENSE_COLLECTION; "
                             "default articles].")(func)


def engine_choice(func):
    """--engine and --collection for commands that take no other engine option."""
    func = click.option("--engine", type=click.Choice(ENGINES), expose_value=False,
                        callback=into_settings, help=ENGINE_HELP)(func)
    return collection_option(func)


def engine_options(func):
    func = click.option("--engine", type=click.Choice(ENGINES), help=ENGINE_HELP)(func)
    func = collection_option(func)
    func = click.option("--entities", "entities_file", metavar="FILE",
                        help="Entity table [env NEWSFACET_ENTITIES; default: bundled].")(func)
    return index_option(func)


def fetch_options(func):
    """--max-pages and --workers, shared by `index` and `update`."""
    func = click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="Processes that clean pages in parallel.")(func)
    return click.option("--max-pages", type=click.IntRange(1, 10_000_000), default=None,
                        help="Most pages fetched in this run [env NEWSFACET_MAX_PAGES; "
                             "default 10000].")(func)


def _collect_facet(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    ctx.meta.setdefault(FACET_META, {})[param.name] = tuple(value)


def filter_options(func):
    """Add one repeatable option per facet of the registry, then ``--since``, ``--until`` and
    ``--all-entities``.

    The facet options are not passed to the command: ``facet_filters(ctx)`` returns them.
    """
    func = click.option("--all-entities", is_flag=True,
                        help="Only articles naming every --entity given (default: any of them); "
                             "entity counts then count within them.")(func)
    func = click.option("--until", metavar="DATE", help="Published on or before.")(func)
    func = click.option("--since", metavar="DATE",
                        help='Published on or after (2019-05-01, "May 2019", "2 years ago").')(func)
    for facet in reversed(DISPLAY_ORDER):  # click lists options in the reverse order of adding
        func = click.option(f"--{facet.name}", facet.name, multiple=True, metavar=facet.metavar,
                            expose_value=False, callback=_collect_facet,
                            help=f"{facet.cli_help} (repeatable).")(func)
    return func


def facet_filters(ctx: click.Context) -> dict[str, tuple[str, ...]]:
    """Return the values given to the facet options (``filter_options``), by facet name."""
    given = ctx.meta.get(FACET_META, {})
    return {facet.name: given.get(facet.name, ()) for facet in FACETS}


def entity_match_of(all_entities: bool) -> str:
    """Return the ``entity_match`` that --all-entities asks for."""
    return "all" if all_entities else "any"


def where(settings: Settings) -> str:
    """Name the index the settings point at, for messages."""
    if settings.engine == "typesense":
        return f"Typesense collection {settings.typesense_collection} ({settings.typesense_nodes})"
    return settings.index_dir


@contextlib.contextmanager
def opened(ctx, *, create: bool = False, **options):
    """Yield the settings and an open engine; close the engine however the block ends."""
    settings = settings_for(ctx, **options)
    engine = open_engine(settings, create=create)
    try:
        yield settings, engine
    finally:
        engine.close()


def entity_table(settings: Settings) -> EntityTable:
    """Return the entity table the settings name, with the index's additions."""
    return load_table(settings.entities_file, settings.index_dir)


__all__ = ["collection_option", "emit_json", "emit_json_error", "engine_choice", "engine_options",
           "entity_match_of", "entity_table", "facet_filters", "fail_cleanly", "fetch_options",
           "filter_options", "index_option", "into_settings", "json_wanted", "opened",
           "settings_for", "where"]
