"""Heredoc and templatefile() policies with ``%{ if }`` / ``%{ for }`` directives
are read (they were dropped): evaluated where their expressions are known,
else read one way with an IAM013 notice at the directive; every finding
outside the directives is where it is written."""

from __future__ import annotations

from pathlib import Path

from iamlint.api import lint_bytes
from iamlint.sources import read_source
from iamlint.sources.hclpos import parse_template

DIR = Path(__file__).parent / "fixtures" / "tf" / "directives"
FIXTURE = DIR / "main.tf"


def _findings():
    return [
        (f.rule, Path(f.file).name, f.line, f.column, f.owner)
        for f in lint_bytes(str(FIXTURE), FIXTURE.read_bytes()).findings
    ]


def _documents():
    return {d.owner: d for d in read_source(str(FIXTURE), FIXTURE.read_bytes()).documents}


def test_findings_of_templated_policies_are_at_the_written_tokens():
    assert _findings() == [
        # known: local.read_only is true, so the then-branch (line 16) is read
        ("IAM103", "main.tf", 16, 34, "aws_iam_policy.known"),
        ("IAM206", "main.tf", 28, 17, "aws_iam_policy.known"),
        ("IAM205", "main.tf", 29, 19, "aws_iam_policy.known"),
        # unknown: %{ if var.allow_admin } read as true, noticed at the directive
        ("IAM013", "main.tf", 42, 1, "aws_iam_policy.unknown"),
        ("IAM201", "main.tf", 43, 35, "aws_iam_policy.unknown"),
        ("IAM013", "main.tf", 46, 1, "aws_iam_policy.unknown"),
        # directives that do not nest: unknown, said at the first directive
        ("IAM013", "main.tf", 65, 1, "aws_iam_policy.tangled"),
        # separator: true would leave a trailing comma, so the policy is read with it false
        ("IAM103", "main.tf", 74, 33, "aws_iam_policy.separator"),
        ("IAM013", "main.tf", 74, 65, "aws_iam_policy.separator"),
        # templatefile(): the template's variables decide (admin = true)
        ("IAM201", "policy.json.tpl", 7, 35, "aws_iam_role_policy.templated"),
    ]


def test_known_directives_are_rendered_as_terraform_does():
    docs = _documents()
    known = docs["aws_iam_policy.known"]
    assert known.value["Statement"][0] == {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjekt"],
        "Resource": ["arn:aws:s3:::logs/*", "arn:aws:s3:::data/*"],
    }
    assert known.notices == []
    # each element of the loop's body is located at the body (line 22)
    assert [known.locate(f"/Statement/0/Resource/{i}").line for i in (0, 1)] == [22, 22]
    templated = docs["aws_iam_role_policy.templated"]
    assert [s["Action"] for s in templated.value["Statement"]] == ["sts:AssumeRole", "sts:AssumeRole", "*"]
    assert [s["Resource"] for s in templated.value["Statement"][:2]] == [
        "arn:aws:iam::111122223333:role/a",
        "arn:aws:iam::111122223333:role/b",
    ]


def test_unknown_directives_are_read_one_way_and_noticed():
    docs = _documents()
    unknown = docs["aws_iam_policy.unknown"]
    assert unknown.value["Statement"][1]["Resource"] == ["${q}", "arn:aws:sqs:*:*:fixed"]
    assert [(n.span.line, n.span.column, n.message) for n in unknown.notices] == [
        (42, 1, "`%{ if var.allow_admin }` was not evaluated: the policy is read as if it were true"),
        (46, 1, "`%{ for q in var.queues }` was not evaluated: its body is read once, with unknown values"),
    ]
    assert docs["aws_iam_policy.separator"].value["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}
    ]
    tangled = docs["aws_iam_policy.tangled"]
    assert tangled.syntax_problems == [] and tangled.value is not None and not isinstance(tangled.value, dict)


def test_parse_template_nests_directives_and_rejects_unbalanced_ones():
    nodes = parse_template("a%{ if x }b%{ else }c%{ endif }%{~ for k, v in m ~}${v}%{ endfor }")
    assert nodes is not None
    assert [(n.what, n.expr, n.names) for n in nodes] == [("text", "", ()), ("if", "x", ()), ("for", "m", ("k", "v"))]
    assert [n.what for n in nodes[1].body] == ["text"] and [n.what for n in nodes[1].other] == ["text"]
    assert [(n.what, n.expr) for n in nodes[2].body] == [("interp", "v")]
    assert parse_template("%{ endif }") is None
    assert parse_template("%{ if x }") is None
    assert parse_template("%{ for x in y }%{ endif }") is None
    assert parse_template("%{ while x }") is None


def test_nested_loops_over_long_lists_stop_at_the_rendering_bound(tmp_path: Path):
    items = ", ".join(f'"s{i}"' for i in range(50))
    path = tmp_path / "main.tf"
    path.write_text(
        f"locals {{\n  l = [{items}]\n}}\n"
        'resource "aws_iam_policy" "p" {\n'
        "  policy = <<EOF\n"
        '{"Version": "2012-10-17", "Statement": ['
        "%{ for a in local.l }%{ for b in local.l }%{ for c in local.l }%{ endfor }%{ endfor }%{ endfor }]}\n"
        "EOF\n}\n"
    )
    found = [(f.rule, f.line, f.column, f.message) for f in lint_bytes(str(path), path.read_bytes()).findings]
    assert found == [
        (
            "IAM013",
            6,
            41,
            "the template was not rendered: its rendering would exceed the budget; the policy is treated as unknown",
        )
    ]
