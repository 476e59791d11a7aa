"""Terraform evaluation on hostile input (issue 14): references are evaluated
once and within a budget, file()/templatefile() read only regular files inside
the repository, and plan JSON of the wrong shape is a finding, not a crash.

Each case runs the real command line (no traceback, exit code as the README
says: 1 when there are findings at or above warning, else 0) with a generous
hang-guard timeout; none of them asserts a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamlint.model.policy import Opaque
from iamlint.sources import terraform

pytestmark = pytest.mark.slow

#: a resource with a finding of its own (IAM103): the rest of the file is linted
OTHER = """
resource "aws_iam_policy" "other" {
  name   = "other"
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObjectt", Resource = "*"}]})
}
"""  # noqa: E501 (Terraform as one writes it)
#: a policy whose finding must never appear when it lies outside the repository
OUTSIDE_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:OutsideMarkerAction", "Resource": "*"}]}
)
INSIDE_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:InsideMarkerAction", "Resource": "*"}]}
)


def _policy_tf(expr: str, name: str = "app") -> str:
    return f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n  policy = {expr}\n}}\n'


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    return repo


def _check(*paths: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, list[dict]]:
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--no-cache", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "internal error" not in proc.stderr, proc.stderr[-2000:]
    return proc, json.loads(proc.stdout)["findings"]


def _rules(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule]


def _assert_other_linted(findings: list[dict], path: Path) -> None:
    assert any(f["rule"] == "IAM103" and f["file"] == str(path) and "GetObjectt" in f["message"] for f in findings), (
        "the other resource of the file was not linted"
    )


# -- exponential evaluation ----------------------------------------------------


def _doubling_locals(depth: int, resource_expr: str | None = None) -> str:
    lines = ["locals {", '  a0 = "arn:aws:s3:::bucket/*"']
    lines += [f"  a{i} = [local.a{i - 1}, local.a{i - 1}]" for i in range(1, depth + 1)]
    lines.append("}")
    expr = resource_expr or f"local.a{depth}"
    body = (
        'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", '
        f"Resource = {expr}}}]}})"
    )
    return "\n".join(lines) + "\n" + _policy_tf(body) + OTHER


def _doubling_strings(depth: int) -> str:
    lines = ["locals {", '  s0 = "abcdefgh"']
    lines += [f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"' for i in range(1, depth + 1)]
    lines.append("}")
    body = (
        'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", '
        f'Resource = "arn:aws:s3:::${{local.s{depth}}}"}}]}})'
    )
    return "\n".join(lines) + "\n" + _policy_tf(body) + OTHER


@pytest.mark.parametrize("depth", [18, 24, 40])
def test_doubling_locals_stop_at_the_budget_with_a_notice(tmp_path, depth):
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_doubling_locals(depth))
    proc, findings = _check(tf)
    assert proc.returncode == 1
    notices = _rules(findings, "IAM013")
    assert notices and all(f["file"] == str(tf) and "evaluation budget" in f["message"] for f in notices)
    _assert_other_linted(findings, tf)


@pytest.mark.parametrize("depth", [18, 24, 40])
def test_doubling_interpolation_stops_at_the_budget_with_a_notice(tmp_path, depth):
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_doubling_strings(depth))
    proc, findings = _check(tf)
    assert proc.returncode == 1
    notices = _rules(findings, "IAM013")
    assert notices and all("evaluation budget" in f["message"] for f in notices)
    _assert_other_linted(findings, tf)


def test_a_budget_notice_from_a_sibling_file_names_the_place(tmp_path):
    """The chain is in locals.tf, the policy in main.tf: the finding is in
    main.tf (where the document is) and names locals.tf and its line."""
    repo = _repo(tmp_path)
    chain = _doubling_locals(18)
    (repo / "locals.tf").write_text(chain[: chain.index("}\n") + 2])
    tf = repo / "main.tf"
    tf.write_text(chain[chain.index("}\n") + 2 :])
    _, findings = _check(tf)
    notices = _rules(findings, "IAM013")
    assert notices and all(f["file"] == str(tf) and "(locals.tf:" in f["message"] for f in notices)
    _assert_other_linted(findings, tf)


def _statement(path: Path) -> dict:
    result = terraform.read(str(path), path.read_text(), None)
    doc = next(d for d in result.documents if d.owner == "aws_iam_policy.app")
    return doc, doc.value["Statement"][0]


def test_doubling_within_the_budget_is_fully_evaluated(tmp_path):
    """The memo changes no result: a short chain is the value Terraform builds."""
    tf = tmp_path / "main.tf"
    tf.write_text(_doubling_locals(4))
    doc, st = _statement(tf)
    expected = "arn:aws:s3:::bucket/*"
    for _ in range(4):
        expected = [expected, expected]
    assert st["Resource"] == expected
    assert not doc.notices
    tf.write_text(_doubling_strings(6))
    doc, st = _statement(tf)
    assert st["Resource"] == "arn:aws:s3:::" + "abcdefgh" * 2**6
    assert not doc.notices


def test_a_value_met_inside_a_reference_cycle_is_not_memoised(tmp_path):
    """local.a and local.b refer to each other: reached from local.x the cycle is
    cut at `local.b`, reached from local.y at `local.a`, with or without a memo."""
    tf = tmp_path / "main.tf"
    tf.write_text(
        "locals {\n  a = local.b\n  b = local.a\n  x = [local.a]\n  y = [local.b]\n}\n"
        + _policy_tf(
            'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
            'Action = "s3:GetObject", Resource = local.x, NotResource = local.y}]})'
        )
    )
    _doc, st = _statement(tf)
    assert st["Resource"] == [Opaque("local.b")]
    assert st["NotResource"] == [Opaque("local.a")]


def test_many_uses_of_a_large_local_are_charged_to_the_budget(tmp_path):
    """A 128 KB string copied into 40 policies (5 MB, over the 2.2 MB budget of
    this 136 KB file): the copies past the budget stay unresolved (the
    interpolation keeps its text, as any unknown one does), with a notice."""
    big = "x" * (terraform.EVAL_BUDGET_MIN // 8)
    text = f'locals {{\n  big = "{big}"\n}}\n' + "".join(
        _policy_tf(
            'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", '
            'Resource = "arn:aws:s3:::${local.big}"}]})',
            f"p{i}",
        )
        for i in range(40)
    )
    tf = tmp_path / "main.tf"
    tf.write_text(text)
    result = terraform.read(str(tf), text, None)
    resources = [d.value["Statement"][0]["Resource"] for d in result.documents]
    assert len(resources) == 40
    assert isinstance(resources[0], str) and resources[0].endswith(big)
    assert resources[-1] == "arn:aws:s3:::${local.big}"
    for doc, resource in zip(result.documents, resources, strict=True):
        assert bool(doc.notices) == (resource == "arn:aws:s3:::${local.big}")
    assert 10 <= resources.index("arn:aws:s3:::${local.big}") <= 20


def test_a_template_variable_copied_many_times_is_charged_to_the_budget(tmp_path):
    """templatefile() with a 128 KB variable used by 40 statements: the copies
    past the budget keep their ${x} text, and a notice says so in the template."""
    repo = _repo(tmp_path)
    statements = ",\n".join(
        '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${x}"}' for _ in range(40)
    )
    (repo / "policy.json.tpl").write_text('{"Version": "2012-10-17", "Statement": [\n' + statements + "\n]}\n")
    big = "x" * (terraform.EVAL_BUDGET_MIN // 8)
    tf = repo / "main.tf"
    tf.write_text(f'locals {{\n  big = "{big}"\n}}\n' + _policy_tf('templatefile("policy.json.tpl", {x = local.big})'))
    [doc] = terraform.read(str(tf), tf.read_text(), None).documents
    resources = [st["Resource"] for st in doc.value["Statement"]]
    assert resources[0] == "arn:aws:s3:::" + big and resources[-1] == "arn:aws:s3:::${x}"
    assert doc.file == str(repo / "policy.json.tpl")
    assert doc.notices and all("evaluation budget" in n.message for n in doc.notices)
    first_unresolved = resources.index("arn:aws:s3:::${x}")
    assert doc.notices[0].span.line == first_unresolved + 2


def test_an_integer_too_long_to_convert_is_unknown(tmp_path):
    tf = tmp_path / "main.tf"
    tf.write_text(
        "locals {\n  n = "
        + "9" * 5000
        + "\n}\n"
        + _policy_tf(
            'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", '
            'Resource = "arn:aws:s3:::${local.n}"}]})'
        )
        + OTHER
    )
    proc, findings = _check(tf)
    assert proc.returncode == 1
    _assert_other_linted(findings, tf)


# -- file() and templatefile() ---------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_file_of_dev_zero_is_not_read(tmp_path):
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_policy_tf('file("/dev/zero")') + OTHER)
    proc, findings = _check(tf)
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "/dev/zero" in notice["message"] and notice["line"] == 3
    _assert_other_linted(findings, tf)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("fname", ["file", "templatefile"])
def test_file_of_a_fifo_inside_the_repository_does_not_block(tmp_path, fname):
    repo = _repo(tmp_path)
    os.mkfifo(repo / "policy.json")
    args = '"${path.module}/policy.json"' + (", {}" if fname == "templatefile" else "")
    tf = repo / "main.tf"
    tf.write_text(_policy_tf(f"{fname}({args})") + OTHER)
    proc, findings = _check(tf)  # the timeout is the hang guard
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "policy.json" in notice["message"] and "not a regular file" in notice["message"]
    _assert_other_linted(findings, tf)


@pytest.mark.skipif(not os.path.isfile("/etc/passwd"), reason="no /etc/passwd here")
def test_file_of_etc_passwd_is_never_read(tmp_path):
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_policy_tf('file("/etc/passwd")') + OTHER)
    proc, findings = _check(tf)
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "/etc/passwd" in notice["message"] and "outside the repository" in notice["message"]
    first = Path("/etc/passwd").read_text().splitlines()[0]
    output = proc.stdout + proc.stderr
    assert first not in output and f"`{first.split(':')[0]}`" not in output
    assert not any(f["file"] == "/etc/passwd" for f in findings)
    _assert_other_linted(findings, tf)


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="no /proc here")
def test_file_of_proc_self_environ_is_never_read(tmp_path):
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_policy_tf('file("/proc/self/environ")') + OTHER)
    env = dict(os.environ, IAMLINT_TEST_SECRET="xyzzy-secret-value-42")
    proc, findings = _check(tf, env=env)
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "/proc/self/environ" in notice["message"]
    assert "xyzzy-secret-value-42" not in proc.stdout + proc.stderr
    assert not any(f["file"].startswith("/proc") for f in findings)


@pytest.mark.parametrize(
    "call", ['file("../outside.json")', 'templatefile("../outside.json", {})', 'file("${path.module}/../outside.json")']
)
def test_a_relative_path_out_of_the_repository_is_not_read(tmp_path, call):
    (tmp_path / "outside.json").write_text(OUTSIDE_POLICY)
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_policy_tf(call) + OTHER)
    proc, findings = _check(tf)
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "outside.json" in notice["message"] and "outside the repository" in notice["message"]
    assert "OutsideMarkerAction" not in proc.stdout
    _assert_other_linted(findings, tf)


@pytest.mark.parametrize("fname", ["file", "templatefile"])
def test_a_symlink_inside_the_repository_pointing_outside_is_not_followed(tmp_path, fname):
    (tmp_path / "outside.json").write_text(OUTSIDE_POLICY)
    repo = _repo(tmp_path)
    (repo / "policies").mkdir()
    os.symlink(tmp_path / "outside.json", repo / "policies" / "link.json")
    args = '"policies/link.json"' + (", {}" if fname == "templatefile" else "")
    tf = repo / "main.tf"
    tf.write_text(_policy_tf(f"{fname}({args})") + OTHER)
    proc, findings = _check(tf)
    assert proc.returncode == 1
    [notice] = _rules(findings, "IAM013")
    assert "policies/link.json" in notice["message"] and "outside the repository" in notice["message"]
    assert "OutsideMarkerAction" not in proc.stdout
    _assert_other_linted(findings, tf)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="no FIFOs or /dev/zero here")
def test_sibling_tf_files_that_are_fifos_or_devices_are_not_read(tmp_path):
    """Siblings are read to resolve references: a FIFO named x.tf, or a link to
    /dev/zero, must neither block nor fill memory, and a link out of the
    repository is not read either."""
    (tmp_path / "outside.tf").write_text('locals {\n  secret = "OutsideMarkerValue"\n}\n')
    repo = _repo(tmp_path)
    os.mkfifo(repo / "fifo.tf")
    os.symlink("/dev/zero", repo / "zero.tf")
    os.symlink(tmp_path / "outside.tf", repo / "outside.tf")
    (repo / "locals.tf").write_text('locals {\n  bucket = "arn:aws:s3:::inside-bucket/*"\n}\n')
    tf = repo / "main.tf"
    tf.write_text(
        _policy_tf(
            'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
            'Action = "s3:GetObject", Resource = [local.bucket, "arn:aws:s3:::${local.secret}"]}]})'
        )
        + OTHER
    )
    proc, findings = _check(tf)  # the timeout is the hang guard
    assert proc.returncode == 1
    _assert_other_linted(findings, tf)
    assert "OutsideMarkerValue" not in proc.stdout
    result = terraform.read(str(tf), tf.read_text(), None)
    st = next(d for d in result.documents if d.owner == "aws_iam_policy.app").value["Statement"][0]
    assert st["Resource"] == ["arn:aws:s3:::inside-bucket/*", "arn:aws:s3:::${local.secret}"]


def test_a_sibling_directory_with_a_common_prefix_is_outside(tmp_path):
    """Containment is by path components: /x/repo-evil is not inside /x/repo."""
    (tmp_path / "repo-evil").mkdir()
    (tmp_path / "repo-evil" / "p.json").write_text(OUTSIDE_POLICY)
    tf = _repo(tmp_path) / "main.tf"
    tf.write_text(_policy_tf('file("../repo-evil/p.json")'))
    proc, findings = _check(tf)
    assert [f["rule"] for f in findings] == ["IAM013"]
    assert "OutsideMarkerAction" not in proc.stdout


def test_files_inside_the_repository_are_still_read_and_linted(tmp_path):
    repo = _repo(tmp_path)
    (repo / "policies").mkdir()
    (repo / "policies" / "app.json").write_text(INSIDE_POLICY)
    (repo / "shared").mkdir()
    (repo / "shared" / "common.json").write_text(INSIDE_POLICY.replace("Inside", "Shared"))
    module = repo / "modules" / "m"
    module.mkdir(parents=True)
    (repo / "link.json").symlink_to(repo / "policies" / "app.json")  # a link that stays inside
    tf = repo / "main.tf"
    tf.write_text(_policy_tf('file("${path.module}/policies/app.json")') + _policy_tf('file("link.json")', "linked"))
    inner = module / "main.tf"
    inner.write_text(_policy_tf('file("../../shared/common.json")'))  # outside the module, inside the repository
    proc, findings = _check(tf, inner)
    assert proc.returncode == 1
    assert not _rules(findings, "IAM013")
    read = {(Path(f["file"]).name, f["owner"]) for f in findings if f["rule"] == "IAM103"}
    assert ("app.json", "aws_iam_policy.app") in read and ("link.json", "aws_iam_policy.linked") in read
    assert ("common.json", "aws_iam_policy.app") in read


def test_without_a_repository_the_module_directory_is_the_limit(tmp_path):
    here = tmp_path.resolve()
    if any((p / ".git").exists() for p in [here, *here.parents]):
        pytest.skip("the temporary directory is inside a git repository")
    module = tmp_path / "mod"
    (module / "sub").mkdir(parents=True)
    (module / "sub" / "p.json").write_text(INSIDE_POLICY)
    (tmp_path / "outside.json").write_text(OUTSIDE_POLICY)
    tf = module / "main.tf"
    tf.write_text(_policy_tf('file("sub/p.json")') + _policy_tf('file("../outside.json")', "out"))
    proc, findings = _check(tf)
    assert any(f["rule"] == "IAM103" and f["file"].endswith("p.json") for f in findings)
    [notice] = _rules(findings, "IAM013")
    assert "../outside.json" in notice["message"]
    assert "OutsideMarkerAction" not in proc.stdout


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    repo = _repo(tmp_path)
    (repo / "big.json").write_text(INSIDE_POLICY + " " * 100)
    tf = repo / "main.tf"
    tf.write_text(_policy_tf('file("big.json")'))
    monkeypatch.setattr(terraform, "MAX_INCLUDED_FILE", 50)
    result = terraform.read(str(tf), tf.read_text(), None)
    [doc] = result.documents
    assert isinstance(doc.value, Opaque)
    [notice] = doc.notices
    assert "big.json" in notice.message and "larger than" in notice.message and notice.span.line == 3


# -- plan JSON of the wrong shape -----------------------------------------------

GOOD_RESOURCE = {
    "address": "aws_iam_policy.other",
    "mode": "managed",
    "type": "aws_iam_policy",
    "name": "other",
    "values": {
        "name": "other",
        "policy": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}]}
        ),
    },
}


def _role(values: dict) -> dict:
    return {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "values": values}


PLAN_SHAPES = {
    "child_modules-true": ({"resources": [GOOD_RESOURCE], "child_modules": True}, '"child_modules"'),
    "child_modules-object": ({"resources": [GOOD_RESOURCE], "child_modules": {"resources": []}}, '"child_modules"'),
    "child-resources-number": ({"resources": [GOOD_RESOURCE], "child_modules": [{"resources": 1}]}, '"resources": 1'),
    "resources-string": ({"child_modules": [{"resources": [GOOD_RESOURCE]}, {"resources": "x"}]}, '"resources": "x"'),
    "inline_policy-true": (
        {"resources": [GOOD_RESOURCE, _role({"name": "r", "inline_policy": True})]},
        '"inline_policy"',
    ),
    "inline_policy-object": (
        {"resources": [GOOD_RESOURCE, _role({"name": "r", "inline_policy": {"policy": "{}"}})]},
        '"inline_policy"',
    ),
    "policy-number": (
        {
            "resources": [
                GOOD_RESOURCE,
                {**GOOD_RESOURCE, "address": "aws_iam_policy.n", "values": {"name": "n", "policy": 5}},
            ]
        },
        '"policy": 5',
    ),
    "assume_role_policy-object": (
        {"resources": [GOOD_RESOURCE, _role({"name": "r", "assume_role_policy": {}})]},
        '"assume_role_policy"',
    ),
}


@pytest.mark.parametrize("shape", sorted(PLAN_SHAPES))
def test_plan_json_of_the_wrong_shape_is_a_finding_at_the_value(tmp_path, shape):
    root_module, marker = PLAN_SHAPES[shape]
    path = tmp_path / "plan.json"
    text = json.dumps({"format_version": "1.2", "planned_values": {"root_module": root_module}}, indent=2)
    path.write_text(text)
    proc, findings = _check(path)
    assert proc.returncode == 1
    [wrong] = [f for f in findings if f["rule"] == "IAM001"]
    assert "wrong shape" in wrong["message"]
    line = next(i for i, text_line in enumerate(text.splitlines(), 1) if marker in text_line)
    assert wrong["line"] == line, (wrong, marker)
    _assert_other_linted(findings, path)


@pytest.mark.parametrize(
    "root_module",
    [
        {"planned_values": {"root_module": {"child_modules": True}}},
        {"planned_values": {"root_module": {"child_modules": [{"resources": 1}]}}},
        {
            "planned_values": {
                "root_module": {"resources": [{"type": "aws_iam_role", "values": {"inline_policy": True}}]}
            }
        },
    ],
    ids=["child_modules-true", "resources-1", "inline_policy-true"],
)
def test_the_plans_of_the_issue_are_findings(tmp_path, root_module):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(root_module))
    proc, findings = _check(path)
    assert proc.returncode == 1
    assert [f["rule"] for f in findings] == ["IAM001"]
