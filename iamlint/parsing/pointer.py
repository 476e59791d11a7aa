"""JSON pointers (RFC 6901): how rules name a value, and how locators read the name."""

from __future__ import annotations

import re

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


def escape_token(key: str) -> str:
    """The reference token naming the object member ``key``."""
    return key.replace("~", "~0").replace("/", "~1")


def array_index(token: str) -> int | None:
    """The index named by a reference token, or ``None`` (``-``, ``01``, ``x``)."""
    return int(token) if _ARRAY_INDEX.fullmatch(token) else None
