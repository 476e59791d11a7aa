"""Rule documentation, rendered from the rule file (like ``ruff rule``)."""

from __future__ import annotations

from iamlint import fixes
from iamlint.engine.registry import Rule


def _fence(example: dict) -> str:
    name = example.get("file", "policy.json")
    lang = {"json": "json", "yaml": "yaml", "yml": "yaml", "tf": "hcl"}.get(name.rsplit(".", 1)[-1], "")
    title = f"{example['title']}\n\n" if example.get("title") else ""
    return f"{title}```{lang}\n{example['content'].rstrip()}\n```"


def fix_kind(rule: Rule) -> str | None:
    """``"fix"`` when ``iamlint check --fix`` fixes the rule's findings,
    ``"quickfix"`` when only the editor offers a fix (it needs the user's
    values), None when there is no fix."""
    if fixes.is_fixable(rule):
        return "fix"
    if rule.name in fixes.FIXERS:
        return "quickfix"
    return None


FIX_TEXT = {
    "fix": "Fix: available. `iamlint check --fix` fixes it (`--diff` shows the change first); "
    "findings it can fix are marked `[*]`.",
    "quickfix": "Fix: in the editor only. `iamlint lsp` offers a quick fix that needs your values; "
    "`--fix` does not write it.",
    None: "Fix: none; the policy must be changed by hand.",
}


def rule_markdown(rule: Rule) -> str:
    d = rule.docs
    parts = [
        f"# {rule.name} ({rule.id})",
        f"Severity: {rule.severity} · applies to: {', '.join(rule.kinds)} policies",
        FIX_TEXT[fix_kind(rule)],
        rule.summary,
        "## What it flags",
        d["what"].strip(),
        "## Why it matters",
        d["why"].strip(),
        "## Example",
        "\n\n".join(_fence(e) for e in rule.examples["bad"]),
        "## Use instead",
    ]
    if d.get("use_instead"):
        parts.append(d["use_instead"].strip())
    parts.append("\n\n".join(_fence(e) for e in rule.examples["good"]))
    if rule.options:
        parts.append("## Options")
        parts.append(
            "\n".join(f"- `{k}`: {v['description']} (default: {v.get('default')!r})" for k, v in rule.options.items())
        )
    parts.append("## References")
    parts.append("\n".join(f"- {u}" for u in d["references"]))
    return "\n\n".join(parts) + "\n"


def rule_url(rule: Rule) -> str:
    return f"https://github.com/iamlint/iamlint/blob/main/docs/rules/{rule.id}.md"
