"""The reporters' indented JSON writer gives exactly ``json.dumps(indent=2, ensure_ascii=False)``."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.api import lint_text
from iamlint.reporters import RunResult
from iamlint.reporters import json as json_reporter
from iamlint.reporters import sarif as sarif_reporter
from iamlint.reporters.jsontext import dumps_indent2

_leaves = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False, allow_infinity=False)
_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_equals_json_dumps_on_any_json_value(value):
    assert dumps_indent2(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_values_json_cannot_write_plainly_fall_back_to_json_dumps():
    for value in ({1: "int key"}, [float("nan")], {"x": float("inf")}, ("a", ["b"]), {"s": {"a", "b"}}):
        try:
            expected = json.dumps(value, indent=2, ensure_ascii=False)
        except TypeError:
            continue
        assert dumps_indent2(value) == expected


def test_reporters_output_is_unchanged():
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Ünïcode\u2028",
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "s3:*", "lambda:CreateFunction", "lambda:InvokeFunction"],
                    "Resource": "*",
                },
                # on "*": ec2:RunInstances cannot act on a bucket, so on one it grants nothing
                {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
            ],
        },
        indent=2,
    )
    findings = lint_text(policy, "policy.json")
    assert len(findings) > 3 and any(f.related for f in findings)
    run = RunResult(files=[], findings=findings, documents=1)
    for reporter in (json_reporter, sarif_reporter):
        text = reporter.render(run)
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
