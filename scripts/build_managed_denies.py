#!/usr/bin/env python3
"""Build iamlint/knowledge/data/managed_denies.json from the AWS managed policies.

Usage::

    python scripts/build_managed_denies.py [--corpus DIR] [--manifest FILE] [--out FILE]

The managed policy catalog (``managed_policies.json``) keeps a summary of what
each AWS managed policy allows, not its document, so a Deny in an attached AWS
managed policy (``AWSDenyAll``, ``AWSCompromisedKeyQuarantineV2`` ...) could
not take anything away from a principal's other policies.  This file keeps
exactly that: per policy with any, its unconditional Deny statements
(``Action``/``NotAction`` and ``Resource``/``NotResource`` as written; a
conditional Deny may not apply to a request, so it is left out).  A few
dozen statements; the output is deterministic (sorted keys).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def unconditional_denies(value: object) -> list[dict]:
    """The Deny statements of a policy document without a ``Condition``."""
    if not isinstance(value, dict):
        return []
    raw = value.get("Statement")
    statements = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    out = []
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") != "Deny" or "Condition" in st:
            continue
        if "Action" not in st and "NotAction" not in st:
            continue
        out.append({"Effect": "Deny", **{k: st[k] for k in _KEYS if k in st}})
    return out


def build(corpus: Path, manifest: Path) -> dict:
    meta = json.loads(manifest.read_text("utf-8"))
    policies: dict[str, list[dict]] = {}
    for entry in sorted(meta["policies"], key=lambda e: e["name"]):
        path = corpus / f"{entry['name']}.json"
        if not path.exists():
            print(f"warning: {entry['name']}: no document in the corpus", file=sys.stderr)
            continue
        denies = unconditional_denies(json.loads(path.read_text("utf-8")))
        if denies:
            policies[entry["name"]] = denies
    return {
        "format": 1,
        "source": "AWS managed policies: "
        + str(meta.get("source_repo", ""))
        + " @ "
        + str(meta.get("source_commit", "")),
        "count": len(policies),
        "policies": policies,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = REPO.parent / "shared" / "corpus"
    parser.add_argument("--corpus", type=Path, default=shared / "aws-managed-policies")
    parser.add_argument("--manifest", type=Path, default=shared / "manifests" / "aws-managed-policies.json")
    parser.add_argument("--out", type=Path, default=REPO / "iamlint" / "knowledge" / "data" / "managed_denies.json")
    args = parser.parse_args(argv)
    data = build(args.corpus, args.manifest)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{data['count']} policies with unconditional Denies -> {args.out} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
