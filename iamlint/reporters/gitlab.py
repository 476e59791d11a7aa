"""GitLab Code Quality report (``artifacts: reports: codequality:``).

A JSON array of issues in the subset of the Code Climate format that GitLab's
merge-request widget and diff view read: ``description``, ``check_name`` (the
rule id), ``fingerprint``, ``severity`` (``info`` < ``minor`` < ``major`` <
``critical`` < ``blocker``), ``location.path`` relative to the repository root
(:mod:`iamlint.reporters.paths`) and ``location.lines.begin``.

GitLab shows one issue per fingerprint, and iamlint's fingerprint (the
baseline's) is the same for two identical findings of one file; the second and
later ones get a fingerprint derived from it and their occurrence number,
which stays stable from run to run as the baseline's counting does.

The severity follows the finding's SARIF ``security-severity`` score, so the
two reports rank findings alike: critical scores (>= 9.0) are ``blocker``,
other errors ``critical``, security warnings ``major``, other warnings
``minor``, notes ``info``.  A file that could not be checked is a
``critical`` issue on its first line (``check_name`` ``iamlint-error``).
"""

from __future__ import annotations

import hashlib

from iamlint.reporters import RunResult
from iamlint.reporters.jsontext import dumps_indent2
from iamlint.reporters.paths import RepoPaths
from iamlint.reporters.sarif import SCORES, is_security_rule, security_severity
from iamlint.vocabulary import Severity

#: (lowest score, GitLab severity), the first that the score reaches
SEVERITY_BY_SCORE = ((9.0, "blocker"), (7.0, "critical"), (5.0, "major"), (4.0, "minor"), (0.0, "info"))


def gitlab_severity(score: float) -> str:
    return next(name for low, name in SEVERITY_BY_SCORE if score >= low)


def _score(f, rule) -> float:
    if rule is not None:
        return float(security_severity(rule, f.severity))
    return SCORES.get(f.severity, SCORES[Severity.INFO])[1]


def _unique(fingerprint: str, seen: dict[str, int]) -> str:
    n = seen.get(fingerprint, 0)
    seen[fingerprint] = n + 1
    if n == 0:
        return fingerprint
    return hashlib.sha256(f"{fingerprint}\x1f{n}".encode()).hexdigest()[:32]


def _fallback_fingerprint(*parts) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def render(run: RunResult) -> str:
    rules = {r.id: r for r in run.registry} if run.registry is not None else {}
    paths = RepoPaths(
        [f.file for f in run.findings] + [r.path for r in run.files if r.error],
        None if run.root in ("", ".") else run.root,
    )
    seen: dict[str, int] = {}
    issues = []
    for f in run.findings:
        rule = rules.get(f.rule)
        owner = f" ({f.owner})" if f.owner else ""
        security = rule is not None and is_security_rule(rule)
        fingerprint = f.fingerprint or _fallback_fingerprint(f.rule, f.file, f.span, f.message)
        issues.append(
            {
                "type": "issue",
                "description": f"{f.rule} {f.name}: {f.message}{owner}",
                "check_name": f.rule,
                "categories": ["Security"] if security else ["Bug Risk"],
                "fingerprint": _unique(fingerprint, seen),
                "severity": gitlab_severity(_score(f, rule)),
                "location": {
                    "path": paths.display(f.file),
                    "lines": {"begin": max(f.span.line, 1), "end": max(f.span.end_line, f.span.line, 1)},
                },
            }
        )
    for r in run.files:
        if r.error:
            issues.append(
                {
                    "type": "issue",
                    "description": f"iamlint could not check this file: {r.error}",
                    "check_name": "iamlint-error",
                    "categories": ["Bug Risk"],
                    "fingerprint": _unique(_fallback_fingerprint("iamlint-error", r.path), seen),
                    "severity": "critical",
                    "location": {"path": paths.display(r.path), "lines": {"begin": 1, "end": 1}},
                }
            )
    return dumps_indent2(issues) + "\n"
