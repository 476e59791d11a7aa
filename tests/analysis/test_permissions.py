"""The shared permissions API: allows / denies / escalation / read-only."""

from __future__ import annotations

from iamlint.analysis.permissions import (
    Permissions,
    allowing_statements,
    escalation_methods,
    grants_admin,
    is_broad_resource,
    is_read_only,
    statement_allows,
)
from iamlint.knowledge import catalog
from iamlint.knowledge.escalation import privesc_methods, sensitive_actions
from iamlint.model.policy import Opaque, Policy


def P(*statements):
    return Policy({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_wildcards_and_case():
    p = P(allow("IAM:attach*"))
    stmt = p.statements[0]
    assert statement_allows(stmt, "iam:AttachRolePolicy")
    assert statement_allows(stmt, "iam:Attach*")
    assert not statement_allows(stmt, "iam:PutRolePolicy")


def test_not_action_is_the_complement():
    p = Policy({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}})
    assert allowing_statements(p, "s3:GetObject")
    assert not allowing_statements(p, "iam:PassRole")


def test_resources():
    p = P(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))
    perms = Permissions(p)
    assert perms.allowing_statements("s3:GetObject", "arn:aws:s3:::bucket/key")
    assert not perms.allowing_statements("s3:GetObject", "arn:aws:s3:::other/key")
    assert not perms.allowing_statements("s3:GetObject", "*")
    assert perms.allowing_statements("s3:GetObject")


def test_unconditional_deny_removes_conditional_does_not():
    hard = Permissions(P(allow("iam:*"), deny("iam:PassRole")))
    assert not hard.allowing_statements("iam:PassRole")
    assert hard.allowing_statements("iam:CreateRole")
    soft = Permissions(
        P(allow("iam:*"), deny("iam:PassRole", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    )
    assert soft.allowing_statements("iam:PassRole")
    scoped = Permissions(P(allow("iam:*"), deny("iam:PassRole", "arn:aws:iam::1:role/x")))
    assert scoped.allowing_statements("iam:PassRole")


def test_deny_through_pattern_query():
    perms = Permissions(P(allow("iam:Attach*"), deny(["iam:AttachUserPolicy", "iam:AttachGroupPolicy"])))
    assert perms.allowing_statements("iam:Attach*")  # AttachRolePolicy is left
    perms = Permissions(P(allow("iam:Attach*"), deny("iam:Attach*")))
    assert not perms.allowing_statements("iam:Attach*")


def test_deny_statements_never_allow():
    p = P(deny("*"))
    assert not allowing_statements(p, "s3:GetObject")
    assert not grants_admin(p)


def test_admin_and_region_lock():
    lock = deny("*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})
    lock = {
        "Effect": "Deny",
        "NotAction": ["iam:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    assert grants_admin(P(allow("*"), lock))
    assert not grants_admin(P(allow("*"), deny("iam:*")))
    assert not grants_admin(P(allow("*", "arn:aws:s3:::b")))


def test_escalation_across_statements_and_policies():
    create = allow(["lambda:CreateFunction", "lambda:InvokeFunction"])
    pass_ = allow("iam:PassRole")
    ids = {m.method.id for m in escalation_methods(P(create, pass_))}
    assert "passrole-lambda-invoke" in ids
    # split over two documents of one role
    matches = escalation_methods([P(create), P(pass_)])
    match = next(m for m in matches if m.method.id == "passrole-lambda-invoke")
    assert len(match.statements) == 2
    assert match.actions[:2] == ("iam:PassRole", "lambda:CreateFunction")


def test_escalation_needs_broad_resource_for_the_victim_action():
    narrow = P(
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
        allow("iam:PassRole", "arn:aws:iam::111122223333:role/app"),
    )
    assert not any(m.method.id == "passrole-lambda-invoke" for m in escalation_methods(narrow))
    typed = P(allow("iam:AttachUserPolicy", "arn:aws:iam::111122223333:user/*"))
    assert [m.method.id for m in escalation_methods(typed)] == ["iam-attach-user-policy"]
    self_only = P(allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}"))
    assert not escalation_methods(self_only)


def test_opaque_values_are_not_wildcards():
    p = Policy({"Statement": [{"Effect": "Allow", "Action": Opaque("${var.actions}"), "Resource": Opaque("x")}]})
    perms = Permissions(p)
    assert not perms.allowing_statements("iam:PassRole")
    assert not perms.escalation_methods()
    assert not perms.admin_statements()


def test_wrong_types_do_not_crash():
    for value in (
        None,
        [],
        "x",
        {"Statement": "x"},
        {"Statement": [1, None, {"Effect": "Allow", "Action": 5, "Resource": {}}]},
    ):
        perms = Permissions(Policy(value))
        assert not perms.allowing_statements("*")
        assert perms.escalation_methods() == []


def test_read_only():
    assert is_read_only(P(allow(["s3:GetObject", "s3:ListBucket"])))
    assert not is_read_only(P(allow(["s3:GetObject", "s3:PutObject"])))


def test_broad_resource():
    assert is_broad_resource("*")
    assert is_broad_resource("arn:aws:iam::*:role/*")
    assert is_broad_resource("arn:aws:s3:::*")
    assert not is_broad_resource("arn:aws:iam::*:role/service-role/*")
    assert not is_broad_resource(Opaque("x"))


def test_privesc_data_is_well_formed_and_known_to_the_catalog():
    methods = privesc_methods()
    assert len(methods) >= 21 + 8
    assert len({m.id for m in methods}) == len(methods)
    rhino = [m for m in methods if m.references and "rhinosecuritylabs" in m.references[0]]
    assert len(rhino) >= 21
    retired = {"codestar"}
    for m in methods:
        assert m.requires and all(m.requires)
        for group in m.requires:
            for action in group:
                assert catalog.action_info(action) or action.split(":")[0] in retired, (m.id, action)
        for action in m.broad_resource:
            assert any(action == a.lower() for g in m.requires for a in g), (m.id, action)


def test_sensitive_actions_known_to_the_catalog():
    acts = sensitive_actions()
    assert {"secretsmanager:GetSecretValue", "iam:CreateAccessKey", "kms:Decrypt"} <= {a.action for a in acts}
    for a in acts:
        assert catalog.action_info(a.action), a.action
        assert a.category in ("credentials-exposure", "secret-read")
