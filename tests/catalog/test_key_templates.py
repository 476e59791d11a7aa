"""Condition-key templates (``aws:RequestTag/${TagKey}``) match by string tests;
they must agree with the regular expression the template stands for: its
literal parts in order, at least one character for each placeholder."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.knowledge.catalog import _parts_fit

ALPHABET = "ab/:-"


def _regex(first: str, inner: tuple[str, ...], last: str) -> re.Pattern[str]:
    return re.compile(".+".join(map(re.escape, (first, *inner, last))), re.DOTALL)


def _fits(key: str, first: str, inner: tuple[str, ...], last: str) -> bool:
    size = len(key)
    minimum = len(first) + len(last) + sum(map(len, inner)) + len(inner) + 1
    if size < minimum or not key.startswith(first) or not key.endswith(last):
        return False
    return _parts_fit(key, len(first) + 1, size - len(last) - 1, inner)


parts = st.text(alphabet=ALPHABET, max_size=3)


@settings(max_examples=400, deadline=None)
@given(
    first=parts,
    inner=st.lists(parts.filter(bool), max_size=3).map(tuple),
    last=parts,
    key=st.text(alphabet=ALPHABET, max_size=14),
)
def test_string_tests_agree_with_the_template_regex(first, inner, last, key):
    assert _fits(key, first, inner, last) == bool(_regex(first, inner, last).fullmatch(key))


def test_examples():
    assert _fits("aws:requesttag/env", "aws:requesttag/", (), "")
    assert not _fits("aws:requesttag/", "aws:requesttag/", (), "")
    assert _fits("a/x/b/y", "a/", ("b",), "") is True
    assert _fits("a/b/y", "a/", ("b",), "") is False  # no character before the b
