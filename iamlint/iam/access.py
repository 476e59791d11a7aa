"""The access model: what a set of policies allows, the way IAM evaluates it.

:class:`AccessModel` takes the policies of one principal (identity policies,
or the statements of resource policies), an optional permissions boundary
and optional service control policies, and holds them in a normalised form:
one :class:`Grant` per statement -- its action set, its resource patterns,
a summary of its conditions, whether an unresolved IaC value is in it --
split into :attr:`~AccessModel.allow_grants`, :attr:`~AccessModel.deny_grants`
(``NotAction`` / ``NotResource`` included) and the boundary's and SCPs'
grants, which a request must pass too.

A request is decided as AWS's "Policy evaluation logic" describes it for one
account: an explicit Deny in any of the policies (identity, boundary, SCP)
wins; otherwise an Allow in the identity policies is needed, and, where there
is a boundary, an Allow in the boundary, and where there are SCPs, an Allow
in one of them (the SCPs given are one level of the organization).

Answers are three-valued (:data:`~iamlint.iam.evaluate.UNKNOWN`, see
:mod:`iamlint.iam.evaluate`):

- with a request context, conditions are evaluated exactly
  (:func:`~iamlint.iam.evaluate.evaluate_block`) and so are policy variables
  in ``Resource`` / ``NotResource`` (policies of ``Version`` 2012-10-17);
- without one (``context=None``), a statement with conditions *may* apply:
  a conditional Allow may allow, a conditional Deny may deny, so it does not
  remove what an Allow grants, but the grant is no longer certain. A resource
  pattern with a variable may match. :meth:`AccessModel.definitely` and
  :meth:`AccessModel.possibly` read the answer either way;
- an :class:`~iamlint.model.policy.Opaque` value (an unresolved IaC
  reference) is unknown: never a wildcard, never a specific value. An
  unknown ``Effect`` may be Allow or Deny.

Matching: actions case-insensitively with ``*`` and ``?``
(:class:`iamlint.knowledge.catalog.ActionSet`, pure wildcard matching: no
catalog expansion per request); resources case-sensitively (``*`` and ``?``
cross ``:`` and ``/``); a statement with neither ``Resource`` nor
``NotResource`` (a trust policy's) matches every resource, one with neither
``Action`` nor ``NotAction`` matches nothing. A statement whose ``Effect`` is
neither ``Allow`` nor ``Deny``, or whose conditions hold an unknown
operator, never matches (AWS refuses such a policy).

What rules should ask it (nothing is wired yet; the rules keep their own
logic until they move here):

- IAM404 / IAM405 (administrator, escalation for a principal): build one
  model over *all* the principal's policies and its boundary and ask
  :meth:`AccessModel.definitely` (``"*"`` on ``"*"``) and
  :meth:`AccessModel.reachable_escalations` -- a Deny in another attached
  policy then removes the power.
- IAM208 (escalation) across a role's or group's policies:
  :meth:`AccessModel.reachable_escalations` (``definitely=False``), its
  :attr:`Reach.statements` as the related locations.
- IAM501 and the other resource-policy rules ("public"): ``what_can("*")``
  and ``possibly(action, resource)`` -- the Deny guard of the private-API
  pattern (``Deny`` unless ``aws:SourceVpce``) makes the answer
  :data:`UNKNOWN` rather than ``True``; ``definitely`` tells a grant no
  condition narrows.
- IAM106 (action and resource types) and IAM206 / IAM207: ``allows(action,
  resource)`` on the statement's own resources, once the iam layer's scope
  module says which resources an action can act on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from iamlint.iam import arn
from iamlint.iam.evaluate import (
    UNKNOWN,
    Context,
    Tri,
    Unknown,
    block_is_valid,
    evaluate_block,
    normalise_context,
    substitute_glob,
    tri_and,
    tri_not,
    tri_or,
    uses_variables,
)
from iamlint.knowledge import globs
from iamlint.knowledge.catalog import ActionSet
from iamlint.knowledge.escalation import EscalationMethod, privesc_methods
from iamlint.model.policy import Opaque, Policy, Statement

__all__ = ["UNKNOWN", "AccessModel", "Grant", "Reach", "Unknown", "principal_matches"]


def principal_matches(stmt: Statement, principal: str | None) -> Tri:
    """Whether the statement's ``Principal`` / ``NotPrincipal`` applies to
    ``principal`` (an ARN, an account id, a service or federated name, or
    ``"*"`` for any principal, anonymous included). A statement without
    either element (an identity policy's) applies; ``principal=None`` does
    not look. ``"*"`` matches everyone; an account id or its ``:root`` ARN
    every principal of the account; any other value only itself (IAM does
    not read wildcards in principal ARNs)."""
    key = stmt.principal_key
    if key is None or principal is None:
        return True
    raw = stmt.raw.get(key)
    if isinstance(raw, Opaque):
        return UNKNOWN
    account = arn.principal_account(principal)
    outcomes: list[Tri] = []
    for ptype, value in stmt.principals:
        v = value.value
        if isinstance(v, Opaque):
            outcomes.append(UNKNOWN)
        elif not isinstance(v, str):
            continue
        elif (v == "*" and ptype in ("*", "AWS")) or v == principal:
            outcomes.append(True)
        elif ptype == "AWS" and account is not None:
            outcomes.append(arn.is_whole_account(v) and arn.principal_account(v) == account)
    found = tri_or(outcomes)
    return tri_not(found) if key == "NotPrincipal" else found


@functools.lru_cache(maxsize=8192)
def _action_set(patterns: tuple[str, ...], negated: bool) -> ActionSet:
    """One ActionSet per spelling of an action list (statements repeat them)."""
    return ActionSet(patterns, negated=negated)


@functools.lru_cache(maxsize=8192)
def _union(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """The resource patterns as one regex, compiled on first use."""
    return globs.compile_union(patterns)


def _cap(value: Tri) -> Tri:
    """A match that is at most possible."""
    return UNKNOWN if value is True else value


class Grant:
    """One statement, normalised: what it matches and how certainly.

    ``effect`` is ``"Allow"``, ``"Deny"`` or :data:`UNKNOWN`; ``actions`` the
    :class:`ActionSet` of its string patterns (``negated`` for
    ``NotAction``); ``resources`` its string resource patterns (``not_resource``
    for ``NotResource``; empty with ``any_resource`` when it names none);
    ``condition_keys`` the lower-case keys its conditions test (the condition
    summary; ``conditional`` whether it has any); ``opaque`` whether an
    unresolved value is among its actions, resources, principals or conditions.
    """

    __slots__ = (
        "_has_actions",
        "_opaque_actions",
        "_opaque_resources",
        "_plain_resources",
        "_services",
        "_var_resources",
        "actions",
        "any_resource",
        "condition",
        "condition_keys",
        "conditional",
        "effect",
        "not_resource",
        "opaque",
        "origin",
        "resources",
        "statement",
        "valid",
        "variables",
    )

    def __init__(self, stmt: Statement, origin: str, variables: bool) -> None:
        self.statement = stmt
        self.origin = origin  # "policy" | "boundary" | "scp"
        self.variables = variables
        raw = stmt.raw
        effect = raw.get("Effect")
        self.effect: str | Unknown | None = (
            UNKNOWN if isinstance(effect, Opaque) else effect if effect in ("Allow", "Deny") else None
        )
        action_values = [v.value for v in stmt.actions]
        self._has_actions = "Action" in raw or "NotAction" in raw
        self._opaque_actions = any(isinstance(v, Opaque) for v in action_values)
        patterns = [v for v in action_values if isinstance(v, str)]
        self.actions = _action_set(tuple(patterns), stmt.not_action)
        self._services: frozenset[str] | None = None
        if not stmt.not_action and not self._opaque_actions:
            services = set()
            for p in patterns:
                service, sep, _ = p.lower().partition(":")
                if not sep or "*" in service or "?" in service:
                    break
                services.add(service)
            else:
                self._services = frozenset(services)
        resource_values = [v.value for v in stmt.resources]
        self.any_resource = "Resource" not in raw and "NotResource" not in raw
        self.not_resource = stmt.not_resource
        self._opaque_resources = any(isinstance(v, Opaque) for v in resource_values)
        self.resources: tuple[str, ...] = tuple(v for v in resource_values if isinstance(v, str))
        self._var_resources = tuple(p for p in self.resources if variables and "${" in p)
        self._plain_resources = tuple(p for p in self.resources if not (variables and "${" in p))
        self.condition = raw.get("Condition")
        self.conditional = self.condition is not None
        self.valid = block_is_valid(self.condition)
        self.condition_keys = frozenset(c.key_lower for c in stmt.conditions)
        self.opaque = (
            self._opaque_actions
            or self._opaque_resources
            or isinstance(self.effect, Unknown)
            or isinstance(raw.get(stmt.principal_key or "Principal"), Opaque)
            or _has_opaque(self.condition)
        )

    def __repr__(self) -> str:
        return f"Grant({self.effect!r}, {self.actions!r}, resources={list(self.resources)!r})"

    def may_cover_service(self, service: str) -> bool:
        return self._services is None or service in self._services

    def action_match(self, action_lower: str) -> Tri:
        if not self._has_actions:
            return False
        listed = self.actions.allows(action_lower) != self.actions.negated
        if self.actions.negated:
            if listed:
                return False
            return UNKNOWN if self._opaque_actions else True
        if listed:
            return True
        return UNKNOWN if self._opaque_actions else False

    def resource_match(self, resource: str, context: Context | None) -> Tri:
        if self.any_resource:
            return True
        plain = self._plain_resources
        found: Tri = bool(plain) and _union(plain).fullmatch(resource) is not None
        if found is not True:
            for pattern in self._var_resources:
                tokens = substitute_glob(pattern, context, True)
                if tokens is not None and globs.compile_tokens(tokens).fullmatch(resource) is not None:
                    found = True if context is not None else UNKNOWN
                    if found is True:
                        break
        if found is False and self._opaque_resources:
            found = UNKNOWN
        return tri_not(found) if self.not_resource else found

    def condition_match(self, context: Context | None) -> Tri:
        if not self.valid:
            return False
        if self.condition is None:
            return True
        if context is None:
            return UNKNOWN
        return evaluate_block(self.condition, context, variables=self.variables)

    def matches(self, action_lower: str, resource: str, context: Context | None, principal: str | None) -> Tri:
        """Whether the statement applies to the request (its effect aside)."""
        if self.effect is None:
            return False
        out = tri_and(
            (
                self.action_match(action_lower),
                self.resource_match(resource, context),
                principal_matches(self.statement, principal),
            )
        )
        if out is False:
            return False
        out = tri_and((out, self.condition_match(context)))
        return _cap(out) if isinstance(self.effect, Unknown) else out


def _has_opaque(value: object) -> bool:
    if isinstance(value, Opaque):
        return True
    if isinstance(value, dict):
        return any(isinstance(k, Opaque) or _has_opaque(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_opaque(v) for v in value)
    return False


class Reach(NamedTuple):
    """An escalation method the policies reach."""

    method: EscalationMethod
    #: the action chosen for each required group
    actions: tuple[str, ...]
    #: the Allow statements granting them, in the order of the policies
    statements: tuple[Statement, ...]
    #: True when no condition, variable or unresolved value is involved
    certain: bool


def _policies(value: Policy | Mapping[str, Any] | Iterable[Policy | Mapping[str, Any]] | None) -> list[Policy]:
    if value is None:
        return []
    if isinstance(value, Policy):
        return [value]
    if isinstance(value, Mapping):
        return [Policy(dict(value))]
    return [p if isinstance(p, Policy) else Policy(p) for p in value]


def _is_broad(pattern: str) -> bool:
    """Whether a resource pattern covers every resource of its type: ``*``,
    ``arn:aws:iam::*:role/*``, ``arn:aws:iam::123456789012:*``."""
    if pattern.strip("*") == "":
        return True
    last = max(pattern.rfind("/"), pattern.rfind(":"))
    return last >= 0 and pattern[last + 1 :].strip("*") == "" and pattern.endswith("*")


def _can_name(pattern: str, formats: tuple[str, ...] | None) -> bool:
    """Whether a resource pattern can name a resource of an action with these
    catalog ARN formats (None: an unknown action, anything goes): ``*``
    always; an ARN only when it can match one of the formats
    (``Action: "*"`` on a log group grants no IAM action,
    ``arn:aws:iam::111122223333:user/*`` no role action). An action that
    takes only ``*`` (formats ``()``) takes no ARN."""
    if formats is None or pattern.strip("*") == "":
        return True
    parts = pattern.split(":", 3)
    if len(parts) < 4:
        return True  # not an ARN: leave it to the caller's rules
    service = parts[2]
    if "*" in service or "?" in service:
        return bool(formats)
    return any(f.split(":", 3)[2:3] == [service] and arn.matches_format(pattern, f) for f in formats)


_Policies = Policy | Mapping[str, Any] | Iterable[Policy | Mapping[str, Any]]


class AccessModel:
    """What a set of policies allows (see the module docstring)."""

    def __init__(
        self,
        policies: _Policies,
        boundary: _Policies | None = None,
        scps: _Policies | None = None,
        *,
        principal: str | None = None,
    ) -> None:
        self.policies = _policies(policies)
        self.boundary = _policies(boundary) if boundary is not None else None
        self.scps = _policies(scps) if scps is not None else None
        self.principal = principal
        self.grants: list[Grant] = self._grants(self.policies, "policy")
        self.boundary_grants: list[Grant] | None = (
            self._grants(self.boundary, "boundary") if self.boundary is not None else None
        )
        self.scp_grants: list[Grant] | None = self._grants(self.scps, "scp") if self.scps is not None else None
        every = self.grants + (self.boundary_grants or []) + (self.scp_grants or [])
        #: the Deny statements of every policy (identity, boundary, SCP); an unknown Effect is in both lists
        self.deny_grants: list[Grant] = [g for g in every if g.effect == "Deny" or isinstance(g.effect, Unknown)]
        #: the identity Allow statements
        self.allow_grants: list[Grant] = [
            g for g in self.grants if g.effect == "Allow" or isinstance(g.effect, Unknown)
        ]
        self._boundary_allows = self._allows_of(self.boundary_grants)
        self._scp_allows = self._allows_of(self.scp_grants)
        self._cache: dict[tuple[object, ...], Tri] = {}
        self._reach: dict[bool, list[Reach]] = {}

    @staticmethod
    def _grants(policies: list[Policy], origin: str) -> list[Grant]:
        return [Grant(s, origin, uses_variables(p.version)) for p in policies for s in p.statements]

    @staticmethod
    def _allows_of(grants: list[Grant] | None) -> list[Grant] | None:
        if grants is None:
            return None
        return [g for g in grants if g.effect == "Allow" or isinstance(g.effect, Unknown)]

    def what_can(self, principal: str = "*") -> AccessModel:
        """The same policies, for requests made by ``principal`` (``"*"``: any
        principal, anonymous included): only the statements whose
        ``Principal`` / ``NotPrincipal`` applies to it count. For resource policies."""
        return AccessModel(self.policies, self.boundary, self.scps, principal=principal)

    # -- queries -----------------------------------------------------------
    def allows(self, action: str, resource: str = "*", context: Mapping[Any, Any] | None = None) -> Tri:
        """Whether a request for ``action`` on ``resource`` (concrete names;
        ``"*"`` is the literal resource ``*``) is allowed: ``True``, ``False``,
        or :data:`UNKNOWN` when it depends on conditions (without a context), a
        policy variable (without a context) or an unresolved value."""
        ctx = normalise_context(context) if context is not None else None
        action_lower = action.lower()
        key = (action_lower, resource, None if ctx is None else tuple(sorted(ctx.items())))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._decide(action_lower, resource, ctx)
        return hit

    def definitely(self, action: str, resource: str = "*", context: Mapping[Any, Any] | None = None) -> bool:
        """Allowed whatever the unknowns are."""
        return self.allows(action, resource, context) is True

    def possibly(self, action: str, resource: str = "*", context: Mapping[Any, Any] | None = None) -> bool:
        """Allowed for some values of the unknowns (conditions, variables, unresolved values)."""
        return self.allows(action, resource, context) is not False

    def _any(self, grants: list[Grant], action_lower: str, resource: str, ctx: Context | None) -> Tri:
        service = action_lower.partition(":")[0]
        principal = self.principal
        return tri_or(g.matches(action_lower, resource, ctx, principal) for g in grants if g.may_cover_service(service))

    def _decide(self, action_lower: str, resource: str, ctx: Context | None) -> Tri:
        denied = self._any(self.deny_grants, action_lower, resource, ctx)
        if denied is True:
            return False
        needed: list[Tri] = [tri_not(denied), self._any(self.allow_grants, action_lower, resource, ctx)]
        for allows in (self._boundary_allows, self._scp_allows):
            if allows is not None and needed[-1] is not False:
                needed.append(self._any(allows, action_lower, resource, ctx))
        return tri_and(needed)

    def allowing(self, action: str, resource: str = "*", context: Mapping[Any, Any] | None = None) -> list[Statement]:
        """The identity Allow statements that may grant the request (whether or not a Deny removes it)."""
        ctx = normalise_context(context) if context is not None else None
        lower = action.lower()
        return [g.statement for g in self.allow_grants if g.matches(lower, resource, ctx, self.principal) is not False]

    # -- escalation --------------------------------------------------------
    def reachable_escalations(self, definitely: bool = False) -> list[Reach]:
        """The escalation methods (:func:`iamlint.knowledge.escalation.privesc_methods`)
        whose every required group has an action the policies allow on some
        resource (a broad one for the method's ``broad_resource`` actions),
        after Denies, within the boundary; without a request context. With
        ``definitely`` only methods no condition or unknown stands in the way of.

        The resources tried are the resource patterns of the Allow and
        boundary statements themselves, read as resource names (a Deny on
        ``arn:aws:iam::*:role/*`` covers the Allow's ``arn:aws:iam::*:role/*``,
        a Deny on one role does not)."""
        hit = self._reach.get(definitely)
        if hit is not None:
            return hit
        order = {id(g.statement): i for i, g in enumerate(self.grants)}
        out: list[Reach] = []
        for method in privesc_methods():
            chosen: list[str] = []
            used: dict[int, Statement] = {}
            certain = True
            for group in method.requires:
                pick = self._reach_group(group, method.broad_resource, definitely)
                if pick is None:
                    break
                action, stmts, sure = pick
                chosen.append(action)
                used.update((id(s), s) for s in stmts)
                certain = certain and sure
            else:
                statements = tuple(sorted(used.values(), key=lambda s: order.get(id(s), 0)))
                out.append(Reach(method, tuple(chosen), statements, certain))
        self._reach[definitely] = out
        return out

    def _reach_group(
        self, group: tuple[str, ...], broad: frozenset[str], definitely: bool
    ) -> tuple[str, list[Statement], bool] | None:
        best: tuple[str, list[Statement], bool] | None = None
        for action in group:
            lower = action.lower()
            for resource in self._candidate_resources(lower, lower in broad):
                answer = self.allows(action, resource)
                if answer is False or (definitely and answer is not True):
                    continue
                stmts = self.allowing(action, resource)
                if answer is True:
                    return action, stmts, True
                if best is None:
                    best = (action, stmts, False)
        return best

    def _candidate_resources(self, action_lower: str, need_broad: bool) -> list[str]:
        service = action_lower.partition(":")[0]
        seen: dict[str, None] = {}
        for grants in (self.allow_grants, self._boundary_allows or []):
            for g in grants:
                if not g.may_cover_service(service) or g.action_match(action_lower) is False:
                    continue
                if g.any_resource or g.not_resource:
                    seen.setdefault("*")
                for pattern in g.resources if not g.not_resource else ():
                    seen.setdefault(pattern)
        if not seen:
            return []
        if "*" in seen:
            # what a NotResource Deny spares, read as resource names: an Allow
            # on * minus Deny NotResource role/* still grants on role/*
            for g in self.deny_grants:
                if g.not_resource and g.may_cover_service(service) and g.action_match(action_lower) is not False:
                    for pattern in g.resources:
                        seen.setdefault(pattern)
        formats = arn.required_formats(action_lower)
        return [r for r in seen if (not need_broad or _is_broad(r)) and _can_name(r, formats)]
