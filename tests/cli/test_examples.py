"""The README's first command runs `iamlint check examples/`: keep what it shows meaningful."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamlint.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


def test_examples_show_one_finding_of_each_kind_of_mistake():
    result = CliRunner().invoke(main, ["check", "--format", "json", str(EXAMPLES)])
    assert result.exit_code == 1
    got = {(Path(f["file"]).relative_to(EXAMPLES).as_posix(), f["rule"]) for f in json.loads(result.output)["findings"]}
    assert got == {
        ("admin-policy.json", "IAM201"),
        ("broken-trailing-comma.json", "IAM001"),
        ("github-actions-trust-any-repo.json", "IAM306"),
        ("s3-read-with-typos.json", "IAM008"),
        ("s3-read-with-typos.json", "IAM011"),
        ("s3-read-with-typos.json", "IAM103"),
        ("cloudformation/deploy-role.yaml", "IAM306"),
        ("cloudformation/deploy-role.yaml", "IAM401"),
        ("cloudformation/deploy-role.yaml", "IAM404"),
        ("terraform/main.tf", "IAM304"),
        ("terraform/main.tf", "IAM201"),
        ("terraform/main.tf", "IAM404"),
    }
