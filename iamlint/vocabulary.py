"""The words iamlint's modules share: document kinds, severities, output formats.

Each is a string enum: a member *is* its value (``DocumentKind.TRUST == "trust"``,
the same hash, ``str()``, ``f"{...}"`` and JSON text), so a member can stand
wherever the plain string stood -- in a dict keyed by strings, a rule file's
``kinds:`` or ``severity:``, a fingerprint or an output -- and nothing written
changes.  Plain strings read from rule files, configuration and the command line
keep comparing equal to the members.

The tuples of values (``DOCUMENT_KINDS`` ...) are plain strings, for callers that
hand them to libraries which treat enum members specially (click's ``Choice``
shows a member's *name*).

This module imports nothing of iamlint: every layer may use it.
"""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # Python 3.10 has no enum.StrEnum: the same behaviour, written out

    class StrEnum(str, enum.Enum):
        """A ``str`` whose members print and format as their value."""

        __str__ = str.__str__
        __format__ = str.__format__  # type: ignore[assignment]  # str's, as enum.StrEnum has


class DocumentKind(StrEnum):
    """What a policy document is (``Document.kind``; a rule's ``kinds:``)."""

    IDENTITY = "identity"  # attached to a user, group or role: what its holder may do
    TRUST = "trust"  # a role's assume-role policy: who may become the role
    RESOURCE = "resource"  # attached to a resource: who may use it
    SCP = "scp"  # an organizations service control policy
    BOUNDARY = "boundary"  # a permissions boundary: the most a user or role may do, granting nothing
    RCP = "rcp"  # an organizations resource control policy


class Severity(StrEnum):
    """How bad a finding is (a rule's ``severity:``, ``Finding.severity``)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class OutputFormat(StrEnum):
    """The reporters of :mod:`iamlint.reporters` (``--format``), one module each."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"
    GITLAB = "gitlab"


DOCUMENT_KINDS: tuple[str, ...] = tuple(k.value for k in DocumentKind)
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
OUTPUT_FORMATS: tuple[str, ...] = tuple(f.value for f in OutputFormat)
