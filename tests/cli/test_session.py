"""``iamlint.session.Session``: what the CLI and the language server lint through, used as a library."""

from __future__ import annotations

import io
import os

import pytest

from iamlint import api
from iamlint.api import lint_text
from iamlint.configfile import ConfigError
from iamlint.session import Options, Session, Settings

NO_VERSION = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'
ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n'


def _rules(report) -> list[str]:
    return sorted({f.rule for f in report.findings})


def test_lint_buffer_is_the_lint_of_the_text():
    report = Session().lint_buffer("policy.json", ADMIN)
    assert report.error is None and report.documents == 1
    assert report.findings == lint_text(ADMIN, "policy.json")


def test_lint_buffer_with_its_own_settings(tmp_path):
    session = Session()
    path = str(tmp_path / "policy.json")
    settings = session.settings_for(path)
    ignoring = Settings(settings.config.copy(ignore=["IAM004"]), settings.registry)
    assert "IAM004" in _rules(session.lint_buffer(path, NO_VERSION))
    assert "IAM004" not in _rules(session.lint_buffer(path, NO_VERSION, ignoring))


def test_a_bug_in_the_lint_of_a_buffer_is_the_report_error(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(api, "lint_bytes", broken)
    report = Session().lint_buffer("policy.json", ADMIN)
    assert report.error == "internal error (ValueError: boom); please report it"


def test_run_reports_each_file_in_order_with_its_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.json").write_text(NO_VERSION)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "p.json").write_text(NO_VERSION)
    (tmp_path / "b" / ".iamlint.toml").write_text('fail-on = "error"\n')
    result = Session(Options(use_cache=False)).run(["a", "b", "missing.json"], jobs=1)
    assert [r.path for r in result.reports] == [
        os.path.join("a", "p.json"),
        os.path.join("b", "p.json"),
        "missing.json",
    ]
    assert result.fail_on == ["warning", "error", "warning"]
    assert [r.path for r in result.errors] == ["missing.json"]
    assert result.candidates == 2 and result.documents == 2
    assert result.registry.get("IAM004") is not None
    assert result.findings == [f for r in result.reports for f in r.findings]
    # IAM004 is a warning: it fails a/p.json (fail-on warning), not b/p.json (fail-on error)
    assert result.failing() and not result.failing("error")


def test_command_line_selectors_apply_to_every_configuration(tmp_path):
    (tmp_path / "p.json").write_text(NO_VERSION)
    result = Session(Options(select=["IAM004"], use_cache=False)).run([str(tmp_path / "p.json")])
    assert _rules(result.reports[0]) == ["IAM004"]
    assert Session().unknown_selector(["IAM004", "IAM9999"]) is not None
    assert Session().unknown_selector(["IAM0", "IAM004"]) is None


def test_diff_computes_fixes_without_writing(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(NO_VERSION)
    said: list[str] = []
    result = Session(Options(diff=True), say=said.append).run([str(p)])
    assert p.read_text() == NO_VERSION
    assert result.diff == result.reports[0].fix_diff
    assert '+{"Version": "2012-10-17", ' in result.diff
    assert "IAM004" not in _rules(result.reports[0])  # the report is the lint of the fixed text
    assert len(said) == 1 and said[0].startswith(f"iamlint: {p}:1:1: would fix IAM004: ")


def test_fix_writes_the_file(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(NO_VERSION)
    result = Session(Options(fix=True)).run([str(p)])
    assert p.read_text().startswith('{"Version": "2012-10-17", ')
    assert result.diff and not result.errors


def test_a_baseline_absorbs_the_findings_it_holds(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(ADMIN)
    baseline = str(tmp_path / "baseline.json")
    recording = Session(Options(write_baseline=baseline, use_cache=False))
    first = recording.run([str(p)])
    assert recording.write_baseline(first) == len(first.findings) > 0
    assert Session(Options(baseline=baseline, use_cache=False)).run([str(p)]).findings == []
    # recording a baseline while reading one keeps every finding
    both = Session(Options(baseline=baseline, write_baseline=baseline, use_cache=False)).run([str(p)])
    assert both.findings == first.findings


def test_standard_input_is_reported_under_its_file_name():
    session = Session(Options(stdin_filename="trust.json"), stdin=io.BytesIO(ADMIN.encode()))
    (report,) = session.run(["-"]).reports
    assert report.path == "trust.json" and report.findings == lint_text(ADMIN, "trust.json")


def test_an_invalid_configuration_raises_from_run(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("select = 5\n")
    with pytest.raises(ConfigError):
        Session(Options(config_file=str(config))).run([str(tmp_path)])


def test_no_cache_holds_while_the_session_is_open(tmp_path, monkeypatch):
    monkeypatch.setenv("IAMLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "p.json").write_text(ADMIN)
    with Session(Options(use_cache=False)) as session:
        session.run([str(tmp_path / "p.json")])
    assert not (tmp_path / "cache").exists()
    with Session() as session:
        session.lint_path(str(tmp_path / "p.json"))
        session.save()
    assert any(name.startswith("results-") for name in os.listdir(tmp_path / "cache"))
