"""What a check yields: a node (by JSON pointer) and a message.

Checks never compute line numbers; the engine resolves the pointer to a span
through the document's locator.
"""

from __future__ import annotations

from typing import NamedTuple

from iamlint.findings import Span
from iamlint.model.document import Document


class Report(NamedTuple):
    pointer: str
    message: str
    #: point at the member's key instead of its value (e.g. a forbidden element)
    at_key: bool = False
    #: an explicit span (syntax errors, which have no pointer)
    span: Span | None = None
    #: override the rule's severity for this report (graded rules)
    severity: str | None = None
    #: extra (document or file, pointer, message) locations, e.g. for compound findings
    related: tuple[tuple[Document | str, str, str], ...] = ()
    #: what a grouped finding found, one entry each (``Finding.items``)
    items: tuple[str, ...] = ()
    #: the text the fingerprint hashes instead of the message: a grouped
    #: finding's message without its list, so that its fingerprint does not
    #: change when the list grows or shrinks
    fingerprint_message: str | None = None
