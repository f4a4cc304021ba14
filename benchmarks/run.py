"""`make bench`: run every benchmark and write its results into benchmarks/README.md.

Runs batch_linkage.py (scales from BENCH_SCALES, default 100000), febrl.py and, when present,
febrl_lookup.py, interactive_lookup.py, figures_dashboard.py and missing_import.py, each in its own
process with --write, and fails at the end if any of them could not run. A missed target is not a
failure: each benchmark writes its figures, the target and whether it was met or missed into
benchmarks/README.md. Not tests: nothing here asserts on time or accuracy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "batch_linkage.py",
    "febrl.py",
    "febrl_lookup.py",
    "interactive_lookup.py",
    "figures_dashboard.py",
    "missing_import.py",
]


def main() -> None:
    failed = []
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            print(f"== {name}: not present, skipped", flush=True)
            continue
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script), "--write"], check=False).returncode != 0:  # noqa: S603
            failed.append(name)
    if failed:
        print(f"!! failed: {', '.join(failed)}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
