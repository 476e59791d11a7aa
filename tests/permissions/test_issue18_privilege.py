"""Issue 18, privilege rules: resource-aware actions and grouped findings.

Each test reads its own fixture under ``tests/fixtures/issue18_privilege``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from iamlint import resultcache
from iamlint.api import lint_text
from iamlint.config import Config
from iamlint.reporters import RunResult, sarif
from iamlint.reporters import json as json_reporter

FIXTURES = Path(__file__).parent.parent / "fixtures" / "issue18_privilege"
IAM2 = Config(select=["IAM2"])


def lint(name: str, config: Config = IAM2):
    return lint_text((FIXTURES / name).read_text(), path=name, config=config)


def rules(findings) -> Counter:
    return Counter(f.rule for f in findings)


# -- resource-aware: `*` on a specific resource is that resource's actions -------


def test_star_on_a_log_group_is_one_finding_about_logs():
    found = lint("star-on-log-group.json")
    assert [f.rule for f in found] == ["IAM202"], found
    (f,) = found
    assert f.pointer == "/Statement/0/Action"
    assert "every Amazon CloudWatch Logs action that can act on it" in f.message
    assert "effectively `logs:*` there" in f.message
    # and nothing of another service: no PassRole, credentials or escalation
    assert "iam:" not in f.message


def test_star_on_every_bucket_is_one_finding_about_s3():
    found = lint("star-on-buckets.json")
    assert rules(found) == Counter({"IAM202": 1}), found
    assert "effectively `s3:*` there" in found[0].message


def test_an_action_of_several_resources_counts_beside_its_required_one():
    # ssm:SendCommand on every instance escalates when a shell document is
    # allowed too (every request names a document; the instance is optional)
    found = [f for f in lint("send-command-split.json") if f.rule == "IAM208"]
    assert len(found) == 1 and "ssm-command-on-instance" in found[0].message
    assert found[0].pointer == "/Statement/0/Action"
    # without the document statement no request can be allowed
    doc = json.loads((FIXTURES / "send-command-split.json").read_text())
    del doc["Statement"][1]
    assert not [f for f in lint_text(json.dumps(doc), path="p.json", config=IAM2) if f.rule == "IAM208"]


def test_an_action_taking_only_star_is_not_granted_on_an_arn():
    # elasticmapreduce:RunJobFlow works only with "Resource": "*"
    assert not [f for f in lint("run-job-flow-on-clusters.json") if f.rule == "IAM208"]


# -- grouped findings: one per statement and rule ----------------------------------


def test_a_notaction_statement_yields_one_finding_per_rule():
    found = lint("notaction-everything.json")
    assert rules(found) == Counter({"IAM203": 1, "IAM206": 1, "IAM207": 1, "IAM208": 1}), found  # was 39
    (escalation,) = [f for f in found if f.rule == "IAM208"]
    assert len(escalation.items) == 36
    assert escalation.message.startswith("Privilege escalation by 36 methods (")
    assert all(": " in item for item in escalation.items)  # "method: action + action"
    assert escalation.pointer == "/Statement/0/NotAction"


def test_iam_star_yields_four_findings():
    found = lint("iam-star.json")
    assert rules(found) == Counter({"IAM202": 1, "IAM206": 1, "IAM207": 1, "IAM208": 1}), found  # was 16
    (escalation,) = [f for f in found if f.rule == "IAM208"]
    assert len(escalation.items) == 13


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def test_a_single_method_keeps_its_message_and_fingerprint():
    text = _doc({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"})
    (f,) = [f for f in lint_text(text, path="p.json", config=IAM2) if f.rule == "IAM208"]
    assert f.items == ()
    assert f.message == (
        "Privilege escalation (iam-create-access-key): iam:CreateAccessKey granted by Statement[0] let a "
        "principal create access keys for another user; remove or scope these actions"
    )
    # what iamlint gave before findings were grouped (main at cfd7c85): baselines keep matching
    assert f.fingerprint == "24fd8e24b3f22b2403c3bf4dfac4be2c"


def test_a_grouped_fingerprint_does_not_depend_on_the_list():
    first = {
        "Effect": "Allow",
        "Action": ["iam:PassRole", "iam:AttachUserPolicy", "iam:AttachRolePolicy"],
        "Resource": "*",
    }
    lambdas = {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}
    (two,) = [f for f in lint_text(_doc(first), path="p.json", config=IAM2) if f.rule == "IAM208"]
    (more,) = [f for f in lint_text(_doc(first, lambdas), path="p.json", config=IAM2) if f.rule == "IAM208"]
    assert len(more.items) > len(two.items) >= 2
    assert more.message != two.message
    assert more.fingerprint == two.fingerprint
    assert [r.pointer for r in more.related] == ["/Statement/1/Action/0"]


def test_json_and_sarif_keep_the_items():
    found = lint("iam-star.json")
    (escalation,) = [f for f in found if f.rule == "IAM208"]
    assert json_reporter.finding_dict(escalation)["items"] == list(escalation.items)
    single = next(f for f in found if f.rule == "IAM206")
    assert "items" not in json_reporter.finding_dict(single)
    (result,) = [r for r in json.loads(sarif.render(RunResult(findings=[escalation])))["runs"][0]["results"]]
    assert result["properties"]["items"] == list(escalation.items)


def test_the_result_cache_keeps_the_items():
    (escalation,) = [f for f in lint("iam-star.json") if f.rule == "IAM208"]
    back = resultcache._finding_from_json(json.loads(json.dumps(resultcache._finding_to_json(escalation))))
    assert back == escalation and back.items == escalation.items and back.related == escalation.related


# -- a statement no request meets grants nothing --------------------------------


def test_a_statement_whose_condition_is_never_true_escalates_nothing():
    """cloudsplaining's fp5 shape: ``DateLessThan aws:TokenIssueTime`` a date long
    past (no valid session was issued before it) -- IAM113 says so, and IAM208
    no longer counts the statement; the live statement beside it still does."""
    found = lint("escalation-never-applies.json", Config(select=["IAM208", "IAM113"]))
    assert rules(found) == Counter({"IAM113": 1, "IAM208": 1}), found
    (esc,) = [f for f in found if f.rule == "IAM208"]
    assert esc.pointer.startswith("/Statement/1/"), esc
    assert "CreatePolicyVersion" not in esc.message
