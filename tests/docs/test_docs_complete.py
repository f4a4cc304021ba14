"""The docs keep up with the code: every audit code, capability, setting, command and API route is
documented, and the generated tables match their sources.

Most checks read source files and need no database. The API check builds the live OpenAPI schema
(pytest-django has already set Django up), so it stays honest as routes are added.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs import capability_table

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "harbour"
DOCS = REPO / "docs"
AUDIT_CODE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _python_files() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _backticked(code: str, text: str) -> bool:
    return f"`{code}`" in text


# --- audit codes ------------------------------------------------------------------------------------


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def audit_codes_written() -> dict[str, str]:
    """Every action code passed to a ``record(...)`` call in src/, with where it is written.

    Parsed with ``ast`` rather than a regex, so calls spread over several lines are found too. The
    code is the second positional argument (``record(actor, "person.viewed", obj)``) or ``action=``,
    written as a string or as a module-level constant (``SEEDED_ACTION = "demo.seeded"``).
    """
    found: dict[str, str] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = {
            target.id: value
            for node in tree.body
            if isinstance(node, ast.Assign) and (value := _string(node.value))
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "record":
                continue
            candidates = [node.args[1]] if len(node.args) > 1 else []
            candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
            for candidate in candidates:
                code = _string(candidate)
                if code is None and isinstance(candidate, ast.Name):
                    code = constants.get(candidate.id)
                if code and AUDIT_CODE.match(code):
                    found.setdefault(code, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def audit_codes_labelled() -> set[str]:
    """The codes the audit pages have words for (audit/selectors.py ``ACTION_LABELS``), if present."""
    path = SRC / "audit" / "selectors.py"
    if not path.exists():
        return set()
    for node in ast.walk(ast.parse(_read(path))):
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "ACTION_LABELS":
            value = getattr(node, "value", None)
            if isinstance(value, ast.Dict):
                return {code for key in value.keys if (code := _string(key))}
    return set()


def audit_codes_documented() -> set[str]:
    """The codes in the table of docs/audit.md (first column, between the audit-codes markers)."""
    text = _read(DOCS / "audit.md")
    block = text.split("<!-- audit-codes:start -->", 1)[-1].split("<!-- audit-codes:end -->", 1)[0]
    return set(re.findall(r"^\|\s*`([a-z_.]+)`", block, flags=re.MULTILINE))


def test_the_code_scanner_finds_audit_codes_in_multi_line_calls():
    source = 'audit.record(\n    actor,\n    "grant.given",\n    grant,\n)\nrecord(None, action="user.x")\n'
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert _string(calls[0].args[1]) == "grant.given"
    assert audit_codes_written()["grant.given"].startswith("src/harbour/access/services.py")


def test_every_audit_code_written_is_in_docs_audit_md():
    codes = set(audit_codes_written()) | audit_codes_labelled()
    assert codes, "found no audit codes: the scanner is broken"
    text = _read(DOCS / "audit.md")
    missing = sorted(code for code in codes if not _backticked(code, text))
    assert not missing, f"audit codes missing from docs/audit.md: {missing}"


def test_every_audit_code_documented_is_written_somewhere():
    written = set(audit_codes_written()) | audit_codes_labelled()
    stale = sorted(audit_codes_documented() - written)
    assert not stale, f"docs/audit.md lists codes that no code writes: {stale}"


# --- capabilities and roles ----------------------------------------------------------------------------


def capabilities() -> dict[str, str]:
    from harbour.accounts.capabilities import CAPABILITIES

    return CAPABILITIES


def test_every_capability_is_in_docs_security_md():
    text = _read(DOCS / "security.md")
    missing = sorted(code for code in capabilities() if not _backticked(code, text))
    assert not missing, f"capabilities missing from docs/security.md: {missing}"


def test_role_table_in_docs_security_md_matches_accounts_json():
    expected = capability_table.render()
    actual = capability_table.documented(_read(DOCS / "security.md"))
    assert actual == expected, (
        "The roles table in docs/security.md differs from accounts/reference/accounts.json. "
        "Regenerate it with `.venv/bin/python -m tests.docs.capability_table`:\n\n" + expected
    )


def test_roles_only_use_known_capabilities():
    known = set(capabilities())
    for role in capability_table.roles():
        unknown = set(role.get("capabilities", [])) - known
        assert not unknown, f"role {role['code']} uses unknown capabilities {sorted(unknown)}"


def test_every_policy_action_is_in_docs_access_md():
    source = _read(SRC / "access" / "policies.py")
    actions = set(re.findall(r'case\s+"([a-z_.]+)"', source))
    assert actions, "found no policy actions in access/policies.py"
    text = _read(DOCS / "access.md")
    missing = sorted(action for action in actions if not _backticked(action, text))
    assert not missing, f"policy actions missing from docs/access.md: {missing}"


# --- settings and environment variables ----------------------------------------------------------------

ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list|env_int)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def environment_variables() -> dict[str, str]:
    """Every environment variable that src/ reads, with the first file that reads it."""
    found: dict[str, str] = {}
    for path in _python_files():
        for match in ENV_READ.finditer(path.read_text(encoding="utf-8")):
            name = match.group(1) or match.group(2)
            found.setdefault(name, str(path.relative_to(REPO)))
    return found


def test_settings_py_environment_variables_are_found():
    names = environment_variables()
    for name in ("SECRET_KEY", "DATABASE_URL", "HARBOUR_ENV", "ALLOWED_HOSTS", "HARBOUR_DEMO_MODE"):
        assert name in names, f"the scanner missed {name}"


def test_every_environment_variable_is_documented():
    docs = _read(REPO / "README.md") + _read(DOCS / "configuration.md")
    missing = sorted(
        f"{name} ({where})" for name, where in environment_variables().items() if not _backticked(name, docs)
    )
    assert not missing, f"environment variables missing from README.md and docs/configuration.md: {missing}"


def test_every_harbour_setting_is_documented():
    source = _read(SRC / "settings.py")
    names = set(re.findall(r"^(HARBOUR_[A-Z0-9_]+)\s*[:=]", source, flags=re.MULTILINE))
    docs = _read(DOCS / "configuration.md")
    missing = sorted(name for name in names if not _backticked(name, docs))
    assert not missing, f"HARBOUR_* settings missing from docs/configuration.md: {missing}"


# --- commands ------------------------------------------------------------------------------------------


def test_every_management_command_is_documented():
    commands = sorted(
        path.stem for path in SRC.glob("*/management/commands/*.py") if not path.stem.startswith("_")
    )
    assert "audit" in commands
    docs = _read(REPO / "README.md") + "".join(_read(path) for path in sorted(DOCS.rglob("*.md")))
    missing = [name for name in commands if f"harbour {name}" not in docs]
    assert not missing, f"`harbour` commands missing from the docs: {missing}"


# --- API routes ----------------------------------------------------------------------------------------

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
DOCUMENTED_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`\s]*)`")


def api_routes() -> set[str]:
    """``METHOD /path`` for every operation in the live OpenAPI schema."""
    from harbour.api.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


def test_every_api_route_is_in_docs_api_md():
    text = _read(DOCS / "api.md")
    missing = sorted(route for route in api_routes() if f"`{route}`" not in text)
    assert not missing, f"API routes missing from docs/api.md: {missing}"


def test_every_route_in_docs_api_md_exists():
    routes = api_routes()
    documented = {f"{method} {path}" for method, path in DOCUMENTED_ROUTE.findall(_read(DOCS / "api.md"))}
    stale = sorted(documented - routes)
    assert not stale, f"docs/api.md describes routes the API does not have: {stale}"


# --- the documents exist -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "architecture.md",
        "security.md",
        "configuration.md",
        "api.md",
        "access.md",
        "audit.md",
        "people.md",
        "accounts.md",
    ],
)
def test_document_exists(name):
    assert (DOCS / name).exists(), f"docs/{name} is missing"


def test_decisions_are_numbered_and_have_the_three_parts():
    decisions = sorted((DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert decisions
    numbers = [int(path.name[:4]) for path in decisions]
    assert len(numbers) == len(set(numbers)), "two decisions share a number"
    for path in decisions:
        text = _read(path)
        for part in ("## Context", "## Decision", "## Consequences"):
            assert part in text, f"{path.name} has no {part!r} section"


def test_accounts_json_is_valid():
    data = json.loads(capability_table.ACCOUNTS_JSON.read_text())
    assert "accounts.Role" in data
