"""IAM405 sees the policies of a user's groups in templates and modules (issue 17):
Terraform ``aws_iam_group_membership`` / ``aws_iam_user_group_membership``,
CloudFormation ``AWS::IAM::User`` ``Groups`` / ``AWS::IAM::UserToGroupAddition``."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.api import default_registry, lint_bytes
from iamlint.config import Config

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _findings(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    report = lint_bytes(str(path), text.encode(), Config(), default_registry())
    assert report.error is None, report.error
    return report.findings


def _iam405(findings):
    return [f for f in findings if f.rule == "IAM405"]


# -- Terraform ----------------------------------------------------------------------

TF_GROUP_ADMIN = """
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "%s"
}
"""

TF_GROUP_INLINE_STAR = """
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy" "all" {
  group  = aws_iam_group.admins.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""

TF_GROUP_MEMBERSHIP = """
resource "aws_iam_group_membership" "team" {
  name  = "team"
  group = %s
  users = [%s]
}
"""

TF_USER_GROUP_MEMBERSHIP = """
resource "aws_iam_user_group_membership" "alice" {
  user   = %s
  groups = [%s]
}
"""


@pytest.mark.parametrize(
    "membership",
    [
        TF_GROUP_MEMBERSHIP % ("aws_iam_group.admins.name", "aws_iam_user.alice.name"),
        TF_GROUP_MEMBERSHIP % ('"admins"', '"alice"'),
        TF_USER_GROUP_MEMBERSHIP % ("aws_iam_user.alice.name", "aws_iam_group.admins.name"),
        TF_USER_GROUP_MEMBERSHIP % ('"alice"', '"admins"'),
    ],
    ids=[
        "group-membership-ref",
        "group-membership-literal",
        "user-group-membership-ref",
        "user-group-membership-literal",
    ],
)
def test_terraform_user_is_admin_through_group(tmp_path, membership):
    findings = _iam405(_findings(tmp_path, "main.tf", TF_GROUP_ADMIN % ADMIN + membership))
    assert len(findings) == 1, findings
    f = findings[0]
    assert f.span.line == 2  # the user's block header
    assert "IAM user `aws_iam_user.alice`" in f.message
    assert "holds administrator access" in f.message
    assert "AWS managed policy `AdministratorAccess` (through group `aws_iam_group.admins`)" in f.message


def test_terraform_group_inline_allow_star(tmp_path):
    membership = TF_USER_GROUP_MEMBERSHIP % ("aws_iam_user.alice.name", "aws_iam_group.admins.name")
    findings = _iam405(_findings(tmp_path, "main.tf", TF_GROUP_INLINE_STAR + membership))
    assert len(findings) == 1, findings
    assert "holds administrator access" in findings[0].message
    assert "(through group `aws_iam_group.admins`)" in findings[0].message


def test_terraform_group_in_a_sibling_file(tmp_path):
    text = TF_GROUP_ADMIN % ADMIN
    user, rest = text.split('resource "aws_iam_group" "admins"', 1)
    (tmp_path / "groups.tf").write_text('resource "aws_iam_group" "admins"' + rest)
    membership = TF_GROUP_MEMBERSHIP % ("aws_iam_group.admins.name", "aws_iam_user.alice.name")
    findings = _iam405(_findings(tmp_path, "main.tf", user + membership))
    assert len(findings) == 1, findings
    assert "(through group `aws_iam_group.admins`)" in findings[0].message


@pytest.mark.parametrize(
    "membership",
    [
        TF_GROUP_MEMBERSHIP % ("aws_iam_group.admins.name", "aws_iam_user.alice.name"),
        TF_USER_GROUP_MEMBERSHIP % ("aws_iam_user.alice.name", "aws_iam_group.admins.name"),
    ],
)
def test_terraform_user_in_read_only_group_is_not_reported(tmp_path, membership):
    assert _iam405(_findings(tmp_path, "main.tf", TF_GROUP_ADMIN % READ + membership)) == []


def test_terraform_user_not_in_the_admin_group_is_not_reported(tmp_path):
    other = 'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
    membership = TF_GROUP_MEMBERSHIP % ("aws_iam_group.admins.name", "aws_iam_user.bob.name")
    findings = _iam405(_findings(tmp_path, "main.tf", TF_GROUP_ADMIN % ADMIN + other + membership))
    assert [f.message.split("`")[1] for f in findings] == ["aws_iam_user.bob"]


# -- CloudFormation -------------------------------------------------------------------

CFN_HEAD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
%s
  Admins:
    Type: AWS::IAM::Group
    Properties:
      GroupName: admins
%s
"""

CFN_MANAGED = "      ManagedPolicyArns:\n        - %s\n"
CFN_INLINE_STAR = """      Policies:
        - PolicyName: everything
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: "*"
                Resource: "*"
"""
CFN_GROUPS = "      Groups:\n        - %s\n"
CFN_ADDITION = """  AddAlice:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: %s
      Users:
        - %s
"""
CFN_POLICY_RESOURCE = """  GroupPolicy:
    Type: AWS::IAM::%s
    Properties:
      %sPolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: "*"
      Groups:
        - !Ref Admins
"""


def _cfn(user_extra: str = "", group_extra: str = "", tail: str = "") -> str:
    return CFN_HEAD % (user_extra.rstrip("\n"), group_extra.rstrip("\n")) + tail


@pytest.mark.parametrize(
    "text",
    [
        _cfn(CFN_GROUPS % "!Ref Admins", CFN_MANAGED % ADMIN),
        _cfn(CFN_GROUPS % "admins", CFN_MANAGED % ADMIN),
        _cfn("", CFN_MANAGED % ADMIN, CFN_ADDITION % ("!Ref Admins", "!Ref Alice")),
        _cfn("", CFN_MANAGED % ADMIN, CFN_ADDITION % ("admins", "alice")),
        _cfn(CFN_GROUPS % "!Ref Admins", CFN_INLINE_STAR),
        _cfn(CFN_GROUPS % "!Ref Admins", "", CFN_POLICY_RESOURCE % ("Policy", "PolicyName: all\n      ")),
        _cfn("", "", CFN_ADDITION % ("!Ref Admins", "!Ref Alice") + CFN_POLICY_RESOURCE % ("ManagedPolicy", "")),
    ],
    ids=["groups-ref", "groups-name", "addition-ref", "addition-name", "group-inline", "policy", "managed-policy"],
)
def test_cloudformation_user_is_admin_through_group(tmp_path, text):
    findings = _iam405(_findings(tmp_path, "template.yaml", text))
    assert len(findings) == 1, (findings, text)
    f = findings[0]
    assert f.span.line == 4  # the user's resource, where IAM405 reports a user's own policies
    assert "IAM user `Alice`" in f.message and "holds administrator access" in f.message
    assert "(through group `Admins`)" in f.message


@pytest.mark.parametrize(
    "text",
    [
        _cfn(CFN_GROUPS % "!Ref Admins", CFN_MANAGED % READ),
        _cfn("", CFN_MANAGED % READ, CFN_ADDITION % ("!Ref Admins", "!Ref Alice")),
        _cfn("", CFN_MANAGED % ADMIN),  # not a member
        _cfn("", CFN_MANAGED % ADMIN, CFN_ADDITION % ("others", "!Ref Alice")),  # another group
    ],
    ids=["groups-read-only", "addition-read-only", "not-a-member", "another-group"],
)
def test_cloudformation_user_without_admin_group_is_not_reported(tmp_path, text):
    assert _iam405(_findings(tmp_path, "template.yaml", text)) == []
