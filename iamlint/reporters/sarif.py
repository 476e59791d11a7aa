"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

The tool driver lists every loaded rule (id, name, descriptions, help with the
rule's documentation, helpUri, default level, tags and a ``security-severity``
score); each result names its rule, level, message, the file as a URI relative
to the repository root (``uriBaseId: "%SRCROOT%"``, see
:mod:`iamlint.reporters.paths`), the region (1-based, end column exclusive,
columns in Unicode code points) and the baseline fingerprint as a partial
fingerprint, so alerts survive lines moving.

The ``security-severity`` score follows the level, on GitHub's scale: every
error rule ranks at least "high" (>= 7.0), every warning "medium" (4.0-6.9),
every note "low" (< 4.0); within a level, security rules rank above the
others and the worst risks (escalation, public access, credentials) highest.
GitHub reads the score of a rule's descriptor; a finding whose severity is
not its rule's (a graded rule, a ``severity`` setting) carries its own score
in the result's ``properties`` as well, so the two never disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iamlint import __version__
from iamlint.docs import rule_markdown, rule_url
from iamlint.reporters import RunResult
from iamlint.reporters.jsontext import dumps_indent2
from iamlint.reporters.paths import SRCROOT, RepoPaths
from iamlint.vocabulary import Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: SARIF's result level of each severity
LEVELS: dict[str, str] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = "iamlintFingerprint/v1"

#: tags that make a rule a security rule (GitHub shows those as security alerts)
SECURITY_TAGS = {
    "security",
    "trust",
    "over-privilege",
    "privilege-escalation",
    "public-access",
    "credentials",
    "least-privilege",
    "data-access",
    "compound",
}
#: tags of the worst risks: an error with one of them is "critical" (>= 9.0)
CRITICAL_TAGS = {"privilege-escalation", "public-access", "credentials"}


#: (worst risks, security rules, other rules) per severity: each level has its own band of GitHub's
#: scale (critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0), so an error always outranks a
#: warning and a warning a note
SCORES: dict[str, tuple[float, float, float]] = {
    Severity.ERROR: (9.3, 8.0, 7.0),
    Severity.WARNING: (6.5, 5.5, 4.0),
    Severity.INFO: (3.5, 3.0, 1.0),
}


def is_security_rule(rule) -> bool:
    """Security rules by tag or id range (IAM2xx, IAM3xx, IAM5xx); syntax and
    catalog-correctness rules break deployments, not access control."""
    return bool(set(rule.tags) & SECURITY_TAGS) or rule.id[:4] in ("IAM2", "IAM3", "IAM5")


def security_severity(rule, severity: str | None = None) -> str:
    """The score of ``rule`` at ``severity`` (default: the rule's own)."""
    worst, security, other = SCORES.get(severity or rule.severity, SCORES[Severity.INFO])
    score = (worst if set(rule.tags) & CRITICAL_TAGS else security) if is_security_rule(rule) else other
    return f"{score:.1f}"


def help_uri(rule) -> str:
    if rule.pack == "builtin":
        return rule_url(rule)
    return Path(rule.source).resolve().as_uri()


def _rule_descriptor(rule) -> dict:
    tags = (["security"] if is_security_rule(rule) else []) + [t for t in rule.tags if t != "security"]
    what = " ".join(str(rule.docs.get("what", "")).split())
    why = " ".join(str(rule.docs.get("why", "")).split())
    try:
        markdown = rule_markdown(rule)
    except Exception:  # noqa: BLE001 (a third-party rule with unusual docs still gets a descriptor)
        markdown = rule.summary
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{what} {why}".strip() or rule.summary},
        "help": {"text": rule.summary, "markdown": markdown},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": tags, "security-severity": security_severity(rule), "kinds": list(rule.kinds)},
    }


class _Artifacts:
    """Artifact locations of one run: each file relative to its root, each
    root a base id (the main root ``%SRCROOT%``, others ``ROOT2``, ``ROOT3``
    ... in order of first use), a file outside every root an absolute URI."""

    def __init__(self, run: RunResult) -> None:
        paths = [f.file for f in run.findings]
        paths += [rel.file for f in run.findings for rel in (f.related or ())]
        paths += [r.path for r in run.files if r.error]
        self.paths = RepoPaths(paths, None if run.root in ("", ".") else run.root)
        self.base_ids: dict[str, str] = {self.paths.main: SRCROOT}
        self.used: set[str] = set()

    def location(self, path: str) -> dict:
        root, relative = self.paths.relative(path)
        if root is None:
            return {"uri": Path(relative).as_uri()}
        base = self.base_ids.setdefault(root, f"ROOT{len(self.base_ids) + 1}")
        self.used.add(base)
        return {"uri": RepoPaths.uri(relative), "uriBaseId": base}

    def original_uri_base_ids(self) -> dict:
        """The roots the locations use (none when every file is outside them)."""
        return {base: {"uri": RepoPaths.root_uri(root)} for root, base in self.base_ids.items() if base in self.used}


def _location(artifacts: _Artifacts, path: str, span) -> dict:
    location = {"artifactLocation": artifacts.location(path)}
    if span is not None:
        location["region"] = {
            "startLine": max(span.line, 1),
            "startColumn": max(span.column, 1),
            "endLine": max(span.end_line, span.line, 1),
            "endColumn": max(span.end_column, 1),
        }
    return {"physicalLocation": location}


def render(run: RunResult) -> str:
    registry = run.registry
    rules = list(registry) if registry is not None else []
    index = {r.id: i for i, r in enumerate(rules)}
    artifacts = _Artifacts(run)
    results = []
    for f in run.findings:
        level = LEVELS.get(f.severity, "warning")
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": level,
            "message": {"text": f.message + (f" ({f.owner})" if f.owner else "")},
            "locations": [_location(artifacts, f.file, f.span)],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
            rule = rules[index[f.rule]]
            if f.severity != rule.severity:
                # GitHub shows the descriptor's score; this one is the finding's own
                result["properties"] = {"security-severity": security_severity(rule, f.severity)}
        if f.items:
            result.setdefault("properties", {})["items"] = list(f.items)
        if f.fingerprint:
            result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
        related = []
        for i, rel in enumerate(f.related or ()):
            loc = _location(artifacts, rel.file, rel.span)
            loc["id"] = i
            if rel.message:
                loc["message"] = {"text": rel.message}
            related.append(loc)
        if related:
            result["relatedLocations"] = related
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.path}: {r.error}"},
            "locations": [_location(artifacts, r.path, None)],
        }
        for r in run.files
        if r.error
    ]
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    sarif_run: dict = {
        "tool": {
            "driver": {
                "name": "iamlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/iamlint/iamlint",
                "rules": [_rule_descriptor(r) for r in rules],
            }
        },
    }
    bases = artifacts.original_uri_base_ids()
    if bases:
        sarif_run["originalUriBaseIds"] = bases
    sarif_run.update({"invocations": [invocation], "columnKind": "unicodeCodePoints", "results": results})
    sarif = {"$schema": SCHEMA, "version": "2.1.0", "runs": [sarif_run]}
    return dumps_indent2(sarif) + "\n"
