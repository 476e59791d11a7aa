"""``iamlint check --fix`` / ``--diff`` and the fixes shared with the language server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint.api import default_registry, lint_bytes, lint_text
from iamlint.cli import main
from iamlint.config import Config
from iamlint.fixes import apply_edits, fixes_for, ignore_fix

NO_VERSION = """{
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
  ]
}
"""
NO_VERSION_INLINE = '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}\n'
SAML_YAML = """Resources:
  SsoRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Federated: arn:aws:iam::111122223333:saml-provider/okta
            Action: sts:AssumeRoleWithSAML
"""
TF_NO_VERSION = """resource "aws_iam_policy" "read" {
  name = "read"
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "arn:aws:s3:::b/*"
    }]
  })
}
"""
GITHUB_NO_SUB = """{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
  }]
}
"""


def _check(*args):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def _rules(path) -> list[str]:
    out = json.loads(_check("--format", "json", str(path)).stdout)
    return [f["rule"] for f in out["findings"]]


@pytest.mark.parametrize(
    "name,content,rule",
    [
        ("policy.json", NO_VERSION, "IAM004"),
        ("inline.json", NO_VERSION_INLINE, "IAM004"),
        ("template.yaml", SAML_YAML, "IAM310"),
        ("main.tf", TF_NO_VERSION, "IAM004"),
    ],
)
def test_fix_writes_the_safe_fix_and_reports_it(tmp_path, name, content, rule):
    path = tmp_path / name
    path.write_text(content)
    assert rule in _rules(path)
    result = _check("--fix", str(path))
    assert f"fixed {rule}" in result.stderr
    fixed = path.read_text()
    assert fixed != content
    assert rule not in _rules(path)
    # the lines the user wrote are kept: only lines were added (or one line got a member)
    assert len(fixed.splitlines()) - len(content.splitlines()) in (0, 1)
    # a second run has nothing left to fix
    again = _check("--fix", str(path))
    assert "fixed" not in again.stderr
    assert path.read_text() == fixed


def test_fixed_texts_are_what_a_person_would_write(tmp_path):
    p = tmp_path / "policy.json"
    p.write_text(NO_VERSION)
    _check("--fix", str(p))
    assert p.read_text() == NO_VERSION.replace('{\n  "Statement"', '{\n  "Version": "2012-10-17",\n  "Statement"')
    y = tmp_path / "template.yaml"
    y.write_text(SAML_YAML)
    _check("--fix", str(y))
    assert y.read_text() == SAML_YAML.replace(
        "          - Effect: Allow\n",
        '          - Condition: {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}\n'
        "            Effect: Allow\n",
    )


def test_diff_prints_a_unified_diff_and_does_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.json").write_text(NO_VERSION)
    result = _check("--diff", "policy.json")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/policy.json\n+++ b/policy.json\n")
    assert '+  "Version": "2012-10-17",' in result.stdout
    assert (tmp_path / "policy.json").read_text() == NO_VERSION
    clean = _check("--diff", "policy.json", "--select", "IAM001")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_leaves_files_untouched_when_it_cannot_fix_safely(tmp_path):
    broken = tmp_path / "broken.json"
    broken_text = '{"Statement": [{"Effect": "Allow",, "Action": "s3:*", "Resource": "*"}]}\n'
    broken.write_text(broken_text)
    github = tmp_path / "github.json"
    github.write_text(GITHUB_NO_SUB)
    result = _check("--fix", str(broken), str(github))
    assert broken.read_text() == broken_text
    # the OIDC sub skeleton needs a repository name: editor quick fix only
    assert github.read_text() == GITHUB_NO_SUB
    assert "IAM306 not fixed automatically" in result.stderr
    assert result.exit_code == 1


def test_fix_respects_configuration(tmp_path):
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
    p = tmp_path / "policy.json"
    p.write_text(NO_VERSION)
    _check("--fix", str(p))
    assert p.read_text() == NO_VERSION


def test_github_sub_skeleton_is_offered_for_the_editor():
    fixes = fixes_for("trust.json", GITHUB_NO_SUB, Config(), default_registry())
    [fix] = [f for f in fixes if f.rule == "IAM306"]
    assert not fix.safe
    fixed = apply_edits(GITHUB_NO_SUB, fix.edits)
    assert '"token.actions.githubusercontent.com:sub": "repo:OWNER/REPO:ref:refs/heads/main"' in fixed
    assert "IAM306" not in {f.rule for f in lint_text(fixed, "trust.json")}


def test_ignore_comment_fix_for_yaml_and_not_for_json():
    reg = default_registry()
    report = lint_bytes("template.yaml", SAML_YAML.encode(), Config(), reg)
    [finding] = [f for f in report.findings if f.rule == "IAM310"]
    fix = ignore_fix("template.yaml", SAML_YAML, finding, Config(), reg, report)
    fixed = apply_edits(SAML_YAML, fix.edits)
    line = fixed.splitlines()[finding.span.line - 1]
    assert line == "              # iamlint: ignore[IAM310]"
    assert "IAM310" not in {f.rule for f in lint_bytes("template.yaml", fixed.encode(), Config(), reg).findings}
    json_report = lint_bytes("p.json", NO_VERSION.encode(), Config(), reg)
    assert ignore_fix("p.json", NO_VERSION, json_report.findings[0], Config(), reg, json_report) is None


@pytest.mark.parametrize(
    "path,content",
    [
        ("policy.json", NO_VERSION),
        ("template.yaml", SAML_YAML),
        ("main.tf", TF_NO_VERSION),
    ],
)
def test_fixes_shared_with_the_editor_keep_crlf_line_endings(path, content):
    """The language server's quick fixes use the same edits: inserted lines end
    like the file's lines (no LF inside a CRLF file)."""
    crlf = content.replace("\n", "\r\n")
    reg = default_registry()
    [fix] = fixes_for(path, crlf, Config(), reg)
    fixed = apply_edits(crlf, fix.edits)
    assert fixed != crlf and fixed.count("\n") == fixed.count("\r\n")
    assert fixed.replace("\r\n", "\n") == apply_edits(content, fixes_for(path, content, Config(), reg)[0].edits)
    if path.endswith(".json"):
        return
    # the ignore comment above the finding's line, even on a last line without an ending
    report = lint_bytes(path, crlf.rstrip("\r\n").encode(), Config(), reg)
    for finding in report.findings:
        comment = ignore_fix(path, crlf.rstrip("\r\n"), finding)
        commented = apply_edits(crlf.rstrip("\r\n"), comment.edits)
        assert commented.count("\n") == commented.count("\r\n")
