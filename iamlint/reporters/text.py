"""Human output: ``path:line:col: RULE [severity] message``.

Everything that comes from the checked files (file names, messages, owners,
``--show-source`` lines) is written through :func:`escape`: a policy string
or a file name must not be able to move the cursor, clear the terminal, set
its title or start a line that a CI runner executes (GitHub Actions runs a
stdout line starting with ``::`` as a workflow command).
"""
from __future__ import annotations

import re

from iamlint.reporters import RunResult

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"

#: C0 controls but TAB (harmless whitespace, kept for indented source), DEL,
#: C1 controls (U+009B is CSI, U+009D OSC for terminals reading them), the
#: Unicode line and paragraph separators, and the bidirectional embedding,
#: override and isolate controls (which reorder what a line shows)
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
#: a line a CI runner reads as a command: ``::`` after optional blanks
_COMMAND_START = re.compile(r"[ \t]*::")


def _visible(match: re.Match) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str, line_start: bool = False) -> str:
    """``text`` with every control character as a visible escape (``\\x1b``,
    ``\\n``, ``\\u202e``), so it stays one harmless line on a terminal or a
    CI log; with ``line_start`` (the text begins an output line) a leading
    ``::`` becomes ``\\x3a:``."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_visible, text)
    if line_start:
        command = _COMMAND_START.match(text)
        if command:
            end = command.end()
            text = text[:end - 2] + "\\x3a:" + text[end:]
    return text


def _source_lines(text: str | None) -> list[str]:
    # lines as the locators count them (by "\n"): str.splitlines would also
    # break at form feeds, \x1c-\x1e and U+2028, shifting every later line
    return text.split("\n") if text else []


def _source_and_caret(src: str, span, c: bool, severity: str) -> tuple[str, str]:
    """The escaped source line and its caret line, the caret under the escaped
    text of the span (an escape is wider than the character it shows)."""
    start = span.column - 1
    end = span.end_column - 1 if span.end_line == span.line else len(src)
    before, marked = escape(src[:start]), escape(src[start:end])
    pad = "".join(ch if ch == "\t" else " " for ch in before)
    caret = pad + "^" * max(1, len(marked))
    return before + marked + escape(src[end:]), (f"{_COLORS[severity]}{caret}{_RESET}" if c else caret)


def render(run: RunResult) -> str:
    out: list[str] = []
    texts = {f.path: f.text for f in run.files}
    lines_cache: dict[str, list[str]] = {}
    c = run.color
    for f in run.findings:
        sev = f"{_COLORS[f.severity]}{f.severity}{_RESET}" if c else f.severity
        rule = f"{_BOLD}{f.rule}{_RESET}" if c else f.rule
        owner = f" ({escape(f.owner)})" if f.owner else ""
        out.append(f"{escape(f.file, line_start=True)}:{f.span.line}:{f.span.column}: {rule} [{sev}] "
                   f"{escape(f.message)}{owner}")
        if run.show_source:
            lines = lines_cache.setdefault(f.file, _source_lines(texts.get(f.file)))
            if 0 < f.span.line <= len(lines):
                src = lines[f.span.line - 1]
                src = src[:-1] if src.endswith("\r") else src
                shown, caret = _source_and_caret(src, f.span, c, f.severity)
                num = f"{f.span.line:>5} | "
                out.append(f"{_DIM if c else ''}{num}{_RESET if c else ''}{shown}")
                out.append(" " * (len(num) - 2) + "| " + caret)
    n = len(run.findings)
    by_sev = {s: sum(1 for f in run.findings if f.severity == s) for s in ("error", "warning", "info")}
    if n:
        detail = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in by_sev.items() if v)
        out.append(f"Found {n} finding{'s' if n != 1 else ''} ({detail}) in {run.linted_files} file{'s' if run.linted_files != 1 else ''}.")
    else:
        out.append(f"No findings in {run.linted_files} file{'s' if run.linted_files != 1 else ''} ({run.documents} polic{'ies' if run.documents != 1 else 'y'}).")
    return "\n".join(out) + "\n"
