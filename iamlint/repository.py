"""Which repository a path belongs to: the nearest directory holding ``.git``
(a directory, or a file as in a worktree or submodule).  Asked by ``--fix``
(where a symbolic link may point), by Terraform's ``file()`` (where it may
read) and by the reporters (what paths are relative to)."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=4096)
def find_repository(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` (as written, made
    absolute; links not resolved) that holds ``.git``, or None."""
    here = os.path.abspath(directory)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
