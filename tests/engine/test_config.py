"""Configuration files: discovery per checked file, validation, CLI overrides, options."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint.cli import main
from iamlint.config import Config
from iamlint.configfile import ConfigError, ConfigResolver, find_config_file, load_file

# IAM004 (missing Version) at line 1, IAM010 (empty Action) at line 2
NO_VERSION_EMPTY_ACTION = '{"Statement": [\n {"Effect": "Allow", "Action": [], "Resource": "*"}]}\n'


def check(*args, cwd=None):
    r = CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)
    data = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
    return r, data


def rules_of(data):
    return sorted({f["rule"] for f in data["findings"]})


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "a.json").write_text(NO_VERSION_EMPTY_ACTION)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_config_both_rules_fire(project):
    r, data = check("policies")
    assert r.exit_code == 1
    assert rules_of(data) == ["IAM004", "IAM010"]


def test_ignore_in_pyproject_silences_that_rule(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.iamlint]\nignore = ["IAM004"]\n')
    _, data = check("policies")
    assert rules_of(data) == ["IAM010"]


def test_ignore_by_prefix_and_cli_override(project):
    (project / ".iamlint.toml").write_text('ignore = ["IAM0"]\n')
    r, data = check("policies")
    assert r.exit_code == 0 and data["findings"] == []
    # --select on the command line is more specific than the configured prefix
    r, data = check("--select", "IAM010", "policies")
    assert rules_of(data) == ["IAM010"]


def test_per_file_ignores_by_glob(project):
    (project / "policies" / "b.json").write_text(NO_VERSION_EMPTY_ACTION)
    (project / ".iamlint.toml").write_text('[per-file-ignores]\n"policies/a.*" = ["IAM004", "IAM010"]\n')
    _, data = check("policies")
    assert {f["file"].replace("\\", "/").split("/")[-1] for f in data["findings"]} == {"b.json"}


def test_nearest_config_wins_per_file(project):
    (project / "pyproject.toml").write_text('[tool.iamlint]\nignore = ["IAM004"]\n')
    (project / "legacy").mkdir()
    (project / "legacy" / "old.json").write_text(NO_VERSION_EMPTY_ACTION)
    (project / "legacy" / ".iamlint.toml").write_text('ignore = ["IAM010"]\n')
    _, data = check(".")
    by_file = {}
    for f in data["findings"]:
        by_file.setdefault(f["file"].replace("\\", "/").split("/")[-1], set()).add(f["rule"])
    assert by_file == {"a.json": {"IAM010"}, "old.json": {"IAM004"}}


def test_pyproject_without_tool_table_is_not_a_config(project):
    (project / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
    (project / "policies" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert find_config_file(project / "policies" / "a.json") == (project / ".iamlint.toml").absolute()


def test_explicit_config_overrides_discovery(project, tmp_path_factory):
    (project / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
    other = tmp_path_factory.mktemp("cfg") / "strict.toml"
    other.write_text('ignore = ["IAM010"]\n')
    _, data = check("--config", str(other), "policies")
    assert rules_of(data) == ["IAM004"]


def test_severity_and_fail_on_from_config(project):
    (project / ".iamlint.toml").write_text('fail-on = "error"\n[severity]\nIAM010 = "info"\n')
    r, data = check("policies")
    sev = {f["rule"]: f["severity"] for f in data["findings"]}
    assert sev == {"IAM004": "warning", "IAM010": "info"}
    assert r.exit_code == 0  # nothing at error


def test_exclude_and_kinds(project):
    (project / "vendor").mkdir()
    (project / "vendor" / "x.json").write_text(NO_VERSION_EMPTY_ACTION)
    (project / ".iamlint.toml").write_text('exclude = ["vendor/*"]\n[kinds]\n"policies/*.json" = "scp"\n')
    cfg = load_file(project / ".iamlint.toml")
    assert cfg.kind_for("policies/a.json") == "scp"
    _, data = check(".")
    assert all("vendor" not in f["file"] for f in data["findings"])
    assert data["findings"]


@pytest.mark.parametrize(
    "text,needle",
    [
        ('ignor = ["IAM004"]\n', "unknown key `ignor` (did you mean `ignore`?)"),
        ('fail-on = "sometimes"\n', "key `fail-on`"),
        ('select = "IAM004"\n', "key `select`"),
        ('ignore = ["IAM 004"]\n', "key `ignore.0`"),
        ('[severity]\nIAM004 = "fatal"\n', "key `severity.IAM004`"),
        ("ignore = [\n", "invalid TOML"),
    ],
)
def test_malformed_config_exits_2_with_one_line_naming_file_and_key(project, text, needle):
    (project / ".iamlint.toml").write_text(text)
    r = CliRunner().invoke(main, ["check", "policies"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert ".iamlint.toml" in lines[0] and needle in lines[0], lines[0]
    assert r.stdout == ""


def test_malformed_pyproject_names_the_table(project):
    (project / "pyproject.toml").write_text('[tool.iamlint]\nextend-selct = ["IAM0"]\n')
    r = CliRunner().invoke(main, ["check", "policies"])
    assert r.exit_code == 2
    assert "pyproject.toml: [tool.iamlint] unknown key `extend-selct` (did you mean `extend-select`?)" in r.stderr


def test_rule_option_goes_to_options_table(project):
    (project / ".iamlint.toml").write_text('trusted-accounts = ["111122223333"]\n')
    r = CliRunner().invoke(main, ["check", "policies"])
    assert r.exit_code == 2 and "`options` table" in r.stderr


def test_unknown_option_is_an_error_with_suggestion(project):
    (project / "rules").mkdir()
    (project / "rules" / "TST001-opt.yaml").write_text(OPTION_RULE)
    (project / ".iamlint.toml").write_text('extend-rules = ["rules"]\n[options]\nforbidden-sids = ["X"]\n')
    r = CliRunner().invoke(main, ["check", "policies"])
    assert r.exit_code == 2 and "unknown option `forbidden-sids` (did you mean `forbidden-sid`?)" in r.stderr


OPTION_RULE = """\
id: TST001
name: forbidden-sid
severity: warning
kinds: [identity]
summary: A statement uses a Sid the configuration forbids.
check: tst_optcheck:forbidden_sid
options:
  forbidden-sid: {description: the Sid that is not allowed, default: NOPE, type: string}
docs: {what: a forbidden Sid in a statement, why: a test rule for options only, references: ["https://example.com"]}
examples:
  bad: [{content: '{"Statement": [{"Sid": "NOPE"}]}'}]
  good: [{content: '{"Statement": [{"Sid": "Fine"}]}'}]
"""


OPTION_CHECK = """\
from iamlint.engine.report import Report


def forbidden_sid(ctx):
    bad = ctx.option("forbidden-sid")
    for st in ctx.policy.statements:
        if st.sid == bad:
            yield Report(st.ptr("Sid"), f"Sid {st.sid} is forbidden")
"""


def test_option_reaches_the_check_through_ctx_option(project, monkeypatch):
    (project / "tst_optcheck.py").write_text(OPTION_CHECK)
    monkeypatch.syspath_prepend(str(project))
    (project / "rules").mkdir()
    (project / "rules" / "TST001-forbidden-sid.yaml").write_text(OPTION_RULE)
    (project / "policies" / "a.json").write_text(
        '{"Version": "2012-10-17", "Statement": '
        '[{"Sid": "Legacy", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    (project / ".iamlint.toml").write_text('extend-rules = ["rules"]\n')
    r, data = check("policies")
    assert "TST001" not in rules_of(data)  # default NOPE
    (project / ".iamlint.toml").write_text('extend-rules = ["rules"]\n[options]\nforbidden-sid = "Legacy"\n')
    r, data = check("policies")
    assert [f["message"] for f in data["findings"] if f["rule"] == "TST001"] == ["Sid Legacy is forbidden"]
    (project / ".iamlint.toml").write_text('extend-rules = ["rules"]\n[options]\nforbidden-sid = 3\n')
    r = CliRunner().invoke(main, ["check", "policies"])
    assert r.exit_code == 2 and "option `forbidden-sid`: expected string" in r.stderr


def test_resolver_applies_overrides_to_each_config(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".iamlint.toml").write_text('ignore = ["IAM010"]\n')
    resolver = ConfigResolver(None, lambda c: c.copy(extend_select=["IAM012"]))
    cfg = resolver.for_path(tmp_path / "a" / "x.json")
    assert cfg.ignore == ["IAM010"] and cfg.extend_select == ["IAM012"]
    assert cfg.source.endswith(".iamlint.toml")
    assert resolver.for_path(tmp_path / "a" / "y.json") is cfg  # read once


def test_load_file_errors_are_config_errors(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool\.iamlint\] table"):
        load_file(p)
    assert isinstance(Config().select, list)
