"""``newsfacet entities``: list the entity table, suggest names it lacks, add to it."""

from __future__ import annotations

import sys

import click

from ..models import SearchRequest
from .options import (emit_json, engine_options, entity_table, fail_cleanly, opened,
                      settings_for)

BAR = 24


@click.group("entities")
def entities() -> None:
    """The entity table: list it, find names it lacks, add to it.

    Example: newsfacet entities suggest --limit 20
    """


@entities.command("suggest")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Most names to list.")
@click.option("--min-count", type=click.IntRange(1), default=2, show_default=True,
              help="Fewest articles a name must appear in.")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@engine_options
@click.pass_context
@fail_cleanly
def suggest_command(ctx, limit, min_count, as_json, index_dir, engine, entities_file):
    """List frequent names in the indexed articles that the entity table lacks.

    First the entities the articles carry (recognised at indexing, or given by records) that
    the table lacks, with their type; then runs of capitalised words. Known entities and their
    aliases, outlet names, words capitalised only at the start of a sentence, months, days,
    titles and demonyms are left out. Each comes with the number of articles naming it and
    one sentence using it.

    Example: newsfacet entities suggest --min-count 3 --json
    """
    from ..entities.discovery import suggest_entities
    with opened(ctx, index_dir=index_dir, engine=engine, entities_file=entities_file) as (
            settings, eng):
        table = entity_table(settings)
        outlets = [v.value for v in eng.stats().facets.get("outlet", ())]
        total = eng.count()
        _, articles = eng.export(SearchRequest(with_facets=False, with_snippets=False), total)
        progress = _progress(total) if on_terminal() and not as_json else None
        found, scanned = suggest_entities(articles, table, exclude=outlets, min_count=min_count,
                                          limit=limit, progress=progress)
        if progress is not None:
            click.echo("\r" + " " * 70 + "\r", nl=False, err=True)
    if as_json:
        emit_json({"articles": scanned, "min_count": min_count, "table": table.source,
               "suggestions": [s.to_dict() for s in found]})
        return
    each = f"at least {min_count} article{'s' if min_count != 1 else ''} each"
    if not found:
        click.echo(f"no names missing from the entity table in {scanned} articles ({each})"
                   + ("; try --min-count 1" if min_count > 1 else ""))
        return
    click.echo(f"{len(found)} names in {scanned} articles are not in the entity table ({each}):\n")
    for s in found:
        counts = (f"{s.articles} article{'s' if s.articles != 1 else ''}, "
                  f"{s.mentions} mention{'s' if s.mentions != 1 else ''}")
        alias = f"   (perhaps an alias of {s.alias_of})" if s.alias_of else ""
        kind = f" ({s.type})" if s.type else ""
        click.echo(f"  {click.style(s.phrase, bold=True)}{kind}  {counts}{alias}")
        if s.example:
            click.echo(f"      “{s.example}”")
    click.echo('\nAdd one: newsfacet entities add "NAME" --type group|person|org|place [--alias '
               'A]...')


def on_terminal() -> bool:
    """Tell whether stderr is a terminal (progress is drawn there, never into a pipe)."""
    return sys.stderr.isatty()


def _progress(total: int):
    """Return a callback drawing how many of ``total`` articles were read, with a bar."""
    def draw(done: int) -> None:
        filled = BAR * done // max(total, 1)
        click.echo(f"\rreading articles {done:>8,}/{total:<8,} "
                   f"[{'#' * filled}{'-' * (BAR - filled)}]",
                   nl=False, err=True)

    return draw


@entities.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--index", "index_dir", metavar="DIR",
              help="Index directory, whose entity additions are listed too [env NEWSFACET_INDEX].")
@click.option("--entities", "entities_file", metavar="FILE",
              help="Entity table [env NEWSFACET_ENTITIES; default: bundled].")
@click.pass_context
@fail_cleanly
def list_command(ctx, as_json, index_dir, entities_file):
    """List the entity table in use: canonical names, types and aliases.

    Example: newsfacet entities list --json
    """
    table = entity_table(settings_for(ctx, index_dir=index_dir, entities_file=entities_file))
    if as_json:
        emit_json({"table": table.source, "entities": table.entries})
        return
    click.echo(f"{len(table)} entities in {table.source}")
    for entry in table.entries:
        aliases = ", ".join(entry["aliases"])
        click.echo(f"  {entry['name']} ({entry['type']})" + (f": {aliases}" if aliases else ""))


@entities.command("add")
@click.argument("name")
@click.option("--type", "kind", required=True,
              type=click.Choice(["group", "person", "org", "place"]), help="What the entity is.")
@click.option("--alias", "aliases", multiple=True, metavar="A",
              help="Another spelling (repeatable).")
@click.option("--index", "index_dir", metavar="DIR",
              help="Index whose entity additions get it, when no --entities file is named "
                   "[env NEWSFACET_INDEX; default index/].")
@click.option("--entities", "entities_file", metavar="FILE",
              help="Entity table file to add it to [env NEWSFACET_ENTITIES].")
@click.pass_context
@fail_cleanly
def add_command(ctx, name, kind, aliases, index_dir, entities_file):
    """Add an entity, or aliases of a known one, to the entity table.

    With --entities FILE (or NEWSFACET_ENTITIES) the entry goes into that file; otherwise into
    entities.json in the index directory, which is merged on top of the bundled table. Index
    your sources again (`newsfacet index …`) to apply it to the articles.

    Example: newsfacet entities add "Saraya Qamar al-Din" --type group --alias SQD
    """
    from ..entities.additions import add_entity

    settings = settings_for(ctx, index_dir=index_dir, entities_file=entities_file)
    done = add_entity(name, kind, aliases, entities_file=settings.entities_file,
                      index_dir=settings.index_dir)
    aliases = ", ".join(done.aliases)
    if done.new:
        what = f"added {done.name} ({done.type})" + (f" with aliases {aliases}" if aliases else "")
    else:
        what = f"added aliases {aliases} to {done.name} ({done.type})"
    click.echo(f"{what} in {done.path}")
    click.echo("index your sources again (newsfacet index PATH…) to apply it to the articles")
