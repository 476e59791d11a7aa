"""Run configuration: which rules run, at what severity, on which files.

Loading from ``pyproject.toml`` / ``.iamlint.toml`` lives in
:mod:`iamlint.configfile`; this module is the in-memory shape and its logic.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from iamlint.vocabulary import Severity


def _matches(rule_id: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector that selects ``rule_id`` (0 = none).

    A selector is a full id or an id prefix (``IAM3``); ``ALL`` selects all.
    """
    best = 0
    rid = rule_id.upper()
    for sel in selectors:
        s = sel.upper()
        if s == "ALL":
            best = max(best, 1)
        elif rid.startswith(s):
            best = max(best, len(s) + 1)
    return best


def selects_any(selector: str, rule_ids: Iterable[str]) -> bool:
    """Whether ``selector`` (``ALL``, an id or an id prefix, any case) selects
    at least one of ``rule_ids``: a selector that selects nothing is a typo
    (``--ignore 304``, ``--select IAMXYZ``) and must not pass silently."""
    s = selector.upper()
    return s == "ALL" or any(rid.upper().startswith(s) for rid in rule_ids)


def closest_selector(selector: str, rule_ids: Iterable[str]) -> str | None:
    """The rule id (``304`` -> ``IAM304``), else the id prefix (``IAM3``,
    ``IAM30``) closest to ``selector``, for a did-you-mean; None when nothing
    is close.  Ids first: a short prefix is always "closer" to a mistyped id
    than the id meant."""
    ids = sorted({rid.upper() for rid in rule_ids})
    word = selector.upper()
    close = difflib.get_close_matches(word, ids, n=1, cutoff=0.6)
    if close:
        return close[0]
    prefixes: set[str] = set()
    for rid in ids:
        letters = len(rid) - len(rid.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        prefixes.update(rid[:n] for n in range(letters + 1, len(rid)))
    close = difflib.get_close_matches(word, sorted(prefixes), n=1, cutoff=0.7)
    return close[0] if close else None


def unknown_selector_message(selector: str, rule_ids: Iterable[str]) -> str:
    """``unknown rule id or prefix `X` (did you mean `Y`?)``."""
    close = closest_selector(selector, rule_ids)
    hint = f" (did you mean `{close}`?)" if close else " (see `iamlint rules`)"
    return f"unknown rule id or prefix `{selector}`{hint}"


@lru_cache(maxsize=4096)
def _enabled(rule_id: str, select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    selected = max(_matches(rule_id, select), _matches(rule_id, extend_select))
    return selected > 0 and selected > _matches(rule_id, ignore)


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = Severity.WARNING.value
    exclude: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    extend_rules: list[str] = field(default_factory=list)
    #: per-rule options by option name (``trusted-accounts`` ...)
    options: dict[str, Any] = field(default_factory=dict)
    #: the file the configuration came from (None: defaults)
    source: str | None = None

    def copy(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def rule_enabled(self, rule_id: str, path: str | None = None) -> bool:
        """ruff semantics: the most specific of select/ignore wins."""
        if path is None or not self.per_file_ignores:
            return _enabled(rule_id, tuple(self.select), tuple(self.extend_select), tuple(self.ignore))
        selected = max(_matches(rule_id, self.select), _matches(rule_id, self.extend_select))
        ignored = _matches(rule_id, self.ignore)
        if path is not None:
            for pattern, ids in self.per_file_ignores.items():
                if path_matches(path, pattern):
                    ignored = max(ignored, _matches(rule_id, ids))
        return selected > 0 and selected > ignored

    def severity_of(self, rule_id: str, default: str) -> str:
        return self.severity.get(rule_id, default)

    def kind_for(self, path: str) -> str | None:
        for pattern, kind in self.kinds.items():
            if path_matches(path, pattern):
                return kind
        return None

    def excluded(self, path: str, is_dir: bool | None = None) -> bool:
        """Whether ``exclude`` matches ``path`` (``is_dir`` is for resolvers that
        pick a configuration per directory; a Config does not need it)."""
        return any(path_matches(path, p) for p in self.exclude)


def path_matches(path: str, pattern: str) -> bool:
    """Glob match on the path or any of its trailing parts (``*.json`` matches
    ``a/b/c.json``; ``policies/**`` matches ``policies/x/y.json``)."""
    norm = path.replace("\\", "/")
    while norm.startswith("./"):
        norm = norm[2:]
    if fnmatch.fnmatch(norm, pattern):
        return True
    parts = norm.split("/")
    return any(fnmatch.fnmatch("/".join(parts[i:]), pattern) for i in range(1, len(parts)))
