"""CI formats: SARIF 2.1.0 (validated against the official schema), GitHub
workflow commands, JUnit XML, and --output for every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import iamlint.cli as cli
from iamlint.api import default_registry
from iamlint.cli import main
from iamlint.findings import Finding, Span
from iamlint.reporters import RunResult
from iamlint.reporters.github import render

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(os.environ.get("SARIF_SCHEMA", ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"))

RAW = """{
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
}
"""
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Federated: arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com
            Action: sts:AssumeRoleWithWebIdentity
"""
TERRAFORM = """resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}
"""
GOOD = """{"Version": "2012-10-17",
 "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "raw.json").write_text(RAW)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "main.tf").write_text(TERRAFORM)
    (tmp_path / "good.json").write_text(GOOD)
    (tmp_path / "package.json").write_text('{"name": "x"}\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args):
    result = CliRunner().invoke(main, ["check", *args], catch_exceptions=False)
    return result


def _sarif(project) -> dict:
    result = _run("--format", "sarif", ".")
    assert result.exit_code == 1, result.stdout
    return json.loads(result.stdout)


def test_sarif_validates_against_the_official_schema_with_json_yaml_and_terraform_findings(project):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA}")
    sarif = _sarif(project)
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text(encoding="utf-8")))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    # findings from all three kinds of source, as relative URIs
    assert uris == {"policies/raw.json", "template.yaml", "main.tf"}


def test_sarif_driver_describes_every_rule(project):
    run = _sarif(project)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {r.id for r in default_registry()}
    for r in rules:
        for key in (
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "helpUri",
            "defaultConfiguration",
            "properties",
        ):
            assert key in r, (r["id"], key)
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["helpUri"] == f"https://github.com/iamlint/iamlint/blob/main/docs/rules/{r['id']}.md"
        assert (ROOT / "docs" / "rules" / f"{r['id']}.md").is_file()
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert isinstance(r["properties"]["tags"], list)
        score = float(r["properties"]["security-severity"])
        assert 0.0 < score <= 10.0
    by_id = {r["id"]: r for r in rules}
    # a trust rule is a security rule and scores higher than a syntax rule
    assert "security" in by_id["IAM306"]["properties"]["tags"]
    assert float(by_id["IAM306"]["properties"]["security-severity"]) >= 7.0
    assert float(by_id["IAM306"]["properties"]["security-severity"]) > float(
        by_id["IAM001"]["properties"]["security-severity"]
    )


def test_sarif_results_carry_rule_level_region_and_fingerprint(project):
    json_out = json.loads(_run("--format", "json", ".").stdout)
    run = _sarif(project)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(json_out["findings"]) > 0
    for res, f in zip(run["results"], json_out["findings"], strict=True):
        assert res["ruleId"] == f["rule"]
        assert rules[res["ruleIndex"]]["id"] == f["rule"]
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[f["severity"]]
        assert res["message"]["text"].startswith(f["message"])
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == f["file"].removeprefix("./")
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"] == {
            "startLine": f["line"],
            "startColumn": f["column"],
            "endLine": f["end_line"],
            "endColumn": f["end_column"],
        }
        assert res["partialFingerprints"] == {"iamlintFingerprint/v1": f["fingerprint"]}
    tf = [r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"]
    assert any(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 7 for r in tf)


def test_github_workflow_commands(project):
    result = _run("--format", "github", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    json_out = json.loads(_run("--format", "json", ".").stdout)
    assert len(lines) == len(json_out["findings"])
    for line, f in zip(lines, json_out["findings"], strict=True):
        command = {"error": "error", "warning": "warning", "info": "notice"}[f["severity"]]
        file = f["file"].replace(":", "%3A").replace(",", "%2C")
        assert line.startswith(
            f"::{command} file={file},line={f['line']},col={f['column']},endLine={f['end_line']},"
            f"endColumn={f['end_column']},title={f['rule']}::"
        ), line
        assert "\n" not in line


def test_github_escapes_newlines_and_separators():
    f = Finding("IAM999", "x", "warning", "50% of\nthis", "a,b:c.json", Span(1, 2, 3, 4))
    out = render(RunResult(findings=[f]))
    assert out == "::warning file=a%2Cb%3Ac.json,line=1,col=2,endLine=3,endColumn=4,title=IAM999::50%25 of%0Athis\n"


def test_junit_one_test_case_per_file(project):
    result = _run("--format", "junit", ".")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = {c.get("name").removeprefix("./"): c for c in suite.findall("testcase")}
    # package.json has no IAM content: not a test case (see test_ci_outputs.py)
    assert set(cases) == {"policies/raw.json", "template.yaml", "main.tf", "good.json"}
    assert cases["good.json"].find("failure") is None and cases["good.json"].find("skipped") is None
    for name in ("policies/raw.json", "template.yaml", "main.tf"):
        failure = cases[name].find("failure")
        assert failure is not None, name
        assert f"{name}:" in failure.text
    assert suite.get("tests") == "4" and suite.get("failures") == "3" and suite.get("skipped") == "0"
    assert root.get("tests") == "4"


def test_junit_reports_unreadable_files_as_errors(project):
    result = _run("--format", "junit", "good.json", "missing.json")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout.encode())
    errored = [c for c in root.iter("testcase") if c.find("error") is not None]
    assert [c.get("name") for c in errored] == ["missing.json"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit", "gitlab"])
def test_output_file_for_every_format(project, fmt):
    out = project / f"report.{fmt}"
    result = _run("--format", fmt, "--output", str(out), ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "raw.json" in text
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(text.encode())
    if fmt == "text":
        assert "\x1b[" not in text


def test_progress_bar_never_in_machine_formats_or_without_a_tty(project, monkeypatch):
    for i in range(cli.PROGRESS_MIN_FILES + 5):
        (project / "policies" / f"p{i}.json").write_text(GOOD)
    result = CliRunner().invoke(main, ["check", "--format", "sarif", "."])
    json.loads(result.stdout)
    assert result.stderr == ""


def _stderr_on_a_terminal(cwd: Path, *args: str) -> str:
    """What `iamlint check` writes to its stderr when that is a terminal (a pty)."""
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "iamlint", "check", "--no-cache", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed: everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert proc.returncode in (0, 1), out
    return out.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_in_text_format(project):
    few = _stderr_on_a_terminal(project, "policies")
    n = cli.PROGRESS_MIN_FILES
    for i in range(n):
        (project / "policies" / f"p{i}.json").write_text(GOOD)
    total = n + 1  # and raw.json
    drawn = _stderr_on_a_terminal(project, "policies")
    assert "iamlint" in drawn and f"{total}/{total}" in drawn
    assert _stderr_on_a_terminal(project, "--format", "json", "policies") == ""
    assert few == ""  # fewer files than PROGRESS_MIN_FILES: no bar


def test_color_flag_and_no_color(project, monkeypatch):
    assert "\x1b[" in _run("--color", "always", "policies/raw.json").stdout
    assert "\x1b[" not in _run("--color", "never", "policies/raw.json").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in _run("policies/raw.json").stdout
