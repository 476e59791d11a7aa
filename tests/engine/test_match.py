"""The declarative vocabulary, evaluated with IAM semantics."""

from __future__ import annotations

import json

import pytest

from iamlint.api import lint_text
from iamlint.config import Config
from iamlint.engine.match import compile_match
from iamlint.engine.registry import Registry, Rule, RuleLoadError, load_rule_file
from iamlint.engine.runner import Context
from iamlint.model.document import Document
from iamlint.model.policy import Opaque

ALL_KINDS = ("identity", "trust", "resource", "scp")


def rule(match) -> Rule:
    return Rule(
        id="TST100",
        name="test-rule",
        severity="warning",
        kinds=ALL_KINDS,
        summary="the test rule matched",
        docs={},
        examples={},
        source="<test>",
        match=match,
    )


def fire(match, *statements, kind=None):
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    found = lint_text(json.dumps(policy, indent=1), registry=Registry([rule(match)]), kind=kind)
    return [f for f in found if f.rule == "TST100"]


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# -- allows / actions --------------------------------------------------------


@pytest.mark.parametrize(
    "action,expected",
    [
        ("iam:PassRole", True),
        ("IAM:passrole", True),  # case-insensitive
        ("iam:Pass*", True),  # wildcard in the policy
        ("*", True),
        (["s3:GetObject", "iam:*"], True),
        ("iam:GetRole", False),
        ("iam:PassRoles", False),
    ],
)
def test_allows_uses_action_semantics(action, expected):
    assert bool(fire({"allows": "iam:PassRole"}, allow(action))) is expected


def test_allows_a_pattern_and_notaction_complement():
    m = {"allows": "iam:Attach*"}
    assert fire(m, allow("iam:AttachRolePolicy"))
    assert fire(m, {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})  # NotAction grants iam:*
    assert not fire(m, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert not fire(m, allow("iam:GetRole"))


def test_a_deny_never_allows_but_actions_sees_it():
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
    assert not fire({"allows": "iam:PassRole"}, deny)
    assert fire({"actions": "iam:PassRole", "effect": "Deny"}, deny)


def test_finding_points_at_the_granting_action_value():
    policy = (
        '{\n "Version": "2012-10-17",\n "Statement": [{\n  "Effect": "Allow",\n'
        '  "Action": [\n   "s3:GetObject",\n   "iam:Pass*"\n  ],\n  "Resource": "*"\n }]\n}\n'
    )
    found = [
        f
        for f in lint_text(
            policy, registry=Registry([rule({"all": [{"effect": "Allow"}, {"allows": "iam:PassRole"}]})])
        )
    ]
    assert [(f.line, f.pointer) for f in found] == [(7, "/Statement/0/Action/1")]


# -- resources -----------------------------------------------------------------


def test_resource_star_means_every_resource():
    m = {"all": [{"allows": "s3:GetObject"}, {"resource": "*"}]}
    assert fire(m, allow("s3:GetObject", "*"))
    assert fire(m, allow("s3:GetObject", ["arn:aws:s3:::a/*", "*"]))
    assert not fire(m, allow("s3:GetObject", "arn:aws:s3:::bucket/*"))
    assert fire(m, {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::private/*"})


def test_resource_covers_and_matches():
    covers = {"resource": {"covers": "arn:aws:s3:::*"}}
    assert fire(covers, allow("s3:GetObject", "arn:aws:s3:::*"))
    assert fire(covers, allow("s3:GetObject", "*"))
    assert not fire(covers, allow("s3:GetObject", "arn:aws:s3:::one-bucket/*"))
    # `?` is one character: `arn:aws:s3:::?` does not cover every bucket ARN
    # (it used to, when the wanted pattern's `*` was read as a literal character)
    assert not fire(covers, allow("s3:GetObject", "arn:aws:s3:::?"))
    assert fire({"resource": {"covers": "arn:aws:s3:::?"}}, allow("s3:GetObject", "arn:aws:s3:::?"))
    matches = {"resource": {"matches": "arn:aws:s3:::prod-*"}}
    assert fire(matches, allow("s3:GetObject", "arn:aws:s3:::prod-data/x"))
    assert not fire(matches, allow("s3:GetObject", "arn:aws:s3:::dev-data/x"))


# -- principals --------------------------------------------------------------------


def trust(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def test_principal_type_and_value_patterns():
    m = {"principal": {"type": "Service", "value": "*.amazonaws.com"}}
    assert fire(m, trust({"Service": "lambda.amazonaws.com"}))
    assert not fire(m, trust({"AWS": "arn:aws:iam::111122223333:root"}))
    assert fire(
        {"principal": {"type": "AWS", "value": "arn:aws:iam::*:root"}},
        trust({"AWS": ["arn:aws:iam::111122223333:ROOT"]}),
    )


def test_principal_star_is_only_the_wildcard():
    m = {"principal": "*"}
    assert fire(m, trust("*"))
    assert fire(m, trust({"AWS": "*"}))
    assert not fire(m, trust({"AWS": "arn:aws:iam::111122223333:root"}))


def test_account_not_in_list():
    m = {"principal": {"type": "AWS", "account-not-in": ["111122223333"]}}
    assert not fire(m, trust({"AWS": ["111122223333", "arn:aws:iam::111122223333:role/x"]}))
    assert fire(m, trust({"AWS": "arn:aws:iam::999988887777:root"}))
    assert fire(m, trust({"AWS": "999988887777"}))
    assert fire(m, trust("*"))  # everyone is not a listed account
    assert not fire(m, trust({"Service": "ec2.amazonaws.com"}))  # no account at all


# -- conditions --------------------------------------------------------------------

SUB = "token.actions.githubusercontent.com:sub"


def oidc(condition=None):
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        st["Condition"] = condition
    return st


def test_condition_present_and_absent_case_insensitive_key():
    present = {"condition": {"key": SUB}}
    absent = {"condition": {"key": SUB, "present": False}}
    assert not fire(present, oidc()) and fire(absent, oidc())
    cond = {"StringLike": {SUB.upper(): "repo:org/app:*"}}
    assert fire(present, oidc(cond)) and not fire(absent, oidc(cond))


@pytest.mark.parametrize(
    "operator,values,expected",
    [
        ("StringEquals", "repo:org/app:ref:refs/heads/main", True),  # literal value inside the pattern
        ("StringEquals", "repo:org/*", False),  # '*' is a literal for StringEquals
        ("StringLike", "repo:org/*", True),  # the pattern admits the wanted values
        ("StringLike", "repo:other/*", False),
        ("StringLike", ["repo:other/*", "repo:org/app:*"], True),  # list values are OR-ed
        ("StringNotEquals", "repo:org/app:ref:refs/heads/main", False),
        ("StringEqualsIgnoreCase", "REPO:ORG/APP:REF:REFS/HEADS/MAIN", True),
        ("StringEquals", "REPO:ORG/APP:REF:REFS/HEADS/MAIN", False),  # case-sensitive operator
    ],
)
def test_condition_value_is_operator_aware(operator, values, expected):
    m = {"condition": {"key": SUB, "value": "repo:org/app:*"}}
    assert bool(fire(m, oidc({operator: {SUB: values}}))) is expected


def test_condition_operator_filter():
    m = {"condition": {"key": SUB, "operator": "StringLike"}}
    assert fire(m, oidc({"StringLike": {SUB: "x"}}))
    assert not fire(m, oidc({"StringEquals": {SUB: "x"}}))


# -- combinators, kind, unknown values -------------------------------------------------


def test_all_any_not_and_kind():
    m = {"any": [{"allows": "iam:PassRole"}, {"allows": "kms:Decrypt"}]}
    assert fire(m, allow("kms:Decrypt")) and not fire(m, allow("s3:GetObject"))
    m = {"all": [{"allows": "s3:*"}, {"not": {"resource": "*"}}]}
    assert fire(m, allow("s3:GetObject", "arn:aws:s3:::b/*")) and not fire(m, allow("s3:GetObject"))
    assert fire({"kind": "scp", "allows": "s3:GetObject"}, allow("s3:GetObject"), kind="scp")
    assert not fire({"kind": "scp", "allows": "s3:GetObject"}, allow("s3:GetObject"))


def test_unresolved_values_never_match():
    value = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": Opaque("${var.action}"),
                "Resource": "*",
                "Principal": {"AWS": Opaque("${var.account}")},
            }
        ],
    }
    doc = Document("main.tf", value, "resource")
    for m in (
        {"allows": "iam:PassRole"},
        {"principal": {"type": "AWS", "account-not-in": ["111122223333"]}},
        {"principal": "*"},
    ):
        r = rule(m)
        assert list(compile_match(m, r)(Context(doc, r, Config()))) == [], m


def test_message_template():
    m = {"allows": "iam:PassRole", "message": "{statement} grants {value} (sid {sid})"}
    found = fire(m, allow("iam:*", Sid="Admin"))
    assert found[0].message == "Statement 'Admin' grants iam:* (sid Admin)"


# -- schema -------------------------------------------------------------------

RULE_HEAD = """\
id: TST200
name: bad-match
severity: warning
kinds: [identity]
summary: A rule whose match block is wrong.
docs: {what: a test rule file, why: checks the schema errors, references: ["https://example.com"]}
examples: {bad: [{content: "{}"}], good: [{content: "{}"}]}
"""


@pytest.mark.parametrize(
    "match,field,text",
    [
        ("match:\n  all:\n    - allow: iam:PassRole\n", "match/all/0", "unknown key `allow` (did you mean `allows`?)"),
        ("match:\n  effect: allow\n", "match/effect", "'allow' is not one of"),
        ("match:\n  condition: {present: false}\n", "match/condition", "'key' is a required property"),
        (
            "match:\n  principal: {type: AWS, account-not-in: ['12']}\n",
            "match/principal/account-not-in/0",
            "does not match",
        ),
        ("match:\n  message: only a message\n", "match", "at least one predicate"),
        ("match:\n  allows: iam:PassRole\n  at: everywhere\n", "match/at", "is not one of"),
    ],
)
def test_bad_match_block_names_file_and_field(tmp_path, match, field, text):
    p = tmp_path / "TST200-bad-match.yaml"
    p.write_text(RULE_HEAD + match)
    with pytest.raises(RuleLoadError) as exc:
        load_rule_file(p)
    msg = str(exc.value)
    assert msg.startswith(str(p)) and f"field `{field}`" in msg and text in msg, msg
