#!/usr/bin/env python3
"""Where the time goes: seconds per rule over the managed-policy corpus (one process).

.venv/bin/python benchmarks/per_rule.py
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from iamlint.config import Config
from iamlint.engine import runner
from iamlint.engine.registry import Registry
from iamlint.parallel import tune_gc
from iamlint.sources import read_source

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "aws-managed-policies"


def main() -> int:
    registry = Registry.load()
    config = Config()
    rules = runner.enabled_rules(registry, config)
    per_rule: dict[str, float] = collections.Counter()
    t_read = 0.0
    t0 = time.perf_counter()
    for i, f in enumerate(sorted(CORPUS.glob("*.json"))):
        if i == 1:
            tune_gc()  # as iamlint check does after its first file
        t = time.perf_counter()
        source = read_source(str(f), f.read_bytes())
        t_read += time.perf_counter() - t
        for doc in source.documents:
            for rule in rules:
                if not runner.applicable(rule, doc):
                    continue
                t = time.perf_counter()
                ctx = runner.Context(doc, rule, config)
                for rep in rule.check(ctx) or ():
                    runner.make_finding(doc, rule, rep, config)
                per_rule[rule.id] += time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"total {total:.2f}s, reading+parsing {t_read:.2f}s")
    for rid, t in sorted(per_rule.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {rid:<8} {t:6.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
