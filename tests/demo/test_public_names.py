"""The demo uses other apps through their public names: a private helper (``_name``) may change or go
without notice, and the seed would break or, worse, quietly write something the app no longer would."""

from __future__ import annotations

import ast
from pathlib import Path

import harbour.demo

DEMO = Path(harbour.demo.__file__).parent


def _private_uses(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # names bound to other apps' modules in this file
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harbour."):
            if node.module.startswith("harbour.demo"):
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.add((path.name, f"{node.module}.{alias.name}"))
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("harbour.") and not alias.name.startswith("harbour.demo"):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.add((path.name, f"{node.value.id}.{node.attr}"))
    return found


def test_the_demo_uses_no_other_apps_private_names():
    found: set[tuple[str, str]] = set()
    for path in sorted(DEMO.rglob("*.py")):
        found |= _private_uses(path)
    assert found == set(), "give it a public name in its own module, then use that"


def test_the_scan_finds_private_names_both_ways(tmp_path):
    """The check itself: an imported private name and a private attribute of an imported module."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from harbour.audit import services as audit\n"
        "from harbour.education.indicators import _date\n"
        "from harbour.demo.audited import _own\n"  # the demo's own private names are its business
        "audit._object_reference(None)\n"
        "audit.__name__\n",
        encoding="utf-8",
    )
    assert _private_uses(sample) == {
        ("sample.py", "harbour.education.indicators._date"),
        ("sample.py", "audit._object_reference"),
    }
