"""Issue 18, "correctness by construction" for what the rules conclude: the
rules ask :class:`iamlint.analysis.permissions.Permissions`, so it must agree
with the brute-force evaluator (tests/iam/bruteforce.py) on the random policy
sets of test_access_property.py, in the sense each question is meant.

What ``Permissions`` claims, precisely (identity policies only: it has no
boundary, so the boundary of a drawn set is left out):

* **may-allow.** ``allows_action(a, r)`` is True iff some request context
  exists in which an Allow statement applies to ``a`` on ``r`` and no
  *unconditional* Deny applies. A conditional Allow counts (its conditions
  may hold); a conditional Deny does not remove (it may not apply); an Allow
  whose conditions no request for ``a`` can meet does not count. "A request
  context" is one ``a``'s requests can carry: ``s3:prefix`` only comes with
  ``s3:ListBucket`` (the Service Authorization Reference), global keys
  (``aws:*``) with any action. The oracle finds the context by enumerating,
  per statement, values of the keys its conditions test (the keys are
  independent but for ``aws:PrincipalTag/team``, which policy variables read).
* ``r`` concrete: that resource. ``r="*"``: every resource, read as the
  literal resource ``*``, which only all-wildcard ``Resource`` values and
  ``NotResource`` match. ``r=None``: some resource the action can act on (its
  resource types in the universe below), or the literal ``*``: Permissions
  counts a Deny only when it covers every resource (or the one asked about),
  so ``Deny arn:aws:s3:::*`` does not remove ``s3:GetObject`` on "some
  resource" -- a documented over-approximation, never an under-one.
* a Deny removes where it applies whatever the request: a ``Resource``
  value with a policy variable covers resources that depend on the request,
  so it removes nothing for sure (a Deny and an Allow both on
  ``c/${aws:PrincipalTag/team}`` are read as may-allow), a ``NotResource``
  one spares what any value of the variable names.
* ``denied(a, r)`` is True iff an unconditional Deny applies to ``a`` on ``r``
  (``r=None``: on the literal ``*``) in every context; hence it implies "every
  context denies", and equals it when no Deny has a condition.
* ``escalation_methods()`` names the same methods as
  :meth:`AccessModel.reachable_escalations` (``definitely=False``), on
  random policies over a small universe of escalation actions (see
  :func:`test_escalation_methods_agree_with_the_access_model`).

Deterministic (``derandomize=True``, no example database).
"""

from __future__ import annotations

import functools
import json
import random
from typing import Any

import bruteforce
from hypothesis import given
from hypothesis import strategies as st
from test_access_property import ACTIONS, _condition, _element, _profile, make_policy_set

from iamlint.analysis.permissions import Permissions
from iamlint.iam.access import AccessModel
from iamlint.model.policy import Policy

#: objects no policy of the universe names but through a wildcard or a
#: variable: the object literally named ``*`` (``c/${*}``), ``c/<team>`` for
#: every team value, and see below
OTHER = [
    "arn:aws:s3:::b/zz",
    "arn:aws:s3:::zz/y",
    "arn:aws:s3:::c/*",
    "arn:aws:s3:::/",
    "arn:aws:s3:::c/zz",
    "arn:aws:s3:::c/RED",
    "arn:aws:s3:::c/r*",
    "arn:aws:s3:::c/?ed",
    "arn:aws:s3:::c/${aws:PrincipalTag/team}",
]
#: the resources each action of the universe acts on (its resource types).
#: ``arn:aws:s3:::/`` (an empty bucket name and key) stands for an
#: over-approximation of the scope test (iamlint.knowledge.arns reads a
#: catalog placeholder as possibly empty, so ``arn:aws:s3:::?`` may name an
#: object): it only widens what "some resource" an Allow reaches.
TYPED: dict[str, list[str]] = {
    "s3:GetObject": ["arn:aws:s3:::b/k", "arn:aws:s3:::c/red", "arn:aws:s3:::c/x", "arn:aws:s3:::c/blue", *OTHER],
    "s3:PutObject": ["arn:aws:s3:::b/k", "arn:aws:s3:::c/red", "arn:aws:s3:::c/x", "arn:aws:s3:::c/Red", *OTHER],
    "s3:ListBucket": ["arn:aws:s3:::b", "arn:aws:s3:::c", "arn:aws:s3:::/", "arn:aws:s3:::zz"],
    "iam:PassRole": ["arn:aws:iam::111122223333:role/r"],
    "ec2:RunInstances": ["arn:aws:ec2:us-east-1:111122223333:instance/i-1"],
}
CONCRETE = ["arn:aws:s3:::b", "arn:aws:s3:::b/k", "arn:aws:s3:::c/red", "arn:aws:iam::111122223333:role/r"]
TEAM = "aws:principaltag/team"
#: per (lower-case) condition key, the values a request may carry (None: absent)
CANDIDATES: dict[str, list[object]] = {
    TEAM: [None, "red", "blue", "Red", "RED", "zz", "r*", "?ed", "${aws:PrincipalTag/team}"],
    "s3:prefix": [
        None,
        "home/",
        "home/x",
        "public/x",
        "red/y",
        "blue/y",
        "Red/y",
        "zz",
        "red",
        "blue",
        "home/*",
        "public/*",
        "*",
        "${aws:PrincipalTag/team}/*",
        "r*/y",
    ],
    "aws:tagkeys": [None, ["a"], ["b"], ["c"], ["a", "b"], ["zz"], ["a", "zz"], ["a", "b", "c"], ["*"], ["a", "*"]],
    "aws:sourceip": [None, "10.0.0.5", "10.1.1.1", "192.168.1.1", "192.168.2.2", "172.16.0.1"],
    "aws:securetransport": [None, "true", "false"],
    "aws:username": [None, "alice"],
}


def _carried(action: str, key: str) -> bool:
    """Only ``s3:ListBucket`` of the universe carries ``s3:prefix``; iamlint
    judges S3's keys on S3's actions only (another service's request may carry
    a key on the caller's behalf: see iamlint.iam.applicability), so the
    oracle lets ``iam:PassRole`` and ``ec2:RunInstances`` carry it."""
    return key != "s3:prefix" or action == "s3:ListBucket" or not action.startswith("s3:")


def _conditions(stmt: dict[str, Any]) -> list[tuple[str, str, object]]:
    return [(op, key, values) for op, body in stmt.get("Condition", {}).items() for key, values in body.items()]


@functools.cache
def _needs(frozen: str, variables: bool) -> frozenset[str] | None:
    """The keys the statement's conditions need present, or None when one of
    them can hold for no request. Each condition is judged on its own (with
    every value of the team tag its values may read): Permissions does not
    look for contradictions between conditions (``StringEquals`` and
    ``StringNotEquals`` of one value), so neither does the oracle."""
    needs: set[str] = set()
    for op, key, values in _conditions(json.loads(frozen)):
        lower = key.lower()
        present = absent = False
        for team in CANDIDATES[TEAM]:
            base: dict[str, list[object]] = {} if team is None else {TEAM: [team]}
            for value in CANDIDATES[lower]:
                ctx = dict(base)
                if lower != TEAM:
                    ctx.pop(lower, None)
                    if value is not None:
                        ctx[lower] = value if isinstance(value, list) else [value]
                elif value != team:
                    continue
                if bruteforce.condition_holds(op, key, values, ctx, variables):
                    if lower in ctx:
                        present = True
                    else:
                        absent = True
        if not (present or absent):
            if variables and bruteforce.parse(op) is not None and "${aws:" in json.dumps(values):
                continue  # a value read from the request: Permissions does not evaluate it (may hold)
            return None
        if not absent:
            needs.add(lower)
    return frozenset(needs)


def _statements(policies: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bool]]:
    return [pair for p in policies for pair in bruteforce.statements(p)]


def _applies(stmt: dict[str, Any], variables: bool, action: str, resource: str, team: object) -> bool:
    """The statement's action and resource elements (conditions aside) match, with this team tag."""
    bare = {k: v for k, v in stmt.items() if k != "Condition"}
    ctx = {} if team is None else {TEAM: [team]}
    return bruteforce.statement_applies(bare, action, resource, ctx, variables)


class Oracle:
    def __init__(self, policies: list[dict[str, Any]]) -> None:
        self.allows = []
        self.hard_denies = []
        self.soft_denies = []
        for stmt, variables in _statements(policies):
            if stmt.get("Effect") == "Allow":
                needs = _needs(json.dumps(stmt, sort_keys=True), variables)
                if needs is not None:
                    self.allows.append((stmt, variables, needs))
            elif stmt.get("Effect") == "Deny":
                (self.soft_denies if "Condition" in stmt else self.hard_denies).append((stmt, variables))

    def hard_denied(self, action: str, resource: str) -> bool:
        """An unconditional Deny applies whatever the request's team tag (which its policy variables read)."""
        return any(all(_applies(s, v, action, resource, t) for t in CANDIDATES[TEAM]) for s, v in self.hard_denies)

    def may_allow(self, action: str, resource: str, deny: bool = True) -> bool:
        for stmt, variables, needs in self.allows:
            if not all(_carried(action, k) for k in needs):
                continue
            for team in CANDIDATES[TEAM]:
                if _applies(stmt, variables, action, resource, team) and not (
                    deny and self.hard_denied(action, resource)
                ):
                    return True
        return False

    def allows_action(self, action: str, resource: str | None) -> bool:
        if resource is not None:
            return self.may_allow(action, resource)
        return self.allowed_somewhere(action)

    def allowed_somewhere(self, action: str) -> bool:
        """AWS's answer: some request (a resource the action acts on, or the
        literal ``*``; a team tag) that an Allow applies to and no unconditional Deny."""
        for stmt, variables, needs in self.allows:
            if not all(_carried(action, k) for k in needs):
                continue
            for team in CANDIDATES[TEAM]:
                for r in [*TYPED[action], "*"]:
                    if _applies(stmt, variables, action, r, team) and not any(
                        _applies(d, v, action, r, team) for d, v in self.hard_denies
                    ):
                        return True
        return False

    def not_denied_everywhere(self, action: str) -> bool:
        """The upper bound Permissions keeps to: an Allow applies somewhere,
        and no single unconditional Deny covers every resource of the action."""
        if self.denied_everywhere(action):
            return False
        return any(self.may_allow(action, r, deny=False) for r in [*TYPED[action], "*"])

    def denied_everywhere(self, action: str) -> bool:
        """One unconditional Deny applies on every resource the action acts on, and on ``*``, in every context."""
        return any(
            all(_applies(s, v, action, r, t) for r in [*TYPED[action], "*"] for t in CANDIDATES[TEAM])
            for s, v in self.hard_denies
        )

    def every_context_denies(self, action: str, resource: str) -> bool:
        return self.hard_denied(action, resource)

    def conditional_denies(self) -> bool:
        return bool(self.soft_denies)


def _check(identity: list[dict[str, Any]]) -> None:
    perms = Permissions([Policy(p) for p in identity])
    oracle = Oracle(identity)
    for action in ACTIONS:
        for resource in [None, "*", *CONCRETE]:
            got = perms.allows_action(action, resource)
            if resource is None:
                # between AWS's answer and the one-Deny-at-a-time upper bound
                if oracle.allowed_somewhere(action):
                    assert got, ("allows_action misses", action, resource, identity)
                if got:
                    assert oracle.not_denied_everywhere(action), ("allows_action", action, resource, identity)
            else:
                expected = oracle.allows_action(action, resource)
                assert got is expected, ("allows_action", action, resource, identity)
            targets = [*TYPED[action], "*"] if resource is None else [resource]
            denied = perms.denied(action, resource)
            if denied:
                assert all(oracle.every_context_denies(action, t) for t in targets), ("denied", action, resource)
            elif not oracle.conditional_denies() and len(targets) == 1:
                # no conditional Deny: what no unconditional Deny covers is allowed in some context
                assert not oracle.every_context_denies(action, targets[0]), ("not denied", action, resource)


@_profile(1200)
@given(st.integers(0, 2**32))
def test_permissions_agree_with_brute_force(seed: int) -> None:
    rnd = random.Random(seed)
    identity, _boundary = make_policy_set(rnd)
    _check(identity)


ESCALATION_ACTIONS = ["iam:PassRole", "ec2:RunInstances", "iam:AttachRolePolicy", "iam:CreateAccessKey",
                      "sts:AssumeRole", "iam:UpdateAssumeRolePolicy", "lambda:CreateFunction",
                      "lambda:InvokeFunction", "iam:Pass*", "lambda:*", "iam:*Role*"]  # fmt: skip
#: (a ``*`` account would let ``role/*`` name a user: iamlint.knowledge.arns
#: lets a wildcard span the colon into the name, which IAM names cannot hold)
ESCALATION_RESOURCES = ["*", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/r",
                        "arn:aws:iam::111122223333:user/*", "arn:aws:lambda:us-east-1:111122223333:function:*",
                        "arn:aws:s3:::b/*"]  # fmt: skip


def _mixed(stmt: dict[str, Any]) -> bool:
    values = stmt.get("Resource")
    return isinstance(values, list) and len({v.endswith("*") for v in values}) > 1


def make_escalation_statement(rnd: random.Random) -> dict[str, object]:
    stmt: dict[str, object] = {"Effect": "Allow" if rnd.random() < 0.75 else "Deny"}
    stmt["NotAction" if rnd.random() < 0.1 else "Action"] = _element(rnd, ESCALATION_ACTIONS)
    stmt["NotResource" if rnd.random() < 0.15 else "Resource"] = _element(rnd, ESCALATION_RESOURCES)
    if rnd.random() < 0.3:
        operator, key, values = _condition(rnd)
        stmt["Condition"] = {operator: {key: values}}
    return stmt


@_profile(600)
@given(st.integers(0, 2**32))
def test_escalation_methods_agree_with_the_access_model(seed: int) -> None:
    """``escalation_methods()`` names the methods
    :meth:`AccessModel.reachable_escalations` (``definitely=False``) reaches,
    on policies over escalation actions. Permissions weighs one Deny at a
    time: two Denies that only together cover what an Allow grants
    (``NotResource role/*`` and ``Resource role/*``) do not remove it, so
    with several Deny statements it may name more methods, never fewer.
    (A ``Resource`` mixing broad and specific values: see below.)"""
    rnd = random.Random(seed)
    identity = [
        {"Version": "2012-10-17", "Statement": [make_escalation_statement(rnd) for _ in range(rnd.randint(1, 4))]}
        for _ in range(rnd.randint(1, 3))
    ]
    methods = {m.method.id for m in Permissions([Policy(p) for p in identity]).escalation_methods()}
    reached = {r.method.id for r in AccessModel(identity).reachable_escalations(definitely=False)}
    denies = sum(stmt.get("Effect") == "Deny" for p in identity for stmt in p["Statement"])
    if any(_mixed(stmt) for p in identity for stmt in p["Statement"]):
        # Permissions reads a Resource mixing broad and specific values as not
        # broad (statement_has_broad_resource); AccessModel tries each value,
        # so it reaches iam-attach-role-policy on [role/app, role/*]
        if denies == 0:
            assert methods <= reached, (methods - reached, identity)
    elif denies <= 1:
        assert methods == reached, (methods - reached, reached - methods, identity)
    else:
        assert reached <= methods, (reached - methods, identity)
