"""``iamlint check`` outputs: several formats in one run, report files, the
"no files" notice and ``--statistics`` (issue 15, sections 4 and 5)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iamlint import fixes
from iamlint.cli import main
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.reporters import FORMATS

NO_VERSION = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'
ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n'
SAML = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
                "Action": "sts:AssumeRoleWithSAML",
            }
        ],
    }
)
GITHUB_NO_SUB = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            }
        ],
    }
)


def _check(*args, **kwargs):
    return CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", *args], catch_exceptions=False, **kwargs)


# --------------------------------------------------------------------------
# which rules --fix fixes
# --------------------------------------------------------------------------


def test_fixable_rules_are_the_ids_of_the_safe_fixers():
    registry = Registry.load()
    assert set(fixes.FIXERS) >= fixes.FIXABLE_NAMES
    assert {r.id for r in registry if r.name in fixes.FIXABLE_NAMES} == fixes.FIXABLE_RULES
    assert fixes.is_fixable(registry.get("IAM004")) and fixes.is_fixable("IAM310")
    assert not fixes.is_fixable(registry.get("IAM306")) and not fixes.is_fixable("IAM201")


@pytest.mark.parametrize(
    "content,rule,safe", [(NO_VERSION, "IAM004", True), (SAML, "IAM310", True), (GITHUB_NO_SUB, "IAM306", False)]
)
def test_fixable_rules_match_what_fix_writes(tmp_path, content, rule, safe):
    path = tmp_path / "p.json"
    path.write_text(content)
    result = fixes.fix_file(str(path), Config(), Registry.load(), write=False)
    applied = {f.rule for f in result.applied}
    manual = {f.rule for f in result.manual}
    assert (rule in applied) is safe and (rule in manual) is not safe
    assert fixes.is_fixable(rule) is safe


# --------------------------------------------------------------------------
# several reports in one run
# --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "admin.json").write_text(ADMIN)
    (tmp_path / "noversion.json").write_text(NO_VERSION)
    return tmp_path


def test_text_on_stdout_and_machine_reports_in_files_in_one_run(project):
    r = _check(
        "--format",
        "text",
        "--format",
        "sarif:out/iamlint.sarif",
        "--format",
        "junit:out/junit.xml",
        "--format",
        "json:report.json",
        ".",
    )
    assert r.exit_code == 1, r.stderr
    assert "IAM201 administrator-access" in r.stdout and r.stdout.rstrip().splitlines()[-1].startswith("Found 2")
    sarif = json.loads((project / "out" / "iamlint.sarif").read_text())
    assert {res["ruleId"] for res in sarif["runs"][0]["results"]} == {"IAM201", "IAM004"}
    assert "<testsuite" in (project / "out" / "junit.xml").read_text()
    assert {f["rule"] for f in json.loads((project / "report.json").read_text())["findings"]} == {"IAM201", "IAM004"}


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_a_format_path_report_is_the_report_output_would_write(project, fmt):
    """FORMAT:PATH writes exactly what ``--format FORMAT -o PATH`` writes (every format of FORMATS)."""
    one = _check("--format", fmt, "-o", "single.out", ".")
    both = _check("--format", "text", "--format", f"{fmt}:multi.out", ".")
    assert one.exit_code == both.exit_code == 1
    assert (project / "single.out").read_bytes() == (project / "multi.out").read_bytes()


def test_the_same_format_twice_is_one_report(project):
    r = _check("--format", "json", "--format", "json", ".")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["summary"]["findings"] == 2


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--format", "json", "--format", "sarif", "-o", "x"], "--output takes a single --format"),
        (["--format", "sarif:a.sarif", "-o", "x"], "--output takes a single --format"),
        (["--format", "json", "--format", "sarif"], "only one report can go to standard output"),
        (["--format", "json:same.out", "--format", "sarif:./same.out"], "cannot go to one file"),
    ],
)
def test_ambiguous_outputs_are_one_line_exit_2_before_linting(project, args, needle):
    r = _check(*args, ".")
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [r.stderr.strip()] and needle in r.stderr
    assert r.stdout == "" and not (project / "x").exists() and not (project / "same.out").exists()


@pytest.mark.parametrize("value", ["bogus", "bogus:x.out", "sarif:"])
def test_an_unknown_format_or_an_empty_path_is_a_usage_error(project, value):
    r = _check("--format", value, ".")
    assert r.exit_code == 2 and "--format" in r.stderr


def test_a_path_may_contain_colons(project):
    r = _check("--format", "json:a:b.json", ".")
    assert r.exit_code == 1
    assert json.loads((project / "a:b.json").read_text())["summary"]["findings"] == 2


def test_the_corpus_snapshot_invocation_is_unchanged(project):
    """snap.sh runs ``--format json --fail-on never -j 1``: JSON on stdout, exit 0, nothing on stderr."""
    r = _check("--format", "json", "--fail-on", "never", ".")
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(r.stdout)["summary"]["findings"] == 2


# --------------------------------------------------------------------------
# report files
# --------------------------------------------------------------------------


def test_output_into_a_missing_directory_creates_it(project):
    r = _check("--format", "sarif", "-o", "build/reports/iamlint.sarif", ".")
    assert r.exit_code == 1, r.stderr
    assert json.loads((project / "build" / "reports" / "iamlint.sarif").read_text())["runs"]


def test_format_path_into_a_missing_directory_creates_it(project):
    r = _check("--format", "junit:build/junit/iamlint.xml", ".")
    assert r.exit_code == 1, r.stderr
    assert (project / "build" / "junit" / "iamlint.xml").is_file()


def test_a_report_that_cannot_be_written_is_one_line_exit_2(project):
    r = _check("--format", "text", "--format", "json:admin.json/report.json", ".")
    assert r.exit_code == 2
    assert len(r.stderr.splitlines()) == 1 and "admin.json/report.json: cannot write the report" in r.stderr
    assert "IAM201" in r.stdout  # the report on stdout was still delivered


def test_only_file_reports_put_the_summary_on_stderr(project):
    r = _check("--format", "sarif:iamlint.sarif", ".")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [r.stderr.strip()] and r.stderr.startswith("Found 2 findings")
    clean = _check("-o", "report.txt", "--select", "IAM5", ".")
    assert clean.exit_code == 0 and clean.stdout == "" and clean.stderr.startswith("No findings")
    assert _check("-q", "-o", "report.txt", ".").stderr == ""


def test_a_report_on_stdout_keeps_stderr_quiet(project):
    r = _check("--format", "text", "--format", "sarif:iamlint.sarif", ".")
    assert r.stderr == ""


# --------------------------------------------------------------------------
# nothing to check
# --------------------------------------------------------------------------


def test_an_empty_directory_says_no_files_and_exits_0(tmp_path):
    r = _check("--format", "json", str(tmp_path))
    assert r.exit_code == 0
    assert r.stderr == "iamlint: no files to check\n"
    assert json.loads(r.stdout)["findings"] == []  # the machine report is still written


def test_only_excluded_files_say_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".iamlint.toml").write_text('exclude = ["*.json"]\n')
    (tmp_path / "admin.json").write_text(ADMIN)
    (tmp_path / "README.md").write_text("not linted\n")
    r = _check(".")
    assert r.exit_code == 0 and "iamlint: no files to check" in r.stderr


def test_files_without_iam_content_were_checked(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x"}')
    r = _check(str(tmp_path))
    assert r.exit_code == 0 and "no files to check" not in r.stderr


def test_quiet_keeps_the_no_files_notice_quiet(tmp_path):
    r = _check("-q", str(tmp_path))
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == ""


# --------------------------------------------------------------------------
# --statistics
# --------------------------------------------------------------------------


def _statistics_project(tmp_path):
    for i in range(3):
        (tmp_path / f"admin{i}.json").write_text(ADMIN)
    (tmp_path / "noversion.json").write_text(NO_VERSION)
    (tmp_path / "saml.json").write_text(SAML)


def test_statistics_one_line_per_rule_by_count(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _statistics_project(tmp_path)
    r = _check("--statistics", ".")
    assert r.exit_code == 1
    lines = [line.split() for line in r.stdout.splitlines()]
    assert lines[0] == ["3", "IAM201", "[", "]", "administrator-access"]
    assert sorted(lines[1:]) == [
        ["1", "IAM004", "[*]", "missing-version"],
        ["1", "IAM310", "[*]", "saml-trust-without-audience"],
    ]
    assert "admin0.json" not in r.stdout  # the statistics replace the findings


def test_statistics_as_json_with_a_json_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _statistics_project(tmp_path)
    r = _check("--statistics", "--format", "json", ".")
    rows = json.loads(r.stdout)
    assert rows[0] == {"count": 3, "rule": "IAM201", "name": "administrator-access", "fixable": False}
    assert {row["rule"]: row["fixable"] for row in rows[1:]} == {"IAM004": True, "IAM310": True}


def test_statistics_leave_file_reports_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _statistics_project(tmp_path)
    r = _check("--statistics", "--format", "sarif:iamlint.sarif", ".")
    assert r.stdout.split()[:2] == ["3", "IAM201"]
    assert len(json.loads((tmp_path / "iamlint.sarif").read_text())["runs"][0]["results"]) == 5


def test_statistics_of_a_clean_run_print_nothing(tmp_path):
    (tmp_path / "ok.json").write_text(ADMIN)
    r = _check("--statistics", "--select", "IAM5", str(tmp_path))
    assert r.exit_code == 0 and r.stdout == ""
