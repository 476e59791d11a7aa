"""IAM Identity Center permission sets are principals (issue 17): CloudFormation
``AWS::SSO::PermissionSet`` and Terraform ``aws_ssoadmin_permission_set`` with
the ``aws_ssoadmin_*`` resources that give it policies, across the files of a
module.  Attachment rules (IAM401/IAM402) apply as for roles; IAM405 reports a
permission set with administrator or escalation power once, at the set."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.api import default_registry, lint_bytes
from iamlint.config import Config
from iamlint.findings import Finding
from iamlint.model.policy import Opaque
from iamlint.sources import cloudformation, read_source, terraform

FIXTURES = Path(__file__).parent / "fixtures" / "permission_sets"
TEMPLATE = FIXTURES / "template.yaml"
MODULE = FIXTURES / "module"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _findings(path: Path, rules: tuple[str, ...] = ("IAM4",)):
    report = lint_bytes(str(path), path.read_bytes(), Config(), default_registry())
    assert report.error is None, report.error
    return [f for f in report.findings if f.rule.startswith(rules)]


def _where(findings) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.line, f.column) for f in findings)


def _principals(result) -> dict:
    return {r.name: r for r in result.roles if r.principal_type == "permission_set"}


# -- CloudFormation -------------------------------------------------------------------


def test_cloudformation_permission_sets_are_principals():
    result = cloudformation.read(str(TEMPLATE), TEMPLATE.read_text(), None)
    sets = _principals(result)
    assert sorted(sets) == ["AdminAccess", "Bounded", "Everything", "MemberBounded", "Operators"]
    # ManagedPolicies, the first through !Sub, located at each ARN
    admin = sets["AdminAccess"]
    assert [a.arn for a in admin.managed] == [
        ADMIN,
        "arn:aws:iam::aws:policy/AdminstratorAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]
    assert [admin.resource.locate(a.pointer)[:2] for a in admin.managed] == [(15, 11), (16, 11), (17, 11)]
    # InlinePolicy as a JSON string and as an object: identity documents owned by the set
    (string_doc,) = sets["Everything"].inline
    assert string_doc.kind == "identity" and string_doc.owner == "Everything"
    assert string_doc.value["Statement"][0]["Action"] == "*"
    (object_doc,) = sets["Operators"].inline
    assert object_doc.value["Statement"][0]["Action"] == "ec2:StartInstances"
    # CustomerManagedPolicyReferences: linked to the template's policy of that name, or opaque
    extra, member = sets["Operators"].managed
    assert extra.document is not None and extra.document.owner == "OperatorsExtra"
    assert member.document is None and isinstance(member.arn, Opaque)
    assert [sets["Operators"].resource.locate(a.pointer)[:2] for a in (extra, member)] == [(36, 17), (38, 17)]
    # PermissionsBoundary: an AWS managed policy (through !Sub) or a member account's policy
    assert sets["Bounded"].boundary.arn == "arn:aws:iam::aws:policy/PowerUserAccess"
    assert sets["Bounded"].resource.locate(sets["Bounded"].boundary.pointer)[:2] == (51, 27)
    boundary = sets["MemberBounded"].boundary
    assert isinstance(boundary.arn, Opaque) and boundary.document is None
    assert sets["MemberBounded"].resource.locate(boundary.pointer)[:2] == (61, 17)


def test_cloudformation_permission_set_findings():
    assert _where(_findings(TEMPLATE)) == [
        ("IAM401", 15, 11),  # AdministratorAccess (through !Sub)
        ("IAM401", 17, 11),  # ReadOnlyAccess: data reads (info)
        ("IAM401", 58, 11),  # AdministratorAccess of MemberBounded
        ("IAM402", 16, 11),  # the misspelt AWS managed policy; never for customer managed references
        ("IAM405", 11, 13),  # AdminAccess: AdministratorAccess
        ("IAM405", 21, 13),  # Everything: Action "*" in a JSON string
        ("IAM405", 27, 13),  # Operators: iam:PutRolePolicy in the referenced customer managed policy
    ]


def test_cloudformation_iam405_messages_name_the_permission_set():
    by_line = {f.line: f for f in _findings(TEMPLATE, ("IAM405",))}
    admin = by_line[11]
    assert admin.message.startswith(
        "IAM Identity Center permission set `AdminAccess` holds administrator access "
        "through AWS managed policy `AdministratorAccess`"
    )
    assert [(r.span.line, r.span.column) for r in admin.related] == [(15, 11)]
    assert "can escalate privileges (IAM permissions management)" in by_line[27].message
    assert [(r.span.line, r.span.column) for r in by_line[27].related] == [(70, 13)]  # its statement
    # a policy written as a JSON string is located at the string
    assert [(r.span.line, r.span.column) for r in by_line[21].related] == [(23, 21)]


def test_cloudformation_inline_policy_string_is_linted():
    assert _where(_findings(TEMPLATE, ("IAM201",))) == [("IAM201", 23, 21)]


@pytest.mark.parametrize(
    ("boundary", "reported"),
    [
        ("ManagedPolicyArn: arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", False),
        ("ManagedPolicyArn: arn:aws:iam::aws:policy/AdministratorAccess", True),
        ("CustomerManagedPolicyReference:\n          Name: member-boundary", False),
    ],
    ids=["view-only-boundary", "admin-boundary", "unseen-boundary"],
)
def test_cloudformation_boundary_limits_iam405(tmp_path, boundary, reported):
    path = tmp_path / "template.yaml"
    path.write_text(
        f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Admin:
    Type: AWS::SSO::PermissionSet
    Properties:
      Name: Admin
      InstanceArn: arn:aws:sso:::instance/ssoins-1111222233334444
      ManagedPolicies: [{ADMIN}]
      PermissionsBoundary:
        {boundary}
"""
    )
    assert _where(_findings(path, ("IAM405",))) == ([("IAM405", 6, 13)] if reported else [])


# -- Terraform: a module of two files -------------------------------------------------


def _read_tf(path: Path):
    return terraform.read(str(path), path.read_text(), None)


def test_terraform_permission_sets_are_principals_across_files():
    sets = _principals(_read_tf(MODULE / "sets.tf"))
    assert sorted(sets) == [
        "aws_ssoadmin_permission_set.admin",
        "aws_ssoadmin_permission_set.bounded",
        "aws_ssoadmin_permission_set.operators",
        "aws_ssoadmin_permission_set.viewer",
    ]
    admin = sets["aws_ssoadmin_permission_set.admin"]
    assert [a.arn for a in admin.managed] == [ADMIN, "arn:aws:iam::aws:policy/AdminstratorAccess"]
    operators = sets["aws_ssoadmin_permission_set.operators"]
    (inline,) = operators.inline
    assert inline.owner == "data.aws_iam_policy_document.operators" and inline.kind == "identity"
    assert inline.file == str(MODULE / "attachments.tf")
    extra, member = operators.managed
    assert extra.document is not None and extra.document.owner == "aws_iam_policy.operators_extra"
    assert member.document is None and isinstance(member.arn, Opaque)
    bounded = sets["aws_ssoadmin_permission_set.bounded"]
    assert bounded.boundary.arn == "arn:aws:iam::aws:policy/PowerUserAccess"
    assert [d.owner for d in bounded.inline] == ["aws_ssoadmin_permission_set_inline_policy.bounded"]


def test_terraform_attachments_file_reads_the_policies_not_the_principals():
    result = _read_tf(MODULE / "attachments.tf")
    assert not _principals(result)
    owners = sorted(d.owner for d in result.documents)
    assert owners == [
        "aws_iam_policy.operators_extra",
        "aws_ssoadmin_permission_set_inline_policy.bounded",
        "data.aws_iam_policy_document.operators",
    ]
    bounded = next(d for d in result.documents if d.owner.endswith(".bounded"))
    assert bounded.meta["resource_type"] == "aws_ssoadmin_permission_set_inline_policy"


def test_terraform_permission_set_findings():
    # attachments declared in the sibling file are reported at their ARNs there;
    # the permission sets' IAM405 at their block headers
    found = _findings(MODULE / "sets.tf")
    assert sorted((Path(f.file).name, f.rule, f.line, f.column) for f in found) == [
        ("attachments.tf", "IAM401", 4, 24),
        ("attachments.tf", "IAM402", 10, 24),
        ("sets.tf", "IAM405", 7, 1),  # admin: AdministratorAccess
        ("sets.tf", "IAM405", 13, 1),  # operators: the linked customer managed policy
    ]
    # attachments.tf named alone (pre-commit) reports the same findings
    assert sorted(_findings(MODULE / "attachments.tf"), key=Finding.sort_key) == sorted(found, key=Finding.sort_key)
    assert _where(_findings(MODULE / "attachments.tf", ("IAM202",))) == [("IAM202", 56, 47)]


def test_terraform_iam405_related_is_in_the_sibling_file():
    by_line = {f.line: f for f in _findings(MODULE / "sets.tf", ("IAM405",))}
    assert by_line[7].message.startswith(
        "IAM Identity Center permission set `aws_ssoadmin_permission_set.admin` holds administrator access"
    )
    (related,) = by_line[13].related
    assert (Path(related.file).name, related.span.line, related.span.column) == ("attachments.tf", 47, 18)


def test_terraform_single_file_positions(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(
        f"""resource "aws_ssoadmin_permission_set" "admin" {{
  name         = "Admin"
  instance_arn = "arn:aws:sso:::instance/ssoins-1111222233334444"
}}

resource "aws_ssoadmin_managed_policy_attachment" "admin" {{
  instance_arn       = aws_ssoadmin_permission_set.admin.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.admin.arn
  managed_policy_arn = "{ADMIN}"
}}

resource "aws_ssoadmin_permissions_boundary_attachment" "admin" {{
  instance_arn       = aws_ssoadmin_permission_set.admin.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.admin.arn
  permissions_boundary {{
    managed_policy_arn = "arn:aws:iam::aws:policy/PowerUserAcess"
  }}
}}

resource "aws_ssoadmin_customer_managed_policy_attachment" "member" {{
  instance_arn       = aws_ssoadmin_permission_set.admin.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.admin.arn
  customer_managed_policy_reference {{
    name = "NotAnAwsManagedPolicy"
  }}
}}
"""
    )
    # the unknown boundary (a typo: IAM402 at its ARN) leaves the power unknown: no IAM405
    assert _where(_findings(path)) == [("IAM401", 9, 24), ("IAM402", 16, 26)]


# -- Terraform plan JSON --------------------------------------------------------------


def test_terraform_plan_links_permission_sets_by_arn_and_by_configuration():
    plan = FIXTURES / "plan.json"
    # admin: created by the plan (no ARN yet), linked through `configuration`;
    # existing: linked through its known ARN, its boundary a misspelt AWS policy
    assert _where(_findings(plan, ("IAM4", "IAM201"))) == [
        ("IAM201", 38, 30),
        ("IAM401", 19, 44),
        ("IAM402", 49, 38),
        ("IAM405", 12, 21),
    ]
    (finding,) = _findings(plan, ("IAM405",))
    assert "permission set `aws_ssoadmin_permission_set.admin` holds administrator access" in finding.message


def test_terraform_plan_permission_set_principals():
    plan = FIXTURES / "plan.json"
    sets = _principals(read_source(str(plan), plan.read_bytes()))
    assert sorted(sets) == ["aws_ssoadmin_permission_set.admin", "aws_ssoadmin_permission_set.existing"]
    assert [a.arn for a in sets["aws_ssoadmin_permission_set.admin"].managed] == [ADMIN]
    existing = sets["aws_ssoadmin_permission_set.existing"]
    assert [d.owner for d in existing.inline] == ["aws_ssoadmin_permission_set_inline_policy.existing"]
    assert existing.boundary.arn == "arn:aws:iam::aws:policy/PowerUserAcess"
