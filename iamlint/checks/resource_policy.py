"""Resource policies (IAM5xx): bucket, queue, topic, key, repository ... policies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from iamlint.analysis.permissions import covers_action, is_full_wildcard, statement_label
from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.iam.scope import restricting_conditions
from iamlint.model.policy import Statement, Value

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


def _is_endpoint_policy(ctx: Context) -> bool:
    rtype = str(ctx.document.meta.get("resource_type", ""))
    return "vpcendpoint" in rtype.replace("_", "").lower()


def _public_denied(ctx: Context, stmt: Statement) -> bool:
    """An unconditional Deny to everyone covering all of the statement's actions."""
    acts = stmt.action_strings()
    if stmt.not_action or not acts:
        return False
    for deny in ctx.policy.statements:
        if not deny.is_deny or "Condition" in deny.raw or _public_principal(deny) is None:
            continue
        if not ("Action" in deny.raw or "NotAction" in deny.raw):
            continue
        if not any(isinstance(v.value, str) and set(v.value) == {"*"} for v in deny.resources) or deny.not_resource:
            continue
        if is_full_wildcard(deny):
            return True
        if all("*" not in a and "?" not in a and covers_action(deny, a) for a in acts):
            return True
    return False


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
