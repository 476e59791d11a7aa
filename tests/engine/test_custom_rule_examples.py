"""The shipped declarative examples (examples/custom-rules) load from an
extend-rules directory, with no Python, and their own bad/good examples hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.api import lint_bytes
from iamlint.cli import main
from iamlint.config import Config
from iamlint.engine.registry import Registry

CUSTOM = Path(__file__).resolve().parents[2] / "examples" / "custom-rules"
REGISTRY = Registry.load(extend_rules=[CUSTOM])
CUSTOM_RULES = [r for r in REGISTRY if r.pack == str(CUSTOM)]
CASES = [
    pytest.param(rule, verdict, i, ex, id=f"{rule.id}-{verdict}-{i}")
    for rule in CUSTOM_RULES
    for verdict in ("bad", "good")
    for i, ex in enumerate(rule.examples[verdict])
]


def test_three_declarative_examples_ship_without_python():
    assert sorted(r.id for r in CUSTOM_RULES) == ["ORG001", "ORG002", "ORG003"]
    for rule in CUSTOM_RULES:
        assert rule.match and rule.check_ref is None, rule.id
        assert Path(rule.source).name == f"{rule.id}-{rule.name}.yaml"
        for key in ("what", "why", "use_instead", "references"):
            assert rule.docs.get(key), (rule.id, key)
    assert not list(CUSTOM.glob("*.py"))


@pytest.mark.parametrize("rule,verdict,index,example", CASES)
def test_custom_rule_example(rule, verdict, index, example):
    config = Config(options=dict(example.get("config", {})))
    report = lint_bytes(
        example.get("file", "policy.json"), example["content"].encode(), config, REGISTRY, example.get("kind")
    )
    assert report.error is None, report.error
    hits = [f for f in report.findings if f.rule == rule.id]
    if verdict == "bad":
        assert hits, f"{rule.id} bad example {index} did not fire: {report.findings}"
        if "line" in example:
            assert hits[0].span.line == example["line"], hits[0]
    else:
        assert not hits, f"{rule.id} fired on its good example {index}: {hits}"


def test_extend_rules_directory_from_config_end_to_end(tmp_path, monkeypatch):
    """Copied into a project and named by extend-rules: listed and firing, no Python involved."""
    shutil.copytree(CUSTOM, tmp_path / "iam-rules")
    (tmp_path / "pyproject.toml").write_text('[tool.iamlint]\nextend-rules = ["iam-rules"]\n')
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "app.json").write_text(
        '{"Version": "2012-10-17", "Statement": [\n {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}\n'
    )
    (tmp_path / "infra" / "trust.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
        ' "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}]}\n'
    )
    monkeypatch.chdir(tmp_path)
    listed = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).stdout)
    assert {"ORG001", "ORG002", "ORG003"} <= {r["id"] for r in listed}
    r = CliRunner().invoke(main, ["check", "--format", "json", "--select", "ORG", "infra"])
    found = sorted(
        (f["rule"], f["file"].replace("\\", "/").rsplit("/", 1)[-1], f["line"])
        for f in json.loads(r.stdout)["findings"]
    )
    assert found == [("ORG002", "app.json", 2), ("ORG003", "trust.json", 2)]
    assert r.exit_code == 1
