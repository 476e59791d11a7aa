"""Serverless Framework reader: serverless.yml provider IAM, resources, variables, detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.model.policy import Opaque
from iamlint.sources import read_source
from iamlint.sources.serverless import has_variable, is_serverless_path

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"


def _path(name: str) -> Path:
    return FIXTURES / name / "serverless.yml"


def _read(name: str):
    path = _path(name)
    return read_source(str(path), path.read_bytes(), explicit=False)


def _lint(name: str):
    path = _path(name)
    return lint_bytes(str(path), path.read_bytes(), explicit=False)


def _findings(name: str) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.span.line, f.span.column) for f in _lint(name).findings)


def _at(name: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """(line, column) of the ``occurrence``-th ``needle`` in the fixture."""
    lines = _path(name).read_text().splitlines()
    hits = [(i + 1, line.index(needle) + 1) for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def _role(result, name: str = "IamRoleLambdaExecution"):
    return next(r for r in result.roles if r.name == name)


# --------------------------------------------------------------------------
# detection


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("serverless.yml", True),
        ("services/api/serverless.yaml", True),
        ("C:\\repo\\Serverless.YML", True),
        ("serverless.ts", False),
        ("serverless.js", False),
        ("not-serverless.yml", False),
        ("serverless.yml.bak", False),
    ],
)
def test_file_names(path, expected):
    assert is_serverless_path(path) is expected


def test_typescript_and_javascript_configurations_are_never_read(tmp_path):
    # the same content as a serverless.yml, under the names Serverless also reads
    text = _path("cli").read_bytes()
    for name in ("serverless.ts", "serverless.js"):
        assert read_source(str(tmp_path / name), text, explicit=False).skipped


def test_a_yaml_named_serverless_that_is_not_a_configuration_is_skipped():
    result = _read("not-serverless")
    assert result.skipped and result.documents == [] and result.roles == []


def test_a_cloudformation_template_named_serverless_yml_is_still_read(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n"
        "    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n"
        "        Statement:\n          - Effect: Allow\n            Action: '*'\n            Resource: '*'\n"
    )
    report = lint_bytes(str(path), path.read_bytes())
    assert [(f.rule, f.span.line, f.span.column) for f in report.findings] == [("IAM201", 10, 21)]


def test_malformed_yaml_is_one_syntax_finding():
    report = _lint("malformed")
    assert report.error is None and not report.skipped
    [finding] = report.findings
    assert finding.rule == "IAM001"
    assert finding.message.startswith("YAML syntax error:")
    line, column = _at("malformed", 'Resource: "*"')
    assert (finding.span.line, finding.span.column) == (line, column + len("Resource"))  # the unexpected `:`


def test_malformed_yaml_without_service_and_provider_is_skipped(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text("owners: [platform\n")
    assert lint_bytes(str(path), path.read_bytes(), explicit=True).skipped


def test_other_providers_are_skipped(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text("service: gcf\nprovider:\n  name: google\n  runtime: python312\n")
    assert lint_bytes(str(path), path.read_bytes()).skipped


# --------------------------------------------------------------------------
# v3 provider.iam.role


@pytest.fixture(scope="module")
def v3():
    return _read("v3")


def test_v3_role_is_the_default_execution_role(v3):
    [role] = v3.roles
    assert role.name == "IamRoleLambdaExecution" and role.principal_type == "role"
    assert role.path == "/app/"
    [inline] = role.inline
    assert inline.kind == "identity" and inline in v3.documents
    assert [s["Action"] for s in inline.value["Statement"]] == [["dynamodb:GetItem", "dynamodb:PutItem"], "*:*"]
    assert inline.value["Version"] == "2012-10-17"


def test_v3_trust_is_synthesized_lambda_and_never_linted(v3):
    role = v3.roles[0]
    assert role.trust is not None and role.trust.meta["synthesized"] is True
    assert role.trust.value["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    assert role.trust not in v3.documents
    # whatever a rule asked of it would land on the `provider` key the user wrote
    assert (role.trust.locate("/Statement/0/Principal").line, role.trust.locate("").column) == (
        _at("v3", "provider:")[0],
        1,
    )


def test_v3_attachments_are_located_at_each_arn(v3):
    role = v3.roles[0]
    assert [a.arn for a in role.managed] == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AdminstratorAccess",
    ]
    assert [a.pointer for a in role.managed] == [
        "/provider/iam/role/managedPolicies/0",
        "/provider/iam/role/managedPolicies/1",
    ]
    assert role.boundary is not None and role.boundary.arn == "arn:aws:iam::111122223333:policy/app-boundary"
    span = role.resource.locate(role.boundary.pointer)
    assert (span.line, span.column) == _at("v3", "arn:aws:iam::111122223333:policy/app-boundary")


def test_v3_findings_are_at_the_text_written():
    assert _findings("v3") == sorted(
        [
            ("IAM201", *_at("v3", '"*:*"')),  # Action "*:*" with Resource "*"
            ("IAM401", *_at("v3", "arn:aws:iam::aws:policy/AdministratorAccess")),
            ("IAM402", *_at("v3", "arn:aws:iam::aws:policy/AdminstratorAccess")),
        ]
    )


def test_iam401_names_the_serverless_role():
    [finding] = [f for f in _lint("v3").findings if f.rule == "IAM401"]
    assert "`AdministratorAccess`" in finding.message and "role `IamRoleLambdaExecution`" in finding.message


# --------------------------------------------------------------------------
# the older provider keys


def test_old_style_keys_build_the_same_role():
    result = _read("old-style")
    role = _role(result)
    [inline] = role.inline
    assert inline.value["Statement"][0]["Resource"] == ["arn:aws:s3:::legacy-bucket/*"]
    assert [a.pointer for a in role.managed] == ["/provider/iamManagedPolicies/0"]
    assert role.boundary is not None and role.boundary.pointer == "/provider/rolePermissionsBoundary"
    span = role.resource.locate(role.boundary.pointer)
    assert (span.line, span.column) == _at("old-style", "arn:aws:iam::111122223333:policy/legacy-boundary")


def test_old_style_findings():
    assert _findings("old-style") == sorted(
        [
            ("IAM206", *_at("old-style", "iam:PassRole")),
            ("IAM205", _at("old-style", 'Resource: "*"')[0], _at("old-style", '"*"')[1]),
            ("IAM401", *_at("old-style", "arn:aws:iam::aws:policy/AmazonS3FullAccess")),
        ]
    )


def test_existing_role_is_no_principal():
    result = _read("existing-role")
    assert result.roles == [] and result.documents == [] and not result.skipped
    assert _lint("existing-role").findings == []


def test_existing_role_by_intrinsic_or_variable_is_no_principal(tmp_path):
    for role in ("!GetAtt MyRole.Arn", "${self:custom.roleArn}", "{Ref: MyRole}"):
        path = tmp_path / "serverless.yml"
        path.write_text(f"service: s\nprovider:\n  name: aws\n  iam:\n    role: {role}\n")
        assert read_source(str(path), path.read_bytes()).roles == [], role


# --------------------------------------------------------------------------
# variables


def test_variables_are_opaque_and_give_no_false_positive():
    assert _findings("variables") == []
    result = _read("variables")
    [inline] = _role(result).inline
    statements = inline.value["Statement"]
    assert statements[0]["Resource"] == Opaque("arn:aws:s3:::${self:custom.bucket}/*")
    assert isinstance(statements[1]["Resource"], Opaque)
    assert isinstance(statements[2]["Resource"], Opaque)
    assert isinstance(statements[3], Opaque)  # ${file(...)} is never read
    # an IAM policy variable is not a Serverless variable: it stays text
    assert statements[4]["Condition"]["StringLike"]["s3:prefix"] == "home/${aws:username}/*"
    assert isinstance(_role(result).managed[0].arn, Opaque)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arn:aws:s3:::${self:custom.bucket}/*", True),
        ("${opt:stage, 'dev'}", True),
        ("${env:HOME}", True),
        ("${sls:stage}", True),
        ("${aws:accountId}", True),
        ("${aws:region}", True),
        ("${ssm:/path/to/param}", True),
        ("${ssm(us-east-1):/path}", True),
        ("${file(./iam.yml):statements}", True),
        ("${cf:other-stack.Output}", True),
        ("${param:domain}", True),
        ("arn:aws:s3:::home/${aws:username}/*", False),
        ("arn:${AWS::Partition}:s3:::b/*", False),
        ("arn:aws:s3:::plain/*", False),
    ],
)
def test_what_is_a_serverless_variable(text, expected):
    assert has_variable(text) is expected


def test_variable_in_a_statement_key_position_is_left_alone(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: s\nprovider:\n  name: aws\n  iamRoleStatements:\n    - Effect: Allow\n"
        "      Action: ['s3:${self:custom.verb}']\n      Resource: 'arn:aws:s3:::${self:custom.b}'\n"
    )
    assert lint_bytes(str(path), path.read_bytes()).findings == []


# --------------------------------------------------------------------------
# resources.Resources (CloudFormation)


def test_resources_are_read_as_cloudformation_with_positions_in_the_file():
    assert _findings("resources") == sorted(
        [
            ("IAM501", *_at("resources", 'Principal: "*"')[:1], _at("resources", '"*"')[1]),
            ("IAM201", _at("resources", 'Action: "*"')[0], _at("resources", 'Action: "*"')[1] + 8),
            ("IAM313", *_at("resources", "codebuild.amazonaws.com")),
            ("IAM404", _at("resources", "- Effect: Allow", 3)[0], _at("resources", "- Effect: Allow", 3)[1] + 2),
            ("IAM401", *_at("resources", "arn:aws:iam::aws:policy/AdministratorAccess")),
        ]
    )


def test_resources_roles_and_the_managed_policy_reference():
    result = _read("resources")
    assert sorted(r.name for r in result.roles) == ["DeployRole", "IamRoleLambdaExecution"]
    [attachment] = _role(result).managed
    assert isinstance(attachment.arn, Opaque)
    assert attachment.document is not None and attachment.document.owner == "WebsiteManaged"
    bucket_policy = next(d for d in result.documents if d.owner == "WebsiteBucketPolicy")
    assert bucket_policy.kind == "resource" and bucket_policy.meta["resource_type"] == "AWS::S3::BucketPolicy"


def test_resources_as_a_list_of_fragments(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: s\nprovider:\n  name: aws\nresources:\n  - ${file(./queues.yml)}\n  - Resources:\n"
        "      P:\n        Type: AWS::IAM::Policy\n        Properties:\n          PolicyName: p\n"
        "          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n"
        "              - Effect: Allow\n                Action: '*'\n                Resource: '*'\n"
    )
    report = lint_bytes(str(path), path.read_bytes())
    assert [(f.rule, f.span.line, f.span.column) for f in report.findings] == [("IAM201", 15, 25)]


def test_inline_suppression_comment_works_in_serverless_yml(tmp_path):
    path = tmp_path / "serverless.yml"
    text = "service: s\nprovider:\n  name: aws\n  iamRoleStatements:\n    - Effect: Allow\n      Action: '*'{}\n"
    path.write_text(text.format("") + "      Resource: '*'\n")
    assert [(f.rule, f.span.line) for f in lint_bytes(str(path), path.read_bytes()).findings] == [("IAM201", 6)]
    path.write_text(text.format("  # iamlint: ignore[IAM201]") + "      Resource: '*'\n")
    assert [f.rule for f in lint_bytes(str(path), path.read_bytes()).findings] == []


@pytest.mark.parametrize("depth", [50, 400, 5000])
def test_deep_nesting_is_a_finding_or_read_never_a_traceback(depth):
    text = "service: s\nprovider:\n  name: aws\n  iamRoleStatements: " + "[" * depth + "]" * depth + "\n"
    report = lint_bytes("serverless.yml", text.encode())
    assert report.error is None and not report.skipped and report.findings
    if depth > 1000:
        assert [f.rule for f in report.findings] == ["IAM001"]


# --------------------------------------------------------------------------
# ${self:...} inside the same file


def test_self_variables_naming_plain_values_are_substituted():
    [inline] = _role(_read("self-variables")).inline
    resources = [s["Resource"] for s in inline.value["Statement"]]
    assert resources[0] == "arn:aws:s3:::reports-archive/monthly/*"  # through a chain of two
    assert resources[1] == "*"
    assert resources[2] == Opaque("arn:aws:s3:::${self:custom.loopA}/*")  # a cycle
    assert resources[3] == Opaque("arn:aws:s3:::${self:provider.stage}-logs")  # --stage may replace it
    assert resources[4] == Opaque("arn:aws:s3:::${self:custom.withDefault}/*")  # names a variable with a default


def test_a_substituted_value_is_reported_where_the_variable_is_written():
    assert _findings("self-variables") == [("IAM205", *_at("self-variables", "${self:custom.anything}"))]


def test_self_variables_cannot_blow_up(tmp_path):
    lines = ["service: s", "custom:", "  v0: xxxxxxxx"]
    for i in range(1, 40):  # each level names the one below 64 times
        lines.append(f"  v{i}: " + ("${self:custom.v" + str(i - 1) + "}") * 64)
    lines += ["provider:", "  name: aws", "  iamRoleStatements:", "    - Effect: Allow", "      Action: s3:GetObject"]
    lines.append("      Resource: arn:aws:s3:::${self:custom.v39}")
    path = tmp_path / "serverless.yml"
    path.write_text("\n".join(lines) + "\n")
    [role] = read_source(str(path), path.read_bytes()).roles
    assert isinstance(role.inline[0].value["Statement"][0]["Resource"], Opaque)


@pytest.mark.parametrize("statements", ["  iamRoleStatements: []\n", "  iam:\n    role:\n      statements: []\n"])
def test_an_empty_statement_list_adds_no_policy(statements):
    result = read_source("serverless.yml", ("service: s\nprovider:\n  name: aws\n" + statements).encode())
    [role] = result.roles
    assert role.inline == [] and result.documents == []
    assert lint_bytes("serverless.yml", ("service: s\nprovider:\n  name: aws\n" + statements).encode()).findings == []


def test_statements_that_are_not_a_list_are_reported_at_the_key(tmp_path):
    report = lint_bytes("serverless.yml", b"service: s\nprovider:\n  name: aws\n  iamRoleStatements: nope\n")
    assert [(f.rule, f.span.line, f.span.column) for f in report.findings] == [("IAM002", 4, 22)]


# --------------------------------------------------------------------------
# resources.extensions of the generated role


def test_extension_properties_replace_the_generated_ones():
    # Serverless Object.assign()s extension Properties: its Policies replace the
    # policy built from provider.iam.role.statements, which is deployed nowhere
    result = _read("extensions")
    role = _role(result)
    [inline] = role.inline
    assert inline.value["Statement"][0]["NotAction"] == "iam:*"
    assert not any(
        s.get("Action") == "sqs:SendMessage" for d in result.documents for s in (d.value or {}).get("Statement", [])
    )
    assert role.trust is not None
    assert role.trust in result.documents and "synthesized" not in role.trust.meta  # written by the user
    assert [a.pointer for a in role.managed] == [
        "/resources/extensions/IamRoleLambdaExecution/Properties/ManagedPolicyArns/0"
    ]


def test_extensions_findings_are_located_where_written():
    found = _findings("extensions")
    assert ("IAM301", *_at("extensions", 'AWS: "*"')[:1], _at("extensions", '"*"')[1]) in found
    assert ("IAM401", *_at("extensions", "arn:aws:iam::aws:policy/IAMFullAccess")) in found
    assert ("IAM203", *_at("extensions", "NotAction: iam:*")) in found
    assert any(rule == "IAM404" for rule, _, _ in found)  # public trust x IAM write


def test_managed_policies_through_intrinsics_and_self_variables(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: s\ncustom:\n  admin: arn:aws:iam::aws:policy/AdministratorAccess\nprovider:\n  name: aws\n"
        "  iam:\n    role:\n      managedPolicies:\n"
        "        - Fn::Join: ['', ['arn:', {Ref: AWS::Partition}, ':iam::aws:policy/PowerUserAccess']]\n"
        "        - !Sub arn:${AWS::Partition}:iam::aws:policy/IAMFullAccess\n"
        "        - ${self:custom.admin}\n"
    )
    report = lint_bytes(str(path), path.read_bytes())
    assert [(f.rule, f.span.line, f.span.column) for f in report.findings] == [
        ("IAM401", 9, 11),
        ("IAM401", 10, 11),
        ("IAM401", 11, 11),
    ]
    assert [m.split("`")[1] for m in (f.message for f in report.findings)] == [
        "PowerUserAccess",
        "IAMFullAccess",
        "AdministratorAccess",
    ]


# --------------------------------------------------------------------------
# the same role as CloudFormation writes it (issue 17's equivalence)


def test_the_same_role_as_cloudformation_gives_the_same_principal_and_findings():
    folder = FIXTURES / "equivalent"
    sls = read_source(str(folder / "serverless.yml"), (folder / "serverless.yml").read_bytes())
    cfn = read_source(str(folder / "template.yaml"), (folder / "template.yaml").read_bytes())
    a = _role(sls)
    b = _role(cfn)
    assert a.trust is not None and b.trust is not None and a.trust.value == b.trust.value
    assert [d.value for d in a.inline] == [d.value for d in b.inline]
    assert [(m.arn if isinstance(m.arn, str) else None) for m in a.managed] == [
        (m.arn if isinstance(m.arn, str) else None) for m in b.managed
    ]
    assert [m.document.value if m.document else None for m in a.managed] == [
        m.document.value if m.document else None for m in b.managed
    ]
    assert a.boundary is not None and b.boundary is not None and a.boundary.arn == b.boundary.arn

    def findings(name: str) -> list[tuple[str, str]]:
        report = lint_bytes(str(folder / name), (folder / name).read_bytes())
        return sorted((f.rule, f.message) for f in report.findings)

    assert findings("serverless.yml") == findings("template.yaml")
    assert {rule for rule, _ in findings("serverless.yml")} == {"IAM205", "IAM206", "IAM207", "IAM208", "IAM401"}


# --------------------------------------------------------------------------
# resources.Resources.IamRoleLambdaExecution: merged over the generated role


def test_overriding_the_generated_role_gives_one_merged_principal():
    result = _read("override")
    [role] = result.roles
    assert role.name == "IamRoleLambdaExecution"
    # the trust the user wrote replaces the generated one
    assert role.trust is not None and "synthesized" not in role.trust.meta and role.trust in result.documents
    assert role.trust.value["Statement"][0]["Principal"] == {"AWS": "*"}
    # the provider's statements and the resource's Policies
    assert [d.value["Statement"][0]["Action"] for d in role.inline] == ["iam:PassRole", "s3:*"]
    # the managed policies of both, each located where written
    assert [a.pointer for a in role.managed] == [
        "/provider/iam/role/managedPolicies/0",
        "/resources/Resources/IamRoleLambdaExecution/Properties/ManagedPolicyArns/0",
    ]
    spans = [role.resource.locate(a.pointer) for a in role.managed]
    assert [(s.line, s.column) for s in spans] == [
        _at("override", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        _at("override", "arn:aws:iam::aws:policy/AdminstratorAccess"),
    ]
    assert role.boundary is not None and role.boundary.arn == "arn:aws:iam::111122223333:policy/override-boundary"
    span = role.resource.locate(role.boundary.pointer)
    assert (span.line, span.column) == _at("override", "arn:aws:iam::111122223333:policy/override-boundary")


def test_overriding_the_generated_role_findings_are_where_written():
    passrole = _at("override", "iam:PassRole")
    assert _findings("override") == sorted(
        [
            ("IAM206", *passrole),
            ("IAM205", passrole[0] + 1, _at("override", 'Resource: "*"')[1] + len("Resource: ")),
            ("IAM401", *_at("override", "arn:aws:iam::aws:policy/AmazonS3FullAccess")),
            ("IAM301", _at("override", 'AWS: "*"')[0], _at("override", 'AWS: "*"')[1] + len("AWS: ")),
            ("IAM402", *_at("override", "arn:aws:iam::aws:policy/AdminstratorAccess")),
            ("IAM202", _at("override", "Action: s3:*")[0], _at("override", "Action: s3:*")[1] + len("Action: ")),
        ]
    )


def test_a_partial_override_without_type_adds_to_the_generated_role():
    result = _read("override-partial")
    [role] = result.roles
    assert role.trust is not None and role.trust.meta["synthesized"] is True
    assert role.path == "/partial/"
    assert [d.value["Statement"][0]["Action"] for d in role.inline] == ["sqs:SendMessage"]
    [attachment] = role.managed
    span = role.resource.locate(attachment.pointer)
    assert (span.line, span.column) == _at("override-partial", "arn:aws:iam::aws:policy/IAMFullAccess")
    assert _findings("override-partial") == [
        ("IAM401", *_at("override-partial", "arn:aws:iam::aws:policy/IAMFullAccess"))
    ]


def test_a_role_of_another_name_in_resources_stays_its_own_principal():
    result = _read("resources")
    assert sorted(r.name for r in result.roles) == ["DeployRole", "IamRoleLambdaExecution"]


def test_statements_written_beside_an_existing_role_are_dead_configuration():
    # Serverless deploys no role and no policy from them: no principal, no grant to lint
    result = _read("existing-role-statements")
    assert result.roles == [] and result.documents == [] and not result.skipped
    assert _findings("existing-role-statements") == []


# --------------------------------------------------------------------------
# per-function roles (serverless-iam-roles-per-function)


@pytest.fixture(scope="module")
def per_function():
    return _read("per-function")


def test_each_function_with_statements_gets_its_own_role(per_function):
    assert [r.name for r in per_function.roles] == [
        "IamRoleLambdaExecution",
        "GetDashuserIamRoleLambdaExecution",
        "PutUnderscoreuserIamRoleLambdaExecution",
        "QuietIamRoleLambdaExecution",  # an empty list still makes a role (logs only)
    ]  # `shared` uses the generated role, `reuses` the role it names
    get_user = _role(per_function, "GetDashuserIamRoleLambdaExecution")
    assert get_user.meta["role_name"] == "get-user-role" and get_user.meta["function"] == "get-user"
    assert get_user.trust is not None and get_user.trust.meta["synthesized"] is True
    assert get_user.trust not in per_function.documents
    [inline] = get_user.inline
    assert inline.value["Statement"][0]["Action"] == "dynamodb:*"
    assert get_user.managed == []
    assert _role(per_function, "QuietIamRoleLambdaExecution").inline == []


def test_inherit_adds_the_provider_statements(per_function):
    provider = _role(per_function).inline[0]
    put_user = _role(per_function, "PutUnderscoreuserIamRoleLambdaExecution")
    assert put_user.inline[0] is provider  # the same document: its findings are not repeated
    assert [d.value["Statement"][0]["Action"] for d in put_user.inline] == ["iam:PassRole", "dynamodb:PutItem"]
    assert len(_role(per_function, "GetDashuserIamRoleLambdaExecution").inline) == 1


def test_function_and_global_boundaries(per_function):
    put_user = _role(per_function, "PutUnderscoreuserIamRoleLambdaExecution")
    span = put_user.resource.locate(put_user.boundary.pointer)
    assert (span.line, span.column) == _at("per-function", "arn:aws:iam::111122223333:policy/put-boundary")
    for name in ("IamRoleLambdaExecution", "GetDashuserIamRoleLambdaExecution", "QuietIamRoleLambdaExecution"):
        role = _role(per_function, name)
        span = role.resource.locate(role.boundary.pointer)
        assert (span.line, span.column) == _at("per-function", "arn:aws:iam::111122223333:policy/global-boundary")


def test_per_function_findings_are_where_written():
    passrole = _at("per-function", "iam:PassRole")
    assert _findings("per-function") == sorted(
        [
            ("IAM206", *passrole),
            ("IAM205", passrole[0] + 1, _at("per-function", 'Resource: "*"')[1] + len("Resource: ")),
            ("IAM202", *_at("per-function", "dynamodb:*")),
        ]
    )


def test_function_statements_without_the_plugin_are_dead_configuration(tmp_path):
    text = _path("per-function").read_text().replace("  - serverless-iam-roles-per-function\n", "  - other-plugin\n")
    path = tmp_path / "serverless.yml"
    path.write_text(text)
    result = read_source(str(path), path.read_bytes())
    assert [r.name for r in result.roles] == ["IamRoleLambdaExecution"]
    assert [d.value["Statement"][0]["Action"] for d in result.documents] == ["iam:PassRole"]


@pytest.mark.parametrize(
    "plugin", ["'@interlace/serverless-iam-roles-per-function'", "serverless-iam-roles-per-function-v4"]
)
def test_forks_of_the_plugin_and_plugins_modules(tmp_path, plugin):
    path = tmp_path / "serverless.yml"
    path.write_text(
        f"service: s\nplugins:\n  modules:\n    - {plugin}\nprovider:\n  name: aws\n"
        "functions:\n  hello:\n    iamRoleStatements:\n      - Effect: Allow\n"
        "        Action: '*'\n        Resource: '*'\n"
    )
    assert [r.name for r in read_source(str(path), path.read_bytes()).roles] == [
        "IamRoleLambdaExecution",
        "HelloIamRoleLambdaExecution",
    ]
    assert [(f.rule, f.span.line, f.span.column) for f in lint_bytes(str(path), path.read_bytes()).findings] == [
        ("IAM201", 11, 17)
    ]


def test_an_extension_without_policies_keeps_the_provider_statements(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: s\nprovider:\n  name: aws\n  iamRoleStatements:\n    - Effect: Allow\n"
        "      Action: '*'\n      Resource: '*'\nresources:\n  extensions:\n    IamRoleLambdaExecution:\n"
        "      Properties:\n        ManagedPolicyArns:\n          - arn:aws:iam::aws:policy/ReadOnlyAccess\n"
    )
    [role] = read_source(str(path), path.read_bytes()).roles
    assert len(role.inline) == 1 and [a.arn for a in role.managed] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert [(f.rule, f.span.line, f.span.column) for f in lint_bytes(str(path), path.read_bytes()).findings] == [
        ("IAM201", 6, 15),
        ("IAM401", 13, 13),
    ]


def test_an_inherited_statement_survives_an_extension_that_replaces_policies(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: s\nplugins: [serverless-iam-roles-per-function]\nprovider:\n  name: aws\n"
        "  iamRoleStatements:\n    - Effect: Allow\n      Action: '*'\n      Resource: '*'\n"
        "functions:\n  f:\n    iamRoleStatementsInherit: true\n    iamRoleStatements: []\n"
        "resources:\n  extensions:\n    IamRoleLambdaExecution:\n      Properties:\n        Policies: []\n"
    )
    result = read_source(str(path), path.read_bytes())
    assert [(r.name, len(r.inline)) for r in result.roles] == [
        ("IamRoleLambdaExecution", 0),
        ("FIamRoleLambdaExecution", 1),
    ]
    assert [(f.rule, f.span.line, f.span.column) for f in lint_bytes(str(path), path.read_bytes()).findings] == [
        ("IAM201", 7, 15)
    ]
