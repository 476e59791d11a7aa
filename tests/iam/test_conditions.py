"""The one condition model: operators read into typed records, values classified."""

from __future__ import annotations

import pytest

from iamlint.iam.conditions import (
    complement,
    has_variable,
    has_wildcard,
    null_requires_presence,
    operator_info,
    passes_when_absent,
    true_value,
)
from iamlint.model.policy import Condition, Value

NEGATED = [
    "StringNotEquals",
    "StringNotLike",
    "StringNotEqualsIgnoreCase",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
    "ArnNotEquals",
    "ArnNotLike",
]
POSITIVE = [
    "StringEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "NumericEquals",
    "NumericLessThan",
    "DateGreaterThan",
    "IpAddress",
    "ArnEquals",
    "ArnLike",
    "Bool",
    "BinaryEquals",
    "Null",
]


@pytest.mark.parametrize("name", NEGATED)
def test_negated_operators(name):
    for text in (name, name + "IfExists", "ForAnyValue:" + name, name.lower()):
        info = operator_info(text)
        assert info.negated and info.known, text


@pytest.mark.parametrize("name", POSITIVE)
def test_positive_operators(name):
    assert not operator_info(name).negated
    assert operator_info(name).base == name


def test_qualifier_and_if_exists():
    info = operator_info("ForAllValues:StringLikeIfExists")
    assert (info.qualifier, info.base, info.if_exists, info.family) == ("ForAllValues", "StringLike", True, "String")
    assert passes_when_absent(info)
    assert passes_when_absent(operator_info("StringEqualsIfExists"))
    assert passes_when_absent(operator_info("ForAllValues:StringEquals"))
    assert not passes_when_absent(operator_info("ForAnyValue:StringEquals"))
    assert not passes_when_absent(operator_info("StringEquals"))
    assert not passes_when_absent(operator_info("Null"))


def test_wildcard_expanding_and_ignore_case_operators():
    assert all(operator_info(o).wildcards for o in ("StringLike", "ArnLike", "ArnEquals", "StringNotLike"))
    assert not any(operator_info(o).wildcards for o in ("StringEquals", "StringEqualsIgnoreCase", "Bool"))
    assert operator_info("StringNotEqualsIgnoreCase").ignore_case
    assert not operator_info("StringEquals").ignore_case


def test_unknown_operators_keep_the_written_name():
    info = operator_info("StringEqual")
    assert not info.known and info.base == "StringEqual" and not info.negated
    info = operator_info("ForEveryValue:StringNotLikes")
    assert not info.known and info.negated  # spelt like a negated operator


def _cond(op, key, *values):
    return Condition(op, key, tuple(Value(v, f"/{i}") for i, v in enumerate(values)), "/c")


def test_null():
    assert operator_info("Null").is_null
    assert null_requires_presence(_cond("Null", "aws:ResourceTag/team", "false"))
    assert null_requires_presence(_cond("Null", "aws:ResourceTag/team", False))
    assert not null_requires_presence(_cond("Null", "aws:ResourceTag/team", "true"))
    assert not null_requires_presence(_cond("Null", "aws:ResourceTag/team", "false", "true"))
    assert not null_requires_presence(_cond("StringEquals", "aws:ResourceTag/team", "false"))


def test_values():
    assert has_variable("arn:aws:iam::*:user/${aws:username}") and not has_variable("arn:aws:iam::1:user/x")
    assert has_wildcard("o-*") and has_wildcard("o-???") and not has_wildcard("o-abc")
    assert true_value("TRUE") is True and true_value(False) is False and true_value("yes") is None


def test_validity_and_catalog_record():
    assert operator_info("ForAnyValue:StringLikeIfExists").valid
    info = operator_info("NullIfExists")  # Null takes no IfExists: known, not valid
    assert info.known and not info.valid and info.is_null
    assert not operator_info("StringEqual").valid and operator_info("StringEqual").spec is None
    assert operator_info("Bool").spec is not None and operator_info("Bool").spec.accepts == {"Bool"}


def test_qualifier_tests_and_unqualified_spelling():
    info = operator_info("forallvalues:stringlikeifexists")
    assert info.for_all_values and not info.for_any_value
    assert info.unqualified == "StringLikeIfExists"
    assert operator_info("ForAnyValue:StringEquals").for_any_value
    assert not operator_info("StringEquals").for_all_values


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("StringNotEquals", "StringEquals"),
        ("StringNotEqualsIfExists", "StringEquals"),  # true without the key either way
        ("StringNotEqualsIgnoreCase", "StringEqualsIgnoreCase"),
        ("ForAllValues:StringNotLike", "ForAnyValue:StringLike"),
        ("ForAnyValue:ArnNotEquals", "ForAllValues:ArnEquals"),
        ("NotIpAddress", "IpAddress"),
        ("NumericNotEquals", None),  # only String, Arn and IP tests are Deny guards
        ("StringEquals", None),
        ("ForAnyValues:StringNotEquals", None),  # not an operator
    ],
)
def test_complement_of_a_negated_guard(written, expected):
    assert complement(operator_info(written)) == expected
