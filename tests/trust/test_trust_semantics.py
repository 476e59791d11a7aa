"""Operator semantics, principal forms, IaC values and robustness of the trust rules."""

from __future__ import annotations

import json
import re

import pytest

from iamlint.api import lint_text
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.engine.runner import run_document
from iamlint.knowledge import providers as kb
from iamlint.knowledge import read_data
from iamlint.model.document import Document
from iamlint.model.policy import Opaque

GH = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
REGISTRY = Registry.load()
TRUST_RULES = [r for r in REGISTRY if r.id.startswith("IAM3")]


def _rules(statements, kind="trust"):
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    return {f.rule for f in lint_text(text, kind=kind) if f.rule.startswith("IAM3")}


def _run_value(value, meta=None):
    doc = Document("template.yaml", value, "trust", meta=meta or {})
    return {f.rule for f in run_document(doc, TRUST_RULES, Config())}


def gh(cond):
    return {
        "Effect": "Allow",
        "Principal": {"Federated": GH},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": cond,
    }


AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
SUB = "token.actions.githubusercontent.com:sub"


def test_sub_in_another_statement_does_not_count():
    rules = _rules(
        [
            gh({"StringEquals": AUD}),
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {SUB: "repo:o/r:ref:refs/heads/main"}},
            },
        ]
    )
    assert "IAM306" in rules


def test_if_exists_on_sub_is_reported_as_passing_without_claim_not_as_missing():
    rules = _rules([gh({"StringEquals": AUD, "StringLikeIfExists": {SUB: "repo:o/r:*"}})])
    assert "IAM309" in rules and "IAM306" not in rules


def test_for_all_values_without_null_passes_without_claim_and_with_null_does_not():
    assert "IAM309" in _rules([gh({"StringEquals": AUD, "ForAllValues:StringEquals": {SUB: "repo:o/r:pull_request"}})])
    assert "IAM309" not in _rules(
        [gh({"StringEquals": AUD, "ForAllValues:StringEquals": {SUB: "repo:o/r:pull_request"}, "Null": {SUB: "false"}})]
    )


def test_negated_operator_does_not_pin_subject():
    assert "IAM306" in _rules([gh({"StringEquals": AUD, "StringNotLike": {SUB: "repo:evil/*"}})])


def test_string_equals_star_is_literal_not_a_wildcard():
    rules = _rules([gh({"StringEquals": {**AUD, SUB: "repo:*"}})])
    assert "IAM308" not in rules and "IAM306" not in rules


def test_for_any_value_string_like_on_cognito_amr_is_fine():
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:abc"},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
        },
    }
    assert _rules([st]) == set()


def test_condition_keys_are_case_insensitive():
    assert "IAM306" not in _rules(
        [
            gh(
                {
                    "StringEquals": {
                        "Token.Actions.GitHubUserContent.com:aud": "sts.amazonaws.com",
                        "TOKEN.actions.githubusercontent.com:SUB": "repo:o/r:environment:prod",
                    }
                }
            )
        ]
    )


def test_github_enterprise_issuer_and_eks_and_gitlab_are_recognised():
    assert (
        kb.classify_federated("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/acme").provider.id
        == "github-actions"
    )
    assert (
        kb.classify_federated("arn:aws-cn:iam::1:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC").provider.id
        == "eks-irsa"
    )
    assert kb.classify_federated("arn:aws:iam::${AWS::AccountId}:oidc-provider/gitlab.com").provider.id == "gitlab"
    assert kb.classify_federated("arn:aws:iam::123:saml-provider/Okta").kind == "saml"
    assert kb.classify_federated("www.amazon.com").provider.id == "login-with-amazon"
    assert kb.classify_federated(Opaque("!GetAtt Provider.Arn")).kind == "unknown"
    assert kb.classify_federated("arn:aws:iam::1:oidc-provider/idp.example.com").provider.is_generic


def test_eks_missing_sub_is_a_warning_and_github_missing_sub_an_error():
    eks = "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": eks},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}},
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [st]})
    sev = {f.severity for f in lint_text(text, kind="trust") if f.rule == "IAM306"}
    assert sev == {"warning"}
    text = json.dumps({"Version": "2012-10-17", "Statement": [gh({"StringEquals": AUD})]})
    assert {f.severity for f in lint_text(text, kind="trust") if f.rule == "IAM306"} == {"error"}


def test_generic_provider_needs_sub_or_aud():
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/idp.example.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    assert "IAM306" in _rules([st])
    st["Condition"] = {"StringEquals": {"idp.example.com:aud": "my-client"}}
    assert "IAM306" not in _rules([st])


def test_unresolved_provider_host_matches_claims_by_suffix():
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/${var.provider_url}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"${var.provider_url}:sub": "system:serviceaccount:ns:sa"}},
    }
    assert "IAM306" not in _rules([st])


def test_opaque_values_never_crash_and_never_report():
    value = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": Opaque("!Ref Provider"),
                    "AWS": Opaque("!Ref Acct"),
                    "Service": Opaque("!Sub ${Svc}"),
                },
                "Action": Opaque("!Ref Action"),
                "Condition": {"StringLike": {SUB: Opaque("!Ref Sub")}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": Opaque("!Ref OrgId")}},
            },
        ],
    }
    assert _run_value(value) == set()


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        "x",
        1,
        {"Statement": "x"},
        {"Statement": [1, "a", None]},
        {"Statement": [{"Effect": "Allow", "Principal": [1], "Action": {"a": 1}}]},
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [None, 1, {"x": 1}]},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": "x", "Null": {"k": [True]}},
                }
            ]
        },
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": 5, "Service": [None]},
                    "Action": [None, 3],
                    "Condition": {"StringLike": {SUB: [None, 1]}},
                }
            ]
        },
    ],
)
def test_wrong_shapes_never_raise(value):
    _run_value(value)


def test_service_linked_roles_are_not_second_guessed():
    value = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    assert "IAM313" in _run_value(value)
    assert _run_value(value, meta={"service_linked": True}) == set()


def test_cfn_placeholder_account_is_treated_as_own():
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:root"}, "Action": "sts:AssumeRole"}
    assert _rules([st]) == set()


def test_principal_arn_condition_with_wildcard_account_does_not_pin_cross_account():
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": "444455556666"},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
    }
    assert "IAM304" in _rules([st])
    st["Condition"] = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ci-*"}}
    assert "IAM304" not in _rules([st])


def test_mfa_condition_makes_cross_account_trust_deliberate():
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    rules = _rules([st])
    assert "IAM304" not in rules and "IAM305" in rules


def test_one_wildcard_value_opens_an_org_condition():
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "*"]}},
    }
    assert "IAM301" in _rules([st])


def test_mismatch_expands_action_wildcards_and_notaction():
    saml = "arn:aws:iam::1:saml-provider/Okta"
    ok = {
        "Effect": "Allow",
        "Principal": {"Federated": saml},
        "Action": "sts:AssumeRole*",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    }
    assert "IAM311" not in _rules([ok])
    bad = {
        "Effect": "Allow",
        "Principal": {"Federated": saml},
        "NotAction": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    }
    assert "IAM311" in _rules([bad])


@pytest.mark.parametrize(
    "name,ok",
    [
        ("ec2.amazonaws.com", True),
        ("states.us-east-1.amazonaws.com", True),
        ("ec2.amazonaws.com.cn", True),
        ("alexa-appkit.amazon.com", True),
        ("ec2.${AWS::URLSuffix}", True),
        ("ec2", False),
        ("EC2.amazonaws.com", False),
        (" ec2.amazonaws.com", False),
        ("*", False),
        ("arn:aws:iam::1:role/x", False),
        ("https://ec2.amazonaws.com", False),
        ("ec2.amazonaws", False),
    ],
)
def test_service_principal_forms(name, ok):
    st = {"Effect": "Allow", "Principal": {"Service": name}, "Action": "sts:AssumeRole"}
    assert ("IAM312" not in _rules([st])) is ok


def test_service_name_under_aws_key():
    st = {"Effect": "Allow", "Principal": {"AWS": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert "IAM312" in _rules([st])


def test_every_real_service_principal_in_corpus_is_well_formed(corpus):
    path = corpus / "derived" / "service-principals-from-managed-policies.json"
    names = [n for n in json.loads(path.read_text())["union"] if not re.search(r"[*?]", n)]
    stmts = [{"Effect": "Allow", "Principal": {"Service": names}, "Action": "sts:AssumeRole"}]
    text = json.dumps({"Version": "2012-10-17", "Statement": stmts})
    assert not [f for f in lint_text(text, kind="trust") if f.rule == "IAM312"]


def test_confused_deputy_regional_form_and_data_has_urls():
    assert kb.confused_deputy_service("states.eu-west-1.amazonaws.com")["service"] == "AWS Step Functions"
    assert kb.confused_deputy_service("ec2.amazonaws.com") is None
    for svc in ("ec2", "lambda", "ecs-tasks"):
        assert kb.confused_deputy_service(f"{svc}.amazonaws.com") is None
    data = read_data("confused_deputy_services.json")
    assert all(s["url"].startswith("https://docs.aws.amazon.com/") for s in data["services"])


def test_unresolved_condition_block_keeps_condition_rules_quiet():
    value = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GH},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": Opaque("dynamic condition"),
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*", "arn:aws:iam::444455556666:root"], "Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": Opaque("var.conditions")},
            },
        ],
    }
    assert _run_value(value) == set()


def test_dump_account_is_own_account(tmp_path):
    dump = {
        "RoleDetailList": [
            {
                "RoleName": "r",
                "Path": "/",
                "Arn": "arn:aws:iam::200611803367:role/r",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::200611803367:root"},
                            "Action": "sts:AssumeRole",
                        },
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                            "Action": "sts:AssumeRole",
                        },
                    ],
                },
            }
        ],
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
    }
    findings = [f for f in lint_text(json.dumps(dump, indent=2), path="dump.json") if f.rule == "IAM304"]
    assert len(findings) == 1 and "444455556666" in findings[0].message


def test_unresolved_provider_without_conditions_is_only_info():
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/${var.provider}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [st]})
    assert {f.severity for f in lint_text(text, kind="trust") if f.rule == "IAM306"} == {"info"}
