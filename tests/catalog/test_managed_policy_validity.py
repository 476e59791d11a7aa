"""The IAM1xx rules on the 1,645 AWS managed policies.

* IAM101-IAM104 (unknown/retired prefix, unknown action, pattern matching
  nothing) fire exactly on what the catalog does not know, as pinned by
  tests/knowledge/expected_unknown_actions.json: a catalog update shows up
  here as a diff.
* Every other IAM1xx finding of severity warning or error is listed, with a
  reason, in expected_managed_findings.json; anything else is a false positive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from iamlint.api import lint_path
from iamlint.config import Config

HERE = Path(__file__).parent
EXPECTED_UNKNOWN = HERE.parent / "knowledge" / "expected_unknown_actions.json"
EXPECTED_FINDINGS = HERE / "expected_managed_findings.json"
ACTION_RULES = {
    "IAM101": "unknown_prefix_actions",
    "IAM102": "unknown_prefix_actions",
    "IAM103": "unknown_actions",
    "IAM104": "patterns_matching_nothing",
}


def _value_at(document, pointer):
    node = document
    for token in pointer.split("/")[1:]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_managed_policies_iam1(corpus, registry):
    files = sorted((corpus / "aws-managed-policies").glob("*.json"))
    assert len(files) == 1645
    found: dict[str, dict[str, set[str]]] = {section: defaultdict(set) for section in set(ACTION_RULES.values())}
    other = []
    config = Config(select=["IAM1"])
    for path in files:
        report = lint_path(str(path), config, registry)
        assert report.error is None, (path, report.error)
        document = json.loads(path.read_text())
        for f in report.findings:
            if f.rule in ACTION_RULES:
                found[ACTION_RULES[f.rule]][_value_at(document, f.pointer)].add(path.stem)
                assert f.severity == ("info" if f.rule == "IAM102" else "error"), f
            elif f.severity in ("warning", "error"):
                other.append({"rule": f.rule, "policy": path.stem, "pointer": f.pointer})
    expected = json.loads(EXPECTED_UNKNOWN.read_text())
    for section, actions in found.items():
        as_lists = {k: sorted(v) for k, v in sorted(actions.items())}
        assert as_lists == expected[section], f"{section} differs from {EXPECTED_UNKNOWN.name}"
    pinned = [
        {k: e[k] for k in ("rule", "policy", "pointer")} for e in json.loads(EXPECTED_FINDINGS.read_text())["findings"]
    ]
    assert other == pinned


def test_retired_findings_are_the_retired_prefixes(corpus, registry):
    """IAM102 takes exactly the retired prefixes; IAM101 the rest (builderid today)."""
    expected = json.loads(EXPECTED_UNKNOWN.read_text())
    not_retired = set(expected["unknown_prefixes_not_retired"])
    by_rule = defaultdict(set)
    config = Config(select=["IAM101", "IAM102"])
    for name in sorted({p for ps in expected["unknown_prefix_actions"].values() for p in ps}):
        path = corpus / "aws-managed-policies" / f"{name}.json"
        document = json.loads(path.read_text())
        for f in lint_path(str(path), config, registry).findings:
            by_rule[f.rule].add(_value_at(document, f.pointer).partition(":")[0].lower())
    assert by_rule["IAM101"] == not_retired
    assert by_rule["IAM102"] and not (by_rule["IAM102"] & not_retired)
