"""`iamlint rules` and `iamlint rule ID` cover every rule, with the fixed doc headings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.cli import main
from iamlint.engine.registry import Registry, RuleLoadError, load_rule_file

REGISTRY = Registry.load()
HEADINGS = ("## What it flags", "## Why it matters", "## Example", "## Use instead", "## References")


def test_rules_json_lists_every_rule():
    r = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.stdout)
    assert [x["id"] for x in listed] == [rule.id for rule in REGISTRY]
    for entry in listed:
        assert {"id", "name", "severity", "summary", "kinds"} <= set(entry)
        assert entry["severity"] in ("error", "warning", "info") and entry["summary"]


def test_rules_text_has_one_line_per_rule():
    r = CliRunner().invoke(main, ["rules"])
    assert r.exit_code == 0
    assert len(r.stdout.strip().splitlines()) == len(REGISTRY)


@pytest.mark.parametrize("rule_id", [r.id for r in REGISTRY])
def test_rule_docs_have_every_section_and_the_examples(rule_id):
    rule = REGISTRY.get(rule_id)
    r = CliRunner().invoke(main, ["rule", rule_id.lower()])
    assert r.exit_code == 0, r.output
    text = r.stdout
    positions = [text.index(h) for h in HEADINGS]
    assert positions == sorted(positions), rule_id
    assert rule.examples["bad"] and rule.examples["good"]
    assert rule.docs.get("use_instead", "").strip(), f"{rule_id}: docs.use_instead is empty"
    for ex in rule.examples["bad"] + rule.examples["good"]:
        assert ex["content"].strip().splitlines()[0] in text
    for url in rule.docs["references"]:
        assert url in text


def test_unknown_rule_exits_2():
    r = CliRunner().invoke(main, ["rule", "IAM999"])
    assert r.exit_code == 2 and "unknown rule" in r.stderr


def test_duplicate_id_is_a_load_error(tmp_path):
    src = next(iter(REGISTRY)).source
    (tmp_path / "copy.yaml").write_text(Path(src).read_text(encoding="utf-8"))
    with pytest.raises(RuleLoadError, match="duplicate rule id"):
        Registry.load(extend_rules=[tmp_path])


def test_bad_rule_file_names_file_and_field(tmp_path):
    p = tmp_path / "X001-bad.yaml"
    p.write_text(
        Path(next(iter(REGISTRY)).source).read_text(encoding="utf-8").replace("severity: ", "severity: fatal-", 1)
    )
    with pytest.raises(RuleLoadError) as exc:
        load_rule_file(p)
    assert str(p) in str(exc.value) and "field `severity`" in str(exc.value)


def test_rules_lists_extend_rules_of_the_nearest_config(tmp_path, monkeypatch):
    custom = Path(__file__).resolve().parents[2] / "examples" / "custom-rules"
    (tmp_path / ".iamlint.toml").write_text(f'extend-rules = ["{custom.as_posix()}"]\n')
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert {"ORG001", "ORG002", "ORG003"} <= {x["id"] for x in json.loads(r.stdout)}
    r = CliRunner().invoke(main, ["rule", "ORG003"])
    assert r.exit_code == 0 and "## Use instead" in r.stdout
