"""Issue 18, acceptance "correctness by construction": the access model agrees
with a brute-force evaluator written from AWS's policy evaluation logic
(tests/iam/bruteforce.py) on random small policy sets over a small universe.

Deterministic (``derandomize=True``, no example database), so CI sees the same
examples every run; each policy set is built by a ``random.Random`` from
one drawn seed (composing strategies cost more than the checks; a failure
prints the whole set).
2,800 policy sets in all, each checked on every request
of the universe (5 actions x 6 resources x 1-3 contexts).
"""

from __future__ import annotations

import copy
import random
from typing import Any

import bruteforce
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlint.iam.access import UNKNOWN, AccessModel
from iamlint.model.policy import Opaque

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:PassRole", "ec2:RunInstances"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "iam:Pass*", "S3:getobject", "ec2:Run?nstances", "s3:*Object"]
RESOURCES = [
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::c/red",
    "arn:aws:s3:::c/x",
    "arn:aws:iam::111122223333:role/r",
    "*",
]
RESOURCE_PATTERNS = [
    *RESOURCES[:-1],
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::c/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::c/${aws:PrincipalTag/team}",
    "arn:aws:iam::*:role/*",
    "arn:aws:s3:::?",
    "arn:aws:s3:::c/${*}",
]

# condition key -> the policy values conditions use on it
STRING_KEYS = {
    "aws:PrincipalTag/team": ["red", "blue", "r*", "RED", "${aws:PrincipalTag/team}", "?ed"],
    "s3:prefix": ["home/", "home/*", "public/*", "*", "${aws:PrincipalTag/team}/*"],
    "aws:TagKeys": ["a", "b", "c", "*"],
    "AWS:principaltag/TEAM": ["red", "blue"],
}
STRING_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "StringLikeIfExists",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringLike",
    "ForAnyValue:StringNotEquals",
    "ForAllValues:StringEquals",
    "ForAllValues:StringNotLike",
    "ForAllValues:StringLikeIfExists",
    "StringEqualz",  # unknown: the statement never applies
]
IP_OPERATORS = ["IpAddress", "NotIpAddress", "NotIpAddressIfExists", "IpAddressIfExists"]
IP_VALUES = ["10.0.0.0/8", "192.168.1.1/32", "192.168.0.0/16", "10.0.0.5"]
BOOL_OPERATORS = ["Bool", "BoolIfExists"]
ALL_KEYS = [*STRING_KEYS, "aws:SourceIp", "aws:SecureTransport", "aws:username"]


def _pick(rnd: random.Random, pool: list[Any]) -> Any:
    return pool[rnd.randrange(len(pool))]


def _values(rnd: random.Random, pool: list[Any]) -> object:
    if rnd.random() < 0.5:
        return _pick(rnd, pool)
    return rnd.sample(pool, rnd.randint(1, min(2, len(pool))))


def _condition(rnd: random.Random) -> tuple[str, str, object]:
    kind = rnd.randrange(6)
    if kind <= 1:
        key = _pick(rnd, list(STRING_KEYS))
        return _pick(rnd, STRING_OPERATORS), key, _values(rnd, STRING_KEYS[key])
    if kind == 2:
        return _pick(rnd, IP_OPERATORS), "aws:SourceIp", _values(rnd, IP_VALUES)
    if kind == 3:
        return _pick(rnd, BOOL_OPERATORS), "aws:SecureTransport", _values(rnd, ["true", "false", True, False])
    return "Null", _pick(rnd, ALL_KEYS), _values(rnd, ["true", "false"])


def _element(rnd: random.Random, pool: list[str]) -> object:
    return _pick(rnd, pool) if rnd.random() < 0.5 else [_pick(rnd, pool) for _ in range(rnd.randint(1, 3))]


def make_statement(rnd: random.Random, allow_only: bool = False) -> dict[str, object]:
    stmt: dict[str, object] = {"Effect": "Allow" if allow_only or rnd.random() < 0.6 else "Deny"}
    stmt["NotAction" if rnd.random() < 0.25 else "Action"] = _element(rnd, ACTION_PATTERNS)
    stmt["NotResource" if rnd.random() < 0.25 else "Resource"] = _element(rnd, RESOURCE_PATTERNS)
    block: dict[str, dict[str, object]] = {}
    for _ in range(rnd.choice([0, 0, 1, 1, 2, 3])):
        operator, key, values = _condition(rnd)
        block.setdefault(operator, {})[key] = values
    if block:
        stmt["Condition"] = block
    return stmt


def make_policy(rnd: random.Random, allow_only: bool = False) -> dict[str, object]:
    body = [make_statement(rnd, allow_only) for _ in range(rnd.randint(1, 4))]
    version = "2008-10-17" if rnd.random() < 0.2 else "2012-10-17"
    return {"Version": version, "Statement": body if len(body) > 1 or rnd.random() < 0.5 else body[0]}


def make_policy_set(rnd: random.Random) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    identity = [make_policy(rnd) for _ in range(rnd.randint(1, 4))]
    roll = rnd.random()
    boundary = None if roll < 0.5 else make_policy(rnd, allow_only=roll < 0.8)
    return identity, boundary


CONTEXT_POOLS: list[tuple[str, list[object]]] = [
    ("aws:SourceIp", ["10.0.0.5", "192.168.1.1", "172.16.0.1"]),
    ("aws:PrincipalTag/team", ["red", "blue", "Red"]),
    ("s3:prefix", ["home/", "public/x", "red/y"]),
    ("aws:TagKeys", [[], ["a"], ["a", "b"], ["c"]]),
    ("aws:SecureTransport", ["true", "false"]),
    ("aws:username", ["alice"]),
]


def make_context(rnd: random.Random) -> dict[str, object]:
    ctx: dict[str, object] = {}
    for name, pool in CONTEXT_POOLS:
        if rnd.random() < 0.5:
            ctx[_pick(rnd, [name, name.lower(), name.upper()])] = _pick(rnd, pool)
    return ctx


def _profile(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@_profile(1800)
@given(st.integers(0, 2**32))
def test_model_agrees_with_brute_force_on_every_request(seed: int) -> None:
    rnd = random.Random(seed)
    identity, boundary = make_policy_set(rnd)
    ctxs = [make_context(rnd) for _ in range(rnd.randint(1, 3))]
    model = AccessModel(identity, boundary)
    for ctx in ctxs:
        for action in ACTIONS:
            for resource in RESOURCES:
                expected = bruteforce.is_allowed(identity, boundary, action, resource, ctx)
                got = model.allows(action, resource, ctx)
                assert got is expected, (action, resource, ctx, identity, boundary, got)


@_profile(600)
@given(st.integers(0, 2**32))
def test_without_a_context_definitely_and_possibly_bound_every_context(seed: int) -> None:
    """Without a context, ``definitely`` implies allowed in every context and
    allowed in some context implies ``possibly``."""
    rnd = random.Random(seed)
    identity, boundary = make_policy_set(rnd)
    ctxs = [make_context(rnd) for _ in range(3)]
    model = AccessModel(identity, boundary)
    for action in ACTIONS:
        for resource in RESOURCES:
            answers = [bruteforce.is_allowed(identity, boundary, action, resource, ctx) for ctx in ctxs]
            if model.definitely(action, resource):
                assert all(answers), (action, resource, ctxs, identity, boundary)
            if any(answers):
                assert model.possibly(action, resource), (action, resource, ctxs, identity, boundary)


def _slots(identity: list[dict[str, Any]]) -> list[tuple[list[Any], Any, list[object]]]:
    """(container, index or key, pool of concrete values) for every value an
    IaC source could leave unresolved: an Effect, an action, a resource, a condition value."""
    out: list[tuple[list[Any], Any, list[object]]] = []
    for pol in identity:
        body = pol["Statement"]
        for stmt in body if isinstance(body, list) else [body]:
            out.append((stmt, "Effect", ["Allow", "Deny"]))
            for key, pool in (("Action", ACTION_PATTERNS), ("NotAction", ACTION_PATTERNS),
                              ("Resource", RESOURCE_PATTERNS), ("NotResource", RESOURCE_PATTERNS)):  # fmt: skip
                if isinstance(stmt.get(key), list):
                    out.extend((stmt[key], i, pool) for i in range(len(stmt[key])))
                elif key in stmt:
                    out.append((stmt, key, pool))
            for body_ in stmt.get("Condition", {}).values():
                for key, values in body_.items():
                    pool = STRING_KEYS.get(key, IP_VALUES if key == "aws:SourceIp" else ["true", "false"])
                    if isinstance(values, list):
                        out.extend((values, i, pool) for i in range(len(values)))
                    else:
                        out.append((body_, key, pool))
    return out


@_profile(400)
@given(st.integers(0, 2**32))
def test_an_unresolved_value_is_never_a_wildcard_nor_a_specific_value(seed: int) -> None:
    """Replace one value by Opaque: where the model still answers True or
    False, that is the answer for every value the slot could hold."""
    rnd = random.Random(seed)
    identity, boundary = make_policy_set(rnd)
    slots = _slots(identity)
    container, where, pool = _pick(rnd, slots)
    container[where] = Opaque("${var.x}")
    ctxs = [make_context(rnd) for _ in range(2)]
    model = AccessModel(copy.deepcopy(identity), boundary)
    answers = {(a, r, i): model.allows(a, r, c) for a in ACTIONS for r in RESOURCES for i, c in enumerate(ctxs)}
    for concrete in rnd.sample(pool, min(3, len(pool))):
        container[where] = concrete
        for (action, resource, i), got in answers.items():
            if got is not UNKNOWN:
                expected = bruteforce.is_allowed(identity, boundary, action, resource, ctxs[i])
                assert got is expected, (action, resource, ctxs[i], concrete, identity, boundary)
