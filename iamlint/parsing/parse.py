"""Strict JSON text for policy documents: the decoded value, the first syntax
problem with its exact position, every duplicate key, and a locator for the
position of any value or key named by a JSON pointer.

Two implementations share the work (see "Where positions come from" in
ARCHITECTURE.md):

* The fast path is the standard ``json`` module.  :func:`parse` decodes with
  the C decoder (NaN and Infinity refused, :mod:`iamlint.parsing.strict`) and
  asks Lark nothing when the document is valid and has no duplicate keys,
  which is almost always.  :class:`~iamlint.parsing.locate.JsonLocator` finds
  the span of one pointer by walking only the path to it.
* The reference is the Lark grammar ``policy.lark`` (strict RFC 8259, every
  node positioned, :mod:`iamlint.parsing.larkjson`).  :func:`parse` runs it
  only when ``json`` rejects the text (to name and place the first error) or
  saw duplicate keys (to place them).

The other steps have their own modules: bytes to text in
:mod:`iamlint.parsing.decode`, JSON pointers in :mod:`iamlint.parsing.pointer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamlint.findings import Span
from iamlint.parsing.decode import BOM
from iamlint.parsing.locate import JsonLocator
from iamlint.parsing.strict import (
    LAST_KEY_WINS_DECODER,
    STRICT_DECODER,
    DuplicateKey,
    SyntaxProblem,
    nesting_exceeds_limit,
)


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


def parse(text: str) -> ParseResult:
    """Parse strict JSON (RFC 8259) and report the first syntax problem, if any,
    and every duplicate key, with exact spans."""
    body = text[1:] if text.startswith(BOM) else text
    if not nesting_exceeds_limit(body):
        try:
            value = STRICT_DECODER.decode(body)
            # strict JSON, keys unique: lookups may stop early
            return ParseResult(value, [], [], JsonLocator(text, valid=True))
        except DuplicateKey:
            try:
                value = LAST_KEY_WINS_DECODER.decode(body)
            except ValueError:
                pass  # a syntax error after the duplicate: Lark names it
            else:
                from iamlint.parsing import larkjson  # noqa: PLC0415 (Lark costs ~25 ms to import: duplicate keys only)

                tree, _ = larkjson.lark_parse(body)
                assert tree is not None, "json accepted what the grammar rejects"
                return ParseResult(value, [], larkjson.duplicate_keys(tree), JsonLocator(text))
        except ValueError:
            pass
    from iamlint.parsing import larkjson  # noqa: PLC0415 (Lark costs ~25 ms to import: invalid JSON only)

    tree, problem = larkjson.lark_parse(body)
    assert problem is not None, "the grammar accepted what json rejects"
    return ParseResult(None, [problem], [], JsonLocator(text))
