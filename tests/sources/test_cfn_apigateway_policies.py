"""API Gateway resource policies outside ``Policy``: SAM ``Auth.ResourcePolicy``
(on an API and on functions' and state machines' ``Api`` events) and
``x-amazon-apigateway-policy`` in inline OpenAPI bodies, read as ``resource``
documents located where the user wrote each part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.model.policy import Opaque
from iamlint.sources import read_source
from iamlint.sources.yamlpos import load

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"

# (owner, line, column) of every IAM501 in the fixtures, in file order
YAML_PUBLIC = [
    ("CustomListApi", 20, 26),  # CustomStatements[0].Principal "*"
    ("CustomOneApi", 39, 30),  # the one CustomStatement's Principal AWS "*"
    ("AccountsApi", 51, 15),  # the "*" entry of AwsAccountWhitelist
    ("AnywhereApi", 76, 11),  # IpRangeWhitelist holding 0.0.0.0/0 (at its key)
    ("BlacklistApi", 86, 11),  # IpRangeBlacklist alone: everyone else may call
    ("VpcBlacklistApi", 103, 11),  # IntrinsicVpcBlacklist alone
    ("BodyApi", 117, 26),  # x-amazon-apigateway-policy in DefinitionBody
    ("Handler", 152, 32),  # a function's Api event
    ("Flow", 177, 17),  # a state machine's Api event: IpRangeWhitelist 0.0.0.0/0
    ("BodyRestApi", 190, 32),  # x-amazon-apigateway-policy in a RestApi Body
    ("SamePolicyRestApi", 202, 24),  # Policy; the same policy in Body is not read again
]
JSON_PUBLIC = [
    ("CustomListApi", 24, 30),
    ("CustomOneApi", 57, 24),
    ("AccountsApi", 76, 15),
    ("AnywhereApi", 121, 13),
    ("BlacklistApi", 135, 13),
    ("VpcBlacklistApi", 170, 13),
    ("BodyApi", 195, 30),
    ("Handler", 245, 36),
    ("Flow", 295, 19),
    ("BodyRestApi", 319, 26),
    ("SamePolicyRestApi", 338, 28),
]


def _findings(name: str):
    path = FIXTURES / name
    return lint_bytes(str(path), path.read_bytes()).findings


@pytest.mark.parametrize(("name", "expected"), [("apigateway.yaml", YAML_PUBLIC), ("apigateway.json", JSON_PUBLIC)])
def test_public_api_policies_are_reported_where_written(name, expected):
    findings = _findings(name)
    assert [(f.owner, f.span.line, f.span.column) for f in findings if f.rule == "IAM501"] == expected
    # nothing else: SAM's generated statements and the execute-api:/ short form are valid
    assert {f.rule for f in findings} == {"IAM501"}


def test_yaml_and_json_templates_agree():
    def key(name: str):
        return [(f.rule, f.owner, f.message) for f in _findings(name)]

    assert key("apigateway.yaml") == key("apigateway.json")


def test_generated_statements_name_the_sam_property():
    messages = {f.owner: f.message for f in _findings("apigateway.yaml")}
    assert messages["AccountsApi"].startswith("Statement 'AwsAccountWhitelist' lets anyone (`*`)")
    assert messages["BlacklistApi"].startswith("Statement 'BlacklistAllow' lets anyone (`*`)")
    assert messages["AnywhereApi"].startswith("Statement 'IpRangeWhitelistAllow' lets anyone (`*`)")
    assert messages["CustomListApi"].startswith("Statement[0] lets anyone")


def _documents(name: str):
    path = FIXTURES / name
    result = read_source(str(path), path.read_bytes(), explicit=False)
    return {d.owner: d for d in result.documents}


def test_documents_are_resource_policies_of_their_resource():
    docs = _documents("apigateway.yaml")
    assert docs["CustomListApi"].kind == "resource"
    assert docs["CustomListApi"].meta["resource_type"] == "AWS::Serverless::Api"
    assert docs["Handler"].meta["resource_type"] == "AWS::Serverless::Function"
    assert docs["BodyRestApi"].meta["resource_type"] == "AWS::ApiGateway::RestApi"
    # not read: a body in a file / in S3 / included, a non-Api event
    for owner in ("FileApi", "IncludedApi", "S3BodyRestApi"):
        assert owner not in docs
    assert len([d for d in _read_all("apigateway.yaml") if d.owner == "Handler"]) == 1
    assert len([d for d in _read_all("apigateway.yaml") if d.owner == "SamePolicyRestApi"]) == 1


def _read_all(name: str):
    path = FIXTURES / name
    return read_source(str(path), path.read_bytes(), explicit=False).documents


def test_private_api_whitelists_model_what_sam_generates():
    doc = _documents("apigateway.yaml")["PrivateApi"]
    statements = doc.value["Statement"]
    endpoint = Opaque("${EndpointId}")
    assert [(s["Sid"], s["Effect"], s.get("Condition")) for s in statements] == [
        ("VpcWhitelistAllowSourceVpc", "Allow", {"StringEquals": {"aws:SourceVpc": ["vpc-0a1b2c3d"]}}),
        ("VpcWhitelistAllowSourceVpce", "Allow", {"StringEquals": {"aws:SourceVpce": ["vpce-0a1b2c3d4e5f", endpoint]}}),
        (
            "VpcWhitelistDeny",
            "Deny",
            {"StringNotEquals": {"aws:SourceVpc": ["vpc-0a1b2c3d"], "aws:SourceVpce": ["vpce-0a1b2c3d4e5f", endpoint]}},
        ),
    ]
    assert all(s["Principal"] == "*" and s["Action"] == "execute-api:Invoke" for s in statements)
    # each condition value is located at the list entry the user wrote
    assert doc.locate("/Statement/0/Condition/StringEquals/aws:SourceVpc/0")[:2] == (95, 32)
    assert doc.locate("/Statement/1/Condition/StringEquals/aws:SourceVpce/0")[:2] == (95, 46)
    assert doc.locate("/Statement/1/Condition/StringEquals/aws:SourceVpce/1")[:2] == (96, 36)
    assert doc.locate("/Statement/2/Condition/StringNotEquals/aws:SourceVpce/1")[:2] == (96, 36)
    # a generated part is located at the property that generates it
    assert doc.locate("/Statement/2/Effect")[:2] == (95, 11)


def test_account_lists_become_principals_located_at_their_entries():
    doc = _documents("apigateway.yaml")["AccountsApi"]
    allow, deny = doc.value["Statement"]
    assert (allow["Effect"], allow["Principal"]) == ("Allow", {"AWS": ["111122223333", "*"]})
    assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": ["444455556666"]})
    assert doc.locate("/Statement/0/Principal/AWS/0")[:2] == (50, 15)  # !Ref Partner (its default)
    assert doc.locate("/Statement/1/Principal/AWS/0")[:2] == (52, 33)


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
      Policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::111122223333:root"}
            Action: execute-api:Invoke
            Resource: execute-api:/*
      Body:
        openapi: "3.0.1"
        x-amazon-apigateway-policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/*
"""


def test_a_body_policy_other_than_policy_is_read_too():
    findings = lint_bytes("template.yaml", TEMPLATE.encode()).findings
    assert [(f.rule, f.span.line, f.span.column) for f in findings] == [("IAM501", 20, 26)]


def test_suppression_and_duplicate_keys_inside_custom_statements():
    text = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Serverless::Api
    Metadata:
      iamlint:
        ignore: [IAM501]
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          CustomStatements:
            - Effect: Allow
              Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/*
"""
    findings = lint_bytes("template.yaml", text.encode()).findings
    assert [(f.rule, f.span.line, f.span.column) for f in findings] == [("IAM009", 14, 15)]
    assert "/Statement/0" in findings[0].message


@pytest.mark.parametrize(
    "resource_policy",
    [
        "[1, 2]",
        "{CustomStatements: 7}",
        "{AwsAccountWhitelist: {}}",
        "{IpRangeWhitelist: [], SourceVpcWhitelist: {a: b}, IntrinsicVpceBlacklist: null}",
        "!If [Cond, {AwsAccountWhitelist: ['*']}, !Ref AWS::NoValue]",
    ],
)
def test_odd_resource_policies_never_raise(resource_policy):
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n'
        f"    Properties:\n      Auth:\n        ResourcePolicy: {resource_policy}\n"
        "      DefinitionBody: {x-amazon-apigateway-policy: '{}'}\n"
    )
    report = lint_bytes("template.yaml", text.encode())
    assert report.error is None
    assert "IAM501" not in {f.rule for f in report.findings}


def test_json_fixture_is_the_yaml_fixture():
    """The JSON fixture is the YAML one written as JSON (no drift between the two)."""
    yaml_value = load((FIXTURES / "apigateway.yaml").read_text()).value
    assert json.loads((FIXTURES / "apigateway.json").read_text()) == json.loads(json.dumps(yaml_value))


GLOBALS = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Auth:
      ResourcePolicy:
        CustomStatements:
          - Effect: Allow
            Principal: "*"
            Action: execute-api:Invoke
            Resource: execute-api:/*
Resources:
{resources}
"""
IMPLICIT_API = """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}"""
NO_API = """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler"""


def test_globals_resource_policy_is_read_once_where_written():
    text = GLOBALS.format(resources=IMPLICIT_API)
    findings = lint_bytes("template.yaml", text.encode()).findings
    assert [(f.rule, f.owner, f.span.line, f.span.column) for f in findings] == [("IAM501", "Globals", 9, 24)]


def test_globals_resource_policy_in_a_json_template():
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Api": {"Auth": {"ResourcePolicy": {"AwsAccountWhitelist": ["111122223333", "*"]}}}},
        "Resources": {"Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "prod"}}},
    }
    text = json.dumps(template, indent=2)
    findings = lint_bytes("template.json", text.encode()).findings
    # line 9 is the "*" entry of the whitelist
    assert text.splitlines()[8].strip() == '"*"'
    assert [(f.rule, f.owner, f.span.line, f.span.column) for f in findings] == [("IAM501", "Globals", 9, 13)]


def test_globals_without_an_api_are_not_read():
    text = GLOBALS.format(resources=NO_API)
    findings = lint_bytes("template.yaml", text.encode()).findings
    assert findings == []


def test_a_body_policy_equal_to_a_policy_string_is_not_read_again():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    template = {
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Policy": json.dumps(policy),
                    "Body": {"openapi": "3.0.1", "x-amazon-apigateway-policy": policy},
                },
            }
        }
    }
    text = json.dumps(template, indent=2)
    findings = lint_bytes("template.json", text.encode()).findings
    # one finding, at the Policy string (line 6); the body's copy is the same policy
    assert text.splitlines()[5].strip().startswith('"Policy": ')
    assert [(f.rule, f.span.line) for f in findings] == [("IAM501", 6)]
