"""Strict JSON (RFC 8259) as iamlint accepts it: the nesting limit, the C
decoders that refuse NaN and Infinity, and the shape of a syntax problem.

Shared by the fast path (:mod:`iamlint.parsing.parse`, :mod:`iamlint.parsing.locate`)
and the Lark reference parser (:mod:`iamlint.parsing.larkjson`).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import NamedTuple

from iamlint.findings import Span

#: Deepest nesting of arrays and objects accepted.  IAM policies nest about 6
#: levels; the limit keeps every later stage (and ``json`` itself) far from
#: Python's recursion limit.
MAX_DEPTH = 256


class SyntaxProblem(NamedTuple):
    """Why the text is not strict JSON, and where."""

    message: str
    span: Span


class DuplicateKey(Exception):
    """Raised by :data:`STRICT_DECODER` at the first object with a repeated key."""


def _dict_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKey
    return result


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _parse_int(digits: str) -> int | float:
    """``int``, or ``float`` for integers longer than Python's int-conversion
    limit (``sys.get_int_max_str_digits``), which ``int()`` refuses."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


#: the fast path: stops at the first duplicate key (rare), so that valid
#: documents cost one C decode and one cheap hook call per object
STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_dict_without_duplicates, parse_constant=_reject_constant, parse_int=_parse_int
)
#: for documents with duplicate keys: the last one wins, as in AWS
LAST_KEY_WINS_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_exceeds_limit(text: str) -> bool:
    """Whether arrays and objects nest deeper than :data:`MAX_DEPTH`.

    Exact for valid JSON.  On invalid text, ``False`` still guarantees that
    ``json`` nests no deeper than the limit before its first error (up to there
    both read the same strings), and ``True`` sends the text to the Lark path,
    which checks nesting exactly.  Counting brackets first keeps the common case cheap; otherwise
    strings and everything but brackets are cut out and the running depth is
    computed, all at C speed.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH
