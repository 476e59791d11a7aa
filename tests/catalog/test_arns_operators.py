"""ARN parsing/matching and the condition operator table."""

from __future__ import annotations

import pytest

from iamlint.knowledge import arns
from iamlint.knowledge.operators import parse_operator, suggest_operator, value_problem

OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
BUCKET = "arn:${Partition}:s3:::${BucketName}"
LOG_STREAM = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}"
SECRET = "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}"


@pytest.mark.parametrize(
    "resource,fmt,expected",
    [
        ("arn:aws:s3:::bucket", OBJECT, False),
        ("arn:aws:s3:::bucket", BUCKET, True),
        ("arn:aws:s3:::bucket/*", OBJECT, True),
        ("arn:aws:s3:::bucket/key.txt", OBJECT, True),
        ("arn:aws:s3:::bucket*", OBJECT, True),
        ("arn:aws:s3:::b?cket", OBJECT, True),  # ? may be the slash
        ("arn:aws:s3:::home/${aws:username}/*", OBJECT, True),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/t", OBJECT, False),
        ("arn:aws:*", OBJECT, True),
        ("*", OBJECT, True),
        ("arn:aws:logs:*:*:log-group:/aws/lambda/*:*", LOG_STREAM, True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:x", LOG_STREAM, False),
        ("arn:aws:logs:us-east-1:123456789012:log-group:x:log-stream:y", LOG_STREAM, True),
        # a trailing * of a segment spans colons, as in IAM
        ("arn:aws:secretsmanager:*:*:sqlworkbench!*", SECRET, True),
        ("arn:aws:secretsmanager:us-east-1:123456789012:sqlworkbench!*", SECRET, False),
        ("ARN:AWS:S3:::Bucket/*", OBJECT, True),
    ],
)
def test_resource_matches_format(resource, fmt, expected):
    assert arns.resource_matches_format(resource, fmt) is expected


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket/*",
        "arn:aws-cn:s3:::bucket",
        "arn:aws:iam::123456789012:role/app",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:logs:*:*:*",
        "arn:aws:s3:*",
        "arn:${AWS::Partition}:s3:::${Bucket}/*",
        "${aws_s3_bucket.b.arn}/*",
        "arn:aws:ec2:us-gov-west-1:123456789012:instance/*",
        "arn:aws:ec2:eusc-de-east-1:123456789012:instance/*",
        "arn:aws:dynamodb:*:${AWS::AccountId}:table/t",
        "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/*",
    ],
)
def test_well_formed_arns(text):
    assert arns.arn_problems(text) == []


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("bucket/*", "is not an ARN"),
        ("ARN:aws:s3:::bucket", "lower-case"),
        ("arn:aws:s3", "six"),
        ("arn:awss:s3:::b", "`aws`"),
        ("arn:aws:s3x:::b", "did you mean `s3`"),
        ("arn:aws:ec2:us-east1:123456789012:instance/*", "region `us-east1`"),
        ("arn:aws:ec2:123456789012:us-east-1:instance/*", "account id `123456789012` in the region"),
        ("arn:aws:ec2:us-east-1:12345:instance/*", "12-digit"),
        ("arn:aws:iam:us-east-1:123456789012:role/x", "empty region"),
        ("arn:aws:s3:::", "empty resource"),
        (" arn:aws:s3:::b", "whitespace"),
    ],
)
def test_malformed_arns(text, fragment):
    problems = arns.arn_problems(text)
    assert problems and fragment in " ".join(problems), problems


def test_parse_operator():
    p = parse_operator("ForAnyValue:StringLikeIfExists")
    assert p.valid and p.qualifier == "ForAnyValue" and p.if_exists and p.operator.name == "StringLike"
    assert parse_operator("stringequals").valid  # case-insensitive
    assert not parse_operator("StringEqual").valid
    assert not parse_operator("NullIfExists").valid
    assert not parse_operator("ForAnyValues:StringLike").valid
    assert parse_operator("Bool").operator.accepts == {"Bool"}


def test_suggest_operator():
    assert suggest_operator("StringEqual") == "StringEquals"
    assert suggest_operator("ForAnyValues:StringLike") == "ForAnyValue:StringLike"
    assert suggest_operator("NullIfExists") == "Null"
    assert suggest_operator("Zzzzzz") is None


@pytest.mark.parametrize(
    "family,value,ok",
    [
        ("Bool", "true", True),
        ("Bool", False, True),
        ("Bool", "yes", False),
        ("Numeric", "10", True),
        ("Numeric", 3.5, True),
        ("Numeric", "abc", False),
        ("Date", "2025-01-31T00:00:00Z", True),
        ("Date", "2025-01-31", True),
        ("Date", "1700000000", True),
        ("Date", "yesterday", False),
        ("IpAddress", "203.0.113.0/24", True),
        ("IpAddress", "2001:db8::/32", True),
        ("IpAddress", "10.0.0.1", True),
        ("IpAddress", "10.0.0.0/33", False),
        ("IpAddress", "vpc-123", False),
        ("Arn", "arn:aws:iam::*:role/x", True),
        ("Arn", "*", True),
        ("Arn", "role/x", False),
        ("Numeric", "${aws:MultiFactorAuthAge}", True),
    ],
)
def test_value_problem(family, value, ok):
    assert (value_problem(family, value) is None) is ok
