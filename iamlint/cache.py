"""A small on-disk cache for derived data (compiled rule packs).

Lives in ``$IAMLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iamlint``, else
``~/.cache/iamlint`` — never next to the files being linted.  Entries are JSON
named by a content key, written atomically; a missing, unreadable, corrupt or
unwritable cache is silently the same as no cache.  ``IAMLINT_NO_CACHE=1``
turns it off.
"""
from __future__ import annotations

import json
import os
import tempfile
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
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, directory / name)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        pass
