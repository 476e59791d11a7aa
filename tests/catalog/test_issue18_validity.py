"""Issue 18, the catalog-validity bullets: IAM106 on bucket names, condition
keys the actions never carry (IAM112), conditions that can never be true
(IAM113). Each test reads its own fixture in ``tests/fixtures/issue18``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from iamlint.api import lint_text
from iamlint.checks import validity
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.iam.applicability import holds_when_absent, judged_key, never_applies, pattern_carries
from iamlint.knowledge import arns
from iamlint.model.policy import Condition, Policy, Value

REGISTRY = Registry.load()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "issue18"


def _findings(name: str, rule: str) -> list:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [f for f in lint_text(text, config=Config(select=[rule]), registry=REGISTRY) if f.rule == rule]


def test_bucket_name_placeholder_does_not_match_a_slash():
    bucket = "arn:${Partition}:s3:::${BucketName}"
    assert not arns.resource_matches_format("arn:aws:s3:::example-bucket/*", bucket)
    assert not arns.resource_matches_format("arn:aws:s3:::*/*", bucket)
    assert not arns.resource_matches_format("arn:aws:s3:::a/b", bucket)
    assert arns.resource_matches_format("arn:aws:s3:::example-*", bucket)
    assert arns.resource_matches_format("arn:aws:s3:::*", bucket)
    assert arns.resource_matches_format("arn:aws:s3:::example-bucket", bucket)
    # object names hold slashes
    assert arns.resource_matches_format("arn:aws:s3:::b/a/b/c", "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    # other placeholders still do (role names with a path, log groups)
    assert arns.resource_matches_format(
        "arn:aws:iam::123456789012:role/path/name", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
    )


def test_listbucket_on_objects_is_reported_per_action():
    findings = _findings("iam106-listbucket-on-objects.json", "IAM106")
    got = sorted(f.pointer for f in findings)
    # s3:ListBucket alone, and s3:ListBucket among object actions that fit;
    # not the statements listing the bucket, a bucket-name wildcard, or s3:List*
    assert got == ["/Statement/0/Action", "/Statement/1/Action/1"]
    bucket = "bucket (`arn:${Partition}:s3:::${BucketName}`)"
    assert all("`s3:ListBucket`" in f.message and bucket in f.message for f in findings)


def test_condition_keys_the_actions_never_carry():
    findings = _findings("iam112-keys-actions-never-carry.json", "IAM112")
    by_sid = {int(f.pointer.split("/")[2]): f.message for f in findings}
    assert sorted(by_sid) == [0, 1, 2, 3]
    # an Allow that needs the key never applies
    assert "`s3:x-amz-storage-class` is never in a request for `s3:ListBucket`" in by_sid[0]
    assert "`StringEquals` is false without it, so this statement never applies" in by_sid[0]
    # a negated guard in a Deny exempts nothing; the global tag key is suggested
    assert "is never in a request for `ec2:*`, `s3:*`" in by_sid[1]
    assert "this Deny applies to every request" in by_sid[1] and "use `aws:ResourceTag/team`" in by_sid[1]
    # a negated guard (IfExists) in an Allow restricts nothing
    assert "the condition restricts nothing" in by_sid[2]
    # only some actions lack the key: those are named, and grant nothing
    assert "never in a request for `ec2:RunInstances` (" in by_sid[3] and "grants them nothing" in by_sid[3]


def test_never_true_with_an_injected_now(monkeypatch):
    now = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(validity, "_now", lambda: now)
    findings = _findings("iam113-conditions-never-true.json", "IAM113")
    got = {int(f.pointer.split("/")[2]): f for f in findings}
    assert sorted(got) == [0, 1, 2, 3, 4]
    assert "`aws:TokenIssueTime` must be below 2026-06-01T00:00:00Z" in got[0].message
    assert "2026-06-30T00:00:00Z" in got[1].message  # the latest of the alternatives
    assert "never below zero" in got[2].message
    assert "must be above 100 (`NumericGreaterThan`) and at most 100" in got[3].message
    assert got[3].severity == "info" and "this Deny never applies" in got[3].message
    assert got[0].severity == "warning" and "grants nothing" in got[0].message
    # a year earlier, the dates had not passed: only the date-free verdicts stay
    monkeypatch.setattr(validity, "_now", lambda: now.replace(year=2025))
    assert sorted(int(f.pointer.split("/")[2]) for f in _findings("iam113-conditions-never-true.json", "IAM113")) == [
        2,
        3,
    ]


def test_never_applies_for_privilege_rules():
    now = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
    timed = Policy(json.loads((FIXTURES / "iam113-conditions-never-true.json").read_text(encoding="utf-8")))
    assert [never_applies(st, now) for st in timed.statements] == [True] * 5 + [False] * 5
    keyed = Policy(json.loads((FIXTURES / "iam112-keys-actions-never-carry.json").read_text(encoding="utf-8")))
    # only the Allow whose every action lacks a key it needs never applies
    assert [never_applies(st, now) for st in keyed.statements] == [True] + [False] * 8


def _cond(operator: str, values=("x",)) -> Condition:
    return Condition(operator, "s3:prefix", tuple(Value(v, "/") for v in values), "/")


def test_what_a_condition_says_when_its_key_is_absent():
    assert holds_when_absent(_cond("StringEquals")) is False
    assert holds_when_absent(_cond("ForAnyValue:StringLike")) is False
    assert holds_when_absent(_cond("ArnLike")) is False
    assert holds_when_absent(_cond("StringNotEquals")) is True
    assert holds_when_absent(_cond("NotIpAddress")) is True
    assert holds_when_absent(_cond("StringEqualsIfExists")) is True
    assert holds_when_absent(_cond("ForAllValues:StringEquals")) is True
    assert holds_when_absent(_cond("Null", ["true"])) is True
    assert holds_when_absent(_cond("Null", [False])) is False
    assert holds_when_absent(_cond("Null", ["true", "false"])) is None
    assert holds_when_absent(_cond("StringEqual")) is None


def test_templated_catalog_keys_and_patterns():
    # iam:ResourceTag/${TagKey} is an IAM role action's key, not an EC2 one's
    assert pattern_carries("iam:tagrole", "iam:resourcetag/team") is True
    assert pattern_carries("ec2:*", "iam:resourcetag/team") is False
    assert pattern_carries("iam:resourcetag/", "iam:resourcetag/") is None  # not an action
    assert pattern_carries("s3:list*", "s3:prefix") is True
    assert pattern_carries("*", "s3:prefix") is None
    # request-level and credential keys are not judged; action-scoped ones are
    assert judged_key("s3:x-amz-storage-class") and judged_key("iam:passedtoservice")
    assert not judged_key("s3:tlsversion") and not judged_key("ec2:sourceinstancearn")
    assert not judged_key("aws:resourcetag/team") and not judged_key("s3:nosuchkey")
