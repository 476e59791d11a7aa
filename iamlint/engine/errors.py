"""Errors of loading rules, shared by the registry and the declarative rules."""

from __future__ import annotations


class RuleLoadError(Exception):
    """A rule file or pack could not be loaded; the message names file and field."""
