"""What a policy grants, summarised with iamlint's own permission analysis.

:func:`summarise` is what whole-role rules use on inline and customer managed
documents, and what ``scripts/build_managed_catalog.py`` stores for every AWS
managed policy (with :func:`compact_grants`), so a managed policy and an
inline copy of it are judged the same way.  The summary type and the catalog
are in :mod:`iamlint.knowledge.managed`.
"""

from __future__ import annotations

from typing import Any

from iamlint.analysis.permissions import Permissions, action_set, acts_on, resource_scope, statement_has_broad_resource
from iamlint.knowledge.catalog import action_info
from iamlint.knowledge.managed import DATA_SERVICES, Summary
from iamlint.model.policy import Policy

_WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})

_LEVEL_LETTER = {"List": "l", "Read": "r", "Write": "w", "Permissions management": "p", "Tagging": "t"}


def compact_grants(value: Any) -> dict[str, str]:
    """What a document grants, compactly: service -> access-level letters
    (``l`` list, ``r`` read, ``w`` write, ``p`` permissions management, ``t``
    tagging), upper-case when granted on every resource without a condition.
    An Allow with ``NotAction`` adds ``"!": [patterns]`` (everything else).

    The Allow statements are read as :class:`~iamlint.analysis.permissions.Permissions`
    reads them: one no request can meet grants nothing, an action counts only
    on resources it can act on (:func:`~iamlint.analysis.permissions.resource_scope`:
    ``*`` on a log group is the Logs actions on log groups), and "every
    resource" is :func:`~iamlint.analysis.permissions.statement_has_broad_resource`."""
    out: dict[str, set[str]] = {}
    negated: list[str] = []
    for st in Permissions(Policy(value)).allows:
        if st.not_action:
            negated.extend(st.action_strings())
            continue
        if "Action" not in st.raw:
            continue
        aset = action_set(st)
        strong = statement_has_broad_resource(st) and not st.raw.get("Condition")
        scope = resource_scope(st)
        if aset.is_full_wildcard and scope is None:
            out.setdefault("*", set()).update("LRWPT" if strong else "lrwpt")
            continue
        for action in aset.granted():
            if scope is not None and not acts_on(action, scope):
                continue  # cannot act on the statement's resources
            info = action_info(action)
            if info is None:
                continue
            letter = _LEVEL_LETTER.get(info.access_level, "w")
            out.setdefault(info.service, set()).add(letter.upper() if strong else letter)
    result: dict[str, Any] = {svc: "".join(sorted(letters)) for svc, letters in sorted(out.items())}
    if negated:
        result["!"] = sorted(set(negated))
    return result


_READ_VERBS = ("get", "list", "describe", "batchget", "view", "search", "lookup", "query", "scan", "select")
IAM_WRITE = (
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:CreateUser",
    "iam:CreateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:DeleteRolePermissionsBoundary",
)


def summarise(policies: Any) -> Summary:
    """Analyse one or more policies (``Policy`` objects, or decoded documents)
    with iamlint's shared permission analysis (:mod:`iamlint.analysis.permissions`):
    the same code the IAM2xx rules use, so a managed policy and an inline copy
    of it are judged alike.  ``Summary.evidence`` maps each finding to the
    statements granting it."""
    if isinstance(policies, Policy) or not isinstance(policies, (list, tuple)):
        policies = [policies]
    policies = [p if isinstance(p, Policy) else Policy(p) for p in policies]
    perms = Permissions(policies)
    s = Summary()
    ev: dict[str, list] = {}
    s.not_action = any(st.not_action for st in perms.allows)
    admin = perms.admin_statements()
    if admin:
        s.admin = True
        s.iam_write = True
        s.data_full = list(DATA_SERVICES)
        s.data_read = list(DATA_SERVICES)
        s.read_only = False
        ev["admin"] = list(admin)
        s.evidence = ev
        return s
    for action in IAM_WRITE:
        stmts = perms.allowing_statements(action, broad=True)
        if stmts:
            s.iam_write = True
            ev.setdefault("iam_write", stmts)
    for match in perms.escalation_methods():
        s.escalation.append(match.method.id)
        ev.setdefault("escalation", list(match.statements))
    for service, (_, reads, writes) in DATA_SERVICES.items():
        read_stmts = [st for a in reads for st in perms.allowing_statements(a, broad=True)]
        if read_stmts:
            s.data_read.append(service)
            ev.setdefault("data_read", read_stmts)
            write_stmts = [perms.allowing_statements(a, broad=True) for a in writes]
            if all(write_stmts):
                s.data_full.append(service)
                ev.setdefault("data_full", read_stmts)
    # read-only: no write-level action granted, tolerating the catalog's few
    # mislabelled reads matched by Get*/List* patterns (iot:ListSubscriptions ...)
    if s.not_action or any(action_set(st).is_full_wildcard and resource_scope(st) is None for st in perms.allows):
        s.read_only = False
    else:
        write_count = 0
        for action in perms.granted():
            info = action_info(action)
            if info is None or info.access_level not in _WRITE_LEVELS:
                continue
            if info.access_level == "Permissions management":
                write_count += 100
            elif not info.name.lower().startswith(_READ_VERBS):
                write_count += 1
        s.read_only = write_count <= 2
    s.evidence = ev
    return s
