"""JUnit XML for CI test reports (GitLab, Jenkins, Azure): one test case per file.

A file with findings at warning or error is a failed test case whose failure
lists every finding as ``path:line:col: RULE [severity] message``; a file with
only info findings passes and carries them in ``system-out``; an unreadable
file is an errored test case; a file without IAM material is skipped.

Text from the checked files (file names, messages, errors) is escaped as in
the text format (:func:`iamlint.reporters.text.escape`): XML 1.0 cannot hold
most control characters, a raw newline inside a message would break the
one-line-per-finding failure text, and a CI log that shows the report must
not run a line starting with ``::`` as a workflow command.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from iamlint.reporters import RunResult
from iamlint.reporters.text import escape

FAILING = ("error", "warning")


def _clean(text: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates (the last
    line of defence: text from the files is already escaped)."""
    return "".join(
        ch if (ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD or ord(ch) > 0xFFFF)
        else "\ufffd" for ch in text)


def _line(f) -> str:
    owner = f" ({escape(f.owner)})" if f.owner else ""
    return f"{escape(f.file, line_start=True)}:{f.span.line}:{f.span.column}: {f.rule} [{f.severity}] {escape(f.message)}{owner}"


def render(run: RunResult) -> str:
    by_file: dict[str, list] = {}
    for f in run.findings:
        by_file.setdefault(f.file, []).append(f)
    suite = ET.Element("testsuite", name="iamlint")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in run.files:
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname="iamlint", name=_clean(escape(r.path)), time="0")
        findings = by_file.get(r.path, [])
        if r.error:
            counts["errors"] += 1
            error = _clean(escape(r.error))
            ET.SubElement(case, "error", message=error, type="iamlint.error").text = error
        elif r.skipped:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="no IAM policy in this file")
        elif any(f.severity in FAILING for f in findings):
            counts["failures"] += 1
            n = len(findings)
            worst = "error" if any(f.severity == "error" for f in findings) else "warning"
            ET.SubElement(case, "failure", message=f"{n} finding{'s' if n != 1 else ''}", type=worst).text = \
                _clean("\n".join(_line(f) for f in findings))
        elif findings:
            ET.SubElement(case, "system-out").text = _clean("\n".join(_line(f) for f in findings))
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", "0")
    root = ET.Element("testsuites", name="iamlint", tests=str(counts["tests"]),
                      failures=str(counts["failures"]), errors=str(counts["errors"]))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
