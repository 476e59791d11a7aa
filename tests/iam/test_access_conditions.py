"""Issue 18: condition evaluation against a concrete request context
(iamlint.iam.evaluate), one rule per test so a failure reads on its own."""

from __future__ import annotations

import pytest

from iamlint.iam.evaluate import UNKNOWN, evaluate_block, evaluate_condition, normalise_context
from iamlint.model.policy import Opaque


def holds(operator: str, key: str, values: object, context: dict[str, object]) -> object:
    return evaluate_block({operator: {key: values}}, context)


# -- strings ------------------------------------------------------------------
def test_string_equals_is_case_sensitive_and_takes_wildcards_literally() -> None:
    assert holds("StringEquals", "aws:PrincipalTag/team", "red", {"aws:PrincipalTag/team": "red"}) is True
    assert holds("StringEquals", "aws:PrincipalTag/team", "red", {"aws:PrincipalTag/team": "Red"}) is False
    assert holds("StringEquals", "aws:PrincipalTag/team", "r*", {"aws:PrincipalTag/team": "red"}) is False
    assert holds("StringEquals", "aws:PrincipalTag/team", "r*", {"aws:PrincipalTag/team": "r*"}) is True


def test_string_equals_ignore_case() -> None:
    assert holds("StringEqualsIgnoreCase", "k", "RED", {"k": "red"}) is True
    assert holds("StringNotEqualsIgnoreCase", "k", "RED", {"k": "red"}) is False


def test_string_like_wildcards() -> None:
    assert holds("StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/a/b"}) is True
    assert holds("StringLike", "s3:prefix", "home/?", {"s3:prefix": "home/ab"}) is False
    assert holds("StringLike", "s3:prefix", "Home/*", {"s3:prefix": "home/a"}) is False
    assert holds("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": "public/x"}) is True


def test_several_values_are_alternatives_and_negated_operators_match_none() -> None:
    ctx = {"k": "blue"}
    assert holds("StringEquals", "k", ["red", "blue"], ctx) is True
    assert holds("StringNotEquals", "k", ["red", "blue"], ctx) is False  # NOR
    assert holds("StringNotEquals", "k", ["red", "green"], ctx) is True


def test_all_keys_and_all_operators_must_hold() -> None:
    block = {"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}}
    assert evaluate_block(block, {"a": "1", "b": "2", "c": "true"}) is True
    assert evaluate_block(block, {"a": "1", "b": "3", "c": "true"}) is False
    assert evaluate_block(block, {"a": "1", "b": "2", "c": "false"}) is False


def test_keys_are_case_insensitive() -> None:
    assert holds("StringEquals", "AWS:SourceVpce", "vpce-1", {"aws:sourcevpce": "vpce-1"}) is True
    assert holds("StringEquals", "aws:sourcevpce", "vpce-1", {"AWS:SOURCEVPCE": "vpce-1"}) is True


# -- absent keys --------------------------------------------------------------
def test_absent_key_fails_positive_and_satisfies_negated_operators() -> None:
    assert holds("StringEquals", "aws:SourceVpce", "vpce-1", {}) is False
    assert holds("StringNotEquals", "aws:SourceVpce", "vpce-1", {}) is True
    assert holds("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::b", {}) is True
    assert holds("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {}) is True
    assert holds("NumericLessThan", "n", "5", {}) is False


def test_if_exists_holds_for_an_absent_key_and_checks_a_present_one() -> None:
    assert holds("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", {}) is True
    assert holds("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", {"ec2:InstanceType": "m5.large"}) is False
    assert holds("StringNotEqualsIfExists", "k", "x", {"k": "x"}) is False


def test_null() -> None:
    assert holds("Null", "aws:TokenIssueTime", "true", {}) is True
    assert holds("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}) is False
    assert holds("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}) is True
    assert holds("Null", "aws:TokenIssueTime", False, {}) is False
    assert holds("Null", "k", "maybe", {}) is False  # not true/false: never


def test_an_empty_list_is_an_absent_key() -> None:
    assert normalise_context({"aws:TagKeys": []}) == {}
    assert holds("Null", "aws:TagKeys", "true", {"aws:TagKeys": []}) is True


# -- set qualifiers -----------------------------------------------------------
def test_for_all_values_holds_for_an_absent_key_or_empty_set() -> None:
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {}) is True
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": []}) is True


def test_for_all_values_needs_every_request_value_to_match() -> None:
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "b"]}) is True
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "c"]}) is False
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", [], {"aws:TagKeys": ["a"]}) is False


def test_for_any_value_is_false_for_an_absent_key_and_needs_one_match() -> None:
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", "a", {}) is False
    assert holds("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "a", {}) is True
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", "a", {"aws:TagKeys": ["c", "a"]}) is True
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", "a", {"aws:TagKeys": ["c"]}) is False


def test_negated_operators_under_set_qualifiers_apply_per_request_value() -> None:
    ctx = {"aws:TagKeys": ["a", "c"]}
    assert holds("ForAnyValue:StringNotEquals", "aws:TagKeys", "a", ctx) is True  # "c" is not "a"
    assert holds("ForAllValues:StringNotEquals", "aws:TagKeys", "a", ctx) is False  # "a" is
    assert holds("ForAllValues:StringNotEquals", "aws:TagKeys", "b", ctx) is True


def test_a_plain_operator_on_a_multivalued_key() -> None:
    ctx = {"aws:TagKeys": ["a", "c"]}
    assert holds("StringEquals", "aws:TagKeys", "a", ctx) is True  # some value matches
    assert holds("StringNotEquals", "aws:TagKeys", "a", ctx) is False  # its negation


# -- other types --------------------------------------------------------------
def test_numeric() -> None:
    assert holds("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "9"}) is True
    assert holds("NumericLessThanEquals", "n", 10, {"n": "10.0"}) is True
    assert holds("NumericGreaterThan", "n", "10", {"n": "10"}) is False
    assert holds("NumericNotEquals", "n", "10", {"n": "1e1"}) is False
    assert holds("NumericEquals", "n", "ten", {"n": "10"}) is False  # not a number: matches nothing


def test_dates() -> None:
    ctx = {"aws:CurrentTime": "2026-12-04T18:00:00Z"}
    assert holds("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z", ctx) is True
    assert holds("DateGreaterThan", "aws:CurrentTime", "2026-12-05", ctx) is False
    assert holds("DateGreaterThan", "aws:CurrentTime", "2026-12-04T19:00:00+02:00", ctx) is True  # 17:00Z
    assert holds("DateEquals", "aws:EpochTime", "1700000000", {"aws:EpochTime": "2023-11-14T22:13:20Z"}) is True
    assert holds("DateNotEquals", "aws:CurrentTime", "2026-12-04T18:00:00.000Z", ctx) is False


def test_bool() -> None:
    assert holds("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "TRUE"}) is True
    assert holds("Bool", "aws:SecureTransport", True, {"aws:SecureTransport": "true"}) is True
    assert holds("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": "true"}) is False


def test_binary() -> None:
    assert holds("BinaryEquals", "k", "QmluYXJ5", {"k": "QmluYXJ5"}) is True
    assert holds("BinaryEquals", "k", "QmluYXJ5", {"k": "QmluYXJ6"}) is False


def test_ip_address() -> None:
    assert holds("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"}) is True
    assert holds("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.1"}) is False
    assert holds("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db8::1"}) is True
    assert holds("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "203.0.113.7"}) is False
    assert (
        holds("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.7"], {"aws:SourceIp": "203.0.113.7"}) is False
    )


def test_arn_operators_match_each_of_the_six_parts() -> None:
    key = "aws:SourceArn"
    assert holds("ArnLike", key, "arn:aws:s3:::b/*", {key: "arn:aws:s3:::b/k:x"}) is True
    assert (
        holds("ArnEquals", key, "arn:aws:sns:*:111122223333:t", {key: "arn:aws:sns:eu-west-1:111122223333:t"}) is True
    )
    # a whole-string glob would let the * eat "aws:x": per part it cannot
    assert holds("ArnLike", key, "arn:*:s3:::b", {key: "arn:aws:x:s3:::b"}) is False
    assert holds("ArnLike", key, "arn:aws:s3:::B", {key: "arn:aws:s3:::b"}) is False
    assert holds("ArnNotLike", key, "arn:aws:s3:::b", {key: "arn:aws:s3:::b"}) is False
    assert holds("ArnLike", key, "*", {key: "arn:aws:s3:::b"}) is True
    assert holds("ArnLike", key, "arn:aws:s3:::b", {key: "not-an-arn"}) is False


# -- policy variables ---------------------------------------------------------
def test_policy_variables_take_the_request_value() -> None:
    ctx = {"aws:username": "alice", "s3:prefix": "home/alice/x"}
    assert holds("StringLike", "s3:prefix", "home/${aws:username}/*", ctx) is True
    assert holds("StringLike", "s3:prefix", "home/${aws:username}/*", {**ctx, "aws:username": "bob"}) is False


def test_a_variable_without_a_value_matches_nothing() -> None:
    ctx = {"s3:prefix": "home/"}
    assert holds("StringLike", "s3:prefix", "home/${aws:username}", ctx) is False
    assert holds("StringNotLike", "s3:prefix", "home/${aws:username}", ctx) is True
    multi = {"s3:prefix": "a", "aws:TagKeys": ["a", "b"]}  # a multivalued key is no variable
    assert holds("StringEquals", "s3:prefix", "${aws:TagKeys}", multi) is False


def test_variable_defaults_and_special_characters() -> None:
    assert holds("StringEquals", "s3:prefix", "${aws:username, 'nobody'}", {"s3:prefix": "nobody"}) is True
    assert holds("StringEquals", "s3:prefix", "${aws:username, 'it''s'}", {"s3:prefix": "it's"}) is True
    assert holds("StringLike", "k", "a${*}", {"k": "a*"}) is True
    assert holds("StringLike", "k", "a${*}", {"k": "ab"}) is False
    assert holds("StringLike", "k", "a${?}", {"k": "a?"}) is True
    assert holds("StringEquals", "k", "${$}x", {"k": "$x"}) is True


def test_variables_off_and_in_types_without_them() -> None:
    ctx = {"k": "${aws:username}", "aws:username": "alice"}
    assert evaluate_block({"StringEquals": {"k": "${aws:username}"}}, ctx, variables=False) is True
    assert holds("NumericEquals", "n", "${aws:username}", {"n": "1", "aws:username": "1"}) is False


# -- unknown and unresolved ---------------------------------------------------
@pytest.mark.parametrize("operator", ["StringEqual", "NullIfExists", "ForSomeValues:StringEquals", "Foo"])
def test_an_unknown_operator_never_holds(operator: str) -> None:
    assert evaluate_block({operator: {"k": "v"}}, {"k": "v"}) is False
    assert evaluate_block({operator: {"k": "v"}}, {}) is False


def test_a_malformed_block_never_holds() -> None:
    assert evaluate_block(["StringEquals"], {}) is False
    assert evaluate_block({"StringEquals": "k"}, {}) is False
    assert evaluate_block(None, {}) is True


def test_unresolved_values_are_unknown() -> None:
    assert holds("StringEquals", "k", Opaque("${var.x}"), {"k": "a"}) is UNKNOWN
    assert holds("StringEquals", "k", ["b", Opaque()], {"k": "a"}) is UNKNOWN
    assert holds("StringEquals", "k", ["a", Opaque()], {"k": "a"}) is True  # a known value decides
    assert holds("StringNotEquals", "k", [Opaque()], {"k": "a"}) is UNKNOWN
    assert evaluate_block(Opaque(), {}) is UNKNOWN
    assert evaluate_block({"StringEquals": Opaque()}, {}) is UNKNOWN
    # a condition certainly false decides, whatever the unknown one is
    assert evaluate_block({"StringEquals": {"k": Opaque(), "j": "x"}}, {"k": "a", "j": "y"}) is False


def test_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)


def test_evaluate_condition_takes_raw_contexts() -> None:
    assert evaluate_condition("StringEquals", "K", "v", {"k": "v"}) is True
    assert evaluate_condition("StringEquals", "k", "1", {"k": 1}) is True
