"""Rule selection that selects nothing is an error (issue 15, section 5).

``--select IAMXYZ`` used to run no rules and exit 0, ``--ignore 304`` to
ignore nothing: an id or prefix that names no loaded rule is now one line
with a did-you-mean and exit 2, on the command line and in configuration
files, as ruff does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint.cli import main
from iamlint.config import closest_selector, selects_any
from iamlint.engine.registry import Registry

ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n'
CUSTOM_RULE = """\
id: ACME001
name: acme-test-rule
severity: warning
kinds: [identity]
summary: A test rule of a user pack, to select by its own id.
match:
  effect: Deny
docs: {what: a Deny statement, why: a test rule only, references: ["https://example.com"]}
examples:
  bad: [{content: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}'}]
  good: [{content: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'}]
"""  # noqa: E501 (a rule file's one-line examples)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "admin.json").write_text(ADMIN)
    return tmp_path


def _check(*args):
    return CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", *args])


def _one_line_error(result, *needles):
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert result.stdout == ""  # nothing was linted


IDS = [r.id for r in Registry.load()]


@pytest.mark.parametrize("word,expected", [("304", "IAM304"), ("iam2011", "IAM201"), ("IAM9", "IAM309")])
def test_closest_selector_suggests_a_rule_id(word, expected):
    assert closest_selector(word, IDS) == expected


def test_closest_selector_suggests_nothing_for_nonsense():
    assert closest_selector("IAMXYZ", IDS) is None
    assert closest_selector("zzz", IDS) is None


@pytest.mark.parametrize("selector", ["ALL", "all", "IAM3", "iam30", "IAM301", "IAM"])
def test_ids_prefixes_and_all_select_something(selector):
    assert selects_any(selector, IDS)


@pytest.mark.parametrize("selector", ["IAMXYZ", "304", "IAM9", "IAM3011", "ALLL"])
def test_a_selector_matching_no_rule_selects_nothing(selector):
    assert not selects_any(selector, IDS)


def test_select_of_an_unknown_id_is_an_error_not_a_clean_run(project):
    _one_line_error(_check("--select", "IAMXYZ", "admin.json"), "--select", "unknown rule id or prefix `IAMXYZ`")


def test_ignore_without_the_letters_suggests_the_id(project):
    _one_line_error(_check("--ignore", "304", "admin.json"), "--ignore", "`304`", "did you mean `IAM304`?")


def test_extend_select_and_comma_lists_are_checked_item_by_item(project):
    _one_line_error(_check("--extend-select", "IAM201,IAM2O1", "admin.json"), "--extend-select", "`IAM2O1`")


@pytest.mark.parametrize(
    "args",
    [["--select", "ALL"], ["--select", "iam2"], ["--select", "IAM20"], ["--select", "IAM201", "--ignore", "IAM3"]],
)
def test_known_ids_and_prefixes_still_select(project, args):
    r = _check("--format", "json", *args, "admin.json")
    assert r.exit_code == 1, r.stderr
    assert "IAM201" in {f["rule"] for f in json.loads(r.stdout)["findings"]}


@pytest.mark.parametrize(
    "toml,needles",
    [
        # ids that look like ids but name no rule: checked against the loaded rules
        ('select = ["IAMXYZ"]\n', ["key `select`", "unknown rule id or prefix `IAMXYZ`"]),
        ('extend-select = ["IAM2088"]\n', ["key `extend-select`", "`IAM2088`", "did you mean `IAM208`?"]),
        ('[per-file-ignores]\n"*.json" = ["IAM3011"]\n', ["key `per-file-ignores.*.json`", "`IAM3011`"]),
        ('[severity]\nIAM999 = "error"\n', ["key `severity`", "unknown rule id `IAM999`"]),
        # malformed ones: rejected by the configuration schema, now with a did-you-mean too
        ('ignore = ["304"]\n', ["key `ignore", "did you mean `IAM304`?"]),
        ('extend-select = ["IAM2O1"]\n', ["key `extend-select", "'IAM2O1' is not a rule id or id prefix"]),
        ('[severity]\nIAM3 = "error"\n', ["key `severity`", "'IAM3' is not a rule id (e.g. IAM301)"]),
    ],
)
def test_unknown_ids_in_the_configuration_name_file_and_key(project, toml, needles):
    (project / ".iamlint.toml").write_text(toml)
    _one_line_error(_check("admin.json"), ".iamlint.toml", *needles)


def test_pyproject_errors_name_the_table(project):
    (project / "pyproject.toml").write_text('[tool.iamlint]\nignore = ["IAMXYZ"]\n')
    _one_line_error(_check("admin.json"), "pyproject.toml: [tool.iamlint] key `ignore`")


def test_config_given_with_config_is_checked_too(project):
    (project / "other.toml").write_text('select = ["IAMXYZ"]\n')
    _one_line_error(_check("--config", "other.toml", "admin.json"), "other.toml", "`IAMXYZ`")


def test_ids_of_a_user_rule_pack_are_known(project):
    (project / "rules").mkdir()
    (project / "rules" / "ACME001-acme-test-rule.yaml").write_text(CUSTOM_RULE)
    (project / ".iamlint.toml").write_text(
        'extend-rules = ["rules"]\nextend-select = ["ACME"]\n[severity]\nACME001 = "error"\n'
    )
    r = _check("--format", "json", "--select", "ACME001", "admin.json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["findings"] == []
    _one_line_error(_check("--select", "ACME002", "admin.json"), "did you mean `ACME001`?")
