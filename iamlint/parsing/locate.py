"""Where a value or key named by a JSON pointer is in the text: the fast
locator, which walks only the pointer's path.

:class:`JsonLocator` indexes the arrays and objects on the way with compiled
regular expressions and skips sibling values with the C decoder.  The
reference is :class:`iamlint.parsing.larkjson.LarkLocator` (every node of the
Lark tree positioned); the test suite checks that both agree on every node of
the AWS managed policies.

Positions: lines are 1-based and separated by LF (a CR before it is ordinary
whitespace, so CRLF files get the same columns); columns are 1-based and count
Unicode code points; a leading byte-order mark is not a column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Generator
from itertools import islice
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner (else Python's): not in typeshed
from typing import NamedTuple, cast

from iamlint.findings import Span
from iamlint.parsing.decode import BOM
from iamlint.parsing.pointer import array_index, parse_pointer
from iamlint.parsing.strict import LAST_KEY_WINS_DECODER

_WS = r"[ \t\n\r]*"
#: one strict JSON string token (RFC 8259: no control characters, known escapes)
_STRING_RE = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"'
#: whitespace, possibly none: always matches
_skip_ws = cast("Callable[[str, int], re.Match[str]]", re.compile(_WS).match)
_string = re.compile(_STRING_RE).match
_strings = re.compile(_STRING_RE).finditer
#: an array whose elements are all strings (actions, resources): indexed in one pass
_string_array = re.compile(rf"\[{_WS}(?:{_STRING_RE}(?:{_WS},{_WS}{_STRING_RE})*{_WS})?\]").match
#: a member's key, the colon and the whitespace up to its value
_member_key = re.compile(rf"({_STRING_RE}){_WS}:{_WS}").match
#: the separator after a value: group 1 is "," or the closing bracket
_after_member = re.compile(rf"{_WS}([,}}]){_WS}").match
_after_element = re.compile(rf"{_WS}([,\]]){_WS}").match
#: numbers and literals (strict: no NaN, no Infinity, no leading zeros)
_SCALAR_RE = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null"
_scalar = re.compile(_SCALAR_RE).match
#: a whole member whose value is a string or a scalar (Effect, Sid, a single
#: Resource), with the separator after it, in one match: group 1 the key,
#: group 2 the value, group 3 "," or "}"
_simple_member = re.compile(rf"({_STRING_RE}){_WS}:{_WS}({_STRING_RE}|{_SCALAR_RE}){_WS}([,}}]){_WS}").match


class _Container(NamedTuple):
    """An indexed array (``(start, end)`` of each element) or object (last
    member per key: ``(start, end, key_start, key_end)``), and where it ends."""

    children: list[tuple[int, int]] | dict[str, tuple[int, int, int, int]]
    end: int


class _Scan:
    """A container being scanned lazily: what is recorded so far (a dict of
    members or a list of elements) and the generator that records the rest
    (None once the container is read to its end) -- or, for an array of
    strings, the regex iterator over its strings."""

    __slots__ = ("children", "rest", "strings")

    def __init__(self, children, rest, strings=None) -> None:
        self.children, self.rest, self.strings = children, rest, strings


class JsonLocator:
    """Spans of the values and keys of one JSON text, addressed by JSON pointer.

    Nothing is parsed up front.  A lookup walks from the root along the
    pointer; each array or object on the way is indexed once (its members'
    offsets, arrays that are object members indexed too, other sibling values
    skipped by the C decoder) and cached, so further lookups in the same
    containers cost a dictionary access.  Tokens are matched by compiled
    regular expressions; an array of strings is indexed in one pass.

    On text :func:`~iamlint.parsing.parse.parse` accepted (strict JSON, unique keys: ``valid``), a
    lookup reads each container on its path only up to the member or element
    it needs, and a value's end only when a span needs it; the rest of the text
    is not read (a finding in the first statement of a long policy costs the
    same as in a short one).

    Of duplicate keys the last one is located, as AWS uses it.  A pointer that
    names nothing, or runs into text that is not valid JSON, gives ``None``.
    Offsets are indices into ``text``; a leading U+FEFF is skipped and takes no
    column.
    """

    def __init__(self, text: str, valid: bool = False) -> None:
        self._text = text
        self._start = 1 if text.startswith(BOM) else 0
        #: the text is strict JSON without duplicate keys (:func:`~iamlint.parsing.parse.parse` says
        #: so): a lookup scans each container only as far as it needs
        self._valid = valid
        self._scans: dict[int, _Scan] = {}
        self._containers: dict[int, _Container] = {}
        self._found: dict[str, tuple | None] = {}
        #: where the arrays of strings measured while indexing their object end
        self._string_array_ends: dict[int, int] = {}
        #: offsets whose line is known, ascending, with those lines and where
        #: they start: a position is counted from the nearest known offset
        #: before it, not from the start of the text
        self._mark_offsets: list[int] = [0]
        self._mark_lines: list[int] = [1]
        self._mark_line_starts: list[int] = [self._start]

    def span(self, pointer: str) -> Span | None:
        """Span of the value at ``pointer`` (``""`` is the whole document)."""
        found = self._find(pointer)
        if found is None:
            return None
        end = found[1]
        if end is None:  # a lazy lookup did not need the value's end
            try:
                end = self._value_end(found[0])
            except (ValueError, IndexError, RecursionError):
                return None
        return self._span(found[0], end)

    def key_span(self, pointer: str) -> Span | None:
        """Span of the key token (quotes included) of the member at ``pointer``;
        ``None`` for the root and for array elements."""
        found = self._find(pointer)
        if found is None or len(found) < 4:
            return None
        return self._span(found[2], found[3])

    def offset_to_position(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of the character at ``offset`` in the text."""
        if offset < self._start:  # inside the byte-order mark
            return 1, 1
        line, line_start = self._line_of(offset)
        return line, offset - line_start + 1

    def _line_of(self, offset: int) -> tuple[int, int]:
        """1-based line of ``offset`` and the offset where that line starts:
        newlines counted, and the line start searched, from the nearest offset
        whose line is known (before or after it) -- not from the start of the
        text, which made n lookups in a long line (a minified policy) cost
        O(n^2).  A lookup far from every known offset becomes one itself."""
        text, offsets = self._text, self._mark_offsets
        i = bisect_right(offsets, offset) - 1
        mark = offsets[i]
        if i + 1 < len(offsets) and offsets[i + 1] - offset < offset - mark:  # nearer the mark after it
            after = offsets[i + 1]
            newlines = text.count("\n", offset, after)
            line = self._mark_lines[i + 1] - newlines
            if not newlines:
                line_start = self._mark_line_starts[i + 1]
            else:  # the line starts after the mark before (or is that mark's line)
                line_start = text.rfind("\n", mark, offset) + 1 or self._mark_line_starts[i]
            near = after - offset
        else:
            newlines = text.count("\n", mark, offset)
            line = self._mark_lines[i] + newlines
            line_start = text.rfind("\n", mark, offset) + 1 if newlines else self._mark_line_starts[i]
            near = offset - mark
        if near > 4096:
            offsets.insert(i + 1, offset)
            self._mark_lines.insert(i + 1, line)
            self._mark_line_starts.insert(i + 1, line_start)
        return line, line_start

    def _span(self, start: int, end: int) -> Span:
        text = self._text
        line, column = self.offset_to_position(start)
        newlines = text.count("\n", start, end)
        if not newlines:
            return Span(line, column, line, column + end - start)
        end_line_start = text.rfind("\n", start, end) + 1
        return Span(line, column, line + newlines, end - end_line_start + 1)

    def _find(self, pointer: str) -> tuple | None:
        try:
            return self._found[pointer]
        except KeyError:
            pass
        # the common pointer, without escapes, split directly
        tokens = parse_pointer(pointer) if "~" in pointer or not pointer.startswith("/") else pointer[1:].split("/")
        text = self._text
        node: tuple | None
        if self._valid:
            try:
                node = self._find_lazy(tokens)
            except (ValueError, IndexError, RecursionError):
                node = None
            self._found[pointer] = node
            return node
        try:
            start = _skip_ws(text, self._start).end()
            end = self._container(start).end if text[start] in "{[" else self._value_end(start)
            node = (start, end)
            for token in tokens:
                if text[node[0]] not in "{[":
                    node = None
                    break
                children = self._container(node[0]).children
                if isinstance(children, dict):
                    node = children.get(token)
                else:
                    index = array_index(token)
                    node = children[index] if index is not None and index < len(children) else None
                if node is None:
                    break
        except (ValueError, IndexError, RecursionError):  # not valid JSON along the path
            node = None
        self._found[pointer] = node
        return node

    # -- lazy lookups (valid text): containers scanned member by member ---------
    #
    # Finding /Statement/3/Resource/0 reads the root up to "Statement", the
    # array up to its fourth element and that statement up to "Resource"; the
    # rest of the text is not read.  A node's end is None until the scan moves
    # past it (span() measures it then).  Keys are unique, so the first member
    # of a name is the one.

    def _find_lazy(self, tokens: list[str]) -> tuple | None:
        text = self._text
        node: tuple = (_skip_ws(text, self._start).end(), None)
        for token in tokens:
            start = node[0]
            char = text[start]
            found: tuple | None
            if char == "{":
                found = self._lazy_member(start, token)
            elif char == "[":
                index = array_index(token)
                found = None if index is None else self._lazy_element(start, index)
            else:
                return None
            if found is None:
                return None
            node = found
        return node

    def _lazy_member(self, start: int, key: str) -> tuple | None:
        scan = self._scans.get(start)
        if scan is None:
            members: dict[str, tuple] = {}
            scan = self._scans[start] = _Scan(members, self._scan_object(start, members, self._skip_value))
        node = scan.children.get(key)
        if node is not None:
            return node
        while scan.rest is not None:
            found = next(scan.rest, None)
            if found is None:
                scan.rest = None
            elif found == key:
                return scan.children[key]
        return None

    def _lazy_element(self, start: int, index: int) -> tuple | None:
        scan = self._scans.get(start)
        if scan is None:
            text = self._text
            end = self._string_array_ends.get(start)
            if end is None:
                match = _string_array(text, start)
                end = match.end() if match is not None else None
            if end is not None:  # strings only: their spans by one regex, as far as needed
                scan = self._scans[start] = _Scan([], None, _strings(text, start, end))
            else:
                elements: list[tuple] = []
                scan = self._scans[start] = _Scan(elements, self._scan_array(start, elements, self._skip_value))
        elements = scan.children
        if index >= len(elements):
            if scan.strings is not None:
                need = index + 1 - len(elements)
                elements.extend([m.span() for m in islice(scan.strings, need)])
                if index >= len(elements):
                    scan.strings = None
            while index >= len(elements) and scan.rest is not None:
                if next(scan.rest, None) is None:
                    scan.rest = None
        return elements[index] if index < len(elements) else None

    def _scan_object(self, start: int, members: dict[str, tuple], skip) -> Generator[str, None, int]:
        """Record the members of the object at ``start`` one at a time, yielding
        each key after recording it; its value's end is measured (by ``skip``)
        on resuming. Returns the object's end. A repeated key is recorded
        again: the last one wins."""
        text = self._text
        pos = _skip_ws(text, start + 1).end()
        if text.startswith("}", pos):
            return pos + 1
        while True:
            match = _simple_member(text, pos)
            if match is not None:
                key_start, key_end = match.span(1)
                key = text[key_start + 1 : key_end - 1]
                if "\\" in key:
                    key = scanstring(text, key_start + 1)[0]
                members[key] = (*match.span(2), key_start, key_end)
                yield key
                if match.group(3) == "}":
                    return match.start(3) + 1
                pos = match.end()
                continue
            match = _member_key(text, pos)
            if match is None:
                raise ValueError("object key expected")
            key_start, key_end = match.span(1)
            key = text[key_start + 1 : key_end - 1]
            if "\\" in key:
                key = scanstring(text, key_start + 1)[0]
            value_start = match.end()
            members[key] = (value_start, None, key_start, key_end)
            yield key
            end = skip(value_start)
            members[key] = (value_start, end, key_start, key_end)
            match = _after_member(text, end)
            if match is None:
                raise ValueError("',' or '}' expected")
            if match.group(1) == "}":
                return match.start(1) + 1
            pos = match.end()

    def _scan_array(self, start: int, elements: list[tuple], skip) -> Generator[int, None, int]:
        """Record the elements of the array at ``start`` one at a time (see
        :meth:`_scan_object`)."""
        text = self._text
        pos = _skip_ws(text, start + 1).end()
        if text.startswith("]", pos):
            return pos + 1
        while True:
            elements.append((pos, None))
            yield pos
            end = skip(pos)
            elements[-1] = (pos, end)
            match = _after_element(text, end)
            if match is None:
                raise ValueError("',' or ']' expected")
            if match.group(1) == "]":
                return match.start(1) + 1
            pos = match.end()

    def _skip_value(self, start: int) -> int:
        """End of the value at ``start``: an array of strings by one match
        (remembered for a later lookup inside it), anything else as
        :meth:`_value_end`."""
        if self._text.startswith("[", start):
            strings = _string_array(self._text, start)
            if strings is not None:
                end = self._string_array_ends[start] = strings.end()
                return end
        return self._value_end(start)

    def _value_end(self, start: int) -> int:
        """End of the value that starts at ``start`` (containers are indexed)."""
        char = self._text[start]
        if char == '"':
            match = _string(self._text, start)
        elif char == "{" or char == "[":
            container = self._containers.get(start)
            if container is not None:
                return container.end
            return LAST_KEY_WINS_DECODER.raw_decode(self._text, start)[1]
        else:
            match = _scalar(self._text, start)
        if match is None:
            raise ValueError("value expected")
        return match.end()

    def _container(self, start: int) -> _Container:
        """Index the array or object that opens at ``start`` (cached)."""
        container = self._containers.get(start)
        if container is None:
            index = self._index_object if self._text[start] == "{" else self._index_array
            container = self._containers[start] = index(start)
        return container

    def _index_object(self, start: int) -> _Container:
        members: dict[str, tuple] = {}
        return _Container(members, _drain(self._scan_object(start, members, self._index_value)))

    def _index_array(self, start: int) -> _Container:
        text = self._text
        end = self._string_array_ends.get(start)
        if end is None:
            match = _string_array(text, start)
            end = match.end() if match is not None else None
        if end is not None:  # strings only: one pass
            return _Container([m.span() for m in _strings(text, start, end)], end)
        elements: list[tuple] = []
        return _Container(elements, _drain(self._scan_array(start, elements, self._value_end)))

    def _index_value(self, start: int) -> int:
        """End of a member's value for the full index: an array of strings
        (an action or resource list) is only measured, by one match, and its
        elements indexed when a lookup goes in; another array is indexed."""
        if self._text.startswith("[", start):
            strings = _string_array(self._text, start)
            if strings is None:
                return self._container(start).end
            end = self._string_array_ends[start] = strings.end()
            return end
        return self._value_end(start)


def _drain(scan: Generator[object, None, int]) -> int:
    """Run a scan to its end and return what it returns (the container's end)."""
    while True:
        try:
            next(scan)
        except StopIteration as done:
            return done.value
