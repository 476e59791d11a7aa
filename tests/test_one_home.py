"""IAM semantics have one home (issue 18): ``iamlint/iam/``, over the catalog
modules of ``iamlint/knowledge/`` that hold the data it reads.

Checked on the source: outside ``iamlint/iam/`` and
``iamlint/knowledge/{operators,globs,arns,catalog}.py`` no module

- parses condition operator names: the qualifier and suffix spellings
  (``"IfExists"``, ``"ForAllValues"``, ``"ForAnyValue"``) as string literals,
  ``"Not" in operator``, or :func:`~iamlint.knowledge.operators.parse_operator`
  (read operators with :func:`iamlint.iam.conditions.operator_info`);
- translates a glob into a regex (``fnmatch.translate``, ``.replace("*", ".*")``,
  a function that escapes characters with ``re.escape`` and treats ``"*"``
  apart) or defines its own ``has_wildcard`` / ``[*?]`` test (use
  :mod:`iamlint.iam.wildcard`);
- splits ARNs itself (``.split(":", 5)``; use :mod:`iamlint.iam.arn`).

Messages may name the operators: only a literal that *is* one of the
spellings counts, not a sentence that mentions it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "iamlint"
#: the home of IAM semantics and the catalog data layer below it
HOME = {"iam"}
DATA = {"knowledge/operators.py", "knowledge/globs.py", "knowledge/arns.py", "knowledge/catalog.py"}
#: operator-name pieces whose literal use means parsing an operator
OPERATOR_PIECES = {"ifexists", "forallvalues", "foranyvalue", "forallvalues:", "foranyvalue:"}
#: regex source a glob translation writes for ``*`` / ``?``
GLOB_REGEX = {".*", ".*?", "(.*)", "[^:]*", "[^/]*", "[*?]"}


def _outside_home(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).as_posix()
    return rel.split("/", 1)[0] not in HOME and rel not in DATA


SOURCES = [p for p in sorted(PACKAGE.rglob("*.py")) if _outside_home(p)]


def _const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (prose, not code)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(_const(body[0].value), str):
                out.add(id(body[0].value))
    return out


def semantics_outside_home(source: str) -> list[str]:
    """What in ``source`` re-defines IAM semantics (``line: what``), sorted."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    found: list[str] = []

    def hit(node: ast.AST, what: str) -> None:
        found.append(f"{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        value = _const(node)
        if isinstance(value, str) and id(node) not in prose:
            if value.lower() in OPERATOR_PIECES:
                hit(node, f"operator-name literal {value!r}")
            if value in GLOB_REGEX:
                hit(node, f"glob regex literal {value!r}")
        if (
            isinstance(node, ast.Compare)
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
            and str(_const(node.left)).lower() == "not"
        ):
            hit(node, "negation read from an operator name")
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "parse_operator" or (node.module == "fnmatch" and alias.name == "translate"):
                    hit(node, f"imports {alias.name}")
        if isinstance(node, ast.Attribute) and node.attr in ("parse_operator", "translate"):
            base = node.value
            if node.attr == "parse_operator" or (isinstance(base, ast.Name) and base.id == "fnmatch"):
                hit(node, f"uses {node.attr}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "has_wildcard" in node.name:
            hit(node, f"defines {node.name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [_const(a) for a in node.args]
            if node.func.attr == "split" and args == [":", 5]:
                hit(node, 'splits an ARN (.split(":", 5))')
            if (
                node.func.attr == "replace"
                and len(args) == 2
                and args[0] in ("*", "?", "\\*", "\\?")
                and isinstance(args[1], str)
                and any(c in args[1] for c in ".[(")
            ):
                hit(node, f"translates {args[0]!r} to regex {args[1]!r}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            escapes = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "escape"
                for n in ast.walk(node)
            )
            if escapes and any(_const(n) == "*" for n in ast.walk(node)):
                hit(node, f"{node.name} translates a glob (re.escape with '*' apart)")
    return sorted(set(found), key=lambda s: (int(s.split(":", 1)[0]), s))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_iam_semantics_live_in_iamlint_iam(path: Path) -> None:
    assert semantics_outside_home(path.read_text(encoding="utf-8")) == []


def test_the_home_and_data_layer_are_exempt() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in SOURCES}
    assert "checks/validity.py" in names and "analysis/permissions.py" in names
    assert not any(n.startswith("iam/") for n in names)
    assert not names & DATA


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('def f(op):\n    return op.endswith("IfExists")', "operator-name literal 'IfExists'"),
        ('def f(q):\n    return q == "ForAllValues"', "operator-name literal 'ForAllValues'"),
        ('def f(op):\n    return op.lower().startswith("foranyvalue:")', "operator-name literal 'foranyvalue:'"),
        ('def f(op):\n    return "Not" in op', "negation read from an operator name"),
        ("from iamlint.knowledge.operators import parse_operator", "imports parse_operator"),
        ("from iamlint.knowledge import operators\nx = operators.parse_operator('Bool')", "uses parse_operator"),
        ("import fnmatch\nrx = fnmatch.translate('s3:*')", "uses translate"),
        ('def _has_wildcard(t):\n    return "*" in t', "defines _has_wildcard"),
        ('import re\nWILD = re.compile(r"[*?]")', "glob regex literal '[*?]'"),
        ('def f(p):\n    return p.replace("*", ".*")', "translates '*' to regex '.*'"),
        ('def f(a):\n    return a.split(":", 5)[4]', 'splits an ARN (.split(":", 5))'),
        (
            "import re\ndef glob(p):\n    return ''.join('[^:]+' if c == '*' else re.escape(c) for c in p)",
            "glob translates a glob (re.escape with '*' apart)",
        ),
    ],
)
def test_the_check_finds_each_kind(line: str, expected: str) -> None:
    found = semantics_outside_home(line)
    assert any(f.endswith(expected) for f in found), found


def test_messages_and_docstrings_may_name_operators() -> None:
    source = (
        'def f():\n    """Reads IfExists."""\n'
        '    return "`...IfExists` passes when the key is absent; ForAllValues is true of the empty set"\n'
    )
    assert semantics_outside_home(source) == []
