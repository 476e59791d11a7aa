"""Transitional: the names this module held, now in :mod:`iamlint.parsing.decode`,
:mod:`~iamlint.parsing.pointer`, :mod:`~iamlint.parsing.strict`,
:mod:`~iamlint.parsing.locate` and :mod:`~iamlint.parsing.parse`.  Removed once
no importer is left."""

from __future__ import annotations

from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.parsing.locate import JsonLocator
from iamlint.parsing.parse import ParseResult, parse
from iamlint.parsing.pointer import parse_pointer
from iamlint.parsing.strict import MAX_DEPTH, SyntaxProblem

__all__ = [
    "MAX_DEPTH",
    "DecodeError",
    "JsonLocator",
    "ParseResult",
    "SyntaxProblem",
    "decode_bytes",
    "parse",
    "parse_pointer",
]


def __getattr__(name: str) -> object:
    """``lark_tree`` and ``LarkLocator``, now in :mod:`iamlint.parsing.larkjson`."""
    if name in ("lark_tree", "LarkLocator", "LarkNode"):
        from iamlint.parsing import larkjson  # noqa: PLC0415 (Lark costs ~25 ms to import)

        return getattr(larkjson, name)
    raise AttributeError(name)
