"""The one condition model: what a condition operator and its values mean.

An operator as written, ``[ForAllValues:|ForAnyValue:]<Base>[IfExists]``, is
split by :func:`iamlint.knowledge.operators.parse_operator` (the catalog of
operators and the key types each accepts) and read here into an
:class:`OperatorInfo`, the record every rule and analysis classifies
conditions with:

* ``negated`` — ``StringNotEquals``, ``StringNotLike``,
  ``StringNotEqualsIgnoreCase``, ``NumericNotEquals``, ``DateNotEquals``,
  ``NotIpAddress``, ``ArnNotEquals``, ``ArnNotLike``: true for every request
  whose value differs, so it never pins, restricts or narrows anything;
* ``if_exists`` — ``...IfExists`` is also true when the key is absent;
* ``qualifier`` — ``ForAllValues:`` is true when the key is absent (the empty
  set), ``ForAnyValue:`` is false then;
* ``is_null`` — ``Null`` tests presence: ``"false"`` requires the key,
  ``"true"`` requires it absent (:func:`null_requires_presence`);
* ``wildcards`` — the operator expands ``*`` and ``?`` in its values
  (``StringLike``, ``ArnLike``, ``ArnEquals`` and their negations);
  ``StringEquals "*"`` is a literal star;
* ``ignore_case`` — ``StringEqualsIgnoreCase``, ``StringNotEqualsIgnoreCase``.

Operators are case-insensitive here as in :func:`parse_operator`. An
operator the catalog does not know (IAM1xx reports it) keeps the written
base name, and counts as negated when it is spelt like one.

Values: :func:`has_variable` (a policy variable such as ``${aws:username}``,
filled in per request) and :func:`has_wildcard`.

Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from iamlint.iam.wildcard import has_wildcard  # a value's wildcards, for an operator that expands them
from iamlint.knowledge.operators import Operator, parse_operator
from iamlint.model.policy import Condition

__all__ = [
    "OperatorInfo",
    "complement",
    "has_variable",
    "has_wildcard",
    "null_requires_presence",
    "operator_info",
    "passes_when_absent",
    "true_value",
]

_SPELT_NEGATED = re.compile(r"Not(Equals|Like|IpAddress)", re.IGNORECASE)
_WILDCARD_OPERATORS = frozenset({"StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"})


class OperatorInfo(NamedTuple):
    """A condition operator as IAM reads it (see the module docstring)."""

    text: str  # as written, "ForAnyValue:StringLikeIfExists"
    base: str  # canonical base name, "StringLike" (as written when unknown)
    family: str  # String | Numeric | Date | Bool | Binary | IpAddress | Arn | Null | "" (unknown)
    qualifier: str  # "ForAllValues" | "ForAnyValue" | ""
    if_exists: bool
    negated: bool
    known: bool  # the catalog knows the base name and the qualifier
    valid: bool = False  # known, and IfExists only where the operator takes it (not ``NullIfExists``)
    spec: Operator | None = None  # the catalog's record (key types accepted), when known

    @property
    def for_all_values(self) -> bool:
        """``ForAllValues:``: true when every request value matches, so also for an absent key."""
        return self.qualifier.lower() == "forallvalues"

    @property
    def for_any_value(self) -> bool:
        """``ForAnyValue:``: true when some request value matches, so false for an absent key."""
        return self.qualifier.lower() == "foranyvalue"

    @property
    def unqualified(self) -> str:
        """The operator without its set qualifier, spelt canonically when known:
        ``forallvalues:stringlikeifexists`` -> ``StringLikeIfExists``."""
        return self.base + ("IfExists" if self.if_exists else "")

    @property
    def positive(self) -> str:
        """The base name without its negation: ``StringNotLike`` -> ``StringLike``,
        ``NotIpAddress`` -> ``IpAddress`` (the base itself when not negated)."""
        return self.base.replace("Not", "", 1) if self.negated else self.base

    @property
    def is_null(self) -> bool:
        return self.family == "Null"

    @property
    def wildcards(self) -> bool:
        """The operator expands ``*`` and ``?`` in its values."""
        return self.base in _WILDCARD_OPERATORS

    @property
    def ignore_case(self) -> bool:
        return self.base.endswith("IgnoreCase")


@functools.lru_cache(maxsize=1024)
def operator_info(text: str) -> OperatorInfo:
    """The operator ``text`` (as written in a policy) as an :class:`OperatorInfo`."""
    parsed = parse_operator(text)
    op = parsed.operator
    if op is not None:
        negated = "Not" in op.name
        return OperatorInfo(
            text, op.name, op.family, parsed.qualifier, parsed.if_exists, negated, True, parsed.valid, op
        )
    head, sep, rest = text.partition(":")
    qualifier = head if sep else ""
    base = rest if sep else text
    if_exists = base.lower().endswith("ifexists")
    if if_exists:
        base = base[: -len("IfExists")]
    return OperatorInfo(text, base, "", qualifier, if_exists, bool(_SPELT_NEGATED.search(base)), False)


#: the set qualifier of an operator -> that of its complement (not all -> some not)
_COMPLEMENT_QUALIFIER = {"": "", "ForAllValues": "ForAnyValue", "ForAnyValue": "ForAllValues"}


def complement(info: OperatorInfo) -> str | None:
    """For a negated String, Arn or IP operator, the positive operator (as
    text) that a request carrying the key must meet for ``info`` to be false:
    ``StringNotEquals`` -> ``StringEquals``, ``ForAllValues:StringNotLike`` ->
    ``ForAnyValue:StringLike``; ``...IfExists`` is dropped (the negated test is
    true for a request without the key either way). None for anything else."""
    if not info.known or not info.negated or info.family not in ("String", "Arn", "IpAddress"):
        return None
    qualifier = _COMPLEMENT_QUALIFIER[info.qualifier]
    return f"{qualifier}:{info.positive}" if qualifier else info.positive


def passes_when_absent(info: OperatorInfo) -> bool:
    """Whether the operator is true for a request without the key:
    ``...IfExists`` and ``ForAllValues:`` (true of the empty set). Such a
    condition never pins, restricts or narrows anything on its own."""
    if info.is_null:
        return False
    return info.if_exists or info.for_all_values


def true_value(value: object) -> bool | None:
    """A Bool/Null value as IAM reads it: ``True``/``"true"`` -> True,
    ``False``/``"false"`` -> False (any case), anything else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lower = value.strip().lower()
        if lower == "true":
            return True
        if lower == "false":
            return False
    return None


def null_requires_presence(cond: Condition) -> bool:
    """A ``Null`` condition whose values are all ``false``: the request must carry the key."""
    info = operator_info(cond.operator)
    if not info.is_null or info.if_exists or not cond.values:
        return False
    return all(true_value(v.value) is False for v in cond.values)


def has_variable(text: str) -> bool:
    """Whether a value holds a policy variable (``${aws:username}``), filled in per request."""
    return "${" in text
