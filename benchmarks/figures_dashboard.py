"""Role home pages and the partnership figures dashboard on PostgreSQL: server-side latency.

Builds a dedicated database (BENCH_FIGURES_DB, default ``harbour_bench_figures_s<scale>``, e.g.
``harbour_bench_figures_s100``: dropped and created again), migrates it and seeds it with
``harbour seed --scale BENCH_FIGURES_SCALE --seed 1`` (default scale 100), timing the seed. With
``--reuse`` an existing database of that name is migrated (for migrations added since) and measured
without seeding again (it must have been seeded at that scale); it is never dropped. Then, in one
process and one run, measures with Django's test client (the whole request in the Django process,
database included, no HTTP server):

- the baseline: ``GET /healthz`` (a request through every middleware and one database query);
- each demo user's home page (``GET /``: their role's work queues);
- the partnership figures (``GET /figures/``) as the demo partnership leader, for every young person,
  and as the demo analyst with a district and an age band chosen: first counted live (no summary, a
  few requests, for comparison), then, after the summary is counted (timed: the ``figures.summary``
  tick job), read from the summary as users see it.

The database is first vacuumed and analysed (``VACUUM (ANALYZE)``), as autovacuum keeps a production
one (these machines run PostgreSQL with autovacuum off). The process is then warmed and its objects
frozen out of garbage collection, as ``harbour serve``'s gunicorn master does before it forks the
workers (``harbour.core.warm.warm_and_freeze``).

Each page is requested BENCH_FIGURES_REPS times (default 200; the dashboard a quarter as many, at
least 20) after a few unmeasured warm-up requests; p50 and p95 are reported in milliseconds and as
ratios to the baseline's p95 measured in the same run. Not a test: nothing asserts on time. With
--write the report goes into benchmarks/README.md between the figures markers.

    .venv/bin/python benchmarks/figures_dashboard.py [--write] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from readme_sections import replace_section

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

START, END = "<!-- figures-dashboard:start -->", "<!-- figures-dashboard:end -->"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SCALE = float(os.environ.get("BENCH_FIGURES_SCALE", "100"))
DATABASE = os.environ.get("BENCH_FIGURES_DB", f"harbour_bench_figures_s{SCALE:g}")
REPS = int(os.environ.get("BENCH_FIGURES_REPS", "200"))
WARM_UP = 5
LIVE_REPS = 5  # the dashboard counted live, for comparison only: a few seconds a view at scale 100
HOME_TARGET_MS = 100.0
DASHBOARD_TARGET_MS = 300.0


@dataclass(frozen=True)
class Measured:
    name: str
    samples_ms: list[float]
    status: int

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    # Connections kept between requests, as production keeps them (HARBOUR_DB_CONN_MAX_AGE): the
    # threads the home page fills its queues on would otherwise connect again for every page.
    os.environ.setdefault("HARBOUR_DB_CONN_MAX_AGE", "60")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
    import django

    django.setup()


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def _database_exists() -> bool:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is not None


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')


def seed() -> float:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed", scale=SCALE, seed=1)
    return time.perf_counter() - started


def vacuum() -> float:
    """VACUUM (ANALYZE) the database, as autovacuum keeps a production one. These machines run
    PostgreSQL with autovacuum off, and the seed's COPY leaves every page without its visibility map,
    so each index-only scan read the table as well (940 extra page reads in one 13 ms query)."""
    from django.db import connections

    connections.close_all()
    started = time.perf_counter()
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        # Write out the pages the vacuum changed now, not while the pages are being measured.
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("  (no CHECKPOINT after the vacuum: needs a superuser)", flush=True)
    return time.perf_counter() - started


def measure(name: str, request: Callable[[], Any], reps: int) -> Measured:
    status = 0
    for _ in range(WARM_UP):
        status = request().status_code
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        response = request()
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    result = Measured(name, samples, status)
    print(f"  {name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms (HTTP {status})", flush=True)
    return result


def _signed_in(client: Any, user: Any) -> Callable[[], Any]:
    client.force_login(user)
    return lambda: client.get("/")


def measure_interleaved(requests: dict[str, Callable[[], Any]], reps: int) -> list[Measured]:
    """Each request once a round, ``reps`` rounds: this machine's speed drifts by a third over minutes,
    and measured one after another each page's figure depended on the minutes it happened to get."""
    status: dict[str, int] = {}
    for name, request in requests.items():
        for _ in range(WARM_UP):
            status[name] = request().status_code
    samples: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(reps):
        for name, request in requests.items():
            started = time.perf_counter()
            response = request()
            samples[name].append((time.perf_counter() - started) * 1000)
            status[name] = response.status_code
    results = [Measured(name, samples[name], status[name]) for name in requests]
    for result in results:
        print(
            f"  {result.name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms (HTTP {result.status})",
            flush=True,
        )
    return results


def counts() -> dict[str, int]:
    from django.apps import apps

    labels = {
        "young people": ("people.Person", {"kind": "young_person"}),
        "referrals": ("frontdoor.Referral", {}),
        "agreed assessments": ("assessments.Assessment", {"agreed_at__isnull": False}),
        "missing episodes": ("missing.MissingEpisode", {}),
        "return home interviews": ("missing.ReturnInterview", {}),
        "exclusions": ("education.Exclusion", {}),
    }
    found = {}
    for label, (model, filters) in labels.items():
        found[label] = apps.get_model(model).objects.filter(**filters).count()
    return found


@dataclass(frozen=True)
class Counted:
    seconds: float
    groups: int


def run() -> tuple[Measured, list[Measured], list[Measured], list[Measured], Counted]:
    from django.test import Client

    from harbour.accounts.models import User
    from harbour.core.warm import warm_and_freeze
    from harbour.demo.constants import DEMO_ROLES, demo_username
    from harbour.figures.models import FiguresSummary
    from harbour.figures.summary import summary_count

    # As `harbour serve`'s gunicorn master does before it forks the workers (core/warm.py): load what
    # Django loads lazily, then freeze those objects out of garbage collection.
    frozen = warm_and_freeze()
    print(f"  warmed as harbour serve's master does: {frozen:,} objects frozen", flush=True)
    anonymous = Client()
    baseline = measure("baseline `GET /healthz`", lambda: anonymous.get("/healthz"), REPS)
    homes = measure_interleaved(
        {
            f"home page, {role}": _signed_in(Client(), User.objects.get(username=demo_username(role)))
            for role in DEMO_ROLES
        },
        REPS,
    )
    dashboard_reps = max(20, REPS // 4)
    leader = Client()
    leader.force_login(User.objects.get(username=demo_username("partnership-leader")))
    analyst = Client()
    analyst.force_login(User.objects.get(username=demo_username("analyst")))
    views: list[tuple[str, Callable[[], Any]]] = [
        ("figures, all young people (partnership leader)", lambda: leader.get("/figures/")),
        (
            "figures, Norwich, aged 13 to 15 (analyst)",
            lambda: analyst.get("/figures/", {"district": "norwich", "age_band": "13-15"}),
        ),
    ]
    # Counted live first (no summary yet, as after a deployment before the first tick), for comparison;
    # then the summary is counted (the tick job, timed) and the page measured as users see it.
    FiguresSummary.objects.all().delete()
    live = [measure(f"{name}, counted live (no summary)", view, LIVE_REPS) for name, view in views]
    started = time.perf_counter()
    summary = summary_count()
    counted = Counted(seconds=time.perf_counter() - started, groups=summary.group_count)
    print(f"  summary counted: {counted.groups:,} groups in {counted.seconds:.1f} s", flush=True)
    dashboards = [measure(f"{name}, from the summary", view, dashboard_reps) for name, view in views]
    return baseline, homes, dashboards, live, counted


def report(
    *,
    seed_seconds: float | None,
    found: dict[str, int],
    baseline: Measured,
    homes: list[Measured],
    dashboards: list[Measured],
    live: list[Measured],
    counted: Counted,
) -> str:
    import django
    from django.conf import settings

    def row(result: Measured, target: float | None) -> str:
        verdict = "" if target is None else ("met" if result.p95 <= target else "missed")
        ratio = result.p95 / baseline.p95
        return f"| {result.name} | {result.p50:.1f} ms | {result.p95:.1f} ms | {ratio:.1f}x | {verdict} |"

    seeded = (
        f"seeded by `harbour seed --scale {SCALE:g}` in {seed_seconds:.0f} s"
        if seed_seconds is not None
        else f"seeded earlier at scale {SCALE:g} (`--reuse`)"
    )
    lines = [
        f"Run on {time.strftime('%Y-%m-%d')}: PostgreSQL on this machine ({os.cpu_count()} cores, shared), "
        f"Python {platform.python_version()}, Django {django.get_version()}; {seeded}: "
        + ", ".join(f"{n:,} {label}" for label, n in found.items())
        + ". Server-side time of each request through Django's test client (every middleware, the "
        "database, the template; no HTTP server), on the database just vacuumed and analysed (as "
        "autovacuum keeps a production one), in one process warmed and frozen out of garbage "
        "collection as `harbour serve`'s master does before forking its workers (core/warm.py), "
        f"the home page's work queues filled on {settings.HARBOUR_QUEUE_THREADS} threads "
        "(`HARBOUR_QUEUE_THREADS`), connections kept between requests as production keeps them, "
        f"{REPS} requests each after {WARM_UP} warm-up requests (the home pages in turn, one of each a "
        "round, so that all of them meet the machine's changes of speed alike) "
        f"({max(20, REPS // 4)} for the dashboard). Ratios are p95 against the baseline's p95 "
        f"({baseline.p95:.1f} ms), measured in the same run. Load average at the end of the run "
        f"(1, 5 and 15 minutes): {', '.join(f'{load:.1f}' for load in os.getloadavg())}.",
        "",
        "| page | p50 | p95 | p95 / baseline p95 | target |",
        "| --- | --- | --- | --- | --- |",
        row(baseline, None),
        *(row(result, HOME_TARGET_MS) for result in homes),
        *(row(result, DASHBOARD_TARGET_MS) for result in dashboards),
        *(row(result, None) for result in live),
        "",
        f"Targets: each role's home page p95 at most {HOME_TARGET_MS:.0f} ms; the dashboard p95 at most "
        f"{DASHBOARD_TARGET_MS:.0f} ms. The dashboard reads the summary that `harbour tick` keeps "
        f"(job `figures.summary`): counting it took {counted.seconds:.1f} s for {counted.groups:,} groups "
        f"of young people in this run. The rows counted live ({LIVE_REPS} requests each, no target) are "
        "what a view costs before the first count after a deployment.",
    ]
    return "\n".join(lines)


def write_report(text: str) -> None:
    replace_section(START, END, text, heading="Home pages and partnership figures")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="Write the report into benchmarks/README.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Measure the database a --keep run (or `harbour seed`) left, without seeding it again; keep it.",
    )
    args = parser.parse_args()
    print(f"Home pages and figures benchmark: scale {SCALE:g} in {DATABASE}", flush=True)
    reuse = args.reuse and _database_exists()
    if not reuse:
        recreate_database()
    _setup_django()
    if reuse:
        from harbour.demo.seed import recorded_seed

        recorded = recorded_seed() or {}
        if recorded.get("scale") != SCALE:
            sys.exit(f"{DATABASE} was seeded at scale {recorded.get('scale')}, not {SCALE:g}: not reused.")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # migrations added since it was seeded (indexes, say)
    seed_seconds = None if reuse else seed()
    if seed_seconds is not None:
        print(f"  seeded in {seed_seconds:.0f} s", flush=True)
    vacuumed = vacuum()
    print(f"  VACUUM (ANALYZE) in {vacuumed:.0f} s", flush=True)
    found = counts()
    baseline, homes, dashboards, live, counted = run()
    text = report(
        seed_seconds=seed_seconds,
        found=found,
        baseline=baseline,
        homes=homes,
        dashboards=dashboards,
        live=live,
        counted=counted,
    )
    print(text)
    if args.write:
        write_report(text)
    if not args.keep and not reuse:
        drop_database()


if __name__ == "__main__":
    main()
