"""A policy ``Condition`` block evaluated against a concrete request context.

The request context is a mapping of condition key to a string (single-valued
key) or a list of strings (multivalued key, ``aws:TagKeys``). Keys are
case-insensitive, as in IAM; an empty list is the same as an absent key.
:func:`normalise_context` turns any such mapping into a :data:`Context`
once; every function here accepts either form.

The result is three-valued: ``True``, ``False`` or :data:`UNKNOWN` when the
answer depends on a value an IaC source could not resolve
(:class:`~iamlint.model.policy.Opaque`): unknown is never a wildcard and
never a specific value. ``And`` and ``or`` are Kleene's (``False and
UNKNOWN`` is ``False``, ``True or UNKNOWN`` is ``True``).

Semantics, from AWS's "IAM JSON policy elements: Condition operators",
"Condition", "Single-valued vs. multivalued context keys" and "Variables and
tags" pages:

- All operators of a block, and all keys of one operator, must hold (AND);
  the values listed for one key are alternatives (OR); for a negated
  operator (``StringNotEquals``, ``StringNotEqualsIgnoreCase``,
  ``StringNotLike``, ``NumericNotEquals``, ``DateNotEquals``,
  ``NotIpAddress``, ``ArnNotEquals``, ``ArnNotLike``) the value must match
  none of them (NOR).
- A key absent from the request: the condition is false, except that it is
  true for a negated operator ("If the policy condition requires that the key
  is not matched ... and the right key is not present, the condition is
  true") and for every ``...IfExists`` operator.
- ``Null``: ``"true"`` holds when the key is absent, ``"false"`` when it is
  present (values compared case-insensitively; any other value holds never).
  A set qualifier on ``Null`` is ignored.
- ``ForAllValues:`` holds when every request value matches (the base
  operator, negated or not, applied to that one value), so it holds for an
  absent key or an empty set; ``ForAnyValue:`` holds when at least one does,
  so it is false for an absent key (unless ``...IfExists``).
- ``String*`` compare case-sensitively (``...IgnoreCase``: case-folded);
  ``StringLike`` / ``StringNotLike`` know ``*`` and ``?``; the others take
  them literally. ``Arn*`` (``ArnEquals`` and ``ArnLike`` alike) compare
  each of the six colon-separated parts with ``*`` and ``?``, case-sensitively.
  ``Numeric*`` compare numbers, ``Date*`` instants (ISO 8601, a date alone is
  its midnight UTC, or epoch seconds), ``Bool`` ``true``/``false``
  case-insensitively, ``BinaryEquals`` the base64-decoded bytes,
  ``IpAddress`` an address against a CIDR range (or one address). A value
  that cannot be read as the operator's type matches nothing (a negated
  operator then holds).
- Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``) are
  replaced in ``String*``, ``Arn*`` and ``Bool`` values when the policy's
  ``Version`` is ``2012-10-17`` (``variables=True``), by the request's value
  of the key; ``${key, 'default'}`` gives a default (``''`` is a quote in
  it); ``${*}``, ``${?}`` and ``${$}`` are the literal characters. A
  variable whose key is absent or multivalued, without a default, leaves the
  policy value with no value: it matches nothing ("there is no equal or like
  value"), so a positive operator does not hold on it and a negated one is
  not stopped by it. ``Numeric``, ``Date``, ``IpAddress`` and ``Binary``
  values do not take variables: ``${...}`` there is text, which matches
  nothing.

Choices where AWS documents nothing, or rejects the policy:

- A plain operator on a multivalued key (AWS says not to write one): a
  positive operator holds when some request value matches, a negated one
  when none does -- the negation of the positive operator, as for one value.
- An ``Arn*`` policy value with fewer than six parts (``"*"``) is matched
  against the whole request value.
- ``ForAnyValue:`` with a negated operator on an absent key is false, like
  every ``ForAnyValue:`` (the set is empty, so no value matches).
- An unknown operator (``StringEqual``, ``NullIfExists``, an unknown set
  qualifier): AWS refuses such a policy (MalformedPolicyDocument), so it
  never takes effect; here the statement it is in never matches
  (:func:`evaluate_block` is ``False``, for an Allow and for a Deny alike).
  A block, operator body or value of the wrong JSON shape is treated the
  same way; an :class:`Opaque` block, body or key is :data:`UNKNOWN`.

Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeAlias

from iamlint.iam import arn
from iamlint.iam.conditions import operator_info
from iamlint.knowledge import globs
from iamlint.model.policy import Opaque, Statement

__all__ = [
    "UNKNOWN",
    "Context",
    "Tri",
    "Unknown",
    "block_is_valid",
    "evaluate_block",
    "evaluate_condition",
    "evaluate_statement",
    "normalise_context",
    "substitute_glob",
    "substitute_text",
    "tri_and",
    "tri_not",
    "tri_or",
    "uses_variables",
]


class Unknown:
    """The third truth value: the answer depends on an unresolved value.

    It has no truth value of its own (``bool(UNKNOWN)`` raises), so that no
    caller mistakes it for ``True`` or ``False``; compare with ``is``.
    """

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value: compare with `is True` / `is False`")


UNKNOWN = Unknown()
Tri: TypeAlias = bool | Unknown

#: a normalised request context: lower-case key -> its values (never empty)
Context = Mapping[str, tuple[str, ...]]


def tri_not(value: Tri) -> Tri:
    return value if value is UNKNOWN else not value


def tri_and(values: Iterable[Tri]) -> Tri:
    out: Tri = True
    for v in values:
        if v is False:
            return False
        if v is UNKNOWN:
            out = UNKNOWN
    return out


def tri_or(values: Iterable[Tri]) -> Tri:
    out: Tri = False
    for v in values:
        if v is True:
            return True
        if v is UNKNOWN:
            out = UNKNOWN
    return out


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


class _Normalised(dict[str, tuple[str, ...]]):
    """A context :func:`normalise_context` built (not normalised again)."""


def normalise_context(context: Mapping[Any, Any] | None) -> dict[str, tuple[str, ...]]:
    """Lower-case keys; a string becomes a one-value tuple, a list a tuple (an
    empty list: the key is absent). Values that are not text are written as
    JSON writes them (``True`` -> ``"true"``, ``5`` -> ``"5"``); others are dropped."""
    out: dict[str, tuple[str, ...]] = _Normalised()
    if not context:
        return out
    for key, raw in context.items():
        if not isinstance(key, str):
            continue
        items = raw if isinstance(raw, (list, tuple)) else (raw,)
        values = tuple(t for t in (_text(v) for v in items) if t is not None)
        if values:
            out[key.lower()] = values
    return out


def _as_context(context: Mapping[Any, Any] | None) -> Context:
    if isinstance(context, _Normalised):
        return context
    return normalise_context(context)


# --------------------------------------------------------------------------
# Policy variables
# --------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]*?)\s*,\s*'((?:[^']|'')*)'\s*$")


@functools.lru_cache(maxsize=4096)
def _split_variables(value: str) -> tuple[tuple[str, str, str | None], ...]:
    """``value`` cut into pieces: ("text", chars, None), ("char", c, None) for
    ``${*}``/``${?}``/``${$}``, ("var", key_lower, default or None)."""
    out: list[tuple[str, str, str | None]] = []
    pos = 0
    for m in _VARIABLE.finditer(value):
        if m.start() > pos:
            out.append(("text", value[pos : m.start()], None))
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            out.append(("char", inner, None))
        else:
            d = _DEFAULT.match(inner)
            if d:
                out.append(("var", d.group(1).lower(), d.group(2).replace("''", "'")))
            else:
                out.append(("var", inner.strip().lower(), None))
        pos = m.end()
    if pos < len(value):
        out.append(("text", value[pos:], None))
    return tuple(out)


def _variable_value(context: Context, key: str, default: str | None) -> str | None:
    values = context.get(key)
    if values is not None and len(values) == 1:
        return values[0]
    return default  # absent or multivalued: no value, unless a default


def substitute_text(value: str, context: Context | None, variables: bool = True) -> str | None:
    """``value`` with its policy variables replaced (for an operator without
    wildcards); None when a variable has no value. With ``context=None``
    variables stay as written."""
    if not variables or "${" not in value or context is None:
        return value
    parts = []
    for kind, text, default in _split_variables(value):
        if kind == "var":
            resolved = _variable_value(context, text, default)
            if resolved is None:
                return None
            parts.append(resolved)
        else:
            parts.append(text)
    return "".join(parts)


def substitute_glob(value: str, context: Context | None, variables: bool = True) -> tuple[str, ...] | None:
    """``value`` as glob tokens (:func:`iamlint.knowledge.globs.tokens_of`),
    its variables replaced by literal text and ``${*}`` / ``${?}`` literal;
    None when a variable has no value. With ``context=None`` a variable is
    left as one ``*`` (it could be anything): callers that do so must treat a
    match as possible only."""
    if not variables or "${" not in value:
        return globs.tokens_of(value)
    tokens: list[str] = []
    for kind, text, default in _split_variables(value):
        if kind == "text":
            tokens.extend(globs.tokens_of(text))
        elif kind == "char":
            tokens.append(text)  # a literal '*', '?' or '$'
        elif context is None:
            tokens.append(globs.STAR)
        else:
            resolved = _variable_value(context, text, default)
            if resolved is None:
                return None
            tokens.extend(resolved)  # literal characters
    return tuple(tokens)


def _tokens_match(tokens: tuple[str, ...], text: str) -> bool:
    if not any(t in (globs.STAR, globs.ANY) for t in tokens):
        return "".join(tokens) == text
    return globs.compile_tokens(tokens).fullmatch(text) is not None


# --------------------------------------------------------------------------
# Typed comparisons
# --------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[-+]\d{2}(?::?\d{2})?)?)?$"
)
_EPOCH = re.compile(r"^\d+$")


@functools.lru_cache(maxsize=4096)
def _number(text: str) -> float | None:
    return float(text) if _NUMBER.match(text) else None


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date or date-time, or of epoch seconds."""
    text = text.strip()
    if _EPOCH.match(text):
        return float(text)
    m = _DATE.match(text)
    if not m:
        return None
    year, month, day, hh, mm, ss, frac, zone = m.groups()
    try:
        tz = datetime.timezone.utc
        if zone and zone not in ("Z", "z"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = datetime.timezone(sign * offset)
        when = datetime.datetime(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=tz)
    except ValueError:
        return None
    return when.timestamp() + (float("0." + frac) if frac else 0.0)


@functools.lru_cache(maxsize=1024)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        net = _network(text)  # a request value written as a /32 range
        return net.network_address if net is not None and net.num_addresses == 1 else None


def _binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_COMPARE = {
    "equals": lambda a, b: a == b,
    "lessthan": lambda a, b: a < b,
    "lessthanequals": lambda a, b: a <= b,
    "greaterthan": lambda a, b: a > b,
    "greaterthanequals": lambda a, b: a >= b,
}


class _Op(NamedTuple):
    family: str  # String | Numeric | Date | Bool | Binary | IpAddress | Arn | Null
    positive: str  # the positive base name, lower-case: "stringlike"
    negated: bool
    qualifier: str  # "" | "forallvalues" | "foranyvalue"
    if_exists: bool


@functools.lru_cache(maxsize=1024)
def _parse(operator: str) -> _Op | None:
    info = operator_info(operator)
    if not info.valid:
        return None
    return _Op(info.family, info.positive.lower(), info.negated, info.qualifier.lower(), info.if_exists)


def _value_matcher(op: _Op, raw: object, context: Context, variables: bool) -> Any:
    """A predicate on one request value for the policy value ``raw``: a
    function str -> bool, ``UNKNOWN`` (an Opaque value) or None (matches nothing)."""
    if isinstance(raw, Opaque):
        return UNKNOWN
    text = _text(raw)
    if text is None:
        return None
    family, positive = op.family, op.positive
    if family == "String":
        if positive == "stringlike":
            tokens = substitute_glob(text, context, variables)
            if tokens is None:
                return None
            return lambda v: _tokens_match(tokens, v)
        resolved = substitute_text(text, context, variables)
        if resolved is None:
            return None
        if positive == "stringequalsignorecase":
            folded = resolved.lower()
            return lambda v: v.lower() == folded
        return lambda v: v == resolved
    if family == "Arn":
        tokens = substitute_glob(text, context, variables)
        if tokens is None:
            return None
        pieces: list[tuple[str, ...]] = [()]
        for t in tokens:
            if t == ":" and len(pieces) < 6:
                pieces.append(())
            else:
                pieces[-1] += (t,)
        if len(pieces) < 6:
            return lambda v: _tokens_match(tokens, v)  # "*": the whole value
        return lambda v: (
            (parts := arn.fields(v)) is not None
            and all(_tokens_match(p, s) for p, s in zip(pieces, parts, strict=True))
        )
    if family == "Bool":
        resolved = substitute_text(text, context, variables)
        if resolved is None:
            return None
        folded = resolved.lower()
        return lambda v: v.lower() == folded
    if family == "Numeric" or family == "Date":
        read = _number if family == "Numeric" else _date
        bound = read(text)
        if bound is None:
            return None
        cmp = _COMPARE[positive[len(family) :]]
        return lambda v: (x := read(v)) is not None and cmp(x, bound)
    if family == "IpAddress":
        net = _network(text)
        if net is None:
            return None
        return lambda v: (a := _address(v)) is not None and a.version == net.version and a in net
    if family == "Binary":
        data = _binary(text)
        return lambda v: (data is not None and _binary(v) == data) or v == text
    return None


def _values_of(raw: object) -> Sequence[object] | Unknown:
    if isinstance(raw, Opaque):
        return UNKNOWN
    return raw if isinstance(raw, list) else [raw]


def evaluate_condition(
    operator: str, key: str, values: object, context: Mapping[Any, Any] | None, *, variables: bool = True
) -> Tri:
    """One ``operator: {key: values}`` entry against the request context."""
    op = _parse(operator) if isinstance(operator, str) else None
    if op is None:
        return UNKNOWN if isinstance(operator, Opaque) else False
    if not isinstance(key, str):
        return UNKNOWN if isinstance(key, Opaque) else False
    ctx = _as_context(context)
    present = ctx.get(key.lower())
    listed = _values_of(values)
    if op.family == "Null":
        if isinstance(listed, Unknown):
            return UNKNOWN
        outcomes: list[Tri] = []
        for raw in listed:
            text = _text(raw)
            if isinstance(raw, Opaque):
                outcomes.append(UNKNOWN)
            elif text is not None and text.lower() in ("true", "false"):
                outcomes.append((text.lower() == "true") == (present is None))
        return tri_or(outcomes)
    if present is None:
        if op.if_exists or op.qualifier == "forallvalues":
            return True
        if op.qualifier == "foranyvalue":
            return False
        return op.negated
    if isinstance(listed, Unknown):
        return UNKNOWN
    matchers = [_value_matcher(op, raw, ctx, variables) for raw in listed]
    unknown = any(m is UNKNOWN for m in matchers)
    tests = [m for m in matchers if m is not None and m is not UNKNOWN]

    def positive(v: str) -> Tri:
        if any(t(v) for t in tests):
            return True
        return UNKNOWN if unknown else False

    def one(v: str) -> Tri:
        return tri_not(positive(v)) if op.negated else positive(v)

    if op.qualifier == "forallvalues":
        return tri_and(one(v) for v in present)
    if op.qualifier == "foranyvalue":
        return tri_or(one(v) for v in present)
    any_positive = tri_or(positive(v) for v in present)
    return tri_not(any_positive) if op.negated else any_positive


def evaluate_block(block: object, context: Mapping[Any, Any] | None, *, variables: bool = True) -> Tri:
    """A statement's whole ``Condition`` value against the request context:
    whether the statement's conditions hold (``None``, no block: ``True``)."""
    if block is None:
        return True
    if isinstance(block, Opaque):
        return UNKNOWN
    if not isinstance(block, dict):
        return False
    ctx = _as_context(context)
    out: Tri = True
    for operator, body in block.items():
        if isinstance(body, Opaque):
            # still look at the others: one that is certainly false decides
            if not isinstance(operator, Opaque) and (not isinstance(operator, str) or _parse(operator) is None):
                return False
            out = UNKNOWN
            continue
        if not isinstance(body, dict):
            return False
        for key, values in body.items():
            result = evaluate_condition(operator, key, values, ctx, variables=variables)
            if result is False:
                return False
            if result is UNKNOWN:
                out = UNKNOWN
    return out


def block_is_valid(block: object) -> bool:
    """Whether every operator of the block is known (an Opaque part counts as
    known): a block with an unknown operator never holds, whatever the request."""
    if block is None or isinstance(block, Opaque):
        return True
    if not isinstance(block, dict):
        return False
    for operator, body in block.items():
        if not isinstance(operator, Opaque) and (not isinstance(operator, str) or _parse(operator) is None):
            return False
        if not isinstance(body, (dict, Opaque)):
            return False
    return True


def uses_variables(version: object) -> bool:
    """Whether a policy of this ``Version`` replaces policy variables (only 2012-10-17 does)."""
    return version == "2012-10-17"


def evaluate_statement(stmt: Statement, context: Mapping[Any, Any] | None, *, variables: bool = True) -> Tri:
    """Whether ``stmt``'s conditions hold for the request context."""
    return evaluate_block(stmt.raw.get("Condition"), context, variables=variables)
