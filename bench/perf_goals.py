"""Issue 20's goals for one machine, checked against the figures of one ``bench.perf`` run.

The goals are written for the largest size of the run (500,000 articles in issue 20) and, for
the ratios, every size from 100,000 on; a goal whose figure the run did not measure (no
tantivy, ``--skip-http``, a single size) is "not measured", never met.
"""

from __future__ import annotations

from dataclasses import dataclass

TANTIVY_RATIO = 1.5  # newsfacet p50 at most this times tantivy's
FTS5_RATIO = 0.3  # and at most this times FTS5's
QUERY_P95_MS = 60.0
HTTP_P95_MS = 150.0  # at 8 clients
COLD_SECONDS = 2.0
MEMORY_MB = 800.0  # indexing peak, and the server's two workers
BUILD_RATE_SHARE = 0.8  # of the rate at the reference size
REFERENCE_SIZE = 100_000


@dataclass(frozen=True)
class Goal:
    name: str
    met: bool | None  # None: not measured in this run
    figures: str

    def line(self) -> str:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[self.met]
        return f"- {self.name}: {verdict} ({self.figures})"


def check_goals(report: dict) -> list[Goal]:
    """Return each goal with whether the run's figures meet it (``report``: size -> the
    figures ``bench.perf`` records for that size)."""
    sizes = sorted(s for s in report if isinstance(s, int))
    if not sizes:
        return []
    large = sizes[-1]
    ratio_sizes = [s for s in sizes if s >= REFERENCE_SIZE] or [large]
    goals = [_ratio_goal(report, ratio_sizes, "tantivy", TANTIVY_RATIO),
             _ratio_goal(report, ratio_sizes, "sqlite_fts5", FTS5_RATIO)]
    ours = report[large]["queries"]["newsfacet"]
    goals.append(Goal(f"query p95 <= {QUERY_P95_MS:g} ms at {large:,}",
                      ours["p95_ms"] <= QUERY_P95_MS, f"{ours['p95_ms']:.1f} ms"))
    goals += http_goals(report[large].get("http"), large)
    build = report[large]["build"]
    goals.append(Goal(f"indexing peak memory <= {MEMORY_MB:g} MB at {large:,}",
                      build["peak_rss_mb"] <= MEMORY_MB, f"{build['peak_rss_mb']} MB"))
    reference = REFERENCE_SIZE if REFERENCE_SIZE in report and large != REFERENCE_SIZE else None
    if reference is None:
        goals.append(Goal(f"build rate at {large:,} >= {BUILD_RATE_SHARE:.0%} of the rate at "
                          f"{REFERENCE_SIZE:,}", None, f"{REFERENCE_SIZE:,} not in this run"))
    else:
        rate, base = build["articles_per_s"], report[reference]["build"]["articles_per_s"]
        goals.append(Goal(f"build rate at {large:,} >= {BUILD_RATE_SHARE:.0%} of the rate at "
                          f"{reference:,}", rate >= BUILD_RATE_SHARE * base,
                          f"{rate:.0f} vs {base:.0f} articles/s, {rate / base:.0%}"))
    return goals


def http_goals(http: dict | None, size: int) -> list[Goal]:
    """Return the goals of the server at ``size`` articles (``http``: its figures, or None when
    the run did not serve the index)."""
    if not http:
        return [Goal(name, None, "--skip-http") for name in (
            "HTTP p95 at 8 clients", "cold first search", "server memory")]
    return [
        Goal(f"HTTP p95 at 8 clients <= {HTTP_P95_MS:g} ms at {size:,}, 0 errors",
             http["c8_p95_ms"] <= HTTP_P95_MS and http["c8_errors"] == 0,
             f"{http['c8_p95_ms']:.1f} ms, {http['c8_errors']} errors"),
        Goal(f"cold first search <= {COLD_SECONDS:g} s at {size:,}",
             http["cold_first_search_s"] <= COLD_SECONDS,
             f"{http['cold_first_search_s']:.2f} s"),
        Goal(f"server memory (2 workers) <= {MEMORY_MB:g} MB at {size:,}",
             http["server_rss_mb"] <= MEMORY_MB,
             f"RSS summed {http['server_rss_mb']:.0f} MB"
             + (f", PSS {http['server_pss_mb']:.0f} MB" if "server_pss_mb" in http else "")),
    ]


def _ratio_goal(report: dict, sizes: list[int], baseline: str, most: float) -> Goal:
    name = f"query p50 <= {most:g}x {baseline} at " + ", ".join(f"{s:,}" for s in sizes)
    ratios = []
    for size in sizes:
        queries = report[size]["queries"]
        if baseline not in queries:
            return Goal(name, None, f"no {baseline} column at {size:,}")
        ratios.append(queries["newsfacet"]["p50_ms"] / queries[baseline]["p50_ms"])
    return Goal(name, all(r <= most for r in ratios),
                ", ".join(f"{r:.2f}x at {s:,}" for s, r in zip(sizes, ratios, strict=True)))
