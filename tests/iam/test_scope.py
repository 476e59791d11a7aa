"""One definition each of "pins the caller", "restricts the caller" and
"narrows the resources", and the rules that read them."""

from __future__ import annotations

import json

from iamlint.analysis.permissions import narrowing_conditions, statement_has_broad_resource
from iamlint.analysis.summary import compact_grants
from iamlint.api import lint_text
from iamlint.iam.scope import (
    condition_pins,
    narrows_resources,
    pass_role_conditions,
    pins_caller,
    restricting_conditions,
    restricts_caller,
    value_pins,
)
from iamlint.model.policy import Condition, Opaque, Policy, Value


def _st(**statement):
    return Policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}).statements[0]


def _cond(op, key, *values):
    return Condition(op, key, tuple(Value(v, f"/{i}") for i, v in enumerate(values)), "/c")


# -- pins the caller (trust) --------------------------------------------------

KEYS = ("aws:principalorgid", "aws:principalarn", "aws:principalorgpaths")


def test_pins_caller_positive():
    assert pins_caller(_st(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}), KEYS)
    assert pins_caller(_st(Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}), KEYS)
    assert pins_caller(_st(Condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/*"}}), KEYS)
    assert pins_caller(_st(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}), ("aws:multifactorauthpresent",))
    assert pins_caller(_st(Condition=Opaque("var.conditions")), KEYS)  # unknown: benefit of the doubt


def test_pins_caller_negative():
    assert not pins_caller(_st(Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}), KEYS)
    assert not pins_caller(_st(Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}), KEYS)
    assert not pins_caller(_st(Condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}}), KEYS)
    assert not pins_caller(_st(Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}), KEYS)
    assert not pins_caller(_st(Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-abc", ""]}}), KEYS)
    assert not pins_caller(
        _st(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}), ("aws:multifactorauthpresent",)
    )
    assert not pins_caller(_st(Condition={"StringEquals": {"aws:SourceIp": "1.2.3.4"}}), KEYS)


def test_for_all_values_pins_only_with_a_null_check():
    weak = {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": "o-abc/r-1/"}}
    assert not pins_caller(_st(Condition=weak), KEYS)
    assert pins_caller(_st(Condition={**weak, "Null": {"aws:PrincipalOrgPaths": "false"}}), KEYS)


def test_value_pins_says_whether_a_value_is_specific():
    like = _cond("StringLike", "aws:PrincipalOrgID", "o-*")
    assert not value_pins(like, like.values[0])
    literal = _cond("StringEquals", "aws:PrincipalOrgID", "o-*")  # StringEquals: a literal star
    assert value_pins(literal, literal.values[0])
    opaque = _cond("StringEquals", "aws:PrincipalOrgID", Opaque("var.org"))
    assert value_pins(opaque, opaque.values[0])


def test_a_wildcard_value_neither_pins_nor_restricts():
    # a wildcard organisation id matches every caller's (issue 18): it restricts
    # no resource policy's caller and pins no trust
    wild = _cond("StringLike", "aws:PrincipalOrgID", "o-*")
    assert not restricts_caller(wild) and not condition_pins(wild)
    assert not condition_pins(_cond("StringLike", "aws:PrincipalOrgID", "o-abc123", "o-*"))
    assert condition_pins(_cond("StringEquals", "aws:PrincipalOrgID", "o-abc123", "o-def456"))
    assert condition_pins(_cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*"))
    assert not condition_pins(_cond("StringEquals", "aws:PrincipalOrgID"))


# -- restricts the caller (resource policies) ---------------------------------


def test_restricts_caller_positive():
    assert restricts_caller(_cond("StringEquals", "aws:PrincipalOrgID", "o-abc123"))
    assert restricts_caller(_cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:topic"))
    assert restricts_caller(_cond("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"))
    assert restricts_caller(_cond("Bool", "aws:PrincipalIsAWSService", "true"))
    assert restricts_caller(_cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))


def test_restricts_caller_negative():
    assert not restricts_caller(_cond("StringNotEquals", "aws:PrincipalOrgID", "o-abc123"))
    assert not restricts_caller(_cond("StringEqualsIfExists", "aws:PrincipalOrgID", "o-abc123"))
    assert not restricts_caller(_cond("ForAllValues:StringEquals", "aws:PrincipalOrgID", "o-abc123"))
    assert not restricts_caller(_cond("Null", "aws:PrincipalOrgID", "false"))
    assert not restricts_caller(_cond("Bool", "aws:PrincipalIsAWSService", "false"))
    assert not restricts_caller(_cond("IpAddress", "aws:SourceIp", "0.0.0.0/0"))
    assert not restricts_caller(_cond("StringLike", "aws:PrincipalOrgID", "*"))
    assert not restricts_caller(_cond("StringEquals", "aws:RequestedRegion", "eu-west-1"))
    st = _st(
        Principal="*", Action="s3:GetObject", Resource="*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    )
    assert [c.key for c in restricting_conditions(st)] == ["aws:SourceVpce"]


# -- narrows the resources (identity policies) --------------------------------


def test_narrows_resources_positive():
    assert narrows_resources(_cond("StringEquals", "aws:ResourceTag/team", "web"))
    assert narrows_resources(_cond("StringLike", "aws:ResourceTag/team", "*"))
    assert narrows_resources(_cond("StringEquals", "ec2:ResourceTag/team", "web"))
    assert narrows_resources(_cond("StringEquals", "aws:ResourceAccount", "111122223333"))
    assert narrows_resources(_cond("ForAnyValue:StringEquals", "aws:CalledVia", "cloudformation.amazonaws.com"))
    assert narrows_resources(_cond("Bool", "aws:ViaAWSService", "true"))
    assert narrows_resources(_cond("StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"))
    assert narrows_resources(_cond("ArnEquals", "iam:PolicyARN", "arn:aws:iam::aws:policy/ReadOnlyAccess"))


def test_null_false_on_a_resource_tag_narrows_like_string_like_star():
    assert narrows_resources(_cond("Null", "aws:ResourceTag/elbv2.k8s.aws/cluster", "false"))
    assert narrows_resources(_cond("Null", "aws:ResourceTag/elbv2.k8s.aws/cluster", False))
    null = _st(Action="ec2:DeleteSecurityGroup", Resource="*", Condition={"Null": {"aws:ResourceTag/k": "false"}})
    like = _st(Action="ec2:DeleteSecurityGroup", Resource="*", Condition={"StringLike": {"aws:ResourceTag/k": "*"}})
    assert narrowing_conditions(null) == ["aws:ResourceTag/k"] == narrowing_conditions(like)
    assert not statement_has_broad_resource(null) and not statement_has_broad_resource(like)


def test_narrows_resources_negative():
    assert not narrows_resources(_cond("Null", "aws:ResourceTag/k", "true"))  # the tag must be absent
    assert not narrows_resources(_cond("StringNotEquals", "aws:ResourceTag/team", "web"))
    assert not narrows_resources(_cond("StringEqualsIfExists", "aws:ResourceTag/team", "web"))
    assert not narrows_resources(_cond("ForAllValues:StringEquals", "aws:CalledVia", "athena.amazonaws.com"))
    assert not narrows_resources(_cond("Bool", "aws:ViaAWSService", "false"))
    assert not narrows_resources(_cond("Null", "aws:ViaAWSService", "false"))
    assert not narrows_resources(_cond("StringEquals", "aws:RequestTag/team", "web"))  # the request, not the resource
    assert not narrows_resources(_cond("StringEquals", "aws:SourceVpce", "vpce-1"))  # the network path
    assert not narrows_resources(_cond("StringEquals", "iam:PassedToService", "ec2.amazonaws.com"))


def test_pass_role_conditions():
    st = _st(
        Action="iam:PassRole", Resource="*", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    )
    assert pass_role_conditions(st) == ["iam:PassedToService"] and not narrowing_conditions(st)
    st = _st(Action="iam:PassRole", Resource="*", Condition={"StringNotEquals": {"iam:PassedToService": "x"}})
    assert pass_role_conditions(st) == []


def test_the_summaries_and_the_rules_agree_about_broad():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DeleteSecurityGroup",
                "Resource": "*",
                "Condition": {"Null": {"aws:ResourceTag/k": "false"}},
            }
        ],
    }
    assert compact_grants(doc) == {"ec2": "w"}  # lower case: not on every resource
    findings = lint_text(json.dumps(doc, indent=2), kind="identity")
    assert not [f for f in findings if f.rule == "IAM205"]


# -- the Null bullet, rule level ------------------------------------------------

LBC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            "Resource": "*",
            "Condition": {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}},
        },
        {
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes"],
            "Resource": "*",
            "Condition": {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}},
        },
    ],
}


def test_iam205_is_silent_on_the_load_balancer_controller_null_pattern():
    findings = lint_text(json.dumps(LBC, indent=2), kind="identity")
    assert [f for f in findings if f.rule == "IAM205"] == []


def test_iam205_still_reports_the_same_writes_without_the_null_condition():
    bare = {
        "Version": "2012-10-17",
        "Statement": [{k: v for k, v in s.items() if k != "Condition"} for s in LBC["Statement"]],
    }
    findings = lint_text(json.dumps(bare, indent=2), kind="identity")
    assert len([f for f in findings if f.rule == "IAM205"]) == 2
    true = json.loads(json.dumps(LBC).replace('"false"', '"true"'))  # the tag must be absent: not narrowing
    findings = lint_text(json.dumps(true, indent=2), kind="identity")
    assert len([f for f in findings if f.rule == "IAM205"]) == 2
