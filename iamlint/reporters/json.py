"""The stable JSON contract (see README, "JSON output")."""

from __future__ import annotations

from iamlint import __version__
from iamlint.reporters import RunResult
from iamlint.reporters.jsontext import dumps_indent2


def finding_dict(f) -> dict:
    d = {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "file": f.file,
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "pointer": f.pointer,
    }
    if f.owner:
        d["owner"] = f.owner
    d["fingerprint"] = f.fingerprint
    if f.items:
        d["items"] = list(f.items)
    if f.related:
        d["related"] = [
            {
                "file": r.file,
                "pointer": r.pointer,
                "message": r.message,
                **(
                    {
                        "line": r.span.line,
                        "column": r.span.column,
                        "end_line": r.span.end_line,
                        "end_column": r.span.end_column,
                    }
                    if r.span
                    else {}
                ),
            }
            for r in f.related
        ]
    return d


def render(run: RunResult) -> str:
    out = {
        "version": __version__,
        "findings": [finding_dict(f) for f in run.findings],
        "summary": {"files": run.linted_files, "documents": run.documents, "findings": len(run.findings)},
    }
    errors = [{"file": f.path, "message": f.error} for f in run.files if f.error]
    if errors:
        out["errors"] = errors
    return dumps_indent2(out) + "\n"
