"""The work of linting one file grows linearly with what is in it (issue 14,
"super-linear costs").

Each test checks a structural property -- how much text a step scans, how many
times a step runs -- for n elements of one dimension, never a time: the
exponents themselves are measured by ``benchmarks/complexity.py``.  The inputs
come from that benchmark's generators, and every test also checks that the
answers (positions, fingerprints, assembled roles) are exactly what the
straightforward way gives.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import re
import sys
from bisect import bisect_right
from pathlib import Path

import pytest

from iamlint import suppress
from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine import runner
from iamlint.engine.registry import Registry
from iamlint.findings import Finding, Span
from iamlint.parsing.locate import JsonLocator
from iamlint.parsing.parse import parse
from iamlint.sources import read_source, terraform, terraform_plan
from iamlint.sources.hclpos import find_interpolations
from iamlint.suppress import Suppression, apply

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import complexity

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


# --------------------------------------------------------------------------
# JSON positions: a line start is searched from the nearest known offset


class _CountingText(str):
    """Text that adds up how many characters ``count`` and ``rfind`` scan (the
    locator's only searches for newlines; ``rfind`` stops at the last match)."""

    scanned = 0

    def count(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        _CountingText.scanned += max(0, end - start)
        return str.count(self, sub, start, end)

    def rfind(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        found = str.rfind(self, sub, start, end)
        _CountingText.scanned += max(0, end - (found if found >= 0 else start))  # it searches backwards
        return found


def _expected_span(text: str, start: int, end: int) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) by brute force over the text's newlines."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(newlines, offset - 1)
        line_start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - line_start + 1

    return (*position(start), *position(end))


@pytest.mark.parametrize("layout", ["one line", "indented"])
@pytest.mark.parametrize("order", ["ascending", "descending", "random"])
def test_locating_every_element_of_a_long_array_scans_the_text_a_bounded_number_of_times(layout, order):
    """n lookups in one Action array (a finding per unknown action) scan for
    newlines near each lookup, not back to the start of the text: in a
    minified policy the old line-start search made them cost O(n^2)."""
    n = 4000
    generate = complexity.one_line if layout == "one line" else complexity.unknown_actions
    text = generate(n, 1)[1].decode()
    pointers = [f"/Statement/0/Action/{i}" for i in range(n)]
    if order == "descending":
        pointers.reverse()
    elif order == "random":
        random.Random(14).shuffle(pointers)
    reference = JsonLocator(text)  # full indexing: the offsets to compare with
    _CountingText.scanned = 0
    lazy = JsonLocator(_CountingText(text), valid=True)
    spans = {p: lazy.span(p) for p in pointers}
    scanned = _CountingText.scanned
    actions = json.loads(text)["Statement"][0]["Action"]
    assert len(set(actions)) == n  # each element's text occurs once: its offsets are found by a search
    for pointer in pointers[:: n // 200]:
        element = json.dumps(actions[int(pointer.rsplit("/", 1)[1])])
        start = text.index(element)
        end = start + len(element)
        assert tuple(spans[pointer]) == _expected_span(text, start, end), pointer
        assert spans[pointer] == reference.span(pointer)
    # each lookup scans within a few KB of an offset seen before (the old
    # search scanned half of a 100 KB line per lookup: ~2e8 characters here)
    assert scanned <= 3 * len(text) + 2 * 4096 * n
    assert scanned < n * len(text) / 20


def test_parse_locator_positions_agree_with_full_indexing_on_long_lines():
    """The positions of parse()'s lazy locator, looked up in any order, are
    those of the full index on one-line and CRLF texts with a byte-order mark."""
    value = json.loads(complexity.one_line(300, 2)[1])
    texts = [
        json.dumps(value),
        "\ufeff" + json.dumps(value, indent=1).replace("\n", "\r\n"),
        json.dumps(value, indent=2).replace(', "', ',\n"', 50),
    ]
    pointers = [""] + [f"/Statement/0/Action/{i}" for i in range(300)] + ["/Statement/0/Resource", "/Version"]
    rnd = random.Random(3)
    for text in texts:
        reference = JsonLocator(text)
        for sample in (pointers, pointers[::-1], rnd.sample(pointers, len(pointers))):
            lazy = parse(text).locator
            for pointer in sample:
                assert lazy.span(pointer) == reference.span(pointer), pointer
                assert lazy.key_span(pointer) == reference.key_span(pointer), pointer


# --------------------------------------------------------------------------
# fingerprints: the enclosing statement is hashed once, not once per finding


class _CountingHash:
    """hashlib.sha256 that adds up the bytes it is given (copies included)."""

    hashed = 0

    def __init__(self, data: bytes = b"", inner=None) -> None:
        self._inner = inner if inner is not None else hashlib.sha256()
        self.update(data)

    def update(self, data: bytes) -> None:
        _CountingHash.hashed += len(data)
        self._inner.update(data)

    def copy(self) -> _CountingHash:
        return _CountingHash(inner=self._inner.copy())

    def hexdigest(self) -> str:
        return self._inner.hexdigest()


class _CountingHashlib:
    sha256 = _CountingHash


def _old_fingerprint(finding, value, heads: dict | None = None) -> str:
    """The fingerprint as it was always computed: rule, file, owner, pointer
    with ``#`` for indexes, and the statement's and the value's canonical JSON
    with the message (numbers blanked) -- the oracle for statements below
    runner.LARGE_STATEMENT, whose fingerprints must not change."""
    parts = finding.pointer.split("/")
    statement = value["Statement"][int(parts[2])]
    node = value
    for token in parts[1:]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    message = re.sub(r"[0-9]+", "#", finding.message)
    encode = json.JSONEncoder(sort_keys=True, default=str).encode
    heads = {} if heads is None else heads  # the statement's part, once per statement
    head = heads.get(parts[2])
    if head is None:
        head = heads[parts[2]] = encode(statement)
        if len(head) > runner.LARGE_STATEMENT:
            head = heads[parts[2]] = '"sha256:' + hashlib.sha256(head.encode()).hexdigest() + '"'
    text = "[[" + head + "," + encode(node) + "]," + json.dumps(message) + "]"
    return runner.fingerprint(finding.rule, finding.file, finding.owner, finding.pointer, text)


@pytest.mark.parametrize(
    "dimension, n",
    [
        ("actions", 300),  # one rule, one pointer shape: every finding shares the statement's hashing
        ("arns", 2000),
        ("principals", 2000),
        ("conditions", 3000),  # a pointer per key: the large statement enters as its digest
    ],
)
def test_fingerprints_hash_each_statement_a_bounded_number_of_times(monkeypatch, registry, dimension, n):
    name, data = complexity.GENERATORS[dimension].generate(n, 3)
    value = json.loads(data)
    monkeypatch.setattr(runner, "hashlib", _CountingHashlib)
    _CountingHash.hashed = 0
    report = lint_bytes(name, data, Config(), registry)
    hashed = _CountingHash.hashed
    monkeypatch.undo()
    inside = [f for f in report.findings if f.pointer.startswith("/Statement/0/")]
    assert len(inside) >= n // 2
    # per finding its own value and message, plus each statement a few times
    # (hashing the statement per finding: n * len(data), 10**7 bytes and more)
    assert hashed <= 4 * len(data) + 400 * len(report.findings)
    heads: dict = {}
    for finding in inside:
        assert finding.fingerprint == _old_fingerprint(finding, value, heads), finding


def test_fingerprints_of_ordinary_statements_are_unchanged(registry):
    """Statements below the size limit (every one of the shared corpus) keep
    their fingerprints: a baseline written before still matches."""
    data = complexity.statements(40, 5)[1]
    value = json.loads(data)
    report = lint_bytes("policy.json", data, Config(), registry)
    inside = [f for f in report.findings if f.pointer.count("/") >= 3]
    assert len(inside) >= 40
    for finding in inside:
        assert finding.fingerprint == _old_fingerprint(finding, value)


# --------------------------------------------------------------------------
# Terraform: roles assembled from one index of the module


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_source(str(path), data)


def test_terraform_roles_read_the_module_once_not_once_per_role(monkeypatch, tmp_path):
    """Which principals each inline policy, attachment and access key names is
    read once per principal type, not again for every role (a file of n roles
    with their policies read n^2 resources)."""
    calls = []
    original = terraform.TerraformReader._targets

    def counting(self, attr, rtype):
        calls.append(rtype)
        return original(self, attr, rtype)

    monkeypatch.setattr(terraform.TerraformReader, "_targets", counting)
    n = 120
    result = _read(tmp_path, "main.tf", complexity.tf_roles(n, 1)[1])
    assert len(calls) <= 3 * n  # was 2 n^2: every role read every attachment and inline policy
    roles = {role.name: role for role in result.roles}
    assert len(roles) == n
    for i in range(n):
        role = roles[f"aws_iam_role.r{i}"]
        assert [doc.owner for doc in role.inline] == [f"aws_iam_role_policy.p{i}"]
        assert [(a.pointer, a.document.owner) for a in role.managed] == [("/attachments/0", f"aws_iam_policy.m{i}")]
        assert role.trust is not None and role.trust.value["Statement"][0]["Principal"]["AWS"].endswith(":root")


def test_terraform_principals_named_by_literal_name_and_several_resources(tmp_path):
    """The index answers what the scan did: a principal named by its IAM name
    (a string) or by reference, by several resources, in module order, and a
    resource naming several principals (aws_iam_policy_attachment)."""
    text = """
resource "aws_iam_role" "a" { name = "role-a" }
resource "aws_iam_role" "b" { name = "role-b" }
resource "aws_iam_user" "u" { name = "deployer" }
resource "aws_iam_role_policy" "first" {
  role   = "role-a"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
resource "aws_iam_policy_attachment" "both" {
  name       = "both"
  roles      = [aws_iam_role.a.name, "role-b"]
  users      = [aws_iam_user.u.name]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_role_policy" "second" {
  role   = aws_iam_role.a.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }] })
}
resource "aws_iam_access_key" "k" { user = "deployer" }
resource "aws_iam_access_key" "off" {
  user   = aws_iam_user.u.name
  status = "Inactive"
}
"""  # noqa: E501 (Terraform as one writes it)
    result = _read(tmp_path, "main.tf", text.encode())
    roles = {role.name: role for role in result.roles}
    a, b, u = roles["aws_iam_role.a"], roles["aws_iam_role.b"], roles["aws_iam_user.u"]
    assert [d.owner for d in a.inline] == ["aws_iam_role_policy.first", "aws_iam_role_policy.second"]
    assert (
        [m.arn for m in a.managed]
        == [m.arn for m in b.managed]
        == [m.arn for m in u.managed]
        == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    )
    assert b.inline == []
    assert [k.name for k in u.access_keys] == ["aws_iam_access_key.k"]


class _CountingTypes(dict):
    """A resource-type table that counts how often a type is looked up in it."""

    lookups = 0

    def __contains__(self, key) -> bool:
        _CountingTypes.lookups += 1
        return super().__contains__(key)


def test_terraform_plan_roles_look_up_their_resources(monkeypatch, tmp_path):
    """A plan's roles find their inline policies, attachments and managed
    policies by name, not by testing every resource of the plan per role."""
    monkeypatch.setattr(terraform_plan, "INLINE_TARGET", _CountingTypes(terraform_plan.INLINE_TARGET))
    _CountingTypes.lookups = 0
    n = 150
    result = _read(tmp_path, "plan.json", complexity.tf_plan(n, 1)[1])
    assert _CountingTypes.lookups <= 12 * n  # was 3 n^2 (every role tested all 3 n resources)
    roles = {role.name: role for role in result.roles}
    assert len(roles) == n
    for i in range(n):
        role = roles[f"aws_iam_role.r{i}"]
        assert len(role.inline) == 1 and role.trust is not None
        assert [(a.arn, a.document.owner) for a in role.managed] == [
            (f"arn:aws:iam::123456789012:policy/m{i}", f"aws_iam_policy.m{i}")
        ]


def test_terraform_plan_managed_policy_found_by_arn_or_name_first_in_plan_order(tmp_path):
    def policy(action):
        return json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
        )

    resources = [
        {
            "address": "aws_iam_policy.by_name",
            "type": "aws_iam_policy",
            "name": "by_name",
            "values": {
                "name": "shared",
                "arn": "arn:aws:iam::111122223333:policy/other",
                "policy": policy("s3:GetObject"),
            },
        },
        {
            "address": "aws_iam_policy.by_arn",
            "type": "aws_iam_policy",
            "name": "by_arn",
            "values": {"name": "x", "arn": "arn:aws:iam::111122223333:policy/shared", "policy": policy("s3:PutObject")},
        },
        {
            "address": "aws_iam_role.r",
            "type": "aws_iam_role",
            "name": "r",
            "values": {
                "name": "r",
                "managed_policy_arns": [
                    "arn:aws:iam::111122223333:policy/shared",
                    "arn:aws:iam::111122223333:policy/x",
                    "arn:aws:iam::111122223333:policy/none",
                ],
                "assume_role_policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
            },
        },
    ]
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}}
    result = _read(tmp_path, "plan.json", json.dumps(plan).encode())
    (role,) = result.roles
    owners = [a.document.owner if a.document else None for a in role.managed]
    assert owners == ["aws_iam_policy.by_name", "aws_iam_policy.by_arn", None]


# --------------------------------------------------------------------------
# the cyclic garbage collector does not rescan a large file's objects


def test_no_cyclic_collection_while_one_file_is_linted(registry, tmp_path):
    """A file's run makes no reference cycles, so the collector is paused
    while it runs: its full collections rescanned everything the file had
    built, again and again (half the time of 1,000 Terraform roles)."""
    data = complexity.cfn_yaml(400, 1)[1]
    collections = []

    def record(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    try:
        assert gc.isenabled()
        report = lint_bytes(str(tmp_path / "template.yaml"), data, Config(), registry)
        assert gc.isenabled()  # resumed after
        gc.disable()
        again = lint_bytes(str(tmp_path / "template.yaml"), data, Config(), registry)
        assert not gc.isenabled()  # left off when it was off
    finally:
        gc.enable()
        gc.callbacks.remove(record)
    assert len(report.findings) >= 400 and again.findings == report.findings
    assert collections == []


# --------------------------------------------------------------------------
# HCL: interpolations of embedded JSON found in one pass


class _CountingFinds(str):
    """Text that adds up how many characters ``find`` scans."""

    scanned = 0

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        found = str.find(self, sub, start, end)
        _CountingFinds.scanned += (found + len(sub) if found >= 0 else end) - start
        return found


def test_interpolations_of_a_long_heredoc_are_found_in_one_pass():
    """``${`` and ``%{`` are each searched again only past the last one found:
    searching both from every interpolation made n interpolations without
    any directive scan the rest of the text n times."""
    n = 3000
    body = complexity.tf_heredoc(n, 1)[1].decode()
    body = body[body.index("<<EOF") + 6 : body.index("\nEOF")]
    _CountingFinds.scanned = 0
    found = list(find_interpolations(_CountingFinds(body)))
    assert len(found) == n and {kind for _s, _e, kind in found} == {"interp"}
    assert all(body[s:e] == "${local.bucket}" for s, e, _kind in found)
    assert _CountingFinds.scanned <= 3 * len(body)  # was about n * len(body) / 2


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'a ${x} b %{ if y } c $${z} %%{w} ${"}"} ${',
            [(2, 6, "interp"), (9, 18, "directive"), (21, 22, "escape"), (27, 28, "escape"), (33, 39, "interp")],
        ),
        ("%{a}%{b}${c}", [(0, 4, "directive"), (4, 8, "directive"), (8, 12, "interp")]),
        (
            "${a}%{b}${c}%%{d}$${e}",
            [(0, 4, "interp"), (4, 8, "directive"), (8, 12, "interp"), (12, 13, "escape"), (17, 18, "escape")],
        ),
        ("$${a} ${b}", [(0, 1, "escape"), (6, 10, "interp")]),
        ("no interpolation", []),
    ],
)
def test_interpolations_and_escapes_are_found_in_order(text, expected):
    """What the search of both openings at every step found (its answers, kept)."""
    assert list(find_interpolations(text)) == expected


# --------------------------------------------------------------------------
# suppressions: each finding tested against the comments of its own line


def test_each_finding_is_tested_only_against_the_suppressions_that_may_cover_it(monkeypatch, registry):
    calls = []
    original = suppress.Suppression.covers

    def counting(self, finding):
        calls.append(1)
        return original(self, finding)

    monkeypatch.setattr(suppress.Suppression, "covers", counting)
    n = 300
    report = lint_bytes("template.yaml", complexity.suppressions(n, 1)[1], Config(), registry)
    rules = [f.rule for f in report.findings]
    assert rules.count("IAM012") == n  # each unused IAM105 comment
    assert not any(f.rule == "IAM103" and "NoSuch" in f.message for f in report.findings)  # silenced
    assert sum(1 for f in report.findings if f.rule == "IAM103" and "Other" in f.message) == n
    assert len(calls) <= 4 * len(report.findings)  # was findings x 2 n comments


def _naive_apply(findings, suppressions):
    """What apply() did: every suppression tested against every finding."""
    kept, hidden = [], []
    used = set()
    for f in findings:
        hits = [i for i, s in enumerate(suppressions) if s.covers(f)]
        used.update(hits)
        (hidden if hits else kept).append(f)
    return kept, hidden, [i for i in range(len(suppressions)) if i not in used]


def test_suppressions_apply_as_testing_each_against_each():
    rnd = random.Random(12)
    for _ in range(50):
        suppressions = []
        for _ in range(rnd.randint(0, 8)):
            rule = rnd.choice(["IAM1", "IAM101", "IAM105", "IAM3"])
            if rnd.random() < 0.3:
                suppressions.append(
                    Suppression(rule, Span(1, 1, 1, 2), owner=rnd.choice(["a", "b", ""]), source="metadata")
                )
            else:
                suppressions.append(
                    Suppression(rule, Span(1, 1, 1, 2), frozenset(rnd.sample(range(1, 8), rnd.randint(0, 2))))
                )
        findings = [
            Finding(
                rule=rnd.choice(["IAM101", "IAM105", "IAM301", "IAM012"]),
                name="x",
                severity="error",
                message=str(i),
                file="f",
                span=Span(rnd.randint(1, 8), 1, 1, 2),
                pointer="",
                owner=rnd.choice(["a", "b", ""]),
                fingerprint=str(i),
            )
            for i in range(rnd.randint(0, 12))
        ]
        expected = _naive_apply(findings, suppressions)
        for s in suppressions:
            s.used = False
        result = apply(findings, suppressions)
        assert (result.kept, result.suppressed) == expected[:2]
        assert result.unused == [suppressions[i] for i in expected[2]]


def _calls(func, *args):
    """(function calls made, result) of ``func(*args)``: Python and C calls, as
    the profiler sees them -- a count of steps, the same on every run."""
    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        result = func(*args)
    finally:
        sys.setprofile(None)
    return calls, result


def _comment_run(n: int) -> str:
    return (
        "Resources:\n"
        + "".join(f"  # iamlint: ignore[IAM{100 + i % 50}]\n" for i in range(n))
        + "  Role:\n    # iamlint: ignore[IAM3]\n"
    )


def test_a_run_of_suppression_comments_is_read_in_one_pass():
    """Each comment covers the next line of code: found by one pass from the
    end, not by walking the comments below each one (n comments in a row
    walked O(n^2) lines): twice the comments, about twice the calls."""
    n = 2000
    suppress.comment_suppressions("t.yaml", _comment_run(n // 2))  # first-use work out of the way
    half, _ = _calls(suppress.comment_suppressions, "t.yaml", _comment_run(n // 2))
    calls, found = _calls(suppress.comment_suppressions, "t.yaml", _comment_run(n))
    assert len(found) == n + 1
    assert {s.lines for s in found[:n]} == {frozenset({n + 2})}  # the line of "Role:"
    assert found[n].lines == frozenset({n + 4})  # no code below: past the end
    assert calls <= 2.2 * half, (half, calls)


# --------------------------------------------------------------------------
# aws_iam_policy_document: statements replaced by Sid through a lookup


class _CountingStatement(dict):
    """A synthesized statement that counts how often its Sid is read."""

    sid_reads = 0

    def get(self, key, default=None):
        if key == "Sid":
            _CountingStatement.sid_reads += 1
        return super().get(key, default)


def test_policy_document_statements_are_merged_by_sid_without_rescanning(monkeypatch, tmp_path):
    """A statement block replaces the earlier statement with its Sid by a
    look-up: comparing it with every statement before it made n statement
    blocks cost O(n^2)."""
    original = terraform.TerraformReader.statement
    monkeypatch.setattr(
        terraform.TerraformReader,
        "statement",
        lambda self, *args, **kw: _CountingStatement(original(self, *args, **kw)),
    )
    _CountingStatement.sid_reads = 0
    n = 400
    result = _read(tmp_path, "main.tf", complexity.tf_statements(n, 1)[1])
    (doc,) = [d for d in result.documents if d.owner == "data.aws_iam_policy_document.big"]
    assert [st["Sid"] for st in doc.value["Statement"]] == [f"S{i}" for i in range(n)]
    assert _CountingStatement.sid_reads <= 2 * n  # was n^2 / 2


MERGED_DOCUMENTS = """data "aws_iam_policy_document" "src" {
  statement {
    sid       = "A"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  statement {
    sid       = "B"
    actions   = ["s3:PutObject"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "over" {
  statement {
    sid       = "B"
    actions   = ["s3:DeleteObject"]
    resources = ["*"]
  }
  statement {
    sid       = "C"
    actions   = ["s3:ListBucket"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "main" {
  source_policy_documents = [data.aws_iam_policy_document.src.json, data.aws_iam_policy_document.src.json]
  statement {
    sid       = "A"
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
  }
  statement {
    actions   = ["sns:Publish"]
    resources = ["*"]
  }
  statement {
    sid       = "D"
    actions   = ["ec2:StartInstances"]
    resources = ["*"]
  }
  statement {
    sid       = "D"
    actions   = ["ec2:StopInstances"]
    resources = ["*"]
  }
  override_policy_documents = [data.aws_iam_policy_document.over.json]
}

resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.main.json
}
"""


def test_policy_document_sources_statements_and_overrides_merge_by_sid(tmp_path):
    """source_policy_documents are taken as they are (repeated Sids too), a
    statement block replaces the first statement with its Sid, an override
    document's statement likewise, and each keeps the position of its own text."""
    result = _read(tmp_path, "main.tf", MERGED_DOCUMENTS.encode())
    (doc,) = [d for d in result.documents if d.owner == "data.aws_iam_policy_document.main"]
    assert [(st.get("Sid"), st["Action"]) for st in doc.value["Statement"]] == [
        ("A", ["sqs:SendMessage"]),
        ("B", ["s3:DeleteObject"]),
        ("A", ["s3:GetObject"]),
        ("B", ["s3:PutObject"]),
        (None, ["sns:Publish"]),
        ("D", ["ec2:StopInstances"]),
        ("C", ["s3:ListBucket"]),
    ]
    assert [doc.locate(f"/Statement/{i}/Action").line for i in range(7)] == [31, 17, 4, 9, 35, 45, 22]
