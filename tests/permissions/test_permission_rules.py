"""Over-privilege (IAM201-207), privilege escalation (IAM208) and public
resource policies (IAM501): the acceptance points of the permissions issue."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from iamlint.api import lint_path, lint_text
from iamlint.config import Config
from iamlint.knowledge import catalog

SELECT = Config(select=["IAM2", "IAM5"])


def lint(doc, kind=None):
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=2)
    return lint_text(text, config=SELECT, kind=kind)


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def rules(findings):
    return Counter(f.rule for f in findings)


# -- acceptance: managed policies -------------------------------------------------


@pytest.mark.parametrize(
    "name,rule,words",
    [
        ("AdministratorAccess", "IAM201", "administrator access"),
        ("PowerUserAccess", "IAM203", "every action of every service except iam:*, organizations:*, account:*"),
        ("IAMFullAccess", "IAM208", "Privilege escalation"),
        ("AmazonS3FullAccess", "IAM202", "(`s3:*`, `s3-object-lambda:*`) on `Resource: *`"),
    ],
)
def test_managed_policy_acceptance(corpus, registry, name, rule, words):
    report = lint_path(str(corpus / "aws-managed-policies" / f"{name}.json"), SELECT, registry)
    hits = [f for f in report.findings if f.rule == rule]
    assert hits and words in hits[0].message, report.findings


def test_managed_policy_corpus_has_no_errors_and_read_only_has_no_escalation(corpus, registry):
    counts = Counter()
    for f in sorted((corpus / "aws-managed-policies").glob("*.json")):
        report = lint_path(str(f), SELECT, registry)
        assert report.error is None, (f, report.error)
        counts.update(x.rule for x in report.findings)
        if f.stem in ("ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "AmazonS3ReadOnlyAccess"):
            assert not [x for x in report.findings if x.rule in ("IAM201", "IAM208")], f
    # administrator access: AdministratorAccess and AWSMcpServiceActionsFullAccess only
    assert counts["IAM201"] == 2
    assert counts["IAM203"] == 2  # PowerUserAccess, AIDevOpsAgentActionsPolicy
    assert counts["IAM208"] > 0 and counts["IAM501"] == 0


# -- privilege escalation ---------------------------------------------------------


def test_attach_wildcard_is_escalation():
    found = lint(policy({"Effect": "Allow", "Action": "iam:Attach*", "Resource": "*"}))
    (escalation,) = [f for f in found if f.rule == "IAM208"]  # one finding listing the methods
    methods = {item.partition(":")[0] for item in escalation.items}
    assert methods == {"iam-attach-user-policy", "iam-attach-group-policy", "iam-attach-role-policy"}


def test_split_lambda_passrole_is_reported_once_naming_both_statements():
    found = lint(
        policy(
            {
                "Sid": "Functions",
                "Effect": "Allow",
                "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": "*",
            },
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        )
    )
    hits = [f for f in found if f.rule == "IAM208" and "passrole-lambda-invoke" in f.message]
    assert len(hits) == 1
    msg = hits[0].message
    assert "'Functions'" in msg and "Statement[1]" in msg
    assert hits[0].pointer == "/Statement/0/Action/0"
    assert [r.pointer for r in hits[0].related] == ["/Statement/1/Action"]
    assert sum(f.rule == "IAM208" for f in found) == 1


def test_escalation_through_not_action_and_removed_by_deny():
    found = lint(policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))
    assert any(f.rule == "IAM208" and "iam-create-policy-version" in f.message for f in found)
    found = lint(
        policy(
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        )
    )
    assert not [f for f in found if f.rule == "IAM208"]


def test_admin_is_not_also_reported_as_escalation():
    found = lint(policy({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    assert rules(found) == {"IAM201": 1}


# -- over-privilege ----------------------------------------------------------------

REGION_LOCK = {
    "Sid": "RegionLock",
    "Effect": "Deny",
    "NotAction": ["iam:*", "sts:*", "organizations:*", "cloudfront:*", "route53:*", "support:*"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
}


def test_region_lock_deny_gets_no_over_privilege_finding():
    assert lint(policy(REGION_LOCK)) == []


def test_region_lock_does_not_remove_the_allow_risk():
    found = lint(policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, REGION_LOCK))
    assert [(f.rule, f.severity) for f in found] == [("IAM201", "error")]


def test_unconditional_deny_lowers_admin():
    found = lint(
        policy(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
        )
    )
    admin = [f for f in found if f.rule == "IAM201"]
    assert [f.severity for f in admin] == ["warning"]
    assert "except what Statement[1] denies" in admin[0].message
    # no longer administrator, so escalation is evaluated, without the denied iam methods
    escalation = [f.message for f in found if f.rule == "IAM208"]
    assert escalation and not any("(iam-" in m for m in escalation)
    assert any("lambda-update-function-code" in m for m in escalation)


def test_deny_statements_are_never_over_privilege():
    found = lint(
        policy(
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["s3:*", "iam:PassRole", "secretsmanager:GetSecretValue", "iam:Attach*"],
                "Resource": "*",
            },
            {"Effect": "Deny", "NotAction": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"},
        )
    )
    assert found == []


def test_service_wide_is_case_insensitive_and_skips_resource_scoped():
    found = lint(
        policy(
            {"Effect": "Allow", "Action": "S3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:1:q"},
        )
    )
    assert [(f.rule, f.pointer) for f in found] == [("IAM202", "/Statement/0/Action")]


def test_not_resource_and_pass_role_messages():
    found = lint(
        policy(
            {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::1:role/admin"},
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
        )
    )
    by = {(f.rule, f.pointer): f for f in found}
    assert "every resource except arn:aws:iam::1:role/admin" in by[("IAM204", "/Statement/0/NotResource")].message
    assert by[("IAM206", "/Statement/0/Action")].severity == "warning"
    assert "iam:PassedToService" in by[("IAM206", "/Statement/0/Action")].message
    limited = by[("IAM206", "/Statement/1/Action")]
    assert limited.severity == "info" and "ecs-tasks.amazonaws.com" in limited.message


def test_write_on_all_resources_uses_the_catalog():
    found = lint(
        policy(
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "ec2:DescribeInstances", "iam:PutRolePolicy"],
                "Resource": "*",
            }
        )
    )
    hit = [f for f in found if f.rule == "IAM205"]
    assert len(hit) == 1 and hit[0].severity == "warning"  # iam:PutRolePolicy is permissions management
    assert "iam:PutRolePolicy" in hit[0].message and "sqs:SendMessage" in hit[0].message
    assert "ec2:DescribeInstances" not in hit[0].message
    tagged = lint(
        policy(
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "orders"}},
            }
        )
    )
    assert not [f for f in tagged if f.rule == "IAM205"]


def test_credentials_exposure_one_finding_per_statement():
    found = lint(
        policy(
            {"Effect": "Allow", "Action": ["ssm:GetParameter*", "kms:Decrypt"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"}},
            },
        )
    )
    hits = [f for f in found if f.rule == "IAM207"]
    assert len(hits) == 1 and hits[0].pointer.startswith("/Statement/0/")
    assert "kms:Decrypt" in hits[0].message and "ssm:GetParameter" in hits[0].message


# -- resource policies -------------------------------------------------------------


def bucket(principal, condition=None, effect="Allow"):
    stmt = {"Effect": effect, "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    if condition:
        stmt["Condition"] = condition
    return policy(stmt)


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
def test_public_bucket(principal):
    found = lint(bucket(principal))
    assert [f.rule for f in found] == ["IAM501"]
    assert "public" in found[0].message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}},
        {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}},
        {"StringEquals": {"AWS:SourceAccount": "111122223333"}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    ],
)
def test_restricted_bucket_is_not_public(condition):
    assert lint(bucket("*", condition)) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
        {"StringLike": {"aws:SourceArn": "*"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
)
def test_weak_conditions_do_not_restrict(condition):
    assert [f.rule for f in lint(bucket("*", condition))] == ["IAM501"]


def test_named_principals_and_denies_are_not_public():
    assert lint(bucket({"AWS": "arn:aws:iam::111122223333:root"})) == []
    assert lint(bucket("*", effect="Deny")) == []
    assert lint(bucket({"Service": "cloudtrail.amazonaws.com"})) == []


def test_public_finding_points_at_the_principal():
    text = json.dumps(bucket("*"), indent=2)
    found = lint(text)
    assert found[0].pointer == "/Statement/0/Principal"
    line = text.splitlines()[found[0].span.line - 1]
    assert '"Principal": "*"' in line


# -- memoised per Action list / per pattern: a Deny of one document never leaks into another


def test_write_on_all_resources_memo_is_not_shared_across_denies():
    actions = ["iam:DeleteRole", "iam:PutRolePolicy", "s3:PutObject"]
    denied = lint(
        policy(
            {"Effect": "Allow", "Action": actions, "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PutRolePolicy", "Resource": "*"},
        )
    )
    plain = lint(policy({"Effect": "Allow", "Action": actions, "Resource": "*"}))
    again = lint(
        policy(
            {"Effect": "Allow", "Action": actions, "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PutRolePolicy", "Resource": "*"},
        )
    )

    def msg(found):
        return [f.message for f in found if f.rule == "IAM205"]

    assert msg(plain) == [
        "`Resource: *` applies 3 write and permissions-management actions "
        "(iam:PutRolePolicy, iam:DeleteRole, s3:PutObject) to every resource although they "
        "support resource-level permissions; name the ARNs they need"
    ]
    assert msg(denied) == msg(again) and len(msg(denied)) == 1
    assert msg(denied)[0].startswith("`Resource: *` applies 2 write actions (iam:DeleteRole, s3:PutObject)")


def test_service_wide_pointer_skips_non_string_values():
    found = lint(policy({"Effect": "Allow", "Action": [5, "s3:GetObject", "ec2:*"], "Resource": "*"}))
    hits = [f for f in found if f.rule == "IAM202"]
    assert [f.pointer for f in hits] == ["/Statement/0/Action/2"]
    single = [f for f in lint(policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})) if f.rule == "IAM202"]
    assert [f.pointer for f in single] == ["/Statement/0/Action"]


def test_access_facts_agree_with_action_info():
    checked = 0
    for service in [*catalog.services()[::7], "iam", "s3", "ec2", "kms", "secretsmanager"]:
        for full in sorted(catalog.expand(f"{service}:*")):
            info = catalog.action_info(full)
            assert catalog.access_facts(full.lower()) == (info.full, info.access_level, bool(info.resource_types))
            checked += 1
    assert checked > 1000
    assert catalog.access_facts("iam:nosuchaction") is None
    assert catalog.access_facts("nosuchservice:getthing") is None


def _expected_write_message(pattern: str) -> str | None:
    """IAM205's message for ``Action: pattern, Resource: *``, from catalog.expand and action_info."""
    pm, write = [], []
    for full in catalog.expand(pattern):
        info = catalog.action_info(full)
        if not info.resource_types:
            continue
        if "Permissions management" in info.access_level:
            pm.append(full)
        elif "Write" in info.access_level and "Tagging" not in info.access_level:
            write.append(full)
    found = sorted(pm) + sorted(write)
    if not found:
        return None
    kinds = "write and permissions-management" if pm and write else "permissions-management" if pm else "write"
    listing = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    return f"`Resource: *` applies {len(found)} {kinds} action{'s' if len(found) > 1 else ''} ({listing})"


@pytest.mark.parametrize(
    "pattern",
    [
        "ec2:describe*",
        "iam:c*",
        "s3:put*",
        "iam:createrole*",
        "ec2:zzz*",
        "nosuch:get*",
        "ec2:*instances",
        "s3:get?bject",
        "ec2:a:b*",
        "*:get*",
        "s3:p*",
        "IAM:Delete*",
        "kms:*",
    ],
)
def test_write_actions_of_a_pattern_are_its_catalog_expansion(pattern):
    """IAM205 names the resource-level write actions the pattern expands to (a
    ``service:Prefix*`` pattern is expanded without a regex); a service-wide
    pattern is IAM202's."""
    found = [f for f in lint(policy({"Effect": "Allow", "Action": pattern, "Resource": "*"})) if f.rule == "IAM205"]
    expected = None if pattern == "kms:*" else _expected_write_message(pattern)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].message.startswith(expected + " "), (found, expected)


def test_write_on_all_resources_a_not_resource_deny_confines_the_action():
    """IAM205 asks whether the action is still granted on *every* resource:
    a NotResource Deny confining it to one bucket takes it out of the finding
    (AmazonSecurityLakePermissionsBoundary), though it is granted somewhere."""
    found = lint(
        policy(
            {"Effect": "Allow", "Action": ["s3:PutObject", "sqs:SendMessage"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::lake*"},
        )
    )
    hit = [f.message for f in found if f.rule == "IAM205"]
    assert len(hit) == 1 and "sqs:SendMessage" in hit[0] and "s3:PutObject" not in hit[0]
