"""AWS published the 1,645 managed policies: they are valid identity policies.

A syntax, schema or structure finding on any of them is a false positive.
"""

from __future__ import annotations

from iamlint.api import lint_path
from iamlint.config import Config
from iamlint.sources import read_source

STRUCTURE = {"IAM001", "IAM002", "IAM003", "IAM005", "IAM007", "IAM008", "IAM009", "IAM011"}


def test_managed_policies_parse_classify_and_have_no_structure_findings(corpus, registry):
    files = sorted((corpus / "aws-managed-policies").glob("*.json"))
    assert len(files) == 1645
    config = Config(select=["IAM0"])
    bad = []
    for f in files:
        report = lint_path(str(f), config, registry)
        assert report.error is None, (f, report.error)
        assert report.documents == 1, f
        bad += [x for x in report.findings if x.rule in STRUCTURE or x.rule.startswith("IAM0")]
    assert bad == []


def test_managed_policies_are_identity_policies(corpus):
    for f in sorted((corpus / "aws-managed-policies").glob("*.json")):
        result = read_source(str(f), f.read_bytes())
        assert [d.kind for d in result.documents] == ["identity"], f
