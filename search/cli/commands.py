"""The ``newsfacet`` command line: thin wrappers that turn options into core calls.

Every command exits 0 on success, 1 on a user error (one ``Error:`` line on stderr saying what
to do next) and 2 on bad usage; ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
import re

import click

from ..entities.filter import search_checked
from ..errors import ArticleNotFound, InputError, error_object
from ..query import build_request
from ..facets import BY_NAME
from .progress import SKIPS_LISTED, IndexProgress, echo_skips, on_terminal, write_skips
from .options import (emit_json, emit_json_error, engine_choice, engine_options, entity_match_of,
                      entity_table, facet_filters, fail_cleanly, fetch_options, filter_options,
                      index_option, opened, settings_for, where)


@click.command("index")
@click.argument("paths", nargs=-1)
@click.option("--urls", "urls_file", metavar="FILE",
              help="A file of URLs to fetch, one a line (# comments); feeds and sitemaps are "
                   "followed.")
@click.option("--metadata", "metadata_file", metavar="FILE",
              help="CSV or JSON of title/date/outlet/url by source path or URL.")
@fetch_options
@click.option("--verbose", is_flag=True,
              help=f"List every skipped input (more than {SKIPS_LISTED} are otherwise counted "
                   "by reason).")
@click.option("--skips", "skips_file", metavar="FILE",
              type=click.Path(dir_okay=False, writable=True),
              help="Write every skipped input to FILE, one 'source<TAB>reason' line each.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@engine_options
@click.pass_context
@fail_cleanly
def index_command(ctx, paths, urls_file, max_pages, metadata_file, workers, verbose, skips_file,
                  as_json, index_dir, engine, entities_file):
    """Clean and index files and folders (.html, .htm, .txt, .jsonl, .warc, .warc.gz; folders
    recursively), web pages by URL, and the pages that RSS/Atom feeds and sitemaps link to.

    Unchanged files are skipped; a changed file replaces its old version. URLs are fetched
    politely (robots.txt, a pause between requests to one host); `newsfacet update` later
    adds what feeds and sitemaps gain.

    Example: newsfacet index seeds/ https://example.org/feed.xml
    """
    from .ingest import index_with_crawl, wants_crawl
    from ..indexing import index_paths
    from ..ingest.crawl import is_url
    from ..ingest.file_sources import remember_file_sources
    from ..ingest.sources import count_documents, load_overrides

    if not paths and not urls_file:
        raise click.UsageError("give files, folders or URLs to index (or --urls FILE)")
    show = on_terminal() and not as_json
    progress = IndexProgress(count_documents(paths)) if show else None
    with opened(ctx, create=True, index_dir=index_dir, engine=engine,
                 entities_file=entities_file) as (settings, eng):
        table = entity_table(settings)
        overrides = load_overrides(metadata_file) if metadata_file else None
        if wants_crawl(paths, urls_file):
            report = index_with_crawl(settings, eng, table, paths, urls_file=urls_file,
                                      max_pages=max_pages, overrides=overrides, workers=workers,
                                      show_progress=show)
        else:
            report = index_paths(paths, eng, table, overrides=overrides, workers=workers,
                                 max_bytes=settings.max_file_bytes,
                                 max_text_chars=settings.max_text_chars, progress=progress,
                                 lock_wait=settings.lock_wait)
        total = eng.count()
        remember_file_sources(settings.index_dir, [p for p in paths if not is_url(p)])
    if progress:
        progress.clear()
    if skips_file:
        write_skips(report.skipped, skips_file)
    if as_json:
        data = {**report.to_dict(), "articles": total, "index": settings.index_dir}
        try:
            _fail_if_nothing_indexed(report)
        except InputError as exc:  # one document: the summary, with the error in it
            emit_json_error({**data, **error_object(exc)}, 1)
        emit_json(data)
        return
    click.echo(f"added {len(report.added)}, updated {len(report.updated)}, "
               f"unchanged {report.unchanged}, skipped {len(report.skipped)} "
               f"— {total} articles in {where(settings)}")
    echo_skips(report.skipped, verbose=verbose, skips_file=skips_file)
    for note in report.notes:
        click.echo(f"  {note}")
    _fail_if_nothing_indexed(report)


def _fail_if_nothing_indexed(report) -> None:
    """Exit 1 when every input was skipped, so scripts notice (the summary says why)."""
    if report.skipped and not (report.added or report.updated or report.unchanged):
        raise InputError(f"nothing was indexed: all {len(report.skipped)} inputs were skipped "
                         "(reasons in the summary)")


@click.command("clean")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--blocks", is_flag=True, help="Show every block with the cleaner's decision.")
@click.option("--record", type=click.IntRange(1), default=1, show_default=True,
              help="Which record of a .jsonl or web archive to show.")
@click.option("--entities", "entities_file", metavar="FILE", help="Entity table.")
@click.pass_context
@fail_cleanly
def clean_command(ctx, file, as_json, blocks, record, entities_file):
    """Show what would be indexed for one file, without indexing it.

    A .jsonl file or a web archive holds many articles: the first is shown, and a note on
    stderr says how many there are (--record N shows another).

    Example: newsfacet clean seeds/003_56f73b1ed947ec56.txt
    """
    from ..pipeline import process
    from ..ingest.sources import count_documents, iter_documents

    settings = settings_for(ctx, entities_file=entities_file)
    documents = iter_documents([file], settings.max_file_bytes)
    chosen = next(itertools.islice(documents, record - 1, None), None)
    records = count_documents([file])
    if chosen is None:
        raise InputError(f"{file} holds no article" if record == 1 else
                         f"{file} holds {records or 'fewer'} records, not {record}")
    result = chosen if hasattr(chosen, "reason") else process(
        chosen, entity_table(settings), max_text_chars=settings.max_text_chars)
    if hasattr(result, "reason"):
        raise InputError(f"{result.source}: {result.reason}")
    if records is None or records > 1:
        of = f"{records:,}" if records else "several"
        click.echo(f"note: record {record} of {of} in {file}; --record N shows another",
                   err=True)
    article, cleaned = result.article, result.cleaned
    if as_json:
        data = article.to_dict()
        data["record"], data["records"] = record, records
        data["blocks"] = [{"text": b.text, "label": b.label, "reason": b.reason}
                          for b in cleaned.blocks]
        emit_json(data)
        return
    for key in ("title", "date", "date_source", "outlet", "outlet_source", "author", "url",
                "agency", "agency_source"):
        value = getattr(article, key)
        click.echo(f"{key + ':':<15}{value if value is not None else '-'}")
    names = ", ".join(f"{e.name} ({e.type})" for e in article.entities) or "-"
    click.echo(f"{'entities:':<15}{names}\n")
    if blocks:
        for block in cleaned.blocks:
            mark = " " if block.kept else "-"
            label = block.label + (f":{block.reason}" if block.reason else "")
            click.echo(f"{mark} {label:<22} {block.text[:100]}")
    else:
        click.echo(article.body)


@click.command("search")
@click.argument("query", required=False, default="")
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True)
@click.option("--limit", type=int, default=None, help="Results per page (default 10).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--collapse", is_flag=True,
              help="One result per story: syndicated copies fold into the best-ranked one.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@engine_options
@click.pass_context
@fail_cleanly
def search_command(ctx, query, since, until, all_entities, sort, limit, page, collapse, as_json,
                   index_dir, engine, entities_file):
    """Search the index: ranked results, highlighted snippets and facet counts.

    QUERY uses AND, OR, NOT, "phrases", title:word, wild*cards and fuzzy~ terms; with no
    QUERY, every article is listed (browse by facets).

    An --entity that is neither an entity of the index nor in the entity table is an error
    that names close entities.

    Example: newsfacet search embassy --entity "Kataib Hezbollah" --json
    """
    with opened(ctx, index_dir=index_dir, engine=engine, entities_file=entities_file) as (
            settings, eng):
        table = entity_table(settings)
        selections = {BY_NAME[name].field: values for name, values in facet_filters(ctx).items()}
        request = build_request(query, since=since, until=until, sort=sort, page=page,
                                per_page=limit, settings=settings, resolve_entity=table.resolve,
                                collapse=collapse, entity_match=entity_match_of(all_entities),
                                **selections)
        results = search_checked(eng, table, request)
    if as_json:
        emit_json(results.to_dict())
        return
    _print_results(results, settings.max_page)


def _terminal_snippet(snippet: str) -> str:
    parts = re.split(r"<mark>(.*?)</mark>", snippet)
    return "".join(click.style(html.unescape(p), bold=True, underline=True) if i % 2
                   else html.unescape(p) for i, p in enumerate(parts))


def _print_results(results, max_page: int) -> None:
    request = results.request
    count = f"{results.total:,} article{'s' if results.total != 1 else ''}"
    if request.collapse:
        count = (f"{results.total:,} stor{'ies' if results.total != 1 else 'y'} "
                 f"({results.articles:,} article{'s' if results.articles != 1 else ''})")
    # "1 article matches "oil"", "5 articles match "oil""; with no query, what the filters keep.
    line = f'{count} {"matches" if results.total == 1 else "match"} "{request.query}"' \
        if request.query else count
    if request.all_entities and len(request.entities) > 1:
        line += " naming every one of " + ", ".join(request.entities)
    last = max(1, min(results.pages, max_page))  # --page past max_page is refused
    click.echo(f"{line} (page {request.page} of {last})")
    for message in results.messages:
        click.echo(f"note: {message}")
    if results.matching and results.matching.message:
        click.echo(f"note: {results.matching.message}")
    for number, hit in enumerate(results.hits, start=(request.page - 1) * request.per_page + 1):
        click.echo("")
        click.echo(click.style(f"{number:>3}. {hit.title or '(untitled)'}", bold=True))
        date = hit.date.isoformat() if hit.date else "undated"
        click.echo(f"     {hit.outlet or 'unknown outlet'} · {date} · {hit.id} · {hit.source}")
        click.echo("     " + _terminal_snippet(hit.snippet))
        if hit.copies and hit.copies > 1:
            click.echo(f"     {hit.copies} copies · also in: {', '.join(hit.also_in_labels())}")
    for name, values in results.facets.items():
        if values:
            shown = ", ".join(f"{'*' if v.selected else ''}{v.value} ({v.count})"
                              for v in values[:8])
            more = f", … {len(values) - 8} more" if len(values) > 8 else ""
            click.echo(f"\n{name}: {shown}{more}", nl=False)
    click.echo("")


@click.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@engine_choice
@index_option
@click.pass_context
@fail_cleanly
def show_command(ctx, article_id, as_json, index_dir):
    """Show one indexed article in full.

    Example: newsfacet show 3f2a9c0d1e2b4a5c
    """
    with opened(ctx, index_dir=index_dir) as (_, eng):
        article = eng.get(article_id)
    if as_json:
        emit_json(article.to_dict())
        return
    click.echo(click.style(article.title or "(untitled)", bold=True))
    date = f"{article.date} ({article.date_source})" if article.date else "undated"
    click.echo(f"{article.outlet or 'unknown outlet'} · {date} · {article.source}")
    if article.crawl_date:
        click.echo(f"crawled {article.crawl_date}")
    if article.entities:
        click.echo("entities: " + ", ".join(e.name for e in article.entities))
    click.echo("\n" + article.body)


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@engine_choice
@index_option
@click.pass_context
@fail_cleanly
def stats_command(ctx, as_json, index_dir):
    """Show article count, facet value counts, index size and last update.

    Example: newsfacet stats --json
    """
    with opened(ctx, index_dir=index_dir) as (_, eng):
        stats = eng.stats()
    if as_json:
        emit_json(stats.to_dict())
        return
    click.echo(f"{stats.articles} articles in {stats.location} ({stats.size_bytes / 1e6:.1f} MB), "
               f"last update {stats.last_update or 'unknown'}")
    for name, values in stats.facets.items():
        click.echo(f"{name}: " + (", ".join(f"{v.value} ({v.count})" for v in values[:10]) or "-"))


@click.command("remove")
@click.argument("ids", nargs=-1, required=True)
@engine_choice
@index_option
@click.pass_context
@fail_cleanly
def remove_command(ctx, ids, index_dir):
    """Remove articles from the index by id.

    Example: newsfacet remove 3f2a9c0d1e2b4a5c
    """
    with opened(ctx, index_dir=index_dir) as (_, eng):
        removed = eng.remove(ids)
        eng.prepare()
    click.echo(f"removed {removed} of {len(ids)} article{'s' if len(ids) != 1 else ''}")
    if removed < len(set(ids)):
        raise ArticleNotFound("some ids were not in the index — `newsfacet search` lists ids")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(0, 32), default=None,
              help="Worker processes (default: one per core, at most 4; 0: one process).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads in each worker process.")
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger.")
@engine_options
@click.pass_context
@fail_cleanly
def serve_command(ctx, host, port, workers, threads, debug, index_dir, engine, entities_file):
    """Serve the web front end (binds to loopback unless told otherwise).

    Runs gunicorn with one worker process per core, as in production.

    Example: newsfacet serve --port 8000
    """
    from web import create_app
    from web.server import default_workers, serve

    settings = settings_for(ctx, index_dir=index_dir, engine=engine, entities_file=entities_file)
    app = create_app({"SETTINGS": settings, "BIND": (host, port)})
    if not _is_loopback(host):
        click.echo(f"Warning: serving on {host}: anyone who can reach this machine can read "
                   "the index; set NEWSFACET_ACCESS_TOKEN to require a token (and list the "
                   "names it is reached by in NEWSFACET_ALLOWED_HOSTS)", err=True)
    click.echo(f"newsfacet serving {where(settings)} on http://{host}:{port}/", err=True)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    serve(app, host, port, default_workers() if workers is None else workers, threads)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


COMMANDS = (index_command, clean_command, search_command, show_command, stats_command,
            remove_command, serve_command)

__all__ = ["COMMANDS"]
