"""What `index` shows while it runs and when it ends: the progress line (count of the total,
rate, time left) and the skips, summarised by reason.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import click

from ..indexing import skip_counts

# Skips listed one by one without --verbose; more are summarised by reason (a Reuters run
# skips 1,806 records, which would flood the terminal).
SKIPS_LISTED = 10
# Seconds between two redraws of the progress line: redrawing per record slows a fast run.
REDRAW_SECONDS = 0.2
WIDTH = 100


def on_terminal() -> bool:
    """Return whether stderr is a terminal (where a progress line is drawn)."""
    return sys.stderr.isatty()


class IndexProgress:
    """A progress line on stderr: "reading 13,457/21,577 (62%) · 850/s · 0:07 left · source"."""

    def __init__(self, total: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self._clock = clock
        self._started = clock()
        self._drawn = float("-inf")

    def __call__(self, number: int, source: str) -> None:
        now = self._clock()
        if now - self._drawn < REDRAW_SECONDS and number != self.total:
            return
        self._drawn = now
        click.echo("\r" + self.line(number, source, now)[:WIDTH].ljust(WIDTH), nl=False, err=True)

    def line(self, number: int, source: str, now: float) -> str:
        """Return the progress line after ``number`` documents, at the clock's ``now``."""
        elapsed = max(now - self._started, 1e-6)
        rate = number / elapsed
        total = self.total
        if total is not None and number <= total:
            done = f"{number:,}/{total:,} ({100 * number // max(total, 1)}%)"
            left = f" · {_duration((total - number) / rate)} left" if elapsed >= 1 else ""
        else:  # no total known (web archives), or the cheap count was short
            done, left = f"{number:,}", ""
        speed = f" · {rate:,.0f}/s" if elapsed >= 1 else ""
        return f"reading {done}{speed}{left} · {source[-40:]}"

    def clear(self) -> None:
        click.echo("\r" + " " * WIDTH + "\r", nl=False, err=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def echo_skips(skipped: list, *, verbose: bool, skips_file: str | None,
               with_file: bool = True) -> None:
    """Print the skips: each one when few or ``verbose``, else their counts by reason."""
    if verbose or len(skipped) <= SKIPS_LISTED:
        for skip in skipped:
            click.echo(f"  skipped {skip.source}: {skip.reason}")
        return
    click.echo("skipped, by reason:")
    for reason, count in skip_counts(skipped).items():
        click.echo(f"  {count:>7,}  {reason}")
    where = f"in {skips_file}" if skips_file else "with --verbose, or in a file with --skips FILE"
    if skips_file is None and not with_file:
        where = "with --verbose"
    click.echo(f"the {len(skipped):,} skipped inputs are listed one by one {where}")


def write_skips(skipped: list, path: str) -> None:
    """Write every skip to ``path``, one ``source<TAB>reason`` line each."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            for skip in skipped:
                handle.write(f"{skip.source}\t{skip.reason}\n")
    except OSError as exc:
        raise click.ClickException(f"cannot write the skips to {path}: "
                                   f"{exc.strerror or exc}") from exc
