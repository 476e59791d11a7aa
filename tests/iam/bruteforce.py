# ruff: noqa: SIM102, SIM103 -- one `if` per rule of the AWS page, on purpose
"""A small, obviously correct IAM evaluator for the property tests of the access model.

Written straight from AWS's "Policy evaluation logic" and "Condition
operators" pages, and deliberately independent of ``iamlint.iam``: its own
wildcard matcher (``re.fullmatch`` over escaped patterns), its own reading of
statements (plain dicts, no model), its own condition evaluation for a
reduced operator set. Slow and simple on purpose.

Decision for one request (one account, identity policies + optional boundary):

1. An explicit Deny that matches, in any policy (boundary included): denied.
2. Otherwise an Allow in the identity policies must match,
3. and, with a boundary, an Allow in the boundary too.
"""

from __future__ import annotations

import functools
import ipaddress
import re

NEGATED = {"StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "NotIpAddress"}
KNOWN = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "IpAddress",
    "NotIpAddress",
    "Bool",
    "Null",
}
VARIABLE_OPERATORS = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                      "StringLike", "StringNotLike", "Bool"}  # fmt: skip


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def pattern_regex(pattern, context, variables, wildcards=True):
    """A regex for the policy string ``pattern``: ``*``/``?`` wildcards (if
    ``wildcards``), ``${key}`` replaced by the context's single value (None
    when there is none), ``${*}``/``${?}``/``${$}`` literal."""
    out = ""
    i = 0
    while i < len(pattern):
        if variables and pattern.startswith("${", i) and "}" in pattern[i:]:
            end = pattern.index("}", i)
            name = pattern[i + 2 : end]
            if name in ("*", "?", "$"):
                out += re.escape(name)
            else:
                values = context.get(name.lower(), [])
                if len(values) != 1:
                    return None
                out += re.escape(values[0])
            i = end + 1
            continue
        c = pattern[i]
        if wildcards and c == "*":
            out += ".*"
        elif wildcards and c == "?":
            out += "."
        else:
            out += re.escape(c)
        i += 1
    return out


@functools.cache
def _plain_regex(pattern, wildcards):
    return pattern_regex(pattern, {}, False, wildcards)


def matches(pattern, text, context=None, variables=False, ignore_case=False, wildcards=True):
    if variables and "${" in pattern:
        rx = pattern_regex(pattern, context or {}, variables, wildcards)
    else:
        rx = _plain_regex(pattern, wildcards)  # the same, without variables: cached
    if rx is None:
        return False
    return re.fullmatch(rx, text, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def parse(operator):
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            return None
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    if base not in KNOWN or (base == "Null" and if_exists):
        return None
    return qualifier, base, if_exists


def compare(base, request_value, policy_value, context, variables):
    """The positive form of ``base``: does one request value match one policy value?"""
    positive = base.replace("Not", "", 1) if base in NEGATED else base
    if positive == "IpAddress":
        try:
            net = ipaddress.ip_network(policy_value, strict=False)
            return ipaddress.ip_address(request_value) in net
        except ValueError:
            return False
    if positive == "Bool":
        rx = pattern_regex(policy_value, context, variables, wildcards=False)
        return rx is not None and re.fullmatch(rx, request_value, re.IGNORECASE) is not None
    like = positive == "StringLike"
    ignore = positive == "StringEqualsIgnoreCase"
    return matches(policy_value, request_value, context, variables, ignore_case=ignore, wildcards=like)


def condition_holds(operator, key, values, context, variables):
    """True/False, or None for an operator this evaluator does not know (the
    statement then never applies)."""
    parsed = parse(operator)
    if parsed is None:
        return None
    qualifier, base, if_exists = parsed
    values = [v if isinstance(v, str) else str(v).lower() for v in as_list(values)]
    request = context.get(key.lower(), [])
    if base == "Null":
        return any((v.lower() == "true" and not request) or (v.lower() == "false" and bool(request)) for v in values)
    if not request:  # the key is absent
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return base in NEGATED
    negated = base in NEGATED

    def single(v):  # the operator applied to one request value
        hit = any(compare(base, v, pv, context, variables) for pv in values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(single(v) for v in request)
    if qualifier == "ForAnyValue":
        return any(single(v) for v in request)
    hit = any(compare(base, v, pv, context, variables) for v in request for pv in values)
    return not hit if negated else hit


def statement_applies(stmt, action, resource, context, variables):
    if "Action" in stmt:
        if not any(matches(p, action, ignore_case=True) for p in as_list(stmt["Action"])):
            return False
    elif "NotAction" in stmt:
        if any(matches(p, action, ignore_case=True) for p in as_list(stmt["NotAction"])):
            return False
    else:
        return False
    if "Resource" in stmt:
        if not any(matches(p, resource, context, variables) for p in as_list(stmt["Resource"])):
            return False
    elif "NotResource" in stmt:
        if any(matches(p, resource, context, variables) for p in as_list(stmt["NotResource"])):
            return False
    for operator, body in stmt.get("Condition", {}).items():
        for key, values in body.items():
            if not condition_holds(operator, key, values, context, variables):
                return False  # False, or None: an unknown operator
    return True


def statements(policy):
    raw = policy.get("Statement", [])
    variables = policy.get("Version") == "2012-10-17"
    return [(s, variables) for s in as_list(raw)]


def any_applies(policies, effect, action, resource, context):
    return any(
        s.get("Effect") == effect and statement_applies(s, action, resource, context, variables)
        for p in policies
        for s, variables in statements(p)
    )


def normalise(context):
    out = {}
    for key, value in (context or {}).items():
        values = value if isinstance(value, list) else [value]
        if values:
            out[key.lower()] = values
    return out


def is_allowed(policies, boundary, action, resource, context):
    """AWS's decision for one request: explicit Deny wins; an Allow is needed; a boundary must allow too."""
    context = normalise(context)
    everything = list(policies) + ([boundary] if boundary is not None else [])
    if any_applies(everything, "Deny", action, resource, context):
        return False
    if not any_applies(policies, "Allow", action, resource, context):
        return False
    if boundary is not None and not any_applies([boundary], "Allow", action, resource, context):
        return False
    return True
