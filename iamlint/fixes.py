"""Safe, obvious fixes as text edits.

Shared by the language server's code actions and ``iamlint check --fix`` /
``--diff``.  A fix is offered only for a finding that iamlint actually reports
(so configuration, suppressions and severities are honoured), and only after
the edited text has been linted again: it must still parse into the same
documents, the finding it fixes must be gone, and no rule may report more than
before.  Anything else leaves the text untouched.

Fixes (rules are looked up by *name*, so ids can be renumbered):

- ``missing-version``: insert ``"Version": "2012-10-17"`` as the first element.
- ``saml-trust-without-audience``: add ``"SAML:aud": "https://signin.aws.amazon.com/saml"``
  (the audience of AWS sign-in, which every SAML console federation uses).
- ``oidc-trust-without-subject`` (GitHub Actions only): insert a ``sub``
  condition skeleton pinned to ``repo:OWNER/REPO:ref:refs/heads/main``.  It
  fails closed but needs a person to name the repository, so it is an editor
  quick fix and ``--fix`` does not write it (``safe=False``).

Every edit is inserted in the syntax of the file (JSON, YAML block or flow
style, HCL objects), as a new first member of the mapping it extends, so the
lines the user wrote are not reformatted.

Offsets are indices into the decoded text (code points); spans are iamlint
spans (1-based lines and columns, end column exclusive).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from iamlint import api
from iamlint.findings import Finding, Span
from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.regularfile import NotRegular, read_regular
from iamlint.repository import find_repository
from iamlint.sources import read_source

VERSION = "2012-10-17"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
GITHUB_OIDC = "token.actions.githubusercontent.com"
GITHUB_SUB_PLACEHOLDER = "repo:OWNER/REPO:ref:refs/heads/main"
COMMENT_SUFFIXES = (".yaml", ".yml", ".template", ".tf", ".hcl")


@dataclass(frozen=True)
class TextEdit:
    start: int  # offset into the text
    end: int
    new_text: str


@dataclass
class Fix:
    rule: str
    title: str
    edits: list[TextEdit]
    span: Span  # where the fixed problem is (the finding's span)
    safe: bool = True  # --fix may write it without a person looking
    finding: Finding | None = None
    kind: str = "quickfix"


# --------------------------------------------------------------------------
# text positions
# --------------------------------------------------------------------------


def line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def offset_of(starts: list[int], text: str, line: int, column: int) -> int:
    """Offset of 1-based (line, column); clamped into the text."""
    if line < 1:
        return 0
    if line > len(starts):
        return len(text)
    return min(starts[line - 1] + max(column, 1) - 1, len(text))


def line_ending(text: str, starts: list[int], line: int) -> str:
    """The line ending of 1-based ``line`` ("\r\n" or "\n"), so that inserted
    lines match the file's own; the last line, which has none, takes the
    ending of the line before it (LF for a one-line file)."""
    for n in (line, line - 1):
        if 1 <= n < len(starts):
            return "\r\n" if text[starts[n] - 2 : starts[n]] == "\r\n" else "\n"
    return "\n"


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.new_text + out[e.end :]
    return out


def _overlaps(a: Span, b: Span) -> bool:
    start_a, end_a = (a.line, a.column), (a.end_line, a.end_column)
    start_b, end_b = (b.line, b.column), (b.end_line, b.end_column)
    return (start_a < end_b and start_b < end_a) or start_a == start_b


def _inside(inner: Span, outer: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (inner.end_line, inner.end_column) <= (
        outer.end_line,
        outer.end_column,
    )


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# --------------------------------------------------------------------------
# inserting a member into a mapping, in the file's own syntax
# --------------------------------------------------------------------------


def _insert_member(text: str, starts: list[int], doc, pointer: str, key: str, value: Any, path: str) -> TextEdit | None:
    """An edit that makes ``key: value`` the first member of the mapping at
    ``pointer`` of ``doc``; None when the mapping's text cannot be placed."""
    mapping = doc.value_at(pointer)
    if not isinstance(mapping, dict) or not mapping:
        return None
    first = next(iter(mapping))
    kspan = doc.locator.key_span(f"{pointer}/{_escape(first)}")
    if kspan is None:
        return None
    kstart = offset_of(starts, text, kspan.line, kspan.column)
    kend = offset_of(starts, text, kspan.end_line, kspan.end_column)
    if kstart >= len(text):
        return None
    # the separator after the key: ':' (JSON, YAML) or '=' (HCL)
    j = kend
    while j < len(text) and text[j] in " \t":
        j += 1
    if j >= len(text) or text[j] not in ":=":
        return None
    sep = text[j]
    quote = text[kstart] if text[kstart] in "\"'" else ""
    hcl = path.lower().endswith((".tf", ".hcl")) and sep == "="
    # what precedes the key: '{' or ',' means a flow / JSON object
    i = kstart - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    flow = i >= 0 and text[i] in "{,"
    line_start = starts[kspan.line - 1]
    before = text[line_start:kstart]
    own_line = before.strip() == "" or (not flow and before.strip().strip("-").strip() == "")
    rendered_key = (
        f"{quote}{key}{quote}"
        if quote
        else (json.dumps(key) if (":" in key or (hcl and not key.isidentifier())) else key)
    )
    rendered_value = json.dumps(value, ensure_ascii=False)
    member = f"{rendered_key}{' = ' if sep == '=' else ': '}{rendered_value}"
    if own_line:
        indent = before if before.strip() == "" else " " * len(before)
        comma = "," if flow and not hcl else ""
        eol = line_ending(text, starts, kspan.line)
        return TextEdit(kstart, kstart, f"{member}{comma}{eol}{indent}")
    if not flow and not hcl:
        return None  # a YAML block mapping must start on its own line
    return TextEdit(kstart, kstart, f"{member}, ")


# --------------------------------------------------------------------------
# the fixers
# --------------------------------------------------------------------------


def _statements(doc) -> list[tuple[str, dict]]:
    value = doc.value
    if not isinstance(value, dict):
        return []
    st = value.get("Statement")
    if isinstance(st, dict):
        return [("/Statement", st)]
    if isinstance(st, list):
        return [(f"/Statement/{i}", s) for i, s in enumerate(st) if isinstance(s, dict)]
    return []


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def _federated(stmt: dict) -> list[str]:
    p = stmt.get("Principal")
    if not isinstance(p, dict):
        return []
    return [x for x in _as_list(p.get("Federated")) if isinstance(x, str)]


def _actions(stmt: dict) -> list[str]:
    return [a.lower() for a in _as_list(stmt.get("Action")) if isinstance(a, str)]


def _condition_keys(stmt: dict) -> set[str]:
    cond = stmt.get("Condition")
    keys: set[str] = set()
    if isinstance(cond, dict):
        for block in cond.values():
            if isinstance(block, dict):
                keys |= {k.lower() for k in block if isinstance(k, str)}
    return keys


def _add_condition(text, starts, doc, ptr: str, stmt: dict, key: str, value: str, path: str) -> TextEdit | None:
    cond = stmt.get("Condition")
    if cond is None:
        return _insert_member(text, starts, doc, ptr, "Condition", {"StringEquals": {key: value}}, path)
    if not isinstance(cond, dict):
        return None
    if isinstance(cond.get("StringEquals"), dict) and cond["StringEquals"]:
        return _insert_member(text, starts, doc, f"{ptr}/Condition/StringEquals", key, value, path)
    if "StringEquals" in cond:
        return None
    return _insert_member(text, starts, doc, f"{ptr}/Condition", "StringEquals", {key: value}, path)


def _fix_version(text, starts, doc, path, finding) -> list[Fix]:
    value = doc.value
    if not isinstance(value, dict) or "Version" in value or "Statement" not in value:
        return []
    edit = _insert_member(text, starts, doc, "", "Version", VERSION, path)
    if edit is None:
        return []
    return [Fix(finding.rule, f'Add "Version": "{VERSION}"', [edit], finding.span, True, finding)]


def _statement_for(doc, finding: Finding) -> tuple[str, dict] | None:
    for ptr, stmt in _statements(doc):
        if finding.pointer == ptr or finding.pointer.startswith(ptr + "/"):
            span = doc.locator.span(ptr)
            if span is None or _overlaps(span, finding.span) or _inside(finding.span, span):
                return ptr, stmt
    return None


def _fix_oidc_subject(text, starts, doc, path, finding) -> list[Fix]:
    found = _statement_for(doc, finding)
    if not found:
        return []
    ptr, stmt = found
    if not any(f.lower().endswith(GITHUB_OIDC) for f in _federated(stmt)):
        return []
    if "sts:assumerolewithwebidentity" not in _actions(stmt) or f"{GITHUB_OIDC}:sub" in _condition_keys(stmt):
        return []
    edit = _add_condition(text, starts, doc, ptr, stmt, f"{GITHUB_OIDC}:sub", GITHUB_SUB_PLACEHOLDER, path)
    if edit is None:
        return []
    return [
        Fix(
            finding.rule,
            "Pin the GitHub OIDC trust to one repository and branch (sub condition skeleton)",
            [edit],
            finding.span,
            False,
            finding,
        )
    ]


def _fix_saml_audience(text, starts, doc, path, finding) -> list[Fix]:
    found = _statement_for(doc, finding)
    if not found:
        return []
    ptr, stmt = found
    if not any(":saml-provider/" in f.lower() for f in _federated(stmt)):
        return []
    if "sts:assumerolewithsaml" not in _actions(stmt) or "saml:aud" in _condition_keys(stmt):
        return []
    edit = _add_condition(text, starts, doc, ptr, stmt, "SAML:aud", SAML_AUDIENCE, path)
    if edit is None:
        return []
    return [Fix(finding.rule, f'Add the condition "SAML:aud": "{SAML_AUDIENCE}"', [edit], finding.span, True, finding)]


FIXERS: dict[str, Callable] = {
    "missing-version": _fix_version,
    "oidc-trust-without-subject": _fix_oidc_subject,
    "saml-trust-without-audience": _fix_saml_audience,
}


# What ``--fix`` writes (``safe=True``); the OIDC subject skeleton is an editor
# quick fix only.  FIXABLE_NAMES is what the code keys on (FIXERS are looked up
# by name); FIXABLE_RULES are the ids of the built-in rules of those names, for
# ``[*]`` markers, the "N fixable" summary and ``--statistics`` (a test keeps
# the two in step).
FIXABLE_NAMES: frozenset[str] = frozenset({"missing-version", "saml-trust-without-audience"})
FIXABLE_RULES: frozenset[str] = frozenset({"IAM004", "IAM310"})


def is_fixable(rule) -> bool:
    """Whether ``--fix`` can fix findings of ``rule`` (a Rule, or a rule id)."""
    name = getattr(rule, "name", None)
    return name in FIXABLE_NAMES if name is not None else rule in FIXABLE_RULES


def _rule_names(registry) -> dict[str, str]:
    return {r.id: r.name for r in registry}


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------


def _lint(path: str, text: str, config, registry) -> api.FileReport:
    return api.lint_bytes(path, text.encode("utf-8", "surrogatepass"), config, registry)


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        out[f.rule] = out.get(f.rule, 0) + 1
    return out


def _verified(path: str, before, new_text: str, rules: set[str], config, registry) -> bool:
    """The edited text parses into as many documents, each fixed rule reports
    less and no rule reports more."""
    try:
        after = _lint(path, new_text, config, registry)
    except Exception:  # noqa: BLE001 (a fix whose result cannot be linted is not offered)
        return False
    if after.error or after.skipped or after.documents != before.documents:
        return False
    old, new = _counts(before.findings), _counts(after.findings)
    if any(new.get(r, 0) > n for r, n in old.items()) or any(r not in old for r in new):
        return False
    return all(new.get(r, 0) < old.get(r, 0) for r in rules)


def fixes_for(path: str, text: str, config, registry, report=None) -> list[Fix]:
    """Every verified fix for the findings iamlint reports on ``text``."""
    if report is None:
        report = _lint(path, text, config, registry)
    names = _rule_names(registry)
    wanted = [f for f in report.findings if names.get(f.rule) in FIXERS]
    if not wanted:
        return []
    source = read_source(path, text.encode("utf-8", "surrogatepass"), kind=config.kind_for(path) if config else None)
    if source.error or source.skipped:
        return []
    starts = line_starts(text)
    fixes: list[Fix] = []
    seen: set[tuple] = set()
    for finding in wanted:
        for doc in source.documents:
            if doc.value is None or doc.owner != finding.owner:
                continue
            dspan = doc.locator.span("")
            if dspan is not None and not (_inside(finding.span, dspan) or _overlaps(finding.span, dspan)):
                continue
            for fix in FIXERS[names[finding.rule]](text, starts, doc, path, finding):
                key = tuple((e.start, e.end, e.new_text) for e in fix.edits)
                if key in seen:
                    continue
                if _verified(path, report, apply_edits(text, fix.edits), {fix.rule}, config, registry):
                    seen.add(key)
                    fixes.append(fix)
            break
    return fixes


def ignore_fix(path: str, text: str, finding: Finding, config=None, registry=None, report=None) -> Fix | None:
    """``# iamlint: ignore[ID]`` on the line above the finding (YAML and HCL only),
    indented like that line; None when the comment would change the document."""
    if not path.lower().endswith(COMMENT_SUFFIXES):
        return None
    starts = line_starts(text)
    line = finding.span.line
    if line < 1 or line > len(starts):
        return None
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    content = text[start:end]
    indent = content[: len(content) - len(content.lstrip(" \t"))]
    eol = line_ending(text, starts, line)
    edit = TextEdit(start, start, f"{indent}# iamlint: ignore[{finding.rule}]{eol}")
    fix = Fix(
        finding.rule,
        f"Ignore {finding.rule} here (# iamlint: ignore[{finding.rule}])",
        [edit],
        finding.span,
        False,
        finding,
    )
    if registry is not None:
        try:
            before = report or _lint(path, text, config, registry)
            after = _lint(path, apply_edits(text, [edit]), config, registry)
        except Exception:  # noqa: BLE001 (as in _verified: no action then)
            return None
        if after.error or after.documents != before.documents:
            return None
        if _counts(after.findings).get("IAM001", 0) > _counts(before.findings).get("IAM001", 0):
            return None
    return fix


# --------------------------------------------------------------------------
# --fix / --diff on files
# --------------------------------------------------------------------------


@dataclass
class FileFix:
    path: str
    applied: list[Fix] = field(default_factory=list)
    #: fixes a person must apply (e.g. the OIDC sub skeleton), with the reason
    manual: list[Fix] = field(default_factory=list)
    old: str = ""
    new: str = ""
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def diff(self) -> str:
        if not self.changed:
            return ""
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(True), self.new.splitlines(True), f"a/{self.path}", f"b/{self.path}"
            )
        )


def _compatible(fixes: list[Fix]) -> list[Fix]:
    """Fixes whose edits do not touch the same place."""
    taken: list[tuple[int, int]] = []
    out = []
    for fix in fixes:
        ranges = [(e.start, e.end) for e in fix.edits]
        if any(s <= te and ts <= e for s, e in ranges for ts, te in taken):
            continue
        taken += ranges
        out.append(fix)
    return out


class FixRefused(Exception):
    """The fix is not written; the message says why (one line, after the path)."""


def _read_regular(path: str, follow: bool = True) -> tuple[bytes, os.stat_result]:
    """The bytes and the status of the regular file ``path`` (see
    :mod:`iamlint.regularfile`); anything else is refused, never waited on."""
    try:
        return read_regular(path, follow=follow)
    except NotRegular:
        raise FixRefused("not fixed: not a regular file") from None


def _tree_root(directory: str) -> str:
    """The working tree a path belongs to: its repository (of the path as
    given, links not resolved), else the directory itself; as a real path."""
    return os.path.realpath(find_repository(directory) or directory)


def _write_target(path: str) -> str:
    """The file a fix of ``path`` replaces: ``path`` itself, or the file its
    symbolic link points to (so the link stays a link) when that is inside
    the same working tree; a link out of the tree is refused, since iamlint
    was not asked to write there."""
    if not os.path.islink(path):
        return path
    target = os.path.realpath(path)
    root = _tree_root(os.path.dirname(path) or ".")
    if os.path.commonpath([target, root]) != root:
        raise FixRefused(f"not fixed: it is a symbolic link to {target}, outside {root}")
    return target


def _check_replaceable(target: str, info: os.stat_result) -> None:
    """Refuse what a replacement would change besides the text: a file with
    other hard links (they would keep the old text), a read-only file, or a
    file of another user (the new file would be ours)."""
    if info.st_nlink > 1:
        raise FixRefused(f"not fixed: it has {info.st_nlink} hard links, which replacing it would split")
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise FixRefused("not fixed: it is read-only")
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid not in (None, 0, info.st_uid):
        raise FixRefused(f"not fixed: it belongs to another user (uid {info.st_uid})")


def _still_unchanged(target: str, data: bytes, info: os.stat_result) -> None:
    """Refuse when the file is no longer the one the fix was computed from
    (edited, replaced or removed meanwhile): a later edit is never overwritten."""
    try:
        now_data, now = _read_regular(target, follow=False)
    except FileNotFoundError:
        raise FixRefused("not fixed: it was removed while iamlint was fixing it") from None
    except (FixRefused, OSError):
        raise FixRefused("not fixed: it changed while iamlint was fixing it") from None
    if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino) or now_data != data:
        raise FixRefused("not fixed: it changed while iamlint was fixing it; run --fix again")


def _replace(target: str, old: bytes, info: os.stat_result, new: bytes) -> None:
    """Write ``new`` to a fresh temporary file next to ``target`` (created
    exclusively by mkstemp, so nothing planted at its name is followed or
    reused), give it the original's permission bits and owner, flush it to
    disk, check the original once more and rename the temporary file over it.
    On any failure the temporary file is removed and the original is left as
    it was.  (Between the last check and the rename an edit can still slip
    in: that window is as short as the file system allows.)"""
    import tempfile  # noqa: PLC0415 (~5 ms that every other run would pay; only --fix writes)

    directory, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".iamlint-fix.tmp", dir=directory or ".")
    try:
        try:
            view = memoryview(new)
            while view:
                view = view[os.write(fd, view) :]
            mine = os.fstat(fd)
            if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (mine.st_uid, mine.st_gid):
                os.fchown(fd, info.st_uid, info.st_gid)
            # after fchown, which clears set-id bits
            os.chmod(fd if os.chmod in os.supports_fd else tmp, stat.S_IMODE(info.st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        _still_unchanged(target, old, info)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_directory(directory or ".")


def _sync_directory(directory: str) -> None:
    """Make the rename durable (best effort: not every system can fsync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fix_file(path: str, config, registry, write: bool = True) -> FileFix:
    """Apply the safe fixes to ``path`` (only when ``write``); the file is left
    untouched unless the whole result verifies and can be written safely
    (otherwise ``error`` says why, and nothing was written)."""
    result = FileFix(path)
    try:
        data, info = _read_regular(path)
        text = decode_bytes(data)
    except FixRefused as exc:
        result.error = str(exc)
        return result
    except (OSError, DecodeError) as exc:
        result.error = str(getattr(exc, "strerror", None) or exc)
        return result
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    result.old = result.new = text
    try:
        report = _lint(path, text, config, registry)
        fixes = fixes_for(path, text, config, registry, report)
    except Exception as exc:  # noqa: BLE001 (never break a run because a fix could not be computed)
        result.error = f"cannot compute fixes ({type(exc).__name__})"
        return result
    result.manual = [f for f in fixes if not f.safe]
    safe = _compatible([f for f in fixes if f.safe])
    if not safe:
        return result
    new_text = apply_edits(text, [e for f in safe for e in f.edits])
    if not _verified(path, report, new_text, {f.rule for f in safe}, config, registry):
        # together they do not verify: apply the first one alone
        safe = safe[:1]
        new_text = apply_edits(text, safe[0].edits)
    result.applied = safe
    result.new = new_text
    if write and result.changed:
        try:
            target = _write_target(path)
            _still_unchanged(target, data, info)  # checked again just before the rename
            _check_replaceable(target, info)
            _replace(target, data, info, (bom + new_text).encode("utf-8", "surrogatepass"))
        except (FixRefused, OSError) as exc:
            if isinstance(exc, OSError):
                result.error = f"not fixed: cannot write it ({exc.strerror or exc})"
            else:
                result.error = str(exc)
            result.applied = []
            result.new = result.old
    return result
