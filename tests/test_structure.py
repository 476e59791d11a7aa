"""Structure the design holds to (ARCHITECTURE.md, issue 16), checked on the source.

- The command line and the language server lint through one orchestrator,
  :class:`iamlint.session.Session`: neither calls the library's lint functions
  (``iamlint.api.lint_*``) nor the engine's runner itself.
- ``cli.py`` parses arguments, writes outputs and picks exit codes: no function
  in it is longer than 60 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "iamlint"
FRONTENDS = [PACKAGE / "cli.py", *sorted((PACKAGE / "lsp").glob("*.py"))]
#: what only the session may call to lint
LINTING = {"lint_path", "lint_bytes", "lint_text", "lint_data", "run_documents", "run_roles"}


def _imported_names(tree: ast.AST) -> set[tuple[str, str]]:
    """(module, name) of every ``from module import name``, function-local ones included."""
    return {
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def _called_attributes(tree: ast.AST) -> set[str]:
    return {
        node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def _lints_directly(source: str) -> list[str]:
    tree = ast.parse(source)
    imported = {f"{module}.{name}" for module, name in _imported_names(tree) if name in LINTING}
    called = {f"<module>.{name}" for name in _called_attributes(tree) & LINTING}
    modules = {module for module, _ in _imported_names(tree)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    runner = {m for m in modules if m == "iamlint.engine.runner"}
    return sorted(imported | called | runner)


@pytest.mark.parametrize("path", FRONTENDS, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_frontends_lint_through_the_session(path: Path) -> None:
    assert _lints_directly(path.read_text(encoding="utf-8")) == []


def test_the_frontend_check_finds_a_direct_lint() -> None:
    lines = [
        "from iamlint.api import lint_path",
        "import iamlint.engine.runner",
        "def f(api):",
        "    return api.lint_bytes(b'')",
    ]
    source = "\n".join(lines) + "\n"
    assert _lints_directly(source) == ["<module>.lint_bytes", "iamlint.api.lint_path", "iamlint.engine.runner"]


def _long_functions(source: str, limit: int) -> list[str]:
    tree = ast.parse(source)
    return sorted(
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    )


def test_cli_functions_are_short() -> None:
    assert _long_functions((PACKAGE / "cli.py").read_text(encoding="utf-8"), 60) == []


def test_the_length_check_finds_a_long_function() -> None:
    source = "def f():\n" + "    x = 1\n" * 60
    assert _long_functions(source, 60) == ["f (61 lines, line 1)"]
