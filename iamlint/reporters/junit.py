"""JUnit XML for CI test reports (GitLab, Jenkins, Azure): one test case per
checked IAM file.

Each test case has a ``file`` attribute, the path relative to the repository
root (:mod:`iamlint.reporters.paths`) as CI viewers resolve it, and, when it
has findings, a ``line`` attribute (the first finding's line).  A file with
findings at warning or error is a failed test case whose failure lists every
finding as ``path:line:col: RULE [severity] message``; a file with only info
findings passes and carries them in ``system-out``; an unreadable file is an
errored test case.  A file without IAM material is not a test case at all
(listing every ``package.json`` of a repository as a skipped test is noise).

Text from the checked files (file names, messages, errors) is escaped as in
the text format (:func:`iamlint.reporters.text.escape`): XML 1.0 cannot hold
most control characters, a raw newline inside a message would break the
one-line-per-finding failure text, and a CI log that shows the report must
not run a line starting with ``::`` as a workflow command.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from iamlint.reporters import RunResult
from iamlint.reporters.paths import RepoPaths
from iamlint.reporters.text import escape
from iamlint.vocabulary import Severity

FAILING = (Severity.ERROR, Severity.WARNING)


def _clean(text: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates (the last
    line of defence: text from the files is already escaped)."""
    return "".join(
        ch
        if (ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD or ord(ch) > 0xFFFF)
        else "\ufffd"
        for ch in text
    )


def _line(f, paths: RepoPaths) -> str:
    """One finding, named by its repository-relative path as the ``file`` attribute."""
    owner = f" ({escape(f.owner)})" if f.owner else ""
    where = f"{escape(paths.display(f.file), line_start=True)}:{f.span.line}:{f.span.column}"
    return f"{where}: {f.rule} [{f.severity}] {escape(f.message)}{owner}"


def render(run: RunResult) -> str:
    by_file: dict[str, list] = {}
    for f in run.findings:
        by_file.setdefault(f.file, []).append(f)
    listed = [r for r in run.files if r.error or not r.skipped]
    paths = RepoPaths([r.path for r in listed], None if run.root in ("", ".") else run.root)
    suite = ET.Element("testsuite", name="iamlint")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in listed:
        counts["tests"] += 1
        findings = by_file.get(r.path, [])
        case = ET.SubElement(
            suite,
            "testcase",
            classname="iamlint",
            name=_clean(escape(r.path)),
            file=_clean(escape(paths.display(r.path))),
            time="0",
        )
        if findings:
            case.set("line", str(findings[0].span.line))
        if r.error:
            counts["errors"] += 1
            error = _clean(escape(r.error))
            ET.SubElement(case, "error", message=error, type="iamlint.error").text = error
        elif any(f.severity in FAILING for f in findings):
            counts["failures"] += 1
            n = len(findings)
            worst = Severity.ERROR if any(f.severity == Severity.ERROR for f in findings) else Severity.WARNING
            ET.SubElement(case, "failure", message=f"{n} finding{'s' if n != 1 else ''}", type=worst).text = _clean(
                "\n".join(_line(f, paths) for f in findings)
            )
        elif findings:
            ET.SubElement(case, "system-out").text = _clean("\n".join(_line(f, paths) for f in findings))
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", "0")
    root = ET.Element(
        "testsuites",
        name="iamlint",
        tests=str(counts["tests"]),
        failures=str(counts["failures"]),
        errors=str(counts["errors"]),
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
