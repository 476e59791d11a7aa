"""Principals an input names but does not declare (issue 17): external principals.

Terraform ``role = var.role_name``, ``user = "bob"``, ``data.aws_iam_role.x.name``, an ARN;
CloudFormation ``Roles: [!Ref ExistingRoleName]``, ``Users: [bob]``, ``!ImportValue``.
Attachment-level rules (IAM401-IAM403) report at the attachment's ARN; IAM404 cannot see a
trust and stays silent; IAM405 reports an external user's power as a lower bound, where the
user is first named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from iamlint.api import default_registry, lint_bytes
from iamlint.config import Config
from iamlint.sources import read_source

FIX = Path(__file__).parent / "fixtures" / "external"


def _copy(tmp_path: Path, sub: str) -> Path:
    """The fixture directory in a fresh place (a module is its directory)."""
    dest = tmp_path / sub
    shutil.copytree(FIX / sub, dest)
    return dest


def _lint(path: Path):
    report = lint_bytes(str(path), path.read_bytes(), Config(), default_registry())
    assert report.error is None, report.error
    return report.findings


def _roles(path: Path):
    result = read_source(str(path), path.read_bytes())
    assert result.error is None, result.error
    return result.roles


def _iam4(findings) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.line, f.column) for f in findings if f.rule.startswith("IAM4"))


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# -- Terraform: attachments to undeclared principals --------------------------------


def test_terraform_attachment_rules_fire_at_the_arn(tmp_path):
    path = _copy(tmp_path, "module") / "attachments.tf"
    findings = _lint(path)
    assert _iam4(findings) == [
        ("IAM401", 11, 16),  # AdministratorAccess on var.role_name
        ("IAM401", 21, 16),  # AWSLambdaReadOnlyAccess on data.aws_iam_role.existing.name (info)
        ("IAM401", 26, 16),  # AdministratorAccess on user "bob"
        ("IAM401", 31, 16),  # IAMFullAccess on group "ops"
        ("IAM401", 38, 16),  # AmazonS3FullAccess on the role ARN ...
        ("IAM401", 38, 16),  # ... and on user "carol" (aws_iam_policy_attachment)
        ("IAM402", 16, 16),  # the misspelt ARN
        ("IAM403", 21, 16),  # deprecated
        ("IAM405", 25, 16),  # bob, at `"bob"`
        ("IAM405", 37, 17),  # carol, at `"carol"` in users = [...]
        ("IAM405", 42, 12),  # dave: a member of the external group "ops"
    ]
    typo = next(f for f in findings if f.rule == "IAM402")
    assert "`arn:aws:iam::aws:policy/AdminstratorAccess` is not an AWS managed policy" in typo.message
    assert "did you mean `arn:aws:iam::aws:policy/AdministratorAccess`" in typo.message
    assert typo.owner == "var.role_name"
    admin = next(f for f in findings if f.rule == "IAM401" and f.line == 11)
    assert "grants role `var.role_name` administrator access" in admin.message
    assert any("role `data.aws_iam_role.existing.name`" in f.message for f in findings if f.rule == "IAM401")
    assert any("role `arn:aws:iam::123456789012:role/legacy`" in f.message for f in findings)
    bob = next(f for f in findings if f.rule == "IAM405" and f.line == 25)
    assert bob.message.startswith("IAM user `bob` (not declared here) can hold long-term access keys")
    assert "holds administrator access through AWS managed policy `AdministratorAccess`" in bob.message
    assert "(at least: it may hold more where it is declared)" in bob.message
    dave = next(f for f in findings if f.rule == "IAM405" and f.line == 42)
    assert "AWS managed policy `IAMFullAccess` (through group `ops`)" in dave.message
    # no trust, so no IAM404 on the external roles
    assert not [f for f in findings if f.rule == "IAM404"]


def test_terraform_external_principals_in_the_model(tmp_path):
    path = _copy(tmp_path, "module") / "attachments.tf"
    roles = {(r.principal_type, r.name): r for r in _roles(path)}
    assert set(roles) == {
        ("role", "var.role_name"),
        ("role", "data.aws_iam_role.existing.name"),
        ("role", "arn:aws:iam::123456789012:role/legacy"),
        ("user", "bob"),
        ("user", "carol"),
        ("user", "dave"),
        ("group", "ops"),
    }
    assert all(r.external for r in roles.values())
    # two attachments naming var.role_name join one principal
    joined = roles[("role", "var.role_name")]
    assert [a.arn for a in joined.managed] == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AdminstratorAccess",
    ]
    assert joined.trust is None
    assert joined.resource.locate(joined.managed[1].pointer).line == 16
    assert roles[("user", "dave")].member_of == [roles[("group", "ops")]]


def test_terraform_escalation_over_an_external_users_policies(tmp_path):
    """ec2:RunInstances inline and iam:PassRole in an attached customer managed policy,
    both naming user "erin": combined on one external principal."""
    path = _copy(tmp_path, "module") / "escalation.tf"
    findings = [f for f in _lint(path) if f.rule == "IAM405"]
    assert [(f.line, f.column) for f in findings] == [(_line(path, 'user = "erin"'), 10)]
    assert "can escalate privileges (launch an EC2 instance" in findings[0].message
    assert "through its policies together" in findings[0].message
    (erin,) = _roles(path)
    assert erin.external and erin.name == "erin"
    assert len(erin.inline) == 1 and len(erin.managed) == 1 and erin.managed[0].document is not None


def test_terraform_module_principals_iteration_and_unknowns_make_no_noise(tmp_path):
    path = _copy(tmp_path, "module") / "quiet.tf"
    findings = _lint(path)
    # splat, try() and the literal name all name the module's own role (never
    # external): one finding at each of the three attachments, all on that role
    assert _iam4(findings) == [
        ("IAM401", 10, 16),
        ("IAM401", 15, 16),
        ("IAM401", 20, 16),
        ("IAM401", 38, 16),  # for_each: role = each.value, a principal of its block
        ("IAM401", 44, 16),  # count: role = var.roles[count.index]
        ("IAM401", 60, 16),  # local.elsewhere (local.maybe_own may be the module's role: left out)
    ]
    for line in (10, 15, 20):
        declared = next(f for f in findings if f.line == line)
        assert "role `aws_iam_role.this`" in declared.message
    names = sorted((r.name, r.external) for r in _roles(path))
    assert names == [
        ("aws_iam_role.this", False),
        ("each.value", True),
        ("local.elsewhere", True),
        ("var.other_role", True),  # an unknown ARN: no finding
        ("var.roles[count.index]", True),
    ]


def test_terraform_iteration_targets_do_not_join_across_blocks(tmp_path):
    text = "".join(
        f'resource "aws_iam_role_policy_attachment" "{n}" {{\n'
        f'  for_each   = toset(["a"])\n  role       = each.value\n  policy_arn = "{arn}"\n}}\n'
        for n, arn in (("x", "arn:aws:iam::aws:policy/ReadOnlyAccess"), ("y", "arn:aws:iam::aws:policy/IAMFullAccess"))
    )
    path = tmp_path / "main.tf"
    path.write_text(text)
    roles = _roles(path)
    assert [(r.name, len(r.managed)) for r in roles] == [("each.value", 1), ("each.value", 1)]


def test_terraform_external_principal_joins_over_sibling_files_and_is_emitted_once(tmp_path):
    mod = _copy(tmp_path, "split")
    a, b = mod / "a.tf", mod / "b.tf"
    roles_a, roles_b = _roles(a), _roles(b)
    # var.role_name is named first (by file) in a.tf: a.tf declares it, with b.tf's attachment too
    assert [(r.name, len(r.managed)) for r in roles_a] == [("var.role_name", 2)]
    # the key and the attachment of user "ci" join one user, declared in b.tf
    assert [(r.name, r.principal_type) for r in roles_b] == [("ci", "user")]
    (ci,) = roles_b
    assert [k.name for k in ci.access_keys] == ["aws_iam_access_key.ci"]
    findings_b = _lint(b)
    # b.tf named alone also reports the findings of var.role_name, declared in
    # a.tf, of which b.tf declares a part (an attachment): the module is the unit
    assert sorted((Path(f.file).name, f.rule, f.line, f.column) for f in findings_b if f.rule.startswith("IAM4")) == [
        ("a.tf", "IAM401", 3, 16),
        ("b.tf", "IAM401", 3, 16),
        ("b.tf", "IAM405", 2, 16),
    ]
    iam405 = next(f for f in findings_b if f.rule == "IAM405")
    assert "has an access key declared and holds administrator access" in iam405.message
    assert _iam4(_lint(a)) == [("IAM401", 3, 16)]


def test_terraform_access_key_alone_is_still_reported_at_the_key(tmp_path):
    path = tmp_path / "keys.tf"
    path.write_text('resource "aws_iam_access_key" "ci" {\n  user = var.ci_user\n}\n')
    findings = [f for f in _lint(path) if f.rule == "IAM405"]
    assert [(f.line, f.column) for f in findings] == [(1, 1)]
    assert "IAM user `var.ci_user` has a long-term access key declared (aws_iam_access_key.ci)" in findings[0].message


@pytest.mark.parametrize(
    "target",
    ["", "role = 42", "role = [for r in var.roles : r]", "role = {}", "role = var.a ? var.b : var.c"],
)
def test_terraform_odd_targets_do_not_crash(tmp_path, target):
    path = tmp_path / "main.tf"
    path.write_text(
        f'resource "aws_iam_role_policy_attachment" "x" {{\n  {target}\n'
        '  policy_arn = "arn:aws:iam::aws:policy/AdminstratorAccess"\n}\n'
    )
    findings = _lint(path)
    assert all(f.rule in ("IAM402", "IAM013") for f in findings), findings


# -- CloudFormation: policies naming undeclared principals ---------------------------


def test_cloudformation_policies_naming_undeclared_principals(tmp_path):
    path = tmp_path / "template.yaml"
    shutil.copy(FIX / "template.yaml", path)
    findings = _lint(path)
    assert _iam4(findings) == [
        ("IAM405", 11, 15),  # erin: PassRole + RunInstances over two policies, at `erin` of the first
        ("IAM405", 34, 17),  # bob: an AWS::IAM::UserPolicy with UserName: bob
        ("IAM405", 57, 11),  # the imported user added to the external group "ops"
        ("IAM406", 10, 15),  # the external role: PassRole + RunInstances over the same two policies
        ("IAM406", 11, 15),  # erin, likewise (issue 18)
    ]
    msgs = {f.line: f.message for f in findings if f.rule == "IAM405"}
    assert "IAM user `erin` (not declared here)" in msgs[11] and "through its policies together" in msgs[11]
    assert "holds administrator access through the policy of `BobPolicy`" in msgs[34]
    assert "IAM user `!ImportValue CarolUserName` (not declared here)" in msgs[57]
    assert "(through group `ops`)" in msgs[57]
    roles = {(r.principal_type, r.name): r for r in _roles(path)}
    assert set(roles) == {
        ("role", "App"),
        ("role", "!Ref ExistingRoleName"),
        ("user", "erin"),
        ("user", "bob"),
        ("user", "!ImportValue CarolUserName"),
        ("group", "ops"),
    }
    assert not roles[("role", "App")].external
    assert [r.external for k, r in roles.items() if k != ("role", "App")] == [True] * 5
    # both policies joined the external role; the declared role's policy stayed with it
    assert len(roles[("role", "!Ref ExistingRoleName")].inline) == 1
    assert len(roles[("role", "!Ref ExistingRoleName")].managed) == 1
    assert len(roles[("role", "App")].inline) == 1


def test_terraform_external_principals_read_each_resource_once(monkeypatch, tmp_path):
    """n attachments to one undeclared role and n to n undeclared users: each
    resource's targets are read once (the naming index), not once per principal."""
    from iamlint.sources import terraform  # noqa: PLC0415 (the reader's class, to count its calls)

    calls = []
    original = terraform.TerraformReader._targets

    def counting(self, attr, rtype):
        calls.append(rtype)
        return original(self, attr, rtype)

    monkeypatch.setattr(terraform.TerraformReader, "_targets", counting)
    n = 150
    text = "".join(
        f'resource "aws_iam_role_policy_attachment" "r{i}" {{\n  role       = var.role_name\n'
        f'  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}}\n'
        f'resource "aws_iam_user_policy_attachment" "u{i}" {{\n  user       = "user-{i}"\n'
        f'  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}}\n'
        for i in range(n)
    )
    path = tmp_path / "main.tf"
    path.write_text(text)
    roles = _roles(path)
    assert len(calls) <= 2 * n
    assert len(roles) == n + 1
    assert [len(r.managed) for r in roles if r.name == "var.role_name"] == [n]


# -- Terraform plan JSON: the same, with names the plan resolved ------------------------


def test_terraform_plan_attachments_to_undeclared_principals(tmp_path):
    path = tmp_path / "plan.json"
    shutil.copy(FIX / "plan.json", path)
    findings = _lint(path)
    assert _iam4(findings) == [
        ("IAM401", 13, 27),  # AdministratorAccess on role "existing-app", at its policy_arn
        ("IAM401", 34, 27),  # on the declared user "app" ...
        ("IAM401", 34, 27),  # ... and on the undeclared "bob" (one aws_iam_policy_attachment)
        ("IAM402", 23, 27),  # the misspelt ARN on the same external role
        ("IAM405", 33, 30),  # bob, at "bob" in users
        ("IAM405", 42, 21),  # the declared user
    ]
    roles = {(r.principal_type, r.name): r for r in _roles(path)}
    assert set(roles) == {("role", "existing-app"), ("user", "bob"), ("user", "aws_iam_user.app")}
    assert roles[("role", "existing-app")].external and len(roles[("role", "existing-app")].managed) == 2
    assert not roles[("user", "aws_iam_user.app")].external


def test_terraform_principal_named_by_the_expression_of_its_name_is_declared(tmp_path):
    """``name = var.role_name`` and ``role = var.role_name``: the module's role, linked, not external."""
    path = tmp_path / "main.tf"
    path.write_text(
        'resource "aws_iam_role" "this" {\n'
        "  name               = var.role_name\n"
        '  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
        'Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })\n'
        "}\n\n"
        'resource "aws_iam_role_policy_attachment" "admin" {\n'
        "  role       = var.role_name\n"
        '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n'
        "}\n"
    )
    (role,) = _roles(path)
    assert role.name == "aws_iam_role.this" and not role.external
    assert [a.arn for a in role.managed] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    findings = [f for f in _lint(path) if f.rule == "IAM401"]
    assert [(f.line, f.column) for f in findings] == [(8, 16)]
    assert "grants role `aws_iam_role.this` administrator access" in findings[0].message
