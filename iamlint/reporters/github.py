"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=RULE::message``;
warnings are ``::warning`` and info findings ``::notice``.  Property values
and messages are escaped as the Actions runner expects.
"""

from __future__ import annotations

from iamlint.reporters import RunResult
from iamlint.vocabulary import Severity

COMMANDS: dict[str, str] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(run: RunResult) -> str:
    out = []
    for f in run.findings:
        s = f.span
        props = [
            f"file={escape_property(f.file)}",
            f"line={s.line}",
            f"col={s.column}",
            f"endLine={max(s.end_line, s.line)}",
            f"endColumn={s.end_column}",
            f"title={escape_property(f.rule)}",
        ]
        owner = f" ({f.owner})" if f.owner else ""
        out.append(f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{escape_data(f.message + owner)}")
    for r in run.files:
        if r.error:
            out.append(f"::error file={escape_property(r.path)},title=iamlint::{escape_data(r.error)}")
    return "".join(line + "\n" for line in out)
