"""Strict JSON text for policy documents: bytes to text, syntax problems with
exact positions, and the position of any value or key named by a JSON pointer.

Two implementations share the work (see "Where positions come from" in
ARCHITECTURE.md):

* The fast path is the standard ``json`` module.  :func:`parse` decodes with
  the C decoder (NaN and Infinity refused) and asks Lark nothing when the
  document is valid and has no duplicate keys, which is almost always.  :class:`JsonLocator` finds the span
  of one pointer by walking only the path to it, skipping sibling values with
  the C decoder.
* The reference is the Lark grammar ``policy.lark`` (strict RFC 8259, every
  node positioned).  :func:`parse` runs it only when ``json`` rejects the text
  (to name and place the first error) or saw duplicate keys (to place them).
  :class:`LarkLocator` resolves pointers on the Lark tree; the test suite checks
  that both locators agree on every node of the AWS managed policies.

Positions: lines are 1-based and separated by LF (a CR before it is ordinary
whitespace, so CRLF files get the same columns); columns are 1-based and count
Unicode code points; a leading byte-order mark is not a column.
"""
from __future__ import annotations

import codecs
import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from json.decoder import scanstring
from typing import NamedTuple


from iamlint.findings import Span

#: Deepest nesting of arrays and objects accepted.  IAM policies nest about 6
#: levels; the limit keeps every later stage (and ``json`` itself) far from
#: Python's recursion limit.
MAX_DEPTH = 256

_BOM = "\ufeff"



# --------------------------------------------------------------------------
# bytes -> text


class DecodeError(Exception):
    """The bytes are not UTF-8 text.  ``str(error)`` is one human line; ``span``
    is the position of the offending byte when there is one."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span


def decode_bytes(data: bytes) -> str:
    """Decode a policy file: UTF-8, with an optional byte-order mark (dropped).

    UTF-16 and UTF-32 (with or without BOM) and other binary data (NUL bytes)
    are refused with a :class:`DecodeError`, as is invalid UTF-8, whose message
    names the line and column (counted as in the rest of this module) and the
    byte offset in ``data``.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DecodeError("UTF-32 text is not supported: save the file as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DecodeError("UTF-16 text is not supported: save the file as UTF-8")
    if b"\x00" in data:
        raise DecodeError(_nul_bytes_message(data))
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        bad = start + error.start
        line_start = max(data.rfind(b"\n", 0, bad) + 1, start)
        line = data.count(b"\n", start, bad) + 1
        column = len(data[line_start:bad].decode("utf-8")) + 1
        raise DecodeError(
            f"invalid UTF-8 at line {line}, column {column} (byte {bad}: 0x{data[bad]:02X})",
            Span.point(line, column),
        ) from None


def _nul_bytes_message(data: bytes) -> str:
    """Name the likely encoding of text containing NUL bytes.

    JSON text starts with an ASCII character, so UTF-32 shows three NULs in the
    first four bytes and UTF-16 exactly one NUL in the first two (RFC 4627 §3).
    """
    if data[0:3] == b"\0\0\0" or data[1:4] == b"\0\0\0":
        return "UTF-32 text is not supported: save the file as UTF-8"
    if len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        return "UTF-16 text is not supported: save the file as UTF-8"
    return "binary file (NUL bytes)"


# --------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class SyntaxProblem:
    """Why the text is not strict JSON, and where."""

    message: str
    span: Span


@dataclass
class ParseResult:
    """The outcome of :func:`parse`."""

    #: the decoded value; ``None`` when there is a syntax problem (or the
    #: document is ``null``).  Of duplicate keys the last one wins, as in AWS.
    value: object | None
    #: empty when the text is valid; otherwise exactly one, the first error
    problems: list[SyntaxProblem]
    #: ``(pointer of the object, key, span of the later key)`` for every key
    #: that repeats an earlier key of the same object, in document order
    duplicates: list[tuple[str, str, Span]]
    locator: JsonLocator


# --------------------------------------------------------------------------
# JSON pointers (RFC 6901)

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_TILDE = re.compile(r"~(?![01])")


def parse_pointer(pointer: str) -> list[str]:
    """Split an RFC 6901 pointer into unescaped reference tokens.

    ``""`` is the root.  Raises ``ValueError`` for a pointer that does not start
    with ``/`` or has a ``~`` not followed by ``0`` or ``1``.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/") or _BAD_TILDE.search(pointer):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _escape_pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _array_index(token: str) -> int | None:
    """The index named by a reference token, or ``None`` (``-``, ``01``, ``x``)."""
    return int(token) if _ARRAY_INDEX.fullmatch(token) else None


# --------------------------------------------------------------------------
# fast locator: the json C decoder walks the pointer's path only

_skip_ws = re.compile(r"[ \t\n\r]*").match
_DECODER = json.JSONDecoder()


class _Located(NamedTuple):
    """Offsets of a value (``end`` exclusive) and of its key token, if a member."""

    start: int
    end: int
    key: tuple[int, int] | None


class _Container(NamedTuple):
    """An indexed array (list of elements) or object (last member per key)."""

    children: list[_Located] | dict[str, _Located]
    end: int


class JsonLocator:
    """Spans of the values and keys of one JSON text, addressed by JSON pointer.

    Nothing is parsed up front.  A lookup walks from the root along the
    pointer; each array or object on the way is indexed once (its members'
    offsets, sibling values skipped by the C decoder) and cached, so further
    lookups in the same containers cost a dictionary access.

    Of duplicate keys the last one is located, as AWS uses it.  A pointer that
    names nothing, or runs into text that is not valid JSON, gives ``None``.
    Offsets are indices into ``text``; a leading U+FEFF is skipped and takes no
    column.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._start = 1 if text.startswith(_BOM) else 0
        self._line_starts: list[int] | None = None
        self._containers: dict[int, _Container] = {}

    def span(self, pointer: str) -> Span | None:
        """Span of the value at ``pointer`` (``""`` is the whole document)."""
        found = self._find(pointer)
        return None if found is None else self._span(found.start, found.end)

    def key_span(self, pointer: str) -> Span | None:
        """Span of the key token (quotes included) of the member at ``pointer``;
        ``None`` for the root and for array elements."""
        found = self._find(pointer)
        if found is None or found.key is None:
            return None
        return self._span(*found.key)

    def offset_to_position(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of the character at ``offset`` in the text."""
        if self._line_starts is None:
            self._line_starts = [self._start] + [m.end() for m in re.finditer("\n", self._text)]
        index = bisect_right(self._line_starts, offset) - 1
        if index < 0:  # inside the byte-order mark
            return 1, 1
        return index + 1, offset - self._line_starts[index] + 1

    def _span(self, start: int, end: int) -> Span:
        return Span(*self.offset_to_position(start), *self.offset_to_position(end))

    def _find(self, pointer: str) -> _Located | None:
        tokens = parse_pointer(pointer)
        text = self._text
        try:
            start = _skip_ws(text, self._start).end()
            if text.startswith(("{", "["), start):
                node = _Located(start, self._container(start).end, None)
            else:
                node = _Located(start, _DECODER.raw_decode(text, start)[1], None)
            for token in tokens:
                if not text.startswith(("{", "["), node.start):
                    return None
                children = self._container(node.start).children
                if isinstance(children, dict):
                    found = children.get(token)
                else:
                    index = _array_index(token)
                    found = children[index] if index is not None and index < len(children) else None
                if found is None:
                    return None
                node = found
        except (ValueError, RecursionError):  # not valid JSON along the path
            return None
        return node

    def _container(self, start: int) -> _Container:
        """Index the array or object that opens at ``start`` (cached)."""
        container = self._containers.get(start)
        if container is None:
            index = self._index_object if self._text[start] == "{" else self._index_array
            container = self._containers[start] = index(start)
        return container

    def _index_object(self, start: int) -> _Container:
        text = self._text
        members: dict[str, _Located] = {}
        pos = _skip_ws(text, start + 1).end()
        if text.startswith("}", pos):
            return _Container(members, pos + 1)
        while True:
            if not text.startswith('"', pos):
                raise ValueError("object key expected")
            key, key_end = scanstring(text, pos + 1)
            colon = _skip_ws(text, key_end).end()
            if not text.startswith(":", colon):
                raise ValueError("':' expected")
            value_start = _skip_ws(text, colon + 1).end()
            value_end = _DECODER.raw_decode(text, value_start)[1]
            members[key] = _Located(value_start, value_end, (pos, key_end))  # last one wins
            pos = _skip_ws(text, value_end).end()
            if text.startswith("}", pos):
                return _Container(members, pos + 1)
            if not text.startswith(",", pos):
                raise ValueError("',' or '}' expected")
            pos = _skip_ws(text, pos + 1).end()

    def _index_array(self, start: int) -> _Container:
        text = self._text
        elements: list[_Located] = []
        pos = _skip_ws(text, start + 1).end()
        if text.startswith("]", pos):
            return _Container(elements, pos + 1)
        while True:
            # strings (most elements: actions, resources) are skipped by the C scanner
            end = scanstring(text, pos + 1)[1] if text.startswith('"', pos) else _DECODER.raw_decode(text, pos)[1]
            elements.append(_Located(pos, end, None))
            pos = _skip_ws(text, end).end()
            if text.startswith("]", pos):
                return _Container(elements, pos + 1)
            if not text.startswith(",", pos):
                raise ValueError("',' or ']' expected")
            pos = _skip_ws(text, pos + 1).end()


# --------------------------------------------------------------------------
# parse: json fast path, Lark for errors and duplicate keys


def parse(text: str) -> ParseResult:
    """Parse strict JSON (RFC 8259) and report the first syntax problem, if any,
    and every duplicate key, with exact spans."""
    locator = JsonLocator(text)
    body = text[1:] if text.startswith(_BOM) else text
    if not _nesting_exceeds_limit(body):
        try:
            return ParseResult(_STRICT_DECODER.decode(body), [], [], locator)
        except _DuplicateKey:
            try:
                value = _LAST_KEY_WINS_DECODER.decode(body)
            except ValueError:
                pass  # a syntax error after the duplicate: Lark names it
            else:
                from iamlint.parsing.larkjson import _duplicate_keys, _lark_parse

                tree, _ = _lark_parse(body)
                assert tree is not None, "json accepted what the grammar rejects"
                return ParseResult(value, [], _duplicate_keys(tree), locator)
        except ValueError:
            pass
    from iamlint.parsing.larkjson import _lark_parse

    tree, problem = _lark_parse(body)
    assert problem is not None, "the grammar accepted what json rejects"
    return ParseResult(None, [problem], [], locator)


class _DuplicateKey(Exception):
    """Raised by the strict decoder at the first object with a repeated key."""


def _dict_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
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
_STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_dict_without_duplicates, parse_constant=_reject_constant, parse_int=_parse_int
)
#: for documents with duplicate keys: the last one wins, as in AWS
_LAST_KEY_WINS_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting_exceeds_limit(text: str) -> bool:
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




def __getattr__(name: str):
    """The Lark reference parser lives in :mod:`iamlint.parsing.larkjson`, imported
    only when needed (Lark costs ~25 ms to import): ``lark_tree``, ``LarkLocator``."""
    if name in ("lark_tree", "LarkLocator", "LarkNode"):
        from iamlint.parsing import larkjson

        return getattr(larkjson, name)
    raise AttributeError(name)
