"""A policy document handed to the rules, whatever file it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from iamlint.findings import Span
from iamlint.model.policy import Policy


class Locator(Protocol):
    """Turns a JSON pointer inside the policy document into a span of the file."""

    def span(self, pointer: str) -> Span | None: ...

    def key_span(self, pointer: str) -> Span | None: ...


class NullLocator:
    """For documents without positions (tests, generated documents)."""

    def span(self, pointer: str) -> Span | None:
        return None

    def key_span(self, pointer: str) -> Span | None:
        return None


class PrefixLocator:
    """A document that sits at ``base`` inside a larger located file (a policy in
    a template or an account dump): pointers are answered by the file's locator."""

    def __init__(self, locator: Locator, base: str) -> None:
        self.locator, self.base = locator, base

    def span(self, pointer: str) -> Span | None:
        return self.locator.span(self.base + pointer)

    def key_span(self, pointer: str) -> Span | None:
        return self.locator.key_span(self.base + pointer)


class NodeLocator:
    """A document written as one string of a larger file (JSON in a string, a
    URL-encoded dump entry): every pointer is located at that string."""

    def __init__(self, locator: Locator, pointer: str) -> None:
        self.locator, self.pointer = locator, pointer

    def span(self, pointer: str) -> Span | None:
        return self.locator.span(self.pointer)

    def key_span(self, pointer: str) -> Span | None:
        return None


class Problem(Protocol):
    """A reason the file is not a policy document, and where (the parsers'
    ``iamlint.parsing.strict.SyntaxProblem``)."""

    @property
    def message(self) -> str: ...

    @property
    def span(self) -> Span: ...


class Notice(NamedTuple):
    """Something a source could not evaluate in this document's value and left
    opaque on purpose (an evaluation budget ran out, a ``file()`` outside the
    repository): reported as IAM013 (info) at ``span`` of the file."""

    message: str
    span: Span


@dataclass
class Document:
    """One policy document and where it came from.

    ``value`` is the decoded document (None when it could not be parsed: the
    syntax problems then say why).  ``kind`` is one of identity, trust,
    resource, scp, boundary, rcp (``vocabulary.DocumentKind``).  ``owner``
    names the resource it belongs to (CloudFormation logical id, Terraform
    address, role name of an account dump).
    """

    file: str
    value: Any
    kind: str
    locator: Locator = field(default_factory=NullLocator)
    owner: str = ""
    #: where the kind came from: "content", "option" (--kind / config) or "location"
    kind_source: str = "content"
    #: syntax problems (iamlint.parsing.strict.SyntaxProblem) when value is None
    syntax_problems: Sequence[Problem] = field(default_factory=list)
    #: duplicate keys: (object pointer, key, span of the later key)
    duplicates: Sequence[tuple[str, str, Span]] = field(default_factory=list)
    #: span used when a pointer cannot be located (e.g. the policy property in a template)
    fallback_span: Span = field(default_factory=lambda: Span(1, 1, 1, 2))
    #: values the source left opaque on purpose (Notice), reported as IAM013
    notices: list[Notice] = field(default_factory=list)
    #: free-form facts from the source (e.g. resolved provider of a Terraform reference)
    meta: dict[str, Any] = field(default_factory=dict)
    #: statements copied from another document that is linted on its own
    #: (Terraform ``source_policy_documents`` / ``override_policy_documents`` /
    #: ``source_json`` / ``override_json`` naming a policy document data
    #: source): statement index here -> (that document, the statement's
    #: pointer there).  A finding at such a statement that the other document
    #: reports too is reported once, by the document the statement is written
    #: in (see :func:`iamlint.engine.runner.without_inherited`).
    inherited: dict[int, tuple[Document, str]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def policy(self) -> Policy:
        return Policy(self.value)

    @property
    def parsed(self) -> bool:
        return self.value is not None or not self.syntax_problems

    def value_at(self, pointer: str) -> Any:
        """The value at ``pointer`` or None."""
        node = self.value
        if not pointer:
            return node
        escaped = "~" in pointer
        for token in pointer.split("/")[1:]:
            if escaped:
                token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list):
                try:
                    node = node[int(token)]
                except (ValueError, IndexError):
                    return None
            else:
                return None
        return node

    def locate(self, pointer: str, at_key: bool = False) -> Span:
        """Span of the node at ``pointer`` (its key when ``at_key``), falling back
        to the nearest ancestor that can be located."""
        if at_key:
            span = self.locator.key_span(pointer)
            if span is not None:
                return span
        p = pointer
        while True:
            span = self.locator.span(p)
            if span is not None:
                return span
            if not p:
                return self.fallback_span
            p = p.rsplit("/", 1)[0]
