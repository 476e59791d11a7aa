"""Action globs of the common shapes are answered by string tests instead of
regular expressions; the answers must be the regex's, in the same order."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.analysis.permissions import _action_glob, _Matcher
from iamlint.knowledge import catalog
from iamlint.model.policy import Policy

SERVICES = ["s3", "ec2", "iam", "kms", "lambda"]


def _regex_names(glob: str, names: list[str]) -> list[str]:
    rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.DOTALL)
    return [n for n in names if rx.fullmatch(n)]


@st.composite
def globs(draw):
    service = draw(st.sampled_from(SERVICES))
    names = catalog._name_list(service)
    name = draw(st.sampled_from(names))
    i = draw(st.integers(0, len(name)))
    j = draw(st.integers(i, len(name)))
    shape = draw(st.sampled_from(["{}*", "*{}", "*{}*", "{}", "*{}?", "{}*{}"]))
    return service, shape.format(name[i:j], name[j:]) if shape.count("{}") == 2 else shape.format(name[i:j])


@settings(max_examples=300, deadline=None)
@given(globs())
def test_simple_glob_filter_agrees_with_the_regex(case):
    service, glob = case
    names = catalog._name_list(service)
    simple = catalog._simple_glob_filter(glob, names)
    if simple is not None:
        assert simple == _regex_names(glob, names)
    expected = [catalog._canonical_names(service)[n] for n in _regex_names(glob, names)]
    assert list(catalog._expand_in_service.__wrapped__(service, glob)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(globs(), min_size=1, max_size=4), st.sampled_from(SERVICES), st.booleans())
def test_statement_matcher_agrees_with_the_regex(cases, service, negated):
    patterns = [f"{s}:{g}" for s, g in cases]
    key = "NotAction" if negated else "Action"
    policy = Policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", key: patterns, "Resource": "*"}]})
    matcher = _Matcher(policy.statements[0])
    for name in catalog._name_list(service)[:60]:
        action = f"{service}:{name}"
        listed = any(_action_glob(p.lower()).fullmatch(action) for p in patterns)
        assert matcher.allows(action) == (listed != negated)
