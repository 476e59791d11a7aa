"""IAM condition operators: names, qualifiers, and the key and value types each accepts.

An operator as written is ``[ForAllValues:|ForAnyValue:]<Base>[IfExists]``,
e.g. ``ForAnyValue:StringLikeIfExists``. :func:`parse_operator` splits it and
tells whether it exists; :func:`suggest_operator` gives a did-you-mean.

Key types are those of :mod:`iamlint.knowledge.catalog` (``String``,
``Numeric``, ``Date``, ``Bool``, ``IPAddress``, ``ARN``, ``Binary``).
``Operator.accepts`` lists the key types an operator compares correctly and
``Operator.tolerates`` those it compares as text (String operators on ARN
keys: AWS allows them and recommends the Arn operators; on Bool or Numeric
keys the text comparison still works but the typed operator is meant).

Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from typing import NamedTuple

__all__ = [
    "OPERATORS",
    "QUALIFIERS",
    "Operator",
    "ParsedOperator",
    "parse_operator",
    "suggest_operator",
    "value_problem",
]

QUALIFIERS = ("ForAllValues", "ForAnyValue")


class Operator(NamedTuple):
    name: str  # canonical base name, "StringLike"
    family: str  # String | Numeric | Date | Bool | Binary | IpAddress | Arn | Null
    accepts: frozenset[str]  # key types compared as intended
    tolerates: frozenset[str] = frozenset()  # key types compared as text (works, not intended)
    if_exists: bool = True  # whether "...IfExists" is allowed


def _ops(
    family: str,
    names: tuple[str, ...],
    accepts: set[str],
    tolerates: frozenset[str] | set[str] = frozenset(),
    if_exists: bool = True,
) -> dict[str, Operator]:
    return {n.lower(): Operator(n, family, frozenset(accepts), frozenset(tolerates), if_exists) for n in names}


OPERATORS: dict[str, Operator] = {
    **_ops(
        "String",
        (
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ),
        {"String", "ARN"},
        {"Bool", "Numeric", "Date", "IPAddress", "Binary"},
    ),
    **_ops(
        "Numeric",
        (
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ),
        {"Numeric"},
    ),
    **_ops(
        "Date",
        (
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ),
        {"Date"},
    ),
    **_ops("Bool", ("Bool",), {"Bool"}),
    **_ops("Binary", ("BinaryEquals",), {"Binary"}),
    **_ops("IpAddress", ("IpAddress", "NotIpAddress"), {"IPAddress"}),
    # Arn operators on a String key whose values are ARNs (a tag holding an
    # ARN, as AWS managed policies do with aws:RequestTag/AmazonECSCreated)
    # work, so String keys are accepted too.
    **_ops("Arn", ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"), {"ARN", "String"}),
    # Null tests presence and works with every key; AWS allows IfExists on
    # every operator except Null.
    **_ops("Null", ("Null",), {"String", "Numeric", "Date", "Bool", "Binary", "IPAddress", "ARN"}, if_exists=False),
}


class ParsedOperator(NamedTuple):
    text: str  # as written
    qualifier: str  # "ForAllValues" | "ForAnyValue" | ""
    operator: Operator | None  # None when the base name is unknown
    if_exists: bool

    @property
    def valid(self) -> bool:
        return self.operator is not None and (not self.if_exists or self.operator.if_exists)

    @property
    def canonical(self) -> str:
        """The operator spelt canonically (only meaningful when valid)."""
        base = self.operator.name if self.operator else "?"
        return (f"{self.qualifier}:" if self.qualifier else "") + base + ("IfExists" if self.if_exists else "")


@functools.lru_cache(maxsize=1024)
def parse_operator(text: str) -> ParsedOperator:
    """Split ``ForAnyValue:StringLikeIfExists`` into its parts (case-insensitive)."""
    qualifier = ""
    rest = text
    head, sep, tail = text.partition(":")
    if sep:
        for q in QUALIFIERS:
            if head.lower() == q.lower():
                qualifier, rest = q, tail
                break
        else:
            return ParsedOperator(text, "", None, False)
    lower = rest.lower()
    op = OPERATORS.get(lower)
    if op is not None:
        return ParsedOperator(text, qualifier, op, False)
    if lower.endswith("ifexists"):
        op = OPERATORS.get(lower[: -len("ifexists")])
        if op is not None:
            return ParsedOperator(text, qualifier, op, True)
    return ParsedOperator(text, qualifier, None, False)


@functools.cache
def _all_spellings() -> dict[str, str]:
    out = {}
    for op in OPERATORS.values():
        names = [op.name] + ([op.name + "IfExists"] if op.if_exists else [])
        for name in names:
            for prefix in ("", *(q + ":" for q in QUALIFIERS)):
                out[(prefix + name).lower()] = prefix + name
    return out


def suggest_operator(text: str) -> str | None:
    """Did-you-mean for an unknown operator: ``StringEqual`` -> ``StringEquals``."""
    spellings = _all_spellings()
    lower = text.lower()
    if lower.endswith("ifexists") and lower[: -len("ifexists")] in spellings:
        return spellings[lower[: -len("ifexists")]]  # NullIfExists -> Null
    close = difflib.get_close_matches(lower, spellings.keys(), n=1, cutoff=0.75)
    return spellings[close[0]] if close else None


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[-+]\d{2}(:?\d{2})?)?)?$"
)
_EPOCH = re.compile(r"^\d+$")
_ARN_VALUE = re.compile(r"^(arn:|[*?]|\$\{)", re.IGNORECASE)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
        return True
    except ValueError:
        return False


def value_problem(family: str, value: object) -> str | None:
    """Why ``value`` cannot be read by an operator of ``family``; None if it can.

    Values holding a policy variable (``${...}``) are not judged.
    """
    if isinstance(value, str) and "${" in value:
        return None
    if family in ("Bool", "Null"):
        if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
            return None
        return 'is not "true" or "false"'
    if family == "Numeric":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and _NUMBER.match(value):
            return None
        return "is not a number"
    if family == "Date":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and (_DATE.match(value.strip()) or _EPOCH.match(value.strip())):
            return None
        return "is not an ISO 8601 date (2025-01-31T00:00:00Z) or epoch seconds"
    if family == "IpAddress":
        if isinstance(value, str) and _is_ip(value):
            return None
        return "is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32)"
    if family == "Arn":
        if isinstance(value, str) and _ARN_VALUE.match(value):
            return None
        return "is not an ARN (arn:partition:service:region:account:resource)"
    return None
