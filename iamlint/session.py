"""One orchestrator: a :class:`Session` lints paths, standard input and editor buffers.

The command line (``iamlint check``), the language server and library users
lint through a Session.  It holds what a run decides once:

- the configuration of each checked file (the nearest configuration file, or
  ``--config`` for all) with the command-line selectors on top, and the rule
  registry of each configuration (:class:`~iamlint.configfile.ConfigResolver`);
- the result cache of unchanged files (:mod:`iamlint.resultcache`), off when
  fixing, and ``--no-cache`` for every cache while the session is open
  (``with Session(...)``);
- standard input (``-``), the safe fixes (``--fix``, ``--diff``), the baseline
  (``--baseline``, ``--write-baseline``) and the merging of files that a
  Terraform file includes (:func:`iamlint.api.merge_included`).

:meth:`Session.run` returns a :class:`SessionResult`: the reports in input
order, the rule set of the run and what the exit code depends on.  Parsing
arguments, writing reports and choosing the exit code stay with the caller.

A Session is not thread-safe: resolve a file's :class:`Settings` on one
thread (:meth:`Session.settings_for`), then :meth:`Session.lint_buffer` with
them may run on any.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import BinaryIO, NamedTuple

from iamlint import api, baseline, cache, fixes
from iamlint.api import DEFAULT_MAX_FILE_SIZE, FileReport, internal_error
from iamlint.baseline import BaselineError
from iamlint.config import Config, selects_any, unknown_selector_message
from iamlint.configfile import ConfigError, ConfigResolver
from iamlint.engine.registry import Registry, RuleLoadError
from iamlint.findings import SEVERITY_RANK, Finding
from iamlint.parallel import default_jobs, lint_items
from iamlint.resultcache import ResultCache
from iamlint.sources import ModuleView, is_module_file
from iamlint.vocabulary import Severity

#: the problems of a whole run (an invalid configuration file or rule pack, an
#: unreadable baseline): one line naming the file
RUN_ERRORS = (ConfigError, RuleLoadError, BaselineError)

#: a progress callback's context: given the number of files of a target, yields
#: a callback (files done) or None (no progress shown)
Progress = Callable[[int], contextlib.AbstractContextManager[Callable[[int], None] | None]]


@dataclass(frozen=True)
class Options:
    """What decides how a session lints (``iamlint check``'s linting options)."""

    #: ``--config FILE``: one configuration for every file (None: the nearest to each)
    config_file: str | None = None
    #: ``--select``: replaces each configuration's ``select`` (None: not given)
    select: list[str] | None = None
    #: ``--extend-select`` and ``--ignore``: added to each configuration's
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    #: ``--kind``: every policy read as this document kind (None: detected)
    kind: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: False: no cache is read or written while the session is open (``--no-cache``)
    use_cache: bool = True
    #: the file name reported for standard input (``-``), and whose configuration applies
    stdin_filename: str | None = None
    #: ``--fix``: write the safe fixes; ``--diff``: compute them only (``diff`` wins)
    fix: bool = False
    diff: bool = False
    #: ``--baseline FILE``: report only the findings it does not hold
    baseline: str | None = None
    #: ``--write-baseline FILE``: the run's findings are recorded, not filtered
    write_baseline: str | None = None

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff

    def overrides(self, config: Config) -> Config:
        """``config`` with the command-line selectors on top."""
        config = config.copy()
        if self.select is not None:
            config.select = list(self.select)
        if self.extend_select:
            config.extend_select = config.extend_select + self.extend_select
        if self.ignore:
            config.ignore = config.ignore + self.ignore
        return config


class Settings(NamedTuple):
    """The configuration of a file and the rules it loads."""

    config: Config
    registry: Registry


@dataclass
class SessionResult:
    """What one :meth:`Session.run` found."""

    #: one per checked file, unreadable directory and missing path, in input order
    reports: list[FileReport] = field(default_factory=list)
    #: the ``fail-on`` of each report's configuration (``reports[i]``'s is ``fail_on[i]``)
    fail_on: list[str] = field(default_factory=list)
    #: every rule of the configurations the session used, by id
    registry: Registry = field(default_factory=lambda: Registry([]))
    #: files looked at (standard input counts as one), with or without IAM content
    candidates: int = 0

    def add(self, report: FileReport, fail_on: str = Severity.WARNING) -> None:
        self.reports.append(report)
        self.fail_on.append(fail_on)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.reports for f in r.findings]

    @property
    def documents(self) -> int:
        return sum(r.documents for r in self.reports)

    @property
    def errors(self) -> list[FileReport]:
        return [r for r in self.reports if r.error]

    @property
    def diff(self) -> str:
        """The unified diff of the fixes (``--diff``, ``--fix``)."""
        return "".join(r.fix_diff for r in self.reports)

    def failing(self, fail_on: str | None = None) -> bool:
        """Whether a finding is at or above ``fail_on`` (None: each file's configured level)."""
        return any(
            SEVERITY_RANK[f.severity] >= SEVERITY_RANK.get(fail_on or level, 99)
            for r, level in zip(self.reports, self.fail_on, strict=True)
            for f in r.findings
        )


def _no_progress(total: int) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()


class Session:
    """Lints with the configuration nearest to each file (see the module's doc).

    ``say`` receives one line for each fix applied or left to a person (the
    command line prints them on stderr); ``stdin`` is read for the path ``-``
    (default: the process's standard input)."""

    def __init__(
        self,
        options: Options | None = None,
        *,
        say: Callable[[str], object] | None = None,
        stdin: BinaryIO | None = None,
    ) -> None:
        self.options = options or Options()
        self._say = say
        self._stdin = stdin
        self._resolver: ConfigResolver | None = None
        self._results: ResultCache | None = None
        #: the registry of each configuration used, by the Config's identity
        self._registries: dict[int, Registry] = {}
        self._open = contextlib.ExitStack()

    def __enter__(self) -> Session:
        if not self.options.use_cache:  # rule packs, entry points, catalog, schema checks, results: none
            self._open.enter_context(cache.disabled())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # not save(): a run that stopped on an error writes no cache entry, as before
        self._open.close()

    # -- configuration ------------------------------------------------------

    @property
    def resolver(self) -> ConfigResolver:
        """The configuration of each path; created on first use (an invalid
        ``--config`` file raises :class:`~iamlint.configfile.ConfigError` then)."""
        if self._resolver is None:
            o = self.options
            wanted = o.select is not None or o.extend_select or o.ignore
            self._resolver = ConfigResolver(o.config_file, o.overrides if wanted else None)
        return self._resolver

    def registry_for(self, config: Config) -> Registry:
        """The rules ``config`` loads (built-in, installed and its ``extend-rules``)."""
        registry = self._registries.get(id(config))
        if registry is None:
            registry = self._registries[id(config)] = self.resolver.registry_for(config)
        return registry

    def settings_for(self, path: str, is_dir: bool | None = None) -> Settings:
        """The configuration and rules of ``path`` (``is_dir``: what the caller knows it is)."""
        config = self.resolver.for_path(path, is_dir)
        return Settings(config, self.registry_for(config))

    def root_registry(self) -> Registry:
        """The rules of the current directory's configuration (or ``--config``)."""
        resolver = self.resolver
        return resolver.registry_for(resolver.root())

    def unknown_selector(self, selectors: Iterable[str]) -> str | None:
        """Why the first of ``selectors`` (rule ids or prefixes) that names no
        rule of :meth:`root_registry` is wrong, with a did-you-mean; None when
        each names one."""
        ids = [r.id for r in self.root_registry()]
        for sel in selectors:
            if not selects_any(sel, ids):
                return unknown_selector_message(sel, ids)
        return None

    # -- linting ------------------------------------------------------------

    @property
    def results(self) -> ResultCache:
        """The result cache (off with ``use_cache=False`` and while fixing)."""
        if self._results is None:
            self._results = ResultCache(enabled=self.options.use_cache and not self.options.fixing)
        return self._results

    def lint_path(self, path: str, explicit: bool = True) -> FileReport:
        """Lint one file (served from the result cache when unchanged; fixed
        when fixing).  ``explicit``: named by the user rather than found by a
        walk (a named file is read whatever its suffix).  :meth:`save` writes
        the new cache entries."""
        report, _ = self._lint_file(path, explicit)
        self.results.remember(report)
        return report

    def lint_buffer(
        self,
        path: str,
        text: str | bytes,
        settings: Settings | None = None,
        buffers: Mapping[str, str] | None = None,
    ) -> FileReport:
        """Lint ``text`` as the content of ``path`` (an editor's unsaved buffer)
        with ``settings`` (default: those of ``path``).  A Terraform file is
        linted with its module, where ``buffers`` (path -> the editor's text of
        other open files) replace what the disk holds.  Never raises: a
        failure is the report's ``error``."""
        if settings is None:
            settings = self.settings_for(path)
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        module = None
        if is_module_file(path):
            try:
                module = ModuleView.from_disk(path, buffers)
            except Exception as exc:  # noqa: BLE001 (never raises: the report's error)
                return FileReport(path, error=internal_error(exc))
        return api.lint_data(path, data, settings.config, settings.registry, self.options.kind, module=module)

    def _lint_file(self, path: str, explicit: bool) -> tuple[FileReport, str]:
        """A file's report and ``fail-on`` (in a worker process with ``jobs``)."""
        config = self.resolver.for_path(path, False)  # a file: found by a walk, or named and stat'ed
        registry = self.registry_for(config)
        o = self.options
        try:
            report = self.results.lint_path(path, config, registry, o.kind, explicit, o.max_file_size)
            if o.fixing and report.findings and not report.error:
                report = self._fix(report, Settings(config, registry), explicit)
        except Exception as exc:  # noqa: BLE001 (last resort: a bug costs this file, not the run)
            report = FileReport(path, error=internal_error(exc))
        return report, config.fail_on

    def _lint_stdin(self) -> tuple[FileReport, str]:
        o = self.options
        name = o.stdin_filename or "-"
        config = self.resolver.for_path(o.stdin_filename or os.getcwd())
        registry = self.registry_for(config)
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        data = api.read_stream(stream, name, o.max_file_size)  # bounded: a pipe may never end
        report = data if isinstance(data, FileReport) else api.lint_data(name, data, config, registry, o.kind)
        return report, config.fail_on

    def _fix(self, report: FileReport, settings: Settings, explicit: bool) -> FileReport:
        """Apply (or, with ``diff``, preview) the safe fixes of one file; the
        returned report is the re-lint of the fixed text and carries the diff."""
        o = self.options
        write = o.fix and not o.diff
        config, registry = settings
        result = fixes.fix_file(report.path, config, registry, write=write)
        for fix in result.manual:
            self._tell(
                f"iamlint: {report.path}:{fix.span.line}:{fix.span.column}: {fix.rule} not fixed automatically: "
                f"the fix needs your values ({fix.title}); use the quick fix of `iamlint lsp` in your editor"
            )
        if result.error:
            # a fix that could not be computed or was refused (see fixes.fix_file): an
            # error of this file (exit 2), reported with the findings it still has
            report.error = result.error
            return report
        if not result.changed:
            return report
        for fix in result.applied:
            verb = "fixed" if write else "would fix"
            self._tell(f"iamlint: {report.path}:{fix.span.line}:{fix.span.column}: {verb} {fix.rule}: {fix.title}")
        if write:
            new = api.lint_path(report.path, config, registry, o.kind, explicit, o.max_file_size)
        else:
            data = result.new.encode("utf-8", "surrogatepass")
            new = api.lint_bytes(report.path, data, config, registry, o.kind, explicit)
        new.fix_diff = result.diff()
        return new

    def _tell(self, line: str) -> None:
        if self._say is not None:
            self._say(line)

    # -- a run --------------------------------------------------------------

    def run(
        self, paths: Sequence[str] = (), jobs: int | None = None, progress: Progress | None = None
    ) -> SessionResult:
        """Lint ``paths`` (files, directories walked, ``-`` for standard input;
        default: the current directory) in ``jobs`` processes (default: all
        cores; one when fixing).  Raises ConfigError, RuleLoadError or
        BaselineError for a problem of the whole run."""
        resolver = self.resolver
        results = self.results
        known = baseline.read(self.options.baseline) if self.options.baseline else None
        out = SessionResult()
        targets = list(paths) or ["."]
        out.candidates = targets.count("-")
        workers = 1 if self.options.fixing else (jobs or default_jobs())
        for target in targets:
            if target == "-":
                out.add(*self._lint_stdin())
                continue
            missing = _missing(target)
            if missing is not None:
                out.add(missing)
                continue
            walk_errors: list[FileReport] = []  # unreadable directories, one line each
            items = list(api.iter_files([target], resolver, walk_errors))
            out.candidates += len(items)
            for report in walk_errors:
                out.add(report)
            with (progress or _no_progress)(len(items)) as advance:
                for report, level in lint_items(items, self._lint_file, workers, advance):
                    results.remember(report)
                    out.add(report, level)
        if not self._registries:
            self.registry_for(resolver.root())
        results.save()
        # a policy file both included by a .tf (file("x.json")) and linted on its own: reported once
        api.merge_included(out.reports)
        # several named files of one Terraform module: a whole-principal finding once
        api.merge_module_findings(out.reports)
        out.registry = self._merged_registry()
        if known is not None and not self.options.write_baseline:
            _filter(out.reports, known)
        return out

    def _merged_registry(self) -> Registry:
        merged = Registry([])
        for registry in self._registries.values():
            for rule in registry:
                merged.rules.setdefault(rule.id, rule)
        merged.rules = dict(sorted(merged.rules.items()))
        return merged

    def write_baseline(self, result: SessionResult) -> int:
        """Record ``result``'s findings in the ``write_baseline`` file; the number recorded."""
        if self.options.write_baseline is None:
            raise ValueError("no baseline file to write (Options.write_baseline)")
        return baseline.write(self.options.write_baseline, result.findings)

    def save(self) -> None:
        """Write the result cache's new entries (:meth:`run` does, at its end)."""
        if self._results is not None:
            self._results.save()


def _missing(target: str) -> FileReport | None:
    """The one-line report of a named path that is not there, else None."""
    try:
        os.stat(target)
    except (OSError, ValueError) as exc:  # missing, a name over PATH_MAX, a NUL byte
        reason = api.describe_os_error(exc) if isinstance(exc, OSError) else "not a valid path"
        return FileReport(target, error=reason)
    return None


def _filter(reports: list[FileReport], known: Counter[str]) -> None:
    """Each report keeps the findings the baseline does not absorb."""
    for r in reports:
        r.findings = baseline.filter_new(r.findings, known)
