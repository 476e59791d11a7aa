"""Terraform HCL principals come from declarations and the one assemble step (issue 17, design).

The reader declares the module's principals and what the resources naming them
give them; :func:`iamlint.sources.assemble.assemble` links them, once per file
read, as it does for CloudFormation, plan JSON, account dumps and Serverless."""

from __future__ import annotations

import shutil
from pathlib import Path

from iamlint.api import default_registry, lint_bytes
from iamlint.config import Config
from iamlint.model.declarations import Principal
from iamlint.sources import serverless, terraform
from iamlint.sources.module import ModuleView

FIX = Path(__file__).parent / "fixtures" / "assembled"


def _copy(tmp_path: Path, sub: str) -> Path:
    dest = tmp_path / sub
    shutil.copytree(FIX / sub, dest)
    return dest


def _counting(monkeypatch, module) -> list[list]:
    """The declarations of each assemble call the reader ``module`` makes."""
    calls: list[list] = []
    original = module.assemble

    def counting(declarations, *args, **kwargs):
        decls = list(declarations)
        calls.append(decls)
        return original(decls, *args, **kwargs)

    monkeypatch.setattr(module, "assemble", counting)
    return calls


def test_terraform_module_principals_are_assembled_once_per_file(tmp_path, monkeypatch):
    """A role in role.tf with attachments in role.tf (by reference) and in
    attach.tf (by its literal IAM name), and a user with an access key in
    attach.tf: one assemble call per file read links them all, the sibling
    file's parts located in that file, the pointers as they always were."""
    module = _copy(tmp_path, "split")
    calls = _counting(monkeypatch, terraform)
    role_tf = module / "role.tf"
    view = ModuleView.from_disk(str(role_tf))
    result = terraform.read_module(str(role_tf), role_tf.read_text(), view)
    assert len(calls) == 2  # attach.tf and role.tf, each read once
    assert all(any(isinstance(d, Principal) for d in decls) for decls in calls)
    roles = {r.name: r for r in result.roles}
    deploy = roles["aws_iam_role.deploy"]
    # role.tf is read with itself first: its attachment is /attachments/0
    assert [(a.arn.rsplit("/", 1)[-1], a.pointer) for a in deploy.managed] == [
        ("ReadOnlyAccess", "/attachments/0"),
        ("AdministratorAccess", "/attachments/1"),
    ]
    assert deploy.managed[0].located_in is None
    assert deploy.managed[1].located_in is not None
    assert deploy.managed[1].located_in.file == str(module / "attach.tf")
    assert deploy.resource.value["attachments"] == [a.arn for a in deploy.managed]
    assert result.parts[id(deploy)] == {str(role_tf), str(module / "attach.tf")}
    ci = roles["aws_iam_user.ci"]
    assert [(k.name, k.pointer, k.document.file) for k in ci.access_keys] == [
        ("aws_iam_access_key.ci", "/access_keys/0", str(module / "attach.tf"))
    ]


def test_terraform_module_findings_land_in_the_file_writing_the_attachment(tmp_path):
    module = _copy(tmp_path, "split")
    attach = module / "attach.tf"
    findings = lint_bytes(str(attach), attach.read_bytes(), Config(), default_registry()).findings
    iam401 = [(Path(f.file).name, f.line, f.pointer) for f in findings if f.rule == "IAM401"]
    # AdministratorAccess where attach.tf writes it; ReadOnlyAccess (role.tf) is claimed by the named file
    assert sorted(iam401) == [("attach.tf", 3, "/attachments/1"), ("role.tf", 15, "/attachments/0")]


def test_terraform_resource_naming_a_principal_twice_applies_once(tmp_path):
    """``roles = [aws_iam_role.app.name, "app"]`` names one role twice and
    ``users = ["bob", "bob"]`` one external user twice: one attachment each."""
    module = _copy(tmp_path, "twice")
    main = module / "main.tf"
    result = terraform.read(str(main), main.read_text(), None)
    managed = {r.name: [a.pointer for a in r.managed] for r in result.roles}
    assert managed == {"aws_iam_role.app": ["/attachments/0"], "bob": ["/attachments/0"]}


def test_terraform_external_permission_set_named_only_by_ssoadmin_parts(tmp_path):
    """A file holding only an ``aws_ssoadmin_managed_policy_attachment`` whose
    ``permission_set_arn = var.permission_set_arn`` declares that external
    permission set: AdministratorAccess on it is reported (it was not: the
    file holding the first naming resource declares an external principal,
    and permission set parts did not count as naming)."""
    module = _copy(tmp_path, "sso-external")
    sso = module / "sso.tf"
    result = terraform.read(str(sso), sso.read_text(), None)
    assert [(r.name, r.principal_type, r.external) for r in result.roles] == [
        ("var.permission_set_arn", "permission_set", True)
    ]
    findings = lint_bytes(str(sso), sso.read_bytes(), Config(), default_registry()).findings
    assert sorted((f.rule, f.line) for f in findings if f.rule in ("IAM401", "IAM405")) == [
        ("IAM401", 4),
        ("IAM405", 3),
    ]


SERVERLESS = """\
service: app
provider:
  name: aws
  iam:
    role:
      statements:
        - Effect: Allow
          Action: s3:GetObject
          Resource: arn:aws:s3:::bucket/*
plugins:
  - serverless-iam-roles-per-function
functions:
  worker:
    handler: handler.worker
    iamRoleStatements:
      - Effect: Allow
        Action: sqs:SendMessage
        Resource: arn:aws:sqs:us-east-1:123456789012:queue
"""


def test_serverless_generated_roles_are_declared_and_assembled(tmp_path, monkeypatch):
    calls = _counting(monkeypatch, serverless)
    path = tmp_path / "serverless.yml"
    path.write_text(SERVERLESS)
    result = serverless.read(str(path), SERVERLESS, None)
    assert len(calls) == 1
    assert [(d.key, type(d).__name__) for d in calls[0]] == [
        ("IamRoleLambdaExecution", "Principal"),
        ("WorkerIamRoleLambdaExecution", "Principal"),
    ]
    assert [(r.name, len(r.inline)) for r in result.roles] == [
        ("IamRoleLambdaExecution", 1),
        ("WorkerIamRoleLambdaExecution", 1),
    ]
