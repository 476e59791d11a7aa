"""The one IAM wildcard engine: ``*`` matches any run of characters (a colon
too), ``?`` exactly one character.

Case follows IAM: action names (``service:Action``) are case-insensitive;
ARNs, principals and condition values are compared as written (the
``...IgnoreCase`` operators ask for ``ignore_case=True``). Matching is linear
in practice and O(len(pattern) * len(text)) at worst: the translation to a
regular expression that cannot backtrack is :mod:`iamlint.knowledge.globs`,
which the catalog (a layer below) compiles its own indexes with; everything
above the catalog matches through this module.

:func:`match_lower` is the hot path of the permission analysis: a lower-case
pattern against a lower-case name, without compiling a regex when the pattern
holds only ``*`` wildcards.
"""

from __future__ import annotations

import re

from iamlint.knowledge import globs

__all__ = [
    "compile_pattern",
    "has_wildcard",
    "is_all_stars",
    "match",
    "match_action",
    "match_arn",
    "match_lower",
]


def has_wildcard(text: str) -> bool:
    """Whether ``text`` holds an IAM wildcard (``*`` or ``?``)."""
    return "*" in text or "?" in text


def is_all_stars(text: str) -> bool:
    """Whether ``text`` is only ``*`` (``"*"``, ``"**"``): it matches everything."""
    return bool(text) and not text.strip("*")


def compile_pattern(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The pattern as a compiled regex for ``fullmatch`` (cached, linear time)."""
    return globs.compile_glob(pattern, ignore_case)


def match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """Whether the IAM wildcard ``pattern`` matches the whole of ``text``
    (case-sensitive unless ``ignore_case``)."""
    if not has_wildcard(pattern):
        return pattern.lower() == text.lower() if ignore_case else pattern == text
    return globs.compile_glob(pattern, ignore_case).fullmatch(text) is not None


def match_arn(pattern: str, arn: str) -> bool:
    """Whether a ``Resource``/principal ARN pattern matches ``arn`` (ARNs are case-sensitive)."""
    return match(pattern, arn)


def match_action(pattern: str, action: str) -> bool:
    """Whether an ``Action`` pattern matches ``action`` (case-insensitive, as IAM compares actions)."""
    return match_lower(pattern.lower(), action.lower())


def match_lower(pattern: str, name: str) -> bool:
    """:func:`match` of a lower-case pattern against a lower-case name; a
    ``*``-only pattern is matched without a regex (find the pieces in order)."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == name
    if "?" in pattern:
        return globs.compile_glob(pattern).fullmatch(name) is not None
    parts = pattern.split("*")
    first, last = parts[0], parts[-1]
    end = len(name) - len(last)
    if end < len(first) or not name.startswith(first) or not name.endswith(last):
        return False
    pos = len(first)
    for middle in parts[1:-1]:
        if middle:
            found = name.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
    return True
