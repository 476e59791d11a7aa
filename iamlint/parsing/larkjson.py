"""The Lark reference parser for strict JSON: human syntax-error messages,
duplicate-key positions and a reference locator.

:func:`iamlint.parsing.parse.parse` decodes with the C ``json`` module and
imports this module only when ``json`` fails or a duplicate key was seen.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from typing import NamedTuple

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from iamlint.findings import Span
from iamlint.parsing.decode import BOM
from iamlint.parsing.pointer import array_index, escape_token, parse_pointer
from iamlint.parsing.strict import MAX_DEPTH, SyntaxProblem

LarkNode = Tree | Token
"""A node of the Lark tree: ``object``/``array``/``member`` trees, scalar tokens."""


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
    tree, problem = lark_parse(text[1:] if text.startswith(BOM) else text)
    if problem is not None:
        span = problem.span
        raise ValueError(f"{problem.message} (line {span.line}, column {span.column})")
    assert tree is not None
    return tree


def lark_parse(text: str) -> tuple[LarkNode | None, SyntaxProblem | None]:
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


def _known(position: int | None) -> int:
    """A position of a token the lexer produced (Lark's types allow None)."""
    assert position is not None, "a lexed token has a position"
    return position


def _token_span(token: Token) -> Span:
    return Span(_known(token.line), _known(token.column), _known(token.end_line), _known(token.end_column))


def _node_span(node: LarkNode) -> Span:
    if isinstance(node, Token):
        return _token_span(node)
    meta = node.meta
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def duplicate_keys(root: LarkNode) -> list[tuple[str, str, Span]]:
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
            assert isinstance(key_token, Token)
            key = json.loads(key_token)
            if key in seen:
                found.append((pointer, key, _token_span(key_token)))
            seen.add(key)
            stack.append((value, f"{pointer}/{escape_token(key)}"))
    found.sort(key=lambda duplicate: duplicate[2])
    return found


class LarkLocator:
    """The reference locator: same API as
    :class:`~iamlint.parsing.locate.JsonLocator`, answered from
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
                    members = {json.loads(str(m.children[0])): m for m in node.children}
                    self._members[id(node)] = members
                if token not in members:
                    return None
                key_token, node = members[token].children
                assert isinstance(key_token, Token)
                key = key_token
            elif isinstance(node, Tree) and node.data == "array":
                index = array_index(token)
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
    return _Site(_known(token.start_pos), _known(token.line), _known(token.column))


def _match(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str]:
    """``pattern.match(text, pos)`` for a pattern that matches there by construction."""
    match = pattern.match(text, pos)
    assert match is not None, pattern.pattern
    return match


def _character_problem(
    text: str, error: UnexpectedCharacters, last: Token | None, parser: InteractiveParser
) -> SyntaxProblem:
    """The lexer found no token at ``error.pos_in_stream``."""
    pos = _known(error.pos_in_stream)
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
        return SyntaxProblem(
            f"unexpected end of file: expected {expected}", Span.point(_known(last.end_line), _known(last.end_column))
        )
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
        return SyntaxProblem(f"object keys must be double-quoted strings, not {_show_token(token)}", _token_span(token))
    return SyntaxProblem(f"unexpected {_show_token(token)}: expected {_describe(accepts)}", _token_span(token))


def _string_problem(text: str, opening: _Site) -> SyntaxProblem:
    """What stops the string that opens at ``opening`` from being a token."""
    pos = opening.offset + 1
    while True:
        pos = _match(_PLAIN_STRING_RUN, text, pos).end()
        char = text[pos : pos + 1]
        if char != "\\":
            break
        escape = _VALID_ESCAPE.match(text, pos)
        if escape is not None:
            pos = escape.end()
            continue
        escaped = text[pos + 1 : pos + 2]
        if escaped == "u":
            sequence = _match(_BAD_UNICODE_ESCAPE, text, pos).group()
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
    run = _match(_NUMBER_LIKE, text, start.offset).group()
    parts = _match(_NUMBER_PARTS, run)
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
