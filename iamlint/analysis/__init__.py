"""Reasoning over what policies allow (shared by the over-privilege, escalation
and whole-role rules): :mod:`~iamlint.analysis.permissions` answers what a set
of policies allows, :mod:`~iamlint.analysis.summary` sums it up per policy or
role.  The facts it reasons with come from :mod:`iamlint.knowledge`."""

from iamlint.analysis.permissions import (  # noqa: F401
    EscalationMatch,
    EscalationMethod,
    Permissions,
    SensitiveAction,
    allowing_statements,
    data_access,
    escalation_methods,
    grants_admin,
    is_broad_resource,
    is_read_only,
    statement_allows,
    statement_label,
)
