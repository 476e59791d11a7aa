"""The bounded fuzz campaign (tests/robustness/fuzz_campaign.py) with a fixed
seed and a time budget of about a minute: no exception escapes the public API,
no input takes more than 5 s, no worker passes 500 MB.

IAMLINT_FUZZ_SECONDS changes the budget (0 skips the campaign); failing
inputs are saved under the pytest temporary directory and named in the
assertion, to be replayed with ``fuzz_campaign.py --replay FILE``."""

from __future__ import annotations

import os
import random

import fuzz_campaign  # tests/robustness is on sys.path (rootdir-relative imports)
import pytest

pytestmark = pytest.mark.slow


def test_mutations_are_deterministic_for_a_seed():
    seeds = [
        ("p.json", b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}'),
        ("t.tf", b'resource "aws_iam_policy" "p" {\n  policy = "{}"\n}\n'),
        ("c.yaml", b"Resources:\n  R:\n    Type: AWS::IAM::Role\n"),
    ]
    a = [fuzz_campaign.mutate(random.Random(3), seeds) for _ in range(50)]
    b = [fuzz_campaign.mutate(random.Random(3), seeds) for _ in range(50)]
    assert a == b
    assert any(data != dict(seeds)[name] for name, data, _ in a)


def test_the_campaign_reports_an_input_that_escapes():
    """The harness itself can fail: an exception in linting is a failure."""
    failures = fuzz_campaign.campaign(seed=1, seconds=60, max_inputs=3, log=lambda *a: None, lint="_planted_failure")
    assert len(failures) == 3 and "planted failure" in failures[0]["reason"]


def test_fuzz_campaign(tmp_path):
    seconds = float(os.environ.get("IAMLINT_FUZZ_SECONDS", "60"))
    if seconds <= 0:
        pytest.skip("IAMLINT_FUZZ_SECONDS=0")
    lines = []
    failures = fuzz_campaign.campaign(seed=14, seconds=seconds, save=str(tmp_path), log=lines.append)
    summary = "\n".join(
        f"{f['name']} {f['mutations']} ({f['seconds']} s): {f['reason'].strip().splitlines()[-1]}"
        for f in failures[:20]
    )
    assert not failures, f"{len(failures)} failing inputs saved in {tmp_path}:\n{summary}\n{lines[-1]}"
