"""IAM wildcard patterns ("globs") as regular expressions that cannot backtrack.

IAM patterns know two wildcards: ``*`` matches any run of characters (a colon
too), ``?`` exactly one character. Actions, resources, principals and
condition values all use them, and every matcher in iamlint is built here.

The obvious translation, ``*`` -> ``.*``, is exponential: for ``.*a.*b.*c``
and a name without a match, the regex engine tries every placement of every
``.*`` (O(n^k) for k stars), so ``"s3:*?*?*?*?*?*?*?*?x"`` took 92 s against
the catalog's names. Two facts make the translation linear in practice and
O(len(pattern) * len(name)) at worst:

1. A run of wildcards holding a ``*`` matches exactly the texts at least as
   long as the run's number of ``?``: ``*?*?*`` is ``??*``, one quantifier.
2. A segment between two ``*`` may be matched at its leftmost place: if the
   rest of the pattern matches after a later occurrence, it matches after the
   leftmost one too, because the following ``*`` eats the difference. So each
   ``*segment`` followed by another ``*`` becomes an atomic group
   ``(?>.*?segment)``: found by one lazy scan, never revisited. Only the last
   ``*`` backtracks, over its own segment.

This is how CPython's ``fnmatch.translate`` works since 3.9; before Python
3.11 an atomic group is spelt as a lookahead and a backreference (``_commit``).
A regular expression rather than a hand-written two-pointer loop keeps the
catalog's hot paths in C: one ``finditer`` over a service's names, one line
each, instead of a Python loop per name.

ARN formats add a third wildcard, :data:`STAR_NC`, a run without ``:`` (a
placeholder in the partition, service, region or account field). Fact 2 needs
the *following* wildcard to cross colons, so a segment followed by a
:data:`STAR_NC` is left to ordinary backtracking, which a colon-free field
bounds.
"""
from __future__ import annotations

import functools
import itertools
import re
import sys
from typing import Iterable, Iterator

__all__ = ["ANY", "STAR", "STAR_NC", "compile_glob", "compile_line_glob", "compile_tokens", "compile_union",
           "glob_match", "tokens_of"]

#: Wildcard tokens: any run, one character, any run without ':'. A literal
#: character is its own one-character token, so a literal ``*`` stays literal.
STAR, ANY, STAR_NC = "\x00*", "\x00?", "\x00~"
_WILD = (STAR, ANY, STAR_NC)
_RUNS = (STAR, STAR_NC)

_ATOMIC = sys.version_info >= (3, 11)


def tokens_of(pattern: str) -> tuple[str, ...]:
    """An IAM glob as tokens: ``*`` -> STAR, ``?`` -> ANY, other characters as themselves."""
    return tuple(STAR if c == "*" else ANY if c == "?" else c for c in pattern)


def _normalise(tokens: Iterable[str]) -> list[str]:
    """The same language with no two run wildcards in a row (fact 1).

    A run of wildcards holding a STAR matches any text of at least its number
    of ANY, so it becomes that many ANY and one STAR. A run without STAR keeps
    its order (``[^:]*.`` and ``.[^:]*`` differ) with repeated STAR_NC merged.
    """
    out: list[str] = []
    run: list[str] = []
    for t in itertools.chain(tokens, ("",)):  # "" ends the last run
        if t in _WILD:
            run.append(t)
            continue
        if run:
            if STAR in run:
                out.extend([ANY] * run.count(ANY))
                out.append(STAR)
            else:
                for w in run:
                    if not (w == STAR_NC and out and out[-1] == STAR_NC):
                        out.append(w)
            run = []
        if t:
            out.append(t)
    return out


def _segment_source(segment: list[str], one: str) -> str:
    """Regex source of literal characters and ANY (``one`` matches one character)."""
    parts: list[str] = []
    for is_any, group in itertools.groupby(segment, key=lambda t: t == ANY):
        if is_any:
            count = len(list(group))
            parts.append(one if count == 1 else f"{one}{{{count}}}")
        else:
            parts.append(re.escape("".join(group)))
    return "".join(parts)


def _commit(inner: str, names: Iterator[int], atomic: bool) -> str:
    """``inner`` matched once, at its first success, and never retried."""
    if atomic:
        return f"(?>{inner})"
    name = f"g{next(names)}"
    return f"(?=(?P<{name}>{inner}))(?P={name})"


def _source(tokens: Iterable[str], names: Iterator[int], *, line: bool = False, atomic: bool = _ATOMIC) -> str:
    """Regex source of a token sequence, for ``fullmatch`` (or, with ``line``,
    for one whole line of a multi-line text: no wildcard crosses a line break)."""
    one, one_nc = ("[^\n]", "[^:\n]") if line else (".", "[^:]")
    segments: list[list[str]] = [[]]
    runs: list[str] = []
    for t in _normalise(tokens):
        if t in _RUNS:
            runs.append(t)
            segments.append([])
        else:
            segments[-1].append(t)
    out = [_segment_source(segments[0], one)]
    for i, run in enumerate(runs):
        star = (one if run == STAR else one_nc) + "*"
        segment = _segment_source(segments[i + 1], one)
        if i + 1 < len(runs) and runs[i + 1] == STAR:
            out.append(_commit(f"{star}?{segment}", names, atomic))  # fact 2
        else:
            out.append(star + segment)
    return "".join(out)


@functools.lru_cache(maxsize=16384)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """An IAM glob as a regex for ``fullmatch``. Callers that fold case
    themselves (the catalog lower-cases both sides) pass ``ignore_case=False``."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(_source(tokens_of(pattern), itertools.count()), flags)


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """Whether the IAM glob matches the whole of ``text``."""
    return compile_glob(pattern, ignore_case).fullmatch(text) is not None


@functools.lru_cache(maxsize=16384)
def compile_line_glob(pattern: str) -> re.Pattern[str]:
    """An IAM glob matching whole lines of a text (``finditer``/``search`` over
    names one per line); ``*`` and ``?`` never cross a line break."""
    return re.compile(f"^(?:{_source(tokens_of(pattern), itertools.count(), line=True)})$", re.MULTILINE)


def compile_union(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex whose ``fullmatch`` tells whether any of the IAM globs matches."""
    names = itertools.count()
    return re.compile("|".join(_source(tokens_of(p), names) for p in patterns), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def compile_tokens(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """A token sequence (literal characters, STAR, ANY, STAR_NC) as a regex for ``fullmatch``."""
    return re.compile(_source(tokens, itertools.count()), re.DOTALL)
