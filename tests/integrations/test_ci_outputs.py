"""CI outputs read the way CI tools read them (issue 15, section 4).

- SARIF URIs are relative to the repository root (``%SRCROOT%``) wherever
  iamlint is started from: the repository root, a subdirectory, a directory
  outside the repository; the working directory outside git; an absolute
  ``file://`` URI for a file outside both.  Every report validates against
  the SARIF 2.1.0 schema.
- SARIF ``security-severity`` agrees with the level, per rule and per result.
- JUnit: one test case per checked IAM file, with ``file`` (and ``line``)
  attributes; files without IAM content are not listed.
- GitLab Code Quality: the fields the merge-request widget reads.
"""

from __future__ import annotations

import json
import os
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
VENDORED_SCHEMA = ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"

#: findings: IAM004 (warning, no Version) and IAM201 (error, administrator access)
ADMIN = '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n'
#: findings: IAM004 only
MINOR = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",\n  "Resource": "arn:aws:s3:::b/*"}]}\n'
#: IAM401 is a warning rule; attaching AdministratorAccess grades the finding up to an error
ADMIN_ATTACHMENT = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AdminRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AdministratorAccess
"""
NOT_IAM = '{"name": "x", "version": "1.0.0"}\n'


def _schema() -> dict:
    path = Path(os.environ.get("SARIF_SCHEMA", SHARED_SCHEMA if SHARED_SCHEMA.is_file() else VENDORED_SCHEMA))
    return json.loads(path.read_text(encoding="utf-8"))


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def _sarif(*args: str) -> dict:
    jsonschema = pytest.importorskip("jsonschema")
    code, out = _check("--format", "sarif", *args)
    assert code in (0, 1), out
    sarif = json.loads(out)
    jsonschema.validate(sarif, _schema())
    return sarif


def _artifacts(sarif: dict) -> set[tuple[str, str | None]]:
    run = sarif["runs"][0]
    return {
        (
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["artifactLocation"].get("uriBaseId"),
        )
        for r in run["results"]
        for loc in r["locations"]
    }


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository (a ``.git`` directory) with policies in two subdirectories."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra" / "iam").mkdir(parents=True)
    (repo / "infra" / "iam" / "admin.json").write_text(ADMIN)
    (repo / "other").mkdir()
    (repo / "other" / "minor.json").write_text(MINOR)
    return repo


def _srcroot(sarif: dict) -> str:
    return sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]


def test_vendored_sarif_schema_is_the_shared_one():
    if not SHARED_SCHEMA.is_file():
        pytest.skip("no shared schema directory next to the repository")
    assert json.loads(VENDORED_SCHEMA.read_text()) == json.loads(SHARED_SCHEMA.read_text())


def test_sarif_uris_from_the_repository_root(repo, monkeypatch):
    monkeypatch.chdir(repo)
    sarif = _sarif(".")
    assert _artifacts(sarif) == {("infra/iam/admin.json", "%SRCROOT%"), ("other/minor.json", "%SRCROOT%")}
    assert _srcroot(sarif) == repo.resolve().as_uri() + "/"


def test_sarif_uris_from_a_subdirectory_are_still_relative_to_the_repository_root(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    sarif = _sarif(".", "../other")
    assert _artifacts(sarif) == {("infra/iam/admin.json", "%SRCROOT%"), ("other/minor.json", "%SRCROOT%")}
    assert _srcroot(sarif) == repo.resolve().as_uri() + "/"


def test_sarif_uris_from_outside_the_repository(repo, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    sarif = _sarif("../repo/infra", str(repo / "other" / "minor.json"))
    assert _artifacts(sarif) == {("infra/iam/admin.json", "%SRCROOT%"), ("other/minor.json", "%SRCROOT%")}
    assert _srcroot(sarif) == repo.resolve().as_uri() + "/"
    assert "file://" not in json.dumps(sarif["runs"][0]["results"])


def test_a_git_file_marks_a_repository_too(tmp_path, monkeypatch):
    worktree = tmp_path / "wt"
    (worktree / "iam").mkdir(parents=True)
    (worktree / ".git").write_text("gitdir: /somewhere/.git/worktrees/wt\n")
    (worktree / "iam" / "p.json").write_text(MINOR)
    monkeypatch.chdir(tmp_path)
    sarif = _sarif("wt")
    assert _artifacts(sarif) == {("iam/p.json", "%SRCROOT%")}
    assert _srcroot(sarif) == worktree.resolve().as_uri() + "/"


def test_a_nested_repository_is_named_from_the_outer_one_when_run_there(repo, monkeypatch):
    sub = repo / "modules" / "shared"
    (sub / ".git").parent.mkdir(parents=True)
    (sub / ".git").write_text("gitdir: ../../.git/modules/shared\n")  # a submodule
    (sub / "p.json").write_text(MINOR)
    monkeypatch.chdir(repo / "infra")
    sarif = _sarif(".", "../modules")
    assert ("modules/shared/p.json", "%SRCROOT%") in _artifacts(sarif)


def test_outside_git_uris_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "iam").mkdir(parents=True)
    (work / "iam" / "p.json").write_text(MINOR)
    far = tmp_path / "far"
    far.mkdir()
    (far / "q.json").write_text(MINOR)
    monkeypatch.chdir(work)
    sarif = _sarif(".", str(far / "q.json"))
    assert _artifacts(sarif) == {("iam/p.json", "%SRCROOT%"), ((far / "q.json").resolve().as_uri(), None)}
    assert _srcroot(sarif) == work.resolve().as_uri() + "/"


def test_sarif_symlinked_directory_resolves_to_its_real_place(repo, tmp_path, monkeypatch):
    link = tmp_path / "link"
    link.symlink_to(repo / "other", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    sarif = _sarif(str(link / "minor.json"))
    assert _artifacts(sarif) == {("other/minor.json", "%SRCROOT%")}


def test_error_notifications_carry_repository_relative_locations(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    code, out = _check("--format", "sarif", ".", "../other/missing.json")
    assert code == 2
    sarif = json.loads(out)
    pytest.importorskip("jsonschema").validate(sarif, _schema())
    (note,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "other/missing.json",
        "uriBaseId": "%SRCROOT%",
    }


# -- severities ---------------------------------------------------------------------

BANDS = {"error": (7.0, 10.0), "warning": (4.0, 6.9), "note": (0.1, 3.9)}


def test_every_error_rule_outranks_every_warning_rule_and_every_warning_a_note(repo, monkeypatch):
    monkeypatch.chdir(repo)
    rules = _sarif(".")["runs"][0]["tool"]["driver"]["rules"]
    scores: dict[str, list[float]] = {"error": [], "warning": [], "note": []}
    for r in rules:
        level = r["defaultConfiguration"]["level"]
        score = float(r["properties"]["security-severity"])
        low, high = BANDS[level]
        assert low <= score <= high, (r["id"], level, score)
        scores[level].append(score)
    assert min(scores["error"]) >= max(scores["warning"]) and min(scores["warning"]) >= max(scores["note"])
    by_id = {r["id"]: float(r["properties"]["security-severity"]) for r in rules}
    assert by_id["IAM201"] >= 7.0  # AdministratorAccess: "high" at least
    assert by_id["IAM208"] >= 9.0 and by_id["IAM501"] >= 9.0  # escalation, public access: critical


def test_a_graded_finding_carries_the_score_of_its_own_level(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "role.yaml").write_text(ADMIN_ATTACHMENT)
    monkeypatch.chdir(tmp_path)
    run = _sarif("role.yaml")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    (result,) = [r for r in run["results"] if r["ruleId"] == "IAM401"]
    rule = rules[result["ruleIndex"]]
    assert rule["defaultConfiguration"]["level"] == "warning" and result["level"] == "error"
    assert float(result["properties"]["security-severity"]) >= 7.0
    for res in run["results"]:  # every result: its own score, or its rule's, in its level's band
        score = float(res.get("properties", rules[res["ruleIndex"]]["properties"])["security-severity"])
        low, high = BANDS[res["level"]]
        assert low <= score <= high, (res["ruleId"], res["level"], score)


def test_a_configured_severity_carries_its_score_too(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".iamlint.toml").write_text('severity = {IAM004 = "error"}\n')
    (tmp_path / "p.json").write_text(MINOR)
    monkeypatch.chdir(tmp_path)
    run = _sarif("p.json")["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "IAM004" and result["level"] == "error"
    assert float(result["properties"]["security-severity"]) >= 7.0


# -- JUnit --------------------------------------------------------------------------


def test_junit_lists_checked_iam_files_with_file_and_line(repo, monkeypatch):
    (repo / "other" / "package.json").write_text(NOT_IAM)
    (repo / "other" / "good.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "arn:aws:s3:::b/*"}]}\n'
    )
    monkeypatch.chdir(repo / "infra")
    code, out = _check("--format", "junit", ".", "../other")
    assert code == 1
    root = ET.fromstring(out.encode())
    suite = root.find("testsuite")
    cases = {c.get("file"): c for c in suite.iter("testcase")}
    # the non-IAM package.json is not a test case at all
    assert set(cases) == {"infra/iam/admin.json", "other/minor.json", "other/good.json"}
    assert suite.get("tests") == "3" and suite.get("failures") == "2" and suite.get("skipped") == "0"
    assert root.get("tests") == "3"
    assert cases["other/good.json"].find("failure") is None
    admin = cases["infra/iam/admin.json"]
    failure = admin.find("failure")
    assert failure.get("type") == "error"
    lines = failure.text.splitlines()
    assert len(lines) == 2 and all(line.startswith("infra/iam/admin.json:1:") for line in lines)
    assert admin.get("line") == "1"


def test_junit_errors_are_still_listed(repo, monkeypatch):
    monkeypatch.chdir(repo)
    code, out = _check("--format", "junit", "other", "missing.json")
    assert code == 2
    errored = [c for c in ET.fromstring(out.encode()).iter("testcase") if c.find("error") is not None]
    assert [c.get("file") for c in errored] == ["missing.json"]


# -- GitLab Code Quality --------------------------------------------------------------


def test_gitlab_code_quality_report(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    code, out = _check("--format", "gitlab", ".", "../other")
    assert code == 1
    issues = json.loads(out)
    _, json_out = _check("--format", "json", ".", "../other")
    findings = json.loads(json_out)["findings"]
    assert isinstance(issues, list) and len(issues) == len(findings) == 3
    for issue, f in zip(issues, findings, strict=True):
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == f["rule"]
        assert f["message"] in issue["description"] and issue["description"].startswith(f["rule"])
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] == f["line"]
        assert issue["type"] == "issue" and issue["categories"] in (["Security"], ["Bug Risk"])
    paths = {i["location"]["path"] for i in issues}
    assert paths == {"infra/iam/admin.json", "other/minor.json"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    by_rule = {i["check_name"]: i["severity"] for i in issues}
    assert by_rule["IAM201"] in ("critical", "blocker") and by_rule["IAM004"] in ("minor", "major")


def test_gitlab_fingerprints_are_unique_even_for_identical_findings(tmp_path, monkeypatch):
    # the same statement twice: the same finding twice (iamlint's fingerprint is equal,
    # baselines count them); GitLab shows one issue per fingerprint, so they must differ
    (tmp_path / ".git").mkdir()
    stmt = '{"Effect": "Allow", "Action": "*", "Resource": "*"}'
    (tmp_path / "p.json").write_text(f'{{"Version": "2012-10-17", "Statement": [{stmt}, {stmt}]}}\n')
    monkeypatch.chdir(tmp_path)
    _, out = _check("--format", "gitlab", "p.json")
    issues = json.loads(out)
    assert len(issues) >= 2
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    _, out2 = _check("--format", "gitlab", "p.json")
    assert [i["fingerprint"] for i in json.loads(out2)] == [i["fingerprint"] for i in issues]  # stable


def test_gitlab_report_is_an_empty_array_when_clean(tmp_path, monkeypatch):
    (tmp_path / "p.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "arn:aws:s3:::b/*"}]}\n'
    )
    monkeypatch.chdir(tmp_path)
    code, out = _check("--format", "gitlab", "p.json")
    assert code == 0 and json.loads(out) == []


def _readme_gitlab_job() -> dict:
    yaml = pytest.importorskip("yaml")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = next(
        block.split("```", 1)[0]
        for block in readme.split("```yaml")[1:]
        if block.lstrip().startswith("# .gitlab-ci.yml")
    )
    return yaml.safe_load(snippet)["iamlint"]


def test_readme_gitlab_snippet_writes_the_reports_it_uploads(repo, monkeypatch):
    job = _readme_gitlab_job()
    reports = job["artifacts"]["reports"]
    assert set(reports) >= {"codequality", "junit"}
    (command,) = [line for line in job["script"] if line.startswith("iamlint ")]
    monkeypatch.chdir(repo)
    code, out = _check(*shlex.split(command)[2:])
    assert code == 1 and "IAM201" in out  # the text report goes to the job log
    issues = json.loads((repo / reports["codequality"]).read_text())
    assert {i["location"]["path"] for i in issues} == {"infra/iam/admin.json", "other/minor.json"}
    ET.parse(repo / reports["junit"])


def test_no_base_id_is_declared_when_every_file_is_outside_the_roots(tmp_path, monkeypatch):
    far = tmp_path / "far"
    far.mkdir()
    (far / "q.json").write_text(MINOR)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    sarif = _sarif(str(far / "q.json"))
    assert _artifacts(sarif) == {((far / "q.json").resolve().as_uri(), None)}
    assert "originalUriBaseIds" not in sarif["runs"][0]
