"""Rule documentation, rendered from the rule file (like ``ruff rule``)."""
from __future__ import annotations

from iamlint.engine.registry import Rule


def _fence(example: dict) -> str:
    name = example.get("file", "policy.json")
    lang = {"json": "json", "yaml": "yaml", "yml": "yaml", "tf": "hcl"}.get(name.rsplit(".", 1)[-1], "")
    title = f"{example['title']}\n\n" if example.get("title") else ""
    return f"{title}```{lang}\n{example['content'].rstrip()}\n```"


def rule_markdown(rule: Rule) -> str:
    d = rule.docs
    parts = [
        f"# {rule.name} ({rule.id})",
        f"Severity: {rule.severity} · applies to: {', '.join(rule.kinds)} policies",
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
        parts.append("\n".join(f"- `{k}`: {v['description']} (default: {v.get('default')!r})" for k, v in rule.options.items()))
    parts.append("## References")
    parts.append("\n".join(f"- {u}" for u in d["references"]))
    return "\n\n".join(parts) + "\n"


def rule_url(rule: Rule) -> str:
    return f"https://github.com/iamlint/iamlint/blob/main/docs/rules/{rule.id}.md"
