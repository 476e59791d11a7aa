"""Whole-role analysis and the managed policy catalog (IAM4xx)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iamlint.analysis.summary import summarise
from iamlint.api import default_registry, lint_bytes
from iamlint.checks.roles import user_with_powerful_permissions
from iamlint.config import Config
from iamlint.knowledge import managed
from iamlint.model.document import Document
from iamlint.model.role import AccessKey, Role

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _lint(text: str, name: str = "authz.json"):
    report = lint_bytes(name, text.encode(), Config(), default_registry())
    assert report.error is None, report.error
    return report.findings


def _dump_role(trust_statement: dict, arns=(), inline=(), boundary=None, name="app") -> str:
    entry = {
        "RoleName": name,
        "Path": "/",
        "Arn": f"arn:aws:iam::111122223333:role/{name}",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust_statement]},
        "RolePolicyList": [
            {"PolicyName": f"p{i}", "PolicyDocument": {"Version": "2012-10-17", "Statement": st}}
            for i, st in enumerate(inline)
        ],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns],
    }
    if boundary:
        entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return json.dumps({"RoleDetailList": [entry]}, indent=2)


EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
VENDOR = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}
ANYONE = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
AWS = "arn:aws:iam::aws:policy/"


# -- acceptance ------------------------------------------------------------------


def test_github_trust_without_sub_and_admin_gives_one_compound_finding():
    text = (FIXTURES / "github-admin-dump.json").read_text()
    findings = _lint(text, "github-admin-dump.json")
    rules = sorted(f.rule for f in findings)
    assert rules.count("IAM404") == 1 and rules.count("IAM401") == 1 and rules.count("IAM306") == 1, rules
    compound = next(f for f in findings if f.rule == "IAM404")
    oidc = next(f for f in findings if f.rule == "IAM306")
    attach = next(f for f in findings if f.rule == "IAM401")
    assert compound.severity == "error" and attach.severity == "error"
    assert "github-deploy" in compound.message and "any GitHub repository" in compound.message
    assert "administrator access" in compound.message and "AdministratorAccess" in compound.message
    # points at the trust statement; related names the trust finding and the granting attachment
    assert compound.pointer == "/Statement/0" and compound.span.line < oidc.span.line + 1
    assert len(compound.related) == 2
    assert f"line {attach.span.line}" in compound.related[1].message
    lines = text.splitlines()
    assert "AdministratorAccess" in lines[attach.span.line - 1]


def test_ec2_role_with_s3_full_access_in_a_dump():
    findings = _lint(_dump_role(EC2, [AWS + "AmazonS3FullAccess"]))
    hits = [f for f in findings if f.rule == "IAM401"]
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert "AmazonS3ReadOnlyAccess" in hits[0].message and "arn:aws:s3:::my-bucket/*" in hits[0].message
    assert not [f for f in findings if f.rule == "IAM404"], "an EC2 service trust is not exposed"


def test_ec2_instance_role_with_s3_full_access_in_cloudformation():
    template = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  InstanceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess
  InstanceProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref InstanceRole]
"""
    findings = _lint(template, "template.yaml")
    hits = [f for f in findings if f.rule == "IAM401"]
    assert len(hits) == 1, findings
    assert hits[0].span.line == 13 and "AmazonS3ReadOnlyAccess" in hits[0].message


@pytest.mark.parametrize(
    "arns",
    [
        ["ReadOnlyAccess"],
        ["job-function/ViewOnlyAccess"],
        ["SecurityAudit"],
        ["AmazonS3ReadOnlyAccess", "AmazonDynamoDBReadOnlyAccess"],
    ],
)
def test_read_only_policies_are_not_reported_at_warning_or_above(arns):
    for trust in (EC2, VENDOR):
        findings = _lint(_dump_role(trust, [AWS + a for a in arns]))
        loud = [f for f in findings if f.rule.startswith("IAM4") and f.severity in ("warning", "error")]
        assert not loud, loud


def test_read_only_access_is_info_because_it_reads_all_data():
    findings = _lint(_dump_role(EC2, [AWS + "ReadOnlyAccess"]))
    hits = [f for f in findings if f.rule == "IAM401"]
    assert [f.severity for f in hits] == ["info"]
    assert "ViewOnlyAccess" in hits[0].message


# -- attachments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,severity,words",
    [
        ("AdministratorAccess", "error", "administrator access"),
        ("PowerUserAccess", "error", "NotAction"),
        ("IAMFullAccess", "error", "IAM permissions management"),
        ("AmazonDynamoDBFullAccess", "warning", "DynamoDB tables"),
        ("SecretsManagerReadWrite", "warning", "Secrets Manager secrets"),
    ],
)
def test_attachment_graded_by_what_it_grants(name, severity, words):
    hits = [f for f in _lint(_dump_role(EC2, [AWS + name])) if f.rule == "IAM401"]
    assert len(hits) == 1 and hits[0].severity == severity and words in hits[0].message, hits


def test_service_role_policies_are_not_reported():
    findings = _lint(
        _dump_role(EC2, [AWS + "service-role/AmazonEC2RoleforSSM", AWS + "service-role/AWSLambdaBasicExecutionRole"])
    )
    assert not [f for f in findings if f.rule == "IAM401"]


def test_unknown_and_deprecated_and_wrong_path():
    findings = _lint(
        _dump_role(
            EC2,
            [
                AWS + "AmazonS3ReadOnlyAcess",
                AWS + "AWSLambdaBasicExecutionRole",
                AWS + "AWSLambdaReadOnlyAccess",
                "arn:aws:iam::111122223333:policy/mine",
            ],
        )
    )
    unknown = [f.message for f in findings if f.rule == "IAM402"]
    assert len(unknown) == 2
    assert any("did you mean `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`" in m for m in unknown)
    assert any("service-role/AWSLambdaBasicExecutionRole" in m for m in unknown)
    deprecated = [f.message for f in findings if f.rule == "IAM403"]
    assert len(deprecated) == 1 and "AWSLambda_ReadOnlyAccess" in deprecated[0]


# -- compound ------------------------------------------------------------------------


def test_cross_account_without_external_id_and_escalation():
    findings = _lint(_dump_role(VENDOR, inline=[[{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}]]))
    compound = [f for f in findings if f.rule == "IAM404"]
    assert len(compound) == 1
    assert "another account without an ExternalId" in compound[0].message
    assert "escalate privileges" in compound[0].message


def test_escalation_split_over_two_inline_policies():
    findings = _lint(
        _dump_role(
            VENDOR,
            inline=[
                [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
                [{"Effect": "Allow", "Action": ["ec2:RunInstances"], "Resource": "*"}],
            ],
        )
    )
    compound = [f for f in findings if f.rule == "IAM404"]
    assert len(compound) == 1 and "its policies together" in compound[0].message


def test_public_trust_and_data_read():
    findings = _lint(_dump_role(ANYONE, [AWS + "AmazonS3ReadOnlyAccess"]))
    compound = [f for f in findings if f.rule == "IAM404"]
    assert len(compound) == 1 and "anyone" in compound[0].message and "S3 objects" in compound[0].message
    # data reads alone behind a cross-account trust are not compound
    assert not [f for f in _lint(_dump_role(VENDOR, [AWS + "AmazonS3ReadOnlyAccess"])) if f.rule == "IAM404"]


def test_boundary_limits_power_and_unknown_boundary_makes_it_unknown():
    limited = _lint(_dump_role(VENDOR, [AWS + "AdministratorAccess"], boundary=AWS + "SecurityAudit"))
    assert not [f for f in limited if f.rule == "IAM404"]
    unknown = _lint(
        _dump_role(VENDOR, [AWS + "AdministratorAccess"], boundary="arn:aws:iam::111122223333:policy/not-in-dump")
    )
    assert not [f for f in unknown if f.rule == "IAM404"]
    open_boundary = _lint(_dump_role(VENDOR, [AWS + "AdministratorAccess"], boundary=AWS + "AdministratorAccess"))
    assert len([f for f in open_boundary if f.rule == "IAM404"]) == 1


def test_users_in_powerful_groups_and_narrow_users():
    dump = {
        "GroupDetailList": [
            {
                "GroupName": "ops",
                "Path": "/",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": [{"PolicyName": "IAMFullAccess", "PolicyArn": AWS + "IAMFullAccess"}],
            }
        ],
        "UserDetailList": [
            {
                "UserName": "alice",
                "Path": "/",
                "GroupList": ["ops"],
                "UserPolicyList": [],
                "AttachedManagedPolicies": [],
            },
            {
                "UserName": "bob",
                "Path": "/",
                "GroupList": [],
                "UserPolicyList": [],
                "AttachedManagedPolicies": [
                    {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": AWS + "AmazonS3ReadOnlyAccess"}
                ],
            },
        ],
    }
    findings = _lint(json.dumps(dump, indent=1))
    users = [f for f in findings if f.rule == "IAM405"]
    assert [f.owner for f in users] == ["user/alice"]
    assert "IAM Identity Center" in users[0].message and "group `ops`" in users[0].message


# -- catalog -----------------------------------------------------------------------


def test_catalog_lookup_by_arn_any_partition_and_case_and_name():
    assert managed.lookup("arn:aws:iam::aws:policy/AdministratorAccess").summary.admin
    assert managed.lookup("ARN:AWS-CN:IAM::AWS:POLICY/administratoraccess").name == "AdministratorAccess"
    assert (
        managed.lookup("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").path
        == "/service-role/"
    )
    assert managed.lookup("ViewOnlyAccess").path == "/job-function/"
    assert managed.lookup("arn:aws:iam::123456789012:policy/AdministratorAccess") is None
    assert managed.lookup(None) is None and managed.lookup("") is None
    assert managed.suggest("AmazonS3FullAcess") == "AmazonS3FullAccess"
    assert managed.suggest("TotallyUnrelatedThingy") is None
    res = managed.resolve("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
    assert res.policy is not None and res.wrong_path


def test_catalog_content_matches_iamlint_analysis():
    info = managed.catalog_info()
    assert info["count"] == len(managed.names()) >= 1000
    assert sum(managed.get(n).deprecated for n in managed.names()) >= 50
    assert managed.get("AdministratorAccess").summary.admin
    assert managed.get("IAMFullAccess").summary.iam_write
    assert managed.get("PowerUserAccess").summary.not_action
    assert "s3" in managed.get("AmazonS3FullAccess").summary.data_full
    assert managed.get("AmazonS3ReadOnlyAccess").summary.read_only
    assert not managed.get("AmazonS3FullAccess").summary.read_only
    assert managed.get("AmazonS3ReadOnlyAccess").grants["s3"] == "LR"
    # recomputing one entry with the live analysis gives the stored summary
    value = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert summarise(value).data_full == ["s3"]


def test_catalog_is_loaded_lazily():
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: event == 'open' and opened.append(str(args[0])))\n"
        "from iamlint.api import lint_text\n"
        'lint_text(\'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}\')\n'
        "assert opened, 'the audit hook sees files opened'\n"
        "assert not [p for p in opened if p.endswith('managed_policies.json')], 'loaded without attachments'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_build_script_reruns_on_a_small_corpus(tmp_path):
    corpus = tmp_path / "policies"
    corpus.mkdir()
    (corpus / "AdminThing.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    )
    (corpus / "Reader.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}],
            }
        )
    )
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "source_repo": "test",
                "source_commit": "0",
                "policies": [
                    {
                        "name": "AdminThing",
                        "arn": "arn:aws:iam::aws:policy/job-function/AdminThing",
                        "deprecated": True,
                    },
                    {"name": "Reader", "arn": "arn:aws:iam::aws:policy/Reader", "deprecated": False},
                ],
            }
        )
    )
    out = tmp_path / "out.json"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "build_managed_catalog.py"),
            "--corpus",
            str(corpus),
            "--manifest",
            str(manifest),
            "--out",
            str(out),
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    data = json.loads(out.read_text())
    assert data["count"] == 2
    admin, reader = data["policies"]["AdminThing"], data["policies"]["Reader"]
    assert admin["p"] == "/job-function/" and admin["d"] == 1 and admin["s"]["admin"] == 1
    assert "IAM201" in admin["s"]["rules"]
    assert reader["s"]["read_only"] == 1 and reader["s"]["data_read"] == ["s3"] and "p" not in reader


def test_user_with_declared_access_key_is_reported_even_without_power():
    class Ctx:
        def __init__(self, role):
            self.role = role

    resource = Document("template.yaml", {"Type": "AWS::IAM::User"}, "role")
    key = Document("template.yaml", {"Type": "AWS::IAM::AccessKey"}, "role")
    user = Role(
        "Deployer",
        "template.yaml",
        resource,
        principal_type="user",
        access_keys=[AccessKey("DeployerKey", key, "")],
    )
    reports = list(user_with_powerful_permissions(Ctx(user)))
    assert len(reports) == 1 and "DeployerKey" in reports[0][0].message and "OIDC" in reports[0][0].message
    assert reports[0][1] is key and reports[0][0].at_key  # at the key's logical id
    user.access_keys.clear()
    assert list(user_with_powerful_permissions(Ctx(user))) == []
