"""docs/rules/<ID>.md (the helpUri of SARIF and the LSP codeDescription) is up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from iamlint.api import default_registry
from iamlint.docs import rule_url

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_rule_docs_are_up_to_date():
    stale = _script().stale()
    assert not stale, f"run `.venv/bin/python scripts/gen_rule_docs.py`: stale pages {stale}"


def test_every_builtin_rule_has_a_page_named_by_its_help_url():
    for rule in default_registry():
        if rule.pack != "builtin":
            continue
        url = rule_url(rule)
        assert url.endswith(f"/docs/rules/{rule.id}.md")
        page = ROOT / "docs" / "rules" / f"{rule.id}.md"
        assert page.is_file(), rule.id
        assert f"({rule.id})" in page.read_text(encoding="utf-8").splitlines()[2]
