"""CloudFormation trusts whose ``Principal.Federated`` references an identity
provider of the same template (``!Ref``/``!GetAtt X.Arn``/``Fn::Sub``): the
reference resolves to the provider's ARN, so the web identity rules
(IAM306-IAM308) and IAM404 see which provider the role trusts."""

from __future__ import annotations

import json

import pytest

from iamlint.api import lint_bytes
from iamlint.model.policy import Opaque
from iamlint.sources.intrinsics import Resolver

GITHUB = "token.actions.githubusercontent.com"
ARN = f"arn:aws:iam::${{AWS::AccountId}}:oidc-provider/{GITHUB}"
WEB_IDENTITY = {"IAM306", "IAM307", "IAM308"}

# AWS's example: the role trusts the template's GitHub provider for any
# repository of the organisation and holds AdministratorAccess
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  GithubOidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList:
        - sts.amazonaws.com
  Bucket:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: {federated}
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: {subject}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AdministratorAccess
"""

REFERENCES = [
    "!Ref GithubOidc",
    "!GetAtt GithubOidc.Arn",
    "!GetAtt [GithubOidc, Arn]",
    '{"Fn::GetAtt": [GithubOidc, Arn]}',
    '!Sub "${GithubOidc}"',
    '!Sub "${GithubOidc.Arn}"',
]


def _lint(federated: str, subject: str = "repo:my-org/*", path: str = "template.yaml"):
    text = TEMPLATE.replace("{federated}", federated).replace("{subject}", subject)
    return text, lint_bytes(path, text.encode()).findings


def _rules(findings) -> set[str]:
    return {f.rule for f in findings}


@pytest.mark.parametrize("federated", REFERENCES)
def test_organisation_wide_github_trust_with_admin_is_reported(federated):
    text, findings = _lint(federated)
    rules = _rules(findings)
    assert {"IAM308", "IAM404", "IAM401"} <= rules
    assert not {"IAM306", "IAM307"} & rules  # a subject and the audience are pinned
    wildcard = next(f for f in findings if f.rule == "IAM308")
    assert wildcard.span.line == text.splitlines().index(f"                {GITHUB}:sub: repo:my-org/*") + 1


def test_json_template_with_fn_getatt_list():
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "GithubOidc": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": f"https://{GITHUB}"}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Principal": {"Federated": {"Fn::GetAtt": ["GithubOidc", "Arn"]}},
                                "Condition": {
                                    "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                                    "StringLike": {f"{GITHUB}:sub": "repo:my-org/*"},
                                },
                            }
                        ],
                    },
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                },
            },
        },
    }
    text = json.dumps(template, indent=2)
    rules = _rules(lint_bytes("template.json", text.encode()).findings)
    assert {"IAM308", "IAM404"} <= rules
    _, yaml_findings = _lint('{"Fn::GetAtt": [GithubOidc, Arn]}')
    assert rules == _rules(yaml_findings)


def test_trust_without_subject_is_reported_at_the_reference():
    text = TEMPLATE.replace("{federated}", "!Ref GithubOidc")
    lines = text.splitlines()
    cut = lines.index("              StringLike:")
    text = "\n".join(lines[:cut] + lines[cut + 2 :]) + "\n"  # only the audience is pinned
    findings = lint_bytes("template.yaml", text.encode()).findings
    missing = next(f for f in findings if f.rule == "IAM306")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "Federated: !Ref GithubOidc" in x)
    assert (missing.span.line, missing.span.column) == (line, text.splitlines()[line - 1].index("!Ref") + 1)
    assert missing.pointer == "/Statement/0/Principal/Federated"
    assert "IAM404" in _rules(findings)


@pytest.mark.parametrize("federated", ["!Ref GithubOidc", "!GetAtt GithubOidc.Arn"])
def test_one_repository_and_branch_is_fine(federated):
    _, findings = _lint(federated, subject="repo:my-org/my-repo:ref:refs/heads/main")
    rules = _rules(findings)
    assert not WEB_IDENTITY & rules
    assert "IAM404" not in rules
    assert "IAM401" in rules  # the administrator attachment is still reported


@pytest.mark.parametrize("federated", ["!Ref Bucket", "!GetAtt Bucket.Arn", "!GetAtt GithubOidc.Url"])
def test_a_reference_to_something_else_stays_unresolved(federated):
    _, findings = _lint(federated)
    assert _rules(findings) == {"IAM401"}


# --------------------------------------------------------------------------
# the resolver


def _resolver(resources: dict, parameters: dict | None = None) -> Resolver:
    return Resolver({"Parameters": parameters or {}, "Resources": resources})


def test_resolver_provider_arns():
    resolver = _resolver(
        {
            "Gh": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": f"https://{GITHUB}"}},
            "Sub": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::Sub": "https://${Host}/path"}}},
            "Saml": {"Type": "AWS::IAM::SAMLProvider", "Properties": {"Name": "Okta"}},
            "Unnamed": {"Type": "AWS::IAM::SAMLProvider", "Properties": {}},
            "Open": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Ref": "NoDefault"}}},
            "Loop": {"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": {"Fn::Sub": "https://x/${Loop}"}}},
        },
        {"Host": {"Type": "String", "Default": "oidc.example.com"}, "NoDefault": {"Type": "String"}},
    )
    assert resolver.resolve({"Ref": "Gh"}) == ARN
    assert resolver.resolve({"Fn::GetAtt": "Gh.Arn"}) == ARN
    assert resolver.resolve({"Fn::GetAtt": ["Gh", "Arn"]}) == ARN
    assert resolver.resolve({"Fn::Sub": "${Gh}"}) == ARN
    assert resolver.resolve({"Fn::Sub": "${Gh.Arn}"}) == ARN
    assert resolver.resolve({"Ref": "Sub"}) == "arn:aws:iam::${AWS::AccountId}:oidc-provider/oidc.example.com/path"
    assert resolver.resolve({"Ref": "Saml"}) == "arn:aws:iam::${AWS::AccountId}:saml-provider/Okta"
    assert resolver.resolve({"Ref": "Unnamed"}) == "arn:aws:iam::${AWS::AccountId}:saml-provider/${Unnamed}"
    for unknown in ({"Ref": "Open"}, {"Fn::GetAtt": ["Gh", "Url"]}, {"Fn::GetAtt": "Gh"}):
        assert isinstance(resolver.resolve(unknown), Opaque)
    # a Url that refers to its own provider does not loop
    assert resolver.resolve({"Ref": "Loop"}) == "arn:aws:iam::${AWS::AccountId}:oidc-provider/x/${Loop}"


def test_resolver_takes_any_resource_type_value():
    resolver = _resolver({"Odd": {"Type": {"Ref": "T"}}, "List": {"Type": ["AWS::IAM::OIDCProvider"]}})
    assert isinstance(resolver.resolve({"Ref": "Odd"}), Opaque)
    assert isinstance(resolver.resolve({"Ref": "List"}), Opaque)
