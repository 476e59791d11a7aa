"""iamlint.iam.arn: the one place rules and analyses split and match ARNs."""

from __future__ import annotations

import itertools
import random

import pytest

from iamlint.iam import arn
from iamlint.iam.wildcard import match_arn


def test_parse_splits_the_five_fields_after_the_prefix() -> None:
    parts = arn.parse("arn:aws:logs:us-east-1:111122223333:log-group:/app/web:*")
    assert parts == ("aws", "logs", "us-east-1", "111122223333", "log-group:/app/web:*")
    assert parts is not None and parts.account == "111122223333"
    assert arn.parse("arn:aws:s3:::bucket/key").resource == "bucket/key"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["*", "s3:GetObject", "arn:aws:s3::", "urn:aws:s3:::b", ""])
def test_parse_rejects_what_is_not_an_arn(text: str) -> None:
    assert arn.parse(text) is None


def test_the_prefix_case_is_the_callers_choice() -> None:
    # The catalog reads `ARN:` as an ARN; IAM's own spelling is exactly `arn:`.
    assert arn.parse("ARN:aws:s3:::b") is not None
    assert arn.parse("ARN:aws:s3:::b", exact_prefix=True) is None
    assert arn.parse("arn:aws:s3:::b", exact_prefix=True) is not None


def test_fields_splits_any_value_in_six() -> None:
    assert arn.fields("a:b:c:d:e:f:g") == ["a", "b", "c", "d", "e", "f:g"]
    assert arn.fields("a:b:c") is None


def test_matches_format_keeps_bucket_names_free_of_slashes() -> None:
    bucket = "arn:${Partition}:s3:::${BucketName}"
    obj = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert arn.matches_format("arn:aws:s3:::my-bucket", bucket)
    assert not arn.matches_format("arn:aws:s3:::my-bucket/*", bucket)
    assert arn.matches_format("arn:aws:s3:::my-bucket/*", obj)
    assert arn.format_service(bucket) == "s3"


def test_problems_reports_a_malformed_arn() -> None:
    assert arn.problems("arn:aws:s3:::bucket") == ()
    assert arn.problems("arn:aws:s3") != ()


@pytest.mark.parametrize(
    ("wide", "narrow", "expected"),
    [
        ("*", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/private/*", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::c/*", False),
        ("arn:aws:s3:::b/private/*", "arn:aws:s3:::b/*", False),
        ("arn:aws:s3:::b?", "arn:aws:s3:::bx", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b*", False),  # a `*` is not one character
        ("arn:aws:s3:::b*/x", "arn:aws:s3:::b?/x", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::b", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::B", False),  # ARNs are case-sensitive
        ("s3:get*", "s3:getobject", True),
        ("arn:aws:s3:::${aws:username}/*", "arn:aws:s3:::${aws:username}/a", True),
        ("arn:aws:s3:::${aws:username}*", "arn:aws:s3:::bob", False),  # a variable is not a wildcard here
    ],
)
def test_covers_is_pattern_inclusion(wide: str, narrow: str, expected: bool) -> None:
    assert arn.covers(wide, narrow) is expected


def test_covers_is_sound_against_the_wildcard_engine() -> None:
    """Whenever ``covers(wide, narrow)``, every string ``narrow`` matches is matched by ``wide``."""
    rng = random.Random(18)
    alphabet = "ab/*?"
    words = ["".join(p) for n in range(4) for p in itertools.product("ab/", repeat=n)]
    for _ in range(3000):
        wide = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        narrow = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        if arn.covers(wide, narrow):
            for w in words:
                if match_arn(narrow, w):
                    assert match_arn(wide, w), (wide, narrow, w)
