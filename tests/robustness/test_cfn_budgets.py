"""CloudFormation resolution is bounded: templates whose intrinsics would build
exponentially much work or memory (issue 14) finish, say what they left
unevaluated (IAM013, at the intrinsic) and still lint the rest of the template.

The big cases run in a child process whose peak resident memory is measured
(``ru_maxrss`` of the child, a resource bound, not a timing); the child runs
under an address-space limit so that a regression fails instead of exhausting
the machine, and under a generous hang-guard timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.model.policy import Opaque
from iamlint.sources import intrinsics, yamlpos
from iamlint.sources.intrinsics import Resolver, Unevaluated

#: peak RSS a child may reach (the fixed code stays near 100 MB; before the fix
#: these inputs took 0.2 to 3.9 GB)
PEAK_RSS_MB = 500
#: address-space limit of the child: a regression raises MemoryError in it
ADDRESS_SPACE = 3 << 30

BAD_POLICY = {
    "Type": "AWS::IAM::ManagedPolicy",
    "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    },
}

#: runs iamlint in a grandchild and prints the grandchild's peak RSS (KiB) last on stderr
_MEASURE = f"""
import resource, subprocess, sys
def limit():
    resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))
proc = subprocess.run([sys.executable, "-m", "iamlint", "check", "--no-cache", "--format", "json",
                       "--fail-on", "never", *sys.argv[1:]], preexec_fn=limit)
print("peak-rss-kib", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(proc.returncode)
"""


def _policy(resource) -> dict:
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
            }
        },
    }


def doubling_template(depth: int, leaf: str = "arn:aws:s3:::b") -> str:
    """Mappings whose every level joins the level below twice: one line per level."""
    lines = [f'  "L0": {{"v": {json.dumps(leaf)}}}']
    for i in range(1, depth + 1):
        ref = f'{{"Fn::FindInMap": ["M", "L{i - 1}", "v"]}}'
        lines.append(f'  "L{i}": {{"v": {{"Fn::Join": ["", [{ref}, {ref}]]}}}}')
    resources = {"P": _policy({"Fn::FindInMap": ["M", f"L{depth}", "v"]}), "Bad": BAD_POLICY}
    return (
        '{"AWSTemplateFormatVersion": "2010-09-09",\n"Mappings": {"M": {\n'
        + ",\n".join(lines)
        + '\n}},\n"Resources": '
        + json.dumps(resources, indent=1)
        + "\n}\n"
    )


def sub_template(references: int = 100_000, value_length: int = 4096) -> str:
    """One ``Fn::Sub`` naming a 4 KB parameter 100,000 times (400 KB of text)."""
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"x": {"Type": "String", "Default": "a" * value_length}},
            "Resources": {"P": _policy({"Fn::Sub": "arn:aws:s3:::" + "${x}" * references}), "Bad": BAD_POLICY},
        },
        indent=1,
    )


def yaml_join_template(aliases: int = 10_000, length: int = 10 * 1024) -> str:
    """A YAML ``!Join`` of 10,000 aliases of one 10 KB string (50 KB of text)."""
    return (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        f"Metadata:\n  Long: &s {'a' * length}\n"
        "Resources:\n"
        "  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        "        Version: '2012-10-17'\n        Statement:\n"
        "          - Effect: Allow\n            Action: s3:GetObject\n"
        f"            Resource: !Join ['', [{', '.join(['*s'] * aliases)}]]\n"
        "  Bad:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        "        Version: '2012-10-17'\n        Statement:\n"
        "          - Effect: Allow\n            Action: '*'\n            Resource: '*'\n"
    )


def _line(text: str, *needles: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if all(n in line for n in needles))


def _lint_in_child(tmp_path, name: str, text: str) -> tuple[list[dict], float]:
    path = tmp_path / name
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak_mb = int(proc.stderr.split("peak-rss-kib")[-1]) / 1024
    return json.loads(proc.stdout)["findings"], peak_mb


def _assert_bounded(findings: list[dict], peak_mb: float, intrinsic_line: int, bad_line: int) -> None:
    notes = [f for f in findings if f["rule"] == "IAM013"]
    assert notes, [f["rule"] for f in findings]
    assert {f["severity"] for f in notes} == {"info"}
    assert [f["line"] for f in notes] == [intrinsic_line], notes
    assert "treated as unknown" in notes[0]["message"]
    # the rest of the template is still linted
    admin = [f for f in findings if f["rule"] == "IAM201" and f["owner"] == "Bad"]
    assert admin and admin[0]["line"] == bad_line, findings
    # the unevaluated value is unknown: no finding quotes a built string
    assert all(len(f["message"]) < 10_000 for f in findings)
    assert peak_mb < PEAK_RSS_MB, f"peak RSS {peak_mb:.0f} MB"


@pytest.mark.parametrize("depth", [20, 24])
def test_find_in_map_join_doubling_is_bounded(tmp_path, depth):
    text = doubling_template(depth)
    findings, peak = _lint_in_child(tmp_path, "doubling.json", text)
    notes = [f for f in findings if f["rule"] == "IAM013"]
    assert len(notes) == 1, notes
    # at the Join of the level whose result would pass the budget, in Mappings
    level = text.splitlines()[notes[0]["line"] - 1]
    assert '"Fn::Join"' in level and level.lstrip().startswith('"L'), level
    assert notes[0]["message"].startswith(("Fn::Join here", "Fn::FindInMap here"))
    _assert_bounded(findings, peak, notes[0]["line"], _line(text, '"Action": "*"'))


def test_sub_with_100000_references_is_bounded(tmp_path):
    text = sub_template()
    assert len(text) > 400_000
    findings, peak = _lint_in_child(tmp_path, "sub.json", text)
    # at the Sub's object (the line of its opening brace)
    _assert_bounded(findings, peak, _line(text, '"Resource": {'), _line(text, '"Action": "*"'))


def test_yaml_join_of_10000_aliases_is_bounded(tmp_path):
    text = yaml_join_template()
    assert len(text) < 60_000
    findings, peak = _lint_in_child(tmp_path, "join.yaml", text)
    _assert_bounded(findings, peak, _line(text, "Resource: !Join"), _line(text, "Action: '*'"))


# --------------------------------------------------------------------------
# the resolver itself (in process, small inputs)


def _doubling_value(depth: int, leaf: str = "") -> dict:
    return json.loads(doubling_template(depth, leaf))


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


def test_a_node_reached_twice_is_evaluated_once():
    """Each level's FindInMap reaches the level below twice: evaluating the
    shared node once makes the work linear in the depth (twice the levels,
    about twice the calls), not 2**depth; a second resolution re-uses the first."""
    costs = {}
    for depth in (10, 20):
        template = _doubling_value(depth)
        resolver = Resolver(template)
        policy = template["Resources"]["P"]["Properties"]["PolicyDocument"]
        costs[depth], value = _calls(resolver.resolve, policy)
        assert value["Statement"][0]["Resource"] == ""
        again, second = _calls(resolver.resolve, policy)
        assert second == value and again < costs[depth]
    assert costs[20] <= 3 * costs[10], costs  # 2**10 times the calls without the memo


def test_the_memo_does_not_change_results():
    template = {
        "Parameters": {
            "Env": {"Type": "String", "Default": "prod"},
            "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
        },
        "Mappings": {
            "M": {
                "prod": {"arn": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Env}-bucket"}, "list": ["x", {"Ref": "Env"}]}
            }
        },
    }
    value = [
        {"Fn::FindInMap": ["M", {"Ref": "Env"}, "arn"]},
        {"Fn::FindInMap": ["M", "prod", "arn"]},
        {"Fn::FindInMap": ["M", "prod", "list"]},
        {"Fn::Join": [",", {"Fn::FindInMap": ["M", "prod", "list"]}]},
        {"Fn::Select": [1, {"Ref": "Names"}]},
        {"Fn::Split": [",", {"Fn::Join": [",", {"Ref": "Names"}]}]},
        {"Fn::Sub": ["${A}/${B}", {"A": {"Ref": "Env"}, "B": {"Fn::GetAtt": ["R", "Arn"]}}]},
        {"Fn::If": ["C", "a", "b"]},
    ]
    expected = [
        "arn:aws:s3:::prod-bucket",
        "arn:aws:s3:::prod-bucket",
        ["x", "prod"],
        "x,prod",
        "b",
        ["a", "b"],
        "prod/${R.Arn}",
        Opaque("!If"),
    ]
    resolver = Resolver(template)
    assert resolver.resolve(value) == expected
    assert resolver.resolve(value) == expected  # memo hits give the same
    assert not resolver.unevaluated


def test_a_budget_makes_the_value_unevaluated_before_building_it():
    # 40 levels of doubling would be 2**40 bytes: nothing that large is ever built
    template = _doubling_value(40, "x" * 64)
    resolver = Resolver(template, budget=intrinsics.MIN_BUDGET)
    value = resolver.resolve(template["Resources"]["P"]["Properties"]["PolicyDocument"])
    resource = value["Statement"][0]["Resource"]
    assert isinstance(resource, Unevaluated) and isinstance(resource, Opaque)
    assert resource.text == "<not evaluated: too large>"
    # the intrinsic of a level whose value would pass the budget: its Join, or a
    # FindInMap yielding the level below once more
    joins = [level["v"] for level in template["Mappings"]["M"].values() if isinstance(level["v"], dict)]
    nodes = {id(j): "Fn::Join" for j in joins} | {id(r): "Fn::FindInMap" for j in joins for r in j["Fn::Join"][1]}
    assert nodes.get(id(resource.node)) == resource.function
    assert resolver.unevaluated
    assert resolver.remaining >= -intrinsics.MIN_BUDGET  # nothing near 2**40 was charged, let alone built


def test_reused_lists_count_towards_the_budget():
    """A mapping list used twice per level shares its object after the memo, but
    what the rules walk is the expanded tree: it is bounded too."""
    levels = {"L0": {"v": ["s3:GetObject"]}}
    for i in range(1, 41):
        levels[f"L{i}"] = {"v": [{"Fn::FindInMap": ["M", f"L{i - 1}", "v"]} for _ in range(2)]}
    template = {"Mappings": {"M": levels}}
    resolver = Resolver(template)
    value = resolver.resolve({"Fn::FindInMap": ["M", "L40", "v"]})
    assert isinstance(value, Unevaluated) or any(isinstance(v, Unevaluated) for v in value)


def test_budget_grows_with_the_template():
    assert intrinsics.budget_for(0) == intrinsics.MIN_BUDGET
    assert intrinsics.budget_for(10 * intrinsics.MIN_BUDGET) == 10 * intrinsics.MIN_BUDGET * intrinsics.BUDGET_PER_BYTE


def test_a_whole_policy_past_the_budget_is_reported():
    """A policy document that is one over-budget ``Fn::Sub`` (a JSON string)."""
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        f"Parameters:\n  Big:\n    Type: String\n    Default: {'a' * 4096}\n"
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        f'      PolicyDocument: !Sub \'{{"Statement": "{"${Big}" * 300}"}}\'\n'
    )
    report = lint_bytes("t.yaml", text.encode(), Config(), Registry.load())
    assert report.error is None
    notes = [f for f in report.findings if f.rule == "IAM013"]
    assert [f.span.line for f in notes] == [_line(text, "PolicyDocument: !Sub")]
    assert [f.rule for f in report.findings] == ["IAM013"], report.findings


def _leaves(value, memo=None) -> int:
    """Leaves of ``value`` read as a tree (shared containers counted each time)."""
    memo = {} if memo is None else memo
    if not isinstance(value, (dict, list)):
        return 1
    if id(value) not in memo:
        memo[id(value)] = sum(_leaves(v, memo) for v in (value.values() if isinstance(value, dict) else value))
    return memo[id(value)]


def test_a_list_reused_at_every_level_is_bounded_as_a_tree():
    """Lists that each level of a mapping uses twice: the memo shares them, but
    the rules read the value as a tree, so that tree is what the budget bounds."""
    levels = {"L0": {"v": ["s3:GetObject"]}}
    for i in range(1, 23):
        levels[f"L{i}"] = {"v": [{"Fn::FindInMap": ["M", f"L{i - 1}", "v"]} for _ in range(2)]}
    resolver = Resolver({"Mappings": {"M": levels}})
    value = resolver.resolve({"Fn::FindInMap": ["M", "L22", "v"]})
    assert resolver.unevaluated
    # each leaf costs at least its length; not 2**22
    assert _leaves(value) <= intrinsics.MIN_BUDGET // len("s3:GetObject")


def test_a_mapping_merged_many_times_is_merged_once():
    """``<<: [*a, *a, ...]``: a repeated merge source adds nothing; it is not
    walked again (6,000 aliases of a 5,000-key mapping took 8 s)."""
    keys = 500
    text = (
        "Base: &a\n"
        + "".join(f"  k{i}: v{i}\n" for i in range(keys))
        + "Other:\n  own: 1\n  <<: ["
        + ", ".join(["*a"] * 600)
        + "]\n  <<: *a\n"
    )
    cost, loaded = _calls(yamlpos.load, text)
    assert loaded.problems == []
    assert loaded.value["Other"] == {"own": 1, **{f"k{i}": f"v{i}" for i in range(keys)}}
    more, again = _calls(yamlpos.load, text.replace("*a]", "*a, " + ", ".join(["*a"] * 600) + "]"))
    assert again.value == loaded.value
    assert more - cost < 600 * 10, (cost, more)  # 600 more aliases: a few calls each, not a walk of 500 keys
