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

import functools
import re
from collections.abc import Iterable

from iamlint.knowledge import globs

__all__ = [
    "LowerPatterns",
    "compile_pattern",
    "covers",
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


@functools.lru_cache(maxsize=65536)
def covers(wide: str, narrow: str, ignore_case: bool = False) -> bool:
    """Pattern inclusion: whether every string the pattern ``narrow`` matches
    is matched by ``wide`` (sound, not complete: a wildcard of ``narrow`` must
    fall inside a ``*`` of ``wide``; a ``?`` of ``wide`` covers a ``?`` but not
    a ``*``). O(len(wide) * len(narrow)); ``prefix*`` by one ``startswith``."""
    if ignore_case:
        wide, narrow = wide.lower(), narrow.lower()
    if wide == narrow or is_all_stars(wide):
        return True
    head = wide[:-1]
    if wide[-1:] == "*" and not has_wildcard(head):
        return narrow.startswith(head)  # `prefix*`, the usual shape
    # reach[j]: the part of ``wide`` read so far can match narrow[:j]
    reach = [True] + [False] * len(narrow)
    for ch in wide:
        if ch == "*":
            nxt = reach[:]
            for j in range(1, len(reach)):
                nxt[j] = nxt[j] or nxt[j - 1]
        else:
            nxt = [False] * len(reach)
            for j in range(1, len(reach)):
                if reach[j - 1]:
                    got = narrow[j - 1]
                    nxt[j] = got != "*" and (ch == "?" or (got == ch and got != "?"))
        reach = nxt
        if not any(reach):
            return False
    return reach[-1]


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


class LowerPatterns:
    """A set of lower-case patterns, matched against lower-case names many
    times: exact names in a set, ``prefix*`` (the common shape) by one
    ``startswith``, the rest by their shared compiled regexes."""

    __slots__ = ("exact", "prefixes", "regexes")

    def __init__(self, patterns: Iterable[str]) -> None:
        lowered = dict.fromkeys(patterns)
        self.exact = frozenset(p for p in lowered if "*" not in p and "?" not in p)
        prefixes = []
        regexes = []
        for p in lowered:
            if p not in self.exact:
                head = p[:-1]
                if p[-1] == "*" and "*" not in head and "?" not in head:
                    prefixes.append(head)
                else:
                    regexes.append(globs.compile_glob(p))
        self.prefixes = tuple(prefixes)
        self.regexes = tuple(regexes)

    def matches(self, name: str) -> bool:
        """Whether some pattern matches the lower-case ``name``."""
        return name in self.exact or name.startswith(self.prefixes) or any(r.fullmatch(name) for r in self.regexes)
