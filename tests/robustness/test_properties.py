"""Property-based tests: documents generated from iamlint's own Lark grammar
and JSON Schemas, plus mutations of valid policies.

Invariants: no exception escapes, every finding has a valid position inside
the file, output is deterministic.
"""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine.registry import Registry

pytestmark = pytest.mark.slow

REGISTRY = Registry.load()
CONFIG = Config()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

GRAMMAR = Lark(files("iamlint.parsing").joinpath("policy.lark").read_text(), parser="lalr", lexer="basic")


def _lint(text: str, name: str = "policy.json", kind: str | None = None):
    data = text.encode("utf-8", "surrogatepass")
    report = lint_bytes(name, data, CONFIG, REGISTRY, kind)
    assert report.error is None or "\n" not in report.error
    lines = text.split("\n") if text else [""]
    for f in report.findings:
        s = f.span
        assert 1 <= s.line <= len(lines), (f, len(lines))
        assert 1 <= s.column <= len(lines[s.line - 1]) + 2, f
        assert (s.end_line, s.end_column) >= (s.line, s.column), f
        assert s.end_line <= len(lines) + 1, f
    again = lint_bytes(name, data, CONFIG, REGISTRY, kind)
    assert again.findings == report.findings  # deterministic
    return report


@SETTINGS
@given(from_lark(GRAMMAR, start="value"))
def test_grammar_generated_json(text):
    _lint(text)


def _policy_shapes():
    """The shapes policy-common.json describes, built by hand: hypothesis-jsonschema
    0.23 does not work with current hypothesis releases."""
    scalar = st.one_of(
        st.text(max_size=20), st.sampled_from(["*", "s3:GetObject", "iam:*", "arn:aws:s3:::b/*", "sts:AssumeRole"])
    )
    str_or_list = st.one_of(scalar, st.lists(scalar, max_size=4))
    principal = st.one_of(
        st.just("*"),
        st.dictionaries(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]), str_or_list, max_size=3),
    )
    condition = st.dictionaries(
        st.sampled_from(
            [
                "StringEquals",
                "StringLike",
                "ForAnyValue:StringLike",
                "Bool",
                "NumericLessThan",
                "IpAddress",
                "Null",
                "DateGreaterThan",
            ]
        ),
        st.dictionaries(
            st.sampled_from(
                [
                    "aws:SourceIp",
                    "aws:SecureTransport",
                    "token.actions.githubusercontent.com:sub",
                    "s3:prefix",
                    "aws:PrincipalOrgID",
                ]
            ),
            st.one_of(scalar, st.booleans(), st.integers(), st.lists(scalar, max_size=3)),
            max_size=3,
        ),
        max_size=3,
    )
    statement = st.fixed_dictionaries(
        {"Effect": st.sampled_from(["Allow", "Deny", "allow"])},
        optional={
            "Sid": st.text(max_size=8),
            "Action": str_or_list,
            "NotAction": str_or_list,
            "Resource": str_or_list,
            "NotResource": str_or_list,
            "Principal": principal,
            "NotPrincipal": principal,
            "Condition": condition,
        },
    )
    return st.fixed_dictionaries(
        {"Statement": st.one_of(statement, st.lists(statement, max_size=4))},
        optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01"]), "Id": st.text(max_size=5)},
    )


@SETTINGS
@given(_policy_shapes(), st.sampled_from([None, "identity", "trust", "resource", "scp"]), st.integers(0, 2))
def test_schema_shaped_policies(doc, kind, indent):
    _lint(json.dumps(doc, indent=indent or None), kind=kind)


VALID = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "iam:PassRole"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            }
        ],
    },
    indent=2,
)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 3), st.text(max_size=3)), min_size=1, max_size=4))
def test_mutated_policies(edits):
    text = VALID
    for pos, delete, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + delete :]
    _lint(text)
