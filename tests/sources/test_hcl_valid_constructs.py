"""Valid Terraform that python-hcl2's grammar rejects parses, at the user's positions.

- A heredoc end marker followed by blanks: HCL's scanner trims the line before
  comparing it with the marker (``bytes.TrimSpace`` in hclsyntax's
  ``scan_tokens.rl``), so ``EOT   `` closes the heredoc.
- A newline (or a comment) before ``=>`` in a ``for`` object expression: HCL
  ignores newlines inside the expression's braces.

Both were IAM001 before, and every policy of the file was lost.
"""

from __future__ import annotations

import pytest

from iamlint.api import lint_text
from iamlint.sources.hclpos import normalize_heredoc_ends, parse_hcl

ADMIN_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _heredoc_policy(name: str, opener: str, indent: str, end_line: str) -> str:
    return (
        f'resource "aws_iam_role_policy" "{name}" {{\n'
        f'  role   = "r"\n'
        f"  policy = {opener}\n"
        f"{indent}{ADMIN_JSON}\n"
        f"{end_line}\n"
        f"}}\n"
    )


def _positions(text: str) -> list[tuple]:
    return [(f.rule, f.span, f.pointer, f.owner, f.fingerprint) for f in lint_text(text, "main.tf")]


@pytest.mark.parametrize(
    ("opener", "indent", "end_line"),
    [
        ("<<EOT", "", "EOT   "),
        ("<<EOT", "", "EOT\t"),
        ("<<-EOT", "    ", "    EOT  "),
        ("<<-EOF", "\t", "\tEOF \t "),
    ],
)
def test_heredoc_end_marker_with_trailing_blanks(opener: str, indent: str, end_line: str) -> None:
    text = _heredoc_policy("p", opener, indent, end_line) + _heredoc_policy("q", opener, indent, end_line)
    findings = lint_text(text, "main.tf")
    assert not [f for f in findings if f.rule == "IAM001"]
    admin = [(f.line, f.column, f.owner) for f in findings if f.rule == "IAM201"]
    assert [(line, owner) for line, _, owner in admin] == [
        (4, "aws_iam_role_policy.p"),
        (10, "aws_iam_role_policy.q"),
    ]
    # the same findings, at the same places, as with the blanks removed
    assert _positions(text) == _positions(text.replace(end_line, end_line.rstrip(" \t")))


def test_heredoc_end_marker_with_blanks_crlf_and_at_end_of_file() -> None:
    text = _heredoc_policy("p", "<<EOT", "", "EOT  ").replace("\n", "\r\n")
    assert not [f for f in lint_text(text, "main.tf") if f.rule == "IAM001"]
    # no newline after the last marker line
    assert parse_hcl("main.tf", "locals {\n  x = <<EOT\nhello\nEOT  \n}\ny = <<EOT\nhello\nEOT   ").error is None


def test_heredoc_without_blanks_is_unchanged() -> None:
    text = _heredoc_policy("p", "<<EOT", "", "EOT")
    assert normalize_heredoc_ends(text) is text


def test_normalisation_keeps_every_offset_and_touches_only_marker_lines() -> None:
    text = (
        "# <<EOT in a comment is no heredoc\n"
        "// nor is this <<XYZ\n"
        'x = "EOT   "\n'
        "y = <<EOT\n"
        "  EOT is not alone here   \n"
        "EOT   \n"
        "z = <<-END\n"
        "  body\n"
        "  END \n"
        "w = 1\n"
    )
    out = normalize_heredoc_ends(text)
    assert len(out) == len(text)
    assert [len(line) for line in out.split("\n")] == [len(line) for line in text.split("\n")]
    changed = [i for i, (a, b) in enumerate(zip(text.split("\n"), out.split("\n"), strict=True)) if a != b]
    assert changed == [5, 8]
    assert out.split("\n")[5] == "   EOT"
    assert out.split("\n")[8] == "   END"


def test_heredoc_body_keeps_its_text() -> None:
    text = 'locals {\n  a = <<-EOT\n    one\n      two\n    EOT   \n  b = "after"\n}\n'
    parsed = parse_hcl("main.tf", text)
    assert parsed.error is None
    (block,) = parsed.blocks
    assert block.attrs["b"].span is not None
    assert (block.attrs["b"].span.line, block.attrs["b"].span.column) == (6, 7)


FOR_ARROW = """
locals {
  tags = { for k, v in var.tags : k
    => v }
  names = { for k, v in var.roles : k # the role's key
    # mapped to its name
    => v.name if v.enabled }
}

resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""


def test_newline_before_for_arrow_parses_and_other_policies_are_read() -> None:
    parsed = parse_hcl("main.tf", FOR_ARROW)
    assert parsed.error is None
    findings = lint_text(FOR_ARROW, "main.tf")
    assert not [f for f in findings if f.rule == "IAM001"]
    admin = [(f.line, f.owner) for f in findings if f.rule == "IAM201"]
    assert admin == [(14, "aws_iam_role_policy.p")]
    # positions after the for expression are the file's own
    one_line = FOR_ARROW.replace(" k\n    => v }", " k => v }\n")
    assert _positions(FOR_ARROW) == _positions(one_line)


def test_for_arrow_positions_of_the_expression() -> None:
    parsed = parse_hcl("main.tf", FOR_ARROW)
    (locals_,) = [b for b in parsed.blocks if b.type == "locals"]
    tags = locals_.attrs["tags"]
    names = locals_.attrs["names"]
    assert tags.span is not None and names.span is not None
    assert (tags.span.line, tags.span.column, tags.span.end_line) == (3, 10, 4)
    assert (names.span.line, names.span.column, names.span.end_line) == (5, 11, 7)
