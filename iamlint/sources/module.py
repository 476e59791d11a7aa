"""A Terraform module as iamlint reads it: the texts of its ``.tf`` files.

Terraform's unit is the module (a directory's ``.tf`` files), not the file: a
role declared in ``role.tf`` gets its policies from ``attach.tf``.  A
:class:`ModuleView` holds the texts of one module's files by path, so that
readers never list a directory themselves and a caller decides where the
texts come from:

- :meth:`ModuleView.from_disk`: the directory of the named file, read as
  sibling files always were: regular files only, opened without following a
  link and without blocking, confined to the repository (see
  :func:`read_confined`), at most :data:`MAX_SIBLING_FILE` bytes each and at
  most :data:`MAX_SIBLINGS` files besides the named one;
- ``overrides`` (the language server's unsaved buffers) replace the disk
  content of their paths, and add the buffers of files not saved yet.

The paths are spelled ``os.path.join(dirname(named) or ".", name)``, as the
findings of a sibling file always were.  :attr:`ModuleView.key` is the content
of the whole module (the result cache keys Terraform files by it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from iamlint.regularfile import NotRegular, TooLarge, read_regular
from iamlint.repository import find_repository

#: the most sibling .tf files a module view holds besides the named file
MAX_SIBLINGS = 200
#: the largest sibling .tf file read
MAX_SIBLING_FILE = 2 * 1024 * 1024
MODULE_SUFFIXES = (".tf",)


@dataclass(frozen=True)
class ModuleView:
    """The ``(path, text)`` of a module's files, in name order."""

    directory: str
    files: tuple[tuple[str, str], ...] = ()
    _by_key: dict[str, str] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        for path, text in self.files:
            self._by_key[_key(path)] = text

    @classmethod
    def from_disk(cls, path: str, overrides: Mapping[str, str] | None = None) -> ModuleView:
        """The module of ``path``: the ``.tf`` files of its directory, with
        ``overrides`` (path -> text, e.g. unsaved editor buffers) in place of
        what the disk holds.  ``path`` itself is in the view when it is on
        disk or overridden (its caller usually sets its text with :meth:`with_text`)."""
        directory = os.path.dirname(path) or "."
        given = {_key(p): t for p, t in (overrides or {}).items() if _key(os.path.dirname(p) or ".") == _key(directory)}
        links: set[str] = set()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:  # missing, not a directory, unreadable
            entries = []
        names = {e.name for e in entries}
        for e in entries:
            with contextlib.suppress(OSError):
                if e.is_symlink():
                    links.add(e.name)
        names.update(os.path.basename(p) for p in (overrides or {}) if _key(p) in given)
        here = _key(path)
        root = repository_root(directory) if names else ""
        # a file that is no link is inside the repository when its directory is
        real_dir = os.path.realpath(directory)
        dir_inside = bool(root) and _inside(real_dir, root)
        files: list[tuple[str, str]] = []
        count = 0
        for name in sorted(names):
            if not name.endswith(MODULE_SUFFIXES):
                continue
            full = os.path.join(directory, name)
            key = _key(full)
            if key != here and count >= MAX_SIBLINGS:
                continue
            text = given.get(key)
            if text is None and dir_inside and name not in links:
                text = _decode(_read_plain(os.path.join(real_dir, name)))
            elif text is None:
                text = read_sibling(full, directory, root)
            if text is None:
                continue
            if key != here:
                count += 1
            # spelled as the named file is (``role.tf``, not ``./role.tf``): a
            # finding's file is the module file's path as the user wrote it
            files.append((os.path.join(os.path.dirname(path), name), text))
        return cls(directory, tuple(files))

    @classmethod
    def single(cls, path: str, text: str) -> ModuleView:
        """A module of one file (nothing read from disk)."""
        return cls(os.path.dirname(path) or ".", ((path, text),))

    def with_text(self, path: str, text: str) -> ModuleView:
        """This view with ``text`` as the content of ``path`` (added when absent)."""
        key = _key(path)
        if self._by_key.get(key) == text:
            return self
        files = [(p, t) for p, t in self.files if _key(p) != key] + [(path, text)]
        files.sort(key=lambda pt: os.path.basename(pt[0]))
        return ModuleView(self.directory, tuple(files))

    def text(self, path: str) -> str | None:
        return self._by_key.get(_key(path))

    @property
    def paths(self) -> list[str]:
        return [p for p, _t in self.files]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and _key(path) in self._by_key

    @property
    def key(self) -> str:
        """The content of the module (every path and text), as a digest."""
        h = hashlib.blake2b(digest_size=20)
        for path, text in self.files:
            h.update(os.path.basename(path).encode("utf-8", "surrogatepass") + b"\0")
            h.update(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest())
        return h.hexdigest()


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _inside(real: str, root: str) -> bool:
    try:
        return os.path.commonpath([real, root]) == root
    except ValueError:  # another drive
        return False


def _read_plain(real: str) -> bytes | None:
    """A sibling that is no symbolic link, in a directory inside the repository:
    :func:`read_confined` without resolving its path again."""
    try:
        return read_regular(real, MAX_SIBLING_FILE, follow=False)[0]
    except (NotRegular, TooLarge, OSError):
        return None


def _decode(data: bytes | None) -> str | None:
    if data is None:
        return None
    return normalized(data.decode("utf-8", errors="replace"))


def normalized(text: str) -> str:
    """A module file's text as a view holds it: without a byte-order mark (the
    named file too, so that a module's files are read alike whichever is named).
    Line ends are kept: a carriage return inside a string is part of the value
    the user wrote (and is shown escaped in messages), and the HCL reader takes
    CRLF files as they are."""
    return text.lstrip("\ufeff")


def read_sibling(path: str, module_dir: str, root: str | None = None) -> str | None:
    """The text of a sibling ``.tf`` file, or None when it is not read: confined
    and read like an included file (a ``x.tf`` that is a FIFO, or a link to
    ``/dev/zero``, must not hang the run), at most :data:`MAX_SIBLING_FILE`."""
    data, _why = read_confined(path, module_dir, MAX_SIBLING_FILE, root)
    return _decode(data)


def repository_root(directory: str) -> str:
    """Where ``file()`` may read for a module in ``directory``: its repository
    (found from the real path), else the module directory itself."""
    real = os.path.realpath(directory)
    return find_repository(real) or real


def read_confined(path: str, module_dir: str, limit: int, root: str | None = None) -> tuple[bytes | None, str | None]:
    """The bytes of ``path`` as ``(data, None)``, or ``(None, why not)``
    (``why`` is None when it does not exist or cannot be opened).

    Read only when its real path (symbolic links resolved) is inside
    :func:`repository_root`, tested on real paths with ``commonpath`` (not a
    string prefix: ``repo-evil`` is not in ``repo``); it is opened without
    following a link and without blocking (a FIFO), and read only when
    ``fstat`` says it is a regular file of at most ``limit`` bytes, and then
    at most that much (a file that grows is not read on).  ``root``: the
    :func:`repository_root` of ``module_dir``, when the caller knows it.
    """
    root = root or repository_root(module_dir)
    real = os.path.realpath(path)
    if not _inside(real, root):
        return None, "the path is outside the repository" + (
            f" (it resolves to {real})" if real != os.path.abspath(path) else ""
        )
    try:
        return read_regular(real, limit, follow=False)[0], None
    except NotRegular:
        return None, "it is not a regular file"
    except TooLarge:
        return None, f"it is larger than {limit:,} bytes"
    except OSError:
        return None, None
