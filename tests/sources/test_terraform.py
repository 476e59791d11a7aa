"""Terraform HCL and plan JSON sources: documents, kinds, positions, roles."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.api import lint_bytes, lint_text
from iamlint.cli import main
from iamlint.model.policy import Opaque
from iamlint.sources import read_source

FIX = Path(__file__).parent / "fixtures" / "tf"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "terraform"


def read(path: Path):
    return read_source(str(path), path.read_bytes())


def doc_of(result, owner: str, kind: str | None = None):
    docs = [d for d in result.documents if d.owner == owner and (kind is None or d.kind == kind)]
    assert docs, f"no document of {owner}: {[d.owner for d in result.documents]}"
    return docs[0]


def line_of(path: Path, needle: str, start: int = 1) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if n >= start and needle in line:
            return n
    raise AssertionError(needle)


def text_at(path: Path, span) -> str:
    lines = path.read_text().splitlines()
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


def rules_at(findings, rule: str) -> list[int]:
    return [f.line for f in findings if f.rule == rule]


# -- jsonencode + OIDC provider reference ------------------------------------


def test_jsonencode_trust_resolves_github_provider_and_locates_principal():
    path = FIX / "oidc.tf"
    result = read(path)
    trust = doc_of(result, "aws_iam_role.ci", "trust")
    assert trust.kind_source == "location"
    principal = trust.value["Statement"][0]["Principal"]
    assert principal == {"Federated": "arn:aws:iam::${AccountId}:oidc-provider/token.actions.githubusercontent.com"}
    principal_line = line_of(path, "Principal =")
    assert trust.locate("/Statement/0/Principal").line == principal_line
    assert (
        text_at(path, trust.locate("/Statement/0/Principal/Federated")) == "aws_iam_openid_connect_provider.github.arn"
    )
    assert text_at(path, trust.locate("/Statement/0/Principal", at_key=True)) == "Principal"
    assert text_at(path, trust.locate("/Statement/0/Action")) == '"sts:AssumeRoleWithWebIdentity"'
    [role] = result.roles
    assert role.trust is trust


def test_oidc_trust_without_sub_finding_is_at_principal_line():
    path = FIX / "oidc.tf"
    findings = lint_bytes(str(path), path.read_bytes()).findings
    assert rules_at(findings, "IAM306") == [line_of(path, "Principal =")]


# -- aws_iam_policy_document ------------------------------------------------


def test_policy_document_is_synthesized_and_located():
    path = FIX / "admin_document.tf"
    result = read(path)
    doc = doc_of(result, "data.aws_iam_policy_document.admin")
    assert doc.kind == "identity" and doc.kind_source == "location"  # used by aws_iam_policy.policy
    st0, st1 = doc.value["Statement"]
    assert st0 == {"Sid": "Everything", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}
    assert st1["Effect"] == "Deny"
    assert st1["Resource"] == ["arn:aws:s3:::logs/${aws:username}/*"]  # $${ escape
    assert st1["Condition"] == {"StringNotEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}
    assert doc.locate("/Statement/0/Action").line == line_of(path, 'actions   = ["*"]')
    assert text_at(path, doc.locate("/Statement/0/Action", at_key=True)) == "actions"
    assert text_at(path, doc.locate("/Statement/1/Action/1")) == '"s3:PutBucketPolicy"'
    assert text_at(path, doc.locate("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID")) == '["o-abc123"]'
    assert (
        text_at(path, doc.locate("/Statement/1/Condition/StringNotEquals/aws:PrincipalOrgID", at_key=True))
        == '"aws:PrincipalOrgID"'
    )
    # the reference in aws_iam_policy.admin is the same document, reported once
    assert sum(1 for d in result.documents if d.value == doc.value) == 1


def test_admin_policy_document_finding_at_actions_line():
    path = FIX / "admin_document.tf"
    findings = lint_bytes(str(path), path.read_bytes()).findings
    assert rules_at(findings, "IAM201") == [line_of(path, 'actions   = ["*"]')]


def test_principals_and_dynamic_blocks():
    text = """
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
    principals {
      type        = "AWS"
      identifiers = [var.other]
    }
  }
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
  dynamic "statement" {
    for_each = var.extra
    content {
      actions   = statement.value.actions
      resources = statement.value.resources
      dynamic "principals" {
        for_each = statement.value.principals
        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"""
    result = read_source("main.tf", text.encode())
    doc = doc_of(result, "data.aws_iam_policy_document.trust")
    assert doc.kind == "trust"
    s0, s1, s2 = doc.value["Statement"]
    assert s0["Principal"]["AWS"][0] == "arn:aws:iam::111122223333:root"
    assert isinstance(s0["Principal"]["AWS"][1], Opaque)
    assert doc.locate("/Statement/0/Principal/AWS/1").line == 11  # second principals block
    assert s1["Principal"] == "*"
    assert isinstance(s2["Action"], Opaque) and isinstance(s2["Condition"], Opaque)
    assert isinstance(s2["Principal"], Opaque)
    assert isinstance(s2["Resource"], Opaque) and "NotAction" not in s2
    findings = lint_text(text, "main.tf")
    assert not [f for f in findings if f.rule in ("IAM002", "IAM003", "IAM010")]


# -- heredocs -----------------------------------------------------------------


def test_heredoc_positions_escapes_and_interpolations():
    path = FIX / "heredoc.tf"
    result = read(path)
    trust = doc_of(result, "aws_iam_role.app", "trust")
    assert trust.value["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert text_at(path, trust.locate("/Statement/0/Principal/Service")) == '"ec2.amazonaws.com"'
    inline = doc_of(result, "aws_iam_role_policy.app")
    s0, s1 = inline.value["Statement"]
    assert s0["Resource"] == "arn:aws:s3:::${var.bucket}/${aws:username}/*"
    assert isinstance(s1["Action"], Opaque)
    # positions after a `$${` escape and an interpolation on the same line are exact
    assert text_at(path, inline.locate("/Statement/1/Resource")) == '"*"'
    assert text_at(path, inline.locate("/Statement/0/Resource")) == '"arn:aws:s3:::${var.bucket}/$${aws:username}/*"'
    [role] = result.roles
    assert role.inline == [inline]
    assert [a.arn for a in role.managed] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    span = role.resource.locate(role.managed[0].pointer)
    assert text_at(path, span) == '"arn:aws:iam::aws:policy/AdministratorAccess"'


def test_broken_heredoc_json_is_a_syntax_finding_in_the_file():
    path = FIX / "broken_heredoc.tf"
    findings = lint_bytes(str(path), path.read_bytes()).findings
    [finding] = [f for f in findings if f.rule == "IAM001"]
    assert (finding.line, finding.column) == (line_of(path, '"Resource": "*",'), 20)


def test_hcl_syntax_error_is_a_finding_not_a_traceback():
    path = FIX / "syntax_error.tf"
    report = lint_bytes(str(path), path.read_bytes())
    assert report.error is None
    assert [f.rule for f in report.findings] == ["IAM001"]
    assert "Terraform syntax error" in report.findings[0].message


@pytest.mark.parametrize(
    "text",
    [
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode(' + "[" * 3000 + "]" * 3000 + ")\n}\n",
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode({a = ' + "{b = " * 400 + "1" + "}" * 400 + "})\n}\n",
        'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n' + "[" * 5000 + "\nEOF\n}\n",
        'resource "aws_iam_policy" "p" {\n  policy = "${' * 50,
        'locals {\n  a = local.b\n  b = local.a\n}\nresource "aws_iam_policy" "p" {\n  policy = local.a\n}\n',
        "resource {{{",
        "",
    ],
)
def test_hostile_hcl_never_raises(text):
    report = lint_bytes("main.tf", text.encode())
    assert report.error is None or "nested too deeply" in report.error


# -- module: file(), templatefile(), sibling files, roles, lambda permission -----


def test_module_file_templatefile_siblings_and_roles():
    path = FIX / "module" / "main.tf"
    result = read(path)
    from_file = doc_of(result, "aws_iam_policy.from_file")
    assert from_file.file.endswith("module/policy.json") and from_file.meta["included_from"] == str(path)
    assert from_file.locate("/Statement/0/Action").line == 6  # in policy.json
    tpl = doc_of(result, "aws_iam_policy.from_template")
    assert tpl.value["Statement"][0]["Resource"] == "arn:aws:s3:::my-bucket/*"
    assert tpl.locate("/Statement/0/Resource").line == 7
    # the trust document is written in policies.tf: used by the role, reported there
    assert not [d for d in result.documents if d.owner == "data.aws_iam_policy_document.assume"]
    [role] = result.roles
    assert role.trust.file.endswith("policies.tf") and role.trust.kind == "trust"
    assert [a.arn for a in role.managed] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::${AccountId}:policy/from-file",
    ]
    assert role.managed[1].document is from_file
    perm = doc_of(result, "aws_lambda_permission.public", "resource")
    assert perm.value["Statement"][0]["Principal"] == "*"
    assert perm.locate("/Statement/0/Principal").line == line_of(path, 'principal     = "*"')

    sibling = read(FIX / "module" / "policies.tf")
    assume = doc_of(sibling, "data.aws_iam_policy_document.assume")
    assert assume.kind == "trust" and assume.kind_source == "location"  # learnt from main.tf


# -- plan JSON ----------------------------------------------------------------


def test_plan_json_documents_roles_and_positions():
    path = FIX / "plan" / "plan.json"
    result = read(path)
    owners = sorted((d.owner, d.kind) for d in result.documents)
    assert owners == [
        ("aws_iam_role.open", "trust"),
        ("aws_s3_bucket_policy.b", "resource"),
        ("module.m.aws_iam_policy.admin", "identity"),
    ]
    trust = doc_of(result, "aws_iam_role.open")
    assert trust.locate("/Statement/0/Principal").line == line_of(path, '"assume_role_policy"')
    [role] = result.roles
    assert [a.arn for a in role.managed] == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/IAMFullAccess",
    ]
    assert role.resource.locate(role.managed[1].pointer).line == line_of(path, "IAMFullAccess")
    findings = lint_bytes(str(path), path.read_bytes()).findings
    assert rules_at(findings, "IAM001") == [line_of(path, '\\"Statement\\": [}')]


# -- the corpus ----------------------------------------------------------------


@pytest.mark.corpus
def test_terraform_corpus_reads_without_errors():
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".tf", ".json"))
    assert len(files) == 129
    documents = 0
    for path in files:
        result = read_source(str(path), path.read_bytes(), explicit=False)
        assert result.error is None, path
        for doc in result.documents:
            assert not doc.syntax_problems, (path, doc.owner, doc.syntax_problems)
        documents += len(result.documents)
    assert documents > 250


# -- access keys (IAM405), resource types, VPC endpoints, included files ----------


ACCESS_KEYS_TF = """\
resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}

resource "aws_iam_user" "named" {
  name = "named-user"
}

resource "aws_iam_access_key" "by_name" {
  user = "named-user"
}

resource "aws_iam_access_key" "elsewhere" {
  user = "legacy-ci"
}

resource "aws_iam_user" "quiet" {
  name = "quiet"
}

resource "aws_iam_access_key" "quiet" {
  user   = aws_iam_user.quiet.name
  status = "Inactive"
}
"""


def test_access_keys_are_recorded_on_their_users_and_reported_at_the_key(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(ACCESS_KEYS_TF)
    result = read(path)
    users = {r.name: r for r in result.roles}
    assert [k.name for k in users["aws_iam_user.deployer"].access_keys] == ["aws_iam_access_key.deployer"]
    assert [k.name for k in users["aws_iam_user.named"].access_keys] == ["aws_iam_access_key.by_name"]
    # a key of a user the module does not declare still belongs to a user
    assert [k.name for k in users["legacy-ci"].access_keys] == ["aws_iam_access_key.elsewhere"]
    assert "access_keys" not in users["aws_iam_user.quiet"].meta  # Inactive
    findings = [f for f in lint_bytes(str(path), path.read_bytes()).findings if f.rule == "IAM405"]
    assert sorted(f.line for f in findings) == [
        line_of(path, 'resource "aws_iam_access_key" "deployer"'),
        line_of(path, 'resource "aws_iam_access_key" "by_name"'),
        line_of(path, 'resource "aws_iam_access_key" "elsewhere"'),
    ]
    for f in findings:
        assert "long-term access key" in f.message
        assert "OIDC federation" in f.message and "instance profile" in f.message and "IAM Identity Center" in f.message


def test_access_key_in_a_sibling_file_is_reported_once_at_the_key(tmp_path):
    """As in one file: the user's IAM405 (a long-term key) is located at the key
    resource, in keys.tf, reported once by a walk and when keys.tf is named."""
    (tmp_path / "users.tf").write_text('resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n')
    (tmp_path / "keys.tf").write_text('resource "aws_iam_access_key" "ci" {\n  user = aws_iam_user.ci.name\n}\n')
    keys_tf = str(tmp_path / "keys.tf")
    users = lint_bytes(str(tmp_path / "users.tf"), (tmp_path / "users.tf").read_bytes(), explicit=False).findings
    walked = lint_bytes(keys_tf, (tmp_path / "keys.tf").read_bytes(), explicit=False).findings
    assert not [f for f in users if f.rule == "IAM405"]
    assert [(f.rule, f.file, f.line) for f in walked if f.rule == "IAM405"] == [("IAM405", keys_tf, 1)]
    named = lint_bytes(keys_tf, (tmp_path / "keys.tf").read_bytes()).findings
    assert [(f.rule, f.file, f.line) for f in named if f.rule == "IAM405"] == [("IAM405", keys_tf, 1)]


def test_every_document_names_its_resource_type():
    seen = set()
    for path in sorted(FIX.rglob("*.tf")):
        for doc in read(path).documents:
            if doc.value is None and doc.syntax_problems and not doc.owner:
                continue  # the file itself does not parse
            assert doc.meta.get("resource_type"), (path.name, doc.owner)
            seen.add(doc.meta["resource_type"])
    # data sources take the type of the resource using them (the admin document is an aws_iam_policy's);
    # a module argument's document is a module's (module_args/, issue 17)
    assert seen == {"aws_iam_policy", "aws_iam_role", "aws_iam_role_policy", "aws_lambda_permission", "module"}, seen


def test_resource_type_of_documents_and_roles(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text("""\
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
}

resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.bucket.json
}

resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_lambda_permission" "p" {
  function_name = "f"
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::b"
}
""")
    result = read(path)
    types = {d.owner: d.meta.get("resource_type") for d in result.documents}
    assert types == {
        "data.aws_iam_policy_document.bucket": "aws_s3_bucket_policy",
        "aws_iam_role.r": "aws_iam_role",
        "aws_lambda_permission.p": "aws_lambda_permission",
    }
    assert result.roles[0].resource.meta["resource_type"] == "aws_iam_role"


VPCE_TF = """\
resource "aws_vpc_endpoint" "s3" {
  vpc_id       = "vpc-123"
  service_name = "com.amazonaws.eu-west-1.s3"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject", "s3:PutObject"]
      Resource  = "arn:aws:s3:::my-bucket/*"
    }]
  })
}

data "aws_iam_policy_document" "endpoint" {
  statement {
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
  }
}

resource "aws_vpc_endpoint_policy" "sqs" {
  vpc_endpoint_id = "vpce-123"
  policy          = data.aws_iam_policy_document.endpoint.json
}
"""


def test_vpc_endpoint_policies_are_resource_documents_without_public_finding(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(VPCE_TF)
    result = read(path)
    kinds = {d.owner: (d.kind, d.meta.get("resource_type")) for d in result.documents}
    assert kinds == {
        "aws_vpc_endpoint.s3": ("resource", "aws_vpc_endpoint"),
        "data.aws_iam_policy_document.endpoint": ("resource", "aws_vpc_endpoint_policy"),
    }
    findings = lint_bytes(str(path), path.read_bytes()).findings
    assert not [f for f in findings if f.rule == "IAM501"], findings
    # the same statements in a bucket policy are public: IAM501 fires there
    bucket = tmp_path / "bucket" / "main.tf"
    bucket.parent.mkdir()
    bucket.write_text(
        VPCE_TF.replace('"aws_vpc_endpoint" "s3"', '"aws_s3_bucket_policy" "s3"').replace(
            '"aws_vpc_endpoint_policy" "sqs"', '"aws_sqs_queue_policy" "sqs"'
        )
    )
    public = [f for f in lint_bytes(str(bucket), bucket.read_bytes()).findings if f.rule == "IAM501"]
    assert len(public) == 2, public


def test_vpc_endpoint_policy_in_a_plan_is_a_resource_document(tmp_path):
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}],
    }
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_vpc_endpoint.s3",
                        "mode": "managed",
                        "type": "aws_vpc_endpoint",
                        "name": "s3",
                        "values": {"policy": json.dumps(policy)},
                    },
                    {
                        "address": "aws_iam_user.u",
                        "mode": "managed",
                        "type": "aws_iam_user",
                        "name": "u",
                        "values": {"name": "u"},
                    },
                    {
                        "address": "aws_iam_access_key.u",
                        "mode": "managed",
                        "type": "aws_iam_access_key",
                        "name": "u",
                        "values": {"user": "u", "status": "Active"},
                    },
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    result = read(path)
    [doc] = result.documents
    assert (doc.kind, doc.meta["resource_type"]) == ("resource", "aws_vpc_endpoint")
    [user] = result.roles
    assert [k.name for k in user.access_keys] == ["aws_iam_access_key.u"]
    findings = lint_bytes(str(path), path.read_bytes()).findings
    assert not [f for f in findings if f.rule == "IAM501"]
    [key] = [f for f in findings if f.rule == "IAM405"]
    assert key.line == line_of(path, '"address": "aws_iam_access_key.u"')


def test_included_policy_file_is_reported_once_in_a_directory_run(tmp_path):
    """main.tf reads policy.json with file(): a directory run lints both, and
    each finding is reported once (by main.tf, which knows the document's use)."""
    (tmp_path / "main.tf").write_text("""\
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = file("${path.module}/trust.json")
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = file("policy.json")
}
""")
    (tmp_path / "policy.json").write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow", "Action": "*", "Resource": "*"}\n  ]\n}\n'
    )
    (tmp_path / "trust.json").write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}\n  ]\n}\n'
    )

    def run(*args):
        result = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", *args])
        assert result.exit_code == 1, result.output
        return json.loads(result.output)

    def keys(data):
        return sorted((os.path.basename(f["file"]), f["line"], f["rule"]) for f in data["findings"])

    expected = [("policy.json", 4, "IAM201"), ("trust.json", 4, "IAM301")]
    directory = run(str(tmp_path))
    assert keys(directory) == expected, keys(directory)
    # the findings come from main.tf's reading: they name the Terraform resources
    assert {f.get("owner") for f in directory["findings"]} == {"aws_iam_policy.app", "aws_iam_role.app"}
    # both files named (pre-commit with both changed): the same, once
    assert keys(run(str(tmp_path / "main.tf"), str(tmp_path / "policy.json"), str(tmp_path / "trust.json"))) == expected
    # each on its own still reports them
    assert keys(run(str(tmp_path / "main.tf"))) == expected
    assert keys(run(str(tmp_path / "policy.json"))) == [("policy.json", 4, "IAM201")]


@pytest.mark.parametrize("rtype", ['{"Ref": "x"}', '["aws_ssoadmin_managed_policy_attachment"]', "null", "7"])
def test_plan_configuration_resource_type_of_any_shape_reads(rtype):
    """A plan's ``configuration`` resource whose ``type`` is not a string (found
    by the fuzz campaign: it raised TypeError in the permission-set linking)."""
    text = (
        '{"format_version": "1.2", "planned_values": 1, "configuration": {"root_module": {"resources": '
        f'[{{"address": "a.b", "type": {rtype}, "expressions": {{"permission_set_arn": '
        '{"references": ["aws_ssoadmin_permission_set.admin"]}}}]}}}'
    )
    read_source("plan.json", text.encode())  # no exception
