"""Runs the enabled rules over documents and turns reports into findings."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar, cast

from iamlint.config import Config
from iamlint.engine.registry import Registry, RoleCheck, Rule, RuleSet, applicable
from iamlint.engine.report import Report
from iamlint.findings import Finding, Related
from iamlint.model.document import Document
from iamlint.model.policy import Policy
from iamlint.model.role import Role

_T = TypeVar("_T")


@dataclass(slots=True)
class Context:
    """What a check sees: the document, its model and this rule's options.

    One Context serves every rule run on a document (:func:`run_document` sets
    ``rule`` before each check), so :meth:`fact` shares what several rules
    derive from the document."""

    document: Document
    rule: Rule
    config: Config
    #: the facts :meth:`fact` computed, by the function that computed them
    _facts: dict[Callable[[Context], object], object] = field(default_factory=dict, repr=False)

    @property
    def policy(self) -> Policy:
        return self.document.policy

    @property
    def kind(self) -> str:
        return self.document.kind

    def option(self, name: str) -> Any:
        return self.rule.option(name, self.config.options)

    def report(self, pointer: str, message: str, **kw: Any) -> Report:
        return Report(pointer, message, **kw)

    def fact(self, compute: Callable[[Context], _T]) -> _T:
        """``compute(self)``, computed once per document: a fact that several
        rules share (the document's permissions, its schema problems).
        ``compute`` must depend on the document only, not on the rule."""
        facts = self._facts
        if compute in facts:
            return facts[compute]  # type: ignore[return-value]  # stored below: compute's result
        value = compute(self)
        facts[compute] = value
        return value


def fingerprint(rule_id: str, file: str, owner: str, pointer: str, value: Any) -> str:
    """Stable across lines moving: rule + file + owner + pointer + offending value.

    Array indices in the pointer are replaced by ``#``: the value (the
    enclosing statement's content) identifies the node instead, so inserting a
    statement above does not change the fingerprint of the ones below.
    ``value`` is a JSON-able value or an already canonical JSON text.
    """
    if isinstance(value, str):
        value_text = value
    else:
        try:
            value_text = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            value_text = repr(value)
    raw = "\x1f".join([rule_id, _fingerprint_path(file), owner, _generic_pointer(pointer), value_text])
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@lru_cache(maxsize=4096)
def _fingerprint_path(file: str) -> str:
    """``./a/b.json``, ``a/b.json`` and the absolute path under the current
    directory all give ``a/b.json``, so a baseline survives how paths are given.

    What ``os.path.relpath`` would give for a path under the current directory
    (and the path itself outside it), by a prefix test: relpath costs ~29,000
    instructions a file, +1% of the benchmark's corpus run (measured with
    cachegrind), and tests/engine/test_baseline.py checks the two agree."""
    if file in ("", "-") or file.startswith("<"):
        return file
    norm = os.path.normpath(file)
    if os.path.isabs(norm):
        cwd = os.getcwd()
        head = cwd if cwd.endswith(os.sep) else cwd + os.sep
        folded = os.path.normcase(norm)
        if folded == os.path.normcase(cwd):
            norm = "."
        elif folded.startswith(os.path.normcase(head)):
            norm = norm[len(head) :]
    return norm.replace("\\", "/")


#: json.dumps(value, sort_keys=True, default=str) without building an encoder per call
_canonical_encode = json.JSONEncoder(sort_keys=True, default=str).encode


_DIGITS = re.compile(r"[0-9]+")

#: a statement whose canonical JSON is longer enters fingerprints as its digest
LARGE_STATEMENT = 64 * 1024


class Fingerprinter:
    """The :func:`fingerprint` of each finding on one document, without hashing
    the enclosing statement once per finding.

    The hashed text is ``rule, file, owner, pointer with # for indexes`` and
    then the statement's canonical JSON: the same for every finding of one rule
    at the same kind of node in one statement (all the unknown actions of an
    Action list).  That prefix is hashed once per rule, pointer shape and
    statement, and each finding hashes only its own value and message from a
    copy of it -- the same digest, at a cost that does not grow with the
    statement (hashing it per finding made n findings in one statement cost
    O(n^2)).  One Fingerprinter serves the findings of one document in one run
    (see :func:`run_document`)."""

    __slots__ = ("_canonical", "_heads", "_prefixes", "doc")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        #: canonical JSON by pointer (several findings share one enclosing statement)
        self._canonical: dict[str, str] = {}
        #: :meth:`_statement_head` by statement pointer
        self._heads: dict[str, str] = {}
        #: the hashed prefix by (rule id, pointer shape, statement pointer)
        self._prefixes: dict[tuple[str, str, str], hashlib._Hash] = {}

    def fingerprint(self, rule_id: str, rep: Report) -> str:
        doc = self.doc
        parts = self._value_parts(rep)
        if isinstance(parts, str):
            return fingerprint(rule_id, doc.file, doc.owner, rep.pointer, parts)
        stmt_ptr, tail = parts
        shape = _generic_pointer(rep.pointer)
        key = (rule_id, shape, stmt_ptr)
        prefix = self._prefixes.get(key)
        if prefix is None:
            raw = "\x1f".join([rule_id, _fingerprint_path(doc.file), doc.owner, shape, self._statement_head(stmt_ptr)])
            prefix = self._prefixes[key] = hashlib.sha256(raw.encode("utf-8", "surrogatepass"))
        digest = prefix.copy()
        digest.update(tail.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:32]

    def _value_parts(self, rep: Report) -> str | tuple[str, str]:
        """What the fingerprint hashes besides the pointer: the enclosing
        statement, the offending value and the message with numbers blanked (two
        findings of one rule at one node differ by message; line numbers and
        statement indexes in it must not count).  A document-level container
        (the whole document, the Statement list) changes with every edit, so only
        the message stands for it.

        Returned as one text, or, when it begins with the enclosing statement, as
        ``(statement pointer, tail)``: the text is then :meth:`_statement_head`
        (shared by every finding in that statement, not built per finding)
        followed by ``tail``, the value and the message."""
        doc = self.doc
        text = rep.message if rep.fingerprint_message is None else rep.fingerprint_message
        message = _DIGITS.sub("#", text)
        if doc.value is None:
            return json.dumps([text, message])
        stmt_ptr = _statement_pointer(rep.pointer)
        value = doc.value_at(rep.pointer)
        if (
            stmt_ptr == rep.pointer
            and isinstance(value, (dict, list))
            and not (rep.pointer.count("/") == 2 or (rep.pointer == "/Statement" and isinstance(value, dict)))
        ):
            return json.dumps([[text], message])
        return stmt_ptr, self._canonical_json(rep.pointer) + "]," + json.dumps(message) + "]"

    def _canonical_json(self, pointer: str) -> str:
        """The value at ``pointer`` as canonical JSON, once per pointer."""
        text = self._canonical.get(pointer)
        if text is None:
            try:
                text = _canonical_encode(self.doc.value_at(pointer))
            except (TypeError, ValueError):
                text = repr(self.doc.value_at(pointer))
            self._canonical[pointer] = text
        return text

    def _statement_head(self, stmt_ptr: str) -> str:
        """How the fingerprinted value of a finding inside a statement begins: the
        statement's canonical JSON, or for a statement over
        :data:`LARGE_STATEMENT` characters its SHA-256 digest (as a JSON string).

        A fingerprint's hashed text starts with the finding's pointer, so findings
        at different pointers of one statement (each key of a Condition block)
        cannot share the hashing of the statement text that follows it: n of them
        in one statement would cost O(n^2).  The digest, computed once per
        statement, keeps that bounded; a fingerprint changes with any edit of its
        statement anyway, so a statement crossing the size changes nothing more.
        (The largest statement in the shared corpus has 81 KB and no finding;
        every fingerprint there is the verbatim form.)"""
        head = self._heads.get(stmt_ptr)
        if head is None:
            text = self._canonical_json(stmt_ptr)
            if len(text) > LARGE_STATEMENT:
                digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                text = '"sha256:' + digest + '"'
            head = self._heads[stmt_ptr] = "[[" + text + ","
        return head


def _generic_pointer(pointer: str) -> str:
    """``pointer`` with every array index replaced by ``#`` (see :func:`fingerprint`)."""
    return "/".join([p if not p.isdigit() else "#" for p in pointer.split("/")])


def _statement_pointer(pointer: str) -> str:
    parts = pointer.split("/")
    if len(parts) >= 3 and parts[1] == "Statement" and parts[2].isdigit():
        return "/".join(parts[:3])
    return pointer


#: a finding's message is cut to about this many characters (a rule may quote a
#: value of the input, and a value can be megabytes long)
MAX_MESSAGE = 1000


def bounded_message(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` itself, or its beginning and end around a note of how much
    was left out, when it is longer than ``limit``."""
    if len(message) <= limit:
        return message
    head, tail = limit * 3 // 4, limit // 5
    return f"{message[:head]} … ({len(message) - head - tail:,} characters left out) … {message[-tail:]}"


def make_finding(
    doc: Document, rule: Rule, rep: Report, config: Config, fingerprints: Fingerprinter | None = None
) -> Finding:
    """The finding of ``rep``; ``fingerprints`` is the document's, shared by all
    its findings (a new one when not given)."""
    span = rep.span or doc.locate(rep.pointer, rep.at_key)
    severity = rep.severity or config.severity_of(rule.id, rule.severity)
    fp = (fingerprints or Fingerprinter(doc)).fingerprint(rule.id, rep)  # of the whole message, as before
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=severity,
        message=bounded_message(rep.message),
        file=doc.file,
        span=span,
        pointer=rep.pointer,
        owner=doc.owner,
        fingerprint=fp,
        related=tuple(_related(doc, item) for item in rep.related),
        items=tuple(bounded_message(item) for item in rep.items),
    )


def _related(doc: Document, item: tuple[Document | str, str, str]) -> Related:
    """A report's related entry -- ``(Document or file, pointer, message)`` --
    with its pointer resolved to a span (when the document is known)."""
    target, pointer, message = item
    if isinstance(target, Document):
        return Related(target.file, target.locate(pointer), bounded_message(message), pointer)
    if target == doc.file:
        return Related(doc.file, doc.locate(pointer), bounded_message(message), pointer)
    return Related(str(target), None, bounded_message(message), pointer)


def run_document(doc: Document, rules: Iterable[Rule], config: Config) -> list[Finding]:
    findings: list[Finding] = []
    if isinstance(rules, RuleSet):
        todo = rules.for_document(doc)
    else:
        todo = tuple((r, r.check) for r in rules if applicable(r, doc))
    append = findings.append
    fingerprints: Fingerprinter | None = None
    # one Context per document, its rule set before each check: every check's
    # reports are consumed before the next check runs
    ctx = Context(doc, None, config)  # type: ignore[arg-type]
    for rule, check in todo:
        ctx.rule = rule
        reports = check(ctx)
        if reports:
            for rep in reports:
                if fingerprints is None:
                    fingerprints = Fingerprinter(doc)
                append(make_finding(doc, rule, rep, config, fingerprints))
    return findings


def without_inherited(
    doc: Document,
    found: list[Finding],
    findings_of: Callable[[Document], list[Finding]],
) -> list[Finding]:
    """``found`` (the findings of ``doc``) without those at a statement ``doc``
    copies from another document (:attr:`Document.inherited`) that this other
    document reports too -- same rule, same message, same node of the
    statement: each is reported once, where the statement is written.  A
    finding that only the aggregate gives (a combination with its own
    statements) stays.  ``findings_of`` gives the other document's findings."""
    if not doc.inherited or not found:
        return found
    kept: list[Finding] = []
    theirs: dict[int, set[tuple[str, str, str]]] = {}
    for finding in found:
        parts = finding.pointer.split("/", 3)
        origin = (
            doc.inherited.get(int(parts[2]))
            if len(parts) >= 3 and parts[1] == "Statement" and parts[2].isdigit()
            else None
        )
        if origin is None:
            kept.append(finding)
            continue
        source, base = origin
        reported = theirs.get(id(source))
        if reported is None:
            reported = theirs[id(source)] = {(f.rule, f.message, f.pointer) for f in findings_of(source)}
        pointer = base + (f"/{parts[3]}" if len(parts) == 4 else "")
        if (finding.rule, finding.message, pointer) not in reported:
            kept.append(finding)
    return kept


def enabled_rules(registry: Registry, config: Config, path: str | None = None) -> RuleSet:
    """The rules the configuration enables for ``path`` (see :meth:`Registry.enabled`)."""
    return registry.enabled(config, path)


def run_roles(
    roles: list[Role], rules: Iterable[Rule], config: Config, document_findings: dict[int, list[Finding]] | None = None
) -> list[Finding]:
    """Whole-role rules (``scope: role``): called once per assembled role, after
    the document rules, whose findings they may combine (compound findings)."""
    findings: list[Finding] = []
    role_rules = [r for r in rules if r.scope == "role"]
    fingerprints: dict[int, Fingerprinter] = {}  # by id() of the document, while its findings are made
    for role in roles:
        for rule in role_rules:
            ctx = RoleContext(role, rule, config, document_findings or {})
            check = cast(RoleCheck, rule.check)  # a scope: role rule's check
            for rep, doc in check(ctx) or ():
                fp = fingerprints.get(id(doc))
                if fp is None or fp.doc is not doc:
                    fp = fingerprints[id(doc)] = Fingerprinter(doc)
                findings.append(make_finding(doc, rule, rep, config, fp))
    return findings


@dataclass
class RoleContext:
    """What a role check sees; it yields (Report, Document) pairs, the
    document being the one the report's pointer belongs to."""

    role: Role
    rule: Rule
    config: Config
    #: document-rule findings by id() of the document (for compound findings)
    document_findings: dict[int, list[Finding]] = field(default_factory=dict)

    def findings_for(self, doc: Document | None) -> list[Finding]:
        """Document-rule findings on one of the role's documents."""
        return list(self.document_findings.get(id(doc), ())) if doc is not None else []

    def option(self, name: str) -> Any:
        return self.rule.option(name, self.config.options)
