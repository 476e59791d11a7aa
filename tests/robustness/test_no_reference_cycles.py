"""Linting leaves no reference cycles behind: what a file's run builds is freed
by reference counting as soon as the run is over, without waiting for the
garbage collector (which then has less to scan in a batch run)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine.registry import Registry

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "iam:PassRole", "ec2:*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:NoSuchKey": "x"},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            },
            {
                "Effect": "Deny",
                "NotAction": "s3:*",
                "Resource": "arn:aws:s3:::bucket/*",
                "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
            },
        ],
    }
).encode()

#: the shipped example: roles, managed-policy attachments (resolved by the
#: reader's link closures) and a trust condition
TEMPLATE = Path(__file__).resolve().parents[2] / "examples" / "cloudformation" / "deploy-role.yaml"


def _cyclic_garbage(path: str, data: bytes) -> int:
    registry, config = Registry.load(), Config()
    report = lint_bytes(path, data, config, registry)  # warm-up: caches fill here
    assert report.findings
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            assert lint_bytes(path, data, config, registry).findings == report.findings
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()


def test_a_policy_with_conditions_leaves_no_cycles():
    assert _cyclic_garbage("policy.json", POLICY) == 0


def test_a_cloudformation_template_leaves_no_cycles():
    assert _cyclic_garbage(str(TEMPLATE), TEMPLATE.read_bytes()) == 0
