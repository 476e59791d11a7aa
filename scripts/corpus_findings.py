"""Findings on the whole shared corpus, before and after a change.

    python scripts/corpus_findings.py snapshot OUT   # one JSON report per corpus folder
    python scripts/corpus_findings.py compare OLD NEW  # what a change removed and added

``snapshot`` runs ``iamlint check --no-cache --format json --fail-on never
--jobs 1`` on each folder of ``../shared/corpus`` (or ``--corpus DIR``) with the
iamlint next to this interpreter.  ``compare`` counts findings by (file, rule,
span, pointer, message, fingerprint, severity) and prints, per folder, the
totals and the first differences; it exits 1 when anything differs, so a
change that must not move findings can be checked in one line.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("aws-managed-policies", "cloudformation", "terraform", "account-authorization-details", "raw-policies")
FIELDS = ("file", "rule", "line", "column", "end_line", "end_column", "pointer", "message", "fingerprint", "severity")


def snapshot(out: Path, corpus: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    iamlint = [
        sys.executable,
        "-m",
        "iamlint",
        "check",
        "--no-cache",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--jobs",
        "1",
    ]
    status = 0
    for folder in FOLDERS:
        # the path as written is part of every finding (file, fingerprint): relative to the checkout
        target = os.path.relpath(corpus / folder, ROOT)
        proc = subprocess.run([*iamlint, target], capture_output=True, text=True, cwd=ROOT)
        (out / f"{folder}.json").write_text(proc.stdout)
        (out / f"{folder}.err").write_text(proc.stderr)
        print(f"{folder}: exit {proc.returncode}")
        status |= proc.returncode != 0
    return status


def _findings(path: Path) -> collections.Counter:
    report = json.loads(path.read_text())
    return collections.Counter(tuple(f[k] for k in FIELDS) for f in report["findings"])


def compare(old: Path, new: Path, show: int = 15) -> int:
    differs = False
    for folder in FOLDERS:
        a, b = _findings(old / f"{folder}.json"), _findings(new / f"{folder}.json")
        removed, added = a - b, b - a
        print(
            f"{folder}: {sum(a.values())} -> {sum(b.values())}, "
            f"removed {sum(removed.values())}, added {sum(added.values())}"
        )
        for sign, diff in (("-", removed), ("+", added)):
            for item in sorted(diff)[:show]:
                print(f"  {sign} {dict(zip(FIELDS, item, strict=True))}")
        differs |= bool(removed or added)
    return 1 if differs else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot", help="one JSON report per corpus folder into OUT")
    snap.add_argument("out", type=Path)
    snap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    cmp_ = sub.add_parser("compare", help="differences between two snapshots (exit 1 if any)")
    cmp_.add_argument("old", type=Path)
    cmp_.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        return snapshot(args.out, args.corpus)
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
