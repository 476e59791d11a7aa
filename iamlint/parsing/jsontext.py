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
import functools
import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from json.decoder import scanstring
from typing import NamedTuple, Union

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from iamlint.findings import Span

#: Deepest nesting of arrays and objects accepted.  IAM policies nest about 6
#: levels; the limit keeps every later stage (and ``json`` itself) far from
#: Python's recursion limit.
MAX_DEPTH = 256

_BOM = "\ufeff"

LarkNode = Union[Tree, Token]
"""A node of the Lark tree: ``object``/``array``/``member`` trees, scalar tokens."""


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
            end = _DECODER.raw_decode(text, pos)[1]
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
                tree, _ = _lark_parse(body)
                assert tree is not None, "json accepted what the grammar rejects"
                return ParseResult(value, [], _duplicate_keys(tree), locator)
        except ValueError:
            pass
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


# --------------------------------------------------------------------------
# the Lark reference parser


@functools.cache
def _lark_parser() -> Lark:
    # No cache=True: it would save ~20 ms once per process, on the error path
    # only, and lark's cache is a pickle in the shared temp directory under a
    # predictable name (loading it runs whatever another user planted there).
    return Lark.open_from_package(
        "iamlint.parsing",
        "policy.lark",
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=False,
    )


_OPENERS = frozenset({"LBRACE", "LSQB"})
_CLOSERS = frozenset({"RBRACE", "RSQB"})
_VALUE_STARTS = frozenset({"LBRACE", "LSQB", "STRING", "NUMBER", "TRUE", "FALSE", "NULL"})


def lark_tree(text: str) -> LarkNode:
    """Parse ``text`` with the Lark grammar; ``ValueError`` (with the human
    message and position) when it is not strict JSON."""
    tree, problem = _lark_parse(text[1:] if text.startswith(_BOM) else text)
    if problem is not None:
        span = problem.span
        raise ValueError(f"{problem.message} (line {span.line}, column {span.column})")
    assert tree is not None
    return tree


def _lark_parse(text: str) -> tuple[LarkNode | None, SyntaxProblem | None]:
    """Feed the tokens to the LALR parser one by one, tracking the nesting depth;
    turn the first error into a :class:`SyntaxProblem`."""
    interactive = _lark_parser().parse_interactive(text)
    last: Token | None = None  # the last token the parser accepted
    depth = 0
    try:
        for token in interactive.lexer_thread.lex(interactive.parser_state):
            interactive.feed_token(token)
            if token.type in _OPENERS:
                depth += 1
                if depth > MAX_DEPTH:
                    message = f"document nested too deeply (limit {MAX_DEPTH} levels)"
                    return None, SyntaxProblem(message, _token_span(token))
            elif token.type in _CLOSERS:
                depth -= 1
            last = token
        return interactive.feed_eof(last), None
    except UnexpectedCharacters as error:
        return None, _character_problem(text, error, last, interactive)
    except UnexpectedToken as error:
        return None, _token_problem(text, error.token, last, interactive)


def _token_span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


def _node_span(node: LarkNode) -> Span:
    if isinstance(node, Token):
        return _token_span(node)
    meta = node.meta
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _duplicate_keys(root: LarkNode) -> list[tuple[str, str, Span]]:
    """Every key that repeats an earlier key of its object, in document order."""
    found: list[tuple[str, str, Span]] = []
    stack: list[tuple[LarkNode, str]] = [(root, "")]
    while stack:
        node, pointer = stack.pop()
        if not isinstance(node, Tree):
            continue
        if node.data == "array":
            stack.extend((child, f"{pointer}/{i}") for i, child in enumerate(node.children))
            continue
        seen: set[str] = set()
        for member in node.children:
            key_token, value = member.children
            key = json.loads(key_token)
            if key in seen:
                found.append((pointer, key, _token_span(key_token)))
            seen.add(key)
            stack.append((value, f"{pointer}/{_escape_pointer_token(key)}"))
    found.sort(key=lambda duplicate: duplicate[2])
    return found


class LarkLocator:
    """The reference locator: same API as :class:`JsonLocator`, answered from
    the full Lark tree.  Raises ``ValueError`` when the text is not valid."""

    def __init__(self, text: str) -> None:
        self.tree = lark_tree(text)
        self._members: dict[int, dict[str, Tree]] = {}  # id(object tree) -> key -> member

    def span(self, pointer: str) -> Span | None:
        found = self._find(pointer)
        return None if found is None else _node_span(found[0])

    def key_span(self, pointer: str) -> Span | None:
        found = self._find(pointer)
        return None if found is None or found[1] is None else _token_span(found[1])

    def _find(self, pointer: str) -> tuple[LarkNode, Token | None] | None:
        """The node at ``pointer`` and its key token (for an object member)."""
        node: LarkNode = self.tree
        key: Token | None = None
        for token in parse_pointer(pointer):
            if isinstance(node, Tree) and node.data == "object":
                members = self._members.get(id(node))
                if members is None:
                    # decoded keys; of duplicates the last one wins
                    members = {json.loads(m.children[0]): m for m in node.children}
                    self._members[id(node)] = members
                if token not in members:
                    return None
                key, node = members[token].children
            elif isinstance(node, Tree) and node.data == "array":
                index = _array_index(token)
                if index is None or index >= len(node.children):
                    return None
                node, key = node.children[index], None
            else:
                return None
        return node, key


# --------------------------------------------------------------------------
# human messages for syntax errors

_PLAIN_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]*')
_VALID_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_BAD_UNICODE_ESCAPE = re.compile(r'\\u[0-9a-fA-F]{0,3}[^"\\\x00-\x1f]?')
_NUMBER_LIKE = re.compile(r"[-+.0-9A-Za-z_]+")
_NUMBER_PARTS = re.compile(r"(-?)([0-9]*)(?:(\.)([0-9]*))?(?:([eE])[+-]?([0-9]*))?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PYTHON_LITERALS = {"None": "null"}

_EXPECTED_NAMES = (
    ("COLON", "`:`"),
    ("COMMA", "`,`"),
    ("RBRACE", "`}`"),
    ("RSQB", "`]`"),
    ("$END", "end of file"),
)


class _Site(NamedTuple):
    """A position known as both offset and line/column; spans on its line."""

    offset: int
    line: int
    column: int

    def span(self, start: int, end: int) -> Span:
        return Span(self.line, self.column + start - self.offset, self.line, self.column + end - self.offset)


def _site(token: Token) -> _Site:
    return _Site(token.start_pos, token.line, token.column)


def _character_problem(
    text: str, error: UnexpectedCharacters, last: Token | None, parser: InteractiveParser
) -> SyntaxProblem:
    """The lexer found no token at ``error.pos_in_stream``."""
    pos = error.pos_in_stream
    here = _Site(pos, error.line, error.column)
    char = text[pos]
    if last is not None and last.type == "NUMBER" and last.end_pos == pos:
        problem = _number_problem(text, _site(last))
        if problem is not None:
            return problem
    if char == '"':
        return _string_problem(text, here)
    if text.startswith("-Infinity", pos):
        return SyntaxProblem("`-Infinity` is not allowed in JSON", here.span(pos, pos + 9))
    if char in "+-.":
        problem = _number_problem(text, here)
        if problem is not None:
            return problem
    if char == "'":
        return SyntaxProblem("single quotes are not allowed: JSON strings use double quotes", here.span(pos, pos + 1))
    if text.startswith(("//", "/*"), pos):
        return SyntaxProblem("comments are not allowed in JSON", here.span(pos, pos + 2))
    word = _WORD.match(text, pos)
    if word is not None:
        return _word_problem(word.group(), here, parser.accepts())
    if parser.accepts() == {"$END"}:
        return SyntaxProblem("extra data after the JSON document", here.span(pos, pos + 1))
    return SyntaxProblem(f"unexpected character {_show_char(char)}", here.span(pos, pos + 1))


def _token_problem(text: str, token: Token, last: Token | None, parser: InteractiveParser) -> SyntaxProblem:
    """The parser refused ``token`` after ``last``."""
    accepts = parser.accepts()
    if token.type == "$END":
        if last is None:
            return SyntaxProblem("empty document", Span.point(1, 1))
        closers = [name for kind, name in (("RBRACE", "`}`"), ("RSQB", "`]`")) if kind in accepts]
        expected = closers[0] if closers else _describe(accepts)
        return SyntaxProblem(f"unexpected end of file: expected {expected}", Span.point(last.end_line, last.end_column))
    if last is not None and last.type == "NUMBER" and last.end_pos == token.start_pos:
        problem = _number_problem(text, _site(last))
        if problem is not None:
            return problem
    if token.type in _CLOSERS and last is not None and last.type == "COMMA":
        return SyntaxProblem(f"trailing comma before `{token}`", _token_span(last))
    if accepts == {"$END"}:
        return SyntaxProblem("extra data after the JSON document", _token_span(token))
    if token.type in _VALUE_STARTS and "COMMA" in accepts:
        return SyntaxProblem(f"missing comma before {_show_token(token)}", _token_span(token))
    if token.type in _VALUE_STARTS and accepts == {"COLON"}:
        return SyntaxProblem(f"missing colon before {_show_token(token)}", _token_span(token))
    if token.type in _VALUE_STARTS and "STRING" in accepts and "NUMBER" not in accepts:
        return SyntaxProblem(
            f"object keys must be double-quoted strings, not {_show_token(token)}", _token_span(token)
        )
    return SyntaxProblem(f"unexpected {_show_token(token)}: expected {_describe(accepts)}", _token_span(token))


def _string_problem(text: str, opening: _Site) -> SyntaxProblem:
    """What stops the string that opens at ``opening`` from being a token."""
    pos = opening.offset + 1
    while True:
        pos = _PLAIN_STRING_RUN.match(text, pos).end()
        char = text[pos : pos + 1]
        if char != "\\":
            break
        escape = _VALID_ESCAPE.match(text, pos)
        if escape is not None:
            pos = escape.end()
            continue
        escaped = text[pos + 1 : pos + 2]
        if escaped == "u":
            sequence = _BAD_UNICODE_ESCAPE.match(text, pos).group()
            message = f"invalid escape `{sequence}` in string: `\\u` needs four hex digits"
            return SyntaxProblem(message, opening.span(pos, pos + len(sequence)))
        if escaped >= " ":
            return SyntaxProblem(f"invalid escape `\\{escaped}` in string", opening.span(pos, pos + 2))
        pos += 1  # a backslash before a control character or the end: report that
    # The plain run stops only at `"`, `\`, a control character or the end, and
    # a closing quote here would have made the whole string a token.
    if char in ("", "\n", "\r"):
        return SyntaxProblem("unterminated string", opening.span(opening.offset, opening.offset + 1))
    message = f"unescaped control character (U+{ord(char):04X}) in string"
    return SyntaxProblem(message, opening.span(pos, pos + 1))


def _number_problem(text: str, start: _Site) -> SyntaxProblem | None:
    """What is wrong with the number-like text at ``start``; ``None`` when it
    is a valid number (the error is then whatever follows it)."""
    run = _NUMBER_LIKE.match(text, start.offset).group()
    parts = _NUMBER_PARTS.match(run)
    sign, whole, dot, fraction, exponent, exponent_digits = parts.groups()
    if run.startswith("+"):
        reason = "a leading `+` is not allowed"
    elif not whole and run[len(sign) : len(sign) + 1] == ".":
        reason = "a digit is required before the decimal point"
    elif not whole:
        reason = "a digit is required after `-`"
    elif len(whole) > 1 and whole.startswith("0"):
        reason = "leading zeros are not allowed"
    elif dot and not fraction:
        reason = "a digit is required after the decimal point"
    elif exponent and not exponent_digits:
        reason = "a digit is required in the exponent"
    elif parts.end() < len(run):
        reason = f"unexpected {_show_char(run[parts.end()])}"
    else:
        return None
    return SyntaxProblem(
        f"invalid number {_show_text(run)}: {reason}", start.span(start.offset, start.offset + len(run))
    )


def _word_problem(word: str, here: _Site, accepts: set[str]) -> SyntaxProblem:
    span = here.span(here.offset, here.offset + len(word))
    if word in ("NaN", "Infinity"):
        return SyntaxProblem(f"`{word}` is not allowed in JSON", span)
    literal = _PYTHON_LITERALS.get(word, word.lower())
    if literal in ("true", "false", "null") and "NUMBER" in accepts:
        return SyntaxProblem(f"`{word}` is not JSON: write `{literal}`", span)
    if accepts == {"$END"}:
        return SyntaxProblem("extra data after the JSON document", span)
    if "STRING" in accepts and "NUMBER" not in accepts:
        return SyntaxProblem(f"unquoted object key `{word}`: keys must be double-quoted strings", span)
    if "NUMBER" in accepts:
        return SyntaxProblem(f"unquoted string `{word}`: strings must be double-quoted", span)
    return SyntaxProblem(f"unexpected `{word}`: expected {_describe(accepts)}", span)


def _describe(accepts: set[str]) -> str:
    """Human list of what the parser would have accepted."""
    names = []
    if "NUMBER" in accepts:  # every value start is accepted together
        names.append("a value")
    elif "STRING" in accepts:
        names.append("a string key")
    names += [name for kind, name in _EXPECTED_NAMES if kind in accepts]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _show_text(text: str, limit: int = 40) -> str:
    return f"`{text if len(text) <= limit else text[: limit - 1] + '…'}`"


def _show_token(token: Token) -> str:
    return _show_text(str(token))


def _show_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"`{char}`"
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'control character')})"
