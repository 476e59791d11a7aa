"""What a reader returns for one file (re-exported by :mod:`iamlint.sources`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from iamlint.model.document import Document


@dataclass
class SourceResult:
    documents: list[Document] = field(default_factory=list)
    #: the file holds no IAM material: skip it silently
    skipped: bool = False
    #: a one-line problem with the file itself (unreadable, too large ...)
    error: str | None = None
    #: assembled roles (iamlint.model.role.Role) for whole-role analysis
    roles: list = field(default_factory=list)
    #: the decoded text, for --show-source
    text: str | None = None
    #: id(role) -> the files declaring a part of it (a Terraform module's
    #: principal, its attachments and policies; see terraform.read_module)
    parts: dict[int, frozenset[str]] = field(default_factory=dict)
