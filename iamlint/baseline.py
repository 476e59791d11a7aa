"""Baselines: record today's findings, then report only new ones.

A baseline file is JSON::

    {"version": 1, "tool": "iamlint",
     "findings": [{"fingerprint": "…", "rule": "IAM004", "file": "policies/a.json", "count": 1}, …]}

Findings are matched by fingerprint (rule + file + owner + JSON pointer with
array indices removed + a hash of the enclosing statement and the offending
value, see :func:`iamlint.engine.runner.fingerprint`), as a multiset: a
baseline entry with ``count: 2`` absorbs two identical findings, a third one
is new.  Lines moving do not change a fingerprint.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from iamlint.findings import Finding

VERSION = 1


class BaselineError(Exception):
    """The baseline file is unreadable or not a baseline (one-line message)."""


def build(findings: Iterable[Finding]) -> dict:
    counts: Counter = Counter()
    info: dict[str, tuple[str, str]] = {}
    for f in findings:
        counts[f.fingerprint] += 1
        info.setdefault(f.fingerprint, (f.rule, f.file.replace("\\", "/")))
    entries = [{"fingerprint": fp, "rule": info[fp][0], "file": info[fp][1], "count": n} for fp, n in counts.items()]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["fingerprint"]))
    return {"version": VERSION, "tool": "iamlint", "findings": entries}


def write(path: str | Path, findings: Iterable[Finding]) -> int:
    """Write the baseline; returns the number of findings recorded."""
    data = build(findings)
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return sum(e["count"] for e in data["findings"])


def read(path: str | Path) -> Counter:
    """Fingerprint -> count."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a JSON baseline file: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not an iamlint baseline (expected version {VERSION} and a `findings` list)")
    counts: Counter = Counter()
    for i, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: findings/{i}: missing `fingerprint`")
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"{path}: findings/{i}: `count` must be a positive integer")
        counts[entry["fingerprint"]] += count
    return counts


def filter_new(findings: Iterable[Finding], baseline: Counter) -> list[Finding]:
    """The findings not absorbed by the baseline (multiset difference, in order)."""
    remaining = Counter(baseline)
    new = []
    for f in findings:
        if remaining[f.fingerprint] > 0:
            remaining[f.fingerprint] -= 1
        else:
            new.append(f)
    return new
