"""One role and one user, written in every format iamlint reads, give the same
principal model and the same findings (issue 17).

``fixtures/equivalence/`` holds the same IAM content five ways: a CloudFormation
template in YAML and in JSON, a Terraform module split over four files, a
Terraform plan and an account authorization dump.  The content:

- role ``app-role``: trusted by a whole foreign account (no condition), an inline
  policy granting ``s3:*``, ``AdministratorAccess`` attached, a customer managed
  policy ``app-pass`` (``iam:PassRole`` on ``*``) attached, and the customer
  managed policy ``app-boundary`` as its permissions boundary;
- group ``admins`` with ``AdministratorAccess``; user ``alice`` in it.

Principals are compared by IAM name; documents by value; findings by rule id
and count (locations differ by format, by design).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from iamlint.model.role import Attachment, Role
from iamlint.session import Options, Session
from iamlint.sources import read_source

HERE = Path(__file__).parent / "fixtures" / "equivalence"
FORMATS = {
    "cloudformation-yaml": [HERE / "template.yaml"],
    "cloudformation-json": [HERE / "template.json"],
    "terraform-hcl": sorted((HERE / "tf").glob("*.tf")),
    "terraform-plan": [HERE / "plan.json"],
    "account-dump": [HERE / "account-dump.json"],
}
#: elements a policy may write as one value or a list of them
LISTABLE = ("Statement", "Action", "NotAction", "Resource", "NotResource", "AWS", "Service", "Federated")
NAME_KEYS = ("RoleName", "UserName", "GroupName", "name")


def _iam_name(role: Role) -> str:
    value = role.resource.value
    for where in (value, value.get("Properties") if isinstance(value, dict) else None):
        if isinstance(where, dict):
            for key in NAME_KEYS:
                if isinstance(where.get(key), str):
                    return where[key]
    raise AssertionError(f"{role.name}: no IAM name in its definition")


def _canonical(value: Any) -> Any:
    """A policy's value as sorted JSON text, with a single statement, action,
    resource or principal written as a one-item list (where the formats differ:
    ``aws_iam_policy_document`` always writes lists)."""

    def norm(node: Any, key: str = "") -> Any:
        if key in LISTABLE and not isinstance(node, list):
            node = [node]
        if isinstance(node, dict):
            return {k: norm(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [norm(v) for v in node]
        return node

    return json.dumps(norm(value), sort_keys=True)


def _attachment(att: Attachment) -> str:
    if att.document is not None:
        return "customer " + _canonical(att.document.value)
    assert isinstance(att.arn, str), att
    return att.arn


def _model(paths: list[Path]) -> dict[tuple[str, str], dict[str, Any]]:
    model: dict[tuple[str, str], dict[str, Any]] = {}
    for path in paths:
        result = read_source(str(path), path.read_bytes())
        assert result.error is None, result.error
        for role in result.roles:
            key = (role.principal_type, _iam_name(role))
            assert key not in model, f"{key} assembled twice"
            model[key] = {
                "trust": role.trust and _canonical(role.trust.value),
                "inline": sorted(_canonical(d.value) for d in role.inline),
                "managed": sorted(_attachment(a) for a in role.managed),
                "boundary": role.boundary and _attachment(role.boundary),
                "groups": sorted(_iam_name(g) for g in role.member_of),
            }
    return model


def _rules(paths: list[Path]) -> Counter[str]:
    result = Session(Options(use_cache=False)).run([str(p) for p in paths], jobs=1)
    assert not result.errors, [e.error for e in result.errors]
    return Counter(f.rule for f in result.findings)


@pytest.fixture(scope="module")
def reference() -> tuple[dict, Counter[str]]:
    paths = FORMATS["cloudformation-yaml"]
    return _model(paths), _rules(paths)


def test_reference_model_is_what_the_fixture_says(reference) -> None:
    model, rules = reference
    assert sorted(model) == [("group", "admins"), ("role", "app-role"), ("user", "alice")]
    role = model["role", "app-role"]
    assert "444455556666" in role["trust"]
    assert len(role["inline"]) == 1 and '"s3:*"' in role["inline"][0]
    assert role["managed"][0] == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert role["managed"][1].startswith("customer ") and "iam:PassRole" in role["managed"][1]
    assert role["boundary"].startswith("customer ")
    assert model["user", "alice"]["groups"] == ["admins"]
    for rule in ("IAM304", "IAM404", "IAM405"):
        assert rules[rule] == 1, rule
    # AdministratorAccess on the role and on the group
    assert rules["IAM401"] == 2
    # app-boundary is a boundary, not a grant: IAM202 is the inline policy's
    # only, IAM206 app-pass's only
    assert rules["IAM202"] == 1 and rules["IAM206"] == 1


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "cloudformation-yaml"])
def test_same_principal_model(fmt: str, reference) -> None:
    assert _model(FORMATS[fmt]) == reference[0]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "cloudformation-yaml"])
def test_same_findings(fmt: str, reference) -> None:
    assert _rules(FORMATS[fmt]) == reference[1]


def test_terraform_compound_finding_names_the_other_file() -> None:
    """The trust is in trust.tf, the policy in role.tf: IAM404 says which file."""
    result = Session(Options(use_cache=False)).run([str(HERE / "tf")], jobs=1)
    (finding,) = [f for f in result.findings if f.rule == "IAM404"]
    assert Path(finding.file).name == "trust.tf"
    assert "`aws_iam_role_policy.inline` (line 12 of role.tf)" in finding.message
