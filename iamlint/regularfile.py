"""Reading a file that someone else may have planted: only a regular file,
never blocking, never more than asked.

One primitive for every reader of iamlint (the linter and the result cache,
``--fix``, Terraform's ``file()``, cache keys): opened with ``O_NONBLOCK`` so
that opening a FIFO returns at once instead of waiting for a writer, then
``fstat``: anything but a regular file (a FIFO, a socket, a device such as
``/dev/zero``) is refused before a byte is read.  Plain descriptors, no
buffered file objects: one open, one fstat and, for a file of the size it
reports, one read.
"""

from __future__ import annotations

import os
import stat

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
)


class NotRegular(OSError):
    """The path is a FIFO, a socket, a device or a directory; ``mode`` says which."""

    def __init__(self, mode: int) -> None:
        super().__init__("not a regular file")
        self.mode = mode


class TooLarge(OSError):
    """The file has more than ``limit`` bytes; ``size`` is its size when known
    from ``fstat`` (None when it grew while it was read)."""

    def __init__(self, limit: int, size: int | None) -> None:
        super().__init__(f"larger than {limit:,} bytes")
        self.limit, self.size = limit, size


def read_regular(
    path: str | os.PathLike, limit: int | None = None, follow: bool = True
) -> tuple[bytes, os.stat_result]:
    """The bytes and the status of the regular file ``path``.

    Raises OSError (FileNotFoundError, PermissionError ...), :class:`NotRegular`,
    or :class:`TooLarge` when it has more than ``limit`` bytes (a file that
    grows while it is read is read only up to the limit).  With
    ``follow=False`` a symbolic link at ``path`` itself is not opened."""
    fd = os.open(path, _FLAGS if follow else _FLAGS | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(info.st_mode)
        size = info.st_size
        if limit is not None and size > limit:
            raise TooLarge(limit, size)
        # one byte more than the size: a file that returns exactly its size is
        # read whole, with no second read to see its end
        # (a size of 0 may be a file that does not know its size: read on)
        data = os.read(fd, size + 1) if size > 0 else b""
        if size > 0 and len(data) == size:
            return data, info
        chunks, total = [data], len(data)
        while limit is None or total <= limit:
            chunk = os.read(fd, 1 << 20 if limit is None else min(limit + 1 - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if limit is not None and total > limit:
        raise TooLarge(limit, None)
    return b"".join(chunks), info
