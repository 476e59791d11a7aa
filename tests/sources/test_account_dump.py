"""Account authorization dumps: every document located in the dump, principals assembled."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from iamlint.api import default_registry, lint_bytes, lint_path
from iamlint.config import Config
from iamlint.sources import read_source

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "account-authorization-details"
DUMPS = sorted(CORPUS.glob("*/*.json")) if CORPUS.is_dir() else []
AWS_CLI = CORPUS / "aws-cli" / "get-account-authorization-details.example.json"


def _read(value_or_text, name="authz.json"):
    text = value_or_text if isinstance(value_or_text, str) else json.dumps(value_or_text, indent=2)
    return read_source(name, text.encode()), text


def _lint(value_or_text, name="authz.json"):
    text = value_or_text if isinstance(value_or_text, str) else json.dumps(value_or_text, indent=2)
    return lint_bytes(name, text.encode(), Config(), default_registry())


@pytest.mark.corpus
@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name)
def test_corpus_dumps_read_without_error(path):
    source = read_source(str(path), path.read_bytes())
    assert not source.skipped and source.error is None
    assert source.roles, "every dump holds principals"
    report = lint_path(str(path), Config(), default_registry())
    assert report.error is None, report.error
    for f in report.findings:
        assert f.file == str(path) and f.span.line >= 1
        assert f.owner.split("/", 1)[0] in ("role", "user", "group", "policy"), f.owner


@pytest.mark.corpus
def test_aws_cli_example_oddities():
    source = read_source(str(AWS_CLI), AWS_CLI.read_bytes())
    by = {(r.principal_type, r.name): r for r in source.roles}
    # AttachedManagedPolicies is an object (not a list) for two groups
    admins = by[("group", "Admins")]
    assert [a.arn for a in admins.managed] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert admins.managed[0].pointer == "/AttachedManagedPolicies/PolicyArn"
    assert admins.meta["truncated"] is True  # IsTruncated: true
    role = by[("role", "EC2role")]
    assert role.meta["instance_profiles"] == ["EC2role"]
    assert role.trust is not None and role.trust.kind == "trust"
    # only the role's own trust policy is a document, not the copy inside InstanceProfileList
    trusts = [d for d in source.documents if d.kind == "trust"]
    assert len(trusts) == 1
    alice = by[("user", "Alice")]
    assert alice.groups == ["Admins"] and alice.member_of == [admins]
    # customer managed policies linted once; the AWS managed one listed in Policies is not
    owners = sorted(d.owner for d in source.documents if d.owner.startswith("policy/"))
    assert owners == ["policy/S3-read-only-specific-bucket", "policy/create-update-delete-set-managed-policies"]


@pytest.mark.corpus
def test_positions_point_into_the_dump():
    report = lint_path(str(AWS_CLI), Config(), default_registry())
    lines = AWS_CLI.read_text().splitlines()
    s3 = [f for f in report.findings if f.rule == "IAM401" and "AmazonS3FullAccess" in f.message]
    assert len(s3) == 1
    f = s3[0]
    assert lines[f.span.line - 1][f.span.column - 1 :].startswith('"arn:aws:iam::aws:policy/AmazonS3FullAccess"')
    assert f.owner == "role/EC2role"


def _role_entry(**extra):
    entry = {
        "RoleName": "app",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/app",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
        "InstanceProfileList": [],
    }
    entry.update(extra)
    return entry


def test_url_encoded_documents_are_decoded_and_located_at_the_string():
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    dump = {
        "RoleDetailList": [
            _role_entry(RolePolicyList=[{"PolicyName": "all", "PolicyDocument": quote(json.dumps(inline))}])
        ]
    }
    source, text = _read(dump)
    role = source.roles[0]
    assert role.inline[0].value == inline and role.inline[0].meta["encoded"]
    report = _lint(dump)
    admin = [f for f in report.findings if f.rule == "IAM201"]
    assert admin, report.findings
    line = text.splitlines()[admin[0].span.line - 1]
    assert '"PolicyDocument": "%7B' in line


def test_customer_managed_policy_default_version_resolves_attachment():
    arn = "arn:aws:iam::111122223333:policy/deploy"
    dump = {
        "RoleDetailList": [
            _role_entry(
                AttachedManagedPolicies=[{"PolicyName": "deploy", "PolicyArn": arn}],
                PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn},
            )
        ],
        "Policies": [
            {
                "PolicyName": "deploy",
                "Arn": arn,
                "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {
                        "VersionId": "v1",
                        "IsDefaultVersion": False,
                        "Document": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                        },
                    },
                    {
                        "VersionId": "v2",
                        "IsDefaultVersion": True,
                        "Document": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                        },
                    },
                ],
            }
        ],
    }
    source, _ = _read(dump)
    role = source.roles[0]
    doc = role.managed[0].document
    assert doc is not None and doc.meta["version"] == "v2"
    assert role.boundary.document is doc
    assert [d.meta.get("version") for d in source.documents if d.owner == "policy/deploy"] == ["v2"]
    report = _lint(dump)
    assert not [f for f in report.findings if f.rule == "IAM201"], "the non-default version is not linted"


def test_wrong_shapes_do_not_crash():
    for dump in (
        {"RoleDetailList": "oops", "UserDetailList": [1, None, "x"], "GroupDetailList": {}},
        {
            "RoleDetailList": [
                {
                    "RoleName": 5,
                    "AssumeRolePolicyDocument": "%%not json",
                    "RolePolicyList": [7],
                    "AttachedManagedPolicies": [{"PolicyArn": None}, "x"],
                    "PermissionsBoundary": "x",
                }
            ]
        },
        {
            "UserDetailList": [{"UserName": "u", "GroupList": ["missing", 3]}],
            "Policies": [{"Arn": 1, "PolicyVersionList": "x"}],
        },
    ):
        report = _lint(dump)
        assert report.error is None


def test_service_linked_roles_are_marked():
    dump = {
        "RoleDetailList": [
            _role_entry(
                Path="/aws-service-role/elasticbeanstalk.amazonaws.com/",
                AttachedManagedPolicies=[
                    {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
                ],
            )
        ]
    }
    source, _ = _read(dump)
    assert source.roles[0].service_linked is True
    assert all(d.meta.get("service_linked") for d in source.documents)
    assert not [f for f in _lint(dump).findings if f.rule == "IAM401"]


def test_duplicate_keys_inside_a_document_are_reported_in_the_dump():
    text = """{"RoleDetailList": [{"RoleName": "r", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument":
      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}]}"""  # noqa: E501
    report = _lint(text)
    dups = [f for f in report.findings if f.rule == "IAM009"]
    assert dups and dups[0].span.line == 2
