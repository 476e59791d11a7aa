"""Issue 18, resource-policy bullets: Deny guards restrict a public Allow; Allow +
NotAction (IAM503), every action granted (IAM504) and wildcard principal ARNs
(IAM502) are found; sensitive keys with wildcards or variables do not restrict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamlint.api import lint_text
from iamlint.config import Config

FIXTURES = Path(__file__).parent / "fixtures"
#: every rule, so that a bullet's fixture also shows what else fires on it
ALL = Config(select=["ALL"])


def found(name: str) -> list[tuple[str, str]]:
    text = (FIXTURES / name).read_text()
    return sorted(
        (f.rule, f.pointer) for f in lint_text(text, config=ALL, kind="resource") if f.rule.startswith("IAM5")
    )


def lint(doc: dict) -> list[tuple[str, str]]:
    text = json.dumps(doc, indent=2)
    return sorted(
        (f.rule, f.pointer) for f in lint_text(text, config=ALL, kind="resource") if f.rule.startswith("IAM5")
    )


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- bullet 1: a Deny guard in the same policy restricts a public Allow -----------------


@pytest.mark.parametrize(
    "name",
    [
        "apigw_private_api_deny_guard.json",  # AWS's private API example: Deny unless aws:SourceVpce
        "s3_vpce_deny_guard.json",  # "Restricting access to a specific VPC endpoint"
        "s3_vpc_deny_guard.json",  # the same with aws:SourceVpc, the Allow on a wildcard action
        "s3_org_deny_guard.json",  # Deny unless aws:PrincipalOrgID (IfExists), Allow on a prefix
    ],
)
def test_deny_guard_makes_the_public_allow_private(name):
    assert found(name) == []


ALLOW = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
GUARD = {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}


def deny(action="s3:*", resource=("arn:aws:s3:::b", "arn:aws:s3:::b/*"), condition=GUARD, principal="*"):
    stmt = {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": list(resource)}
    if condition is not None:
        stmt["Condition"] = condition
    return stmt


@pytest.mark.parametrize(
    "guard",
    [
        deny(),
        deny(action=["s3:Get*"]),
        deny(action="*", resource=["*"]),
        deny(resource=["arn:aws:s3:::b*"]),
        deny(condition={"StringNotLike": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/*"}}),
        deny(condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}),
        deny(condition={"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}),
        deny(condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1", "aws:PrincipalAccount": "111122223333"}}),
        deny(condition=None),  # unconditional, to everyone
        # the data-perimeter guard: only the organisation's principals and AWS services escape
        deny(
            condition={
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            }
        ),
        deny(condition=None, principal=None) | {"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/r"}},
    ],
)
def test_guards_that_restrict(guard):
    guard = {k: v for k, v in guard.items() if v is not None}
    assert lint(policy(ALLOW, guard)) == []


@pytest.mark.parametrize(
    "guard",
    [
        deny(action="s3:PutObject"),  # does not cover the allowed action
        deny(action="s3:Get*", resource=["arn:aws:s3:::other/*"]),  # another bucket
        deny(resource=["arn:aws:s3:::b/private/*"]),  # part of the allowed objects only
        deny(condition={"StringNotLike": {"aws:SourceVpce": "vpce-*"}}),  # any endpoint
        deny(condition={"StringNotEquals": {"aws:PrincipalOrgID": "${aws:PrincipalTag/org}"}}),
        deny(condition={"Bool": {"aws:SecureTransport": "false"}}),  # not about the caller
        deny(condition={"Bool": {"aws:PrincipalIsAWSService": "false"}}),  # anonymous has no such key
        deny(condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}, "Bool": {"aws:SecureTransport": "false"}}),
        deny(condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}),  # denies the endpoint, not the rest
        deny(principal={"AWS": "arn:aws:iam::111122223333:root"}),  # not everyone
        deny(condition=None, principal=None) | {"NotPrincipal": {"AWS": "*"}},  # applies to no one
    ],
)
def test_guards_that_do_not_restrict(guard):
    guard = {k: v for k, v in guard.items() if v is not None}
    assert lint(policy(ALLOW, guard)) == [("IAM501", "/Statement/0/Principal")]


# -- bullet 2: misses in resource policies ------------------------------------------


def test_allow_with_not_action_is_reported():
    assert found("not_action_queue_policy.json") == [("IAM503", "/Statement/0/NotAction")]


def test_deny_with_not_action_is_not():
    guard = deny(condition=GUARD) | {"NotAction": "s3:GetObject"}
    del guard["Action"]
    assert lint(policy(ALLOW | {"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}, guard)) == []


def test_every_action_granted_is_reported():
    # restricted by aws:SourceArn, so not public: but the caller may delete the queue
    assert found("all_actions_queue_policy.json") == [("IAM504", "/Statement/0/Action")]
    assert found("all_actions_bucket_role.json") == [("IAM504", "/Statement/0/Action")]


def test_every_action_for_another_account_or_everyone():
    queue = "arn:aws:sqs:us-east-2:444455556666:queue2"
    grant = {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:*"], "Resource": queue}
    assert lint(policy(grant | {"Principal": {"AWS": "111122223333"}})) == [("IAM504", "/Statement/0/Action/1")]
    # the queue's own account: the grant delegates to that account's IAM policies
    assert lint(policy(grant | {"Principal": {"AWS": "444455556666"}})) == []
    assert lint(policy(grant | {"Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:root"}})) == []


def test_default_key_policy_is_quiet():
    assert found("default_key_policy.json") == []


def test_endpoint_policy_shape_is_not_every_action_on_a_resource():
    endpoint = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    endpoint["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert lint(policy(endpoint)) == []


def test_wildcard_principal_arns_are_reported():
    assert found("wildcard_principal_arns.json") == [
        # the second is also public: IAM reads the account wildcard as every account (IAM501)
        ("IAM501", "/Statement/1/Principal/AWS/0"),
        ("IAM502", "/Statement/0/Principal/AWS"),
        ("IAM502", "/Statement/1/Principal/AWS/0"),
    ]


def test_iac_placeholders_are_not_wildcards():
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    assert lint(policy(stmt | {"Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:role/reader"}})) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
        {"StringLike": {"aws:SourceAccount": "*"}},
        {"StringLike": {"aws:SourceAccount": "1111*"}},
        {"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalTag/org}"}},
        {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
        {"StringLike": {"aws:SourceVpce": "vpce-*"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}},
        {"StringLike": {"aws:userid": "*:alice"}},
        {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "o-*"]}},  # one open value opens it
    ],
)
def test_sensitive_keys_with_wildcards_or_variables_do_not_restrict(condition):
    assert lint(policy(ALLOW | {"Condition": condition})) == [("IAM501", "/Statement/0/Principal")]


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/${aws:username}"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs-bucket-*"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}},
        {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}},
        {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}},  # an IaC value, not a variable
        {"StringEquals": {"aws:PrincipalOrgID": "${var.org_id}"}},
    ],
)
def test_wildcards_that_still_name_the_caller_restrict(condition):
    assert lint(policy(ALLOW | {"Condition": condition})) == []
