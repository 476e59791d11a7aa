"""Files that are not IAM never get a finding, named or walked (issue 15, part 1).

pre-commit, editors and ``git diff --name-only | xargs iamlint check`` name
every file; a directory walk finds them.  The content decides, the same way
for both: a broken file gets its syntax finding only when its text carries
IAM material (policy keys, a CloudFormation template, ``aws_iam_*`` or policy
text in HCL) or the user forced a ``--kind``.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint.cli import main

NOT_IAM = {
    "tsconfig.json": b'{\n  // the compiler\n  "compilerOptions": {"strict": true, /* yes */ "target": "es2022"},\n}\n',
    ".vscode/settings.json": b'{\n  "editor.formatOnSave": true,\n  "files.exclude": {"**/.git": true,},\n}\n',
    ".devcontainer/devcontainer.json": (
        b'// see https://aka.ms/devcontainer.json\n{\n  "name": "dev",\n  "image": "python:3.12",\n'
        b'  "customizations": {"vscode": {"extensions": ["ms-python.python",]}},\n}\n'
    ),
    "empty.json": b"",
    "deep.json": b"[" * 1000 + b"]" * 1000,
    "logo.json": bytes(range(256)) * 4,
    ".github/workflows/ci.yml": (
        b"name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n\t- uses: actions/checkout@v4\n"
    ),
    # a deploy workflow that mentions a resource type is still not a template
    ".github/workflows/deploy.yml": (
        b"name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        b"      - run: echo 'creates an AWS::S3::Bucket'\n\t- run: aws cloudformation deploy\n"
    ),
    "docker-compose.yaml": b"services:\n  web:\n    image: nginx\n\tports: ['80:80']\n",
    "main.tf": (
        b'variable "subnets" {\n  type = map(string)\n}\n\n'
        b"locals {\n  by_az = { for k, v in var.subnets : k\n    => v }\n}\n\n"
        b'resource "aws_instance" "web" {\n  ami = "ami-123"\n}\n'
    ),
}

BROKEN_IAM = {
    "policy.json": b'{\n  "Version": "2012-10-17",\n'
    b'  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",}]\n}\n',
    "template.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n   Properties: [\n"
    ),
    "role.tf": b'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = <<EOF\n{}\n',
}


def _write(root, files):
    paths = []
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def _check(*args):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


@pytest.mark.parametrize("name", sorted(NOT_IAM))
def test_a_named_file_without_iam_content_gets_no_finding(tmp_path, name):
    [path] = _write(tmp_path, {name: NOT_IAM[name]})
    code, findings = _check(path)
    assert findings == []
    assert code == 0


def test_the_same_files_walked_get_no_finding(tmp_path):
    _write(tmp_path, NOT_IAM)
    code, findings = _check(str(tmp_path))
    assert findings == []
    assert code == 0


def test_all_named_at_once_like_pre_commit(tmp_path):
    code, findings = _check(*_write(tmp_path, NOT_IAM))
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("name", sorted(BROKEN_IAM))
def test_a_broken_iam_file_keeps_its_syntax_finding_named_and_walked(tmp_path, name):
    [path] = _write(tmp_path, {name: BROKEN_IAM[name]})
    for target in (path, str(tmp_path)):
        code, findings = _check(target)
        assert [f["rule"] for f in findings] == ["IAM001"], (target, findings)
        assert findings[0]["file"] == path
        assert code == 1


def test_a_forced_kind_makes_a_named_broken_json_file_a_policy(tmp_path):
    [path] = _write(tmp_path, {"tsconfig.json": NOT_IAM["tsconfig.json"]})
    code, findings = _check("--kind", "identity", path)
    assert [f["rule"] for f in findings] == ["IAM001"]
    assert code == 1


def test_an_undecodable_file_with_policy_text_keeps_its_finding(tmp_path):
    [path] = _write(tmp_path, {"policy.json": b'{"Statement": [{"Sid": "caf\xe9", "Effect": "Allow"}]}'})
    for target in (path, str(tmp_path)):
        _, findings = _check(target)
        assert [f["rule"] for f in findings] == ["IAM001"], target


def test_a_utf16_policy_keeps_its_finding(tmp_path):
    [path] = _write(tmp_path, {"policy.json": '{"Version": "2012-10-17", "Statement": []}'.encode("utf-16")})
    _, findings = _check(path)
    assert [f["rule"] for f in findings] == ["IAM001"]


def test_summary_counts_files_without_iam_content(tmp_path):
    paths = _write(tmp_path, {"tsconfig.json": NOT_IAM["tsconfig.json"], "main.tf": NOT_IAM["main.tf"]})
    result = CliRunner().invoke(main, ["check", "--no-cache", *paths])
    assert result.exit_code == 0, result.output
    assert "2 files without IAM content" in result.output


def test_verbose_lists_the_files_without_iam_content_on_stderr(tmp_path):
    paths = _write(
        tmp_path,
        {
            "tsconfig.json": NOT_IAM["tsconfig.json"],
            "main.tf": NOT_IAM["main.tf"],
            "policy.json": BROKEN_IAM["policy.json"],
        },
    )
    result = CliRunner().invoke(main, ["check", "--no-cache", "--verbose", "--format", "json", *paths])
    assert result.exit_code == 1, result.output
    assert [f["file"] for f in json.loads(result.stdout)["findings"]] == [paths[2]]  # stdout stays JSON
    assert result.stderr.splitlines() == [f"iamlint: {p}: skipped, no IAM content" for p in paths[:2]]
    quiet = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *paths])
    assert quiet.stderr == ""
