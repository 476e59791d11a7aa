"""Typed findings and source spans.

Lines and columns are 1-based; ``end_column`` is exclusive (the column just
after the last character), as in SARIF regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from iamlint.vocabulary import SEVERITIES, Severity

__all__ = ["SEVERITIES", "SEVERITY_RANK", "START", "Finding", "Related", "Span"]

#: how much a severity weighs (``--fail-on``: this and above fail)
SEVERITY_RANK = {Severity.INFO.value: 1, Severity.WARNING.value: 2, Severity.ERROR.value: 3}


class Span(NamedTuple):
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column + 1)


START = Span(1, 1, 1, 2)


class Related(NamedTuple):
    """Another place that is part of a finding (the granting policy of a
    compound finding, the other statements of an escalation path)."""

    file: str
    span: Span | None
    message: str
    pointer: str = ""


@dataclass(frozen=True)
class Finding:
    """One finding. Two findings are equal (and hash alike) when all but their
    ``related`` locations and ``items`` are (the message names the items)."""

    rule: str
    name: str
    severity: str
    message: str
    file: str
    span: Span
    pointer: str = ""
    #: who the document belongs to (CloudFormation logical id, Terraform address,
    #: role name in an account dump); empty for a raw policy file.
    owner: str = ""
    #: stable fingerprint for baselines / SARIF partialFingerprints
    fingerprint: str = ""
    #: extra locations (:class:`Related`), e.g. the granting policy of a compound finding
    related: tuple[Related, ...] = field(default=(), compare=False)
    #: what a grouped finding found, one entry each (the escalation methods of a
    #: statement, its service-wide patterns ...); empty for a single finding
    items: tuple[str, ...] = field(default=(), compare=False)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple[str, Span, str, str, str, str, str]:
        """Reading order: by place, rule and message, then by the fields that
        still tell two findings apart (two attachments of one policy at one
        ARN differ by pointer), so the order never depends on hashing."""
        return (self.file, self.span, self.rule, self.message, self.pointer, self.owner, self.fingerprint)
