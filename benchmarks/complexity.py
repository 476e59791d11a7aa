#!/usr/bin/env python3
"""How iamlint's cost grows with the size of one file, dimension by dimension.

    .venv/bin/python benchmarks/complexity.py            # every dimension
    .venv/bin/python benchmarks/complexity.py --quick    # one run per size, smaller sizes
    .venv/bin/python benchmarks/complexity.py --only actions --only tf_roles
    .venv/bin/python benchmarks/complexity.py --check    # exit 1 if an exponent > 1.15
    .venv/bin/python benchmarks/complexity.py --quick --instructions   # valgrind counts

Each dimension grows one thing inside one file (the actions of one array, the
roles of one ``.tf`` file, ...) in 10x steps and lints the generated file in
this process through the public API (:func:`iamlint.api.lint_data`, default
registry and configuration), taking the best of a few runs.  Between two
successive sizes the exponent is ``log(t2 / t1) / log(10)``: 1.0 is linear,
2.0 quadratic.  A fixed cost per file pulls the first exponent below 1, so the
sizes start where the file's own work dominates.

Every repetition lints a fresh text (its names carry a different salt), so the
process-wide memos of a previous run of the same text do not flatter the
figure.  The generators are plain functions of ``(n, salt)`` returning
``(file name, bytes)``, importable by tests (``GENERATORS``).
"""

from __future__ import annotations

import argparse
import atexit
import functools
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

from iamlint.api import default_registry, lint_data
from iamlint.config import Config

#: the exponent a dimension may show, with room for the machine's noise
LIMIT = 1.15


# --------------------------------------------------------------------------
# generators: (n, salt) -> (file name, file bytes)


def _tag(i: int, salt: int) -> str:
    """Six digits, distinct for each ``i`` below a million, spread over the
    whole range: names of every size have the same length and mix of
    characters (a did-you-mean costs more for a name with more distinct
    characters, which would pass for super-linear growth)."""
    return f"{(i * 7919 + salt * 104729) % 10**6:06d}"


def _policy(statements: list[dict]) -> dict:
    return {"Version": "2012-10-17", "Statement": statements}


def _dumps(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


def unknown_actions(n: int, salt: int = 0) -> tuple[str, bytes]:
    """One statement whose Action array has ``n`` unknown actions (IAM101 each)."""
    actions = [f"s3:NoSuchAction{_tag(i, salt)}" for i in range(n)]
    stmt = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    return "policy.json", _dumps(_policy([stmt]))


def malformed_arns(n: int, salt: int = 0) -> tuple[str, bytes]:
    """One statement whose Resource array has ``n`` malformed ARNs."""
    resources = [f"arn:aws:s3:{salt}:bucket{i}" for i in range(n)]
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}
    return "policy.json", _dumps(_policy([stmt]))


def trust_principals(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A trust policy whose Principal.AWS list names ``n`` accounts' roles."""
    principals = [f"arn:aws:iam::{(salt * 7919 + i) % 10**12:012d}:role/r{i}" for i in range(n)]
    stmt = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    return "trust.json", _dumps(_policy([stmt]))


def one_line(n: int, salt: int = 0) -> tuple[str, bytes]:
    """The unknown-actions policy written on one line (no newlines at all)."""
    actions = [f"s3:NoSuchAction{_tag(i, salt)}" for i in range(n)]
    stmt = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    return "policy.json", json.dumps(_policy([stmt]), separators=(",", ":")).encode()


def statements(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A policy of ``n`` statements, each with an unknown action and a bucket ARN."""
    stmts = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": [f"s3:NoSuch{_tag(i, salt)}", "s3:GetObject"],
            "Resource": f"arn:aws:s3:::bucket-{salt}-{i}/*",
        }
        for i in range(n)
    ]
    return "policy.json", _dumps(_policy(stmts))


def condition_keys(n: int, salt: int = 0) -> tuple[str, bytes]:
    """One statement whose Condition block has ``n`` keys (half of them unknown)."""
    keys = {}
    for i in range(n):
        keys[f"aws:PrincipalTag/t{_tag(i, salt)}" if i % 2 else f"s3:nosuchkey{_tag(i, salt)}"] = f"v{i}"
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": keys}}
    return "policy.json", _dumps(_policy([stmt]))


def _cfn_resources(n: int, salt: int) -> dict:
    resources = {}
    for i in range(n):
        resources[f"Role{i}"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _policy(
                    [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
                ),
                "Policies": [
                    {
                        "PolicyName": f"p{i}",
                        "PolicyDocument": _policy(
                            [
                                {
                                    "Effect": "Allow",
                                    "Action": [f"s3:NoSuch{_tag(i, salt)}", "s3:GetObject"],
                                    "Resource": {"Fn::Sub": f"arn:aws:s3:::${{AWS::StackName}}-{i}/*"},
                                }
                            ]
                        ),
                    }
                ],
            },
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def cfn_json(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A CloudFormation JSON template of ``n`` roles, each with an inline policy."""
    return "template.json", _dumps(_cfn_resources(n, salt))


def cfn_yaml(n: int, salt: int = 0) -> tuple[str, bytes]:
    """The same template written as YAML (block style, as people write it)."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(n):
        lines += [
            f"  Role{i}:",
            "    Type: AWS::IAM::Role",
            "    Properties:",
            "      AssumeRolePolicyDocument:",
            "        Version: '2012-10-17'",
            "        Statement:",
            "          - Effect: Allow",
            "            Principal:",
            "              Service: lambda.amazonaws.com",
            "            Action: sts:AssumeRole",
            "      Policies:",
            f"        - PolicyName: p{i}",
            "          PolicyDocument:",
            "            Version: '2012-10-17'",
            "            Statement:",
            "              - Effect: Allow",
            "                Action:",
            f"                  - s3:NoSuch{_tag(i, salt)}",
            "                  - s3:GetObject",
            f"                Resource: !Sub 'arn:aws:s3:::${{AWS::StackName}}-{i}/*'",
        ]
    return "template.yaml", ("\n".join(lines) + "\n").encode()


def tf_roles(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A ``.tf`` file of ``n`` roles, each with a trust policy, an inline
    policy resource and a customer managed policy attached by reference."""
    parts = []
    for i in range(n):
        parts.append(f"""
resource "aws_iam_role" "r{i}" {{
  name = "role-{salt}-{i}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::{(salt * 7919 + i) % 10**12:012d}:root" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}

resource "aws_iam_role_policy" "p{i}" {{
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = ["s3:NoSuch{_tag(i, salt)}", "s3:GetObject"]
      Resource = "arn:aws:s3:::bucket-{i}/*"
    }}]
  }})
}}

resource "aws_iam_policy" "m{i}" {{
  name   = "managed-{i}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "a{i}" {{
  role       = aws_iam_role.r{i}.name
  policy_arn = aws_iam_policy.m{i}.arn
}}
""")
    return "main.tf", "".join(parts).encode()


def tf_statements(n: int, salt: int = 0) -> tuple[str, bytes]:
    """One ``data "aws_iam_policy_document"`` with ``n`` statement blocks, used
    by a policy resource."""
    parts = ['data "aws_iam_policy_document" "big" {\n']
    for i in range(n):
        parts.append(f"""  statement {{
    sid       = "S{i}"
    actions   = ["s3:NoSuch{_tag(i, salt)}", "s3:GetObject"]
    resources = ["arn:aws:s3:::bucket-{i}/*"]
  }}
""")
    parts.append('}\n\nresource "aws_iam_policy" "big" {\n  policy = data.aws_iam_policy_document.big.json\n}\n')
    return "main.tf", "".join(parts).encode()


def tf_locals(n: int, salt: int = 0) -> tuple[str, bytes]:
    """``n`` locals, each built from the one before (a linear chain of
    references, as ``name_prefix``-style locals are), all used in one policy."""
    lines = ["locals {", f'  l0 = "bucket-{salt}"']
    lines += [f'  l{i} = "${{local.l{i - 1}}}"' if i % 50 else f'  l{i} = "b{i}-{salt}"' for i in range(1, n)]
    lines.append("}")
    resources = ", ".join(f'"arn:aws:s3:::${{local.l{i}}}/*"' for i in range(n))
    lines.append(f"""
resource "aws_iam_policy" "p" {{
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = [{resources}]
    }}]
  }})
}}""")
    return "main.tf", ("\n".join(lines) + "\n").encode()


def suppressions(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A CloudFormation YAML template of ``n`` managed policies, each with an
    unknown action silenced by an ``# iamlint: ignore`` comment and another
    one reported (and a comment that silences nothing: IAM012)."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(n):
        lines += [
            f"  Policy{i}:",
            "    Type: AWS::IAM::ManagedPolicy",
            "    Properties:",
            "      PolicyDocument:",
            "        Version: '2012-10-17'",
            "        Statement:",
            "          - Effect: Allow",
            "            Action:",
            "              # iamlint: ignore[IAM103] known typo, fixed upstream",
            f"              - s3:NoSuch{_tag(i, salt)}",
            f"              - s3:Other{_tag(i, salt)}",
            "            # iamlint: ignore[IAM105]",
            "            Resource: '*'",
        ]
    return "template.yaml", ("\n".join(lines) + "\n").encode()


def tf_heredoc(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A policy written as JSON in a heredoc whose Resource list has ``n``
    interpolations of a local (embedded JSON: interpolations found, replaced
    and mapped back to the file)."""
    resources = ",\n        ".join(f'"arn:aws:s3:::${{local.bucket}}-{i}/*"' for i in range(n))
    text = f"""locals {{
  bucket = "data-{salt}"
}}

resource "aws_iam_policy" "p" {{
  policy = <<EOF
{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Effect": "Allow",
      "Action": ["s3:NoSuchAction{_tag(0, salt)}", "s3:GetObject"],
      "Resource": [
        {resources}
      ]
    }}
  ]
}}
EOF
}}
"""
    return "main.tf", text.encode()


def tf_plan(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A Terraform plan JSON with ``n`` roles, each with an inline policy and
    an attached customer managed policy of the plan."""
    resources = []
    for i in range(n):
        trust = _policy(
            [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        )
        inline = _policy([{"Effect": "Allow", "Action": [f"s3:NoSuch{_tag(i, salt)}"], "Resource": "*"}])
        managed = _policy([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}])
        arn = f"arn:aws:iam::123456789012:policy/m{i}"
        resources += [
            {
                "address": f"aws_iam_role.r{i}",
                "mode": "managed",
                "type": "aws_iam_role",
                "name": f"r{i}",
                "values": {
                    "name": f"r{i}",
                    "assume_role_policy": json.dumps(trust),
                    "inline_policy": [{"name": "p", "policy": json.dumps(inline)}],
                },
            },
            {
                "address": f"aws_iam_policy.m{i}",
                "mode": "managed",
                "type": "aws_iam_policy",
                "name": f"m{i}",
                "values": {"name": f"m{i}", "arn": arn, "policy": json.dumps(managed)},
            },
            {
                "address": f"aws_iam_role_policy_attachment.a{i}",
                "mode": "managed",
                "type": "aws_iam_role_policy_attachment",
                "name": f"a{i}",
                "values": {"role": f"r{i}", "policy_arn": arn},
            },
        ]
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}}
    return "plan.json", _dumps(plan)


def account_dump(n: int, salt: int = 0) -> tuple[str, bytes]:
    """A get-account-authorization-details dump with ``n`` roles."""
    roles = []
    for i in range(n):
        roles.append(
            {
                "RoleName": f"r{i}",
                "Arn": f"arn:aws:iam::123456789012:role/r{i}",
                "Path": "/",
                "AssumeRolePolicyDocument": _policy(
                    [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
                ),
                "RolePolicyList": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": _policy(
                            [{"Effect": "Allow", "Action": [f"s3:NoSuch{_tag(i, salt)}"], "Resource": "*"}]
                        ),
                    }
                ],
                "AttachedManagedPolicies": [],
                "InstanceProfileList": [],
            }
        )
    dump = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []}
    return "account.json", _dumps(dump)


class Dimension(NamedTuple):
    generate: Callable[[int, int], tuple[str, bytes]]
    #: three sizes in 10x steps; the largest takes a few seconds
    sizes: tuple[int, int, int]


GENERATORS: dict[str, Dimension] = {
    "actions": Dimension(unknown_actions, (100, 1_000, 10_000)),
    "arns": Dimension(malformed_arns, (1_000, 10_000, 100_000)),
    "principals": Dimension(trust_principals, (1_000, 10_000, 100_000)),
    "one_line": Dimension(one_line, (100, 1_000, 10_000)),
    "statements": Dimension(statements, (100, 1_000, 10_000)),
    "conditions": Dimension(condition_keys, (200, 2_000, 20_000)),
    "cfn_json": Dimension(cfn_json, (30, 300, 3_000)),
    "cfn_yaml": Dimension(cfn_yaml, (30, 300, 3_000)),
    "tf_roles": Dimension(tf_roles, (10, 100, 1_000)),
    "tf_statements": Dimension(tf_statements, (30, 300, 3_000)),
    "tf_locals": Dimension(tf_locals, (30, 300, 3_000)),
    "suppressions": Dimension(suppressions, (30, 300, 3_000)),
    "tf_heredoc": Dimension(tf_heredoc, (100, 1_000, 10_000)),
    "tf_plan": Dimension(tf_plan, (30, 300, 3_000)),
    "account_dump": Dimension(account_dump, (30, 300, 3_000)),
}


# --------------------------------------------------------------------------
# measuring


@functools.cache
def _empty_directory() -> str:
    """Where the generated files are said to be: an empty directory, so that
    a Terraform file's module has no other files (the current directory may)."""
    directory = tempfile.TemporaryDirectory(prefix="iamlint-complexity-")
    atexit.register(directory.cleanup)
    return directory.name


def lint_seconds(name: str, data: bytes) -> tuple[float, int]:
    """CPU seconds to lint one file in this process, and its number of findings.

    CPU time of this process, not wall-clock time: on a machine shared with
    other work the wall clock also counts the time the process waited for a
    core, which swings by 2x within seconds and would decide the exponent."""
    registry, config = default_registry(), Config()
    name = os.path.join(_empty_directory(), name)  # a .tf file's module: no sibling files
    start = time.process_time()
    report = lint_data(name, data, config, registry)
    seconds = time.process_time() - start
    if report.error:
        raise SystemExit(f"{name}: {report.error}")
    return seconds, len(report.findings)


#: a measurement shorter than this is the mean of several runs (a 10 ms run
#: on a busy machine is mostly noise, and the smallest size sets the exponent)
MIN_SAMPLE = 0.25


def measure(dim: Dimension, sizes: tuple[int, ...], repeats: int, salt: list[int]) -> list[tuple[float, int]]:
    """Best-of-``repeats`` seconds (and findings) for each size; each sample
    the mean of enough runs to last :data:`MIN_SAMPLE`."""
    results = []
    for n in sizes:
        salt[0] += 1
        first, findings = lint_seconds(*dim.generate(n, salt[0]))
        runs = max(1, math.ceil(MIN_SAMPLE / max(first, 1e-3)))
        # a long first run is one of the samples; a short one only sets the count
        best, samples = (first, repeats - 1) if runs == 1 else (math.inf, repeats)
        for _ in range(samples):
            total = 0.0
            for _ in range(runs):
                salt[0] += 1
                seconds, findings = lint_seconds(*dim.generate(n, salt[0]))
                total += seconds
            best = min(best, total / runs)
        results.append((best, findings))
    return results


_ONE_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
import complexity
dim = complexity.GENERATORS[sys.argv[2]]
complexity.lint_seconds(*dim.generate(3, -1))
if int(sys.argv[3]):
    complexity.lint_seconds(*dim.generate(int(sys.argv[3]), 7))
"""


def instructions(name: str, n: int) -> int:
    """Instructions executed by a fresh process that warms up and lints the
    ``n``-sized file of dimension ``name`` (valgrind's cachegrind, no cache
    simulation, fixed hash seed and address layout: the same count every run,
    however loaded the machine is)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "setarch",
                "-R",
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={tmp}/cg.out",
                sys.executable,
                "-c",
                _ONE_RUN,
                os.path.dirname(os.path.abspath(__file__)),
                name,
                str(n),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    for line in out.stderr.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.split(":", 1)[1].strip().replace(",", ""))
    raise SystemExit(f"valgrind failed for {name} {n}:\n{out.stderr[-2000:]}")


def measure_instructions(name: str, sizes: tuple[int, ...]) -> list[tuple[float, None]]:
    """Instructions (in units of 1e9) of linting each size: a run's count less
    that of a run that only warms up, so start-up is not counted."""
    base = instructions(name, 0)
    return [((instructions(name, n) - base) / 1e9, None) for n in sizes]


def exponents(sizes: tuple[int, ...], seconds: list[float]) -> list[float]:
    """The growth exponent between each pair of successive sizes."""
    return [
        math.log(t2 / t1) / math.log(n2 / n1)
        for (n1, t1), (n2, t2) in itertools.pairwise(zip(sizes, seconds, strict=True))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the two smaller sizes only, one run each")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(GENERATORS),
        metavar="DIM",
        help=f"measure only this dimension (repeatable): {', '.join(GENERATORS)}",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per size, the best counts (default 3)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if any exponent exceeds {LIMIT}")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions under valgrind instead of CPU seconds (deterministic; "
        "about 30x slower, so with --quick unless you have time)",
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    names = args.only or list(GENERATORS)
    if not args.instructions:
        for name in names:  # warm-up: registry, catalog index, each source's imports and parsers
            lint_seconds(*GENERATORS[name].generate(3, -1))
    salt = [0]
    worst = 0.0
    unit = "G instructions" if args.instructions else "CPU seconds"
    print(f"{'dimension':<14} {'sizes':>22}  {unit:>26}  {'findings':>8}  exponents")
    for name in names:
        dim = GENERATORS[name]
        sizes = dim.sizes[:2] if args.quick else dim.sizes
        results = measure_instructions(name, sizes) if args.instructions else measure(dim, sizes, repeats, salt)
        seconds = [t for t, _ in results]
        exps = exponents(sizes, seconds)
        worst = max([worst, *exps])
        print(
            f"{name:<14} {' / '.join(f'{n:,}' for n in sizes):>22}  "
            f"{' / '.join(f'{t:.3f}' for t in seconds):>26}  "
            f"{results[-1][1] if results[-1][1] is not None else '-':>8}  "
            f"{'  '.join(f'{e:.2f}' for e in exps)}",
            flush=True,
        )
    print(f"worst exponent: {worst:.2f} (limit {LIMIT})")
    return 1 if args.check and worst > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
