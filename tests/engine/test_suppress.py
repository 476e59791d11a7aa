"""Inline suppression comments, CloudFormation Metadata ignore lists, IAM012."""

from __future__ import annotations

import pytest

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.suppress import comment_suppressions

REGISTRY = Registry.load()

TEMPLATE = """\
Resources:
  AppPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:{comment}
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: arn:aws:s3:::example-bucket/*
"""


def lint(text, path="template.yaml", config=None):
    report = lint_bytes(path, text.encode(), config or Config(), REGISTRY)
    assert report.error is None, report.error
    return report.findings


def rules(findings):
    return sorted(f.rule for f in findings)


def test_without_comment_the_finding_is_reported():
    assert rules(lint(TEMPLATE.format(comment=""))) == ["IAM004"]


def test_trailing_comment_on_the_line_above_silences():
    assert lint(TEMPLATE.format(comment="  # iamlint: ignore[IAM004] legacy, see TICKET-1")) == []


def test_whole_line_comment_above_silences():
    text = TEMPLATE.format(comment="").replace(
        "        Statement:", "        # iamlint: ignore[IAM004]\n        Statement:"
    )
    assert lint(text) == []


def test_comment_for_another_rule_does_not_silence_and_is_reported_unused():
    found = lint(TEMPLATE.format(comment="  # iamlint: ignore[IAM010]"))
    assert rules(found) == ["IAM004", "IAM012"]
    unused = next(f for f in found if f.rule == "IAM012")
    assert unused.severity == "info"
    assert (unused.line, unused.column) == (
        5,
        TEMPLATE.splitlines()[4].index(":") + 1 + len("  # iamlint: ignore[") + 1,
    )
    assert "IAM010" in unused.message and "silences nothing" in unused.message


def test_several_ids_one_used():
    found = lint(TEMPLATE.format(comment="  # iamlint: ignore[IAM004, IAM010]"))
    assert rules(found) == ["IAM012"] and "IAM010" in found[0].message


def test_prefix_suppression():
    assert lint(TEMPLATE.format(comment="  # iamlint: ignore[IAM0]")) == []


def test_unknown_id_is_reported():
    found = lint(TEMPLATE.format(comment="  # iamlint: ignore[IAM004,XYZ123]"))
    assert rules(found) == ["IAM012"] and "not a rule id" in found[0].message


def test_unused_suppression_of_a_rule_that_did_not_run_is_not_reported():
    text = TEMPLATE.format(comment="  # iamlint: ignore[IAM010]")
    assert rules(lint(text, config=Config(select=["IAM004", "IAM012"]))) == ["IAM004"]
    assert rules(lint(text, config=Config(ignore=["IAM012"]))) == ["IAM004"]


def test_comment_two_code_lines_above_does_not_reach():
    text = TEMPLATE.format(comment="").replace("    Properties:", "    Properties:  # iamlint: ignore[IAM004]")
    assert rules(lint(text)) == ["IAM004", "IAM012"]


METADATA = """\
Resources:
  Quiet:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      iamlint:
        ignore: [IAM004]
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: arn:aws:s3:::example-bucket/*
  Loud:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      iamlint:
        ignore: [IAM010]
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: arn:aws:s3:::example-bucket/*
"""


def test_cloudformation_metadata_silences_that_resource_only():
    found = lint(METADATA)
    assert [(f.rule, f.owner) for f in found if f.rule == "IAM004"] == [("IAM004", "Loud")]
    unused = [f for f in found if f.rule == "IAM012"]
    assert len(unused) == 1 and unused[0].owner == "Loud" and "IAM010" in unused[0].message
    assert unused[0].line == 17  # the ignore list of Loud


def test_json_has_no_comments():
    text = (
        '{"Statement": [{"Sid": "x # iamlint: ignore[IAM004]", '
        '"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    assert "IAM004" in rules(lint(text, path="policy.json"))
    assert comment_suppressions("policy.json", text) == []


def test_hash_inside_a_value_is_not_a_comment():
    assert comment_suppressions("t.yaml", "Description: see#iamlint: ignore[IAM004]\n") == []
    found = comment_suppressions("t.yaml", "a: 1 # iamlint: ignore[IAM004] why\nb: 2\n")
    assert [(s.rule, sorted(s.lines), s.reason) for s in found] == [("IAM004", [1, 2], "why")]


def test_terraform_comment():
    pytest.importorskip("iamlint.sources.terraform")
    tf = """resource "aws_iam_policy" "p" {
  # iamlint: ignore[IAM004]
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" }]
  })
}
"""
    plain = lint(tf.replace("  # iamlint: ignore[IAM004]\n", ""), path="main.tf")
    if "IAM004" not in rules(plain):
        pytest.skip("the Terraform reader does not report IAM004 at the policy line")
    line = next(f for f in plain if f.rule == "IAM004").line
    assert line == 2, line
    assert "IAM004" not in rules(lint(tf, path="main.tf"))
