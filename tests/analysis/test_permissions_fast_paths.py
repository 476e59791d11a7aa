"""The precomputed fast paths of the permissions API (target-action bit masks,
per-statement facts) answer exactly as the
general pattern-matching path does."""

from __future__ import annotations

import itertools

import pytest

from iamlint.analysis import permissions as pm
from iamlint.analysis.permissions import (
    Permissions,
    has_star_resource_value,
    statement_covers_resource,
    statement_has_broad_resource,
    statement_is_admin,
    statement_matches,
)
from iamlint.knowledge.escalation import privesc_methods, sensitive_actions
from iamlint.model.policy import Opaque, Policy


def P(*statements):
    return Policy({"Version": "2012-10-17", "Statement": list(statements)})


def targets():
    """The concrete actions the escalation methods and sensitive actions name
    (the fast paths' targets), lower-case."""
    names = {a.lower() for method in privesc_methods() for group in method.requires for a in group}
    names.update(sa.action.lower() for sa in sensitive_actions())
    return sorted(name for name in names if "*" not in name and "?" not in name)


def reference_allowing(perms: Permissions, action: str, broad: bool) -> list:
    """allowing_statements by the general path: match every Allow, then Denies."""
    found = [
        s for s in perms.allows if statement_matches(s, action, None) and (not broad or statement_has_broad_resource(s))
    ]
    if found and perms.has_hard_denies:
        found = [s for s in found if not perms.denied(action)]
    return found


POLICIES = [
    P({"Effect": "Allow", "Action": ["IAM:Pass*", "lambda:Create*", "lambda:InvokeFunction"], "Resource": "*"}),
    P({"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"}),
    P({"Effect": "Allow", "NotAction": "iam:PassRole", "NotResource": "arn:aws:s3:::b/*"}),
    P(
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::*:role/*"},
        {"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"},
    ),
    P(
        {
            "Effect": "Allow",
            "Action": ["iam:passrole", "ec2:RunInstances"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
        }
    ),
    P(
        {
            "Effect": "Allow",
            "Action": ["i?m:Attach*Policy", "*:CreateAccessKey", "secretsmanager:*"],
            "Resource": ["arn:aws:iam::1:user/x", "*"],
        }
    ),
    P(
        {"Effect": "Allow", "Action": Opaque("${var.a}"), "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssm:*", Opaque("x")], "Resource": Opaque("y")},
        {"Effect": "Allow", "Action": "ssm:SendCommand"},
    ),
    P(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::1:role/app"},
        {"Effect": "Allow", "Action": "ia*", "Resource": "**"},
    ),
]


@pytest.mark.parametrize("index", range(len(POLICIES)))
def test_target_fast_path_agrees_with_general_matching(index):
    perms = Permissions(POLICIES[index])
    for action, broad in itertools.product(targets(), (False, True)):
        # ask in another case: the cache key and the bit look-up are case-insensitive
        got = perms.allowing_statements(action.upper(), broad=broad)
        assert got == reference_allowing(Permissions(POLICIES[index]), action, broad), (action, broad)


def test_escalation_and_sensitive_agree_with_general_matching():
    for policy in POLICIES:
        perms = Permissions(policy)
        for method in privesc_methods():
            expected = all(
                any(reference_allowing(perms, a, a.lower() in method.broad_resource) for a in group)
                for group in method.requires
            )
            got = any(m.method.id == method.id for m in perms.escalation_methods())
            assert got == expected, method.id
        sensitive = {sa.action for sa, _ in perms.sensitive_access(broad=True)}
        assert sensitive == {sa.action for sa in sensitive_actions() if reference_allowing(perms, sa.action, True)}


def test_statement_facts_match_their_definitions():
    for policy in [
        *POLICIES,
        P({"Effect": "Allow", "Action": ["**", "s3:*"], "Resource": ["x", "***"]}),
        P({"Effect": "Allow", "Action": "*:*", "NotResource": "*"}),
        P({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b"}),
    ]:
        for stmt in Permissions(policy).allows:  # primed by the constructor
            assert has_star_resource_value(stmt) == any(
                isinstance(v.value, str) and v.value != "" and set(v.value) == {"*"} for v in stmt.resources
            )
            expected_admin = (
                ("Action" in stmt.raw or "NotAction" in stmt.raw)
                and statement_covers_resource(stmt, "*")
                and pm.is_full_wildcard(stmt)
            )
            assert statement_is_admin(stmt) == expected_admin, stmt.raw


def test_admin_spellings():
    assert statement_is_admin(
        Permissions(P({"Effect": "Allow", "Action": ["s3:x", "**:*"], "Resource": "*"})).allows[0]
    )
    assert not statement_is_admin(Permissions(P({"Effect": "Allow", "Action": "*", "NotResource": "*"})).allows[0])
    assert statement_is_admin(Permissions(P({"Effect": "Allow", "Action": "*", "NotResource": "arn:x"})).allows[0])
    assert not statement_is_admin(Permissions(P({"Effect": "Allow", "Action": "*:*:*", "Resource": "*"})).allows[0])
