"""Plain examples of the disagreements test_permissions_agree.py found
between Permissions (what the rules ask) and AWS's evaluation logic, and of
the one it found in AccessModel. One fixture each."""

from __future__ import annotations

from iamlint.analysis.permissions import Permissions
from iamlint.iam.access import AccessModel
from iamlint.model.policy import Policy

ROLE = "arn:aws:iam::111122223333:role/r"


def perms(*statements: dict[str, object], version: str = "2012-10-17") -> Permissions:
    return Permissions([Policy({"Version": version, "Statement": list(statements)})])


def test_a_not_resource_deny_spares_what_it_lists() -> None:
    p = perms(
        {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    )
    assert not p.denied("s3:GetObject", "arn:aws:s3:::b/k")  # was: denied everywhere
    assert p.allows_action("s3:GetObject", "arn:aws:s3:::b/k")
    assert p.denied("s3:GetObject", "arn:aws:s3:::c/k")
    assert p.allows_action("s3:GetObject")  # on b/*


def test_a_not_resource_deny_sparing_none_of_the_action_s_resources_removes_it() -> None:
    p = perms(
        {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    )
    assert p.denied("iam:PassRole")  # no role is in arn:aws:s3:::b/*
    assert not p.allows_action("iam:PassRole")
    assert not p.escalation_methods()


def test_a_deny_on_one_resource_removes_it_there_without_a_deny_on_star() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:iam::*:role/*"},
        {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "arn:aws:iam::*:role/*"},
    )
    assert not p.allows_action("s3:PutObject", ROLE)  # was: allowed (no Deny on *)


def test_not_resource_star_allows_nothing() -> None:
    p = perms({"Effect": "Allow", "Action": "ec2:RunInstances", "NotResource": "*"})
    assert not p.allows_action("ec2:RunInstances")


def test_a_condition_key_the_asked_action_never_carries() -> None:
    p = perms({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "home/*"}}})
    assert not p.allows_action("s3:GetObject")  # GetObject requests carry no s3:prefix
    assert not p.allows_action("s3:GetObject", "arn:aws:s3:::b/k")
    assert p.allows_action("s3:ListBucket")
    assert p.allows_action("iam:PassRole")  # S3's keys are not judged on other services


def test_an_unknown_condition_operator_grants_nothing() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"aws:username": "a"}}}
    )
    assert not p.allows_action("s3:PutObject")
    assert not p.allows_action("s3:ListBucket", "arn:aws:s3:::b")


def test_a_policy_variable_in_resource_may_match_a_concrete_resource() -> None:
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/${aws:PrincipalTag/team}"}
    assert perms(stmt).allows_action("s3:GetObject", "arn:aws:s3:::c/red")
    # in a 2008-10-17 policy the variable is text
    assert not perms(stmt, version="2008-10-17").allows_action("s3:GetObject", "arn:aws:s3:::c/red")
    # ${*} is an escape (the character *), not a variable
    escaped = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/${*}"}
    assert not perms(escaped).allows_action("s3:GetObject", "arn:aws:s3:::c/red")


def test_a_not_resource_deny_with_a_variable_is_not_certain_on_what_it_may_spare() -> None:
    p = perms(
        {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::c/${aws:PrincipalTag/team}"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    )
    assert not p.denied("s3:GetObject", "arn:aws:s3:::c/red")  # spared when the tag is "red"
    assert p.denied("s3:GetObject", "arn:aws:s3:::b/k")


def test_a_not_resource_deny_still_spoils_administrator_access() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::b/*"},
    )
    assert not p.admin_statements()


def test_access_model_ssm_send_command_needs_its_document() -> None:
    on_buckets = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:s3:::*"}],
    }
    assert not AccessModel([on_buckets]).reachable_escalations()
    on_star = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}],
    }
    assert [r.method.id for r in AccessModel([on_star]).reachable_escalations()] == ["ssm-command-on-instance"]


def test_a_deny_on_the_allow_s_own_pattern_removes_the_escalation() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "arn:aws:iam::*:role/*"},
        {"Effect": "Deny", "Action": "iam:AttachRolePolicy", "Resource": "arn:aws:iam::*:role/*"},
    )
    assert not p.escalation_methods()  # was: iam-attach-role-policy (the Deny did not cover *)
    # a Deny that only matches the text of the Allow's pattern does not contain it
    q = perms(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::*"},
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::?"},
    )
    assert q.allows_action("s3:ListBucket")


def test_a_not_resource_deny_sparing_one_role_leaves_no_broad_pass_role() -> None:
    p = perms(
        {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/r"},
    )
    assert not p.escalation_methods()  # PassRole is left on one role only
    assert p.allows_action("iam:PassRole")


def test_a_not_resource_allow_and_deny_on_the_same_pattern_grant_nothing() -> None:
    fn = "arn:aws:lambda:us-east-1:111122223333:function:*"
    p = perms(
        {"Effect": "Allow", "Action": "lambda:*", "NotResource": fn},
        {"Effect": "Deny", "Action": "lambda:*", "NotResource": fn},
    )
    assert not p.escalation_methods()


def test_access_model_reads_what_a_not_resource_deny_spares() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:AttachRolePolicy", "NotResource": "arn:aws:iam::111122223333:role/*"},
        ],
    }
    assert [r.method.id for r in AccessModel([policy]).reachable_escalations()] == ["iam-attach-role-policy"]


def test_access_model_a_user_pattern_names_no_role() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*Role*", "Resource": "arn:aws:iam::111122223333:user/*"}],
    }
    assert not AccessModel([policy]).reachable_escalations()
