"""One role's home page, requested a given number of times, for counting instructions with callgrind.

The machine's speed moves too much between runs for a 10% change in a page's time to show (see
benchmarks/README.md, "Home pages and partnership figures"). Instructions do not move with it:

    valgrind --tool=callgrind --callgrind-out-file=one.out .venv/bin/python \\
        benchmarks/home_page_instructions.py team-manager 1
    valgrind --tool=callgrind --callgrind-out-file=six.out .venv/bin/python \\
        benchmarks/home_page_instructions.py team-manager 6

A page's instructions are the difference of the two totals (the ``summary:`` line) divided by 5.
The database is the one `figures_dashboard.py --keep` seeds (BENCH_FIGURES_DB); the process is warmed
and frozen as `harbour serve`'s workers are, and three pages are requested before the counted ones.
The database server's own work is not counted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_FIGURES_DB", "harbour_bench_figures_s100")
WARM_UP = 3


def main(role: str, pages: int) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    # Connections kept between requests, as production keeps them (HARBOUR_DB_CONN_MAX_AGE): the
    # threads the home page fills its queues on would otherwise connect again for every page.
    os.environ.setdefault("HARBOUR_DB_CONN_MAX_AGE", "60")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.settings")
    import django

    django.setup()
    from django.test import Client

    from harbour.accounts.models import User
    from harbour.core.warm import warm_and_freeze
    from harbour.demo.constants import demo_username

    warm_and_freeze()
    client = Client()
    client.force_login(User.objects.get(username=demo_username(role)))
    for _ in range(WARM_UP + pages):
        if client.get("/").status_code != 200:
            raise SystemExit(f"The home page of {role} did not answer 200.")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: home_page_instructions.py ROLE PAGES")
    main(sys.argv[1], int(sys.argv[2]))
