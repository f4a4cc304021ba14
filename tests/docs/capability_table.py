"""Render the roles-and-capabilities table in docs/security.md from the shipped reference data.

Print it with ``.venv/bin/python -m tests.docs.capability_table`` and paste it between the markers.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ACCOUNTS_JSON = REPO / "src" / "harbour" / "accounts" / "reference" / "accounts.json"
START = "<!-- capability-table:start -->"
END = "<!-- capability-table:end -->"


def roles() -> list[dict]:
    rows = json.loads(ACCOUNTS_JSON.read_text())["accounts.Role"]
    return sorted(rows, key=lambda row: (row.get("sort_order", 0), row["code"]))


def render() -> str:
    """The table as Markdown: one row per role, in the roles' sort order."""
    lines = [
        "| role | code | manages a team | capabilities |",
        "| --- | --- | --- | --- |",
    ]
    for role in roles():
        capabilities = ", ".join(f"`{code}`" for code in role.get("capabilities", [])) or "none"
        manages = "yes" if role.get("manages_team") else "no"
        lines.append(f"| {role['label']} | `{role['code']}` | {manages} | {capabilities} |")
    return "\n".join(lines)


def documented(markdown: str) -> str:
    """The table as it stands in the document, between the markers."""
    if START not in markdown or END not in markdown:
        raise ValueError(f"the markers {START} and {END} are missing")
    return markdown.split(START, 1)[1].split(END, 1)[0].strip()


if __name__ == "__main__":
    print(START)
    print(render())
    print(END)
