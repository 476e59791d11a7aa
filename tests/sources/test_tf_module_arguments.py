"""Policies passed to modules as arguments (``module "b" { policy = jsonencode({...}) }``):
read when the argument's name says it holds a policy and its value is one; the
called module is never read."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.sources import read_source
from iamlint.sources.terraform import module_argument_kind

FIXTURE = Path(__file__).parent / "fixtures" / "tf" / "module_args" / "main.tf"


def test_module_arguments_holding_policies_are_linted_at_their_tokens():
    found = [(f.rule, f.line, f.column, f.owner) for f in lint_bytes(str(FIXTURE), FIXTURE.read_bytes()).findings]
    assert found == [
        # policy = jsonencode({... Principal = "*" ...}): a resource policy by its content
        ("IAM501", 9, 19, "module.bucket"),
        # inline_policy = <<EOF ... EOF
        ("IAM202", 24, 47, "module.role"),
        # policy_jsons = [jsonencode(...), "arn:..."]: the document, not the ARN
        ("IAM202", 35, 84, "module.queue"),
        # key_policy = <<EOF with invalid JSON
        ("IAM001", 43, 43, "module.broken"),
        # queue_policy = local.queue_policy: at the local
        ("IAM501", 50, 58, "module.queue"),
        # ... which grants "sqs:*" to everyone
        ("IAM504", 50, 74, "module.queue"),
        # trust_policy = data.aws_iam_policy_document.trust.json: a trust policy by the name
        ("IAM301", 59, 22, "data.aws_iam_policy_document.trust"),
    ]


def test_kinds_come_from_argument_names_or_content():
    result = read_source(str(FIXTURE), FIXTURE.read_bytes())
    got = sorted((d.owner, d.kind, d.kind_source, d.locate("").line) for d in result.documents)
    assert got == [
        ("data.aws_iam_policy_document.trust", "trust", "location", 54),
        ("module.broken", "resource", "location", 42),
        ("module.bucket", "resource", "content", 5),
        ("module.queue", "identity", "content", 35),
        ("module.queue", "resource", "location", 48),
        ("module.role", "identity", "location", 22),
    ]
    assert all(d.meta["resource_type"] == "module" for d in result.documents if d.owner.startswith("module."))


def test_arguments_that_are_not_documents_are_ignored(tmp_path: Path):
    path = tmp_path / "main.tf"
    path.write_text(
        'module "m" {\n'
        '  source         = "./m"\n'
        "  policy         = var.policy\n"
        "  attach_policy  = true\n"
        '  bucket_policy  = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n'
        '  policy_json    = jsonencode({ Version = "2012-10-17" })\n'
        '  role_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]\n'
        "}\n"
    )
    result = read_source(str(path), path.read_bytes())
    assert result.skipped or result.documents == []
    assert lint_bytes(str(path), path.read_bytes()).findings == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("policy", ""),
        ("policy_json", ""),
        ("policy_document", ""),
        ("policy_jsons", ""),
        ("bucket_policy", "resource"),
        ("queue_policy", "resource"),
        ("topic_policy", "resource"),
        ("key_policy", "resource"),
        ("repository_policy", "resource"),
        ("resource_policy", "resource"),
        ("access_policies", "resource"),
        ("assume_role_policy", "trust"),
        ("trust_policy", "trust"),
        ("trust_policy_json", "trust"),
        ("inline_policy", "identity"),
        ("inline_policies", "identity"),
        ("role_policy", "identity"),
        ("custom_role_policy_arns", None),
        ("policy_arn", None),
        ("policy_name", None),
        ("policy_statements", None),
        ("attach_policy", None),
        ("attach_policy_json", None),
        ("create_policy", None),
        ("number_of_policies", None),
        ("block_public_policy", None),
        ("description", None),
    ],
)
def test_module_argument_kind_by_name(name: str, kind: str | None):
    assert module_argument_kind(name) == kind
