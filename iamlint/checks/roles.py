"""Whole-role checks (IAM4xx): managed policy attachments, trust x permissions,
long-term credentials.

Role checks receive a :class:`~iamlint.engine.runner.RoleContext` and yield
``(Report, Document)`` pairs: the document is the one the pointer belongs to
(``role.resource`` for an attachment, ``role.trust`` for a compound finding).

What a role can do is summarised by :func:`iamlint.analysis.summary.summarise`
(the shared permission analysis the IAM2xx rules use) over its inline and
customer managed documents, merged with the catalog summaries of the AWS
managed policies it attaches, and limited by its permissions boundary.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from iamlint.analysis.permissions import (
    Permissions,
    action_pointer,
    covers_action,
    statement_is_admin,
    statement_label,
)
from iamlint.analysis.summary import IAM_WRITE, summarise
from iamlint.engine.report import Report
from iamlint.findings import SEVERITY_RANK
from iamlint.knowledge import managed as mp
from iamlint.knowledge.escalation import escalation_names, privesc_methods
from iamlint.knowledge.managed import DATA_SERVICES, Summary
from iamlint.model.document import Document
from iamlint.model.policy import Policy, Statement
from iamlint.vocabulary import Severity


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list of names in a message."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


#: a scoped ARN to show in messages, per data service
_EXAMPLE_ARN = {
    "s3": "arn:aws:s3:::my-bucket/*",
    "dynamodb": "arn:aws:dynamodb:REGION:ACCOUNT:table/my-table",
    "secretsmanager": "arn:aws:secretsmanager:REGION:ACCOUNT:secret:my-app/*",
    "kms": "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID",
    "ssm": "arn:aws:ssm:REGION:ACCOUNT:parameter/my-app/*",
    "sqs": "arn:aws:sqs:REGION:ACCOUNT:my-queue",
    "rds": "arn:aws:rds-db:REGION:ACCOUNT:dbuser:DB-ID/my-user",
    "kinesis": "arn:aws:kinesis:REGION:ACCOUNT:stream/my-stream",
}
_RESOURCE_WORD = {
    "s3": "buckets",
    "dynamodb": "tables",
    "secretsmanager": "secrets",
    "kms": "keys",
    "ssm": "parameters",
    "sqs": "queues",
    "rds": "databases",
    "kinesis": "streams",
}


def _label(role) -> str:
    return f"{role.principal_type.replace('_', ' ')} `{role.name}`"


def _arn_text(arn: Any) -> str | None:
    return arn.strip() if isinstance(arn, str) else None


# --------------------------------------------------------------------------
# IAM401 over-broad AWS managed policy attachment
# --------------------------------------------------------------------------


def _grade(s: Summary) -> tuple[str, str] | None:
    """(severity, what it grants) for an attachment, or None when not over-broad."""
    if s.admin:
        return Severity.ERROR, "administrator access (every action on every resource)"
    iam_methods = [m for m in s.escalation if m.startswith("iam-")]
    if s.iam_write or iam_methods:
        return Severity.ERROR, "IAM permissions management, which lets the holder grant itself any permission"
    if s.not_action:
        return (
            Severity.ERROR,
            "every action outside a short exclusion list (NotAction), including read and write of all data",
        )
    parts = []
    if s.data_full:
        parts.append("read and write of all " + _join([DATA_SERVICES[d][0] for d in s.data_full]) + " in the account")
    passrole = [m for m in s.escalation if m.startswith("passrole-")]
    if passrole:
        parts.append(
            "passing any role to a service (privilege escalation: " + "; ".join(escalation_names(passrole[:1])) + ")"
        )
    if parts:
        return Severity.WARNING, " and ".join(parts)
    reads = s.data_read
    if s.read_only and reads and (len(reads) >= 2 or any(r in mp.SECRET_SERVICES for r in reads)):
        return Severity.INFO, "read access to the data itself (" + _join(
            [DATA_SERVICES[d][0] for d in reads]
        ) + "), not only to configuration"
    return None


def _alternative(policy: mp.ManagedPolicy, s: Summary) -> str:
    if s.admin or s.not_action:
        return (
            "grant only the actions this principal uses (IAM Access Analyzer can generate such a policy "
            "from its CloudTrail activity)"
        )
    if s.iam_write or any(m.startswith("iam-") for m in s.escalation):
        return (
            "use IAMReadOnlyAccess, or an inline policy limited to the roles it manages "
            "(arn:aws:iam::ACCOUNT:role/my-app/*) with an iam:PermissionsBoundary condition"
        )
    if s.data_full:
        counterpart = mp.read_only_counterpart(policy)
        svc = s.data_full[0]
        scoped = f"an inline policy scoped to the {_RESOURCE_WORD.get(svc, 'resources')} it uses ({_EXAMPLE_ARN[svc]})"
        return f"attach {counterpart} if it only reads, or {scoped}" if counterpart else f"use {scoped}"
    if s.read_only and s.data_read:
        return "if it only needs to see configuration, attach ViewOnlyAccess or SecurityAudit instead"
    return "scope `iam:PassRole` to the roles it must pass (arn:aws:iam::ACCOUNT:role/my-app-*) in an inline policy"


def _aws_operated(role) -> bool:
    """Service-linked roles and IAM Identity Center roles (/aws-reserved/):
    AWS creates and changes them, not the account's templates."""
    return role.service_linked or (role.path or "").startswith("/aws-reserved/")


def overbroad_managed_policy_attachment(ctx) -> Iterator[tuple[Report, Document]]:
    role = ctx.role
    if _aws_operated(role):
        return
    for att in role.managed:
        arn = _arn_text(att.arn)
        if arn is None or not mp.is_aws_managed(arn):
            continue
        policy = mp.lookup(arn)
        if policy is None:
            continue
        s = policy.summary
        if policy.for_services and not s.admin:
            continue  # designed for a service role; judged by the service's needs
        graded = _grade(s)
        if graded is None:
            continue
        severity, grants = graded
        message = f"AWS managed policy `{policy.name}` grants {_label(role)} {grants}; {_alternative(policy, s)}"
        yield Report(att.pointer, message, severity=severity), att.where(role.resource)


# --------------------------------------------------------------------------
# IAM402 unknown managed policy, IAM403 deprecated managed policy
# --------------------------------------------------------------------------


def _all_attachments(role):
    yield from role.managed
    if role.boundary is not None:
        yield role.boundary


def unknown_managed_policy(ctx) -> Iterator[tuple[Report, Document]]:
    role = ctx.role
    for att in _all_attachments(role):
        arn = _arn_text(att.arn)
        if arn is None:
            continue
        res = mp.resolve(arn)
        if res is None:
            continue
        parsed = mp.parse_arn(arn)
        assert parsed is not None  # resolve() answered: an AWS managed policy ARN
        partition = parsed[0]
        if res.policy is None:
            name = parsed[2]
            suggested = mp.get(res.suggestion) if res.suggestion else None
            hint = (
                f"; did you mean `{suggested.arn(partition)}`?"
                if suggested is not None
                else "; check the name against the IAM console or `aws iam list-policies --scope AWS`"
            )
            yield (
                Report(
                    att.pointer,
                    f"`{arn}` is not an AWS managed policy (no policy named `{name}`), so attaching it fails{hint}",
                ),
                att.where(role.resource),
            )
        elif res.wrong_path:
            yield (
                Report(
                    att.pointer,
                    f"AWS managed policy `{res.policy.name}` lives at path `{res.policy.path}`: "
                    f"write `{res.policy.arn(partition)}`; the ARN as written does not exist",
                ),
                att.where(role.resource),
            )


def deprecated_managed_policy(ctx) -> Iterator[tuple[Report, Document]]:
    role = ctx.role
    for att in _all_attachments(role):
        arn = _arn_text(att.arn)
        if arn is None or not mp.is_aws_managed(arn):
            continue
        policy = mp.lookup(arn)
        if policy is None or not policy.deprecated:
            continue
        newer = _successor(policy.name)
        hint = f"; attach `{newer}` instead" if newer else "; replace it with a current AWS managed policy or your own"
        yield (
            Report(
                att.pointer,
                f"AWS managed policy `{policy.name}` is deprecated: AWS no longer updates it and "
                f"it cannot be attached to new principals{hint}",
            ),
            att.where(role.resource),
        )


def _successor(name: str) -> str | None:
    """Deprecated policies were mostly replaced by a name with an underscore
    (AWSLambdaReadOnlyAccess -> AWSLambda_ReadOnlyAccess) or a V2 suffix."""
    candidates = [name + "V2", name + "_v2"]
    for i in range(1, len(name)):
        if name[i].isupper() and name[i - 1].islower():
            candidates.append(name[:i] + "_" + name[i:])
    for cand in candidates:
        p = mp.get(cand)
        if p is not None and not p.deprecated and p.name != name:
            return p.name
    return None


# --------------------------------------------------------------------------
# Effective power of a principal
# --------------------------------------------------------------------------


@dataclass
class Part:
    """One source of power: a policy document or a managed attachment."""

    label: str
    document: Document
    pointer: str
    summary: Summary


def _doc_label(doc: Document) -> str:
    name = doc.meta.get("policy_name")
    return f"policy `{name}`" if isinstance(name, str) and name else f"the policy of `{doc.owner}`"


def _first_evidence(s: Summary, flags: tuple[str, ...]) -> str:
    for flag in flags:
        stmts = s.evidence.get(flag)
        if stmts:
            return stmts[0].pointer
    return ""


_FLAGS = ("admin", "iam_write", "escalation", "data_full", "data_read")


class Source(NamedTuple):
    """One policy document of a principal: its own (inline or customer managed
    with the document in the input) or, for a user, one of its groups'."""

    label: str  # "policy `x`", "policy `x` (through group `g`)"
    document: Document
    #: the group it comes through (users), else None
    group: Any = None


def _principals(role) -> list[tuple[Any, Any]]:
    """(principal, group it comes through or None): the principal, then its groups."""
    return [(role, None)] + [(g, g) for g in role.member_of if g is not role]


def _own_documents(principal) -> list[Document]:
    docs = [d for d in principal.inline if d.value is not None]
    docs += [a.document for a in principal.managed if a.document is not None and a.document.value is not None]
    return docs


def policy_sources(role) -> list[Source]:
    """The principal's policy documents that the input shows, each once: its
    own, then (a user) each group's."""
    seen: set[int] = set()
    out: list[Source] = []
    for principal, group in _principals(role):
        for doc in _own_documents(principal):
            if id(doc) not in seen:
                seen.add(id(doc))
                through = f" (through group `{group.name}`)" if group is not None else ""
                out.append(Source(_doc_label(doc) + through, doc, group))
    return out


def _catalog_attachments(principal, group) -> Iterator[tuple[str, Document, str, mp.ManagedPolicy]]:
    """(label, document, pointer, policy) of the AWS managed policies attached
    by ARN without a document (judged by the catalog's summaries)."""
    through = f" (through group `{group.name}`)" if group is not None else ""
    for att in principal.managed:
        arn = _arn_text(att.arn)
        if att.document is None and arn and mp.is_aws_managed(arn):
            policy = mp.lookup(arn)
            if policy is not None:
                yield f"AWS managed policy `{policy.name}`{through}", att.where(principal.resource), att.pointer, policy


def _deny_policy(role, sources: list[Source]) -> Policy | None:
    """The unconditional Deny statements of all the principal's policies (a
    user's groups' too) as one policy, None when there is none: IAM applies
    a Deny in any of them to what every other one allows.  Conditional
    Denies may not apply to a request, so they take nothing away.  The
    Denies of AWS managed policies attached by ARN come from the catalog
    (:func:`iamlint.knowledge.managed.unconditional_denies`)."""
    denies = [
        s.raw
        for src in sources
        for s in src.document.policy.statements
        if s.is_deny and "Condition" not in s.raw and ("Action" in s.raw or "NotAction" in s.raw)
    ]
    for principal, group in _principals(role):
        for _label, _where, _pointer, policy in _catalog_attachments(principal, group):
            denies += mp.unconditional_denies(policy)
    return Policy({"Version": "2012-10-17", "Statement": denies}) if denies else None


_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _catalog_minus_denies(s: Summary, denies: Policy) -> Summary:
    """A catalog summary (an AWS managed policy, whose document iamlint does not
    ship) less what the principal's unconditional Denies certainly remove.

    An administrator policy grants every action, so it is judged as ``*`` on
    ``*`` with the Denies.  Otherwise a flag is dropped only when the Denies
    remove every action it can come from (an escalation method: every
    alternative of one of its groups; data: the service's reads, or one of
    its writes for full access), so nothing is claimed that they deny."""
    if s.admin:
        return summarise([Policy(_ADMIN_POLICY), denies])
    perms = Permissions(denies)
    if not perms.denies:
        return s
    methods = {m.id: m for m in privesc_methods()}

    def reachable(method_id: str) -> bool:
        method = methods.get(method_id)
        if method is None:
            return True
        return all(any(not perms.denied(alt) for alt in group) for group in method.requires)

    data_read = [d for d in s.data_read if not all(perms.denied(a) for a in DATA_SERVICES[d][1])]
    data_full = [d for d in s.data_full if d in data_read and not any(perms.denied(a) for a in DATA_SERVICES[d][2])]
    return Summary(
        admin=False,
        not_action=s.not_action,
        iam_write=s.iam_write and not all(perms.denied(a) for a in IAM_WRITE),
        escalation=[m for m in s.escalation if reachable(m)],
        data_full=data_full,
        data_read=data_read,
        read_only=s.read_only,
    )


def _source_of(sources: list[Source], pointer_stmt) -> Source | None:
    for src in sources:
        if any(st is pointer_stmt for st in src.document.policy.statements):
            return src
    return None


def power_parts(role, seen: set | None = None) -> list[Part] | None:
    """The sources of a principal's power (its groups' too, for users), each
    less what an unconditional Deny in any of the principal's (or its
    groups') documents removes.  None when a permissions boundary cannot be
    resolved (power unknown)."""
    parts: list[Part] = []
    sources = policy_sources(role)
    denies = _deny_policy(role, sources)
    for principal, group in _principals(role):  # in order: own documents, own AWS managed, each group's
        for src in sources:
            if src.group is group:
                s = summarise([src.document.policy] if denies is None else [src.document.policy, denies])
                parts.append(Part(src.label, src.document, _first_evidence(s, _FLAGS), s))
        for label, where, pointer, policy in _catalog_attachments(principal, group):
            s = policy.summary if denies is None else _catalog_minus_denies(policy.summary, denies)
            parts.append(Part(label, where, pointer, s))
    if len(sources) > 1:  # escalation split over documents
        combined = summarise([src.document.policy for src in sources] + ([denies] if denies is not None else []))
        extra = [m for m in combined.escalation if not any(m in p.summary.escalation for p in parts)]
        if extra:
            evidence = [_source_of(sources, st) for st in combined.evidence.get("escalation", ())]
            holder = evidence[0] if evidence and evidence[0] is not None else sources[0]
            groups = {id(src.group): src.group for src in evidence if src is not None}
            only = next(iter(groups.values())) if len(groups) == 1 else None
            parts.append(
                Part(
                    "its policies together" + (f" (through group `{only.name}`)" if only is not None else ""),
                    holder.document,
                    _first_evidence(combined, ("escalation",)),
                    Summary(escalation=extra, read_only=False),
                )
            )
    # a group's boundary does not exist in IAM; only the principal's own counts
    boundary = _boundary_summary(role)
    if boundary is False:
        return None
    if boundary is not None:
        parts = [Part(p.label, p.document, p.pointer, p.summary.intersect(boundary)) for p in parts]
    return parts


def _boundary_summary(role) -> Summary | Literal[False] | None:
    """The boundary's summary, None without a boundary, False when unknown."""
    att = role.boundary
    if att is None:
        return None
    if att.document is not None and att.document.value is not None:
        return summarise(att.document.policy)
    arn = _arn_text(att.arn)
    policy = mp.lookup(arn) if arn and mp.is_aws_managed(arn) else None
    return policy.summary if policy is not None else False


def _rank(s: Summary) -> int:
    if s.admin:
        return 5
    if s.iam_write or any(m.startswith("iam-") for m in s.escalation):
        return 4
    if s.escalation:
        return 3
    if s.data_full:
        return 2
    if s.data_read:
        return 1
    return 0


def _strongest(parts: list[Part]) -> Part | None:
    best = max(parts, key=lambda p: _rank(p.summary), default=None)
    return best if best is not None and _rank(best.summary) > 0 else None


def _power_words(s: Summary) -> str:
    if s.admin:
        return "holds administrator access"
    if s.iam_write or any(m.startswith("iam-") for m in s.escalation):
        return "can escalate privileges (IAM permissions management)"
    if s.escalation:
        return "can escalate privileges (" + escalation_names(s.escalation[:1])[0] + ")"
    if s.data_full:
        return "can read and write all " + _join([DATA_SERVICES[d][0] for d in s.data_full])
    return "can read all " + _join([DATA_SERVICES[d][0] for d in s.data_read])


# --------------------------------------------------------------------------
# IAM404 exposed role with powerful permissions (compound)
# --------------------------------------------------------------------------


def _exposure_words(finding, trust: Document) -> tuple[str, str]:
    """(category, words) for a trust finding."""
    name = finding.name.lower()
    text = str(trust.value).lower()
    if "oidc" in name or "web-identity" in name or "subject" in name or "claim" in name:
        if "token.actions.githubusercontent.com" in text:
            return "oidc", "is assumable by any GitHub repository"
        return "oidc", "is assumable by any identity of its OIDC provider"
    if "saml" in name:
        return "oidc", "is assumable through SAML without an audience check"
    if "cross-account" in name or "external" in name:
        return "cross-account", "is assumable from another account without an ExternalId or other condition"
    if "confused-deputy" in name:
        return "cross-account", "can be assumed by its service on behalf of any account (confused deputy)"
    if "wildcard-principal" in name or "not-principal" in name or "public" in name:
        return "public", "is assumable by anyone (public trust)"
    return "other", f"has an exposed trust policy ({finding.name})"


def exposed_role_with_powerful_permissions(ctx) -> Iterator[tuple[Report, Document]]:
    role = ctx.role
    if role.principal_type != "role" or role.trust is None or _aws_operated(role):
        return
    excluded = {str(x).upper() for x in (ctx.option("not-exposure") or ())}
    exposures = [
        f
        for f in ctx.findings_for(role.trust)
        if f.rule.startswith("IAM3")
        and f.rule.upper() not in excluded
        and SEVERITY_RANK.get(f.severity, 0) >= SEVERITY_RANK[Severity.WARNING]
    ]
    if not exposures:
        return
    exposures.sort(key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.span))
    exposure = exposures[0]
    category, exposed = _exposure_words(exposure, role.trust)
    parts = power_parts(role)
    if not parts:
        return
    part = _strongest(parts)
    if part is None:
        return
    s = part.summary
    if _rank(s) == 1 and category not in ("public", "oidc"):
        return  # data reads only matter behind a public or federated trust
    span = part.document.locate(part.pointer)
    where = f"line {span.line}"
    if part.document.file != role.trust.file:  # e.g. a sibling .tf file of the module
        where += f" of {os.path.basename(part.document.file)}"
    message = (
        f"role `{role.name}` {exposed} ({exposure.rule} {exposure.name}) and {_power_words(s)} "
        f"through {part.label} ({where}): fix the trust first, then reduce the permissions"
    )
    related = (
        (role.trust, exposure.pointer, f"trust: {exposure.message}"),
        (part.document, part.pointer, f"granted by {part.label} at line {span.line}, column {span.column}"),
    )
    # point at the trust statement the exposure finding names
    pointer = exposure.pointer
    segs = pointer.split("/")
    if len(segs) >= 3 and segs[1] == "Statement":
        pointer = "/".join(segs[:3]) if segs[2].isdigit() else "/Statement"
    yield Report(pointer, message, related=related), role.trust


# --------------------------------------------------------------------------
# IAM405 long-term credentials with powerful permissions
# --------------------------------------------------------------------------


def user_with_powerful_permissions(ctx) -> Iterator[tuple[Report, Document]]:
    role = ctx.role
    if role.principal_type == "permission_set":
        yield from _powerful_permission_set(role)
        return
    if role.principal_type != "user":
        return
    keys = [k.name for k in role.access_keys]  # AWS::IAM::AccessKey / aws_iam_access_key
    # where the first key is declared, reported at the key (the resource's
    # logical id / block header)
    key_at = role.access_keys[0] if role.access_keys else None
    parts = power_parts(role) or []
    part = _strongest(parts)
    if part is None or _rank(part.summary) < 2:
        if keys:
            message = (
                f"IAM user `{role.name}` has a long-term access key declared ({', '.join(map(str, keys))}): "
                f"keys leak and never expire; use a role instead (OIDC federation for CI, an instance "
                f"profile or task role for workloads, IAM Identity Center for people)"
            )
            if key_at is not None:
                yield Report(key_at.pointer, message, at_key=True), key_at.document
        return
    creds = "has an access key declared" if keys else "can hold long-term access keys and a password"
    pointer = "/UserName" if isinstance(role.resource.value, dict) and "UserName" in role.resource.value else ""
    # a user the input names without declaring it: what is seen here is a lower bound of its power
    who, more = f"IAM user `{role.name}`", ""
    if role.external:
        who += " (not declared here)"
        more = " (at least: it may hold more where it is declared)"
    message = (
        f"{who} {creds} and {_power_words(part.summary)} through {part.label}{more}: "
        f"long-term credentials leak and never expire; use a role instead (IAM Identity Center for people, "
        f"OIDC federation for CI, an instance profile or task role for workloads)"
    )
    span = part.document.locate(part.pointer)
    related: tuple[tuple[Any, Any, str], ...] = (
        (part.document, part.pointer, f"granted by {part.label} at line {span.line}, column {span.column}"),
    )
    if key_at is not None:
        related += ((key_at.document, key_at.pointer, "the access key is declared here"),)
    yield Report(pointer, message, related=related), role.resource


def _powerful_permission_set(pset) -> Iterator[tuple[Report, Document]]:
    """IAM Identity Center permission sets are where people get their access:
    one holding administrator access or a way to escalate to it (its inline
    policy, AWS managed or customer managed policies of the input, limited by
    its boundary) is reported once, at the permission set.  Full data access
    is what many job functions need, so it is not reported here."""
    parts = power_parts(pset) or []
    part = _strongest(parts)
    if part is None or _rank(part.summary) < 3:
        return
    value = pset.resource.value
    props = value.get("Properties") if isinstance(value, dict) else None
    pointer = "/Properties/Name" if isinstance(props, dict) and "Name" in props else ""
    message = (
        f"IAM Identity Center permission set `{pset.name}` {_power_words(part.summary)} through {part.label}: "
        f"every user and group assigned to it gets this in each account it is assigned to; keep such "
        f"permission sets few, assigned to a small group with short sessions, and give day-to-day work "
        f"job-function permission sets"
    )
    span = part.document.locate(part.pointer)
    related: tuple[tuple[Any, Any, str], ...] = (
        (part.document, part.pointer, f"granted by {part.label} at line {span.line}, column {span.column}"),
    )
    yield Report(pointer, message, related=related), pset.resource


# --------------------------------------------------------------------------
# IAM406 privilege escalation across a principal's policies
# --------------------------------------------------------------------------


def _single_policy_methods(sources: list[Source], role) -> set[str] | None:
    """Escalation methods one policy of the principal grants by itself (IAM208
    reports those at the policy; IAM401 or IAM201 at an AWS managed or an
    administrator policy), and for a user those its groups grant by
    themselves (reported at the group).  None when one policy is
    administrator access: every method is then moot (IAM201, IAM401)."""
    found: set[str] = set()
    for src in sources:
        perms = Permissions(src.document.policy)
        if any(statement_is_admin(s) for s in perms.allows):
            return None
        found.update(m.method.id for m in perms.escalation_methods())
    for principal, group in _principals(role):
        for _label, _where, _pointer, policy in _catalog_attachments(principal, group):
            if policy.summary.admin:
                return None
            found.update(policy.summary.escalation)
    for group in role.member_of:
        group_docs = [src.document.policy for src in sources if src.group is group]
        if len(group_docs) > 1:
            found.update(m.method.id for m in Permissions(group_docs).escalation_methods())
    return found


def privilege_escalation_across_policies(ctx) -> Iterator[tuple[Report, Document]]:
    """IAM208 for the principal as a whole: an escalation method whose actions
    are granted by two or more of its policies (a user's: its groups' too),
    after the Denies of all of them, that no single policy grants."""
    role = ctx.role
    if _aws_operated(role):
        return
    sources = policy_sources(role)
    if len(sources) < 2:
        return
    denies = _deny_policy(role, sources)
    perms = Permissions([src.document.policy for src in sources] + ([denies] if denies is not None else []))
    matches = perms.escalation_methods()
    if not matches:
        return  # the common case: nothing to split
    single = _single_policy_methods(sources, role)
    if single is None:
        return
    matches = [m for m in matches if m.method.id not in single]
    if not matches:
        return
    boundary = _boundary_summary(role)
    if boundary is False:
        return  # a boundary iamlint cannot see may stop every method
    if boundary is not None and not boundary.admin:
        matches = [m for m in matches if m.method.id in boundary.escalation]
        if not matches:
            return
    holder = {id(st): src for src in sources for st in src.document.policy.statements}
    described: list[str] = []
    related: list[tuple[Any, Any, str]] = []
    listed: set[tuple[int, str]] = set()
    for match in matches:
        by_statement: dict[int, tuple[Statement, list[str]]] = {}
        for action in match.actions:
            stmt = next((s for s in match.statements if covers_action(s, action)), match.statements[0])
            by_statement.setdefault(id(stmt), (stmt, []))[1].append(action)
            src = holder.get(id(stmt), sources[0])
            pointer, _at_key = action_pointer(stmt, action)
            if (id(src.document), pointer) not in listed:
                listed.add((id(src.document), pointer))
                related.append((src.document, pointer, f"{src.label}, {statement_label(stmt)} grants {action}"))
        granted = [
            f"{_join(actions)} ({holder.get(id(stmt), sources[0]).label}, {statement_label(stmt)})"
            for stmt, actions in by_statement.values()
        ]
        described.append(f"{match.method.id}: {' + '.join(granted)} let it {match.method.name}")
    count = f"{len(matches)} escalation methods" if len(matches) > 1 else "an escalation method"
    who = _label(role) + (" (not declared here)" if role.external else "")
    message = (
        f"{_cap(who)} can escalate privileges through {count} that its policies grant only together: "
        f"{'; '.join(described)}; remove or scope one of the actions"
    )
    yield Report(_principal_pointer(role), message, related=tuple(related)), role.resource


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _principal_pointer(role) -> str:
    """Where a whole-principal finding points: its name, else the resource."""
    value = role.resource.value
    if isinstance(value, dict):
        for key in ("RoleName", "UserName", "GroupName"):
            if key in value:
                return f"/{key}"
        props = value.get("Properties")
        if isinstance(props, dict) and "Name" in props and role.principal_type == "permission_set":
            return "/Properties/Name"
    return ""
