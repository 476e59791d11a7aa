"""Issue 18: the access model (iamlint.iam.access), one evaluation rule per test."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.iam.access import UNKNOWN, AccessModel, principal_matches
from iamlint.model.policy import Opaque, Policy


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


BUCKET = "arn:aws:s3:::b"
OBJECT = "arn:aws:s3:::b/k"


def test_an_allow_is_needed() -> None:
    model = AccessModel(policy(allow("s3:GetObject", OBJECT)))
    assert model.allows("s3:GetObject", OBJECT) is True
    assert model.allows("s3:PutObject", OBJECT) is False
    assert model.allows("s3:GetObject", BUCKET) is False


def test_actions_match_case_insensitively_and_resources_case_sensitively() -> None:
    model = AccessModel(policy(allow("S3:get*", "arn:aws:s3:::b/*")))
    assert model.allows("s3:GetObject", OBJECT) is True
    assert model.allows("s3:GetObject", "arn:aws:s3:::B/k") is False


def test_a_deny_in_another_attached_policy_wins() -> None:
    """Issue 18: Allow * on * with an attached Deny * on * is no administrator."""
    model = AccessModel([policy(allow()), policy(deny())])
    assert model.allows("iam:CreateUser", "*") is False
    assert model.reachable_escalations() == []


def test_a_deny_on_some_resources_leaves_the_others() -> None:
    model = AccessModel([policy(allow("s3:*", "*")), policy(deny("s3:*", "arn:aws:s3:::b/*"))])
    assert model.allows("s3:GetObject", OBJECT) is False
    assert model.allows("s3:GetObject", "arn:aws:s3:::c/k") is True


def test_not_action_and_not_resource() -> None:
    model = AccessModel(
        policy(
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"},
        )
    )
    assert model.allows("iam:PassRole", "*") is False
    assert model.allows("ec2:RunInstances", "*") is True
    assert model.allows("s3:GetObject", OBJECT) is True
    assert model.allows("s3:GetObject", "arn:aws:s3:::c/k") is False


def test_a_boundary_intersects() -> None:
    model = AccessModel(policy(allow("s3:*")), boundary=policy(allow("s3:Get*")))
    assert model.allows("s3:GetObject", OBJECT) is True
    assert model.allows("s3:PutObject", OBJECT) is False


def test_a_deny_in_the_boundary_applies() -> None:
    model = AccessModel(policy(allow()), boundary=policy(allow(), deny("iam:*")))
    assert model.allows("iam:PassRole") is False
    assert model.allows("s3:GetObject") is True


def test_service_control_policies_must_allow_too() -> None:
    model = AccessModel(policy(allow()), scps=[policy(allow("s3:*")), policy(deny("s3:DeleteBucket"))])
    assert model.allows("s3:GetObject") is True
    assert model.allows("s3:DeleteBucket") is False
    assert model.allows("ec2:RunInstances") is False


def test_conditions_are_evaluated_with_a_context() -> None:
    guarded = allow("s3:GetObject", OBJECT, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    model = AccessModel(policy(guarded))
    assert model.allows("s3:GetObject", OBJECT, {"aws:SourceIp": "10.1.2.3"}) is True
    assert model.allows("s3:GetObject", OBJECT, {"aws:SourceIp": "192.0.2.1"}) is False
    assert model.allows("s3:GetObject", OBJECT, {}) is False


def test_without_a_context_a_conditional_allow_may_allow() -> None:
    guarded = allow("s3:GetObject", OBJECT, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    model = AccessModel(policy(guarded))
    assert model.allows("s3:GetObject", OBJECT) is UNKNOWN
    assert model.possibly("s3:GetObject", OBJECT) and not model.definitely("s3:GetObject", OBJECT)


def test_without_a_context_a_conditional_deny_does_not_remove() -> None:
    guard = deny(Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})
    model = AccessModel(policy(allow("s3:*"), guard))
    assert model.possibly("s3:GetObject", OBJECT) is True
    assert model.definitely("s3:GetObject", OBJECT) is False
    assert model.allows("s3:GetObject", OBJECT, {"aws:SourceVpce": "vpce-1"}) is True
    assert model.allows("s3:GetObject", OBJECT, {"aws:SourceVpce": "vpce-2"}) is False
    assert model.allows("s3:GetObject", OBJECT, {}) is False  # absent: StringNotEquals holds, the Deny applies


def test_an_unknown_operator_makes_the_statement_never_match() -> None:
    model = AccessModel(policy(allow("s3:*"), deny("s3:*", Condition={"StringEqual": {"k": "v"}})))
    assert model.allows("s3:GetObject", OBJECT, {"k": "v"}) is True
    assert AccessModel(policy(allow("s3:*", Condition={"Foo": {"k": "v"}}))).possibly("s3:GetObject") is False


def test_policy_variables_in_resources() -> None:
    home = allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")
    model = AccessModel(policy(home))
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/alice/x", {"aws:username": "alice"}) is True
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/alice/x", {"aws:username": "bob"}) is False
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/alice/x", {}) is False
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/alice/x") is UNKNOWN  # no context: may match
    assert model.allows("s3:GetObject", "arn:aws:s3:::other/x") is False


def test_variables_are_text_in_a_2008_policy() -> None:
    model = AccessModel(policy(allow("s3:*", "arn:aws:s3:::home/${aws:username}"), version="2008-10-17"))
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/${aws:username}", {"aws:username": "alice"}) is True
    assert model.allows("s3:GetObject", "arn:aws:s3:::home/alice", {"aws:username": "alice"}) is False


def test_an_unresolved_value_is_never_a_wildcard() -> None:
    model = AccessModel(policy(allow(Opaque("${var.actions}"), "*")))
    assert model.allows("iam:PassRole") is UNKNOWN
    assert model.definitely("iam:PassRole") is False
    assert AccessModel(policy(allow("s3:*", [Opaque(), BUCKET]))).allows("s3:GetObject", BUCKET) is True
    denied = AccessModel(policy(allow(), deny("*", Opaque("${var.arn}"))))
    assert denied.allows("s3:GetObject", BUCKET) is UNKNOWN  # the Deny may or may not cover it


def test_an_unresolved_effect_may_allow_or_deny() -> None:
    model = AccessModel(policy(allow("s3:*"), {"Effect": Opaque(), "Action": "s3:Put*", "Resource": "*"}))
    assert model.allows("s3:GetObject") is True
    assert model.allows("s3:PutObject") is UNKNOWN
    assert AccessModel(policy({"Effect": Opaque(), "Action": "*", "Resource": "*"})).allows("s3:X") is UNKNOWN


def test_a_statement_without_actions_grants_nothing() -> None:
    assert AccessModel(policy({"Effect": "Allow", "Resource": "*"})).allows("s3:GetObject") is False
    assert AccessModel(policy({"Effect": "allow", "Action": "*", "Resource": "*"})).allows("s3:GetObject") is False


def test_the_normalised_form() -> None:
    model = AccessModel(
        [policy(allow(["s3:Get*"], [OBJECT], Condition={"StringEquals": {"aws:PrincipalTag/Team": "x"}}))],
        boundary=policy(allow("s3:*")),
    )
    (grant,) = model.allow_grants
    assert grant.actions.patterns == ("s3:Get*",)
    assert grant.resources == (OBJECT,)
    assert grant.conditional and grant.condition_keys == frozenset({"aws:principaltag/team"})
    assert model.deny_grants == [] and model.boundary_grants is not None and len(model.boundary_grants) == 1


# -- resource policies: principals -------------------------------------------
PRIVATE_API = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b"}},
    },
)


def test_the_private_api_pattern_is_not_definitely_public() -> None:
    """Issue 18: AWS's private-API policy (Allow * unless not from the endpoint) is not public."""
    anyone = AccessModel(PRIVATE_API).what_can("*")
    assert anyone.definitely("execute-api:Invoke", "execute-api:/prod/GET/x") is False
    assert anyone.allows("execute-api:Invoke", "execute-api:/prod/GET/x", {"aws:SourceVpce": "vpce-1a2b"}) is True
    assert anyone.allows("execute-api:Invoke", "execute-api:/prod/GET/x", {"aws:SourceVpce": "vpce-x"}) is False


def test_what_can_matches_principals() -> None:
    bucket_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/*"}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::b/*"},
    )  # fmt: skip
    model = AccessModel(bucket_policy)
    assert model.what_can("*").allows("s3:GetObject", OBJECT) is False
    assert model.what_can("arn:aws:iam::111122223333:role/r").allows("s3:GetObject", OBJECT) is True
    assert model.what_can("111122223333").allows("s3:GetObject", OBJECT) is True
    # IAM reads no wildcard in a principal ARN
    assert model.what_can("arn:aws:iam::444455556666:user/u").allows("s3:PutObject", OBJECT) is False


def test_principal_matching() -> None:
    stmt = Policy(policy({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/a"}})).statements[0]
    assert principal_matches(stmt, "arn:aws:iam::111122223333:user/a") is False
    assert principal_matches(stmt, "arn:aws:iam::111122223333:user/b") is True
    service = Policy(policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}})).statements[0]
    assert principal_matches(service, "lambda.amazonaws.com") is True
    assert principal_matches(service, "*") is False
    opaque = Policy(policy({"Effect": "Allow", "Principal": {"AWS": Opaque()}})).statements[0]
    assert principal_matches(opaque, "*") is UNKNOWN


# -- escalation -----------------------------------------------------------------
def test_escalation_split_across_two_policies_is_found() -> None:
    """Issue 18: iam:PassRole in one policy, ec2:RunInstances in another."""
    model = AccessModel([policy(allow("iam:PassRole", "*")), policy(allow("ec2:RunInstances", "*"))])
    (reach,) = [r for r in model.reachable_escalations() if r.method.id == "passrole-ec2"]
    assert reach.actions == ("iam:PassRole", "ec2:RunInstances")
    assert len(reach.statements) == 2 and reach.certain


def test_escalation_removed_by_a_deny_or_outside_the_boundary() -> None:
    parts = [policy(allow("iam:PassRole", "*")), policy(allow("ec2:RunInstances", "*"))]
    assert not AccessModel([*parts, policy(deny("iam:PassRole"))]).reachable_escalations()
    assert not AccessModel(parts, boundary=policy(allow("ec2:*"))).reachable_escalations()
    narrow = AccessModel([*parts, policy(deny("iam:PassRole", "arn:aws:iam::1:role/admin"))])
    assert [r.method.id for r in narrow.reachable_escalations()] == ["passrole-ec2"]


def test_conditional_escalation_is_possible_not_certain() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    model = AccessModel(policy(allow("iam:CreateAccessKey", "*", Condition=mfa)))
    (reach,) = model.reachable_escalations()
    assert not reach.certain
    assert model.reachable_escalations(definitely=True) == []


def test_star_on_a_log_group_reaches_no_escalation() -> None:
    """Issue 18: Action * on one log group is every Logs action there, not iam:PassRole."""
    model = AccessModel(policy(allow("*", "arn:aws:logs:us-east-1:111122223333:log-group:/app/web:*")))
    assert model.reachable_escalations() == []
    assert model.allows("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/app/web:x") is True


def test_broad_resource_actions_need_a_broad_resource() -> None:
    """passrole-ec2 counts iam:PassRole only on a broad resource (its data's broad_resource)."""
    run = policy(allow("ec2:RunInstances", "*"))
    one_role = AccessModel([policy(allow("iam:PassRole", "arn:aws:iam::111122223333:role/app")), run])
    assert "passrole-ec2" not in [r.method.id for r in one_role.reachable_escalations()]
    every_role = AccessModel([policy(allow("iam:PassRole", "arn:aws:iam::111122223333:role/*")), run])
    assert "passrole-ec2" in [r.method.id for r in every_role.reachable_escalations()]


# -- bad input ------------------------------------------------------------------
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.sampled_from(["*", "s3:*", "Allow", "Deny", "${x}", ""]) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal",
                         "StringLike", "Null", "ForAnyValue:StringEquals", "k", "AWS"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(_JSON, min_size=1, max_size=3), st.dictionaries(st.text(max_size=4), _JSON, max_size=3))
def test_bad_input_never_raises(statements: list[Any], context: dict[str, Any]) -> None:
    model = AccessModel([{"Version": "2012-10-17", "Statement": statements}], boundary={"Statement": statements[:1]})
    for answer in (model.allows("s3:GetObject", "arn:aws:s3:::b", context), model.allows("*", "*")):
        assert answer in (True, False) or answer is UNKNOWN
    model.reachable_escalations()
    model.what_can("*").possibly("s3:GetObject")
