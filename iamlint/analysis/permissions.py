"""What a set of permission policies allows: the API rules share.

``Permissions(policies)`` answers "does this allow action X (on resource Y)?"
across every statement of one or more policies (the documents of one role, or
one document), with IAM's semantics:

* actions through the catalog's :class:`~iamlint.knowledge.catalog.ActionSet`
  (wildcards, ``NotAction`` as complement, case-insensitive names);
* resources by wildcard matching (ARNs are case-sensitive), ``NotResource`` as
  complement;
* a Deny never widens access, and removes only what it is certain to
  remove: it has no ``Condition``, covers the action, and covers the
  resource asked about -- ``resource=None`` ("some resource"): a Deny on
  ``*``, a ``NotResource`` Deny sparing none of the action's resource types,
  or Denies containing every pattern the Allow names (glob containment:
  ``Deny role/*`` removes an Allow on ``role/*``); ``"*"`` ("every
  resource"): any Deny covering the literal ``*``, so a ``NotResource`` one
  too. Denies are weighed one at a time. A conditional Deny may not apply
  (a region lock, an MFA requirement ...), so the grant is kept;
* a conditional Allow may allow, unless a condition needs a key the asked
  action never carries (:func:`_lacks_required_key`) or names an operator
  IAM does not know. Statements with values the source could not resolve
  (:class:`~iamlint.model.policy.Opaque`) count only for their known values:
  an unknown value is never a wildcard; a policy variable in ``Resource``
  (``Version`` 2012-10-17) may match any concrete resource.

tests/iam/test_permissions_agree.py checks these claims against a
brute-force evaluator written from AWS's evaluation logic.

Everything is memoised per ``Permissions`` object, and ActionSets are shared
between statements with the same patterns, so asking many questions about one
document never expands ``*`` more than once.

Speed: the rules run over thousands of documents per process, so facts are
computed once and shared. ``Permissions(...)`` primes each Allow statement in
one pass (:func:`_prime`: action/resource strings, star resource,
administrator access, target mask), kept in the statement's :class:`_Facts`
(one per statement, through :meth:`~iamlint.model.policy.Statement.fact`).
The concrete actions the escalation methods and sensitive-action lists name
("targets") get one bit each; which targets a pattern matches is memoised per
spelling, so "which statements grant iam:PassRole" and "can any escalation
method match" are bit tests. Questions about other actions, or about a
specific resource, take the general pattern-matching path; both answer the
same (tests/analysis/test_permissions_fast_paths.py).
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from iamlint.iam import applicability, arn, scope
from iamlint.iam.evaluate import block_is_valid, uses_variables
from iamlint.iam.wildcard import LowerPatterns, is_all_stars, match_arn, match_lower
from iamlint.knowledge import catalog
from iamlint.knowledge.catalog import ActionSet
from iamlint.knowledge.escalation import EscalationMethod, SensitiveAction, privesc_methods, sensitive_actions
from iamlint.model.policy import Policy, Statement

__all__ = [
    "EscalationMatch",
    "EscalationMethod",
    "Permissions",
    "SensitiveAction",
    "action_pointer",
    "action_set",
    "acts_on",
    "allowing_statements",
    "covers_action",
    "escalation_methods",
    "grants_admin",
    "is_broad_resource",
    "is_full_wildcard",
    "is_full_wildcard_pattern",
    "is_read_only",
    "narrowing_conditions",
    "resource_scope",
    "statement_allows",
    "statement_label",
    "supports_resource_level",
]


# --------------------------------------------------------------------------
# Statement-level helpers
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _action_set(patterns: tuple[str, ...], negated: bool) -> ActionSet:
    return ActionSet(patterns, negated)


class _Facts:
    """What the analysis derives from one statement, each computed on first
    use (``None`` until then): one per statement, ``stmt.fact(_Facts)``.

    The string values are read straight from the raw statement (no pointers
    built: this is the hot path)."""

    __slots__ = (
        "action_set",
        "action_strings",
        "broad",
        "full_admin",
        "matcher",
        "narrowing",
        "resource_strings",
        "scope",
        "star_value",
        "target_mask",
    )

    def __init__(self, stmt: Statement) -> None:
        #: the string values of ``Action``/``NotAction``
        self.action_strings: list[str] | None = None
        #: the string values of ``Resource``/``NotResource``
        self.resource_strings: list[str] | None = None
        self.action_set: ActionSet | None = None
        self.matcher: _Matcher | None = None
        self.star_value: bool | None = None
        self.narrowing: list[str] | None = None
        self.broad: bool | None = None
        self.target_mask: int | None = None
        self.full_admin: bool | None = None
        #: :func:`resource_scope` (``_UNSET`` until computed)
        self.scope: tuple[str, ...] | object | None = _UNSET


_UNSET = object()


def action_strings(stmt: Statement) -> list[str]:
    """The string values of ``Action``/``NotAction``."""
    facts = stmt.fact(_Facts)
    cached = facts.action_strings
    if cached is None:
        raw = stmt.raw
        cached = facts.action_strings = _string_values(raw.get("NotAction" if "NotAction" in raw else "Action"))
    return cached


def action_set(stmt: Statement) -> ActionSet:
    """The statement's ``Action``/``NotAction`` as a (shared, memoised) ActionSet.

    Non-string values (unresolved IaC, wrong types) are left out: an unknown
    value is never taken for a wildcard.
    """
    facts = stmt.fact(_Facts)
    cached = facts.action_set
    if cached is None:
        cached = facts.action_set = _action_set(tuple(action_strings(stmt)), stmt.not_action)
    return cached


class _Matcher(LowerPatterns):
    """Cheap concrete-action matching for one statement (no catalog, no
    per-statement regex compilation: per-pattern regexes are shared);
    ``NotAction`` complements."""

    __slots__ = ("negated",)

    def __init__(self, stmt: Statement) -> None:
        super().__init__(p.lower() for p in action_strings(stmt))
        self.negated = stmt.not_action

    def allows(self, action_lower: str) -> bool:
        return self.matches(action_lower) != self.negated


def _matcher(stmt: Statement) -> _Matcher:
    facts = stmt.fact(_Facts)
    cached = facts.matcher
    if cached is None:
        cached = facts.matcher = _Matcher(stmt)
    return cached


def covers_action(stmt: Statement, action: str) -> bool:
    """Whether the statement's Action/NotAction covers the concrete ``action``
    (effect and resources ignored)."""
    return _matcher(stmt).allows(action.lower())


def is_full_wildcard(stmt: Statement) -> bool:
    """Whether the statement's actions cover every catalogued action."""
    if not stmt.not_action:
        return any(map(is_full_wildcard_pattern, action_strings(stmt)))
    return action_set(stmt).is_full_wildcard


def _named_services(stmt: Statement) -> frozenset[str] | None:
    """Lower-case services an Allow statement's actions can reach; None for any."""
    if stmt.not_action:
        return None
    out = set()
    for pattern in action_strings(stmt):
        service, sep, _ = pattern.lower().partition(":")
        if not sep or "*" in service or "?" in service:
            return None
        out.add(service)
    return frozenset(out)


@functools.lru_cache(maxsize=16384)
def is_full_wildcard_pattern(pattern: str) -> bool:
    """``*``, ``*:*`` and other spellings matching every action (memoised per pattern)."""
    service, sep, action = pattern.partition(":")
    if not sep:
        return is_all_stars(pattern)
    return is_all_stars(service) and is_all_stars(action)


# arn:partition:service:region:account:<resource> whose resource part is only
# a wildcard or "<type>/*" / "<type>:*" (every resource of a type)
_BROAD_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:\*+|[A-Za-z0-9_.-]+[/:]\*+)$")


def is_broad_resource(value: object) -> bool:
    """Whether a ``Resource`` value names every resource (of a type).

    ``"*"``, ``"arn:aws:iam::*:role/*"``, ``"arn:aws:s3:::*"`` are broad;
    ``"arn:aws:iam::*:role/service-role/*"`` and unresolved values are not.
    """
    if not isinstance(value, str):
        return False
    return is_all_stars(value) or _BROAD_ARN.match(value) is not None


def _resource_strings(stmt: Statement) -> list[str]:
    """String values of ``Resource``/``NotResource``."""
    facts = stmt.fact(_Facts)
    cached = facts.resource_strings
    if cached is None:
        raw = stmt.raw
        cached = facts.resource_strings = _string_values(raw.get("NotResource" if "NotResource" in raw else "Resource"))
    return cached


def has_star_resource_value(stmt: Statement) -> bool:
    """Whether one of the ``Resource``/``NotResource`` string values is only
    wildcards (``"*"``, ``"**"``); memoised per statement."""
    facts = stmt.fact(_Facts)
    cached = facts.star_value
    if cached is None:
        cached = facts.star_value = any(map(is_all_stars, _resource_strings(stmt)))
    return cached


def statement_covers_resource(stmt: Statement, resource: str | None) -> bool:
    """Whether the statement's ``Resource``/``NotResource`` covers ``resource``.

    ``None`` asks "some resource": any statement with a resource element
    qualifies. ``"*"`` asks "every resource": ``Resource`` must hold a
    wildcard-only value (a ``NotResource`` statement covers all resources but
    those it lists, which counts). A concrete ARN is matched with ``*``/``?``
    wildcards, case-sensitively.
    """
    values = _resource_strings(stmt)
    if resource is None:
        return bool(values) if not stmt.not_resource else not has_star_resource_value(stmt)
    if stmt.not_resource:
        if is_all_stars(resource):
            return not has_star_resource_value(stmt)
        return not any(match_arn(v, resource) for v in values)
    if has_star_resource_value(stmt):
        return True
    if is_all_stars(resource):
        return False
    return any(match_arn(v, resource) for v in values)


def narrowing_conditions(stmt: Statement) -> list[str]:
    """Keys of the statement's conditions that narrow its resources
    (:func:`iamlint.iam.scope.narrowing_conditions`), memoised per statement."""
    facts = stmt.fact(_Facts)
    cached = facts.narrowing
    if cached is None:
        cached = facts.narrowing = scope.narrowing_conditions(stmt)
    return cached


def statement_has_broad_resource(stmt: Statement) -> bool:
    """Whether the statement reaches every resource (of a type) it applies to.

    True for a ``Resource`` holding ``*``, or whose values are all broad (see
    :func:`is_broad_resource`; ``["...:document/AWS-CreateSnapshot",
    "...:instance/*"]`` is not: the fixed document limits what the action
    does), and for ``NotResource``; False when a condition narrows the
    resources (:func:`narrowing_conditions`).
    """
    facts = stmt.fact(_Facts)
    cached = facts.broad
    if cached is None:
        if "Condition" in stmt.raw and narrowing_conditions(stmt):
            cached = False
        elif stmt.not_resource:
            cached = stmt.raw.get("NotResource") is not None
        elif has_star_resource_value(stmt):
            cached = True
        else:
            values = _resource_strings(stmt)
            cached = bool(values) and all(is_broad_resource(v) for v in values)
        facts.broad = cached
    return cached


# --------------------------------------------------------------------------
# Which actions can act on a statement's resources
# --------------------------------------------------------------------------


def resource_scope(stmt: Statement) -> tuple[str, ...] | None:
    """The ARN patterns a statement's ``Resource`` is limited to, when every
    value is an ARN naming its service (no wildcard or variable in the service
    field): ``Action: "*"`` on ``arn:aws:logs:...:log-group:/app/web:*`` grants
    only the actions that can act on a log group (:func:`acts_on`). None when
    any value could be a resource of any service: ``*``, a non-ARN, an
    unresolved value, ``NotResource``, no ``Resource``. Memoised per statement."""
    facts = stmt.fact(_Facts)
    cached = facts.scope
    if cached is _UNSET:
        raw = stmt.raw
        cached = None if "NotResource" in raw else _scope_of(raw.get("Resource"))
        facts.scope = cached
    return cached  # type: ignore[return-value]  # set above: a tuple or None


def _scope_of(raw: object) -> tuple[str, ...] | None:
    if isinstance(raw, str):
        values: tuple[str, ...] = (raw,)
    elif isinstance(raw, list) and raw and all(map(isinstance, raw, _REPEAT_STR)):
        values = tuple(raw)
    else:
        return None  # missing, empty, or holding a value that is not a string
    return _arn_scope(values)


@functools.lru_cache(maxsize=16384)
def _arn_scope(values: tuple[str, ...]) -> tuple[str, ...] | None:
    for value in values:
        parts = arn.parse(value)
        if parts is None or not parts.service or arn.has_wildcard_or_variable(parts.service):
            return None
    return tuple(dict.fromkeys(values))


def scope_services(scope: tuple[str, ...]) -> tuple[str, ...]:
    """The lower-case ARN service fields of a :func:`resource_scope`, in order."""
    return tuple(dict.fromkeys(arn.parse(v).service.lower() for v in scope))  # type: ignore[union-attr]


@functools.lru_cache(maxsize=65536)
def acts_on(action: str, scope: tuple[str, ...]) -> bool:
    """Whether the concrete ``action`` can act on some resource the ARN
    patterns ``scope`` match: one of its catalog resource types has an ARN
    format that a pattern can match. An action that takes only ``*`` acts on
    no specific ARN; an action the catalog does not know is not judged here
    (True). See :func:`acts_on_required` for actions of several resources."""
    return _formats_match(catalog.resource_formats(action), scope)


@functools.lru_cache(maxsize=65536)
def acts_on_required(action: str, scope: tuple[str, ...]) -> bool:
    """:func:`acts_on` counting only the resource types the catalog marks
    required, when it marks some: ``ssm:SendCommand`` names an S3 bucket (its
    output) and instances, but every request names a document, so a statement
    on buckets or instances alone grants it only beside one on documents
    (:meth:`Permissions.allowing_statements`)."""
    return _formats_match(arn.required_formats(action), scope)


def _formats_match(formats: tuple[str, ...] | None, scope: tuple[str, ...]) -> bool:
    if formats is None:
        return True
    services = _scope_service_set(scope)
    for fmt in formats:
        if not fmt:
            continue  # a resource type without an ARN format matches no ARN
        if arn.format_service(fmt) not in services:
            continue
        for value in scope:
            if arn.matches_format(value, fmt):
                return True
    return False


@functools.lru_cache(maxsize=16384)
def _scope_service_set(scope: tuple[str, ...]) -> frozenset[str]:
    return frozenset(scope_services(scope))


def statement_allows(stmt: Statement, action: str, resource: str | None = None) -> bool:
    """Whether an Allow statement covers ``action`` (a concrete name or a
    pattern: "some action it matches") on ``resource``.

    Deny statements return False (a Deny never grants). Conditions are not
    evaluated: a conditional Allow still allows.
    """
    if not stmt.is_allow:
        return False
    return statement_matches(stmt, action, resource)


def statement_matches(stmt: Statement, action: str, resource: str | None = None) -> bool:
    """Effect-agnostic: the statement's action and resource elements cover the request."""
    if "Action" not in stmt.raw and "NotAction" not in stmt.raw:
        return False
    if "*" in action or "?" in action:
        if not action_set(stmt).allows_any(action):
            return False
        if resource is None and (scope := resource_scope(stmt)) is not None:
            matcher = _matcher(stmt)
            if not any(matcher.allows(a.lower()) and acts_on(a, scope) for a in catalog.expand(action)):
                return False
    else:
        if not _matcher(stmt).allows(action.lower()):
            return False
        if resource is None and (scope := resource_scope(stmt)) is not None and not acts_on(action, scope):
            return False
    return statement_covers_resource(stmt, resource)


def _raw_action_values(stmt: Statement) -> Iterator[tuple[int | None, str]]:
    """(index in the ``Action`` list or None for a single value, string) of the
    statement's ``Action`` strings, without building pointers."""
    raw = stmt.raw.get("Action")
    if isinstance(raw, str):
        yield None, raw
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            if isinstance(v, str):
                yield i, v


def action_pointer(stmt: Statement, action: str) -> tuple[str, bool]:
    """(pointer, at_key) of the ``Action`` value of ``stmt`` that grants
    ``action``: the ``NotAction`` key for a NotAction statement, the
    ``Action`` key when no single value is it. Where the IAM2xx and IAM4xx
    findings about one granted action point."""
    if stmt.not_action:
        return stmt.ptr("NotAction"), True
    target = action.lower()
    for index, value in _raw_action_values(stmt):
        if match_lower(value.lower(), target):
            return (stmt.ptr("Action") if index is None else stmt.ptr("Action", index)), False
    return stmt.ptr("Action"), True


def statement_label(stmt: Statement) -> str:
    """How messages name a statement: its Sid, else its position (``Statement[2]``)."""
    if stmt.sid:
        return f"statement {stmt.sid!r}"
    if stmt.index is None:
        return "the statement"
    return f"Statement[{stmt.index}]"


@functools.lru_cache(maxsize=65536)
def supports_resource_level(action: str) -> bool:
    """Whether the catalog lists resource types for the action (it can be
    limited to specific ARNs); actions that only work with ``*`` do not."""
    facts = catalog.access_facts(action)  # the flat table: no service table is read
    return bool(facts and facts[2])


@functools.lru_cache(maxsize=65536)
def _access_level(action: str) -> str:
    facts = catalog.access_facts(action)
    return facts[1] if facts else ""


# --------------------------------------------------------------------------
# Precomputed answers for the actions the rules ask about
# --------------------------------------------------------------------------
#
# The escalation methods and sensitive actions name a fixed set of concrete
# actions ("targets"). Which targets one action pattern matches is computed
# once per lower-cased pattern (the corpus repeats patterns heavily) as a bit
# mask; a statement's mask is the union of its patterns' masks (complemented
# for NotAction). Asking "which Allow statements grant iam:PassRole" is then a
# bit test per statement instead of pattern matching.


@functools.cache
def _targets() -> tuple[dict[str, int], dict[str, tuple[tuple[str, int], ...]], int]:
    """(lower-case target -> bit, service -> ((target, bit), ...), mask of all targets)."""
    names: list[str] = []
    for method in privesc_methods():
        for group in method.requires:
            names.extend(a.lower() for a in group)
    names.extend(sa.action.lower() for sa in sensitive_actions())
    bits: dict[str, int] = {}
    for name in names:
        if "*" not in name and "?" not in name and name not in bits:
            bits[name] = 1 << len(bits)
    by_service: dict[str, list[tuple[str, int]]] = {}
    for name, bit in bits.items():
        by_service.setdefault(name.partition(":")[0], []).append((name, bit))
    everything = (1 << len(bits)) - 1
    return bits, {k: tuple(v) for k, v in by_service.items()}, everything


@functools.lru_cache(maxsize=32768)
def _pattern_mask(pattern_lower: str) -> int:
    """Bit mask of the targets the (lower-case) action pattern matches."""
    bits, by_service, _ = _targets()
    if "*" not in pattern_lower and "?" not in pattern_lower:
        return bits.get(pattern_lower, 0)
    service, sep, _rest = pattern_lower.partition(":")
    if sep and "*" not in service and "?" not in service:
        candidates = by_service.get(service, ())
    else:
        candidates = tuple(bits.items())
    mask = 0
    for name, bit in candidates:
        if match_lower(pattern_lower, name):
            mask |= bit
    return mask


@functools.lru_cache(maxsize=32768)
def _raw_pattern_mask(pattern: str) -> int:
    """:func:`_pattern_mask` of a pattern as written (memoised per spelling),
    plus the bit just above the targets' (``_targets()[2] + 1``) when the
    pattern is a full wildcard (:func:`is_full_wildcard_pattern`)."""
    if "*" not in pattern and "?" not in pattern:  # a concrete action (most): one look-up
        return _targets()[0].get(pattern.lower(), 0)
    mask = _pattern_mask.__wrapped__(pattern.lower())
    if pattern[:1] == "*" and is_full_wildcard_pattern(pattern):
        mask |= _targets()[2] + 1
    return mask


def _mask_of(patterns: list[str]) -> int:
    """The union of the :func:`_raw_pattern_mask` of ``patterns``."""
    mask = 0
    for pattern in patterns:
        mask |= _raw_pattern_mask(pattern)
    return mask


def _target_mask(stmt: Statement) -> int:
    """Targets the statement's Action/NotAction covers (0 without either key)."""
    facts = stmt.fact(_Facts)
    cached = facts.target_mask
    if cached is None:
        cached = 0
        if "Action" in stmt.raw or "NotAction" in stmt.raw:
            everything = _targets()[2]
            cached = _mask_of(action_strings(stmt)) & everything
            if stmt.not_action:
                cached = everything & ~cached
            if cached and (scope := resource_scope(stmt)) is not None:
                cached = _scope_mask(scope, cached)
        facts.target_mask = cached
    return cached


@functools.lru_cache(maxsize=8192)
def _scope_mask(scope: tuple[str, ...], mask: int) -> int:
    """The targets of ``mask`` that can act on a :func:`resource_scope`: those
    with a resource type of a service the ARNs name (a bit test), then those
    whose ARN formats the patterns match."""
    by_service = _targets_by_arn_service()
    out = 0
    for service in _scope_service_set(scope):
        candidates = by_service.get(service)
        if candidates is not None and candidates[0] & mask:
            for name, bit in candidates[1]:
                if bit & mask and not bit & out and acts_on(name, scope):
                    out |= bit
    return out


@functools.cache
def _targets_by_arn_service() -> dict[str, tuple[int, tuple[tuple[str, int], ...]]]:
    """ARN service field -> (their mask, the (target, bit) pairs) of the
    targets with a resource type of that service."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name, bit in _targets()[0].items():
        for service in dict.fromkeys(arn.format_service(f) for f in catalog.resource_formats(name) or () if f):
            out.setdefault(service, []).append((name, bit))
    return {k: (functools.reduce(operator.or_, (b for _, b in v), 0), tuple(v)) for k, v in out.items()}


@functools.cache
def _method_plans() -> tuple[tuple[EscalationMethod, tuple[tuple[tuple[str, int | None, bool], ...], ...]], ...]:
    """Per method, its groups as (alternative, target bit or None, broad?) triples."""
    bits = _targets()[0]
    return tuple(
        (
            method,
            tuple(
                tuple((alt, bits.get(alt.lower()), alt.lower() in method.broad_resource) for alt in group)
                for group in method.requires
            ),
        )
        for method in privesc_methods()
    )


@functools.cache
def _method_prefilters() -> tuple[tuple[tuple[int, int], ...] | None, ...]:
    """Per method (in _method_plans order): per group, (bits of its alternatives
    asked on any resource, bits of those asked on a broad resource); None when
    some alternative is not a target (the method is then always examined)."""
    out: list[tuple[tuple[int, int], ...] | None] = []
    for _method, groups in _method_plans():
        if any(bit is None for g in groups for _, bit, _ in g):
            out.append(None)
            continue
        out.append(
            tuple(
                (
                    functools.reduce(operator.or_, (bit for _, bit, is_broad in g if not is_broad), 0),
                    functools.reduce(operator.or_, (bit for _, bit, is_broad in g if is_broad), 0),
                )
                for g in groups
            )
        )
    return tuple(out)


def _every_group_granted(prefilter: tuple[tuple[int, int], ...], some: int, broad: int) -> bool:
    for any_bits, broad_bits in prefilter:  # noqa: SIM110 (a loop: cheaper than all() over a generator, per method)
        if not (any_bits & some or broad_bits & broad):
            return False
    return True


@functools.cache
def _sensitive_plan() -> tuple[tuple[tuple[SensitiveAction, int | None], ...], int | None]:
    """((sensitive action, its target bit), ...) and the union of the bits
    (None when some action is not a target)."""
    bits = _targets()[0]
    plan = tuple((sa, bits.get(sa.action.lower())) for sa in sensitive_actions())
    union = None if any(bit is None for _, bit in plan) else functools.reduce(operator.or_, (b for _, b in plan), 0)
    return plan, union


@functools.cache
def _all_methods_targeted() -> bool:
    """Whether every alternative of every method is a target action (has a bit)."""
    return all(bit is not None for _, groups in _method_plans() for g in groups for _, bit, _ in g)


def _string_values(raw: object) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        if all(map(isinstance, raw, _REPEAT_STR)):
            return list(raw)
        return [v for v in raw if isinstance(v, str)]
    return []


_REPEAT_STR = itertools.repeat(str)


def _prime(stmt: Statement) -> None:
    """Compute in one pass the per-statement facts the rules ask about first
    (action and resource strings, star resource, target mask and, for an
    ``Action`` statement, whether it is administrator access), as the
    individual memoising accessors would."""
    facts = stmt.fact(_Facts)
    if facts.target_mask is not None:
        return
    raw = stmt.raw
    not_action = "NotAction" in raw
    acts = facts.action_strings
    if acts is None:
        acts = facts.action_strings = _string_values(raw.get("NotAction" if not_action else "Action"))
    not_resource = "NotResource" in raw
    res = facts.resource_strings
    if res is None:
        res = facts.resource_strings = _string_values(raw.get("NotResource" if not_resource else "Resource"))
    star = facts.star_value
    if star is None:
        star = facts.star_value = any(map(is_all_stars, res))
    has_actions = not_action or "Action" in raw
    everything = _targets()[2]
    raw_mask = _mask_of(acts) if has_actions else 0
    mask = raw_mask & everything
    if not_action:
        mask = everything & ~mask
    elif facts.full_admin is None:
        # statement_is_admin: covers every resource and lists a full wildcard
        # (flagged by the bit above the targets' in the pattern masks)
        facts.full_admin = has_actions and ((not star) if not_resource else star) and raw_mask > everything
    if mask and not star and not not_resource and (scope := resource_scope(stmt)) is not None:
        mask = _scope_mask(scope, mask)  # only the targets that can act on the named ARNs
    facts.target_mask = mask


def statement_is_admin(stmt: Statement) -> bool:
    """Whether the statement's actions cover every catalogued action on every
    resource (``*`` on ``*``, or an all-excluding-nothing ``NotAction``);
    memoised per statement. The effect is not looked at."""
    facts = stmt.fact(_Facts)
    cached = facts.full_admin
    if cached is None:
        cached = facts.full_admin = (
            ("Action" in stmt.raw or "NotAction" in stmt.raw)
            and statement_covers_resource(stmt, "*")
            and is_full_wildcard(stmt)
        )
    return cached


# --------------------------------------------------------------------------
# Permissions over several policies
# --------------------------------------------------------------------------


#: a policy variable (``${*}``, ``${?}``, ``${$}`` are escapes, not variables)
def _escapes(pattern: str) -> str:
    """A pattern of a policy reading variables with ``${*}`` / ``${?}`` (the
    characters themselves) as characters no wildcard test takes for one."""
    if "${" not in pattern:
        return pattern
    return pattern.replace("${*}", "\x00").replace("${?}", "\x01").replace("${$}", "$")


@functools.lru_cache(maxsize=16384)
def glob_covers(outer: str, inner: str) -> bool:
    """Whether every string the ``*``/``?`` pattern ``inner`` matches, ``outer``
    matches too (sound: a ``*`` of ``inner`` only fits a ``*`` of ``outer``, a
    ``?`` a ``?`` or ``*``). ``arn:aws:s3:::?`` does not cover
    ``arn:aws:s3:::*``, though it matches that text."""
    n, m = len(outer), len(inner)
    row = [False] * (m + 1)  # row[j]: outer[i:] covers inner[j:]
    row[m] = True
    for i in range(n - 1, -1, -1):
        c = outer[i]
        new = [False] * (m + 1)
        if c == "*":
            new[m] = row[m]
            for j in range(m - 1, -1, -1):
                new[j] = row[j] or new[j + 1]
        else:
            for j in range(m - 1, -1, -1):
                d = inner[j]
                if d == "*":
                    continue
                new[j] = row[j + 1] and (c == "?" or c == d)
        row = new
    return row[0]


@functools.lru_cache(maxsize=16384)
def glob_intersects(a: str, b: str) -> bool:
    """Whether some string matches both ``*``/``?`` patterns."""

    @functools.cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*" and (go(i + 1, j) or (j < len(b) and go(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (go(i, j + 1) or (i < len(a) and go(i + 1, j))):
            return True
        if i < len(a) and j < len(b) and a[i] != "*" and b[j] != "*":
            return (a[i] == "?" or b[j] == "?" or a[i] == b[j]) and go(i + 1, j + 1)
        return False

    return go(0, 0)


_VARIABLE = re.compile(r"\$\{(?![*?$]\})[^}]*\}")


def _required_keys(stmt: Statement) -> tuple[str, ...]:
    """The (lower-case) keys the statement's conditions need present (false
    when absent) that the catalog may judge per action."""
    return tuple(
        dict.fromkeys(
            c.key_lower
            for c in stmt.conditions
            if applicability.may_be_judged(c.key_lower) and applicability.holds_when_absent(c) is False
        )
    )


@functools.lru_cache(maxsize=16384)
def _action_lacks(action_lower: str, key_lower: str) -> bool:
    """Whether requests for the concrete action never carry the (judged) key
    (:func:`iamlint.iam.applicability.uncarried_entries` on the action alone)."""
    probe = Statement({"Effect": "Allow", "Action": [action_lower]}, None, "")
    found = applicability.uncarried_entries(probe, key_lower)
    return found is not None and bool(found[0])


def _lacks_required_key(stmt: Statement, action_lower: str) -> bool:
    """Whether a condition of the statement needs a key no request for the
    concrete action carries: the statement never applies to that action
    (``s3:prefix`` on ``s3:GetObject`` of an ``s3:*`` statement)."""
    return any(_action_lacks(action_lower, k) for k in stmt.fact(_required_keys))


def _spares_none(stmt: Statement, action: str) -> bool:
    """Whether a ``NotResource`` statement covers every resource ``action``
    can act on: none of the ARNs it lists can name one (:func:`acts_on`).
    A ``Resource`` statement: whether it covers ``*``."""
    if not stmt.not_resource:
        return has_star_resource_value(stmt)
    values = _resource_strings(stmt)
    if not values:
        return True
    if has_star_resource_value(stmt):
        return False
    raw = stmt.raw.get("NotResource")
    scope = _scope_of(raw)
    return scope is not None and not acts_on(action, scope)


class EscalationMatch(NamedTuple):
    method: EscalationMethod
    #: the Allow statements that together grant the method's actions, in document order
    statements: tuple[Statement, ...]
    #: the concrete action chosen for each required group, e.g. ("iam:PassRole", "lambda:CreateFunction", ...)
    actions: tuple[str, ...]


def _never_applies(stmt: Statement) -> bool:
    """Whether a condition of the statement can never be true as of this run
    (:func:`iamlint.iam.applicability.never_true`), or names an operator IAM
    does not know (AWS refuses the policy; the block never holds:
    :func:`iamlint.iam.evaluate.block_is_valid`), once per statement. A key
    none of its actions carries (IAM112) is judged per asked action instead
    (:func:`_lacks_required_key`): reading every statement's keys against the
    catalog costs ~5% of a managed-corpus run."""
    return not block_is_valid(stmt.raw.get("Condition")) or bool(applicability.never_true(stmt))


class Permissions:
    """The Allow and Deny statements of one or more policies, and questions about them.

    An Allow whose conditions no request can meet (a past ``aws:CurrentTime``
    or ``aws:TokenIssueTime`` bound, an unknown operator) grants nothing and
    is left out; one needing a condition key the asked action never carries
    does not grant that action."""

    def __init__(self, policies: Policy | Iterable[Policy]):
        if isinstance(policies, Policy):
            policies = [policies]
        self.policies: list[Policy] = list(policies)
        self.statements: list[Statement] = [s for p in self.policies for s in p.statements]
        self.allows: list[Statement] = []
        self.denies: list[Statement] = []
        for s in self.statements:
            effect = s.raw.get("Effect")  # as Statement.is_allow / is_deny
            if effect == "Allow" and isinstance(effect, str):
                if "Condition" in s.raw and s.fact(_never_applies):
                    continue  # a condition no request meets (IAM113): it grants nothing
                _prime(s)
                self.allows.append(s)
            elif effect == "Deny" and isinstance(effect, str):
                self.denies.append(s)
        # Allow statements by the services their actions can reach (built on
        # first use, see _candidates)
        self._by_service: dict[str, list[Statement]] | None = None
        self._any_service: list[Statement] = []
        # Denies certain to apply: no condition; covering every resource
        # (a wildcard-only Resource: a NotResource Deny spares what it lists)
        self._unconditional_denies = [
            s for s in self.denies if "Condition" not in s.raw and ("Action" in s.raw or "NotAction" in s.raw)
        ]
        self._hard_denies = [s for s in self._unconditional_denies if not s.not_resource and has_star_resource_value(s)]
        # Denies that take some action away on some resource every request
        # may name: these spoil "every action on every resource"
        self._spoiling_denies = [s for s in self._unconditional_denies if statement_covers_resource(s, "*")]
        self._not_resource_denies = [s for s in self._spoiling_denies if s.not_resource]
        self._cache: dict = {}
        self._conditional_allows = any("Condition" in s.raw for s in self.allows)
        # statements of policies that read policy variables (Version 2012-10-17)
        self._variable_statements = {id(s) for p in self.policies if uses_variables(p.version) for s in p.statements}
        # target masks (see _targets): of statements granting on some resource,
        # and of those granting on a broad resource; built on first use
        self._masks: tuple[int, int] | None = None
        self._granting: list[tuple[Statement, int, int]] = []

    def _index_services(self) -> dict[str, list[Statement]]:
        # Statements whose patterns have a wildcard in the service part (or
        # NotAction) can reach any service.
        by_service: dict[str, list[Statement]] = {}
        self._by_service = by_service
        for s in self.allows:
            services = _named_services(s)
            if services is None:
                self._any_service.append(s)
            else:
                for svc in services:
                    by_service.setdefault(svc, []).append(s)
        return by_service

    def _target_masks(self) -> tuple[int, int]:
        """(targets granted on some resource, targets granted on a broad resource),
        before Denies, over the Allow statements."""
        if self._masks is None:
            some = broad = 0
            granting: list[tuple[Statement, int, int]] = []
            for s in self.allows:
                mask = _target_mask(s)
                if mask and statement_covers_resource(s, None):
                    some |= mask
                    broad_bits = mask if statement_has_broad_resource(s) else 0
                    broad |= broad_bits
                    granting.append((s, mask, broad_bits))
            self._masks = (some, broad)
            self._granting = granting
        return self._masks

    # -- denies ------------------------------------------------------------
    def denied(self, action: str, resource: str | None = None) -> bool:
        """Whether one unconditional Deny removes the concrete ``action``:
        on every resource it can act on (``resource=None``: a Deny on ``*``,
        or a ``NotResource`` Deny sparing none of the action's resource
        types), on every resource (``"*"``: one that spares nothing), or on
        ``resource``. A conditional Deny may not apply: it removes nothing."""
        key = ("denied", action.lower(), resource)
        hit = self._cache.get(key)
        if hit is None:
            lower = action.lower()
            hit = any(_matcher(s).allows(lower) for s in self._hard_denies)
            if hit or not self._unconditional_denies:
                pass
            elif resource is None:
                hit = any(_matcher(s).allows(lower) and _spares_none(s, action) for s in self._unconditional_denies)
            else:
                hit = any(
                    _matcher(s).allows(lower) and self._certainly_covers(s, resource)
                    for s in self._unconditional_denies
                )
            self._cache[key] = hit
        return hit

    @property
    def has_hard_denies(self) -> bool:
        """Whether some unconditional Deny may remove an action on every resource (:meth:`denied`)."""
        return bool(self._hard_denies or self._not_resource_denies)

    # -- allows ------------------------------------------------------------
    def allowing_statements(self, action: str, resource: str | None = None, broad: bool = False) -> list[Statement]:
        """Allow statements granting ``action`` on ``resource``, after Denies.

        ``action`` may be a pattern (``iam:Attach*``): a statement qualifies
        when it grants some action the pattern matches that no certain Deny
        removes. ``resource=None`` means any resource, ``"*"`` every resource.
        ``broad=True`` keeps only statements whose resource is broad
        (:func:`statement_has_broad_resource`).
        """
        lower = action.lower()
        key = ("allowing", lower, resource, broad)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        bit = _targets()[0].get(lower) if resource is None else None
        if bit is not None:
            # a target action: bit tests on the precomputed statement masks
            if not bit & self._target_masks()[1 if broad else 0]:
                found = []
            elif broad:
                found = [s for s, _, broad_bits in self._granting if broad_bits & bit]
            else:
                found = [s for s, mask, _ in self._granting if mask & bit]
        else:
            found = [
                s
                for s in self._candidates(action)
                if (statement_matches(s, action, resource) or self._matches_with_variables(s, action, resource))
                and (not broad or statement_has_broad_resource(s))
            ]
        if found and self._conditional_allows and "*" not in lower and "?" not in lower:
            found = [s for s in found if "Condition" not in s.raw or not _lacks_required_key(s, lower)]
        if found and self._unconditional_denies:
            found = [s for s in found if self._grants_undenied(s, action, resource, broad)]
        if found and resource is None and "*" not in action and "?" not in action:
            found = self._with_required_resource(found, action)
        self._cache[key] = found
        return found

    def _matches_with_variables(self, stmt: Statement, action: str, resource: str | None) -> bool:
        """Whether a ``Resource`` pattern with a policy variable (``Version``
        2012-10-17) may match the concrete ``resource``: some request's
        value of the variable makes it match (the variable read as ``*``)."""
        if resource is None or is_all_stars(resource) or id(stmt) not in self._variable_statements:
            return False
        if stmt.not_resource or not any("${" in v for v in _resource_strings(stmt)):
            return False
        if "*" in action or "?" in action:
            if not action_set(stmt).allows_any(action):
                return False
        elif not _matcher(stmt).allows(action.lower()):
            return False
        return any(match_arn(_VARIABLE.sub("*", v), resource) for v in _resource_strings(stmt))

    def _certainly_covers(self, stmt: Statement, resource: str) -> bool:
        """Whether an unconditional Deny certainly covers the concrete
        ``resource``: its ``Resource`` matches it as written; a ``NotResource``
        spares it under no value of a policy variable it holds."""
        if not statement_covers_resource(stmt, resource):
            return False
        if not stmt.not_resource or id(stmt) not in self._variable_statements:
            return True
        return not any("${" in v and match_arn(_VARIABLE.sub("*", v), resource) for v in _resource_strings(stmt))

    def _with_required_resource(self, found: list[Statement], action: str) -> list[Statement]:
        """``found`` without the statements that grant ``action`` only on
        resources a request may name besides its required one (an instance of
        ``ssm:SendCommand``), unless some statement grants it on that required
        resource too (its document)."""
        optional = [
            s for s in found if (scope := resource_scope(s)) is not None and not acts_on_required(action, scope)
        ]
        if not optional:
            return found
        if any(
            statement_matches(s, action, None)
            and ((scope := resource_scope(s)) is None or acts_on_required(action, scope))
            for s in self._candidates(action)
        ):
            return found
        dropped = {id(s) for s in optional}
        return [s for s in found if id(s) not in dropped]

    def _candidates(self, action: str) -> list[Statement]:
        by_service = self._by_service
        if by_service is None:
            by_service = self._index_services()
        service, sep, _ = action.lower().partition(":")
        if not sep or "*" in service or "?" in service:
            return self.allows
        named = by_service.get(service)
        if not named:
            return self._any_service
        if not self._any_service:
            return named
        keep = {id(x) for x in named} | {id(x) for x in self._any_service}
        return [x for x in self.allows if id(x) in keep]

    def _grants_undenied(self, stmt: Statement, action: str, resource: str | None, broad: bool = False) -> bool:
        if "*" not in action and "?" not in action:
            if self.denied(action, resource):
                return False
            if resource is not None:
                return True
            return not self._denied_on_own_resources(stmt, action) and not (broad and self._spares_only_narrow(action))
        m = _matcher(stmt)
        return any(m.allows(full.lower()) and not self.denied(full, resource) for full in catalog.expand(action))

    def _spares_only_excluded(self, stmt: Statement, action: str) -> bool:
        """Whether a ``NotResource`` Deny spares, of the concrete ``action``'s
        resources, only what the ``NotResource`` Allow ``stmt`` excludes:
        together they grant it nowhere."""
        excluded = _resource_strings(stmt)
        return any(
            all(any(glob_covers(x, v) for x in excluded) for v in spared) for spared in self._spared_by_denies(action)
        )

    def _spares_only_narrow(self, action: str) -> bool:
        """Whether an unconditional ``NotResource`` Deny covering the concrete
        ``action`` spares only specific resources of it: whatever the Allows,
        the action is then granted on no broad resource (``Deny iam:PassRole``
        ``NotResource`` one role)."""
        return any(not any(is_broad_resource(v) for v in spared) for spared in self._spared_by_denies(action))

    def _spared_by_denies(self, action: str) -> Iterator[list[str]]:
        """For each unconditional ``NotResource`` Deny covering the concrete
        ``action`` (with a readable ``NotResource``): the resources of it that
        the Deny spares."""
        lower = action.lower()
        for s in self._not_resource_denies:
            if not _matcher(s).allows(lower):
                continue
            scope = _scope_of(s.raw.get("NotResource"))
            if scope is not None:
                yield [v for v in scope if acts_on(action, (v,))]

    def _denied_on_own_resources(self, stmt: Statement, action: str) -> bool:
        """Whether unconditional Denies remove the concrete ``action`` on every
        ``Resource`` pattern of the Allow ``stmt`` that can name a resource of
        the action, the patterns read as resource names (as
        :meth:`AccessModel.reachable_escalations` does): ``Deny
        iam:AttachRolePolicy`` on ``arn:aws:iam::*:role/*`` removes the Allow's
        ``arn:aws:iam::*:role/*``; a Deny on one role does not. An Allow on
        ``*`` is removed only by a Deny on ``*`` (:meth:`denied`)."""
        if not self._unconditional_denies or has_star_resource_value(stmt):
            return False
        if stmt.not_resource:
            return self._spares_only_excluded(stmt, action)
        values = _resource_strings(stmt)
        scope = resource_scope(stmt)
        naming = [v for v in values if acts_on(action, (v,))] if scope is not None else values
        if id(stmt) in self._variable_statements:
            naming = [_escapes(v) for v in naming]
        return bool(naming) and all(self._pattern_denied(action, v) for v in naming)

    def _pattern_denied(self, action: str, pattern: str) -> bool:
        """Whether one unconditional Deny removes the concrete ``action`` on
        every resource the ARN pattern matches: a ``Resource`` value
        containing it (:func:`glob_covers`), or a ``NotResource`` whose values
        all miss it (:func:`glob_intersects`; a policy variable read as ``*``)."""
        key = ("pattern-denied", action.lower(), pattern)
        hit = self._cache.get(key)
        if hit is None:
            lower = action.lower()
            hit = False
            for s in self._unconditional_denies:
                if not _matcher(s).allows(lower):
                    continue
                values = _resource_strings(s)
                variables = id(s) in self._variable_statements
                inner = pattern
                if variables:
                    values = [_escapes(v) for v in values]
                elif "${" in pattern:
                    # the Allow's variable is any string to a Deny not reading variables
                    inner = _VARIABLE.sub("*", pattern)
                if s.not_resource:
                    if not any(glob_intersects(_VARIABLE.sub("*", x) if variables else x, inner) for x in values):
                        hit = True
                        break
                elif any(glob_covers(d, inner) for d in values):
                    hit = True
                    break
            self._cache[key] = hit
        return hit

    def allows_action(self, action: str, resource: str | None = None) -> bool:
        return bool(self.allowing_statements(action, resource))

    # -- summaries ---------------------------------------------------------
    def admin_statements(self) -> list[Statement]:
        """Allow statements granting every action on every resource (``*`` on
        ``*``, or a ``NotAction`` that excludes nothing catalogued), unless a
        certain Deny takes some action away."""
        key = ("admin",)
        if key not in self._cache:
            self._cache[key] = [s for s in self.allows if statement_is_admin(s)] if not self._spoiling_denies else []
        return self._cache[key]

    def escalation_methods(self) -> list[EscalationMatch]:
        """Every privilege-escalation method whose actions the Allow statements
        grant together (through wildcards, split over statements, after Denies)."""
        key = ("escalation",)
        if key in self._cache:
            return self._cache[key]
        matches: list[EscalationMatch] = []
        some, broad_mask = self._target_masks()
        if not some and _all_methods_targeted():
            # no Allow statement grants any target action: no method can match
            self._cache[key] = matches
            return matches
        for (method, groups), prefilter in zip(_method_plans(), _method_prefilters(), strict=True):
            if prefilter is not None and not _every_group_granted(prefilter, some, broad_mask):
                continue  # some group is granted by no statement (before Denies)
            chosen: list[str] = []
            used: list[Statement] = []
            for group in groups:
                pick = None
                for alternative, bit, is_broad in group:
                    if bit is not None and not bit & (broad_mask if is_broad else some):
                        continue  # granted by no statement (before Denies)
                    stmts = self.allowing_statements(alternative, broad=is_broad)
                    if stmts:
                        pick = (alternative, stmts[0])
                        break
                if pick is None:
                    break
                chosen.append(pick[0])
                used.append(pick[1])
            else:
                order = {id(s): i for i, s in enumerate(self.statements)}
                unique = sorted({id(s): s for s in used}.values(), key=lambda s: order[id(s)])
                matches.append(EscalationMatch(method, tuple(unique), tuple(chosen)))
        self._cache[key] = matches
        return matches

    def sensitive_access(self, broad: bool = True) -> list[tuple[SensitiveAction, list[Statement]]]:
        """Credentials-exposure and secret-read actions granted (on broad
        resources when ``broad``), with the statements granting them."""
        key = ("sensitive", broad)
        if key not in self._cache:
            out = []
            mask = self._target_masks()[1 if broad else 0]
            plan, union = _sensitive_plan()
            if union is not None and not union & mask:
                plan = ()  # no statement grants any of them (before Denies)
            for sa, bit in plan:
                if bit is not None and not bit & mask:
                    continue  # granted by no statement (before Denies)
                stmts = self.allowing_statements(sa.action, broad=broad)
                if stmts:
                    out.append((sa, stmts))
            self._cache[key] = out
        return self._cache[key]

    def granted(self) -> frozenset[str]:
        """Every catalogued action some Allow grants and no certain Deny removes (may be large)."""
        key = ("granted",)
        if key not in self._cache:
            acts: set[str] = set()
            for s in self.allows:
                if "Action" in s.raw or "NotAction" in s.raw:
                    scope = resource_scope(s)
                    if scope is None:
                        acts |= action_set(s).granted()
                    else:  # only what can act on the named ARNs
                        acts.update(a for a in action_set(s).granted() if acts_on(a, scope))
            if self.has_hard_denies:
                acts = {a for a in acts if not self.denied(a)}
            self._cache[key] = frozenset(acts)
        return self._cache[key]

    def is_read_only(self) -> bool:
        """Whether every granted action is at the Read or List access level."""
        key = ("read-only",)
        if key not in self._cache:
            self._cache[key] = all(_access_level(a) in ("Read", "List") for a in self.granted())
        return self._cache[key]

    def data_access(self) -> list[tuple[SensitiveAction, list[Statement]]]:
        """Secret reads and credential exposure granted on any resource."""
        return self.sensitive_access(broad=False)


# --------------------------------------------------------------------------
# Function forms (single policy or list of policies)
# --------------------------------------------------------------------------


def _perms(policies: Policy | Iterable[Policy] | Permissions) -> Permissions:
    return policies if isinstance(policies, Permissions) else Permissions(policies)


def allowing_statements(
    policies: Policy | Iterable[Policy] | Permissions, action: str, resource: str | None = None
) -> list[Statement]:
    return _perms(policies).allowing_statements(action, resource)


def grants_admin(policies: Policy | Iterable[Policy] | Permissions) -> bool:
    return bool(_perms(policies).admin_statements())


def escalation_methods(policies: Policy | Iterable[Policy] | Permissions) -> list[EscalationMatch]:
    return _perms(policies).escalation_methods()


def is_read_only(policies: Policy | Iterable[Policy] | Permissions) -> bool:
    return _perms(policies).is_read_only()


def data_access(policies: Policy | Iterable[Policy] | Permissions) -> list[tuple[SensitiveAction, list[Statement]]]:
    return _perms(policies).data_access()


def iter_labels(stmts: Iterable[Statement]) -> Iterator[str]:
    return (statement_label(s) for s in stmts)
