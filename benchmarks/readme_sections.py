"""Each benchmark's figures live in benchmarks/README.md between its own pair of markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def replace_section(start: str, end: str, report: str, heading: str = "") -> None:
    """Put ``report`` between the two markers in benchmarks/README.md; if they are not there yet, add
    them at the end, under ``heading`` when one is given."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = f"{before}{start}\n{report}\n{end}{after}"
    else:
        title = f"\n## {heading}\n" if heading else ""
        text = text.rstrip("\n") + f"\n{title}\n{start}\n{report}\n{end}\n"
    README.write_text(text, encoding="utf-8")
