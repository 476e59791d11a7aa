"""``iamlint check --statistics``: one line per rule, most frequent first.

As ruff's ``--statistics``::

    12  IAM201  [ ] administrator-access
     3  IAM004  [*] missing-version

count, rule id, ``[*]`` when ``iamlint check --fix`` can fix the rule's
findings (:data:`iamlint.fixes.FIXABLE_RULES`), and the rule's name.  Nothing
when there are no findings.  ``as_json``: a list of ``{"count", "rule",
"name", "fixable"}`` objects in the same order.
"""

from __future__ import annotations

import json
from collections import Counter

from iamlint.reporters import RunResult
from iamlint.reporters.text import escape


def rows(run: RunResult) -> list[dict]:
    """Per-rule counts, by count (descending) then rule id."""
    from iamlint.fixes import is_fixable  # noqa: PLC0415 (cli imports this module at start-up; fixes adds ~14M instructions)

    counts = Counter(f.rule for f in run.findings)
    names = {f.rule: getattr(f, "name", "") for f in run.findings}
    out = []
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = run.registry.get(rule_id) if run.registry is not None else None
        name = rule.name if rule is not None else names.get(rule_id) or ""
        out.append(
            {
                "count": count,
                "rule": rule_id,
                "name": name,
                "fixable": is_fixable(rule if rule is not None else rule_id),
            }
        )
    return out


def render(run: RunResult, as_json: bool = False) -> str:
    table = rows(run)
    if as_json:
        return json.dumps(table, indent=2) + "\n"
    if not table:
        return ""
    width = max(len(str(r["count"])) for r in table)
    id_width = max(len(r["rule"]) for r in table)
    # user rule packs come from the checked repository: ids and names escaped like findings
    return "".join(
        escape(
            f"{r['count']:>{width}}  {r['rule']:<{id_width}}  {'[*]' if r['fixable'] else '[ ]'} {r['name']}",
            line_start=True,
        )
        + "\n"
        for r in table
    )
