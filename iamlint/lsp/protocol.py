"""The JSON-RPC layer of ``iamlint lsp``: what pygls does not answer by itself.

- A request whose params do not have the shape the LSP specification gives
  its method (a negative position, ``"params": 5``, a code-action context that
  is not an object ...) gets the error response JSON-RPC requires (-32602,
  Invalid params, with the request's id).  pygls raises while decoding such a
  message, before it knows it is a request, and nothing answers: the client
  would wait for ever.  A notification of the wrong shape is dropped with a
  log line (JSON-RPC forbids answering a notification).
- A body that is not JSON gets a parse error (-32700, null id) rather than
  only a message box (``IamlintLanguageServer.report_server_error``).
- ``BoundedStdin`` is the stream pygls reads messages from: it refuses a
  ``Content-Length`` above ``MAX_CONTENT_LENGTH`` (pygls would allocate it and
  die of ``MemoryError``), answers with an error without an id (the message's
  id is in the body it did not read) and resumes at the next message header.

Both hook into pygls through its extension points: the protocol class a
``LanguageServer`` takes (``protocol_cls``) and the stdin stream ``start_io``
takes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, BinaryIO

import attrs
from cattrs.v import format_exception, transform_error
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("iamlint.lsp")

#: the largest message body accepted: far above any policy or template an
#: editor opens, far below what makes allocating it a risk
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
#: a header line longer than this is not a header; it is read in pieces
MAX_HEADER_LINE = 64 * 1024
HEADER = re.compile(rb"Content-Length: (\d+)\r\n$")

SHOWN_ERRORS = 3  # of the validation errors, in an error response
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


@attrs.define
class Rejected:
    """A message that could not be decoded into its method's types.

    ``id`` is None for a notification (nothing is answered) and for a request
    whose id is neither a string nor an integer (answered with a null id)."""

    id: Any
    method: str
    reason: str
    request: bool


def _reason(exc: BaseException) -> str:
    """One line saying what is wrong where, e.g. ``Position.line should be ... @ $.params.position``."""

    def describe(error: BaseException, type_) -> str:
        if isinstance(error, ValueError) and str(error):
            return str(error)
        return format_exception(error, type_)

    try:
        errors = transform_error(exc, format_exception=describe)
    except Exception:  # noqa: BLE001 (not a cattrs validation error: the exception's own text)
        return f"{type(exc).__name__}: {exc}"
    more = f"; and {len(errors) - SHOWN_ERRORS} more" if len(errors) > SHOWN_ERRORS else ""
    return "; ".join(errors[:SHOWN_ERRORS]) + more


class IamlintProtocol(LanguageServerProtocol):
    """pygls' language server protocol, answering malformed requests with an error."""

    def structure_message(self, data: dict[str, Any]):
        """Decode a message; a request or notification whose params do not fit becomes ``Rejected``."""
        method = data.get("method") if "jsonrpc" in data else None
        message_type = self.get_message_type(method) if isinstance(method, str) else None
        if message_type is None or "error" in data or "result" in data:
            return super().structure_message(data)
        try:
            return self._converter.structure(data, message_type)
        except Exception as exc:  # noqa: BLE001 (params that do not structure: an error response, not a crash)
            request = "id" in data
            msg_id = data.get("id")
            if not (isinstance(msg_id, (str, int)) and not isinstance(msg_id, bool)):
                msg_id = None
            return Rejected(msg_id, str(method), _reason(exc), request)

    def handle_message(self, message):
        if isinstance(message, Rejected):
            self._reject(message)
            return
        if not hasattr(message, "jsonrpc"):  # a JSON value that is no JSON-RPC message at all
            log.warning("ignoring a message that is not JSON-RPC 2.0: %.200r", message)
            if isinstance(message, dict) and "method" in message and "id" in message:
                self.send_error(
                    message["id"] if isinstance(message["id"], (str, int)) else None,
                    INVALID_REQUEST,
                    "Invalid request: not a JSON-RPC 2.0 message",
                )
            return
        super().handle_message(message)

    def _reject(self, message: Rejected) -> None:
        log.warning("invalid params for %s (id %r): %s", message.method, message.id, message.reason)
        if message.request:
            self.send_error(message.id, INVALID_PARAMS, f"Invalid params for {message.method}: {message.reason}")

    def send_error(self, msg_id, code: int, text: str) -> None:
        """An error response; ``msg_id`` None when the request's id cannot be known.

        JSON-RPC wants ``"id": null`` then, which lsprotocol's converter would
        leave out (it drops None fields), so that response is sent as a dict."""
        if msg_id is None:
            self._send_data({"jsonrpc": self.VERSION, "id": None, "error": {"code": code, "message": text}})
        else:
            self._send_response(msg_id, error=types.ResponseError(code=code, message=text))

    def refuse_oversized(self, length: int) -> None:
        """Called by ``BoundedStdin`` (in pygls' reader thread) for a body it will not read.

        pygls' writer is also used from its worker threads (``@server.thread``
        handlers); one message is one write call, so writes do not interleave."""
        text = f"Content-Length {length} exceeds the limit of {MAX_CONTENT_LENGTH} bytes; message skipped"
        log.error("refusing a message: %s", text)
        try:
            self.send_error(None, INVALID_REQUEST, f"Invalid request: {text}")
        except Exception:  # noqa: BLE001 (the client is gone: the reader will see the end of input)
            log.warning("could not send the refusal of an oversized message")


class BoundedStdin:
    """The binary stream pygls reads messages from, with a ceiling on ``Content-Length``.

    pygls reads header lines with ``readline()`` and the body with
    ``read(content_length)``.  For a length above the limit, ``read`` reports
    the refusal, skips what follows up to the next ``Content-Length`` header
    (the refused body has no line end, so it arrives glued to that header) and
    returns the body of that next message instead; at the end of input it
    returns ``b""`` and pygls stops serving, as for any end of input.  A header
    line is read at most ``MAX_HEADER_LINE`` bytes at a time, so a stream
    without line ends cannot make a line grow without bound either.
    """

    def __init__(self, stream: BinaryIO, on_refused: Callable[[int], None], limit: int = MAX_CONTENT_LENGTH):
        self._stream = stream
        self._on_refused = on_refused
        self._limit = limit

    def readline(self) -> bytes:
        """A header line, without bytes before a ``Content-Length`` header in it.

        Between messages only headers are read, so such bytes are garbage
        (stray output without a line end, or the rest of a refused body);
        pygls would miss the header glued to them and lose every message
        after it."""
        line = self._stream.readline(MAX_HEADER_LINE)
        match = HEADER.search(line)
        if match and match.start():
            log.warning("skipping %d bytes before a message header", match.start())
            return line[match.start() :]
        return line

    def read(self, n: int) -> bytes:
        while n > self._limit:
            self._on_refused(n)
            following = self._next_length()
            if following is None:
                return b""
            n = following
        return self._stream.read(n)

    def _next_length(self) -> int | None:
        """Skip to the next header block; its Content-Length (None at the end of input)."""
        length = None
        while True:
            line = self._stream.readline(MAX_HEADER_LINE)
            if not line:
                return None
            if length is None:
                match = HEADER.search(line)
                if match and int(match.group(1)) > 0:
                    length = int(match.group(1))
            elif not line.strip():
                return length
