"""The content-hash result cache: unchanged files are not linted again, and
anything that decides a file's findings invalidates its entry."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import iamlint.api as api
from iamlint.cli import main

POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


@pytest.fixture
def counted(monkeypatch, tmp_path):
    monkeypatch.setenv("IAMLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    calls = []
    real = api.lint_bytes

    def counting(path, *args, **kw):
        calls.append(path)
        return real(path, *args, **kw)

    monkeypatch.setattr(api, "lint_bytes", counting)
    return calls


def _check(*args):
    result = CliRunner().invoke(main, ["check", "--format", "json", "-j", "1", *args])
    return result.exit_code, json.loads(result.output)


def test_unchanged_file_is_served_from_the_cache(tmp_path, counted):
    p = tmp_path / "p.json"
    p.write_text(POLICY)
    first = _check(str(p))
    second = _check(str(p))
    assert counted == [str(p)]  # linted once
    assert first == second  # same findings, same exit code


def test_changed_content_config_or_no_cache_lints_again(tmp_path, counted):
    p = tmp_path / "p.json"
    p.write_text(POLICY)
    _check(str(p))
    p.write_text(POLICY.replace("allow", "Allow"))
    code, _ = _check(str(p))
    assert len(counted) == 2 and code == 0
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM206"]\n')
    _check(str(p))
    assert len(counted) == 3
    _check("--no-cache", str(p))
    assert len(counted) == 4
    _check("--select", "IAM011", str(p))
    assert len(counted) == 5


ROLE_TF = """resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
"""
ATTACH_TF = """resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def _rules(out) -> list[tuple[str, int]]:
    return sorted((f["rule"], f["line"]) for f in out["findings"])


def test_terraform_is_cached_by_the_content_of_its_whole_module(tmp_path, counted):
    role = tmp_path / "role.tf"
    role.write_text(ROLE_TF)
    (tmp_path / "attach.tf").write_text(ATTACH_TF.replace("AdministratorAccess", "ReadOnlyAccess"))
    first = _check(str(role))
    second = _check(str(role))
    assert counted == [str(role)]  # unchanged module: served from the cache
    assert first == second
    # only a sibling changes: role.tf's entry is stale, and the new finding is there
    (tmp_path / "attach.tf").write_text(ATTACH_TF)
    code, out = _check(str(role))
    assert counted == [str(role), str(role)]
    assert code == 1 and ("IAM401", 3) in _rules(out)  # at the ARN in attach.tf
    # a new sibling file invalidates it too
    (tmp_path / "more.tf").write_text("locals {\n  x = 1\n}\n")
    _check(str(role))
    assert counted == [str(role)] * 3
    _check(str(role))
    assert counted == [str(role)] * 3


def test_terraform_reading_an_included_file_is_not_cached(tmp_path, counted):
    (tmp_path / "policy.json").write_text(POLICY)
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_iam_policy" "p" {\n  policy = file("policy.json")\n}\n')
    _check(str(tf))
    _check(str(tf))
    assert counted == [str(tf), str(tf)]  # policy.json is not part of the key
