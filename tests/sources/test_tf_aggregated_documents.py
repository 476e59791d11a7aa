"""Statements a ``data "aws_iam_policy_document"`` copies from another one
(``source_policy_documents``, ``override_policy_documents``, ``source_json``,
``override_json``) are reported once, by the document they are written in;
a finding only the aggregate gives (a combination with its own statements)
is still the aggregate's."""

from __future__ import annotations

import shutil
from pathlib import Path

from iamlint.api import lint_bytes
from iamlint.sources import read_source

FIXTURE = Path(__file__).parent / "fixtures" / "tf" / "aggregate" / "main.tf"


def _found(path: Path):
    return [(f.rule, f.line, f.column, f.owner) for f in lint_bytes(str(path), path.read_bytes()).findings]


BASE = "data.aws_iam_policy_document.base"
EXTENDED = "data.aws_iam_policy_document.extended"


def test_each_copied_statement_is_reported_once_by_its_own_document():
    assert _found(FIXTURE) == [
        ("IAM202", 5, 18, BASE),
        ("IAM206", 10, 18, BASE),
        # iam:PassRole (base's) + ec2:RunInstances (extended's): only the aggregate grants both
        ("IAM208", 10, 18, EXTENDED),
        ("IAM205", 11, 18, BASE),
        ("IAM205", 20, 18, EXTENDED),
        # legacy (source_json + override_json) and overridden copy queue's and base's statements only
        ("IAM202", 32, 18, "data.aws_iam_policy_document.queue"),
        ("IAM202", 40, 18, "data.aws_iam_policy_document.overridden"),
    ]


def test_aggregates_still_hold_the_copied_statements():
    result = read_source(str(FIXTURE), FIXTURE.read_bytes())
    docs = {d.owner: d for d in result.documents}
    extended = docs[EXTENDED]
    assert [s["Sid"] for s in extended.value["Statement"]] == ["Storage", "Pass", "Run"]
    assert {i: (d.owner, p) for i, (d, p) in extended.inherited.items()} == {
        0: (BASE, "/Statement/0"),
        1: (BASE, "/Statement/1"),
    }
    legacy = docs["data.aws_iam_policy_document.legacy"]
    assert [s["Action"] for s in legacy.value["Statement"]] == [["sqs:*"], ["iam:PassRole"]]
    assert {i: (d.owner, p) for i, (d, p) in legacy.inherited.items()} == {
        0: ("data.aws_iam_policy_document.queue", "/Statement/0"),
        1: (BASE, "/Statement/1"),
    }


def test_a_statement_copied_from_a_sibling_file_is_reported_in_that_file(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    text = FIXTURE.read_text()
    cut = text.index('data "aws_iam_policy_document" "extended"')
    (tmp_path / "base.tf").write_text(text[:cut])
    (tmp_path / "extended.tf").write_text(text[cut : text.index('data "aws_iam_policy_document" "legacy"')])
    assert _found(tmp_path / "base.tf") == [("IAM202", 5, 18, BASE), ("IAM206", 10, 18, BASE), ("IAM205", 11, 18, BASE)]
    # extended.tf alone: its own statement, and the combination (at its block: the
    # copied statement is in base.tf)
    assert _found(tmp_path / "extended.tf") == [("IAM208", 1, 1, EXTENDED), ("IAM205", 6, 18, EXTENDED)]


def test_a_statement_copied_from_an_inline_document_stays_with_the_aggregate(tmp_path: Path):
    path = tmp_path / "main.tf"
    shutil.copy(FIXTURE, path)
    text = path.read_text().replace(
        "source_policy_documents = [data.aws_iam_policy_document.base.json]",
        "source_policy_documents = "
        '[jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })]',
    )
    path.write_text(text)
    line = text.splitlines()[15]
    assert ("IAM202", 16, line.index('"s3:*"') + 1, EXTENDED) in _found(path)
