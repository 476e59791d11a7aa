"""The one wildcard engine: case rules, the ``*``-only fast path, linear time."""

from __future__ import annotations

import random
import time

from iamlint.iam.wildcard import covers, has_wildcard, is_all_stars, match, match_action, match_arn, match_lower
from iamlint.knowledge.globs import compile_glob


def test_actions_are_case_insensitive():
    assert match_action("S3:Get*", "s3:GetObject")
    assert match_action("iam:passrole", "IAM:PassRole")
    assert match_action("ec2:*Instances", "ec2:RunInstances")
    assert not match_action("ec2:*Instances", "ec2:RunInstance")
    assert not match_action("s3:Get*", "s3:PutObject")


def test_arns_are_case_sensitive():
    assert match_arn("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key")
    assert not match_arn("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key")
    assert not match_arn("arn:aws:s3:::bucket", "arn:aws:s3:::BUCKET")
    assert match_arn("arn:aws:iam::*:role/?dmin", "arn:aws:iam::111122223333:role/admin")


def test_star_crosses_colons_and_question_mark_is_one_character():
    assert match("arn:aws:logs:*", "arn:aws:logs:eu-west-1:111122223333:log-group:/app:*")
    assert match("a?c", "abc") and not match("a?c", "ac") and not match("a?c", "abbc")
    assert match("value", "VALUE", ignore_case=True) and not match("value", "VALUE")


def test_match_lower_agrees_with_the_regex():
    rng = random.Random(7)
    for _ in range(20000):
        pattern = "".join(rng.choice("ab:*?") for _ in range(rng.randint(1, 7)))
        name = "".join(rng.choice("ab:") for _ in range(rng.randint(0, 7)))
        assert match_lower(pattern, name) == (compile_glob(pattern).fullmatch(name) is not None), (pattern, name)
    assert match_lower("iam:*role*", "iam:passrole")
    assert not match_lower("iam:*role", "iam:passroles")
    assert match_lower("*:*", "a:b") and not match_lower("a*a", "a")
    # without a wildcard only the same name matches (not a name that merely starts and ends with it)
    assert not match_lower("ab", "abab") and match_lower("ab", "ab")


def test_no_backtracking_on_hostile_patterns():
    pattern = "s3:" + "*?" * 12 + "x"
    name = "s3:" + "a" * 4000
    start = time.process_time()
    assert not match_action(pattern, name)
    assert not match_arn("arn:" + "*a" * 20 + "b", "arn:" + "a" * 4000)
    assert time.process_time() - start < 2.0


def test_wildcard_predicates():
    assert has_wildcard("s3:Get*") and has_wildcard("a?") and not has_wildcard("s3:GetObject")
    assert is_all_stars("*") and is_all_stars("***") and not is_all_stars("") and not is_all_stars("*a")


def test_covers_is_pattern_inclusion_with_case_as_asked():
    assert covers("s3:Get*", "s3:GetObject*")
    assert not covers("s3:Get*", "s3:getobject")  # case-sensitive unless asked
    assert covers("s3:Get*", "s3:getobject", ignore_case=True)
    assert covers("a*c", "ab?c") and not covers("a?c", "a*c")
