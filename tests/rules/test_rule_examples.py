"""Every rule file's bad examples must raise that rule, its good examples must not.

Rules are discovered from the registry, so a new rule file is tested the moment
it exists; documentation cannot drift from behaviour.
"""

from __future__ import annotations

import pytest

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine.registry import Registry

REGISTRY = Registry.load()
CASES = [
    pytest.param(rule, verdict, i, ex, id=f"{rule.id}-{verdict}-{i}")
    for rule in REGISTRY
    for verdict in ("bad", "good")
    for i, ex in enumerate(rule.examples[verdict])
]


def _lint(rule, example):
    config = Config(options=dict(example.get("config", {})))
    name = example.get("file", "policy.json")
    report = lint_bytes(name, example["content"].encode(), config, REGISTRY, example.get("kind"))
    assert report.error is None, report.error
    return report


@pytest.mark.parametrize("rule,verdict,index,example", CASES)
def test_rule_example(rule, verdict, index, example):
    report = _lint(rule, example)
    hits = [f for f in report.findings if f.rule == rule.id]
    if verdict == "bad":
        assert hits, f"{rule.id} bad example {index} did not fire; findings: {report.findings}"
        if "line" in example:
            assert hits[0].span.line == example["line"], hits[0]
    else:
        assert not hits, f"{rule.id} fired on its good example {index}: {hits}"


def test_every_rule_has_examples_and_docs():
    assert len(REGISTRY) > 0
    for rule in REGISTRY:
        assert rule.examples["bad"] and rule.examples["good"], rule.id
        for key in ("what", "why", "references"):
            assert rule.docs.get(key), (rule.id, key)


def test_rule_files_are_named_after_their_id_and_name():
    from pathlib import Path

    for rule in REGISTRY:
        if rule.pack == "builtin":
            assert Path(rule.source).name == f"{rule.id}-{rule.name}.yaml", rule.source
