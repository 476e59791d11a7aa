"""``iamlint check`` outputs: several formats in one run, report files, the
"no files" notice and ``--statistics`` (issue 15, sections 4 and 5)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint import fixes
from iamlint.cli import main
from iamlint.config import Config
from iamlint.engine.registry import Registry

NO_VERSION = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'
ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n'
SAML = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
    "Action": "sts:AssumeRoleWithSAML"}]})
GITHUB_NO_SUB = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]})


def _check(*args, **kwargs):
    return CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", *args], catch_exceptions=False, **kwargs)


# --------------------------------------------------------------------------
# which rules --fix fixes
# --------------------------------------------------------------------------


def test_fixable_rules_are_the_ids_of_the_safe_fixers():
    registry = Registry.load()
    assert fixes.FIXABLE_NAMES <= set(fixes.FIXERS)
    assert {r.id for r in registry if r.name in fixes.FIXABLE_NAMES} == fixes.FIXABLE_RULES
    assert fixes.is_fixable(registry.get("IAM004")) and fixes.is_fixable("IAM310")
    assert not fixes.is_fixable(registry.get("IAM306")) and not fixes.is_fixable("IAM201")


@pytest.mark.parametrize("content,rule,safe", [
    (NO_VERSION, "IAM004", True), (SAML, "IAM310", True), (GITHUB_NO_SUB, "IAM306", False)])
def test_fixable_rules_match_what_fix_writes(tmp_path, content, rule, safe):
    path = tmp_path / "p.json"
    path.write_text(content)
    result = fixes.fix_file(str(path), Config(), Registry.load(), write=False)
    applied = {f.rule for f in result.applied}
    manual = {f.rule for f in result.manual}
    assert (rule in applied) is safe and (rule in manual) is not safe
    assert fixes.is_fixable(rule) is safe
