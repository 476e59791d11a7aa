"""Principals declared with ``count``/``for_each`` and named through a splat
or an index (``one(aws_iam_role.x[*].name)``, ``aws_iam_role.x[0].name``,
``aws_iam_role.x["k"].name``, ``element(aws_iam_user.u.*.name, 0)``) are linked
to the declared principal: their attachments and access keys are its."""

from __future__ import annotations

from pathlib import Path

from iamlint.api import lint_bytes
from iamlint.sources import read_source

FIXTURE = Path(__file__).parent / "fixtures" / "tf" / "splat" / "main.tf"


def _findings():
    return lint_bytes(str(FIXTURE), FIXTURE.read_bytes()).findings


def test_attachments_through_splat_index_and_key_reach_the_declared_principal():
    got = [(f.rule, f.line, f.column, f.owner) for f in _findings()]
    assert got == [
        # one(aws_iam_role.default[*].name)
        ("IAM401", 13, 16, "aws_iam_role.default"),
        # aws_iam_role.default[0].name: the misspelt ARN
        ("IAM402", 18, 16, "aws_iam_role.default"),
        # aws_iam_role.keyed["a"].name
        ("IAM401", 32, 16, "aws_iam_role.keyed"),
        # aws_iam_access_key with user = aws_iam_user.u[*].name: the user's key
        ("IAM405", 35, 1, "aws_iam_user.u"),
        # element(aws_iam_user.u.*.name, 0)
        ("IAM401", 42, 16, "aws_iam_user.u"),
    ]


def test_splat_named_principals_are_assembled_with_their_attachments():
    result = read_source(str(FIXTURE), FIXTURE.read_bytes())
    roles = {r.name: r for r in result.roles}
    assert sorted(roles) == ["aws_iam_role.default", "aws_iam_role.keyed", "aws_iam_user.u"]
    assert [a.arn for a in roles["aws_iam_role.default"].managed] == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AdminstratorAccess",
    ]
    assert [a.arn for a in roles["aws_iam_user.u"].managed] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert [k.name for k in roles["aws_iam_user.u"].access_keys] == ["aws_iam_access_key.u"]
