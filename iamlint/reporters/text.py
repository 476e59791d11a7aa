"""Human output: ``path:line:col: RULE [severity] message``."""
from __future__ import annotations

from iamlint.reporters import RunResult

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _source_lines(text: str | None) -> list[str]:
    return text.splitlines() if text else []


def render(run: RunResult) -> str:
    out: list[str] = []
    texts = {f.path: f.text for f in run.files}
    lines_cache: dict[str, list[str]] = {}
    c = run.color
    for f in run.findings:
        sev = f"{_COLORS[f.severity]}{f.severity}{_RESET}" if c else f.severity
        rule = f"{_BOLD}{f.rule}{_RESET}" if c else f.rule
        owner = f" ({f.owner})" if f.owner else ""
        out.append(f"{f.file}:{f.span.line}:{f.span.column}: {rule} [{sev}] {f.message}{owner}")
        if run.show_source:
            lines = lines_cache.setdefault(f.file, _source_lines(texts.get(f.file)))
            if 0 < f.span.line <= len(lines):
                src = lines[f.span.line - 1].rstrip("\r")
                width = (f.span.end_column - f.span.column) if f.span.end_line == f.span.line else len(src) - f.span.column + 1
                caret = " " * (f.span.column - 1) + "^" * max(1, width)
                num = f"{f.span.line:>5} | "
                out.append(f"{_DIM if c else ''}{num}{_RESET if c else ''}{src}")
                out.append(" " * (len(num) - 2) + "| " + (f"{_COLORS[f.severity]}{caret}{_RESET}" if c else caret))
    n = len(run.findings)
    by_sev = {s: sum(1 for f in run.findings if f.severity == s) for s in ("error", "warning", "info")}
    if n:
        detail = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in by_sev.items() if v)
        out.append(f"Found {n} finding{'s' if n != 1 else ''} ({detail}) in {run.linted_files} file{'s' if run.linted_files != 1 else ''}.")
    else:
        out.append(f"No findings in {run.linted_files} file{'s' if run.linted_files != 1 else ''} ({run.documents} polic{'ies' if run.documents != 1 else 'y'}).")
    return "\n".join(out) + "\n"
