"""``newsfacet migrate``: copy the articles of one engine's index into another's, as stored.

Articles are read back through the engine protocol (``export``), so nothing is cleaned or
extracted again: titles, dates, entities and content hashes travel as they are. Articles the
target already holds with the same content hash are skipped, so an interrupted migration
resumes where it stopped.
"""

from __future__ import annotations

import sys

import click

from ..config import ENGINES
from ..engines import open_engine
from ..errors import ConfigError
from ..models import SearchRequest
from .options import emit_json, fail_cleanly, settings_for


def copy_articles(source, target, *, batch: int = 1000, progress=None) -> dict[str, int]:
    """Copy every article of ``source`` missing or different in ``target``; return counts."""
    have = target.hashes()
    total = source.count()
    request = SearchRequest(sort="oldest", with_facets=False, with_snippets=False)
    _, articles = source.export(request, max(total, 1))
    copied = unchanged = seen = 0
    pending = []
    for article in articles:
        seen += 1
        if have.get(article.id) == article.content_hash and article.content_hash:
            unchanged += 1
        else:
            pending.append(article)
        if len(pending) >= batch:
            target.upsert(pending)
            copied += len(pending)
            pending = []
        if progress:
            progress(seen, total)
    if pending:
        target.upsert(pending)
        copied += len(pending)
    return {"read": seen, "copied": copied, "unchanged": unchanged, "articles": target.count()}


@click.command("migrate")
@click.option("--index", "index_dir", metavar="DIR",
              help="Whoosh index to copy from [env NEWSFACET_INDEX; default index/].")
@click.option("--from", "source_engine", type=click.Choice(ENGINES), default="whoosh",
              show_default=True, help="Engine to copy from.")
@click.option("--to", "target_engine", type=click.Choice(ENGINES), default="typesense",
              show_default=True, help="Engine to copy into.")
@click.option("--collection", metavar="NAME",
              help="Typesense collection [env NEWSFACET_TYPESENSE_COLLECTION; default articles].")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Articles sent in one import.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def migrate_command(ctx, index_dir, source_engine, target_engine, collection, batch, as_json):
    """Copy an index into another engine without cleaning the sources again.

    Typesense nodes and key come from NEWSFACET_TYPESENSE_NODES and
    NEWSFACET_TYPESENSE_API_KEY (or the file NEWSFACET_TYPESENSE_CONFIG names). Articles
    already copied with the same content are skipped, so it can be run again to resume.

    Example: newsfacet migrate --index index/
    """
    @fail_cleanly
    def run():
        if source_engine == target_engine:
            raise ConfigError(f"--from and --to are both {source_engine}: choose two engines")
        base = settings_for(ctx, index_dir=index_dir, typesense_collection=collection)
        source = open_engine(base.with_(engine=source_engine))
        try:
            target = open_engine(base.with_(engine=target_engine), create=True)
            try:
                show = sys.stderr.isatty() and not as_json
                progress = (lambda n, total: click.echo(f"\rcopying {n:>9,} / {total:,}",
                                                        nl=False, err=True)) if show else None
                counts = copy_articles(source, target, batch=batch, progress=progress)
                where = target.location
            finally:
                target.close()
        finally:
            source.close()
        if show:
            click.echo("", err=True)
        if as_json:
            emit_json({**counts, "from": source_engine, "to": target_engine})
            return
        click.echo(f"copied {counts['copied']}, unchanged {counts['unchanged']} of "
                   f"{counts['read']} articles — {counts['articles']} articles in {where}")

    run()
