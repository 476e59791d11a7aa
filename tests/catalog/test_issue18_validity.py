"""Issue 18, the catalog-validity bullets: IAM106 on bucket names, condition
keys the actions never carry (IAM112), conditions that can never be true
(IAM113). Each test reads its own fixture in ``tests/fixtures/issue18``."""

from __future__ import annotations

from pathlib import Path

from iamlint.api import lint_text
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.knowledge import arns

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
