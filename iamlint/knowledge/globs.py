"""IAM wildcard patterns ("globs") as regular expressions that cannot backtrack.

IAM patterns know two wildcards: ``*`` matches any run of characters (a colon
too), ``?`` exactly one character. Actions, resources, principals and
condition values all use them, and every matcher in iamlint is built here:
the catalog compiles its indexes with this module, everything above the
catalog matches through :mod:`iamlint.iam.wildcard`.

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
   ``*`` backtracks, over its own segment. (Where nothing after a segment can
   fail, as before a final ``*``, the plain form is kept: ``*x*`` is ``.*x.*``.)

This is how CPython's ``fnmatch.translate`` works since 3.9; before Python
3.11 an atomic group is spelt as a lookahead and a backreference (``_commit``).
A regular expression rather than a hand-written two-pointer loop keeps the
catalog's hot paths in C: one ``finditer`` over a service's names, one line
each, instead of a Python loop per name.

ARN formats add a third wildcard, :data:`STAR_NC`, a run without ``:`` (a
placeholder in the partition, service, region or account field). Fact 2 needs
the *following* wildcard to cross colons, so a segment followed by a
:data:`STAR_NC` is left to ordinary backtracking; in the catalog's formats
each STAR_NC is a whole field (``:${Region}:``) and that segment starts at a
colon, so it has one place to match.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
from collections.abc import Callable, Container, Iterable, Iterator

__all__ = [
    "ANY",
    "STAR",
    "STAR_NC",
    "compile_glob",
    "compile_line_glob",
    "compile_tokens",
    "compile_union",
    "glob_match",
    "glob_source",
    "tokens_of",
    "tokens_source",
]

#: Wildcard tokens: any run, one character, any run without ':'. A literal
#: character is its own one-character token, so a literal ``*`` stays literal.
STAR, ANY, STAR_NC = "\x00*", "\x00?", "\x00~"
_WILD = (STAR, ANY, STAR_NC)

_ATOMIC = sys.version_info >= (3, 11)


def tokens_of(pattern: Iterable[str]) -> tuple[str, ...]:
    """An IAM glob as tokens: ``*`` -> STAR, ``?`` -> ANY, other characters as themselves."""
    return tuple(STAR if c == "*" else ANY if c == "?" else c for c in pattern)


def _pieces(items: Iterable[str], wild: Container[str], run: Callable[[Iterable[str]], tuple[str, ...]]) -> list:
    """Literal text and wildcard runs (tuples of tokens), in turn:
    ``[text, run, text, ..., run, text]``; the texts between runs are not empty.
    (``groupby`` with a C predicate: cheaper than compiling a regex to split with.)"""
    pieces: list = [""]
    for is_wild, group in itertools.groupby(items, wild.__contains__):
        if is_wild:
            pieces += (run(group), "")
        else:
            pieces[-1] = "".join(group)
    return pieces


def _glob_pieces(pattern: str) -> list:
    """An IAM glob's pieces (see :func:`_pieces`)."""
    return _pieces(pattern, "*?", tokens_of)


def _token_pieces(tokens: Iterable[str]) -> list:
    """A token sequence's pieces (see :func:`_pieces`)."""
    return _pieces(tokens, _WILD, tuple)


def _commit(inner: str, names: Iterator[int], atomic: bool) -> str:
    """``inner`` matched once, at its first success, and never retried."""
    if atomic:
        return f"(?>{inner})"
    name = f"g{next(names)}"
    return f"(?=(?P<{name}>{inner}))(?P={name})"


def _source(pieces: list, names: Iterator[int], *, line: bool = False, atomic: bool = _ATOMIC) -> str:
    """Regex source of a glob's pieces, for ``fullmatch`` (or, with ``line``,
    for one whole line of a multi-line text: no wildcard crosses a line break).

    The pattern is cut at its STAR and STAR_NC into segments (regex source of
    literal text and ANY). A run holding a STAR is that many ANY and one STAR
    (fact 1); a run without one keeps its order (``[^:]*.`` and ``.[^:]*``
    differ), repeated STAR_NC merged.
    """
    one, one_nc = ("[^\n]", "[^:\n]") if line else (".", "[^:]")
    segments: list[list[str]] = [[]]
    runs: list[str] = []
    for i, piece in enumerate(pieces):
        if not i % 2:
            if piece:
                segments[-1].append(re.escape(piece))
        elif STAR in piece:
            count = piece.count(ANY)
            if count:
                segments[-1].append(one if count == 1 else f"{one}{{{count}}}")
            runs.append(STAR)
            segments.append([])
        else:
            for t in piece:
                if t == ANY:
                    segments[-1].append(one)
                elif not (runs and runs[-1] == STAR_NC and not segments[-1]):
                    runs.append(STAR_NC)
                    segments.append([])
    out = ["".join(segments[0])]
    for i, run in enumerate(runs):
        star = (one if run == STAR else one_nc) + "*"
        segment = "".join(segments[i + 1])
        if i + 1 < len(runs) and runs[i + 1] == STAR and not _settles(run, segment, i, runs, segments):
            out.append(_commit(f"{star}?{segment}", names, atomic))  # fact 2
        else:
            out.append(star + segment)
    return "".join(out)


def _settles(run: str, segment: str, i: int, runs: list[str], segments: list[list[str]]) -> bool:
    """Whether ``run`` + ``segment`` (the i-th) needs no commit to stay linear,
    so it keeps the plain (faster) form: when what follows is a final ``*``,
    which cannot fail (``*x*`` is ``.*x.*``), or when ``[^:]*`` is followed by
    a colon, where it has to stop (``[^:]*:role/`` in an ARN format)."""
    if i + 2 == len(runs) and runs[-1] == STAR and not segments[-1]:
        return True
    return run == STAR_NC and segment.startswith(":")


def glob_source(pattern: str, *, atomic: bool = _ATOMIC) -> str:
    """An IAM glob as regex source for ``fullmatch`` (with ``re.DOTALL``), as
    :func:`compile_glob` compiles it. ``atomic=False`` gives the spelling for
    Python 3.10, without atomic groups (a lookahead and a backreference)."""
    return _source(_glob_pieces(pattern), itertools.count(), atomic=atomic)


def tokens_source(tokens: Iterable[str], *, atomic: bool = _ATOMIC) -> str:
    """A token sequence as regex source, as :func:`compile_tokens` compiles it
    (``atomic`` as for :func:`glob_source`)."""
    return _source(_token_pieces(tokens), itertools.count(), atomic=atomic)


@functools.lru_cache(maxsize=16384)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """An IAM glob as a regex for ``fullmatch``. Callers that fold case
    themselves (the catalog lower-cases both sides) pass ``ignore_case=False``."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_source(pattern), flags)


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """Whether the IAM glob matches the whole of ``text``."""
    return compile_glob(pattern, ignore_case).fullmatch(text) is not None


@functools.lru_cache(maxsize=16384)
def compile_line_glob(pattern: str) -> re.Pattern[str]:
    """An IAM glob matching whole lines of a text (``finditer``/``search`` over
    names one per line); ``*`` and ``?`` never cross a line break."""
    return re.compile(f"^(?:{_source(_glob_pieces(pattern), itertools.count(), line=True)})$", re.MULTILINE)


def compile_union(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex whose ``fullmatch`` tells whether any of the IAM globs matches."""
    names = itertools.count()
    return re.compile("|".join(_source(_glob_pieces(p), names) for p in patterns), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def compile_tokens(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """A token sequence (literal characters, STAR, ANY, STAR_NC) as a regex for ``fullmatch``."""
    return re.compile(tokens_source(tokens), re.DOTALL)
