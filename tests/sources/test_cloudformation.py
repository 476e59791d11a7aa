"""CloudFormation / SAM reader: documents, kinds, roles, intrinsics, positions, detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.model.policy import Opaque
from iamlint.sources import read_source
from iamlint.sources.intrinsics import Resolver
from iamlint.sources.yamlpos import load

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"


def _read(name: str):
    path = FIXTURES / name
    return read_source(str(path), path.read_bytes(), explicit=False)


def _line_of(name: str, needle: str, occurrence: int = 1) -> int:
    lines = (FIXTURES / name).read_text().splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def _docs(result, owner: str):
    return [d for d in result.documents if d.owner == owner]


# --------------------------------------------------------------------------
# roles and attachments


@pytest.fixture(scope="module")
def roles_result():
    return _read("roles.yaml")


def test_sub_partition_managed_policy_is_administrator_access(roles_result):
    role = next(r for r in roles_result.roles if r.name == "AdminRole")
    first = role.managed[0]
    assert first.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert first.pointer == "/Properties/ManagedPolicyArns/0"
    span = role.resource.locate(first.pointer)
    assert span.line == _line_of("roles.yaml", "policy/AdministratorAccess")
    assert span.column == 11  # the `!Sub` tag


def test_role_assembly(roles_result):
    roles = {r.name: r for r in roles_result.roles}
    admin = roles["AdminRole"]
    assert admin.trust is not None and admin.trust.kind == "trust"
    assert admin.trust.value["Statement"][0]["Principal"]["Service"] == "ec2.amazonaws.com"
    assert [d.kind for d in admin.inline] == ["identity"]
    # !Ref of a ManagedPolicy of the same template resolves to its document
    local = admin.managed[1]
    assert isinstance(local.arn, Opaque) and local.document is not None
    assert local.document.owner == "LocalManaged"
    # !Ref of a parameter with a default
    assert admin.boundary.arn == "arn:aws:iam::123456789012:policy/boundary"
    assert admin.path == "/"
    github = roles["GithubRole"]
    # ManagedPolicy with Roles: [!Ref GithubRole] and AWS::IAM::Policy with Roles: attach to it
    assert [a.document.owner for a in github.managed] == ["LocalManaged"]
    assert [d.owner for d in github.inline] == ["AttachedInline"]
    linked = roles["LinkedRole"]
    assert linked.service_linked and linked.path.startswith("/aws-service-role/")
    function = roles["Function"]
    assert [a.arn for a in function.managed] == [
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ]
    assert function.managed[0].pointer == "/Properties/Policies/0"
    assert [d.kind for d in function.inline] == ["identity"]


def test_documents_kinds_owner_and_meta(roles_result):
    kinds = sorted((d.owner, d.kind) for d in roles_result.documents)
    assert kinds == [
        ("AdminRole", "identity"),
        ("AdminRole", "trust"),
        ("AttachedInline", "identity"),
        ("BucketPolicy", "resource"),
        ("Function", "identity"),
        ("GithubRole", "trust"),
        ("LocalManaged", "identity"),
        ("PublicInvoke", "resource"),
        ("ScopedInvoke", "resource"),
    ]  # the SAM policy template S3ReadPolicy is skipped quietly
    assert all(d.kind_source == "location" for d in roles_result.documents)
    admin_trust = next(d for d in _docs(roles_result, "AdminRole") if d.kind == "trust")
    assert admin_trust.meta["ignore"] == ["IAM201"]


def test_intrinsics_in_documents(roles_result):
    admin_inline = next(d for d in _docs(roles_result, "AdminRole") if d.kind == "identity")
    statements = admin_inline.value["Statement"]
    assert admin_inline.value["Version"] == "2012-10-17"  # unquoted YAML date stays text
    assert statements[0]["Resource"] == "arn:aws:s3:::prod-bucket/*"  # Sub with FindInMap variable
    assert isinstance(statements[1]["Resource"], Opaque)  # GetAtt
    github = next(d for d in _docs(roles_result, "GithubRole"))
    st = github.value["Statement"]
    assert st[0]["Principal"]["Federated"] == (
        "arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
    )
    assert st[1]["Principal"]["AWS"] == "arn:aws:iam::${TrustedAccount}:root"
    assert isinstance(st[1]["Condition"], Opaque)  # !If


def test_lambda_permission_is_a_located_resource_policy(roles_result):
    public = _docs(roles_result, "PublicInvoke")[0]
    statement = public.value["Statement"][0]
    assert statement["Principal"] == "*" and "Condition" not in statement
    assert public.locate("/Statement/0/Principal").line == _line_of("roles.yaml", 'Principal: "*"', 2)
    scoped = _docs(roles_result, "ScopedInvoke")[0]
    st = scoped.value["Statement"][0]
    assert st["Principal"] == {"Service": "s3.amazonaws.com"}
    assert set(st["Condition"]["ArnLike"]) == {"AWS:SourceArn"}
    assert scoped.locate("/Statement/0/Condition/ArnLike/AWS:SourceArn").line == _line_of(
        "roles.yaml", "SourceArn: !GetAtt Bucket.Arn"
    )
    assert scoped.locate("/Statement/0/Principal/Service").line == _line_of("roles.yaml", "Principal: s3.amazonaws.com")


def test_positions_inside_documents(roles_result):
    github = _docs(roles_result, "GithubRole")[0]
    assert github.locate("/Statement/0/Principal/Federated").line == _line_of("roles.yaml", "Federated: !Sub")
    assert github.locate("/Statement/1/Principal", at_key=True).line == _line_of("roles.yaml", "Principal:", 3)
    bucket = _docs(roles_result, "BucketPolicy")[0]
    span = bucket.locate("/Statement/0/Resource")
    assert (span.line, span.column) == (_line_of("roles.yaml", 'Resource: !Sub "${Bucket.Arn}/*"'), 23)


# --------------------------------------------------------------------------
# findings: positions and JSON/YAML equivalence


def _findings(name: str):
    path = FIXTURES / name
    return lint_bytes(str(path), path.read_bytes()).findings


def test_findings_point_at_the_lines_written():
    by_rule = {f.rule: f for f in _findings("findings.yaml")}
    assert by_rule["IAM007"].span.line == _line_of("findings.yaml", "- Sid: Same", 2)
    assert by_rule["IAM006"].span.line == _line_of("findings.yaml", 'Version: "2008-10-17"')
    assert by_rule["IAM006"].owner == "OldPolicy"
    assert by_rule["IAM004"].span.line == _line_of("findings.yaml", "AssumeRolePolicyDocument:") + 1
    json_by_rule = {f.rule: f for f in _findings("findings.json")}
    assert json_by_rule["IAM007"].span.line == _line_of("findings.json", '"Sid": "Same"', 2)


def _keys(findings):
    return sorted((f.rule, f.pointer, f.owner) for f in findings)


def test_json_and_yaml_fixture_give_the_same_findings():
    yaml_findings = _findings("findings.yaml")
    assert {f.rule for f in yaml_findings} >= {"IAM004", "IAM006", "IAM007"}
    assert _keys(yaml_findings) == _keys(_findings("findings.json"))


def test_json_and_yaml_corpus_pairs_are_equivalent(corpus):
    base = corpus / "cloudformation" / "aws-cloudformation-templates"
    pairs = sorted(p for p in base.glob("*.json") if p.with_suffix(".yaml").exists())
    assert len(pairs) >= 60
    for j in pairs:
        y, stem = j.with_suffix(".yaml"), j
        rj, ry = read_source(str(j), j.read_bytes()), read_source(str(y), y.read_bytes())
        docs_j = sorted((d.owner, d.kind, repr(d.value)) for d in rj.documents)
        docs_y = sorted((d.owner, d.kind, repr(d.value)) for d in ry.documents)
        assert docs_j == docs_y, stem.name
        assert _keys(lint_bytes(str(j), j.read_bytes()).findings) == _keys(
            lint_bytes(str(y), y.read_bytes()).findings
        ), stem.name


def test_whole_corpus_reads_without_parse_errors(corpus):
    files = sorted(p for p in (corpus / "cloudformation").rglob("*") if p.is_file())
    assert len(files) == 156
    documents = 0
    for path in files:
        result = read_source(str(path), path.read_bytes(), explicit=False)
        assert not result.skipped and result.error is None, path.name
        for doc in result.documents:
            assert not doc.syntax_problems, (path.name, doc.syntax_problems)
        documents += len(result.documents)
        report = lint_bytes(str(path), path.read_bytes(), explicit=False)
        assert not [f for f in report.findings if f.rule in ("IAM001", "IAM002")], path.name
    assert documents > 400


def test_duplicate_keys_in_a_yaml_policy_are_reported(tmp_path):
    text = (
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        "        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n"
        "            Action: s3:GetObject\n            Effect: Deny\n            Resource: '*'\n"
    )
    findings = lint_bytes("t.yaml", text.encode()).findings
    dup = [f for f in findings if f.rule == "IAM009"]
    assert dup and dup[0].span.line == 10 and dup[0].span.column == 13


# --------------------------------------------------------------------------
# intrinsics


def test_resolver():
    r = Resolver(
        {
            "Parameters": {
                "Env": {"Type": "String", "Default": "prod"},
                "Ids": {"Type": "CommaDelimitedList", "Default": "a,b"},
                "NoDefault": {"Type": "String"},
                "Empty": {"Type": "String", "Default": ""},
            },
            "Mappings": {"M": {"prod": {"Arn": "arn:aws:s3:::x"}}},
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        }
    )
    assert r.resolve({"Fn::Sub": "ec2.${AWS::URLSuffix}"}) == "ec2.amazonaws.com"
    assert r.resolve({"Ref": "Env"}) == "prod"
    assert r.resolve({"Ref": "Ids"}) == ["a", "b"]
    assert r.resolve({"Ref": "NoDefault"}) == Opaque("${NoDefault}")
    assert r.resolve({"Ref": "Empty"}) == Opaque("${Empty}")
    assert r.resolve({"Ref": "AWS::AccountId"}) == "${AWS::AccountId}"
    assert r.resolve({"Fn::Sub": "${!aws:username}-${Env}"}) == "${aws:username}-prod"
    assert r.resolve({"Fn::Sub": "${Bucket.Arn}"}) == Opaque("${Bucket.Arn}")
    assert r.resolve({"Fn::FindInMap": ["M", {"Ref": "Env"}, "Arn"]}) == "arn:aws:s3:::x"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "s3"]]}) == "arn:aws:s3"
    assert isinstance(r.resolve({"Fn::Join": ["", [{"Fn::If": ["c", "a", "b"]}]]}), Opaque)
    assert isinstance(r.resolve({"Fn::ImportValue": "x"}), Opaque)
    assert isinstance(r.resolve({"Fn::Sub": 42}), Opaque)  # wrong shape: opaque, never an error
    # a Statement element that is not an intrinsic is walked, not taken for one
    assert r.resolve({"Condition": {"Bool": {"aws:SecureTransport": False}}}) == {
        "Condition": {"Bool": {"aws:SecureTransport": False}}
    }


# --------------------------------------------------------------------------
# detection and hostile YAML


@pytest.mark.parametrize(
    "name,text",
    [
        ("docker-compose.yml", "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"),
        ("ci.yml", "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ x }}\n"),
        ("k8s.yaml", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Service\n"),
        ("broken-other.yaml", "key: [unclosed\n"),
        ("mentions.yaml", "notes: uses AWS::IAM::Role somewhere\n"),
    ],
)
def test_non_cloudformation_yaml_is_skipped_quietly(name, text):
    result = read_source(name, text.encode(), explicit=False)
    assert result.skipped and not result.documents


def test_json_template_with_template_extension():
    text = (
        '{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": []}}}}}'
    )
    result = read_source("stack.template", text.encode())
    assert [(d.owner, d.kind) for d in result.documents] == [("P", "identity")]


def test_yaml_syntax_error_in_a_template_is_a_positioned_finding():
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n"
        "    Properties:\n      Path: /\n     RoleName: x\n"
    )
    findings = lint_bytes("t.yaml", text.encode()).findings
    assert [f.rule for f in findings] == ["IAM001"]
    assert findings[0].message.startswith("YAML syntax error")
    assert (findings[0].span.line, findings[0].span.column) == (7, 6)


def test_alias_bomb_stops_with_a_finding():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        + "\n".join(levels)
        + ("\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags: *i\n")
    )
    findings = lint_bytes("bomb.yaml", text.encode()).findings
    assert [f.rule for f in findings] == ["IAM001"]
    assert "alias" in findings[0].message
    # a few aliases are fine
    ok = load("a: &x [1, 2]\nb: *x\nc: {<<: {k: v}, z: 1}\n")
    assert ok.value == {"a": [1, 2], "b": [1, 2], "c": {"z": 1, "k": "v"}}


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        f"      RoleName: !!python/object/apply:os.system ['touch {marker}']\n"
        f"      Path: !!python/object/new:os.system ['touch {marker}']\n"
        "      AssumeRolePolicyDocument:\n        Statement: []\n"
    )
    result = read_source("t.yaml", text.encode())
    assert not marker.exists()
    role = result.roles[0]
    assert role.resource.value["Properties"]["RoleName"] == [f"touch {marker}"]  # inert text
    assert role.path is None


def test_unknown_tags_read_as_plain_values():
    value = load("a: !Rain::Module bucket.yaml\nb: !Whatever [1]\nc: !GetAtt R.Arn\n").value
    assert value == {"a": "bucket.yaml", "b": [1], "c": {"Fn::GetAtt": ["R", "Arn"]}}


def test_users_groups_and_policies_written_as_json_strings():
    text = """{
  "Resources": {
    "Admins": {"Type": "AWS::IAM::Group", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}},
    "Alice": {"Type": "AWS::IAM::User", "Properties": {"Groups": [{"Ref": "Admins"}], "Path": "/people/"}},
    "AlicePolicy": {"Type": "AWS::IAM::UserPolicy", "Properties": {"UserName": {"Ref": "Alice"}, "PolicyName": "p",
      "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}},
    "Repo": {"Type": "AWS::ECR::Repository", "Properties": {
      "RepositoryPolicyText": "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": [{\\"Effect\\": \\"Allow\\", \\"Principal\\": \\"*\\", \\"Action\\": \\"ecr:BatchGetImage\\"}]}"}}
  }
}"""  # noqa: E501 (a template as written, one resource per line)
    result = read_source("stack.json", text.encode())
    roles = {r.name: r for r in result.roles}
    assert roles["Alice"].principal_type == "user" and roles["Alice"].groups == ["Admins"]
    assert [d.owner for d in roles["Alice"].inline] == ["AlicePolicy"]
    assert roles["Admins"].principal_type == "group"
    assert roles["Admins"].managed[0].arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    repo = next(d for d in result.documents if d.owner == "Repo")
    assert repo.kind == "resource" and repo.value["Statement"][0]["Principal"] == "*"
    assert repo.locate("/Statement/0/Principal").line == 8  # the string that holds the policy


# --------------------------------------------------------------------------
# access keys (IAM405), SAM managed policy names, resource types, VPC endpoints


ACCESS_KEYS_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Deployer:
    Type: AWS::IAM::User
    Properties:
      UserName: deployer
  DeployerKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: !Ref Deployer
  ByNameKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: deployer
  ExternalKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: legacy-ci
  Quiet:
    Type: AWS::IAM::User
  QuietKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: !Ref Quiet
      Status: Inactive
"""


def test_access_keys_are_recorded_on_their_users_and_reported_at_the_key():
    result = read_source("template.yaml", ACCESS_KEYS_YAML.encode())
    users = {r.name: r for r in result.roles}
    assert [k.name for k in users["Deployer"].access_keys] == [
        "DeployerKey",
        "ByNameKey",
    ]  # !Ref and the literal UserName
    assert [k.name for k in users["legacy-ci"].access_keys] == ["ExternalKey"]  # a user this template does not define
    assert "access_keys" not in users["Quiet"].meta  # Inactive
    findings = [f for f in lint_bytes("template.yaml", ACCESS_KEYS_YAML.encode()).findings if f.rule == "IAM405"]
    lines = ACCESS_KEYS_YAML.splitlines()
    # at the logical id of the first key of each user
    assert sorted((f.line, f.column) for f in findings) == [
        (lines.index("  DeployerKey:") + 1, 3),
        (lines.index("  ExternalKey:") + 1, 3),
    ]
    deployer = next(f for f in findings if "`Deployer`" in f.message)
    assert "DeployerKey, ByNameKey" in deployer.message and deployer.owner == "DeployerKey"
    for f in findings:
        assert "OIDC federation" in f.message and "instance profile" in f.message and "IAM Identity Center" in f.message


def test_powerful_user_with_access_key_is_one_finding_naming_the_key():
    text = (
        ACCESS_KEYS_YAML
        + """\
  Admin:
    Type: AWS::IAM::User
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
  AdminKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: !Ref Admin
"""
    )
    findings = [
        f for f in lint_bytes("template.yaml", text.encode()).findings if f.rule == "IAM405" and "`Admin`" in f.message
    ]
    assert len(findings) == 1
    [f] = findings
    assert "has an access key declared and holds administrator access" in f.message
    key_line = text.splitlines().index("  AdminKey:") + 1
    assert any(r.span is not None and r.span.line == key_line + 1 for r in f.related), f.related


def test_sam_managed_policy_names_take_their_path_from_the_catalog():
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Policies:
        - ViewOnlyAccess
        - AWSLambdaBasicExecutionRole
        - AmazonSSMManagedInstanceCore
        - NoSuchManagedPolicyXyz
"""
    result = read_source("template.yaml", text.encode())
    [fn] = result.roles
    assert [a.arn for a in fn.managed] == [
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/NoSuchManagedPolicyXyz",  # unknown: kept as written, IAM402 reports it
    ]
    findings = lint_bytes("template.yaml", text.encode()).findings
    unknown = [f for f in findings if f.rule == "IAM402"]
    assert [f.line for f in unknown] == [12], unknown  # no wrong-path finding for ViewOnlyAccess


def test_every_document_names_its_cloudformation_resource_type(roles_result):
    for name in ("roles.yaml", "findings.yaml", "findings.json"):
        result = roles_result if name == "roles.yaml" else _read(name)
        for doc in result.documents:
            rtype = doc.meta.get("resource_type")
            assert isinstance(rtype, str) and rtype.startswith("AWS::"), (name, doc.owner, rtype)
    types = {d.owner: d.meta["resource_type"] for d in roles_result.documents}
    assert types["BucketPolicy"] == "AWS::S3::BucketPolicy" and types["Function"] == "AWS::Serverless::Function"
    assert types["PublicInvoke"] == "AWS::Lambda::Permission"


VPCE_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: vpc-123
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: [s3:GetObject, s3:PutObject]
            Resource: arn:aws:s3:::my-bucket/*
"""


def test_vpc_endpoint_policy_is_a_resource_document_without_public_finding():
    result = read_source("template.yaml", VPCE_YAML.encode())
    [doc] = result.documents
    assert (doc.owner, doc.kind, doc.meta["resource_type"]) == ("Endpoint", "resource", "AWS::EC2::VPCEndpoint")
    assert doc.locate("/Statement/0/Principal").line == 12
    findings = lint_bytes("template.yaml", VPCE_YAML.encode()).findings
    assert not [f for f in findings if f.rule == "IAM501"], findings
    # the same statement in a bucket policy is public
    bucket = VPCE_YAML.replace("AWS::EC2::VPCEndpoint", "AWS::S3::BucketPolicy")
    assert [f.line for f in lint_bytes("template.yaml", bucket.encode()).findings if f.rule == "IAM501"] == [12]
