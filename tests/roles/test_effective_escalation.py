"""IAM406: privilege escalation split over the policies of one principal (issue 18).

IAM208 judges one document at a time; IAM evaluates all of a principal's
policies together.  The fixtures split each method over two policies of a
role, a group, or a user and its group (CloudFormation and Terraform), and
hold the quiet cases next to them: one policy granting the whole method
(IAM208's), a scoped iam:PassRole, and a Deny in a third policy."""

from __future__ import annotations

import shutil
from pathlib import Path

from iamlint.api import default_registry, lint_bytes, merge_module_findings
from iamlint.config import Config

FIX = Path(__file__).parent / "fixtures" / "effective" / "escalation"


def _report(path: Path):
    report = lint_bytes(str(path), path.read_bytes(), Config(), default_registry())
    assert report.error is None, report.error
    return report


def _lint(path: Path):
    return _report(path).findings


def _lint_module(module: Path):
    """Every file of the module named, each finding once (as the CLI runs them)."""
    reports = [_report(path) for path in sorted(module.glob("*.tf"))]
    merge_module_findings(reports)
    return [f for r in reports for f in r.findings]


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _by_owner(findings, rule: str = "IAM406") -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        if f.rule == rule:
            out.setdefault(f.owner, []).append(f)
    return out


def _related_lines(finding) -> list[int]:
    return sorted(r.span.line for r in finding.related)


# -- CloudFormation --------------------------------------------------------------------


def test_cloudformation_split_methods_are_reported_once_per_principal():
    path = FIX / "template.yaml"
    findings = _lint(path)
    hits = _by_owner(findings)
    assert sorted(hits) == ["Builder", "DataEngineers", "LaunchRole", "StackRole", "TrustRole"]
    assert all(len(v) == 1 and v[0].severity == "error" for v in hits.values())
    # quiet: one policy holds the whole method (IAM208 reports it there), a
    # scoped PassRole, a Deny in a third policy, a member of an escalating group,
    # a permissions boundary allowing neither action
    for quiet in ("OnePolicyRole", "ScopedRole", "DeniedRole", "Analyst", "BoundedRole"):
        assert quiet not in hits
    assert [f.owner for f in findings if f.rule == "IAM208"] == ["OnePolicyRole"]


def test_cloudformation_passrole_and_run_instances_name_both_statements():
    path = FIX / "template.yaml"
    (launch,) = _by_owner(_lint(path))["LaunchRole"]
    assert launch.line == _line(path, "LaunchRole:") + 1  # the resource, as IAM405 reports users
    assert "passrole-ec2: iam:PassRole (policy `pass`, Statement[0]) + ec2:RunInstances (policy `launch`," in (
        launch.message
    )
    assert "statement 'Launch'" in launch.message
    lines = path.read_text().splitlines()
    assert _related_lines(launch) == [_line(path, "Action: iam:PassRole"), _line(path, '"ec2:RunInstances"')]
    assert '"ec2:RunInstances"' in lines[launch.related[1].span.line - 1]
    assert [r.message for r in launch.related] == [
        "policy `pass`, Statement[0] grants iam:PassRole",
        "policy `launch`, statement 'Launch' grants ec2:RunInstances",
    ]


def test_cloudformation_customer_managed_policy_and_wildcards_combine():
    (stack,) = _by_owner(_lint(FIX / "template.yaml"))["StackRole"]
    assert "passrole-cloudformation" in stack.message
    assert "iam:PassRole (the policy of `PassAnyRole`" in stack.message  # through iam:Pass*
    assert "cloudformation:CreateStack (policy `stacks`" in stack.message


def test_cloudformation_update_assume_role_policy_with_assume_role():
    (trust,) = _by_owner(_lint(FIX / "template.yaml"))["TrustRole"]
    assert "iam-update-assume-role-policy: iam:UpdateAssumeRolePolicy (policy `trust-admin`" in trust.message
    assert "sts:AssumeRole (policy `assume`" in trust.message and len(trust.related) == 2


def test_cloudformation_group_and_user_with_group():
    hits = _by_owner(_lint(FIX / "template.yaml"))
    (group,) = hits["DataEngineers"]
    assert group.message.startswith("Group `DataEngineers` can escalate privileges")
    assert "passrole-glue-dev-endpoint" in group.message
    (user,) = hits["Builder"]
    assert user.message.startswith("User `Builder` can escalate privileges")
    assert "lambda:CreateFunction and lambda:InvokeFunction (policy `functions` (through group `Builders`)" in (
        user.message
    )


def test_iam405_sees_escalation_over_a_user_and_its_group():
    """Before issue 18, a user's own policies and its groups' were never combined."""
    findings = _lint(FIX / "template.yaml")
    iam405 = _by_owner(findings, "IAM405")
    assert "create and invoke a Lambda function" in iam405["Builder"][0].message
    # a group's own combination keeps its name in IAM405's message
    assert "through its policies together (through group `DataEngineers`)" in iam405["Analyst"][0].message


# -- Terraform ------------------------------------------------------------------------


def test_terraform_split_methods(tmp_path):
    module = tmp_path / "module"
    shutil.copytree(FIX / "module", module)
    hits = _by_owner(_lint_module(module))
    assert sorted(hits) == [
        "aws_iam_group.glue",
        "aws_iam_role.launcher",
        "aws_iam_role.trust_editor",
        "aws_iam_user.deployer",
    ]
    (launcher,) = hits["aws_iam_role.launcher"]
    assert launcher.line == _line(module / "roles.tf", 'resource "aws_iam_role" "launcher"')
    # the attached customer managed policy is in the other file of the module
    assert sorted((Path(r.file).name, r.span.line) for r in launcher.related) == [
        ("groups.tf", _line(module / "groups.tf", 'Action = "iam:PassRole"')),
        ("roles.tf", _line(module / "roles.tf", 'Action = "ec2:RunInstances"')),
    ]
    (editor,) = hits["aws_iam_role.trust_editor"]
    assert "data.aws_iam_policy_document.update_trust" in editor.message  # a policy document data source
    (deployer,) = hits["aws_iam_user.deployer"]
    assert "passrole-lambda-invoke" in deployer.message and "(through group `aws_iam_group.passers`)" in (
        deployer.message
    )
    assert len(deployer.related) == 3
    # the Deny in the third policy removes iam:PassRole
    assert "aws_iam_role.guarded" not in hits
