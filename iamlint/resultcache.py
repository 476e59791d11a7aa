"""A content-hash cache of lint results, for unchanged files (like ruff's cache).

JSON files in the user cache dir (the ``results`` namespace of
:mod:`iamlint.cache`, :data:`RESULTS_CACHE`), one per working directory and
checked directory, read when a file of that directory is first
checked and written once at the end of ``iamlint check``.  An entry is used only when everything that decides a
file's findings is unchanged: the file's bytes (SHA-256), its path, the
document kind asked for, and a context stamp made of iamlint's own code and
data files (by content), the rule packs (the registry's content key: every
rule file and the rule schema), the IAM catalog's content key and the file's
full configuration.

A Terraform file's findings are those of its module (every ``.tf`` file of
its directory, see :class:`~iamlint.sources.module.ModuleView`), so its entry
is keyed by the content of the whole module too: a sibling's change
invalidates it.  A module that reads files through ``file()``/
``templatefile()`` is not cached (those files are not part of the key).
``--no-cache`` or ``IAMLINT_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from iamlint import cache
from iamlint.api import FileReport, lint_data, lint_path, read_file
from iamlint.findings import SEVERITIES, Finding, Related, Span
from iamlint.knowledge.catalog import data_key
from iamlint.sources import ModuleView

#: files whose findings depend on other files than their own: keyed by their module too
MODULE_SUFFIXES = (".tf", ".hcl")


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """iamlint's code and data files by content (from its ``RECORD`` when
    installed from a wheel, else every file: ~1.5 ms, once per run that uses
    the cache) and the IAM catalog's content key: sizes and modification times
    would miss an edit that keeps both."""
    return cache.key(data_key(), cache.package_digest(Path(__file__).parent, (".py", ".json", ".lark", ".yaml")))


#: The result shards, one per working directory and checked directory.
RESULTS_CACHE = cache.Namespace("results", derives_from=lambda: (_code_stamp(),), legacy=["results-*-*.json"])


def _rules_stamp(registry) -> str:
    """The rules' content: the registry's content key when it was loaded from
    packs (every rule file, the rule schema), else every rule file's content."""
    return registry.rules_key


def _context(config, registry, kind: str | None, explicit: bool) -> str:
    cfg = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(
        "\x1f".join([_code_stamp(), _rules_stamp(registry), cfg, str(kind), str(explicit)]).encode()
    ).hexdigest()


def _finding_to_json(f: Finding) -> list:
    return [
        f.rule,
        f.name,
        f.severity,
        f.message,
        f.file,
        list(f.span),
        f.pointer,
        f.owner,
        f.fingerprint,
        [[r.file, list(r.span) if r.span else None, r.message, r.pointer] for r in f.related],
        list(f.items),
    ]


class DamagedEntry(Exception):
    """A cache entry that is not what :meth:`ResultCache.lint_path` wrote."""


def _expect(ok: bool) -> None:
    if not ok:
        raise DamagedEntry


def _is_span(value) -> bool:
    return isinstance(value, list) and len(value) == 4 and all(type(n) is int for n in value)


def _finding_from_json(d) -> Finding:
    """The Finding of one cached entry, every field checked: the cache file is
    outside the user's view, and a damaged one must cost a re-lint, never a
    crash or a wrong report."""
    _expect(isinstance(d, list) and len(d) == 11)
    rule, name, severity, message, file, span, pointer, owner, fp, related, items = d
    _expect(
        all(isinstance(v, str) for v in (rule, name, message, file, pointer, owner, fp))
        and severity in SEVERITIES
        and _is_span(span)
        and isinstance(related, list)
        and isinstance(items, list)
        and all(isinstance(item, str) for item in items)
    )
    for r in related:
        _expect(
            isinstance(r, list)
            and len(r) == 4
            and isinstance(r[0], str)
            and (r[1] is None or _is_span(r[1]))
            and isinstance(r[2], str)
            and isinstance(r[3], str)
        )
    return Finding(
        rule,
        name,
        severity,
        message,
        file,
        Span(*span),
        pointer,
        owner,
        fp,
        tuple(Related(r[0], Span(*r[1]) if r[1] else None, r[2], r[3]) for r in related),
        tuple(items),
    )


def _cached_report(path: str, entry, digest: str, context: str, data: bytes) -> FileReport | None:
    """The cached report of ``path`` when ``entry`` is a well-formed entry for
    these bytes and this context; None (lint again) otherwise."""
    if not (isinstance(entry, list) and len(entry) == 3 and entry[0] == digest and entry[1] == context):
        return None
    payload = entry[2]
    try:
        _expect(
            isinstance(payload, dict)
            and isinstance(payload.get("findings"), list)
            and type(payload.get("documents")) is int
            and payload["documents"] >= 0
            and type(payload.get("skipped")) is bool
        )
        findings = [_finding_from_json(f) for f in payload["findings"]]
    except DamagedEntry:
        return None
    return FileReport(
        path, findings, payload["documents"], skipped=payload["skipped"], text=data.decode("utf-8", "replace")
    )


class ResultCache:
    """Entries are sharded by directory (one cache file per working directory
    and checked directory), so linting one file reads only its directory's shard."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and cache.cache_dir() is not None
        self.cwd = os.getcwd()
        #: the entry and the files of each directory's shard
        self.shards: dict[str, tuple[cache.Entry, dict]] = {}
        self.dirty: set[str] = set()

    def _shard(self, path: str) -> dict:
        directory = os.path.dirname(os.path.abspath(path))
        shard = self.shards.get(directory)
        if shard is None:
            entry = RESULTS_CACHE.entry(where=[self.cwd, directory])
            data = entry.read_json()
            files = data.get("files") if data is not None else None
            shard = self.shards[directory] = (entry, files if isinstance(files, dict) else {})
        return shard[1]

    def lint_path(self, path: str, config, registry, kind: str | None, explicit: bool, max_size: int) -> FileReport:
        if not self.enabled:
            return lint_path(path, config, registry, kind, explicit, max_size)
        data = read_file(path, max_size)  # bounded: a device such as /dev/zero is not read forever
        if isinstance(data, FileReport):
            return data
        digest = hashlib.sha256(data).hexdigest()
        module = None
        if path.lower().endswith(MODULE_SUFFIXES):
            # the findings of a Terraform file are its module's: the key holds every file of it
            module = ModuleView.from_disk(path)
            digest = f"{digest}:{module.key}"
        context = _context(config, registry, kind, explicit)
        cached = _cached_report(path, self._shard(path).get(path), digest, context, data)
        if cached is not None:
            return cached
        report = lint_data(path, data, config, registry, kind, explicit, module)
        if report.error is None and not report.included and report.cacheable:
            report.cache_entry = (
                path,
                [
                    digest,
                    context,
                    {
                        "findings": [_finding_to_json(f) for f in report.findings],
                        "documents": report.documents,
                        "skipped": report.skipped,
                    },
                ],
            )
        return report

    def remember(self, report: FileReport) -> None:
        """Keep the entry a (possibly forked) lint produced; saved by :meth:`save`."""
        entry = report.cache_entry
        if entry is not None and self.enabled:
            path, value = entry
            self._shard(path)[path] = value
            self.dirty.add(os.path.dirname(os.path.abspath(path)))

    def save(self) -> None:
        for directory in sorted(self.dirty):
            entry, files = self.shards[directory]
            entry.write_json({"files": files})
        self.dirty.clear()
