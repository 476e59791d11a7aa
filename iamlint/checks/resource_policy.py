"""Resource policies (IAM5xx): bucket, queue, topic, key, repository ... policies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from iamlint.analysis.permissions import covers_action, is_full_wildcard, statement_label
from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.iam import arn
from iamlint.iam.conditions import complement, operator_info
from iamlint.iam.scope import PLACEHOLDER, restricting_conditions, restricts_caller
from iamlint.iam.wildcard import has_wildcard, is_all_stars
from iamlint.model.policy import Condition, Statement, Value

_ACCOUNT_WILDCARD_ARN = re.compile(r"^arn:[^:]*:iam::\*:")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _public_principal(stmt: Statement) -> Value | None:
    """The principal value that opens the statement to everyone, if any."""
    if stmt.principal_key == "NotPrincipal":
        # Allow + NotPrincipal: everyone except the listed principals
        return Value(stmt.raw.get("NotPrincipal"), stmt.ptr("NotPrincipal"))
    for ptype, value in stmt.principals:
        v = value.value
        if not isinstance(v, str):
            continue
        if ptype == "*" and v == "*":
            return value
        if ptype == "AWS" and (v == "*" or _ACCOUNT_WILDCARD_ARN.match(v)):
            return value
    return None


def _negation(cond: Condition) -> Condition | None:
    """The condition a request must meet to escape a Deny guarded by ``cond``, when
    it is a negated string, ARN or IP test (``StringNotEquals k v`` -> ``StringEquals
    k v``: a request without the key does not escape, since the negated test is true
    when the key is absent, with or without ``IfExists``) or ``BoolIfExists k false``
    (-> ``Bool k true``); else None."""
    info = operator_info(cond.operator)
    if info.base.lower() == "bool" and not info.qualifier:
        # BoolIfExists k false denies a request without the key too: only k = true escapes;
        # a plain Bool k false lets a request without the key (an anonymous one) through
        if info.if_exists and cond.values and all(str(v.value).lower() == "false" for v in cond.values):
            return cond._replace(operator="Bool", values=(Value("true", cond.pointer),))
        return None
    positive = complement(info)
    return None if positive is None else cond._replace(operator=positive)


def _guard_restricts(deny: Statement) -> bool:
    """Whether a Deny's condition block denies everyone who is NOT a named caller:
    every condition (they are ANDed, so a request escapes when one of them is
    false) is a negated test of a restricting key, e.g. ``StringNotEquals
    aws:SourceVpce vpce-1a2b3c4d``."""
    conds = deny.conditions
    if not conds or len(conds) != _condition_count(deny):
        return False
    for cond in conds:
        positive = _negation(cond)
        if positive is None or not restricts_caller(positive):
            return False
    return True


def _condition_count(stmt: Statement) -> int:
    """Entries of the Condition block, well-formed or not (a malformed one is unknown)."""
    block = stmt.raw.get("Condition")
    if not isinstance(block, dict):
        return -1
    return sum(len(keys) if isinstance(keys, dict) else 1 for keys in block.values())


# -- does a Deny cover an Allow ------------------------------------------------------------


#: pattern comparisons one document may spend on Deny guards (characters compared);
#: past it a guard is taken not to cover, and the Allow is reported as before
_COVER_BUDGET = 1 << 22
#: Deny guards weighed per document (a real policy has a handful)
_MAX_GUARDS = 64


class _Guards:
    """The document's Deny statements that may restrict a public Allow, and what is
    left of its comparison budget (one per document: :meth:`Context.fact`)."""

    __slots__ = ("budget", "denies")

    def __init__(self, denies: list[Statement]) -> None:
        self.denies = denies
        self.budget = _COVER_BUDGET

    def covers(self, wide: str, narrow: str) -> bool:
        """Whether every string the wildcard pattern ``narrow`` matches is matched by
        ``wide`` (sound, not complete: a wildcard of ``narrow`` must fall inside a
        ``*`` of ``wide``)."""
        if wide == narrow or is_all_stars(wide):
            return True
        if not has_wildcard(wide):
            return False  # a literal covers only itself
        if wide[-1] == "*" and not has_wildcard(wide[:-1]):
            self.budget -= len(wide)
            return self.budget > 0 and arn.covers(wide, narrow)  # `prefix*`, the usual shape
        cost = len(wide) * len(narrow)
        if cost > 1 << 16 or cost > self.budget:
            return False
        self.budget -= cost
        return arn.covers(wide, narrow)


def _guards(ctx: Context) -> _Guards:
    denies = [
        deny
        for deny in ctx.policy.statements
        if deny.is_deny
        and ("Action" in deny.raw or "NotAction" in deny.raw)
        and ("Condition" not in deny.raw or _guard_restricts(deny))
        and _deny_reaches_everyone(deny)
    ]
    return _Guards(denies[:_MAX_GUARDS])


def _deny_covers_actions(guards: _Guards, deny: Statement, allow: Statement) -> bool:
    if is_full_wildcard(deny):
        return True
    acts = allow.action_strings()
    if allow.not_action or not acts or len(acts) != len(allow.actions):
        return False
    if deny.not_action:
        return all(not has_wildcard(a) and covers_action(deny, a) for a in acts)
    denied = [d.lower() for d in deny.action_strings()]
    return all(any(guards.covers(d, a.lower()) for d in denied) for a in acts)


def _deny_covers_resources(guards: _Guards, deny: Statement, allow: Statement) -> bool:
    if deny.not_resource:
        return False
    if "Resource" not in deny.raw:
        return "Resource" not in allow.raw and not allow.not_resource  # both apply to the policy's resource
    wide = deny.resources
    if any(isinstance(d.value, str) and is_all_stars(d.value) for d in wide):
        return True
    if allow.not_resource or "Resource" not in allow.raw or not allow.resources:
        return False
    for res in allow.resources:
        if isinstance(res.value, str):
            if not any(isinstance(d.value, str) and guards.covers(d.value, res.value) for d in wide):
                return False
        elif not any(d.value == res.value for d in wide):  # the same unresolved IaC value
            return False
    return True


def _deny_reaches_everyone(deny: Statement) -> bool:
    """Whether a Deny applies to every caller (``Principal: "*"``), or to every
    caller but named ones (``NotPrincipal`` without a wildcard): either way, what
    it leaves of a public Allow is restricted."""
    if deny.principal_key == "NotPrincipal":
        named = deny.principals
        return bool(named) and all(isinstance(v.value, str) and not has_wildcard(v.value) for _, v in named)
    return _public_principal(deny) is not None


def _public_denied(ctx: Context, stmt: Statement) -> bool:
    """A Deny to everyone covering the statement's actions and resources, either
    unconditional or guarded by a negated pin of the caller (AWS's private API
    and VPC-endpoint-only bucket policies): the Allow is then no longer public."""
    guards = ctx.fact(_guards)
    return any(
        _deny_covers_actions(guards, deny, stmt) and _deny_covers_resources(guards, deny, stmt)
        for deny in guards.denies
    )


def _is_endpoint_policy(ctx: Context) -> bool:
    rtype = str(ctx.document.meta.get("resource_type", ""))
    return "vpcendpoint" in rtype.replace("_", "").lower()


def public_resource_policy(ctx: Context) -> Iterator[Report]:
    if _is_endpoint_policy(ctx):
        return  # an endpoint policy applies only to traffic through that endpoint
    for stmt in ctx.policy.statements:
        if not stmt.is_allow:
            continue
        principal = _public_principal(stmt)
        if principal is None or restricting_conditions(stmt):
            continue
        if _public_denied(ctx, stmt):
            continue
        acts = "every action except " if stmt.not_action else ""
        acts += ", ".join(stmt.action_strings()[:3]) + (" ..." if len(stmt.action_strings()) > 3 else "")
        who = (
            "everyone except the `NotPrincipal` principals"
            if stmt.principal_key == "NotPrincipal"
            else f"anyone (`{principal.value}`)"
        )
        yield Report(
            principal.pointer,
            f"{_cap(statement_label(stmt))} lets {who} call {acts or 'its actions'} with no condition "
            f"limiting the caller (such as aws:PrincipalOrgID, aws:SourceArn, aws:SourceAccount or aws:SourceVpce): "
            f"the resource is public; name the principals or add such a condition",
            at_key=stmt.principal_key == "NotPrincipal",
        )


# -- IAM502 wildcard inside a principal ARN ---------------------------------------------


def _principal_statements(ctx: Context) -> Iterator[Statement]:
    if _is_endpoint_policy(ctx):
        return iter(())
    return iter(ctx.policy.statements)


def wildcard_in_resource_principal_arn(ctx: Context) -> Iterator[Report]:
    for stmt in _principal_statements(ctx):
        for ptype, value in stmt.principals:
            text = value.value
            if ptype != "AWS" or not isinstance(text, str) or text == "*":
                continue
            if has_wildcard(PLACEHOLDER.sub("", text)):
                yield Report(
                    value.pointer,
                    f"principal {text!r} contains a wildcard: a `Principal` accepts a wildcard only as the whole "
                    'value `"*"`, so AWS rejects the policy (or never matches the entry); name the accounts or '
                    'roles exactly, or use `"*"` with a condition such as `ArnLike` on `aws:PrincipalArn` or '
                    "`StringEquals` on `aws:PrincipalOrgID`",
                )


# -- IAM503 Allow with NotAction --------------------------------------------------------


def _who(stmt: Statement) -> str:
    if stmt.principal_key == "NotPrincipal":
        return "everyone except the `NotPrincipal` principals"
    names = [v.value for _, v in stmt.principals if isinstance(v.value, str)]
    if not names:
        return "its principals"
    shown = ", ".join(f"`{n}`" for n in names[:2]) + (" ..." if len(names) > 2 else "")
    return shown


def resource_policy_allow_with_not_action(ctx: Context) -> Iterator[Report]:
    for stmt in _principal_statements(ctx):
        if stmt.is_allow and stmt.not_action:
            yield Report(
                stmt.ptr("NotAction"),
                f"{_cap(statement_label(stmt))} allows {_who(stmt)} every action except the `NotAction` list: "
                "on this resource that includes deleting it and rewriting its policy, and every action AWS "
                "adds later; list the allowed actions in `Action`",
                at_key=True,
            )


# -- IAM504 every action of a service granted ---------------------------------------------

_ACCOUNT_ROOT = re.compile(r"^(?:arn:[^:]+:iam::(?P<account>[^:]*):root|(?P<bare>\d{12}))$")
_ACCOUNT_FIELD = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(?P<account>\d{12}):")


def _service_wide(pattern: str) -> bool:
    """``*``, ``sqs:*``, ``s3:**``: every action (of one service)."""
    service, sep, action = pattern.partition(":")
    if not sep:
        return is_all_stars(pattern)
    return service != "" and is_all_stars(action)


def _endpoint_shape(stmt: Statement) -> bool:
    """Every action of every service on resources of no one account in particular
    (``*``, ``arn:aws:iot:*:*:jobtemplate/*``, AWS-owned ARNs): the shape of a VPC
    endpoint (or perimeter) policy, which filters requests, not of one resource's
    policy (that names its resource, or leaves ``Resource`` out)."""
    if not is_full_wildcard(stmt) or "Resource" not in stmt.raw:
        return False
    return not any(_names_a_resource(r.value) for r in stmt.resources)


def _names_a_resource(value: object) -> bool:
    if not isinstance(value, str) or "${" in value:
        return True  # an IaC reference to a resource (`aws_sqs_queue.q.arn`, `!GetAtt Queue.Arn`)
    parts = arn.parse(value, exact_prefix=True)
    if parts is None:
        return False
    if parts.account:
        return parts.account.isdigit()
    bucket = parts.resource.split("/", 1)[0]
    return bucket != "" and not has_wildcard(bucket)  # an S3 bucket (or its objects)


def _own_account_root(principal: object, resource_accounts: set[str]) -> bool:
    """An account principal that is (or may be) the resource's own account: the
    grant then delegates to that account's IAM policies, as the default KMS key
    policy does.  Unknown when no resource ARN names an account."""
    if not isinstance(principal, str):
        return True  # an unresolved IaC value: unknown, never reported
    text = PLACEHOLDER.sub("{}", principal)
    if text == "{}":
        return True  # `!Ref AWS::AccountId`, an account variable
    m = _ACCOUNT_ROOT.match(text)
    if m is None:
        return False
    account = m.group("bare") or m.group("account")
    if "{}" in account:
        return True  # ${AWS::AccountId}: the stack's own account
    if not account.isdigit():
        return False
    return not resource_accounts or resource_accounts == {account}


def all_actions_in_resource_policy(ctx: Context) -> Iterator[Report]:
    for stmt in _principal_statements(ctx):
        if not stmt.is_allow or stmt.not_action or stmt.principal_key != "Principal":
            continue
        wide = [v for v in stmt.actions if isinstance(v.value, str) and _service_wide(v.value)]
        if not wide or _endpoint_shape(stmt):
            continue
        accounts = {
            m.group("account")
            for r in stmt.resources
            if isinstance(r.value, str) and (m := _ACCOUNT_FIELD.match(r.value)) is not None
        }
        others = [
            v.value for ptype, v in stmt.principals if not (ptype == "AWS" and _own_account_root(v.value, accounts))
        ]
        if not others:
            continue
        who = ", ".join(f"`{o}`" for o in others[:2]) + (" ..." if len(others) > 2 else "")
        for v in wide:
            service = v.value.partition(":")[0] if ":" in v.value else ""
            what = "every action" if not service.strip("*") else f"every {service} action"
            yield Report(
                v.pointer,
                f"{_cap(statement_label(stmt))} grants {what} (`{v.value}`) to {who}: that includes deleting "
                "the resource and rewriting its policy; grant only the actions the principal needs",
            )
