"""CloudFormation resource policies beyond buckets, queues and topics: API
Gateway, CloudWatch Logs, S3 Express / Tables / Multi-Region Access Points /
Object Lambda, and DynamoDB tables are read as ``resource`` documents located
at the policy in the template, so IAM501 reports a public one at its principal."""

from __future__ import annotations

import json

import pytest

from iamlint.api import lint_bytes

PUBLIC = """\
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Principal: "*"
    Action: {action}
    Resource: "*"
"""

RESTRICTED = """\
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Principal: "*"
    Action: {action}
    Resource: "*"
    Condition:
      StringEquals:
        aws:PrincipalOrgID: o-a1b2c3d4e5
"""

# (resource type, other properties, path of the policy property, an action)
CASES = [
    ("AWS::ApiGateway::RestApi", {"Name": "api"}, ["Policy"], "execute-api:Invoke"),
    ("AWS::ApiGateway::DomainNameV2", {"DomainName": "api.example.com"}, ["Policy"], "execute-api:Invoke"),
    ("AWS::S3Express::BucketPolicy", {"Bucket": "b--use1-az4--x-s3"}, ["PolicyDocument"], "s3express:CreateSession"),
    ("AWS::S3Tables::TableBucketPolicy", {"TableBucketARN": "arn"}, ["ResourcePolicy"], "s3tables:GetTableData"),
    ("AWS::S3::MultiRegionAccessPointPolicy", {"MrapName": "mrap"}, ["Policy"], "s3:GetObject"),
    ("AWS::S3ObjectLambda::AccessPointPolicy", {"ObjectLambdaAccessPoint": "olap"}, ["PolicyDocument"], "s3:GetObject"),
    ("AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"}, ["ResourcePolicy", "PolicyDocument"], "dynamodb:*"),
    (
        "AWS::DynamoDB::Table",
        {"BillingMode": "PAY_PER_REQUEST"},
        ["StreamSpecification", "ResourcePolicy", "PolicyDocument"],
        "dynamodb:GetRecords",
    ),
    (
        "AWS::DynamoDB::GlobalTable",
        {"BillingMode": "PAY_PER_REQUEST"},
        ["Replicas", 1, "ResourcePolicy", "PolicyDocument"],
        "dynamodb:*",
    ),
    (
        "AWS::DynamoDB::GlobalTable",
        {"BillingMode": "PAY_PER_REQUEST"},
        ["Replicas", 0, "ReplicaStreamSpecification", "ResourcePolicy", "PolicyDocument"],
        "dynamodb:GetRecords",
    ),
]
IDS = [f"{rtype}:{'.'.join(map(str, path))}" for rtype, _, path, _ in CASES]


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _template(rtype: str, props: dict, path: list, policy: str) -> str:
    """A YAML template whose resource holds ``policy`` at ``path`` under Properties."""
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Resources:",
        "  Thing:",
        f"    Type: {rtype}",
        "    Properties:",
    ]
    lines += [f"      {k}: {json.dumps(v)}" for k, v in props.items()]
    indent = 6
    for i, step in enumerate(path):
        if step == "Replicas":
            lines.append(f"{' ' * indent}Replicas:")
            lines.append(f"{' ' * indent}  - Region: eu-west-1")
            if path[i + 1] == 1:  # the policy is on the second replica
                lines.append(f"{' ' * indent}  - Region: eu-central-1")
            indent += 4
        elif isinstance(step, int):
            continue
        else:
            lines.append(f"{' ' * indent}{step}:")
            indent += 2
    return "\n".join(lines) + "\n" + _indent(policy, indent)


def _public_line(text: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if 'Principal: "*"' in line)) + 1


@pytest.mark.parametrize(("rtype", "props", "path", "action"), CASES, ids=IDS)
def test_public_policy_is_reported_at_its_principal(rtype, props, path, action):
    text = _template(rtype, props, path, PUBLIC.format(action=action))
    findings = [f for f in lint_bytes("template.yaml", text.encode()).findings if f.rule == "IAM501"]
    assert len(findings) == 1, text
    assert findings[0].span.line == _public_line(text)


@pytest.mark.parametrize(("rtype", "props", "path", "action"), CASES, ids=IDS)
def test_policy_restricted_to_the_organisation_is_not_reported(rtype, props, path, action):
    text = _template(rtype, props, path, RESTRICTED.format(action=action))
    report = lint_bytes("template.yaml", text.encode())
    assert report.error is None
    assert "IAM501" not in {f.rule for f in report.findings}


def test_json_template_is_reported_at_the_principal():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*"}]}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"ResourcePolicy": {"PolicyDocument": policy}}}
        },
    }
    text = json.dumps(template, indent=2)
    (finding,) = [f for f in lint_bytes("template.json", text.encode()).findings if f.rule == "IAM501"]
    assert finding.span.line == next(i for i, x in enumerate(text.splitlines(), 1) if '"Principal": "*"' in x)


LOGS = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LogsPolicy:
    Type: AWS::Logs::ResourcePolicy
    Properties:
      PolicyName: {name}
      PolicyDocument: '{document}'
"""


def _logs(statement: dict) -> str:
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return LOGS.format(name="route53", document=document)


def test_logs_policy_is_a_json_string_reported_at_the_string():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "logs:PutLogEvents", "Resource": "*"}
    text = _logs(statement)
    findings = [f for f in lint_bytes("template.yaml", text.encode()).findings if f.rule == "IAM501"]
    assert len(findings) == 1
    # the document is one string of the template: its findings are located at it
    assert (
        findings[0].span.line
        == text.splitlines().index(next(x for x in text.splitlines() if "PolicyDocument" in x)) + 1
    )


def test_logs_policy_for_a_service_is_not_reported():
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    }
    report = lint_bytes("template.yaml", _logs(statement).encode())
    assert report.error is None
    assert "IAM501" not in {f.rule for f in report.findings}


def test_logs_policy_in_a_block_scalar_is_read():
    document = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "logs:PutLogEvents", "Resource": "*"}]},
        indent=2,
    )
    text = LOGS.replace("{name}", "p").replace("'{document}'", "|\n" + _indent(document, 8))
    assert "IAM501" in {f.rule for f in lint_bytes("template.yaml", text.encode()).findings}
