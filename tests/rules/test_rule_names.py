"""A built-in rule's ``check:`` function carries the rule's name: ``name: wildcard-action``
is checked by ``...:wildcard_action``. Declarative ``match:`` rules have no check function."""

from __future__ import annotations

import pytest

from iamlint.engine.registry import Registry

BUILTIN = [rule for rule in Registry.load(entry_points=False) if rule.pack == "builtin"]


def test_there_are_builtin_rules_with_check_functions():
    assert len(BUILTIN) > 20
    assert any(rule.check_ref for rule in BUILTIN)


@pytest.mark.parametrize("rule", [r for r in BUILTIN if r.check_ref], ids=lambda r: r.id)
def test_check_function_is_named_after_the_rule(rule):
    function = rule.check_ref.partition(":")[2]
    assert function == rule.name.replace("-", "_"), f"{rule.source}: check {rule.check_ref} for name {rule.name}"
    assert callable(rule.check)
