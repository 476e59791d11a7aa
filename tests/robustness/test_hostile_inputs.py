"""Hostile input: every case ends as a finding or a one-line error naming the
file, within seconds, and the run goes on with the next file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

GOOD = '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


def _big_statements(n: int) -> bytes:
    st = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b/{i}"} for i in range(n)]
    return json.dumps({"Version": "2012-10-17", "Statement": st}).encode()


CASES = {
    "empty.json": b"",
    "whitespace.json": b"   \n\t  \r\n",
    "null.json": b"null",
    "list.json": b"[]",
    "number.json": b"42",
    "truncated.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Act',
    "deep-arrays.json": b'{"Statement": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep-objects.json": b'{"Statement": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}",
    "huge-string.json": b'{"Version": "2012-10-17", "Statement": [{"Sid": "' + b"A" * (20 * 1024 * 1024) + b'"}]}',
    "many-statements.json": _big_statements(20_000),
    "one-long-line.json": b'{"Statement": ['
    + b",".join([b'{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}'] * 18_000)
    + b"]}",
    "invalid-utf8.json": b'{"Statement": [{"Sid": "\xc3\x28"}]}',
    "utf16.json": '{"Statement": []}'.encode("utf-16"),
    "bom.json": b"\xef\xbb\xbf" + GOOD.encode(),
    "binary.json": bytes(range(256)) * 4,
    "nan.json": b'{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
    b'"Condition": {"NumericLessThan": {"s3:max-keys": NaN}}}]}',
    "huge-number.json": b'{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
    b'"Condition": {"NumericLessThan": {"s3:max-keys": 1e99999}}}]}',
    "lone-surrogate.json": b'{"Statement": [{"Sid": "\\ud800", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    "control-chars.json": b'{"Statement": [{"Sid": "a\x01b", "Effect": "Allow"}]}',
    # terminal and CI-log control in values that reach messages (escaped in text output)
    "escape-sequences.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", '
    b'"Action": "s3:Get\\u001b]0;t\\u0007\\u001b[2J\\n::error::x"}]}',
    "raw-escape.tf": b'resource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
    b'Action = "s3:Get\x1b[2J\x07\r::error::x", Resource = "*"}]})\n}\n',
    "nul-bytes.json": b'{"Statement": [\x00{"Sid": "\x00"}]}\x00',
    "cr-only.json": GOOD.replace(", ", ",\r").encode(),
    "line-separator.json": GOOD.replace('"allow"', '"allow\u2028\u202e"').encode(),
    "wrong-types.json": b'{"Version": 1, "Statement": [{"Effect": 1, "Action": {"a": 1}, "Resource": [[]], '
    b'"Condition": [1], "Principal": 7, "Sid": null}]}',
    "statement-string.json": b'{"Version": "2012-10-17", "Statement": "Allow everything"}',
    "duplicate-keys.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", '
    b'"Action": "s3:*", "Resource": "*"}]}',
    "crlf.json": GOOD.replace(", ", ",\r\n").encode(),
    "alias-bomb.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\n"
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        b"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags: *h\n"
    ),
    "python-tag.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\n"
        b"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        b"      RoleName: !!python/object/apply:os.system ['touch PWNED_BY_YAML']\n"
    ),
    "unknown-tag.yaml": b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n"
    b"    Properties:\n      RoleName: !Whatever x\n",
    "broken.yaml": b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n"
    b"   Properties: [\n",
    "broken.tf": b'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"Statement": [\nEOF\n  name = \n',
    "broken-heredoc.tf": b'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"Version": "2012-10-17", '
    b'"Statement": [{"Effect": "Allow",}]}\nEOF\n}\n',
    "deep.tf": b"locals {\n  x = " + b"[" * 5000 + b"]" * 5000 + b"\n}\n",
    # Terraform evaluation (issue 14): doubling locals and strings, file() outside, plans of the wrong shape
    "tf-locals-doubling.tf": b'locals {\n  a0 = "x"\n'
    + b"".join(b"  a%d = [local.a%d, local.a%d]\n" % (i, i - 1, i - 1) for i in range(1, 31))
    + b'}\nresource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
    b'Action = "s3:GetObject", Resource = local.a30}]})\n}\n',
    "tf-interpolation-doubling.tf": b'locals {\n  s0 = "ab"\n'
    + b"".join(b'  s%d = "${local.s%d}${local.s%d}"\n' % (i, i - 1, i - 1) for i in range(1, 31))
    + b'}\nresource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
    b'Action = "s3:GetObject", Resource = local.s30}]})\n}\n',
    "tf-file-dev-zero.tf": b'resource "aws_iam_policy" "p" {\n  policy = file("/dev/zero")\n}\n',
    "tf-file-etc-passwd.tf": b'resource "aws_iam_policy" "p" {\n'
    b'  policy = templatefile("${path.module}/../../../../../../etc/passwd", '
    b"{})\n}\n",
    "tf-huge-int.tf": b"locals {\n  n = "
    + b"9" * 5000
    + b'\n}\nresource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
    b'Action = "s3:GetObject", Resource = "arn:aws:s3:::${local.n}"}]})\n}\n',
    "plan-child-modules-true.json": b'{"planned_values":{"root_module":{"child_modules":true}}}',
    "plan-resources-number.json": b'{"planned_values":{"root_module":{"child_modules":[{"resources":1}]}}}',
    "plan-inline-policy-true.json": b'{"planned_values":{"root_module":{"resources":'
    b'[{"type":"aws_iam_role","values":{"inline_policy":true}}]}}}',
    # Wildcard shapes that made the old backtracking translation exponential (issue 14)
    "glob-action.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    b'"Action": "s3:*?*?*?*?*?*?*?*?x", "Resource": "*"}]}',
    "glob-star-action.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    b'"Action": "******x", "Resource": "*"}]}',
    "glob-not-action.json": b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    b'"NotAction": ["s3:*?*?*?*?*?*?*?*?x", "******x"], "Resource": "*"}]}',
    "glob-trust-action.json": json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "*?" * 18 + "x"}
            ],
        }
    ).encode(),
    "glob-resource.json": json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": ["arn:aws:s3:::*?*?*?*?*?*?*?*?x", "arn:aws:s3:::******x"],
                },
                {
                    "Effect": "Deny",
                    "Action": "s3:GetObject",
                    "NotResource": "arn:aws:s3:::" + "*a" * 30 + "*?" * 30 + "x",
                },
            ],
        }
    ).encode(),
    "glob-principal-and-condition.json": json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/" + "*?" * 20 + "x"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringLike": {
                            "aws:PrincipalArn": "arn:aws:iam::*?*?*?*?*?*?*?*?x",
                            "sts:RoleSessionName": "******x",
                        },
                        "ArnLike": {"aws:SourceArn": ["arn:aws:*?*?*?*?*?*?*?*?x", "*" * 40 + "?" * 40]},
                    },
                }
            ],
        }
    ).encode(),
    # CloudFormation resolution bombs (issue 14): doubling, multiplying, aliasing, merging
    "cfn-findinmap-join-doubling.json": json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Mappings": {
                "M": {
                    "L0": {"v": "arn:aws:s3:::b"},
                    **{
                        f"L{i}": {"v": {"Fn::Join": ["", [{"Fn::FindInMap": ["M", f"L{i - 1}", "v"]}] * 2]}}
                        for i in range(1, 31)
                    },
                }
            },
            "Resources": {
                "P": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "s3:GetObject",
                                    "Resource": {"Fn::FindInMap": ["M", "L30", "v"]},
                                }
                            ]
                        }
                    },
                }
            },
        }
    ).encode(),
    "cfn-nested-sub.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n"
        b"    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        b"            Action: s3:GetObject\n            Resource: "
        + b'!Sub ["${a}${a}${a}${a}${a}${a}${a}${a}", {a: ' * 12
        + b"arn:aws:s3:::bucket/"
        + b"}]" * 12
        + b"\n"
    ),
    "cfn-sub-many-references.json": json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"x": {"Type": "String", "Default": "a" * 4096}},
            "Resources": {
                "P": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {
                        "PolicyDocument": {
                            "Statement": [
                                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${x}" * 20_000}}
                            ]
                        }
                    },
                }
            },
        }
    ).encode(),
    "cfn-join-of-aliases.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n  S: &s " + b"a" * 10240 + b"\n"
        b"Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        b"        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n"
        b"            Resource: !Join ['', [" + b", ".join([b"*s"] * 5000) + b"]]\n"
    ),
    "cfn-reused-lists.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nMappings:\n  M:\n    L0: {v: [s3:GetObject]}\n"
        + b"".join(
            b"    L%d: {v: [!FindInMap [M, L%d, v], !FindInMap [M, L%d, v]]}\n" % (i, i - 1, i - 1)
            for i in range(1, 31)
        )
        + b"Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        b"        Statement:\n          - Effect: Allow\n            Resource: '*'\n"
        b"            Action: !FindInMap [M, L30, v]\n"
    ),
    "yaml-merge-repeated.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nBase: &a\n"
        + b"".join(b"  k%d: v\n" % i for i in range(3000))
        + b"Other:\n  <<: ["
        + b", ".join([b"*a"] * 4000)
        + b"]\n"
        b"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: r\n"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(tmp_path, name):
    bad = tmp_path / name
    bad.write_bytes(CASES[name])
    good = tmp_path / "zz-good.json"
    good.write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--format", "json", "--fail-on", "never", str(bad), str(good)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr)
    data = json.loads(proc.stdout)
    assert any(f["file"] == str(good) for f in data["findings"]), "the run did not go on to the next file"
    for line in proc.stderr.splitlines():
        assert str(bad) in line, f"stderr line does not name the file: {line!r}"
    assert not (tmp_path / "PWNED_BY_YAML").exists(), "a YAML tag executed code"
    for f in data["findings"]:
        assert f["line"] >= 1 and f["column"] >= 1
        assert (f["end_line"], f["end_column"]) >= (f["line"], f["column"])


def test_symlink_loop_and_unreadable_file(tmp_path):
    (tmp_path / "d").mkdir()
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    secret = tmp_path / "d" / "unreadable.json"
    secret.write_text(GOOD)
    secret.chmod(0)
    good = tmp_path / "d" / "good.json"
    good.write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert any(f["file"].endswith("good.json") for f in data["findings"])
    if os.geteuid() != 0:  # root can read mode-0 files
        assert "unreadable.json" in proc.stderr


def test_max_file_size_skips_with_message(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(GOOD + " " * 2000)
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--max-file-size", "1000", str(big)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "big.json" in proc.stderr and "max-file-size" in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_a_device_that_never_ends_is_not_read(tmp_path, cache):
    # only regular files are read (a FIFO would block, a device may never
    # end): a named device is a one-line error before a byte is read, with
    # or without --max-file-size
    env = {**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", *cache, "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == "iamlint: /dev/zero: not a regular file (a character device): not read\n"
