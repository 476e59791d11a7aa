"""Over-privilege and privilege escalation in permission policies (IAM2xx).

Every check here looks only at Allow statements (a Deny never grants), and asks
:class:`iamlint.analysis.permissions.Permissions` whether a Deny of the same
document certainly removes the risk (unconditional, on every resource). A
conditional Deny such as a region lock removes nothing and is never reported.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Iterator

from iamlint.analysis.permissions import (
    EscalationMatch,
    Permissions,
    action_pointer,
    action_strings,
    acts_on,
    covers_action,
    has_star_resource_value,
    is_broad_resource,
    is_full_wildcard_pattern,
    narrowing_conditions,
    resource_scope,
    scope_services,
    statement_covers_resource,
    statement_has_broad_resource,
    statement_is_admin,
    statement_label,
    supports_resource_level,
)
from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.iam.conditions import operator_info
from iamlint.iam.scope import pass_role_conditions
from iamlint.knowledge import catalog
from iamlint.model.policy import Statement
from iamlint.vocabulary import Severity

_SERVICE_WIDE = re.compile(r"^([A-Za-z0-9-]+):\*+$")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def permissions(ctx: Context) -> Permissions:
    """The document's Permissions, built once and shared by every rule."""
    return ctx.fact(_document_permissions)


def _document_permissions(ctx: Context) -> Permissions:
    return Permissions(ctx.policy)


def _has_actions(stmt: Statement) -> bool:
    return "Action" in stmt.raw or "NotAction" in stmt.raw


def _narrowing_conditions(stmt: Statement) -> list[str]:
    """Keys of conditions that narrow the resources (iamlint.iam.scope), or that
    only iam:PassRole carries (IAM206 judges those); once per statement."""
    return stmt.fact(_narrowing_or_pass_role)


def _narrowing_or_pass_role(stmt: Statement) -> list[str]:
    return narrowing_conditions(stmt) or pass_role_conditions(stmt)


def _has_star(stmt: Statement) -> bool:
    """Whether ``Resource`` (not ``NotResource``) holds a value that is only wildcards."""
    return not stmt.not_resource and has_star_resource_value(stmt)


def _star_value(stmt: Statement):
    """The ``Resource`` value that is only wildcards, if any."""
    if not _has_star(stmt):
        return None
    for v in stmt.resources:
        if isinstance(v.value, str) and v.value and set(v.value) == {"*"}:
            return v
    return None


def _broad_value(stmt: Statement):
    if stmt.not_resource or not statement_has_broad_resource(stmt):
        return None
    for v in stmt.resources:
        if is_broad_resource(v.value):
            return v
    return None


def _listing(items: Iterable[str], limit: int = 4) -> str:
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


_is_full_admin = statement_is_admin


# --------------------------------------------------------------------------
# IAM201 administrator access
# --------------------------------------------------------------------------


def administrator_access(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    for stmt in perms.allows:
        if not _is_full_admin(stmt):
            continue
        if stmt.not_action:
            pointer, at_key = stmt.ptr("NotAction"), True
        else:
            pointer, at_key = next(
                (
                    (v.pointer, False)
                    for v in stmt.actions
                    if isinstance(v.value, str) and is_full_wildcard_pattern(v.value)
                ),
                (stmt.ptr("Action"), True),
            )
        what = "grants every action on every resource (administrator access)"
        severity = None
        denied = [
            statement_label(d) for d in perms.denies if "Condition" not in d.raw and statement_covers_resource(d, "*")
        ]
        if denied:
            what = f"grants every action on every resource except what {_listing(denied)} denies"
            severity = Severity.WARNING
        cond = ""
        if stmt.conditions:
            cond = f" (whenever its condition on {_listing(dict.fromkeys(c.key for c in stmt.conditions), 2)} holds)"
        yield Report(
            pointer,
            f"{_cap(statement_label(stmt))} {what}{cond}; grant only the actions and resources the workload needs",
            at_key=at_key,
            severity=severity,
        )


# --------------------------------------------------------------------------
# IAM202 service-wide access
# --------------------------------------------------------------------------


def service_wide_access(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    for stmt in perms.allows:
        if stmt.not_action or "Action" not in stmt.raw:
            continue
        if not _has_star(stmt):
            if any(map(is_full_wildcard_pattern, action_strings(stmt))) and (scope := resource_scope(stmt)):
                yield from _every_action_on(ctx, perms, stmt, scope)
            continue
        if _is_full_admin(stmt) or _narrowing_conditions(stmt):
            continue
        wide = _service_wide(tuple(action_strings(stmt)))
        if not wide:
            continue
        raw = stmt.raw["Action"]
        found = [
            (
                stmt.ptr("Action") if isinstance(raw, str) else stmt.ptr("Action", _raw_index(raw, position)),
                value,
                service,
            )
            for position, value, service in wide
            if not (perms.has_hard_denies and all(perms.denied(a) for a in catalog.expand(f"{service}:*")))
        ]
        if len(found) == 1:
            pointer, value, service = found[0]
            yield Report(
                pointer,
                f"`{value}` on `Resource: *` grants every action of {_service_label(service)} "
                f"(all {catalog.action_count(service)} actions, including those added later) on every resource; "
                "list the actions the workload needs and the resources it uses",
            )
        elif found:
            # one finding per statement: the patterns are its items, each one a related location
            names = [f"{_service_label(svc)}: {catalog.action_count(svc)}" for _, _, svc in found]
            yield Report(
                stmt.ptr("Action"),
                f"{len(found)} service-wide patterns ({_listing([f'`{v}`' for _, v, _ in found])}) on "
                f"`Resource: *` grant every action of their services ({_listing(names)} actions), including those "
                "added later, on every resource; list the actions the workload needs and the resources it uses",
                at_key=True,
                items=tuple(value for _, value, _ in found),
                related=tuple(
                    (ctx.document.file, pointer, f"`{value}` grants every action of {_service_label(svc)}")
                    for pointer, value, svc in found
                ),
                fingerprint_message="service-wide patterns on `Resource: *` grant every action of their services",
            )


def _service_label(service: str) -> str:
    return catalog.service_name(service) or service


def _every_action_on(ctx: Context, perms: Permissions, stmt: Statement, scope: tuple[str, ...]) -> Iterator[Report]:
    """IAM202 for ``Action: "*"`` on ARNs of named services: every action of
    those services that can act on them (no other action can), effectively
    ``<service>:*`` there."""
    services = []
    for service in scope_services(scope):
        if not catalog.service_exists(service):
            continue
        acting = [a for a in catalog.expand(f"{service}:*") if acts_on(a, scope)]
        if perms.has_hard_denies:
            acting = [a for a in acting if not perms.denied(a)]
        if acting:
            services.append((service, len(acting)))
    if not services:
        return  # no catalogued action acts on them (IAM106 reports unknown ARN services)
    pointer, at_key = next(
        ((v.pointer, False) for v in stmt.actions if isinstance(v.value, str) and is_full_wildcard_pattern(v.value)),
        (stmt.ptr("Action"), True),
    )
    value = next(v for v in action_strings(stmt) if is_full_wildcard_pattern(v))
    shown = _listing([f"`{r}`" for r in scope], 2)
    them = "it" if len(scope) == 1 else "them"
    labels = _listing([_service_label(svc) for svc, _ in services])
    effectively = _listing([f"`{svc}:*`" for svc, _ in services])
    count = sum(n for _, n in services)
    yield Report(
        pointer,
        f"`{value}` on {shown} grants every {labels} action that can act on {them} "
        f"({count} action{'s' if count != 1 else ''}, effectively {effectively} there, including actions added "
        "later); list the actions the workload needs",
        at_key=at_key,
        items=tuple(f"{svc}:*" for svc, _ in services) if len(services) > 1 else (),
    )


@functools.lru_cache(maxsize=8192)
def _service_wide(patterns: tuple[str, ...]) -> tuple[tuple[int, str, str], ...]:
    """(position among the strings, pattern, lower-case service) of the
    ``<service>:*`` patterns of an Action list naming a catalogued service."""
    out = []
    for position, value in enumerate(patterns):
        if "*" not in value:
            continue  # cheap pre-test of the service-wide shape
        m = _SERVICE_WIDE.match(value)
        if m is not None and catalog.service_exists(service := m.group(1).lower()):
            out.append((position, value, service))
    return tuple(out)


def _raw_index(raw: list, position: int) -> int:
    """Index in the raw ``Action`` list of its ``position``-th string value."""
    if all(map(isinstance, raw[: position + 1], itertools.repeat(str))):
        return position
    strings = [i for i, v in enumerate(raw) if isinstance(v, str)]
    return strings[position]


# --------------------------------------------------------------------------
# IAM203 Allow with NotAction, IAM204 Allow with NotResource
# --------------------------------------------------------------------------


def allow_with_not_action(ctx: Context) -> Iterator[Report]:
    for stmt in permissions(ctx).allows:
        if not stmt.not_action or _is_full_admin(stmt):
            continue  # excluding nothing catalogued on every resource is IAM201's
        excluded = action_strings(stmt)
        what = f"every action of every service except {_listing(excluded)}" if excluded else "every action"
        where = "every resource" if statement_covers_resource(stmt, "*") else "its resources"
        yield Report(
            stmt.ptr("NotAction"),
            f"`NotAction` in an Allow grants {what} on {where}, including actions added to AWS later; "
            f"list the allowed actions in `Action` instead",
            at_key=True,
        )


def allow_with_not_resource(ctx: Context) -> Iterator[Report]:
    for stmt in permissions(ctx).allows:
        if not stmt.not_resource:
            continue
        excluded = [v.value for v in stmt.resources if isinstance(v.value, str)]
        actions = "every action" if stmt.not_action else _listing(action_strings(stmt), 3) or "its actions"
        what = f"every resource except {_listing(excluded, 2)}" if excluded else "every resource"
        yield Report(
            stmt.ptr("NotResource"),
            f"`NotResource` in an Allow grants {actions} on {what}, including resources created later; "
            f"list the allowed resources in `Resource` instead",
            at_key=True,
        )


# --------------------------------------------------------------------------
# IAM205 write / permissions-management actions on Resource: *
# --------------------------------------------------------------------------


def _access_facts(action_lower: str) -> tuple[str, str, bool] | None:
    """(canonical full name, access level, has resource types) of a concrete
    lower-case action; None when the catalog does not know it. The catalog
    answers from its flat per-action table (one dict look-up) without building
    an ActionInfo; tests/permissions checks both agree."""
    return catalog.access_facts(action_lower)


def _write_kind(facts: tuple[str, str, bool] | None) -> str:
    """ "pm" / "write" for write or permissions-management actions that
    support resource-level permissions (tagging-only writes excluded), else ""."""
    if facts is None or not facts[2]:
        return ""
    return _level_kind(facts[1])


def _level_kind(level: str) -> str:
    """:func:`_write_kind` of an action of access ``level`` with resource types."""
    if "Permissions management" in level:
        return "pm"
    if "Write" in level and "Tagging" not in level:
        return "write"
    return ""


@functools.lru_cache(maxsize=65536)
def _resource_level_write(action: str) -> str:
    return _write_kind(_access_facts(action.lower()))


@functools.lru_cache(maxsize=32768)
def _pattern_writes(pattern: str) -> tuple[tuple[str, str], ...]:
    """The (canonical action, kind) pairs of :func:`_write_kind` a lower-case
    pattern grants, sorted; memoised per pattern."""
    if "*" not in pattern and "?" not in pattern:
        # a concrete action: one catalog look-up, no expansion
        facts = _access_facts(pattern)
        kind = _write_kind(facts)
        return ((facts[0], kind),) if kind and facts is not None else ()  # a kind implies facts
    table = catalog.known_action_table()
    if table is None:
        return tuple(sorted((a, w) for a in _expand(pattern) if (w := _resource_level_write(a))))
    # The expanded names are catalogued: read their facts straight from the
    # flat table.
    out = []
    for a in _expand(pattern):
        facts = table.get(a.lower())
        k: str | None
        if facts is None:
            k = _resource_level_write(a)
        elif not facts[2]:
            continue
        else:
            k = _level_kind(facts[1])
        if k:
            out.append((a, k))
    out.sort()
    return tuple(out)


def _expand(pattern: str) -> Iterable[str]:
    """``catalog.expand`` of a lower-case pattern; the common ``service:Prefix*``
    shape is answered from the service's sorted action names (no regex)."""
    service, sep, action = pattern.partition(":")
    if (
        sep
        and action.endswith("*")
        and "*" not in action[:-1]
        and "?" not in action
        and ":" not in action
        and "*" not in service
        and "?" not in service
    ):
        fast = catalog.expand_prefix(pattern[:-1])
        if fast is not None:
            return fast
        names = _sorted_names(service)
        prefix = action[:-1]
        start = bisect.bisect_left(names, (prefix,))
        out = []
        for lower, full in itertools.islice(names, start, None):
            if not lower.startswith(prefix):
                break
            out.append(full)
        return out
    return catalog.expand(pattern)


@functools.lru_cache(maxsize=1024)
def _sorted_names(service: str) -> list[tuple[str, str]]:
    """(lower-case action name, canonical full name) of a service, sorted."""
    return sorted((full.partition(":")[2].lower(), full) for full in catalog.expand(f"{service}:*"))


@functools.lru_cache(maxsize=8192)
def _statement_writes(patterns: tuple[str, ...]) -> dict[str, str]:
    """Resource-level write / permissions-management actions (action -> "pm" /
    "write") an Action list grants, leaving out administrator and service-wide
    patterns (IAM201 / IAM202). Memoised per Action list: callers must not
    modify the result."""
    return dict(itertools.chain.from_iterable(map(_narrow_pattern_writes, set(patterns))))


@functools.lru_cache(maxsize=32768)
def _narrow_pattern_writes(pattern: str) -> tuple[tuple[str, str], ...]:
    """:func:`_pattern_writes` of a pattern as written, nothing for
    administrator and service-wide patterns (IAM201 / IAM202 report those)."""
    if "*" not in pattern and "?" not in pattern:
        # a concrete action (never administrator or service-wide): one look-up
        # in the flat facts table
        table = catalog.known_action_table()
        facts = table.get(pattern.lower()) if table is not None else None
        if facts is None:
            facts = _access_facts(pattern.lower())
            kind = _write_kind(facts)
            return ((facts[0], kind),) if kind and facts is not None else ()  # a kind implies facts
        if not facts[2]:
            return ()
        level_kind = _level_kind(facts[1])
        return ((facts[0], level_kind),) if level_kind else ()
    if is_full_wildcard_pattern(pattern) or _SERVICE_WIDE.match(pattern):
        return ()
    return _pattern_writes(pattern.lower())


@functools.lru_cache(maxsize=8192)
def _write_message(found: tuple[tuple[str, str], ...]) -> tuple[str, str | None]:
    """(message, severity) of IAM205 for the (sorted) granted write actions."""
    pm = sorted(a for a, k in found if k == "pm")
    ordered = pm + sorted(a for a, k in found if k != "pm")
    kinds = (
        "write and permissions-management"
        if pm and len(pm) < len(found)
        else ("permissions-management" if pm else "write")
    )
    return (
        f"`Resource: *` applies {len(found)} {kinds} action{'s' if len(found) > 1 else ''} "
        f"({_listing(ordered, 3)}) to every resource although they support resource-level permissions; "
        f"name the ARNs they need",
        Severity.WARNING if pm else None,
    )


def write_access_on_all_resources(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    for stmt in perms.allows:
        if stmt.not_action or "Action" not in stmt.raw or not _has_star(stmt):
            continue
        if _narrowing_conditions(stmt):
            continue
        found = _statement_writes(tuple(action_strings(stmt)))
        if perms.has_hard_denies:
            # still granted on every resource? (a NotResource Deny confines it)
            found = {a: k for a, k in found.items() if not perms.denied(a, "*")}
        if not found:
            continue
        message, severity = _write_message(tuple(sorted(found.items())))
        yield Report(_star_value(stmt).pointer, message, severity=severity)


# --------------------------------------------------------------------------
# IAM206 iam:PassRole on every role
# --------------------------------------------------------------------------


def _passed_to_service(stmt: Statement) -> list[str]:
    vals: list[str] = []
    for cond in stmt.conditions_on("iam:PassedToService"):
        info = operator_info(cond.operator)
        if info.negated or info.if_exists:
            continue
        vals += [v for v in cond.strings() if v.strip("*")]
    return vals


def pass_role_to_any_role(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    granting = perms.allowing_statements("iam:PassRole", broad=True)
    for stmt in granting:
        if _is_full_admin(stmt):
            continue
        broad = _broad_value(stmt)
        shown = f"`{broad.value}`" if broad is not None else "every role but the `NotResource` ones"
        pointer, at_key = action_pointer(stmt, "iam:PassRole")
        services = _passed_to_service(stmt)
        if services:
            yield Report(
                pointer,
                f"iam:PassRole on {shown} lets {_listing(services, 2)} act with any role in the account; "
                f"name the roles it may pass in `Resource`",
                at_key=at_key,
                severity=Severity.INFO,
            )
        else:
            yield Report(
                pointer,
                f"iam:PassRole on {shown} lets this principal hand any role in the account to any service "
                f"(and act with that role's permissions); name the roles in `Resource` and add an "
                f"`iam:PassedToService` condition",
                at_key=at_key,
            )


# --------------------------------------------------------------------------
# IAM207 credentials exposure / secret reads on every resource
# --------------------------------------------------------------------------


def credentials_exposure(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    per_stmt: dict[int, tuple[Statement, list]] = {}
    for sa, stmts in perms.sensitive_access(broad=True):
        if not supports_resource_level(sa.action):
            continue  # works only with "*": nothing to narrow
        for stmt in stmts:
            if _is_full_admin(stmt) or _narrowing_conditions(stmt):
                continue
            per_stmt.setdefault(id(stmt), (stmt, []))[1].append(sa)
    for stmt, found in per_stmt.values():
        broad = _broad_value(stmt)
        shown = f"`{broad.value}`" if broad is not None else "every resource but the `NotResource` ones"
        secrets = [sa for sa in found if sa.category == "secret-read"]
        what = (
            "read every secret and credential it can reach"
            if secrets
            else "obtain credentials of any principal or database it covers"
        )
        pointer, at_key = action_pointer(stmt, found[0].action)
        yield Report(
            pointer,
            f"{_listing([sa.action for sa in found], 6)} on {shown} can {what}; "
            f"name the specific secrets, parameters, keys or users in `Resource`",
            at_key=at_key,
        )


# --------------------------------------------------------------------------
# IAM208 privilege escalation
# --------------------------------------------------------------------------


def privilege_escalation(ctx: Context) -> Iterator[Report]:
    perms = permissions(ctx)
    if perms.admin_statements():
        return  # already administrator (IAM201): every method is moot
    # one finding per first statement: a statement granting many methods
    # (`iam:*`, a broad NotAction) is one finding listing them, not dozens
    by_first: dict[int, list[EscalationMatch]] = {}
    for match in perms.escalation_methods():
        by_first.setdefault(id(match.statements[0]), []).append(match)
    for matches in by_first.values():
        yield _escalation_report(ctx, matches[0]) if len(matches) == 1 else _escalations_report(ctx, matches)


def _granting_action(stmt: Statement, match: EscalationMatch) -> str:
    return next((a for a in match.actions if covers_action(stmt, a)), match.actions[0])


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _escalation_report(ctx: Context, match: EscalationMatch) -> Report:
    first = match.statements[0]
    pointer, at_key = action_pointer(first, _granting_action(first, match))
    granted_by = _and_list([statement_label(s) for s in match.statements])
    related = tuple(
        (
            ctx.document.file,
            action_pointer(s, _granting_action(s, match))[0],
            f"{statement_label(s)} grants part of {match.method.id}",
        )
        for s in match.statements[1:]
    )
    return Report(
        pointer,
        f"Privilege escalation ({match.method.id}): {' + '.join(match.actions)} granted by {granted_by} "
        f"let a principal {match.method.name}; remove or scope these actions",
        at_key=at_key,
        related=related,
    )


def _escalations_report(ctx: Context, matches: list[EscalationMatch]) -> Report:
    """Several methods whose first statement is the same: one finding at that
    statement's ``Action``/``NotAction`` key, the methods as its items, every
    other statement involved as a related location. The fingerprint leaves
    the list out, so a method more or less keeps the finding's identity."""
    first = matches[0].statements[0]
    others: dict[int, tuple[Statement, list[str]]] = {}
    for match in matches:
        for s in match.statements[1:]:
            others.setdefault(id(s), (s, []))[1].append(match.method.id)
    order = {id(s): i for i, s in enumerate(permissions(ctx).statements)}
    rest = sorted(others.values(), key=lambda item: order.get(id(item[0]), 0))
    granted_by = _and_list([statement_label(first)] + [statement_label(s) for s, _ in rest])
    ids = [m.method.id for m in matches]
    return Report(
        first.ptr("NotAction" if first.not_action else "Action"),
        f"Privilege escalation by {len(matches)} methods ({_listing(ids, 5)}): actions granted by {granted_by} "
        "let a principal gain other principals' permissions; remove or scope these actions",
        at_key=True,
        related=tuple(
            (
                ctx.document.file,
                action_pointer(s, _granting_action(s, next(m for m in matches if m.method.id == methods[0])))[0],
                f"{statement_label(s)} grants part of {_listing(methods, 3)}",
            )
            for s, methods in rest
        ),
        items=tuple(f"{m.method.id}: {' + '.join(m.actions)}" for m in matches),
        fingerprint_message="Privilege escalation by several methods: remove or scope these actions",
    )


# --------------------------------------------------------------------------
# IAM209 boundary that limits nothing
# --------------------------------------------------------------------------


def boundary_limits_nothing(ctx: Context) -> Iterator[Report]:
    """A permissions boundary whose unconditional Allow covers every action on
    every resource, with no Deny beside it: the principal keeps whatever its
    permission policies grant."""
    perms = permissions(ctx)
    if perms.denies:
        return  # any Deny, conditional or not, takes something away
    for stmt in perms.allows:
        if stmt.not_resource or stmt.conditions or not _is_full_admin(stmt):
            continue
        if stmt.not_action:
            pointer, at_key = stmt.ptr("NotAction"), True
        else:
            pointer, at_key = next(
                (
                    (v.pointer, False)
                    for v in stmt.actions
                    if isinstance(v.value, str) and is_full_wildcard_pattern(v.value)
                ),
                (stmt.ptr("Action"), True),
            )
        yield Report(
            pointer,
            f"{_cap(statement_label(stmt))} allows every action on every resource without a condition, so this "
            "permissions boundary limits nothing: its user or role may do whatever its permission policies grant; "
            "allow only the services the principal may ever use, or deny what it must never do",
            at_key=at_key,
        )
