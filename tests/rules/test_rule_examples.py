"""Every rule file's bad examples must raise that rule, its good examples must not,
and what each example produces is exactly what tests/rules/expectations/<ID>.yaml says.

Rules are discovered from the registry, so a new rule file is tested the moment
it exists; documentation cannot drift from behaviour.  The expectations files
are written by scripts/gen_rule_expectations.py; a changed message or position
fails here until the files are regenerated, and shows in review as their diff.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script():
    path = ROOT / "scripts" / "gen_rule_expectations.py"
    spec = importlib.util.spec_from_file_location("gen_rule_expectations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _script()
REGISTRY = GEN.registry()
CASES = [
    pytest.param(rule, verdict, i, ex, id=f"{rule.id}-{verdict}-{i}")
    for rule in REGISTRY
    for verdict in ("bad", "good")
    for i, ex in enumerate(rule.examples[verdict])
]
REGENERATE = ".venv/bin/python scripts/gen_rule_expectations.py"


@pytest.fixture(scope="module")
def outcomes():
    """rule id -> verdict -> each example's outcome; every example is linted once."""
    return GEN.lint_examples(REGISTRY)


@pytest.mark.parametrize("rule,verdict,index,example", CASES)
def test_rule_example(rule, verdict, index, example, outcomes):
    """Independent of the expectations files, so regenerating them cannot bless a broken example."""
    outcome = outcomes[rule.id][verdict][index]
    assert outcome.error is None, outcome.error
    hits = [f for f in outcome.findings if f.rule == rule.id]
    if verdict == "bad":
        assert hits, f"{rule.id} bad example {index} did not fire; findings: {outcome.findings}"
        if "line" in example:
            assert hits[0].span.line == example["line"], hits[0]
    else:
        assert not hits, f"{rule.id} fired on its good example {index}: {hits}"


@pytest.mark.parametrize("rule", list(REGISTRY), ids=lambda rule: rule.id)
def test_rule_examples_match_expectations(rule, outcomes):
    name = f"{rule.id}.yaml"
    path = GEN.EXPECTATIONS / name
    have = {name: path.read_text(encoding="utf-8")} if path.is_file() else {}
    want = {name: GEN.render(rule, outcomes[rule.id])}
    if have != want:
        pytest.fail(
            f"{path.relative_to(ROOT)} differs from what {rule.id}'s examples produce "
            f"(diff from the stored file to the actual findings):\n\n{GEN.diff(want, have)}\n"
            f"If the change is intended, run `{REGENERATE}` and commit the diff.",
            pytrace=False,
        )


def test_no_expectations_without_a_rule():
    left_over = sorted(set(GEN.stored()) - {f"{rule.id}.yaml" for rule in REGISTRY})
    assert not left_over, f"expectations of rules that do not exist: {left_over}; run `{REGENERATE}`"


def test_every_rule_has_examples_and_docs():
    assert len(REGISTRY) > 0
    for rule in REGISTRY:
        assert rule.examples["bad"] and rule.examples["good"], rule.id
        for key in ("what", "why", "references"):
            assert rule.docs.get(key), (rule.id, key)


def test_rule_files_are_named_after_their_id_and_name():
    for rule in REGISTRY:
        if rule.pack == "builtin":
            assert Path(rule.source).name == f"{rule.id}-{rule.name}.yaml", rule.source
