"""``data "aws_iam_policy_document"`` with the deprecated ``source_json`` /
``override_json``: their statements are merged as the provider does, like a
one-element ``source_policy_documents`` / ``override_policy_documents``."""

from __future__ import annotations

from iamlint.api import lint_text
from iamlint.sources import read_source

TRUST = """
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
"""

ADMIN_SOURCE_JSON = (
    """
data "aws_iam_policy_document" "admin" {
  source_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = data.aws_iam_policy_document.admin.json
}
"""
    + TRUST
)


def _doc(text: str, owner: str):
    result = read_source("main.tf", text.encode())
    (doc,) = [d for d in result.documents if d.owner == owner]
    return doc


def _statements(doc) -> list[tuple]:
    return [(st.get("Sid"), st["Action"]) for st in doc.value["Statement"]]


def test_source_json_alone_yields_its_statements_and_admin_finding():
    doc = _doc(ADMIN_SOURCE_JSON, "data.aws_iam_policy_document.admin")
    assert doc.value["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    assert doc.locate("/Statement/0/Action").line == 7
    findings = [f for f in lint_text(ADMIN_SOURCE_JSON, "main.tf") if f.rule == "IAM201"]
    assert [(f.line, f.owner) for f in findings] == [(7, "data.aws_iam_policy_document.admin")]


MERGED = """
data "aws_iam_policy_document" "main" {
  source_json = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "A", Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" },
      { Sid = "B", Effect = "Allow", Action = ["s3:PutObject"], Resource = "*" },
    ]
  })
  override_json = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "C", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
    {"Sid": "E", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"}
  ]
}
EOF
  statement {
    sid       = "B"
    actions   = ["s3:DeleteObject"]
    resources = ["*"]
  }
  statement {
    sid       = "C"
    actions   = ["ec2:StartInstances"]
    resources = ["*"]
  }
  statement {
    actions   = ["ec2:StopInstances"]
    resources = ["*"]
  }
}
"""


def test_statement_blocks_replace_source_json_and_override_json_replaces_them():
    """source_json first, a statement block replaces the source's statement
    with its Sid, override_json replaces the one with its Sid and appends the
    others; every statement keeps the position of its own text."""
    doc = _doc(MERGED, "data.aws_iam_policy_document.main")
    assert _statements(doc) == [
        ("A", ["s3:GetObject"]),
        ("B", ["s3:DeleteObject"]),
        ("C", ["sqs:SendMessage"]),
        (None, ["ec2:StopInstances"]),
        ("E", ["sns:Publish"]),
    ]
    assert [doc.locate(f"/Statement/{i}/Action").line for i in range(5)] == [6, 21, 14, 30, 15]


def test_override_json_comes_after_override_policy_documents():
    text = """
data "aws_iam_policy_document" "over" {
  statement {
    sid       = "A"
    actions   = ["s3:PutObject"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "main" {
  statement {
    sid       = "A"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  override_policy_documents = [data.aws_iam_policy_document.over.json]
  override_json = jsonencode({
    Statement = [{ Sid = "A", Effect = "Allow", Action = "s3:DeleteObject", Resource = "*" }]
  })
}
"""
    doc = _doc(text, "data.aws_iam_policy_document.main")
    assert _statements(doc) == [("A", "s3:DeleteObject")]
    assert doc.locate("/Statement/0/Action").line == 18


SOURCE_REFERENCE = (
    """
data "aws_iam_policy_document" "src" {
  statement {
    sid       = "Admin"
    actions   = ["*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "main" {
  %s
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = data.aws_iam_policy_document.main.json
}
"""
    + TRUST
)


def test_source_json_naming_another_document_resolves_as_source_policy_documents():
    by_json = SOURCE_REFERENCE % "source_json = data.aws_iam_policy_document.src.json"
    by_list = SOURCE_REFERENCE % "source_policy_documents = [data.aws_iam_policy_document.src.json]"
    doc = _doc(by_json, "data.aws_iam_policy_document.main")
    assert _statements(doc) == [("Admin", ["*"]), ("Read", ["s3:GetObject"])]
    assert [doc.locate(f"/Statement/{i}/Action").line for i in range(2)] == [5, 14]
    assert doc.value == _doc(by_list, "data.aws_iam_policy_document.main").value

    def keys(text: str) -> list[tuple]:
        return sorted((f.rule, f.line, f.column, f.owner, f.pointer) for f in lint_text(text, "main.tf"))

    assert keys(by_json) == keys(by_list)
    # the copied statement's finding is reported once, by the document it is written in (issue 17)
    admin = [(r, ln, o) for r, ln, _, o, _ in keys(by_json) if r == "IAM201"]
    assert admin == [("IAM201", 5, "data.aws_iam_policy_document.src")]


def test_unknown_source_json_is_unknown_statements_not_none():
    text = """
data "aws_iam_policy_document" "main" {
  source_json = var.policy
}
"""
    doc = _doc(text, "data.aws_iam_policy_document.main")
    assert len(doc.value["Statement"]) == 1
    assert type(doc.value["Statement"][0]).__name__ == "Opaque"
