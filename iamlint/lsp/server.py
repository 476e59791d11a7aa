"""``iamlint lsp``: a language server over stdio (pygls).

- Diagnostics for ``.json``, ``.yaml``/``.yml``/``.template`` and ``.tf``
  documents on open, on change (from the unsaved buffer) and on save.  Changes
  are throttled per document: the first change after a quiet period is linted
  at once (a single edit shows its result in milliseconds), and changes that
  arrive within ``DEBOUNCE`` seconds of the last lint are coalesced into one
  trailing lint of the latest buffer, so fast typing lints at most every
  150 ms.
- Exact ranges (iamlint spans are 1-based code points with an exclusive end
  column; LSP positions are 0-based in the negotiated encoding, UTF-16 by
  default), the rule id as ``code`` and the rule documentation as
  ``codeDescription.href``.
- The workspace configuration (``pyproject.toml`` ``[tool.iamlint]`` /
  ``.iamlint.toml``, nearest to each file) is reloaded when such a file is
  saved or the client reports it changed (the server asks a client that can
  to watch them), and otherwise when :class:`ConfigWatch` sees one of them
  changed, created or removed at the next open, save or change of a document:
  a client that was never asked to watch a file (Neovim before 0.9) does not
  report its changes.
- Code actions: the verified fixes of :mod:`iamlint.fixes` and, in YAML and
  HCL, "ignore this rule here" (a ``# iamlint: ignore[ID]`` comment above).
- Hover on an action name: its description and access level from the catalog.

Nothing a document contains can crash the server: every failure becomes one
diagnostic at the top of the file.  Nothing a client sends can either: a
request of the wrong shape gets a JSON-RPC error, an absurd ``Content-Length``
is refused (:mod:`iamlint.lsp.protocol`).

Linting runs off the event loop, in a pool of worker threads, so a slow
document does not hold up hover, code actions or the diagnostics of other
documents.  Each document has at most one lint in flight; changes that arrive
meanwhile are linted once it is done, from the latest buffer, and a result for
a version that is no longer current is dropped, never published.  (The lint is
pure Python and holds the GIL, so the loop still gets its turn at every switch
interval: requests are answered within milliseconds, not instantly.  A worker
thread cannot be stopped, so a pathological document holds its one worker until
its lint ends; it cannot take the others.)
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from iamlint import __version__, fixes
from iamlint.api import FileReport, default_registry
from iamlint.config import Config
from iamlint.configfile import CONFIG_NAMES
from iamlint.docs import rule_url
from iamlint.engine.registry import Registry
from iamlint.findings import Finding, Span
from iamlint.iam.wildcard import has_wildcard
from iamlint.knowledge import catalog as iam_catalog
from iamlint.lsp.protocol import PARSE_ERROR, BoundedStdin, IamlintProtocol
from iamlint.reporters.sarif import help_uri
from iamlint.session import Session, Settings
from iamlint.sources import is_module_file
from iamlint.vocabulary import Severity

log = logging.getLogger("iamlint.lsp")

DEBOUNCE = 0.15  # seconds
#: threads that lint; one document uses at most one for its lint and one for code actions
LINT_WORKERS = 4
LINTED = (".json", ".yaml", ".yml", ".template", ".tf")
SEVERITY: dict[str, types.DiagnosticSeverity] = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
ACTION_RE = re.compile(r"(?<![\w.\-/:$])([A-Za-z0-9][A-Za-z0-9-]*:[A-Za-z0-9*?]+)(?![\w.\-/:])")


class _Lines:
    """Converts between iamlint spans / text offsets and LSP positions."""

    def __init__(self, text: str, encoding: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.utf16 = encoding != types.PositionEncodingKind.Utf32
        self.utf8 = encoding == types.PositionEncodingKind.Utf8

    def _units(self, s: str) -> int:
        if self.utf8:
            return len(s.encode("utf-8", "surrogatepass"))
        if self.utf16:
            return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)
        return len(s)

    def position(self, line0: int, col0: int) -> types.Position:
        """0-based line and code-point column -> LSP position (clamped)."""
        if line0 >= len(self.lines):
            line0 = len(self.lines) - 1
            col0 = len(self.lines[line0])
        line0 = max(line0, 0)
        text = self.lines[line0]
        col0 = max(0, min(col0, len(text)))
        if text.isascii():
            return types.Position(line=line0, character=col0)
        return types.Position(line=line0, character=self._units(text[:col0]))

    def span_range(self, span) -> types.Range:
        start = self.position(span.line - 1, span.column - 1)
        end = self.position(span.end_line - 1, span.end_column - 1)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return types.Range(start=start, end=end)

    def offset_position(self, offset: int) -> types.Position:
        line0 = bisect.bisect_right(self.starts, offset) - 1
        return self.position(line0, offset - self.starts[line0])

    def code_point_column(self, line0: int, character: int) -> int:
        if line0 >= len(self.lines):
            return 0
        text = self.lines[line0]
        if text.isascii() or not (self.utf16 or self.utf8):
            return character
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return i
            units += self._units(ch)
        return len(text)


def _to_span(r: types.Range, lines: _Lines) -> Span:
    return Span(
        r.start.line + 1,
        lines.code_point_column(r.start.line, r.start.character) + 1,
        r.end.line + 1,
        lines.code_point_column(r.end.line, r.end.character) + 1,
    )


def _overlap(a: Span, b: Span) -> bool:
    return (a.line, a.column) <= (b.end_line, b.end_column) and (b.line, b.column) <= (a.end_line, a.end_column)


@dataclass(frozen=True)
class Snapshot:
    """What a lint needs, taken on the event loop: the workspace is not thread-safe,
    and a change that arrives during the lint must not alter the text it reads."""

    uri: str
    version: int | None
    text: str
    path: str
    settings: Settings  # the document's configuration and rules
    session: Session  # that resolved them; it lints the snapshot
    encoding: str
    generation: int  # of the configuration; a reload makes older results stale
    #: a Terraform file's module: (path, text) of the other open documents of its directory
    buffers: tuple[tuple[str, str], ...] = ()


@dataclass
class Analysis:
    """The lint of one snapshot and its diagnostics, computed in a worker thread."""

    snapshot: Snapshot
    report: FileReport | None = None
    error: str | None = None
    diagnostics: list[types.Diagnostic] = field(default_factory=list)


class ConfigWatch:
    """Notices a configuration file that changed without the client saying so.

    For every directory from an open document's up to the root, it keeps what
    each configuration file name (:data:`iamlint.configfile.CONFIG_NAMES`)
    holds there: a hash of the content, or None when absent, so an edit, a new
    file nearer to the document and a removed one all count.  A content hash
    rather than mtime and size: two writes within one file-system timestamp
    tick with the same size would look unchanged.  The files are small and few
    (usually one ``pyproject.toml``), and this runs at most once per lint."""

    def __init__(self) -> None:
        self._seen: dict[str, bytes | None] = {}
        self._dirs: dict[str, tuple[str, ...]] = {}  # document path -> its directory and their parents

    def _directories(self, path: str) -> tuple[str, ...]:
        dirs = self._dirs.get(path)
        if dirs is None:
            d, out = os.path.dirname(os.path.abspath(path)), []
            while True:
                out.append(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
            dirs = self._dirs[path] = tuple(out)
        return dirs

    @staticmethod
    def _state(candidate: str) -> bytes | None:
        try:
            with open(candidate, "rb") as f:
                return hashlib.blake2b(f.read(), digest_size=16).digest()
        except OSError:  # absent, a directory, unreadable: no configuration there
            return None

    def changed(self, paths: Iterable[str]) -> bool:
        """Whether a configuration file that could apply to ``paths`` differs from
        when it was first seen (directories seen for the first time are recorded)."""
        changed = False
        checked = set()
        for path in paths:
            for d in self._directories(path):
                if d in checked:
                    continue
                checked.add(d)
                for name in CONFIG_NAMES:
                    candidate = os.path.join(d, name)
                    state = self._state(candidate)
                    if candidate not in self._seen:
                        self._seen[candidate] = state
                    elif self._seen[candidate] != state:
                        self._seen[candidate] = state
                        changed = True
        return changed

    def forget(self, path: str) -> None:
        self._dirs.pop(path, None)

    def reset(self, paths: Iterable[str]) -> None:
        """Record the files as they are now (the configuration is being reloaded)."""
        self._seen.clear()
        self.changed(paths)


class IamlintLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "iamlint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=IamlintProtocol,
        )
        #: the configuration of the open documents; replaced when a configuration file changes
        self._session: Session | None = None
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._last_run: dict[str, float] = {}
        self._results: dict[str, Analysis] = {}
        #: uri -> the lint in flight (at most one per document) and its snapshot
        self._inflight: dict[str, tuple[Snapshot, asyncio.Future]] = {}
        #: documents changed (or reconfigured) while their lint was in flight
        self._rerun: set[str] = set()
        self._action_locks: dict[str, asyncio.Lock] = {}
        self._generation = 0
        self.shutdown_requested = self.exit_requested = False
        self._config_error_shown: set[str] = set()
        self._config_watch = ConfigWatch()
        self._workers = ThreadPoolExecutor(max_workers=LINT_WORKERS, thread_name_prefix="iamlint-lint")

    def shutdown(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
        super().shutdown()

    @property
    def jsonrpc(self) -> IamlintProtocol:
        """The server's protocol (``protocol_cls``), typed as such."""
        protocol = self.protocol
        assert isinstance(protocol, IamlintProtocol)
        return protocol

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls calls this when a message body is not JSON (and for failures with no
        request to answer); JSON-RPC wants a parse error response with a null id."""
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            self.jsonrpc.send_error(None, PARSE_ERROR, f"Parse error: {error}")
            return
        super().report_server_error(error, source)

    def busy(self) -> bool:
        """Whether a lint is still running (a worker thread cannot be interrupted)."""
        return bool(self._inflight)

    # -- configuration ----------------------------------------------------

    def session(self) -> Session:
        if self._session is None:
            self._session = Session()
        return self._session

    def open_paths(self) -> list[str]:
        return [doc.path or to_fs_path(doc.uri) or doc.uri for doc in list(self.workspace.text_documents.values())]

    def check_config(self) -> bool:
        """Reload the configuration if a file of it changed unannounced (see ConfigWatch)."""
        if self._config_watch.changed(self.open_paths()):
            log.info("a configuration file changed: reloading")
            self.reload_config()
            return True
        return False

    def reload_config(self) -> None:
        self._config_watch.reset(self.open_paths())
        self._session = None
        self._generation += 1
        self._config_error_shown.clear()
        self._results.clear()
        for doc in list(self.workspace.text_documents.values()):
            self.lint(doc.uri)

    def settings_for(self, path: str) -> Settings:
        """The configuration and rules of the document at ``path`` (on the event loop)."""
        try:
            return self.session().settings_for(path)
        except Exception as exc:  # noqa: BLE001 (ConfigError, RuleLoadError, a bug: say it once, lint with defaults)
            message = f"iamlint: configuration problem, using defaults: {exc}"
            if message not in self._config_error_shown:
                self._config_error_shown.add(message)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
            return Settings(Config(), default_registry())

    # -- linting ----------------------------------------------------------

    def encoding(self) -> str:
        try:
            return self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        except Exception:  # noqa: BLE001 (no workspace yet: the protocol's default)
            return types.PositionEncodingKind.Utf16

    def schedule(self, uri: str) -> None:
        """Throttled lint: now when idle, else once DEBOUNCE after the last lint."""
        if uri in self._pending:
            return  # the scheduled lint will read the latest buffer
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_run.get(uri, float("-inf")) + DEBOUNCE - loop.time())
        self._pending[uri] = loop.call_later(delay, self._run_pending, uri)

    def _run_pending(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if not self.check_config():  # a reload lints every open document
            self.lint(uri)

    def cancel(self, uri: str) -> None:
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def is_open(self, uri: str) -> bool:
        return unquote(uri) in self.workspace.text_documents

    def snapshot(self, uri: str) -> Snapshot:
        doc = self.workspace.get_text_document(uri)
        path = doc.path or to_fs_path(uri) or uri
        settings = self.settings_for(path)
        return Snapshot(
            uri,
            doc.version,
            doc.source,
            path,
            settings,
            self.session(),
            self.encoding(),
            self._generation,
            self.module_buffers(path),
        )

    def module_buffers(self, path: str) -> tuple[tuple[str, str], ...]:
        """(path, unsaved text) of the other open documents of ``path``'s
        Terraform module (its directory), in path order; () for other files."""
        if not is_module_file(path):
            return ()
        directory = os.path.dirname(os.path.abspath(path))
        out = []
        for doc in list(self.workspace.text_documents.values()):
            other = doc.path or to_fs_path(doc.uri)
            if (
                other
                and is_module_file(other)
                and os.path.abspath(other) != os.path.abspath(path)
                and os.path.dirname(os.path.abspath(other)) == directory
            ):
                out.append((other, doc.source))
        return tuple(sorted(out))

    def relint_module(self, uri: str) -> None:
        """A Terraform document changed, opened or closed: the other open
        documents of its module are linted again (their findings may change)."""
        path = to_fs_path(uri) or uri
        for other, _text in self.module_buffers(path):
            other_uri = Path(os.path.abspath(other)).as_uri()
            if self.is_open(other_uri):
                self.schedule(other_uri)

    def is_current(self, snap: Snapshot) -> bool:
        """Whether the buffer and configuration are still those the snapshot was taken of."""
        if snap.generation != self._generation or not self.is_open(snap.uri):
            return False
        doc = self.workspace.get_text_document(snap.uri)
        return (
            doc.version == snap.version and doc.source == snap.text and snap.buffers == self.module_buffers(snap.path)
        )

    def lint(self, uri: str) -> None:
        """Lint the current buffer in a worker and publish the result if it is still current then."""
        if not uri_linted(uri) or not self.is_open(uri):
            return
        if uri in self._inflight:
            self._rerun.add(uri)  # linted again, from the latest buffer, when this one is done
            return
        self._last_run[uri] = asyncio.get_running_loop().time()
        cached = self._results.get(uri)
        if cached is not None and self.is_current(cached.snapshot):
            self.publish(cached)
            return
        try:
            snap = self.snapshot(uri)
        except Exception as exc:
            log.exception("cannot read %s", uri)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[_internal_error(exc)])
            )
            return
        future = asyncio.get_running_loop().run_in_executor(self._workers, self.analyse, snap)
        self._inflight[uri] = (snap, future)
        future.add_done_callback(lambda f: self._linted(uri, f))

    def _linted(self, uri: str, future: asyncio.Future) -> None:
        snap, _ = self._inflight.pop(uri)
        if future.cancelled():
            return
        try:
            analysis = future.result()
        except BaseException as exc:  # noqa: BLE001 (analyse catches everything but, say, a MemoryError)
            log.error("lint of %s failed: %r", uri, exc)
            analysis = Analysis(snap, diagnostics=[_internal_error(exc)])
        if self.is_current(snap):
            self._results[uri] = analysis
            self.publish(analysis)
        else:
            log.debug("dropping the diagnostics of %s version %s: the document changed", uri, snap.version)
        if uri in self._rerun or not self.is_current(snap):
            self._rerun.discard(uri)
            if uri not in self._pending:
                self.lint(uri)

    def publish(self, analysis: Analysis) -> None:
        snap = analysis.snapshot
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=snap.uri, diagnostics=analysis.diagnostics, version=snap.version)
        )

    async def analysis(self, uri: str) -> Analysis | None:
        """The analysis of the current buffer: cached, the lint in flight, or a new lint (None if not open)."""
        while self.is_open(uri):
            cached = self._results.get(uri)
            if cached is not None and self.is_current(cached.snapshot):
                return cached
            if uri not in self._inflight:
                self.lint(uri)
            if uri not in self._inflight:
                return None  # not a linted document
            # shielded: a cancelled request must not cancel the lint (its result is published)
            await asyncio.shield(self._inflight[uri][1])
        return None

    def analyse(self, snap: Snapshot) -> Analysis:
        """Lint a snapshot and build its diagnostics (in a worker thread; never raises)."""
        analysis = Analysis(snap)
        try:
            # a failure of the lint (a bug, a document nested too deeply) is the report's error
            analysis.report = snap.session.lint_buffer(snap.path, snap.text, snap.settings, dict(snap.buffers))
        except Exception as exc:
            log.exception("lint failed for %s", snap.uri)
            analysis.error = f"internal error ({type(exc).__name__}: {exc}); please report it"
        if analysis.report is not None and analysis.report.error:
            log.info("%s: %s", snap.uri, analysis.report.error)
        try:
            analysis.diagnostics = self.diagnostics(
                analysis.report, analysis.error, _Lines(snap.text, snap.encoding), snap.settings.registry
            )
        except Exception as exc:
            log.exception("diagnostics failed for %s", snap.uri)
            analysis.diagnostics = [_internal_error(exc)]
        return analysis

    def diagnostics(
        self, report: FileReport | None, error: str | None, lines: _Lines, registry: Registry | None
    ) -> list[types.Diagnostic]:
        top = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1))
        problem = error or (report.error if report is not None else None)
        if problem:
            return [
                types.Diagnostic(
                    range=top,
                    message=f"iamlint: {problem}",
                    severity=types.DiagnosticSeverity.Error,
                    source="iamlint",
                )
            ]
        if report is None:
            return []
        out = []
        for f in report.findings:
            rule = registry.get(f.rule) if registry is not None else None
            href = None
            if rule is not None:
                try:
                    href = help_uri(rule)
                except Exception:  # noqa: BLE001 (a user rule's help URI: the documentation page instead)
                    href = rule_url(rule)
            owner = f" ({f.owner})" if f.owner else ""
            rng, where, elsewhere = lines.span_range(f.span), "", None
            if os.path.abspath(f.file) != os.path.abspath(report.path):
                # located in another file of the module (a role declared in role.tf,
                # reported for the attachment here): shown on the first line, naming
                # the place, which is also the first related location
                rng = top
                where = f"{os.path.basename(f.file)}:{f.span.line}:{f.span.column}: "
                elsewhere = _location(f.file, f.span, "reported here by a full run")
            related = self._related(f, report.path, lines)
            if elsewhere is not None:
                related.insert(0, elsewhere)
            data: dict[str, Any] = {"name": f.name, "pointer": f.pointer, "fingerprint": f.fingerprint}
            listing = ""
            if f.items:  # a grouped finding: the message names a few, the editor shows them all
                data["items"] = list(f.items)
                listing = "".join(f"\n- {item}" for item in f.items)
            out.append(
                types.Diagnostic(
                    range=rng,
                    message=where + f.message + owner + listing,
                    severity=SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
                    code=f.rule,
                    code_description=types.CodeDescription(href=href) if href else None,
                    source="iamlint",
                    tags=[types.DiagnosticTag.Unnecessary] if f.name == "unused-suppression" else None,
                    data=data,
                    related_information=related or None,
                )
            )
        return out

    @staticmethod
    def _related(finding: Finding, path: str, lines: _Lines) -> list[types.DiagnosticRelatedInformation]:
        """Related locations (e.g. the granting policy of a compound finding)."""
        out = []
        for rel in finding.related or ():
            if rel.span is None:
                continue
            if os.path.abspath(rel.file) == os.path.abspath(path):
                rng = lines.span_range(rel.span)
                out.append(
                    types.DiagnosticRelatedInformation(
                        location=types.Location(uri=Path(os.path.abspath(rel.file)).as_uri(), range=rng),
                        message=rel.message,
                    )
                )
            else:
                out.append(_location(rel.file, rel.span, rel.message))
        return out

    # -- code actions -----------------------------------------------------

    async def code_actions_async(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Code actions of the current buffer, computed in a worker (verifying a fix re-lints).

        One computation per document at a time: a client asks on every cursor
        move, and a slow document must not take every worker."""
        uri = params.text_document.uri
        if not uri_linted(uri):
            return []
        lock = self._action_locks.setdefault(uri, asyncio.Lock())
        async with lock:
            analysis = await self.analysis(uri)
            if analysis is None:
                return []
            return await asyncio.get_running_loop().run_in_executor(self._workers, self.code_actions, params, analysis)

    def code_actions(self, params: types.CodeActionParams, analysis: Analysis) -> list[types.CodeAction]:
        snap, report = analysis.snapshot, analysis.report
        uri, text, path = snap.uri, snap.text, snap.path
        config, registry = snap.settings
        if report is None or report.error or not report.findings or not _wants_quick_fixes(params):
            return []
        lines = _Lines(text, snap.encoding)
        wanted = _to_span(params.range, lines)
        context = list(params.context.diagnostics or ()) if params.context else []
        relevant = [f for f in report.findings if _overlap(f.span, wanted)]
        if not relevant:
            return []
        actions = [
            _code_action(fix, fix.finding, uri, lines, context, fix.safe)
            for fix in fixes.fixes_for(path, text, config, registry, report)
            if fix.finding is not None and any(f is fix.finding or f == fix.finding for f in relevant)
        ]
        seen = set()
        for f in relevant:
            if (f.rule, f.span.line) in seen or f.name in ("json-syntax", "unused-suppression"):
                continue
            seen.add((f.rule, f.span.line))
            ignore = fixes.ignore_fix(path, text, f, config, registry, report)
            if ignore is not None:
                actions.append(_code_action(ignore, f, uri, lines, context))
        return actions

    # -- hover ------------------------------------------------------------

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        if not uri_linted(uri) or not self.is_open(uri):
            return None  # pygls would read a document the client has not opened from disk, on the loop
        doc = self.workspace.get_text_document(uri)
        lines = _Lines(doc.source, self.encoding())
        line0 = params.position.line
        if line0 >= len(lines.lines):
            return None
        text = lines.lines[line0]
        col = lines.code_point_column(line0, params.position.character)
        for m in ACTION_RE.finditer(text):
            if not (m.start(1) <= col <= m.end(1)):
                continue
            name = m.group(1)
            body = action_hover(name)
            if body is None:
                return None
            rng = types.Range(start=lines.position(line0, m.start(1)), end=lines.position(line0, m.end(1)))
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=body), range=rng)
        return None


def _wants_quick_fixes(params: types.CodeActionParams) -> bool:
    """Whether the client's ``only`` filter (if any) admits quick fixes."""
    only = set(params.context.only or ()) if params.context and params.context.only else None
    return only is None or any(
        k in (types.CodeActionKind.QuickFix, "quickfix") or str(k).startswith("quickfix") for k in only
    )


def _code_action(
    fix: fixes.Fix,
    finding: Finding,
    uri: str,
    lines: _Lines,
    context: list[types.Diagnostic],
    preferred: bool | None = None,
) -> types.CodeAction:
    """``fix`` of ``finding`` as a quick fix of ``uri``, with the client's diagnostics of that finding."""
    at = lines.span_range(finding.span)
    edits = [
        types.TextEdit(
            range=types.Range(start=lines.offset_position(e.start), end=lines.offset_position(e.end)),
            new_text=e.new_text,
        )
        for e in fix.edits
    ]
    return types.CodeAction(
        title=f"iamlint: {fix.title}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[d for d in context if d.code == finding.rule and d.range == at],
        is_preferred=preferred,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


def _internal_error(exc: BaseException) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1)),
        message=f"iamlint: internal error ({type(exc).__name__}: {exc}); please report it",
        severity=types.DiagnosticSeverity.Error,
        source="iamlint",
    )


def action_hover(name: str, catalog: ModuleType = iam_catalog) -> str | None:
    """Markdown for an action name or pattern; None when the catalog does not know it."""
    if has_wildcard(name):
        try:
            matched = sorted(catalog.expand(name))
        except Exception:  # noqa: BLE001 (a pattern the catalog cannot expand: no hover)
            return None
        if not matched:
            return None
        levels: dict[str, int] = {}
        for a in matched:
            info = catalog.action_info(a)
            if info is not None:
                levels[info.access_level] = levels.get(info.access_level, 0) + 1
        summary = ", ".join(f"{n} {lvl}" for lvl, n in sorted(levels.items(), key=lambda kv: -kv[1]))
        shown = ", ".join(f"`{catalog.action_info(a).full if catalog.action_info(a) else a}`" for a in matched[:12])
        more = f" and {len(matched) - 12} more" if len(matched) > 12 else ""
        return (
            f"**`{name}`** matches {len(matched)} action{'s' if len(matched) != 1 else ''} ({summary})\n\n{shown}{more}"
        )
    info = catalog.action_info(name)
    if info is None:
        return None
    parts = [f"**{info.full}** — access level: **{info.access_level}**", "", info.description]
    if info.resource_types:
        parts += [
            "",
            "Resource types: "
            + ", ".join(f"`{r.name}`{' (required)' if r.required else ''}" for r in info.resource_types if r.name),
        ]
    if info.condition_keys:
        parts += [
            "",
            "Condition keys: "
            + ", ".join(f"`{k}`" for k in info.condition_keys[:15])
            + (" …" if len(info.condition_keys) > 15 else ""),
        ]
    return "\n".join(parts)


def uri_linted(uri: str) -> bool:
    return uri.lower().split("?", 1)[0].endswith(LINTED)


def _is_config(uri: str) -> bool:
    return os.path.basename(to_fs_path(uri) or uri) in CONFIG_NAMES


def create_server() -> IamlintLanguageServer:
    server = IamlintLanguageServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: IamlintLanguageServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities
        watched = getattr(getattr(caps, "workspace", None), "did_change_watched_files", None)
        if watched is not None and getattr(watched, "dynamic_registration", False):
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="iamlint-config-watch",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
                            ),
                        )
                    ]
                )
            )

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: IamlintLanguageServer, params: Any) -> None:
        ls.shutdown_requested = True

    @server.feature(types.EXIT)
    def exit_(ls: IamlintLanguageServer, params: Any) -> None:
        ls.exit_requested = True

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: IamlintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        if not ls.check_config():
            ls.lint(params.text_document.uri)
            ls.relint_module(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IamlintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        if uri_linted(params.text_document.uri):
            ls.schedule(params.text_document.uri)
            ls.relint_module(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: IamlintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_config(uri):
            ls.reload_config()
            return
        ls.cancel(uri)
        if not ls.check_config():
            ls.lint(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: IamlintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        ls._results.pop(uri, None)
        ls._last_run.pop(uri, None)
        ls._rerun.discard(uri)
        ls._action_locks.pop(uri, None)
        ls._config_watch.forget(to_fs_path(uri) or uri)
        if uri_linted(uri):
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            ls.relint_module(uri)  # its module's other documents now read it from disk

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: IamlintLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(c.uri) for c in params.changes):
            ls.reload_config()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    async def code_action(ls: IamlintLanguageServer, params: types.CodeActionParams):
        try:
            return await ls.code_actions_async(params) or None
        except Exception:
            log.exception("code actions failed")
            return None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: IamlintLanguageServer, params: types.HoverParams):
        try:
            return ls.hover(params)
        except Exception:
            log.exception("hover failed")
            return None

    return server


def main(log_file: str | None = None) -> None:
    if log_file:
        logging.basicConfig(filename=log_file, level=logging.INFO)
    server = create_server()
    # BoundedStdin has the two methods pygls' reader calls (readline, read)
    stdin = cast(BinaryIO, BoundedStdin(sys.stdin.buffer, server.jsonrpc.refuse_oversized))
    server.start_io(stdin=stdin)
    # After ``exit`` pygls' reader thread is still blocked reading stdin, and a
    # lint may still be running in a worker; the interpreter would wait for
    # both at exit (until the client closes the pipe, or the lint ends).  The
    # client asked the server to go, or went away: go now.
    if server.busy():
        log.warning("exiting with a lint still running")
    logging.shutdown()
    sys.stderr.flush()
    # LSP: exit code 1 when ``exit`` came without a ``shutdown`` request first
    os._exit(1 if server.exit_requested and not server.shutdown_requested else 0)


def _location(file: str, span: Span, message: str) -> types.DiagnosticRelatedInformation:
    """A related location in another file (columns as iamlint counts them)."""
    rng = types.Range(
        start=types.Position(line=span.line - 1, character=span.column - 1),
        end=types.Position(line=span.end_line - 1, character=span.end_column - 1),
    )
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=Path(os.path.abspath(file)).as_uri(), range=rng), message=message
    )
