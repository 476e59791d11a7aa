"""Document kinds ``boundary`` and ``rcp`` (issue 17): where they come from in
each source, and which rules apply to them.

A permissions boundary is an allow-list that limits, not a grant: the grant
rules (IAM2xx but IAM209) do not apply to it, IAM209 reports one that limits
nothing. A resource control policy has its own schema (``Principal`` must be
``"*"``, no ``NotPrincipal`` / ``NotAction``) and IAM015 (an Allow is valid
only as in RCPFullAWSAccess); IAM501 does not apply to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.api import lint_bytes
from iamlint.cli import main
from iamlint.configfile import config_from_dict
from iamlint.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures" / "kinds"
GRANT_RULES = {"IAM201", "IAM202", "IAM203", "IAM204", "IAM205", "IAM206", "IAM207", "IAM208"}


def _read(name: str) -> tuple[str, bytes]:
    path = FIXTURES / name
    return str(path), path.read_bytes()


def _positions(findings) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.span.line, f.span.column) for f in findings)


def _kinds(name: str, kind: str | None = None) -> dict[str, str]:
    path, data = _read(name)
    return {d.owner or "": d.kind for d in read_source(path, data, kind=kind).documents}


# --- raw JSON ------------------------------------------------------------------


def test_raw_boundary_star_on_star_is_iam209_not_iam201() -> None:
    path, data = _read("boundary-everything.json")
    assert _positions(lint_bytes(path, data, kind="boundary").findings) == [("IAM209", 7, 17)]
    # the same file read as what its content says, a permission policy, grants administrator access
    assert _positions(lint_bytes(path, data).findings) == [("IAM201", 7, 17)]


def test_config_kinds_make_a_file_a_boundary() -> None:
    path, data = _read("boundary-everything.json")
    config = config_from_dict({"kinds": {"boundary-*.json": "boundary"}})
    assert _positions(lint_bytes(path, data, config).findings) == [("IAM209", 7, 17)]


@pytest.mark.parametrize("kind", ["scp", "rcp"])
def test_rcp_full_aws_access_has_no_finding(kind: str) -> None:
    path, data = _read("rcp-full-aws-access.json")
    assert _kinds("rcp-full-aws-access.json", kind) == {"": "rcp"}
    assert lint_bytes(path, data, kind=kind).findings == []


def test_scp_option_reads_a_document_with_principal_as_rcp() -> None:
    path, data = _read("rcp-invalid.json")
    assert _kinds("rcp-invalid.json", "scp") == {"": "rcp"}
    findings = lint_bytes(path, data, kind="scp").findings
    assert _positions(findings) == [
        ("IAM003", 7, 20),  # Principal {"AWS": ...}: at the value
        ("IAM003", 14, 7),  # NotPrincipal: at the key
        ("IAM003", 15, 7),  # NotAction: at the key
        ("IAM015", 6, 17),  # the Allow of GrantReports: at "Allow"
    ]
    iam015 = next(f for f in findings if f.rule == "IAM015")
    assert '`Principal` other than "*", `Action` other than "*", `Resource` other than "*"' in iam015.message
    assert not {"IAM501"} & {f.rule for f in findings}


def test_scp_option_keeps_an_scp_without_principal() -> None:
    data = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*"}]}).encode()
    assert [d.kind for d in read_source("scp.json", data, kind="scp").documents] == ["scp"]


def test_cli_kind_accepts_boundary_and_rcp(tmp_path: Path) -> None:
    target = tmp_path / "boundary.json"
    target.write_bytes((FIXTURES / "boundary-everything.json").read_bytes())
    result = CliRunner().invoke(
        main, ["check", "--no-cache", "--format", "json", "--kind", "boundary", "--fail-on", "never", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(result.output)["findings"]] == [("IAM209", 7, 17)]
    rcp = CliRunner().invoke(main, ["check", "--no-cache", "--kind", "rcp", str(FIXTURES / "rcp-full-aws-access.json")])
    assert rcp.exit_code == 0, rcp.output


# --- Terraform ---------------------------------------------------------------------


def test_terraform_kinds_come_from_where_policies_are_used() -> None:
    assert _kinds("tf/main.tf") == {
        "data.aws_iam_policy_document.boundary": "boundary",  # used only by the boundary policy
        "aws_iam_policy.shared": "identity",  # a boundary and attached: it grants
        "aws_iam_role.app": "trust",
        "aws_organizations_policy.full_access": "rcp",
        "aws_organizations_policy.perimeter": "rcp",
        "aws_organizations_policy.guardrails": "scp",  # type defaults to SERVICE_CONTROL_POLICY
    }  # the TAG_POLICY is not IAM: not read


def test_terraform_findings_of_boundaries_and_rcps() -> None:
    path, data = _read("tf/main.tf")
    findings = lint_bytes(path, data).findings
    assert _positions(findings) == [
        ("IAM015", 55, 19),  # rcp-perimeter's Effect = "Allow"
        ("IAM201", 17, 47),  # aws_iam_policy.shared, attached to ops as well
        ("IAM209", 3, 18),  # the boundary's actions = ["*"]
        ("IAM405", 30, 1),  # ops holds admin through the attachment; its boundary is the same policy
    ]


def test_terraform_boundary_used_by_a_sibling_file(tmp_path: Path) -> None:
    (tmp_path / "policy.tf").write_text(
        'resource "aws_iam_policy" "b" {\n'
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]\n'
        "  })\n"
        "}\n"
    )
    (tmp_path / "user.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n  permissions_boundary = aws_iam_policy.b.arn\n}\n'
    )
    path = tmp_path / "policy.tf"
    assert _positions(lint_bytes(str(path), path.read_bytes()).findings) == [("IAM209", 4, 47)]


def test_terraform_plan_resource_control_policy_is_rcp() -> None:
    content = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    )
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": f"aws_organizations_policy.{name}",
                        "mode": "managed",
                        "type": "aws_organizations_policy",
                        "name": name,
                        "values": {"name": name, "type": ptype, "content": content},
                    }
                    for name, ptype in (("rcp", "RESOURCE_CONTROL_POLICY"), ("tags", "TAG_POLICY"))
                ]
            }
        },
    }
    report = lint_bytes("plan.json", json.dumps(plan, indent=2).encode())
    assert [(d.owner, d.kind) for d in read_source("plan.json", json.dumps(plan).encode()).documents] == [
        ("aws_organizations_policy.rcp", "rcp")
    ]
    assert report.findings == []


# --- CloudFormation ------------------------------------------------------------------


def test_cloudformation_kinds() -> None:
    assert _kinds("cfn/template.yaml") == {
        "AppRole": "trust",
        "OpsRole": "trust",
        "AppBoundary": "boundary",  # only the PermissionsBoundary of AppRole names it
        "SharedPolicy": "identity",  # OpsRole's boundary and in its ManagedPolicyArns
        "FullAccess": "rcp",
        "Perimeter": "rcp",  # Content as a JSON string
        "Guardrails": "scp",
    }  # Tags (TAG_POLICY) is not IAM: not read


def test_cloudformation_findings_of_boundaries_and_organizations_policies() -> None:
    path, data = _read("cfn/template.yaml")
    findings = lint_bytes(path, data).findings
    assert _positions(findings) == [
        ("IAM003", 62, 16),  # NotAction in Perimeter: at the Content string
        ("IAM003", 72, 13),  # Principal in the SCP Guardrails: at its key
        ("IAM201", 19, 21),  # SharedPolicy grants
        ("IAM209", 10, 21),  # AppBoundary limits nothing
    ]
    assert not {"IAM501"} & {f.rule for f in findings}  # RCPFullAWSAccess is not a public resource


def test_cloudformation_json_string_content_and_template_json() -> None:
    template = {
        "Resources": {
            "Rcp": {
                "Type": "AWS::Organizations::Policy",
                "Properties": {
                    "Name": "rcp",
                    "Type": "RESOURCE_CONTROL_POLICY",
                    "Content": json.dumps(
                        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]}
                    ),
                },
            }
        }
    }
    text = json.dumps(template, indent=2)
    findings = lint_bytes("template.json", text.encode()).findings
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"Content"' in t)
    assert [(f.rule, f.span.line) for f in findings] == [("IAM015", line)]
    assert "no `Resource`" in findings[0].message


# --- account dumps ---------------------------------------------------------------------


def test_account_dump_kinds() -> None:
    assert _kinds("dump/authorization-details.json") == {
        "role/app": "trust",
        "policy/app-boundary": "boundary",
        "policy/shared": "identity",  # ops's boundary and attached to ops
        "policy/unused-boundary": "identity",  # attached to nobody, a boundary of nobody
    }


def test_account_dump_findings() -> None:
    path, data = _read("dump/authorization-details.json")
    findings = lint_bytes(path, data).findings
    assert _positions(findings) == [
        ("IAM201", 75, 57),
        ("IAM202", 95, 57),
        ("IAM209", 55, 57),
        ("IAM405", 5, 19),
    ]
    boundary = next(f for f in findings if f.rule == "IAM209")
    assert not GRANT_RULES & {f.rule for f in findings if f.span.line == boundary.span.line}


def _plan(*resources: tuple[str, str, dict]) -> bytes:
    items = [
        {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name, "values": values}
        for rtype, name, values in resources
    ]
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": items}}}).encode()


def test_terraform_plan_policy_used_only_as_a_boundary_is_boundary() -> None:
    everything = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    arn = "arn:aws:iam::111122223333:policy/{}"
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    data = _plan(
        ("aws_iam_policy", "boundary", {"name": "boundary", "arn": arn.format("boundary"), "policy": everything}),
        ("aws_iam_policy", "shared", {"name": "shared", "arn": arn.format("shared"), "policy": everything}),
        (
            "aws_iam_role",
            "app",
            {"name": "app", "assume_role_policy": trust, "permissions_boundary": arn.format("boundary")},
        ),
        ("aws_iam_user", "ops", {"name": "ops", "permissions_boundary": arn.format("shared")}),
        ("aws_iam_user_policy_attachment", "ops", {"user": "ops", "policy_arn": arn.format("shared")}),
    )
    kinds = {d.owner: d.kind for d in read_source("plan.json", data).documents}
    assert kinds == {
        "aws_iam_policy.boundary": "boundary",
        "aws_iam_policy.shared": "identity",
        "aws_iam_role.app": "trust",
    }
    rules = sorted(f.rule for f in lint_bytes("plan.json", data).findings)
    assert rules == ["IAM201", "IAM209", "IAM405"]
