"""The ``newsfacet`` command line: thin wrappers that turn options into core calls.

Every command exits 0 on success, 1 on a user error (one ``Error:`` line on stderr saying what
to do next) and 2 on bad usage; ``--json`` prints exactly one JSON document on stdout (through
``options.emit_json``).

Layout: ``options`` holds what the commands share (options, settings, the open engine, JSON
output, the one-line error); ``commands`` (index, clean, search, show, stats, remove, serve),
``ingest`` (update, sources, watch), ``entities`` and ``migrate`` hold the commands; the list
below registers every one of them. The cleaning pipeline, the crawler and the web app are
imported inside the commands that use them, so that `newsfacet search` starts without loading
trafilatura or Flask.
"""

from __future__ import annotations

import gc
import logging
import sys

import click

# The commands' modules (the cleaner, trafilatura, Whoosh, NumPy) make some 50,000 objects that
# live until the process ends: the cyclic collector, which would walk them again and again
# while they load, waits until they are loaded (0.03 s of CPU of every start-up).
_collecting = gc.isenabled()
gc.disable()
try:
    from . import commands, entities, ingest, migrate
    from .options import emit_json
finally:
    if _collecting:  # left off if whoever imports this had turned it off
        gc.enable()

logger = logging.getLogger(__name__)


class NewsfacetGroup(click.Group):
    """The command group; with ``--json`` among the arguments, bad usage (click's exit 2)
    prints the JSON error object on stdout too, like every other error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            emit_json({"error": {"status": 400, "title": "UsageError",
                                 "message": exc.format_message(), "exit_code": exc.exit_code}})
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=NewsfacetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="newsfacet")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Full-text search with facets for collections of news articles.

    Example: newsfacet index seeds/ && newsfacet search embassy
    """
    level = logging.ERROR if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {}


# Every command of ``newsfacet``: the one place a new command is registered.
COMMANDS = (*commands.COMMANDS, *ingest.COMMANDS, entities.entities, migrate.migrate_command)

for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Run ``newsfacet``; a bug of ours becomes one ``Error:`` line (the trace with -vv)."""
    try:
        _run()
    finally:
        # The process ends here. Python's exit runs the cyclic collector over every object
        # still alive, several times as it unloads the modules (0.1 s after `index`); frozen,
        # they are left to the operating system. The commands have closed what they wrote
        # (the engine, the sidecars) by now, so no file waits on a collection to be flushed.
        gc.freeze()


def _run() -> None:
    try:
        cli(prog_name="newsfacet")
    except Exception as exc:  # the CLI's top-level boundary: nothing may escape as a trace
        logger.debug("unexpected error", exc_info=True)
        if "--json" in sys.argv[1:]:
            emit_json({"error": {"status": 500, "title": "Internal error", "exit_code": 1,
                                 "message": f"unexpected {type(exc).__name__}: {exc} — please "
                                            "report it (run with -vv for the details)"}})
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc} — please report it "
                   "(run with -vv for the details)", err=True)
        sys.exit(1)


__all__ = ["COMMANDS", "cli", "main"]
