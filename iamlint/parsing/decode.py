"""Bytes to text for policy files: UTF-8 with an optional byte-order mark;
UTF-16, UTF-32, binary data and invalid UTF-8 refused with a position.

Positions: lines are 1-based and separated by LF; columns are 1-based and
count Unicode code points; a leading byte-order mark is not a column (see
:mod:`iamlint.parsing.parse`).
"""

from __future__ import annotations

import codecs

from iamlint.findings import Span

#: the byte-order mark as decoded text: skipped, and takes no column
BOM = "\ufeff"


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
    names the line and column (counted as everywhere in iamlint.parsing) and the
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
