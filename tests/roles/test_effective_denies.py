"""IAM404/IAM405 and a Deny in another policy of the same principal (issue 18).

IAM applies an explicit Deny in any policy of a principal (or of a user's
group) to what every other policy allows.  A user with ``Allow * on *`` and an
attached ``Deny * on *`` holds nothing, so it is no administrator; an exposed
role whose admin policy is cancelled by a Deny exposes nothing.  A conditional
Deny may not apply, so it takes nothing away.  AWS managed policies attached by
ARN have no document in the input: their unconditional Denies come from
``managed_denies.json``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from iamlint.api import default_registry, lint_bytes, merge_module_findings
from iamlint.checks.roles import power_parts
from iamlint.config import Config
from iamlint.knowledge import managed
from iamlint.sources import read_source

FIX = Path(__file__).parent / "fixtures" / "effective" / "denies"
REPO = Path(__file__).resolve().parents[2]


def _report(path: Path):
    report = lint_bytes(str(path), path.read_bytes(), Config(), default_registry())
    assert report.error is None, report.error
    return report


def _owners(findings, rule: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        if f.rule == rule:
            out.setdefault(f.owner, []).append(f)
    return out


def _cfn():
    return _report(FIX / "template.yaml").findings


def test_cloudformation_user_allow_star_with_attached_deny_star_is_no_administrator():
    findings = _cfn()
    iam405 = _owners(findings, "IAM405")
    assert "Locked" not in iam405  # Deny * on * in an attached customer managed policy
    assert "Quarantined" not in iam405  # AdministratorAccess; its group denies everything
    # the document-level rules still see the Allow statement itself
    assert any(f.rule == "IAM201" and f.owner == "Locked" for f in findings)


def test_cloudformation_escalation_denied_by_another_policy_is_not_claimed():
    findings = _cfn()
    assert "Runner" not in _owners(findings, "IAM405")
    # the policy itself still holds the method (IAM208 judges one document)
    assert any(f.rule == "IAM208" and f.owner == "Runner" and "passrole-ec2" in f.message for f in findings)


def test_cloudformation_exposed_role_with_denied_power():
    iam404 = _owners(_cfn(), "IAM404")
    assert "PublicDenied" not in iam404  # AdministratorAccess, inline Deny * on *
    (no_iam,) = iam404["PublicNoIam"]
    # Allow * in one policy, Deny iam:* and sts:* in another: not an
    # administrator, no IAM permissions management, but Lambda code is left
    assert "administrator" not in no_iam.message and "IAM permissions management" not in no_iam.message
    assert "can escalate privileges (replace the code of a Lambda function" in no_iam.message
    # control: a conditional (MFA) Deny may not apply
    (mfa,) = iam404["PublicMfa"]
    assert "holds administrator access through AWS managed policy `AdministratorAccess`" in mfa.message


def test_cloudformation_aws_managed_quarantine_policy_is_applied():
    (leaked,) = _owners(_cfn(), "IAM405")["LeakedKey"]
    # AWSCompromisedKeyQuarantineV2 denies much of IAM, not everything: what is left is named
    assert "administrator access" not in leaked.message
    assert "can escalate privileges (IAM permissions management)" in leaked.message


def test_terraform_denies(tmp_path):
    module = tmp_path / "module"
    shutil.copytree(FIX / "module", module)
    reports = [_report(module / "main.tf")]
    merge_module_findings(reports)
    findings = reports[0].findings
    iam405 = _owners(findings, "IAM405")
    assert "aws_iam_user.locked" not in iam405  # attached aws_iam_policy denying everything
    assert "aws_iam_user.member" not in iam405  # its group's policy denies everything
    assert "aws_iam_user.parked" not in iam405  # AWS managed AWSDenyAll
    assert not _owners(findings, "IAM404")  # the public role's AdministratorAccess is denied
    # control: Deny s3:DeleteBucket takes away "every action", not IAM
    (admin,) = iam405["aws_iam_user.admin"]
    assert "can escalate privileges (IAM permissions management) through AWS managed policy `AdministratorAccess`" in (
        admin.message
    )


def test_power_parts_apply_every_policys_denies():
    result = read_source(str(FIX / "template.yaml"), (FIX / "template.yaml").read_bytes())
    roles = {r.name: r for r in result.roles}
    locked = power_parts(roles["Locked"])
    assert locked is not None
    assert [p.label for p in locked] == ["policy `everything`", "the policy of `DenyEverything`"]
    assert not any(p.summary.powerful for p in locked)
    quarantined = power_parts(roles["Quarantined"])
    assert quarantined is not None and not any(p.summary.powerful for p in quarantined)
    mfa = power_parts(roles["PublicMfa"])
    assert mfa is not None and any(p.summary.admin for p in mfa)


def test_managed_denies_data_matches_the_corpus(corpus):
    """The shipped Denies are the unconditional Deny statements of the corpus's AWS managed policies."""
    data = json.loads((REPO / "iamlint" / "knowledge" / "data" / "managed_denies.json").read_text())
    assert {"AWSDenyAll", "AWSCompromisedKeyQuarantineV2"} <= set(data["policies"])
    deny_all = json.loads((corpus / "aws-managed-policies" / "AWSDenyAll.json").read_text())
    statement = deny_all["Statement"]
    statement = statement[0] if isinstance(statement, list) else statement
    assert managed.unconditional_denies(managed.get("AWSDenyAll")) == [
        {"Effect": "Deny", "Action": statement["Action"], "Resource": statement["Resource"]}
    ]
    assert managed.unconditional_denies(managed.get("AdministratorAccess")) == []
    for name, denies in data["policies"].items():
        assert managed.get(name) is not None, name
        assert all(d["Effect"] == "Deny" and "Condition" not in d for d in denies)
