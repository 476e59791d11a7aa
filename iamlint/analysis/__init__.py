"""Reasoning over what policies allow (shared by the over-privilege, escalation
and whole-role rules)."""

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
