"""File paths as CI tools want them: relative to the repository root.

GitHub code scanning, GitLab's Code Quality widget and JUnit viewers match a
reported file against the checked-out repository, so a path must be relative
to the repository's top level whatever directory iamlint was started from
(``iamlint check ../infra``, ``cd infra && iamlint check .``).

The top level is found without running git: walk up from the file's real
directory to the nearest directory holding a ``.git`` directory or file (a
file: a worktree or a submodule).  The repository of the working directory
is the run's main root when it holds any reported file, so a file in a
submodule or a nested checkout is still named from the outer repository, the
one CI checked out.  A file in no repository is named relative to the working
directory when it is under it; any other file has no root (an absolute path).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from iamlint.repository import find_repository

#: the SARIF base id of the main root (the name GitHub code scanning documents)
SRCROOT = "%SRCROOT%"
#: what a reporter writes for input read from stdin without --stdin-filename
STDIN = "stdin"


class RepoPaths:
    """Maps the paths of one run to ``(root, relative path)``.

    ``paths`` are every file the run will report (findings, related places,
    errors): the main root is chosen among their roots.  ``cwd`` is the
    fallback root for files in no repository (the working directory by
    default).
    """

    def __init__(self, paths=(), cwd: str | None = None) -> None:
        self.cwd = os.path.realpath(cwd or os.getcwd())
        self._relative: dict[str, tuple[str | None, str]] = {}  # a run names a file many times
        self._real: dict[str, str] = {}
        counts = Counter(root for root in (self._own_root(p) for p in paths if p not in ("", "-")) if root)
        cwd_repo = self._repository(self.cwd)
        self.main: str
        if cwd_repo is not None and any(self._under(root, cwd_repo) for root in counts):
            self.main = cwd_repo
        elif counts:
            # the root most files share; the first seen on a tie (Counter keeps insertion order)
            self.main = max(counts, key=counts.__getitem__)
        else:
            self.main = cwd_repo or self.cwd

    # -- lookups -------------------------------------------------------------------

    @staticmethod
    def _repository(directory: str) -> str | None:
        """The nearest directory at or above ``directory`` with a ``.git``."""
        return find_repository(directory)

    @staticmethod
    def _under(path: str, root: str) -> bool:
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    def _realpath(self, path: str) -> str:
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = os.path.realpath(path)
        return real

    def _own_root(self, path: str) -> str | None:
        real = self._realpath(path)
        repo = self._repository(os.path.dirname(real))
        if repo is not None:
            return repo
        return self.cwd if self._under(real, self.cwd) else None

    # -- answers -------------------------------------------------------------------

    def root_of(self, path: str) -> str | None:
        """The root ``path`` is reported relative to (None: reported absolute)."""
        if path in ("", "-"):
            return self.main
        real = self._realpath(path)
        if self._under(real, self.main):
            return self.main
        return self._own_root(path)

    def relative(self, path: str) -> tuple[str | None, str]:
        """``(root, path)``: the path relative to its root with ``/`` separators,
        or ``(None, absolute path)`` for a file outside every root."""
        if path in ("", "-"):
            return self.main, STDIN
        known = self._relative.get(path)
        if known is None:
            root = self.root_of(path)
            real = self._realpath(path)
            known = (None, real) if root is None else (root, os.path.relpath(real, root).replace(os.sep, "/"))
            self._relative[path] = known
        return known

    def display(self, path: str) -> str:
        """The repository-relative path (absolute outside every root), e.g.
        GitLab's ``location.path`` or JUnit's ``file``."""
        return self.relative(path)[1]

    @staticmethod
    def uri(relative: str) -> str:
        """A relative path as a URI reference (percent-encoded, ``/`` kept)."""
        return quote(relative)

    @staticmethod
    def root_uri(root: str) -> str:
        """A root directory as a ``file://`` URI ending in ``/`` (SARIF 3.14.14)."""
        uri = Path(root).as_uri()
        return uri if uri.endswith("/") else uri + "/"
