"""The library entry points: lint bytes, text or paths.

``lint_bytes`` is a pure function of its inputs (text in, findings out); the
registry and configuration are loaded once by the caller.
"""

from __future__ import annotations

import functools
import gc
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.engine.runner import enabled_rules, run_document, run_roles, without_inherited
from iamlint.findings import Finding
from iamlint.model.document import Document
from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.regularfile import NotRegular, TooLarge, read_regular
from iamlint.sources import (
    ModuleView,
    SourceResult,
    is_module_file,
    module_file_parses,
    read_module,
    read_source,
)
from iamlint.sources.module import normalized
from iamlint.suppress import suppress

LINTED_SUFFIXES = (".json", ".yaml", ".yml", ".template", ".tf")
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".terraform",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".iamlint_cache",
}
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


@dataclass
class FileReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    error: str | None = None
    skipped: bool = False
    text: str | None = None
    #: other files whose documents this file's reading linted (a Terraform
    #: ``file("policy.json")``), see :func:`merge_included`
    included: list[str] = field(default_factory=list)
    #: the unified diff of the fixes applied to (or, with ``--diff``, computed for) the file
    fix_diff: str = ""
    #: the result-cache entry this lint produced, kept by the parent process
    #: (:meth:`iamlint.resultcache.ResultCache.remember`)
    cache_entry: tuple[str, list[Any]] | None = field(default=None, repr=False, compare=False)
    #: False when the findings depend on files the result cache does not key
    #: (a Terraform module that reads ``file()``/``templatefile()``)
    cacheable: bool = field(default=True, repr=False, compare=False)


_registry: Registry | None = None


def default_registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry.load()
    return _registry


def _cycle_collector_paused(lint):
    """``lint`` run with Python's cyclic garbage collector paused (and resumed
    after, unless it was off before).

    A file's run leaves no reference cycles (tests/robustness/
    test_no_reference_cycles.py): what it builds is freed by reference
    counting, and the collector finds nothing.  But while a large file is
    linted, its full collections rescan everything the file has built so far,
    again and again: half the time of a file of 1,000 Terraform roles or
    3,000 CloudFormation resources, and a cost that grows faster than the
    file (issue 14).  Batch runs tune the collector after their first file
    (parallel.tune_gc); this covers the first file, a single file and the
    language server."""

    @functools.wraps(lint)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return lint(*args, **kwargs)
        gc.disable()
        try:
            return lint(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_cycle_collector_paused
def lint_bytes(
    path: str,
    data: bytes,
    config: Config | None = None,
    registry: Registry | None = None,
    kind: str | None = None,
    explicit: bool = True,
    module: ModuleView | None = None,
) -> FileReport:
    """The report of ``path`` (whose bytes are ``data``).

    A Terraform file is linted with its module (``module``: the texts of its
    directory's ``.tf`` files; default: read from disk): the findings are
    those of the whole module that are declared in ``path`` -- so a directory
    run reports each finding once, in the file that declares it -- and, when
    ``explicit`` (the file was named: pre-commit, an editor), also the
    findings of whole-principal rules (IAM4xx) about a principal declared in
    another file of which ``path`` declares a part: an attachment, an inline
    policy, a policy document, an access key, a group membership.  Those keep
    their location (where a full run reports them), so a finding has one
    location and one fingerprint whichever files are named."""
    config = config or Config()
    registry = registry or default_registry()
    if is_module_file(path):
        report = _lint_module_file(path, data, config, registry, kind, explicit, module)
        if report is not None:
            return report
    kind = kind or config.kind_for(path)
    source = read_source(path, data, kind=kind, explicit=explicit)
    report = FileReport(path, error=source.error, skipped=source.skipped, text=source.text)
    if source.skipped or source.error:
        return report
    rules = enabled_rules(registry, config, path)
    findings: list[Finding] = []
    by_document: dict[int, list[Finding]] = {}
    for doc in source.documents:
        by_document[id(doc)] = run_document(doc, rules, config)

    def findings_of(other: Document) -> list[Finding]:
        """A document's findings: of this file's, or (a sibling's) computed for the comparison."""
        if id(other) not in by_document:
            by_document[id(other)] = run_document(other, rules, config)
        return by_document[id(other)]

    for doc in source.documents:
        # a statement copied from another document is reported there (issue 17)
        findings += without_inherited(doc, by_document[id(doc)], findings_of)
    if source.roles:
        for role in source.roles:
            _see_documents(role, findings_of)
        findings += run_roles(source.roles, rules, config, by_document)
    # inline `# iamlint: ignore[...]` comments and CloudFormation Metadata ignore lists;
    # unused ones come back as IAM012
    findings = suppress(path, source.text, source.documents, findings, registry, config)
    report.documents = len(source.documents)
    report.findings = sorted(set(findings), key=Finding.sort_key)
    report.included = sorted({d.file for d in source.documents if d.meta.get("included_from") and d.file != path})
    return report


def _see_documents(role, findings_of) -> None:
    """Compute (unreported) the findings of ``role``'s documents that another
    file reports (a sibling .tf, or another reader's copy of the same data
    source), so compound rules (IAM404: exposed trust x power) see them."""
    for doc in (role.trust, *role.inline, *(a.document for a in role.managed)):
        if doc is not None:
            findings_of(doc)


@dataclass
class _ModuleLint:
    """The findings of one Terraform module, by the file declaring them."""

    view: ModuleView
    config: Config
    registry: Registry
    kind: str | None
    source: SourceResult
    #: per declaring file (normalised path): findings, number of documents, included files
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    included: dict[str, list[str]] = field(default_factory=dict)
    #: per file: the whole-principal findings about principals declared elsewhere it declares a part of
    claims: dict[str, list[Finding]] = field(default_factory=dict)
    #: files declaring a principal or a part of one
    principal_files: set[str] = field(default_factory=set)

    #: (path, content) of the files read through file()/templatefile(): the lint is
    #: reused only while they are unchanged (and is never written to the result cache)
    includes: tuple[tuple[str, bytes | None], ...] = ()

    def matches(self, view: ModuleView, config: Config, registry: Registry, kind: str | None) -> bool:
        return (
            self.view == view
            and self.config is config
            and self.registry is registry
            and self.kind == kind
            and all(_content(path) == data for path, data in self.includes)
        )


def _content(path: str) -> bytes | None:
    try:
        return read_regular(path, DEFAULT_MAX_FILE_SIZE)[0]
    except (NotRegular, TooLarge, OSError):
        return None


#: the last module linted: the other files of a directory run are served from it
_last_module: list[_ModuleLint] = []


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _home(doc) -> str:
    """The .tf file declaring a document (a ``file()`` include: the file reading it)."""
    return doc.meta.get("included_from") or doc.file


def _lint_module(
    path: str, text: str, view: ModuleView, config: Config, registry: Registry, kind: str | None
) -> _ModuleLint:
    source = read_module(path, text, view, lambda p: kind or config.kind_for(p))
    out = _ModuleLint(view, config, registry, kind, source)
    if source.error or source.skipped:
        return out
    docs_of: dict[str, list] = {}
    for doc in source.documents:
        docs_of.setdefault(_home(doc), []).append(doc)
    roles_of: dict[str, list] = {}
    for role in source.roles:
        roles_of.setdefault(role.file, []).append(role)
    rules_of = {home: enabled_rules(registry, config, home) for home in {*docs_of, *roles_of}}
    by_document: dict[int, list[Finding]] = {}
    for home, docs in docs_of.items():
        for doc in docs:
            by_document[id(doc)] = run_document(doc, rules_of[home], config)

    def findings_of(other: Document) -> list[Finding]:
        """A document's findings, computed once (also for documents no file emits)."""
        if id(other) not in by_document:
            home = _home(other)
            rules = rules_of.get(home) or enabled_rules(registry, config, home)
            by_document[id(other)] = run_document(other, rules, config)
        return by_document[id(other)]

    out.includes = tuple(
        (p, _content(p)) for p in sorted({d.file for d in source.documents if d.meta.get("included_from")})
    )
    # each finding goes to the report of the module file it is located in: an
    # attachment's IAM401 in attach.tf is attach.tf's, although its role is role.tf's
    homes = {_norm(h): h for h in (*docs_of, *roles_of)}
    located: dict[str, list[Finding]] = {key: [] for key in homes}
    about: list[tuple[list[Finding], frozenset[str]]] = []
    for home in {*docs_of, *roles_of}:
        # a statement copied from another document is reported there (issue 17)
        located[_norm(home)] += [
            f for doc in docs_of.get(home, ()) for f in without_inherited(doc, by_document[id(doc)], findings_of)
        ]
        for role in roles_of.get(home, ()):
            _see_documents(role, findings_of)
            found = run_roles([role], rules_of[home], config, by_document)
            for f in found:
                where = _norm(f.file)
                if where not in homes and f.file in view:
                    homes[where] = f.file
                located.setdefault(where if where in homes else _norm(home), []).append(f)
            parts = source.parts.get(id(role), frozenset())
            about.append((found, parts))
            out.principal_files.update(_norm(p) for p in parts | {home})
    survived: set[Finding] = set()
    for key, findings in located.items():
        home = homes[key]
        docs = docs_of.get(home, [])
        text_of = view.text(home) if home in view else (text if key == _norm(path) else None)
        kept = suppress(home, text_of, docs, findings, registry, config)
        survived.update(kept)
        out.findings[key] = kept
        out.documents[key] = len(docs)
        out.included[key] = sorted({d.file for d in docs if d.meta.get("included_from") and d.file != home})
    for found, parts in about:
        for part in parts:
            key = _norm(part)
            out.claims.setdefault(key, []).extend(f for f in found if f in survived and _norm(f.file) != key)
    return out


def _lint_module_file(
    path: str,
    data: bytes,
    config: Config,
    registry: Registry,
    kind: str | None,
    explicit: bool,
    module: ModuleView | None,
) -> FileReport | None:
    """The report of a Terraform file from its module's lint (see :func:`lint_bytes`);
    None for bytes that are not text (read as any file is)."""
    try:
        original = decode_bytes(data)
    except DecodeError:
        return None
    # the module's files are read as the view holds them (a CRLF file named or not: one lint)
    text = normalized(original)
    if not module_file_parses(path, text):
        return None  # not valid HCL: read on its own (its syntax error)
    view = (module if module is not None else ModuleView.from_disk(path)).with_text(path, text)
    last = _last_module[0] if _last_module else None
    if last is None or not last.matches(view, config, registry, kind):
        last = _lint_module(path, text, view, config, registry, kind)
        _last_module[:] = [last]
    source = last.source
    report = FileReport(path, error=source.error, skipped=source.skipped, text=original)
    report.cacheable = not last.includes
    if source.skipped or source.error:
        return report
    key = _norm(path)
    findings = list(last.findings.get(key, ()))
    if explicit:
        findings += last.claims.get(key, ())
    report.documents = last.documents.get(key, 0)
    report.included = last.included.get(key, [])
    report.skipped = not findings and not report.documents and key not in last.principal_files
    report.findings = sorted(set(findings), key=Finding.sort_key)
    return report


def merge_module_findings(reports: list[FileReport]) -> None:
    """Each finding once per run when several files of one Terraform module are
    named (``iamlint a.tf b.tf``): a whole-principal finding is reported by the
    file declaring the principal and by each named file declaring a part of it
    (see :func:`lint_bytes`); the first report keeps it."""
    seen: set[Finding] = set()
    for r in reports:
        if not is_module_file(r.path) or not r.findings:
            continue
        kept = [f for f in r.findings if f not in seen]
        seen.update(kept)
        r.findings = kept


def merge_included(reports: list[FileReport]) -> None:
    """Each finding once per run, when a policy file is both included by a
    Terraform file (``file("policy.json")``, ``templatefile``) and linted on
    its own (a directory run, or both files named).

    The including file's reading wins: it knows how the document is used (a
    trust policy, a bucket policy: the kind comes from where it is used, and
    a template is rendered with its variables), its findings already point
    into the JSON file, and it assembles the roles.  So the JSON file's own
    report is emptied, and identical findings that several including files
    report on the same included file (two modules using one policy file) are
    kept once.  A JSON file linted without its includer (``iamlint check
    policy.json``, pre-commit with only that file changed) is reported on its
    own, as before; ``iamlint check main.tf`` reports the included file too.
    """

    def key(path: str) -> str:
        return os.path.normcase(os.path.abspath(path))

    covered = {key(p) for r in reports for p in r.included}
    if not covered:
        return
    seen: set = set()
    for r in reports:
        if r.error is None and not r.included and key(r.path) in covered:
            r.findings, r.documents = [], 0
            continue
        kept = []
        for f in r.findings:
            if f.file != r.path and key(f.file) in covered:
                ident = (key(f.file), f.span, f.rule, f.message)
                if ident in seen:
                    continue
                seen.add(ident)
            kept.append(f)
        r.findings = kept


def lint_text(
    text: str,
    path: str = "policy.json",
    config: Config | None = None,
    kind: str | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """Convenience for tests, the language server and library users."""
    return lint_bytes(path, text.encode("utf-8", "surrogatepass"), config, registry, kind).findings


class Excludes(Protocol):
    """What a walk asks of the configuration: a Config, or a
    :class:`~iamlint.configfile.ConfigResolver` (each path's own)."""

    def excluded(self, path: str, is_dir: bool | None = None) -> bool: ...


def _is_venv(dirpath: str) -> bool:
    return os.path.exists(os.path.join(dirpath, "pyvenv.cfg"))


def iter_files(
    paths: Iterable[str], config: Excludes, errors: list[FileReport] | None = None
) -> Iterator[tuple[str, bool]]:
    """(path, explicit) for every file to lint; directories are walked
    recursively, skipping VCS, dependency and virtual-environment folders.

    A walk lints regular files only (a FIFO, socket or device named
    ``*.json`` is passed over: reading it could block or never end); a
    directory the walk cannot read (permissions, a path over PATH_MAX) is
    appended to ``errors`` as a one-line report and the walk goes on.  Named
    paths are yielded as given: :func:`read_file` says why one cannot be read.
    """
    for given in paths:
        if os.path.isdir(given):
            for dirpath, filenames in _walk(given, config, errors):
                for name in filenames:
                    if name.lower().endswith(LINTED_SUFFIXES):
                        full = os.path.join(dirpath, name)
                        if not config.excluded(full, False):
                            yield full, False
        else:
            if not config.excluded(given):
                yield given, True


def _walk(top: str, config: Excludes, errors: list[FileReport] | None) -> Iterator[tuple[str, list[str]]]:
    """(directory, sorted names of its regular files) for ``top`` and every
    directory below it that is not skipped, parents before children, each
    level in name order (``os.walk`` top-down with pruning, as before).

    Iterative, where Python 3.11's ``os.walk`` recurses: a tree nested deeper
    than the recursion limit (1,200 levels of ``a/`` fit in PATH_MAX) is
    walked, not a RecursionError.  File types come from the directory
    entries, so only symbolic links cost a ``stat``; links to directories are
    not followed (as ``os.walk``)."""
    stack = [top]
    while stack:
        dirpath = stack.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError as exc:
            if errors is not None:
                errors.append(FileReport(dirpath, error=f"cannot read directory: {describe_os_error(exc)}"))
            continue
        dirnames, filenames = [], []
        for entry in entries:
            kind = _entry_kind(entry)
            if kind == "dir":
                dirnames.append(entry.name)
            elif kind == "file":
                filenames.append(entry.name)
        filenames.sort()
        yield dirpath, filenames
        subdirs = [
            os.path.join(dirpath, d) for d in sorted(dirnames) if d not in SKIP_DIRS and not d.endswith(".egg-info")
        ]
        subdirs = [d for d in subdirs if not _is_venv(d) and not config.excluded(d, True)]
        stack.extend(reversed(subdirs))


def _entry_kind(entry: os.DirEntry) -> str | None:
    """ "dir" (a real directory, walked), "file" (a regular file or a link to
    one, linted) or None (passed over: FIFOs, sockets, devices, links to
    anything else).  A dangling link, or an entry that cannot be examined,
    counts as a file, so that reading it says why it could not be linted."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if entry.is_file():
            return "file"
        if entry.is_symlink() and not os.path.exists(entry.path):
            return "file"
    except OSError:
        return "file"
    return None


def describe_os_error(exc: OSError) -> str:
    """The reason of an OSError without the path (the caller names it once)."""
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    return exc.strerror or str(exc)


class ReadError(Exception):
    """A file that cannot be read for linting; the message is one line and does
    not repeat the path."""


_KIND_NAMES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str:
    what = next((name for test, name in _KIND_NAMES if test(mode)), "a special file")
    return f"not a regular file ({what}): not read"


def read_regular_file(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_size`` of them;
    raises :class:`ReadError` (missing, unreadable, not a regular file, over
    ``max_size``).

    :func:`iamlint.regularfile.read_regular` (never blocks, reads nothing but
    a regular file), with its failures worded for the user.
    """
    try:
        return read_regular(path, max_size)[0]
    except FileNotFoundError:
        raise ReadError("no such file or directory") from None
    except NotRegular as exc:
        raise ReadError(_not_regular(exc.mode)) from None
    except TooLarge as exc:
        size = f"{exc.size:,} bytes" if exc.size is not None else f"more than {max_size:,} bytes"
        raise ReadError(f"skipped: {size} is over --max-file-size ({max_size:,} bytes)") from None
    except OSError as exc:
        raise ReadError(f"cannot read: {describe_os_error(exc)}") from None


def read_stream(stream, name: str = "-", max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes | FileReport:
    """At most ``max_size`` bytes of a binary stream (standard input), or a
    FileReport naming why not: a pipe that never ends is not read forever."""
    try:
        data = stream.read(max_size + 1)
    except OSError as exc:
        return FileReport(name, error=f"cannot read: {describe_os_error(exc)}")
    if len(data) > max_size:
        return FileReport(
            name, error=f"skipped: more than {max_size:,} bytes is over --max-file-size ({max_size:,} bytes)"
        )
    return data


def read_file(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes | FileReport:
    """:func:`read_regular_file`, with a failure as a FileReport naming the path."""
    try:
        return read_regular_file(path, max_size)
    except ReadError as exc:
        return FileReport(path, error=str(exc))


def lint_path(
    path: str,
    config: Config,
    registry: Registry,
    kind: str | None = None,
    explicit: bool = True,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
) -> FileReport:
    data = read_file(path, max_size)
    if isinstance(data, FileReport):
        return data
    return lint_data(path, data, config, registry, kind, explicit)


def lint_data(
    path: str,
    data: bytes,
    config: Config,
    registry: Registry,
    kind: str | None = None,
    explicit: bool = True,
    module: ModuleView | None = None,
) -> FileReport:
    """:func:`lint_bytes` for a file's bytes, turning any failure into a one-line error."""
    try:
        return lint_bytes(path, data, config, registry, kind, explicit, module)
    except RecursionError:
        return FileReport(path, error="document nested too deeply to analyse")
    except Exception as exc:  # noqa: BLE001 (a bug in iamlint must not stop the run: name it and go on)
        return FileReport(path, error=internal_error(exc))


def internal_error(exc: BaseException) -> str:
    """The one-line error of a file whose lint hit a bug of iamlint."""
    return f"internal error ({type(exc).__name__}: {exc}); please report it"
