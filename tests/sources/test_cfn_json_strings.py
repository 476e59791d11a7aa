"""A policy written as a JSON string in a template (``AWS::Logs::ResourcePolicy``,
``AWS::SSO::PermissionSet.InlinePolicy`` ...) that is not valid JSON is an IAM001
at the string, with the parser's reason; it used to be dropped silently."""

from __future__ import annotations

from iamlint.api import default_registry, lint_bytes
from iamlint.config import Config

TEMPLATE = """\
Resources:
  Logs:
    Type: AWS::Logs::ResourcePolicy
    Properties:
      PolicyName: x
      PolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",, }]}'
  Set:
    Type: AWS::SSO::PermissionSet
    Properties:
      Name: admins
      InstanceArn: arn:aws:sso:::instance/ssoins-1111111111111111
      InlinePolicy: '{"Version": "2012-10-17", "Statement": []'
"""


def test_invalid_json_string_is_iam001_at_the_string(tmp_path) -> None:
    path = tmp_path / "template.yaml"
    report = lint_bytes(str(path), TEMPLATE.encode(), Config(), default_registry())
    got = [(f.rule, f.span.line, f.span.column, f.message) for f in report.findings]
    assert got == [
        ("IAM001", 6, 23, "unexpected `,`: expected a string key (in this JSON string)"),
        ("IAM001", 12, 21, got[1][3]),
    ]
    assert got[1][3].endswith("(in this JSON string)") and "end" in got[1][3]


def test_valid_json_string_is_read(tmp_path) -> None:
    text = TEMPLATE.replace('"Allow",, }', '"Allow", "Principal": "*", "Action": "logs:*", "Resource": "*"}')
    report = lint_bytes(str(tmp_path / "t.yaml"), text.encode(), Config(), default_registry())
    assert "IAM501" in {f.rule for f in report.findings}
