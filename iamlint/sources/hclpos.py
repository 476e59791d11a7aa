"""HCL (Terraform) text with positions: parse, index blocks, evaluate expressions.

python-hcl2's raw Lark tree (``hcl2.parses_to_tree``; the parser is built with
``propagate_positions=True``) carries the line and column of every token; this
module walks that tree directly.  Expressions evaluate to plain Python values
(dict, list, str, numbers, bool, None) where they are literals or references
this module can resolve, and to :class:`~iamlint.model.policy.Opaque` where
they cannot be known offline (``var.x``, ``each.value``, conditionals ...).

While evaluating, every value's position is recorded in a *sink*: a dict from
JSON pointer (relative to the evaluated value) to :class:`Where` (file, value
span, key span), from which :class:`MapLocator` answers a document's pointers.

Embedded JSON (heredocs, ``templatefile``) is parsed with
:func:`iamlint.parsing.parse.parse` after interpolations are replaced; an
:class:`EditMap` maps positions of the edited text back to the file.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iamlint.findings import Span

# --------------------------------------------------------------------------
# positions


@dataclass(frozen=True)
class Where:
    file: str
    span: Span | None
    key: Span | None = None


class LineTable:
    """Offsets <-> 1-based (line, column) of one text (columns in code points)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(self.starts):
            return self.length
        return min(self.starts[line - 1] + column - 1, self.length)

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))


def node_span(node: Any) -> Span | None:
    if isinstance(node, Token):
        if node.line is None:
            return None
        # a token with a line has all four positions (lark types each as int | None)
        return Span(node.line, node.column, node.end_line, node.end_column)  # type: ignore[arg-type]
    if isinstance(node, Tree):
        meta = node.meta
        if not getattr(meta, "empty", True):
            return Span(meta.line, meta.column, meta.end_line, meta.end_column)
        for child in node.children:
            span = node_span(child)
            if span is not None:
                return span
    return None


def node_offsets(node: Any) -> tuple[int, int] | None:
    if isinstance(node, Token):
        # a token with a start has an end (lark types each as int | None)
        return (node.start_pos, node.end_pos) if node.start_pos is not None else None  # type: ignore[return-value]
    if isinstance(node, Tree) and not getattr(node.meta, "empty", True):
        return node.meta.start_pos, node.meta.end_pos
    return None


class MapLocator:
    """Locator over a pointer -> :class:`Where` map; only spans in ``file`` count."""

    def __init__(self, file: str, entries: dict[str, Where] | None = None) -> None:
        self.file = file
        self.entries: dict[str, Where] = entries if entries is not None else {}

    def span(self, pointer: str) -> Span | None:
        where = self.entries.get(pointer)
        if where is None or where.file != self.file:
            return None
        return where.span

    def key_span(self, pointer: str) -> Span | None:
        where = self.entries.get(pointer)
        if where is None or where.file != self.file:
            return None
        return where.key

    def alias(self, pointer: str, where: dict[str, Where] | None) -> None:
        """``pointer`` (a part assemble lists, ``/attachments/0``) is written
        where ``where`` says: positions relative to it, ``""`` its own."""
        for rel, at in (where or {}).items():
            self.entries[pointer + rel] = at


class WholeLocator:
    """Every pointer maps to one span (a policy held in a JSON string of a plan file)."""

    def __init__(self, span: Span | None, key: Span | None = None) -> None:
        self._span = span
        self._key = key

    def span(self, pointer: str) -> Span | None:
        return self._span

    def key_span(self, pointer: str) -> Span | None:
        return self._key if pointer == "" else self._span


# --------------------------------------------------------------------------
# edited text (interpolations replaced) -> original positions


class EditMap:
    """A text with replacements, mapping offsets of the new text back to the old."""

    def __init__(self, original: str, edits: list[tuple[int, int, str]]) -> None:
        self.original = original
        parts: list[str] = []
        self._segments: list[tuple[int, int, int, int]] = []  # new_start, new_end, old_start, old_end
        pos = new = 0
        for start, end, repl in sorted(edits):
            parts.append(original[pos:start])
            new += start - pos
            parts.append(repl)
            self._segments.append((new, new + len(repl), start, end))
            new += len(repl)
            pos = end
        parts.append(original[pos:])
        self.text = "".join(parts)
        self._new_starts = [s[0] for s in self._segments]
        self._lines = LineTable(self.text)

    def old_offset(self, new_offset: int) -> int:
        i = bisect_right(self._new_starts, new_offset) - 1
        if i < 0:
            return new_offset
        ns, ne, os_, oe = self._segments[i]
        if new_offset < ne:  # inside a replacement: clamp into the replaced text
            return min(os_ + (new_offset - ns), max(oe - 1, os_))
        return oe + (new_offset - ne)

    def old_span(self, span: Span) -> tuple[int, int]:
        start = self.old_offset(self._lines.offset(span.line, span.column))
        end_new = self._lines.offset(span.end_line, span.end_column)
        end = self.old_offset(max(end_new - 1, 0)) + 1 if end_new > 0 else 0
        return start, max(end, start)


class ShiftLocator:
    """A JSON locator over edited embedded text, answering in file positions."""

    def __init__(self, inner: Any, edits: EditMap, base_offset: int, file_lines: LineTable) -> None:
        self.inner = inner
        self.edits = edits
        self.base = base_offset
        self.lines = file_lines

    def _map(self, span: Span | None) -> Span | None:
        if span is None:
            return None
        start, end = self.edits.old_span(span)
        return self.lines.span(self.base + start, self.base + end)

    def span(self, pointer: str) -> Span | None:
        return self._map(self.inner.span(pointer))

    def key_span(self, pointer: str) -> Span | None:
        return self._map(self.inner.key_span(pointer))


def find_interpolations(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of ``${...}`` / ``%{...}`` sequences and ``$${`` / ``%%{``
    escapes (kind ``"escape"``; end covers the doubled character only)."""
    i = 0
    n = len(text)
    # the next "${" and "%{" at or after i, each searched again only once i
    # has passed it (searching both at every step made a text with many of
    # one and none of the other cost O(n^2))
    dollar = text.find("${")
    percent = text.find("%{")
    while i < n:
        if 0 <= dollar < i:
            dollar = text.find("${", i)
        if 0 <= percent < i:
            percent = text.find("%{", i)
        j = min((k for k in (dollar, percent) if k >= 0), default=-1)
        if j < 0:
            return
        if j > 0 and text[j - 1] == text[j] and (j < 2 or text[j - 2] != text[j]):
            yield j - 1, j, "escape"
            i = j + 2
            continue
        # find the matching brace, skipping quoted strings
        depth = 0
        k = j + 1
        in_str = False
        while k < n:
            c = text[k]
            if in_str:
                if c == "\\":
                    k += 1
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if k >= n:
            return
        yield j, k + 1, "interp" if text[j] == "$" else "directive"
        i = k + 1


def json_string_states(text: str) -> Callable[[int], bool]:
    """A function telling whether an offset of ``text`` lies inside a JSON string
    (a rough scan: interpolation contents are not special)."""
    toggles: list[int] = []
    in_str = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if in_str and c == "\\":
            i += 2
            continue
        if c == '"':
            in_str = not in_str
            toggles.append(i)
        i += 1
    return lambda off: bisect_right(toggles, off) % 2 == 1


# --------------------------------------------------------------------------
# HCL tree helpers

TRIVIA = ("new_line_or_comment",)


def subtrees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data not in TRIVIA]


def unwrap(node: Any) -> Any:
    """Skip ``expr_term`` wrappers and parentheses."""
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = subtrees(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def name_of(node: Any) -> str | None:
    """Text of an identifier/keyword/literal-name node, or of a plain string."""
    node = unwrap(node)
    if isinstance(node, Token):
        return str(node)
    if isinstance(node, Tree):
        if node.data in ("identifier", "keyword", "literal_value"):
            return str(node.children[0])
        if node.data == "string":
            parts = []
            for part in subtrees(node):
                tok = part.children[0]
                if not isinstance(tok, Token) or tok.type != "STRING_CHARS":
                    return None
                parts.append(unescape(str(tok)))
            return "".join(parts)
    return None


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    def repl(m: re.Match) -> str:
        esc = m.group(1)
        if esc[0] in "uU" and len(esc) > 1:
            try:
                return chr(int(esc[1:], 16))
            except (ValueError, OverflowError):
                return m.group(0)
        return _SIMPLE.get(esc, m.group(0))

    return _ESCAPES.sub(repl, text) if "\\" in text else text


@dataclass
class Attribute:
    name: str
    node: Tree  # the attribute tree
    expr: Any  # the expression node
    file: str

    @property
    def span(self) -> Span | None:
        return node_span(self.expr)

    @property
    def key_span(self) -> Span | None:
        return node_span(self.node.children[0])


@dataclass
class Block:
    type: str
    labels: list[str]
    node: Tree
    file: str
    attrs: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    @property
    def span(self) -> Span | None:
        return node_span(self.node)

    @property
    def header_span(self) -> Span | None:
        """The block's type and labels (first line)."""
        first = node_span(self.node.children[0])
        names = [
            c
            for c in self.node.children
            if isinstance(c, Tree) and c.data in ("identifier", "string", "keyword", "literal_value")
        ]
        last = node_span(names[-1]) if names else first
        if first is None or last is None:
            return self.span
        return Span(first.line, first.column, last.end_line, last.end_column)

    def sub(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]

    @property
    def address(self) -> str:
        if self.type == "resource" and len(self.labels) >= 2:
            return f"{self.labels[0]}.{self.labels[1]}"
        if self.type == "data" and len(self.labels) >= 2:
            return f"data.{self.labels[0]}.{self.labels[1]}"
        return ".".join([self.type, *self.labels])


def read_body(body: Tree, file: str) -> tuple[dict[str, Attribute], list[Block]]:
    attrs: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in subtrees(body):
        if child.data == "attribute":
            name = name_of(child.children[0]) or ""
            expr = child.children[-1]
            attrs[name] = Attribute(name, child, expr, file)
        elif child.data == "block":
            blocks.append(read_block(child, file))
    return attrs, blocks


def read_block(node: Tree, file: str) -> Block:
    labels: list[str] = []
    body = None
    for child in node.children:
        if isinstance(child, Tree):
            if child.data == "body":
                body = child
            elif child.data in ("identifier", "string", "keyword", "literal_value"):
                labels.append(name_of(child) or "")
    btype = labels[0] if labels else ""
    block = Block(btype, labels[1:], node, file)
    if body is not None:
        block.attrs, block.blocks = read_body(body, file)
    return block


# --------------------------------------------------------------------------
# parsed files


@dataclass
class HclFile:
    path: str
    text: str
    blocks: list[Block]
    lines: LineTable
    #: (message, span) when the text is not valid HCL
    error: tuple[str, Span] | None = None


#: a heredoc's opening (``<<EOT`` / ``<<-EOT`` at the end of a line)
_HEREDOC_OPEN = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?$")


def normalize_heredoc_ends(text: str) -> str:
    """``text`` with trailing blanks of heredoc end-marker lines moved before the marker.

    HCL trims an end-marker line before comparing it with the marker, so
    ``EOT`` followed by spaces closes a heredoc; python-hcl2's heredoc terminal
    wants the newline right after the marker but accepts blanks before it.
    Moving the blanks keeps every offset, line and column of the text (the
    marker line holds no value) and the body: it ends before the marker line.
    """
    if "<<" not in text:
        return text
    out: list[str] = []
    marker: str | None = None
    changed = False
    for line in text.split("\n"):
        if marker is not None:
            content = line[:-1] if line.endswith("\r") else line
            if content.strip(" \t") == marker:
                trailing = content[len(content.rstrip(" \t")) :]
                if trailing:
                    leading = content[: len(content) - len(content.lstrip(" \t"))]
                    line = leading + trailing + marker + line[len(content) :]
                    changed = True
                marker = None
            out.append(line)
            continue
        opening = _HEREDOC_OPEN.search(line)
        if opening is not None and not line.lstrip().startswith(("#", "//")):
            marker = opening.group(1)
        out.append(line)
    return "\n".join(out) if changed else text


class _ForArrowPostLexer:
    """python-hcl2's post-lexer, also dropping line breaks (and comments) before
    ``=>``: HCL ignores newlines inside a ``for`` expression's braces, python-hcl2's
    grammar has no newline before the arrow.  Tokens keep their file positions."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.always_accept = inner.always_accept

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return self.inner.process(self._drop_before_arrow(stream))

    @staticmethod
    def _drop_before_arrow(stream: Iterator[Token]) -> Iterator[Token]:
        pending: list[Token] = []
        for token in stream:
            if token.type == "NL_OR_COMMENT":
                pending.append(token)
                continue
            if token.type != "FOR_OBJECT_ARROW":
                yield from pending
            pending.clear()
            yield token
        yield from pending


_PARSER: list[Any] = []


def hcl_parser() -> Any:
    """python-hcl2's LALR parser (its grammar, loaded from its own cache) with
    :class:`_ForArrowPostLexer`."""
    if not _PARSER:
        import hcl2.parser  # noqa: PLC0415 (python-hcl2, heavy: only for Terraform files)
        from hcl2.postlexer import PostLexer  # noqa: PLC0415 (python-hcl2, heavy: only for Terraform files)

        _PARSER.append(
            Lark.open(
                "hcl2.lark",
                parser="lalr",
                cache=str(hcl2.parser.PARSER_FILE),
                rel_to=hcl2.parser.__file__,
                propagate_positions=True,
                postlex=_ForArrowPostLexer(PostLexer()),
            )
        )
    return _PARSER[0]


def parses_to_tree(text: str) -> Tree:
    """python-hcl2's raw Lark tree of ``text`` (a valid-HCL normalisation first,
    keeping every position)."""
    # python-hcl2 appends a newline too: its grammar cannot match end of file
    return hcl_parser().parse(normalize_heredoc_ends(text) + "\n")


def parse_hcl(path: str, text: str) -> HclFile:
    lines = LineTable(text)
    try:
        tree = parses_to_tree(text)
    except UnexpectedCharacters as exc:
        line, col = exc.line, exc.column
        ch = text[exc.pos_in_stream] if exc.pos_in_stream is not None and exc.pos_in_stream < len(text) else ""
        msg = (
            f"Terraform syntax error: unexpected character {ch!r}"
            if ch
            else "Terraform syntax error: unexpected end of file"
        )
        return HclFile(
            path, text, [], lines, (msg + " (the file is not valid HCL)", Span.point(max(line, 1), max(col, 1)))
        )
    except UnexpectedToken as exc:
        tok = exc.token
        line, col = getattr(tok, "line", None) or exc.line, getattr(tok, "column", None) or exc.column
        if tok.type == "$END" or line in (None, -1):
            line, col = lines.position(len(text))
            what = "unexpected end of file (an unclosed brace, bracket or string?)"
        else:
            shown = str(tok).strip() or tok.type
            what = f"unexpected {shown[:40]!r}"
        return HclFile(
            path,
            text,
            [],
            lines,
            (
                f"Terraform syntax error: {what} (the file is not valid HCL)",
                Span.point(max(line or 1, 1), max(col or 1, 1)),
            ),
        )
    except (UnexpectedEOF, UnexpectedInput, LarkError) as exc:
        line, col = lines.position(len(text))
        return HclFile(
            path, text, [], lines, (f"Terraform syntax error: {str(exc).splitlines()[0][:120]}", Span.point(line, col))
        )
    body = tree.children[0] if tree.children else None
    blocks: list[Block] = []
    if isinstance(body, Tree):
        for child in subtrees(body):
            if child.data == "block":
                blocks.append(read_block(child, path))
    return HclFile(path, text, blocks, lines)


#: parsed files of one directory (a Terraform module): path -> (text, parse)
_CACHE: dict[str, tuple[str, HclFile]] = {}
_CACHE_DIRECTORY: list[str] = [""]


def parse_cached(path: str, text: str) -> HclFile:
    """Parse ``text`` of ``path``, once while its module is being read: a file
    linted and then read again as a sibling of another file is parsed once.

    The cache holds one text per path (an editor's every version would
    otherwise pile up) and the files of one directory only: a directory walk
    reads a module's files together, and a long run (the language server, a
    whole repository) keeps at most one module's parse trees alive, which
    can be large (a deeply nested 40 KB file is ~25 MB of tree)."""
    key = os.path.abspath(path)
    directory = os.path.dirname(key)
    if directory != _CACHE_DIRECTORY[0]:
        _CACHE.clear()
        _CACHE_DIRECTORY[0] = directory
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == text:
        return hit[1]
    parsed = parse_hcl(path, text)
    _CACHE[key] = (text, parsed)
    return parsed


def source_text(node: Any, text: str) -> str:
    off = node_offsets(node)
    if off is None:
        return "<expression>"
    return text[off[0] : off[1]].strip()


def heredoc_body(token: Token) -> tuple[str, int] | None:
    """(body text, offset of the body in the file) of a heredoc token."""
    raw = str(token)
    nl = raw.find("\n")
    if nl < 0 or token.start_pos is None:
        return None
    m = re.match(r"<<-?([A-Za-z][A-Za-z0-9._-]*)", raw)
    if not m:
        return None
    delim = m.group(1)
    body_start = nl + 1
    tail = re.search(r"(?:^|\n)[ \t]*" + re.escape(delim) + r"\r?\n?$", raw[body_start - 1 :])
    body_end = body_start - 1 + tail.start() if tail else len(raw)
    if body_end < body_start:
        body_end = body_start
    return raw[body_start:body_end], token.start_pos + body_start


# --------------------------------------------------------------------------
# template directives (%{ if }, %{ for }) in embedded text


class Rendering(EditMap):
    """A text assembled from pieces of an original, mapping its offsets back:
    verbatim ranges (:meth:`copy`, one to one) and inserted texts
    (:meth:`insert`, into the range they stand for), in any order and any
    number of times (a template's ``%{ for }`` repeats its body).  What is
    not copied (a directive, a branch not taken) has no offset in the text."""

    def __init__(self, original: str) -> None:
        self.original = original
        self._parts: list[str] = []
        self._segments = []
        self._length = 0

    def copy(self, start: int, end: int) -> None:
        self.insert(self.original[start:end], start, end)

    def insert(self, text: str, start: int, end: int) -> None:
        if not text:
            return
        self._parts.append(text)
        self._segments.append((self._length, self._length + len(text), start, end))
        self._length += len(text)

    def __len__(self) -> int:
        return self._length

    def finish(self) -> Rendering:
        self.text = "".join(self._parts)
        self._new_starts = [s[0] for s in self._segments]
        self._lines = LineTable(self.text)
        return self


@dataclass
class TemplateNode:
    """One piece of a template: ``text`` / ``interp`` / ``escape`` (a range of
    the text), or a directive: ``if`` (``expr``: its condition; ``body``: the
    then-branch, ``other``: the else-branch) or ``for`` (``names``: its
    variables, ``expr``: the collection, ``body``).  ``start``/``end``: the
    range (for a directive, of its opening ``%{ ... }``)."""

    what: str
    start: int
    end: int
    expr: str = ""
    names: tuple[str, ...] = ()
    body: list[TemplateNode] = field(default_factory=list)
    other: list[TemplateNode] = field(default_factory=list)


_DIRECTIVE = re.compile(
    r"(?P<if>if)\s+(?P<cond>.+)|(?P<else>else)|(?P<endif>endif)"
    r"|(?P<for>for)\s+(?P<names>[A-Za-z_][\w-]*(?:\s*,\s*[A-Za-z_][\w-]*)?)\s+in\s+(?P<coll>.+)|(?P<endfor>endfor)",
    re.S,
)


def parse_template(text: str) -> list[TemplateNode] | None:
    """The pieces of a template text with ``%{ }`` directives (strip markers
    ``~`` are read and ignored: whitespace outside JSON strings does not
    matter), or None when the directives do not nest (an ``%{ endif }`` without
    its ``%{ if }``, an unknown directive)."""
    root: list[TemplateNode] = []
    #: open directives: (node, the list now being filled)
    stack: list[tuple[TemplateNode, list[TemplateNode]]] = []
    current = root
    pos = 0
    for start, end, what in find_interpolations(text):
        if start > pos:
            current.append(TemplateNode("text", pos, start))
        pos = end
        if what != "directive":
            current.append(TemplateNode(what, start, end, text[start + 2 : end - 1].strip()))
            continue
        inner = text[start + 2 : end - 1].strip().strip("~").strip()
        m = _DIRECTIVE.fullmatch(inner)
        if m is None:
            return None
        if m.group("if") or m.group("for"):
            if m.group("if"):
                node = TemplateNode("if", start, end, m.group("cond").strip())
            else:
                names = tuple(n.strip() for n in m.group("names").split(","))
                node = TemplateNode("for", start, end, m.group("coll").strip(), names)
            current.append(node)
            stack.append((node, current))
            current = node.body
        elif m.group("else"):
            if not stack or stack[-1][0].what != "if" or current is not stack[-1][0].body:
                return None
            current = stack[-1][0].other
        else:
            want = "if" if m.group("endif") else "for"
            if not stack or stack[-1][0].what != want:
                return None
            current = stack.pop()[1]
    if stack:
        return None
    if pos < len(text):
        current.append(TemplateNode("text", pos, len(text)))
    return root
