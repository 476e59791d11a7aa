"""A small on-disk cache for derived data (compiled rule packs, compiled schema checks).

Lives in ``$IAMLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iamlint``, else
``~/.cache/iamlint`` — never next to the files being linted.  Entries (JSON or
bytes) are named by a content key, written atomically; a missing, unreadable, corrupt or
unwritable cache is silently the same as no cache.  ``IAMLINT_NO_CACHE=1``
turns it off.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path | None:
    if os.environ.get("IAMLINT_NO_CACHE"):
        return None
    explicit = os.environ.get("IAMLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iamlint"


def read_json(name: str) -> Any | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / name, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def write_json(name: str, data: Any) -> None:
    try:
        payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return
    write_bytes(name, payload)


def read_bytes(name: str) -> bytes | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / name, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def write_bytes(name: str, data: bytes) -> None:
    directory = cache_dir()
    if directory is None:
        return
    import tempfile  # only to write: importing it costs ~9 ms at every start

    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, directory / name)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
