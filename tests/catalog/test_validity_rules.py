"""Behaviour of the IAM1xx checks beyond the rule-file examples."""

from __future__ import annotations

import json

from iamlint.api import lint_text
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.engine.runner import run_document
from iamlint.model.document import Document
from iamlint.model.policy import Opaque

REGISTRY = Registry.load()


def _findings(policy, select="IAM1", kind=None):
    text = policy if isinstance(policy, str) else json.dumps(policy, indent=2)
    return [f for f in lint_text(text, config=Config(select=[select]), kind=kind, registry=REGISTRY)]


def _stmt(**members):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", **members}]}


def test_unknown_action_points_at_the_exact_string_and_suggests():
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": ["s3:ListBucket", "s3:GetObjects"], "Resource": "*"}]}'
    )
    [f] = _findings(text)
    assert f.rule == "IAM103"
    assert "did you mean `s3:GetObject`?" in f.message
    start = text.index('"s3:GetObjects"') + 1
    assert (f.span.line, f.span.column) == (1, start)
    assert f.span.end_column == start + len('"s3:GetObjects"')


def test_action_names_are_case_insensitive():
    assert _findings(_stmt(Action=["S3:getobject", "IAM:Pass*", "ec2:describe*"])) == []


def test_unknown_prefix_suggests_and_retired_is_info():
    findings = _findings(_stmt(Action=["lamda:InvokeFunction", "evidently:GetProject", "zzzz:Do"]))
    by_value = {f.pointer.rsplit("/", 1)[1]: (f.rule, f.severity, f.message) for f in findings}
    assert by_value["0"][:2] == ("IAM101", "error") and "did you mean `lambda:InvokeFunction`?" in by_value["0"][2]
    assert by_value["1"][:2] == ("IAM102", "info") and "retired" in by_value["1"][2]
    assert len([f for f in findings if f.rule == "IAM101"]) == 2


def test_not_an_action_and_pattern_matching_nothing():
    rules = sorted(f.rule for f in _findings(_stmt(Action=["s3GetObject", "s3:Get*Objects", "*:GetObject", "s3:"])))
    assert rules == ["IAM103", "IAM103", "IAM104"]


def test_notaction_message_says_it_excludes_nothing():
    [f] = _findings(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:CreateUsr", "Resource": "*"}]}
    )
    assert "excludes nothing" in f.message


def test_unresolved_substitutions_are_skipped():
    policy = _stmt(Action=["${Action}", "s3:GetObject"])
    policy["Statement"][0]["Resource"] = ["arn:${AWS::Partition}:s3:::${Bucket}/*", "${aws_s3_bucket.b.arn}"]
    assert _findings(policy) == []


def test_opaque_values_are_skipped():
    value = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [Opaque("!Ref A"), "s3:GetObject"],
                "Resource": [Opaque("!GetAtt B.Arn")],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": Opaque("!Ref C")},
                    Opaque("x") if False else "Bool": {"aws:SecureTransport": Opaque("y")},
                },
            }
        ],
    }
    doc = Document("template.yaml", value, "identity")
    rules = [r for r in REGISTRY if r.id.startswith("IAM1")]
    assert run_document(doc, rules, Config()) == []


def test_resource_mismatch_only_when_no_resource_fits():
    bad = _stmt(Action=["s3:GetObject", "s3:ListBucket"], Resource="arn:aws:s3:::b")
    [f] = [f for f in _findings(bad) if f.rule == "IAM106"]
    assert f.pointer == "/Statement/0/Action/0" and "object" in f.message
    good = _stmt(Action=["s3:GetObject"], Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"])
    assert [f for f in _findings(good) if f.rule == "IAM106"] == []
    star = _stmt(Action=["s3:GetObject"], Resource=["arn:aws:s3:::b", "*"])
    assert [f for f in _findings(star) if f.rule == "IAM106"] == []
    # an action of another service than every listed resource is not judged
    other = _stmt(Action=["ec2:StartInstances"], Resource="arn:aws:s3:::b")
    assert [f for f in _findings(other) if f.rule == "IAM106"] == []
    # a wildcard is reported only when none of its actions fits
    wild = _stmt(Action=["s3:*Object"], Resource="arn:aws:s3:::b")
    assert [f.rule for f in _findings(wild)] == ["IAM106"]
    assert _findings(_stmt(Action=["s3:Get*"], Resource="arn:aws:s3:::b")) == []


def test_star_only_action_with_arn_of_other_shape_is_not_reported():
    policy = _stmt(Action=["s3:ListAllMyBuckets"], Resource="arn:aws:s3:::b*")
    assert _findings(policy) == []


def test_condition_checks():
    policy = _stmt(
        Action="s3:GetObject",
        Condition={
            "StringEqual": {"aws:SourceAccount": "123456789012"},
            "DateGreaterThan": {"aws:SecureTransport": "2020-01-01"},
            "StringEquals": {"aws:SourceIpAddress": "1.2.3.4", "aws:ViaAWSService": "true"},
            "ForAllValues:StringEquals": {"aws:RequestedRegion": "eu-west-1"},
            "ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-123"},
            "Bool": {"aws:MultiFactorAuthPresent": "yes"},
            "NullIfExists": {"aws:TokenIssueTime": "true"},
        },
    )
    got = {(f.rule, f.severity, f.pointer.rsplit("/", 2)[-2]) for f in _findings(policy)}
    assert got == {
        ("IAM109", "error", "Condition"),  # StringEqual (pointer is the operator)
        ("IAM109", "error", "Condition"),  # NullIfExists
        ("IAM108", "error", "DateGreaterThan"),
        ("IAM107", "warning", "StringEquals"),
        ("IAM108", "info", "StringEquals"),
        ("IAM110", "warning", "ForAllValues:StringEquals"),
        ("IAM110", "info", "ForAnyValue:StringEquals"),
        ("IAM111", "error", "Bool"),  # the value of aws:MultiFactorAuthPresent
    }
    messages = " ".join(f.message for f in _findings(policy))
    assert "did you mean `StringEquals`?" in messages
    assert "did you mean `aws:SourceIp`?" in messages


def test_identity_provider_claims_are_not_judged():
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"},
                    "StringEquals": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                },
            }
        ],
    }
    assert _findings(trust, kind="trust") == []


def test_bad_shapes_do_not_crash():
    for policy in (
        {"Statement": "x"},
        {"Statement": [{"Action": 5, "Resource": {"a": 1}, "Condition": []}]},
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [None, ["s3:x"]],
                    "Resource": [3],
                    "Condition": {"Bool": 5, "StringLike": {"a": {"b": 1}}},
                }
            ]
        },
        [1, 2],
    ):
        _findings(policy)
