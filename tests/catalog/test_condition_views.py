"""The IAM1xx rules read conditions through light views of the raw block; they
must give exactly what ``Statement.conditions`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.checks import validity
from iamlint.model.policy import Policy
from iamlint.sources import read_source

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def _facts(conditions) -> list[tuple]:
    return [
        (c.operator, c.key, c.key_lower, c.pointer, tuple((v.value, v.pointer) for v in c.values)) for c in conditions
    ]


ODD = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "a/b~c:key": ["x", 1, True, None, {"k": 1}],
                    "aws:SourceIp": "1.2.3.4",
                    "k:none": None,
                },
                "Bool": {},
                "Null": "not-an-object",
                5: {7: "seven"},
            },
        },
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ["not", "a", "dict"]},
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
    ],
}


def test_views_equal_statement_conditions_on_odd_shapes():
    for st in Policy(ODD).statements:
        views = validity.condition_views(st)
        assert "conditions" not in st.__dict__  # the views did not build the model's list
        assert _facts(views) == _facts(st.conditions)
        assert validity.condition_views(st) is views  # built once per statement


@pytest.mark.parametrize("folder", ["aws-managed-policies", "cloudformation", "raw-policies"])
@pytest.mark.corpus
def test_views_equal_statement_conditions_on_the_corpus(folder):
    checked = 0
    for path in sorted((CORPUS / folder).glob("**/*"))[:400]:
        if not path.is_file() or path.suffix not in (".json", ".yaml", ".yml", ".template"):
            continue
        for document in read_source(str(path), path.read_bytes()).documents:
            if not isinstance(document.value, dict):
                continue
            for st in Policy(document.value).statements:
                views = validity.condition_views(st)
                assert _facts(views) == _facts(st.conditions), path
                checked += len(views)
    assert checked > 0
