"""`iamlint check` on a directory holding a Serverless Framework project (issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent.parent / "sources" / "fixtures" / "serverless"


def _check(*paths: Path) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)


def test_check_a_serverless_project_directory(tmp_path):
    project = tmp_path / "services" / "orders"
    project.mkdir(parents=True)
    (project / "serverless.yml").write_text((FIXTURES / "v3" / "serverless.yml").read_text())
    # Serverless also reads serverless.ts / .js: iamlint never runs or reads them
    (project / "serverless.ts").write_text("export default { service: 'x', provider: { name: 'aws' } };\n")
    (project / "handler.py").write_text("def create(event, context):\n    return {}\n")
    proc, data = _check(tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = sorted((Path(f["file"]).name, f["rule"], f["line"], f["column"]) for f in data["findings"])
    assert got == [
        ("serverless.yml", "IAM201", 17, 19),
        ("serverless.yml", "IAM401", 20, 11),
        ("serverless.yml", "IAM402", 21, 11),
    ]
    assert data["summary"]["files"] == 1


def test_check_reports_broken_serverless_yml_in_one_finding_and_goes_on(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "serverless.yml").write_text((FIXTURES / "malformed" / "serverless.yml").read_text())
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "serverless.yaml").write_text((FIXTURES / "cli" / "serverless.yml").read_text())
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "serverless.yml").write_text((FIXTURES / "not-serverless" / "serverless.yml").read_text())
    proc, data = _check(tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = sorted((Path(f["file"]).parent.name, f["rule"], f["line"], f["column"]) for f in data["findings"])
    assert got == [("a", "IAM001", 10, 19), ("b", "IAM201", 7, 15)]
