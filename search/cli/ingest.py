"""The commands that bring news in from the web: ``update``, ``sources`` and ``watch``, and
the part of ``index`` that reads URLs, URL lists, feeds and sitemaps.

Thin wrappers like the rest of the CLI: the work is in crawl.py, fetch.py, feeds.py,
crawl_state.py and watches.py.
"""

from __future__ import annotations

import itertools
import sys

import click

from ..errors import InputError
from .options import (emit_json, engine_options, entity_match_of, entity_table, facet_filters,
                      fail_cleanly, fetch_options, filter_options, index_option, opened,
                      settings_for)
from .progress import echo_skips

BAR = 24


def fetcher_for(settings):
    from ..ingest.fetch import Fetcher, default_user_agent

    return Fetcher(user_agent=settings.user_agent or default_user_agent(),
                   delay=settings.fetch_delay, timeout=settings.fetch_timeout,
                   retries=settings.fetch_retries, max_bytes=settings.max_file_bytes,
                   allow_private=settings.fetch_private)


def _progress():
    """Return a progress callback drawing a bar on stderr, or None when it is no terminal."""
    if not sys.stderr.isatty():
        return None

    def draw(done: int, total: int, url: str) -> None:
        filled = BAR * done // max(total, 1)
        click.echo(f"\rfetching {done:>6,}/{total:<6,} [{'#' * filled}{'-' * (BAR - filled)}] "
                   f"{url[-50:]:<50}", nl=False, err=True)

    return draw


def _clear_progress(progress) -> None:
    if progress:
        click.echo("\r" + " " * 100 + "\r", nl=False, err=True)


def wants_crawl(paths, urls_file) -> bool:
    """Return whether ``index`` must go through the crawler (URLs or a URL list given)."""
    from ..ingest.crawl import is_url

    return bool(urls_file) or any(is_url(p) for p in paths)


def index_with_crawl(settings, engine, table, paths, *, urls_file=None, max_pages=None,
                     overrides=None, workers=1, show_progress=False):
    """Index files, folders and URLs together; return the IndexReport (notes included)."""
    from ..ingest.crawl import is_url
    from ..ingest.crawl_state import CrawlState
    from ..ingest.sources import iter_documents

    urls = [p for p in paths if is_url(p)]
    files = [p for p in paths if not is_url(p)]
    with CrawlState(settings.index_dir) as state:
        report, crawl = _crawl_and_index(
            settings, engine, table, state,
            lambda crawler: itertools.chain(
                iter_documents(files, settings.max_file_bytes),
                crawler.documents(urls, [urls_file] if urls_file else [])),
            max_pages=max_pages, workers=workers, overrides=overrides,
            progress=_progress() if show_progress else None)
    report.notes += _notes(crawl)
    return report


def _crawl_and_index(settings, engine, table, state, documents, *, max_pages=None, workers=1,
                    overrides=None, progress=None):
    """Index what ``documents(crawler)`` yields, through a crawler on the crawl ``state`` with
    the settings' fetcher; close the fetcher and clear the progress bar however it ends.
    Return the IndexReport and the CrawlReport (the crawl state updated from the first)."""
    from ..indexing import index_documents
    from ..ingest.crawl import Crawler

    fetcher = fetcher_for(settings)
    try:
        crawler = Crawler(fetcher, state, max_pages=max_pages or settings.max_pages,
                          max_bytes=settings.max_file_bytes, progress=progress)
        report = index_documents(documents(crawler), engine, table, overrides=overrides,
                                 workers=workers, max_text_chars=settings.max_text_chars,
                                 lock_wait=settings.lock_wait)
    finally:
        fetcher.close()
        _clear_progress(progress)
    crawler.finish(report)
    return report, crawler.report


def _notes(crawl) -> list[str]:
    notes = [f"{c['kind']} {c['url']}: {c['status']}" for c in crawl.checked]
    if crawl.left:
        notes.append(f"{crawl.left} pages left for later (--max-pages): run `newsfacet update` "
                     "to fetch them")
    return notes


@click.command("update")
@fetch_options
@click.option("--verbose", is_flag=True, help="List every skipped input (many are otherwise "
                                              "counted by reason).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@engine_options
@click.pass_context
@fail_cleanly
def update_command(ctx, max_pages, workers, verbose, as_json, index_dir, engine, entities_file):
    """Re-read what was indexed before and add what is new or changed: the files and folders
    (new and changed files), and the feeds, sitemaps and URL lists.

    Feeds and sitemaps are asked for with conditional requests (ETag, Last-Modified), so an
    unchanged one costs one short answer; unchanged files are skipped by their content.
    Reports the new matches of every saved search.

    Example: newsfacet update --json
    """
    from ..ingest.crawl import CrawlReport
    from ..ingest.crawl_state import exists
    from ..ingest.file_sources import file_sources, touch_file_sources
    from ..watches import list_watches, new_matches

    progress = None if as_json else _progress()
    with opened(ctx, index_dir=index_dir, engine=engine, entities_file=entities_file) as (
            settings, eng):
        table = entity_table(settings)
        files = [s.path_to_read() for s in file_sources(settings.index_dir)]
        crawled = exists(settings.index_dir)
        if crawled:
            report, crawl = _update_crawled(settings, eng, table, files, max_pages, workers,
                                            progress)
        else:
            report, crawl = None, CrawlReport()
        if report is None and not files:
            raise InputError(f"nothing to update: no files, folders, URLs, feeds or sitemaps "
                             f"were indexed into {settings.index_dir} — run `newsfacet index "
                             "FOLDER` or `newsfacet index FEED_URL` first")
        if report is None:
            report = _update_files(settings, eng, table, files, workers)
        if files:
            touch_file_sources(settings.index_dir)
        matches = new_matches(eng.search, list_watches(settings.index_dir), report.added,
                              settings, table.resolve)
        total = eng.count()
    if as_json:
        emit_json({**report.to_dict(), **crawl.to_dict(), "articles": total,
                   "index": settings.index_dir, "files": files,
                   "watches": [m.to_dict() for m in matches]})
        return
    for note in _notes(crawl):
        click.echo(note)
    click.echo(f"added {len(report.added)}, updated {len(report.updated)}, "
               f"unchanged {report.unchanged}, skipped {len(report.skipped)} "
               f"— {total} articles in {settings.index_dir}")
    echo_skips(report.skipped, verbose=verbose, skips_file=None, with_file=False)
    _print_matches(matches)


def _update_crawled(settings, engine, table, files, max_pages, workers, progress):
    """Index the files again and re-read the crawled sources; return (report, crawl report),
    or (None, …) when the crawl state names no source."""
    from ..ingest.crawl import CrawlReport
    from ..ingest.crawl_state import CrawlState
    from ..ingest.sources import iter_documents

    with CrawlState(settings.index_dir) as state:
        if not state.sources():
            return None, CrawlReport()
        return _crawl_and_index(
            settings, engine, table, state,
            lambda crawler: itertools.chain(iter_documents(files, settings.max_file_bytes),
                                            crawler.documents(refresh=True)),
            max_pages=max_pages, workers=workers, progress=progress)


def _update_files(settings, engine, table, files, workers):
    """Index the files and folders again (only new and changed files are cleaned)."""
    from ..indexing import index_paths

    return index_paths(files, engine, table, workers=workers, max_bytes=settings.max_file_bytes,
                       max_text_chars=settings.max_text_chars, lock_wait=settings.lock_wait)


def _print_matches(matches) -> None:
    for match in matches:
        head = f"watch {match.watch.id} {match.watch.describe()}"
        if match.error:
            click.echo(f"{head}: cannot run ({match.error})")
            continue
        count = len(match.hits)
        click.echo(f"{head}: {count or 'no'} new match{'es' if count != 1 else ''}")
        for hit in match.hits:
            date = hit.date.isoformat() if hit.date else "undated"
            click.echo(f"  - {hit.title or '(untitled)'} · {hit.outlet or 'unknown outlet'} · "
                       f"{date} · {hit.id} · {hit.url or hit.source}")


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@index_option
@click.pass_context
@fail_cleanly
def sources_command(ctx, as_json, index_dir):
    """List what was indexed from where: the files and folders, and the URLs, feeds,
    sitemaps and URL lists with article counts (`newsfacet update` reads them again).

    Example: newsfacet sources --json
    """
    from ..ingest.crawl_state import CrawlState, exists
    from ..ingest.file_sources import file_sources

    settings = settings_for(ctx, index_dir=index_dir)
    sources = []
    if exists(settings.index_dir):
        with CrawlState(settings.index_dir) as state:
            sources = state.sources()
    files = file_sources(settings.index_dir)
    if as_json:
        emit_json({"index": settings.index_dir, "sources": [s.to_dict() for s in sources],
                   "files": [f.to_dict() for f in files]})
        return
    if not sources and not files:
        click.echo(f"no sources in {settings.index_dir}: `newsfacet index FOLDER` or "
                   "`newsfacet index URL` adds one")
        return
    for f in files:
        click.echo(f"{f.kind:<13} {f.absolute}\n{'':<13} last update {f.indexed}")
    for s in sources:
        extra = f", {s.waiting} waiting" if s.waiting else ""
        extra += f", {s.failed} failed" if s.failed else ""
        indent = "  " if s.parent else ""
        click.echo(f"{indent}{s.kind:<13} {s.url}\n{indent}{'':<13} {s.articles} articles{extra}; "
                   f"last update {s.checked or 'never'}{f' ({s.status})' if s.status else ''}")


@click.group("watch")
def watch_group():
    """Saved searches: `newsfacet update` reports their new matches.

    Example: newsfacet watch add embassy --entity PMF
    """


@watch_group.command("add")
@click.argument("query", required=False, default="")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the saved search as JSON.")
@engine_options
@click.pass_context
@fail_cleanly
def watch_add(ctx, query, since, until, all_entities, as_json, index_dir, engine, entities_file):
    """Save a search (a query, filters, or both).

    An --entity that is neither an entity of the index nor in the entity table is refused,
    with close names.

    Example: newsfacet watch add embassy --entity "Kataib Hezbollah" --since 2019-01-01
    """
    from ..watches import add_watch

    settings = settings_for(ctx, index_dir=index_dir, engine=engine, entities_file=entities_file)
    table = entity_table(settings)
    watch = add_watch(settings.index_dir, query,
                      {**facet_filters(ctx), "since": since, "until": until,
                       "entity_match": entity_match_of(all_entities)}, settings,
                      table.resolve, check=lambda request: _check_entities(
                          ctx, table, request, index_dir=index_dir, engine=engine))
    if as_json:
        emit_json(watch.to_dict())
        return
    click.echo(f"saved search {watch.id}: {watch.describe()}")


def _check_entities(ctx, table, request, **options) -> None:
    """Refuse entity filters that name no entity; without an index only the table knows names."""
    from ..entities.filter import check_entities, unknown_entities
    from ..errors import IndexMissing

    if not unknown_entities(None, table, request.entities):
        return  # the table knows every name: no need to open the index
    try:
        with opened(ctx, **options) as (_, eng):
            check_entities(eng, table, request.entities)
    except IndexMissing:
        check_entities(None, table, request.entities)


@watch_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the saved searches as JSON.")
@index_option
@click.pass_context
@fail_cleanly
def watch_list(ctx, as_json, index_dir):
    """List the saved searches with their numbers.

    Example: newsfacet watch list --json
    """
    from ..watches import list_watches

    settings = settings_for(ctx, index_dir=index_dir)
    watches = list_watches(settings.index_dir)
    if as_json:
        emit_json({"watches": [w.to_dict() for w in watches]})
        return
    if not watches:
        click.echo("no saved searches: `newsfacet watch add QUERY` saves one")
    for watch in watches:
        click.echo(f"{watch.id:>4}  {watch.describe()}  (saved {watch.created})")


@watch_group.command("remove")
@click.argument("number", type=int)
@index_option
@click.pass_context
@fail_cleanly
def watch_remove(ctx, number, index_dir):
    """Remove a saved search by its number (see `newsfacet watch list`).

    Example: newsfacet watch remove 2
    """
    from ..watches import remove_watch

    settings = settings_for(ctx, index_dir=index_dir)
    if not remove_watch(settings.index_dir, number):
        raise InputError(f"no saved search number {number} — `newsfacet watch list` shows them")
    click.echo(f"removed saved search {number}")


COMMANDS = (update_command, sources_command, watch_group)

__all__ = ["COMMANDS", "index_with_crawl", "wants_crawl"]
