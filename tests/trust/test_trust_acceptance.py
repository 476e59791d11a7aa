"""Issue 4 acceptance: trusts that must stay quiet and trusts that must fire,
linted with *every* rule (``kind=None``: the kind is detected from content)."""

from __future__ import annotations

import json

import pytest

from iamlint.api import lint_text
from iamlint.config import Config

SEVERE = ("warning", "error")


def _doc(statement: dict) -> str:
    """Pretty-printed policy: the statement's keys start on line 4."""
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


GH = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

QUIET = {
    "ec2": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    "lambda": {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
    "github-pinned": {
        "Effect": "Allow",
        "Principal": {"Federated": GH},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
            }
        },
    },
    "cognito": {
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012"},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
        },
    },
    "saml": {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    },
    "cross-account-role-external-id": {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:role/VendorAuditor"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "a1b2c3-customer-42"}},
    },
    "wildcard-org": {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    },
}


@pytest.mark.parametrize("name", sorted(QUIET))
def test_accepted_trusts_have_no_warning_or_error(name):
    text = _doc(QUIET[name])
    findings = lint_text(text, kind=None)
    assert not [f for f in findings if f.severity in SEVERE], findings


# (name, statement, rule, text on the expected line)
FIRE = [
    ("principal-star", {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, "IAM301", '"Principal": "*"'),
    (
        "aws-star-in-list",
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ci", "*"]},
            "Action": "sts:AssumeRole",
        },
        "IAM301",
        '"*"',
    ),
    (
        "github-only-aud",
        {
            "Effect": "Allow",
            "Principal": {"Federated": GH},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
        },
        "IAM306",
        '"Federated"',
    ),
    (
        "github-repo-star",
        {
            "Effect": "Allow",
            "Principal": {"Federated": GH},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"},
            },
        },
        "IAM308",
        '"repo:*"',
    ),
    (
        "cognito-no-aud",
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
        },
        "IAM307",
        '"Federated"',
    ),
    (
        "google-no-aud",
        {
            "Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        },
        "IAM307",
        '"Federated"',
    ),
    (
        "saml-no-aud",
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
            "Action": "sts:AssumeRoleWithSAML",
        },
        "IAM310",
        '"Federated"',
    ),
    (
        "other-root",
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"},
        "IAM304",
        '"AWS"',
    ),
    (
        "not-principal",
        {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"}, "Action": "sts:AssumeRole"},
        "IAM303",
        '"NotPrincipal"',
    ),
]


@pytest.mark.parametrize("name,statement,rule,needle", FIRE, ids=[f[0] for f in FIRE])
def test_risky_trusts_fire_at_the_offending_line(name, statement, rule, needle):
    text = _doc(statement)
    hits = [f for f in lint_text(text, kind=None) if f.rule == rule]
    assert hits, f"{rule} did not fire on {name}"
    assert hits[0].span.line == _line_of(text, needle), (hits[0], text)
    assert hits[0].severity in SEVERE


def test_repo_star_is_graded_error_and_org_star_warning_and_repo_branch_star_info():
    def grade(value):
        st = {
            "Effect": "Allow",
            "Principal": {"Federated": GH},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": value},
            },
        }
        hits = [f for f in lint_text(_doc(st), kind="trust") if f.rule == "IAM308"]
        return hits[0].severity if hits else None

    assert grade("*") == "error"
    assert grade("repo:*") == "error"
    assert grade("repo:octo*/app") == "error"
    assert grade("repo:octo-org/*") == "warning"
    assert grade("repo:octo-org/app-*") == "warning"
    assert grade("repo:octo-org/app:*") == "info"
    assert grade("repo:octo-org/app:ref:refs/heads/*") == "info"
    assert grade("repo:octo-org/app:ref:refs/heads/main") is None


def test_own_account_trust_is_quiet_with_trusted_accounts_config():
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}
    cfg = Config(options={"trusted-accounts": ["444455556666"]})
    assert not [f for f in lint_text(_doc(st), kind="trust", config=cfg) if f.rule in ("IAM304", "IAM305")]
    assert [f for f in lint_text(_doc(st), kind="trust") if f.rule == "IAM304"]
