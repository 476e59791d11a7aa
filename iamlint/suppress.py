"""Suppressions: inline comments and CloudFormation resource metadata.

* YAML and HCL (Terraform): ``# iamlint: ignore[IAM301] reason`` (``//`` works
  in HCL too), on the line where the finding starts or on the line above it:
  a comment silences the findings that start on the next line of code, and a
  comment after code also those that start on its own line.  Several ids: ``ignore[IAM301, IAM302]``; an id
  prefix (``IAM3``) silences the rules it selects.
* CloudFormation: ``Metadata: {iamlint: {ignore: [IAM301]}}`` on a resource
  silences those rules for every policy of that resource (the reader puts the
  list into ``Document.meta["ignore"]``).
* Raw JSON has no comments: use ``per-file-ignores`` or a baseline.

A suppression that silences nothing, or names no known rule, is reported as
IAM012 (unused-suppression, info) at the id in the comment or the metadata,
so stale suppressions get cleaned up.  Suppressions of rules that did not run
for the file (not selected, ignored by configuration) are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from iamlint.engine.runner import fingerprint
from iamlint.findings import Finding, Span
from iamlint.model.policy import join_pointer

UNUSED_RULE = "IAM012"
COMMENT_SUFFIXES = (".yaml", ".yml", ".template", ".tf", ".hcl")

_COMMENT = re.compile(r"(?:#|//)\s*iamlint:\s*ignore\[(?P<ids>[^\]\n]*)\](?P<reason>[^\n]*)", re.IGNORECASE)
_ID = re.compile(r"[A-Za-z]+[0-9]*")


@dataclass
class Suppression:
    """One id of a suppression comment or metadata list."""

    rule: str  # id or id prefix, upper case
    span: Span  # where the id is written
    lines: frozenset = frozenset()  # comment: finding start lines it covers
    owner: str | None = None  # metadata: the resource (document owner) it covers
    reason: str = ""
    source: str = "comment"  # "comment" or "metadata"
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        if finding.rule == UNUSED_RULE or not finding.rule.upper().startswith(self.rule):
            return False
        if self.owner is not None:
            return finding.owner == self.owner
        return finding.span.line in self.lines


def _is_comment_line(line: str) -> bool:
    s = line.lstrip()
    return s.startswith("#") or s.startswith("//")


def comment_suppressions(path: str, text: str | None) -> list[Suppression]:
    """Suppression comments of a YAML / HCL file (none for JSON)."""
    if not text or not path.lower().endswith(COMMENT_SUFFIXES) or "iamlint" not in text:
        return []
    if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return []  # JSON (a .template may hold a JSON CloudFormation template): no comments
    lines = text.splitlines()
    out: list[Suppression] = []
    next_code: list[int] = []
    for number, line in enumerate(lines, start=1):
        m = _COMMENT.search(line)
        if not m:
            continue
        start = m.start()
        if start > 0 and line[:start].strip() and not line[start - 1].isspace():
            continue  # '#' inside a word or value, e.g. a URL fragment
        # the comment's own line (after code) and the next line of code
        next_code = next_code or _next_code_lines(lines)
        target = next_code[number]
        covered = {target, number} if line[:start].strip() else {target}
        reason = m.group("reason").strip()
        ids_start = m.start("ids")
        for idm in _ID.finditer(m.group("ids")):
            col = ids_start + idm.start() + 1
            out.append(
                Suppression(
                    idm.group(0).upper(),
                    Span(number, col, number, col + len(idm.group(0))),
                    frozenset(covered),
                    reason=reason,
                )
            )
    return out


def _next_code_lines(lines: list[str]) -> list[int]:
    """For each 1-based line number, the first line after it that is neither
    blank nor a comment (``len(lines) + 1`` when there is none): one pass from
    the end, instead of a walk over the comments below every suppression
    comment (a run of n such comments cost O(n^2))."""
    following = [0] * (len(lines) + 1)
    target = len(lines) + 1
    for number in range(len(lines), 0, -1):
        following[number] = target
        line = lines[number - 1]
        if line.strip() and not _is_comment_line(line):
            target = number
    return following


def _metadata_span(doc, index: int) -> Span:
    span = doc.meta.get("ignore_span")
    if isinstance(span, Span):
        return span
    base = getattr(doc.locator, "locator", None)
    lid = doc.meta.get("logical_id") or doc.owner
    if base is not None and hasattr(base, "span") and lid:
        ptr = join_pointer("", "Resources", lid, "Metadata", "iamlint", "ignore")
        for p in (join_pointer(ptr, index), ptr):
            try:
                found = base.span(p)
            except Exception:  # noqa: BLE001 (a locator that cannot answer, whatever the reason: fall back)
                found = None
            if found is not None:
                return found
    return doc.fallback_span


def metadata_suppressions(documents: Iterable) -> list[Suppression]:
    """One Suppression per (resource, id) of CloudFormation ``Metadata.iamlint.ignore``."""
    out: dict[tuple[str, str], Suppression] = {}
    for doc in documents:
        ignore = (doc.meta or {}).get("ignore") or []
        if isinstance(ignore, str):
            ignore = [ignore]
        for i, rule in enumerate(ignore):
            if not isinstance(rule, str) or not rule.strip():
                continue
            key = (doc.owner, rule.strip().upper())
            if key not in out:
                out[key] = Suppression(key[1], _metadata_span(doc, i), owner=doc.owner, source="metadata")
    return list(out.values())


@dataclass
class Applied:
    kept: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)


def apply(findings: Iterable[Finding], suppressions: list[Suppression]) -> Applied:
    """Split ``findings`` into kept and suppressed, and list the suppressions
    that silenced nothing.  A finding is tested only against the comments that
    cover its line and the metadata of its resource (looked up, not scanned:
    testing every suppression per finding made a template of n resources, each
    with its comment and findings, cost O(n^2))."""
    result = Applied()
    by_line: dict[int, list[Suppression]] = {}
    by_owner: dict[str, list[Suppression]] = {}
    for s in suppressions:
        if s.owner is not None:
            by_owner.setdefault(s.owner, []).append(s)
        else:
            for line in s.lines:
                by_line.setdefault(line, []).append(s)
    for f in findings:
        hit = False
        for s in by_line.get(f.span.line, []) + by_owner.get(f.owner, []):
            if s.covers(f):
                s.used = True
                hit = True
        (result.suppressed if hit else result.kept).append(f)
    result.unused = [s for s in suppressions if not s.used]
    return result


def unused_findings(path: str, unused: list[Suppression], registry, config) -> list[Finding]:
    """IAM012 findings for suppressions that silenced nothing (only for rules that ran)."""
    rule = registry.get(UNUSED_RULE) if registry is not None else None
    if rule is None or not config.rule_enabled(UNUSED_RULE, path):
        return []
    out = []
    for s in unused:
        known = [r for r in registry if r.id.upper().startswith(s.rule)]
        where = "comment" if s.source == "comment" else f"Metadata of {s.owner}"
        if not known:
            message = (
                f"The suppression names `{s.rule}`, which is not a rule id; fix the id or remove it from the {where}."
            )
        elif not any(config.rule_enabled(r.id, path) for r in known):
            continue  # the rule did not run here: nothing can be said
        elif s.source == "comment":
            message = (
                f"The suppression of `{s.rule}` silences nothing on line {min(s.lines)}; "
                "remove it (the finding it was written for is gone or moved)."
            )
        else:
            message = (
                f"The suppression of `{s.rule}` in the Metadata of {s.owner} silences nothing; "
                "remove it from the ignore list."
            )
        out.append(
            Finding(
                rule=rule.id,
                name=rule.name,
                severity=config.severity_of(rule.id, rule.severity),
                message=message,
                file=path,
                span=s.span,
                pointer="",
                owner=s.owner or "",
                fingerprint=fingerprint(rule.id, path, s.owner or "", "", [s.source, s.rule, bool(known)]),
            )
        )
    return out


def suppress(path: str, text: str | None, documents: list, findings: list[Finding], registry, config) -> list[Finding]:
    """Findings after suppressions, plus IAM012 for unused ones."""
    suppressions = comment_suppressions(path, text) + metadata_suppressions(documents)
    if not suppressions:
        return findings
    applied = apply(findings, suppressions)
    return applied.kept + unused_findings(path, applied.unused, registry, config)


def unused_suppression(ctx):
    """The check of IAM012: the engine reports unused suppressions itself, after
    every rule has run on the file (see :func:`suppress`); per document there
    is nothing to do."""
    return iter(())
