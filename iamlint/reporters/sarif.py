"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

The tool driver lists every loaded rule (id, name, descriptions, help with the
rule's documentation, helpUri, default level, tags and a ``security-severity``
score); each result names its rule, level, message, the file as a URI relative
to the run's root (``%SRCROOT%``), the region (1-based, end column exclusive,
columns in Unicode code points) and the baseline fingerprint as a partial
fingerprint, so alerts survive lines moving.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from iamlint import __version__
from iamlint.reporters import RunResult
from iamlint.reporters.jsontext import dumps_indent2

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "iamlintFingerprint/v1"

#: tags that make a rule a security rule (GitHub shows those as security alerts)
SECURITY_TAGS = {"security", "trust", "over-privilege", "privilege-escalation", "public-access", "credentials",
                 "least-privilege", "data-access", "compound"}
#: tags of the worst risks: an error with one of them is "critical" (>= 9.0)
CRITICAL_TAGS = {"privilege-escalation", "public-access", "credentials"}


def security_severity(rule) -> str:
    """GitHub's scale: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.

    Security rules (by tag or id range IAM2xx/IAM3xx/IAM5xx) score by severity;
    syntax and catalog-correctness rules stay low: they break deployments, not
    access control.
    """
    tags = set(rule.tags)
    security = bool(tags & SECURITY_TAGS) or rule.id[:4] in ("IAM2", "IAM3", "IAM5")
    if security:
        if rule.severity == "error":
            score = 9.1 if tags & CRITICAL_TAGS else 8.0
        else:
            score = {"warning": 5.5, "info": 3.0}.get(rule.severity, 3.0)
    else:
        score = {"error": 4.0, "warning": 2.0, "info": 1.0}.get(rule.severity, 1.0)
    return f"{score:.1f}"


def help_uri(rule) -> str:
    from iamlint.docs import rule_url

    if rule.pack == "builtin":
        return rule_url(rule)
    return Path(rule.source).resolve().as_uri()


def _rule_descriptor(rule) -> dict:
    from iamlint.docs import rule_markdown

    tags = list(dict.fromkeys(["security"] if (set(rule.tags) & SECURITY_TAGS or rule.id[:4] in ("IAM2", "IAM3", "IAM5"))
                              else [])) + [t for t in rule.tags if t != "security"]
    what = " ".join(str(rule.docs.get("what", "")).split())
    why = " ".join(str(rule.docs.get("why", "")).split())
    try:
        markdown = rule_markdown(rule)
    except Exception:  # a third-party rule with unusual docs still gets a descriptor
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


def artifact_uri(path: str, root: str = ".") -> tuple[str, bool]:
    """(uri, relative?) — relative to ``root`` when the file is under it."""
    if path in ("", "-"):
        return "stdin", True
    abs_path = os.path.abspath(path)
    abs_root = os.path.abspath(root or ".")
    try:
        rel = os.path.relpath(abs_path, abs_root)
    except ValueError:
        rel = None
    if rel is not None and not rel.startswith(".."):
        return quote(rel.replace(os.sep, "/")), True
    return Path(abs_path).as_uri(), False


def _location(path: str, span, root: str) -> dict:
    uri, relative = artifact_uri(path, root)
    artifact = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    return {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": max(span.line, 1),
                "startColumn": max(span.column, 1),
                "endLine": max(span.end_line, span.line, 1),
                "endColumn": max(span.end_column, 1),
            },
        }
    }


def render(run: RunResult) -> str:
    registry = run.registry
    rules = list(registry) if registry is not None else []
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in run.findings:
        result = {
            "ruleId": f.rule,
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message + (f" ({f.owner})" if f.owner else "")},
            "locations": [_location(f.file, f.span, run.root)],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        if f.fingerprint:
            result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
        related = []
        for i, rel in enumerate(f.related or ()):
            if rel.span is not None:
                loc = _location(rel.file, rel.span, run.root)
            else:
                uri, relative = artifact_uri(rel.file, run.root)
                art = {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}
                loc = {"physicalLocation": {"artifactLocation": art}}
            msg = rel.message
            loc["id"] = i
            if msg:
                loc["message"] = {"text": msg}
            related.append(loc)
        if related:
            result["relatedLocations"] = related
        results.append(result)
    notifications = [
        {"level": "error", "message": {"text": f"{r.path}: {r.error}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.path, run.root)[0]}}}]}
        for r in run.files if r.error
    ]
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    root_uri = Path(os.path.abspath(run.root or ".")).as_uri() + "/"
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/iamlint/iamlint",
                "rules": [_rule_descriptor(r) for r in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return dumps_indent2(sarif) + "\n"
