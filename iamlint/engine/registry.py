"""Rule registry: loads rule packs (directories of rule files) once per run.

A rule pack is a directory of YAML rule files.  The built-in pack (the
repository's top-level ``rules/`` folder, installed as ``iamlint.builtin_rules``)
is registered through the same ``iamlint.rules`` entry-point group that
third-party packs use; ``extend-rules`` directories from the configuration are
loaded the same way.  Every rule file is validated against ``rule-schema.json``.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

ENTRY_POINT_GROUP = "iamlint.rules"
BUILTIN_PACK = "iamlint.builtin_rules"


class RuleLoadError(Exception):
    """A rule file or pack could not be loaded; the message names file and field."""


@dataclass
class Rule:
    id: str
    name: str
    severity: str
    kinds: tuple[str, ...]
    summary: str
    docs: dict
    examples: dict
    source: str
    scope: str = "document"
    tags: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    parse_errors: bool = False
    check_ref: str | None = None
    match: dict | None = None
    pack: str = "builtin"
    _check: Callable | None = field(default=None, repr=False)

    @property
    def check(self) -> Callable:
        """The check callable, imported on first use."""
        if self._check is None:
            if self.check_ref:
                module, func = self.check_ref.split(":")
                try:
                    self._check = getattr(importlib.import_module(module), func)
                except (ImportError, AttributeError) as exc:
                    raise RuleLoadError(f"{self.source}: check: cannot import {self.check_ref}: {exc}") from exc
            else:
                from iamlint.engine.match import compile_match

                self._check = compile_match(self.match or {}, self)
        return self._check

    def option(self, name: str, overrides: dict | None = None) -> Any:
        if overrides and name in overrides:
            return overrides[name]
        spec = self.options.get(name) or {}
        return spec.get("default")


@lru_cache(maxsize=1)
def _rule_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).parent / "rule-schema.json").read_text())
    return Draft202012Validator(schema)


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - safe loader only


def load_rule_file(path: Path, pack: str = "builtin") -> Rule:
    return _rule_from_data(_read_rule_data(path), path, pack)


def _read_rule_data(path: Path) -> dict:
    """The rule file's content, validated against rule-schema.json."""
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # YAML errors of any kind, I/O
        raise RuleLoadError(f"{path}: not a readable YAML rule file: {str(exc).splitlines()[0]}") from exc
    errors = sorted(_rule_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "oneOf" and not err.absolute_path:
            msg = "exactly one of `check` or `match` is required"
        else:
            msg = err.message
        raise RuleLoadError(f"{path}: field `{where}`: {msg}")
    if data.get("match") is not None:
        from iamlint.engine.match import validate_match

        validate_match(data["match"], str(path))
    return data


def _rule_from_data(data: dict, path: Path, pack: str) -> Rule:
    return Rule(
        id=data["id"],
        name=data["name"],
        severity=data["severity"],
        kinds=tuple(data["kinds"]),
        summary=data["summary"].strip(),
        docs=data["docs"],
        examples=data["examples"],
        source=str(path),
        scope=data.get("scope", "document"),
        tags=tuple(data.get("tags", ())),
        options=data.get("options", {}),
        parse_errors=bool(data.get("parse-errors", False)),
        check_ref=data.get("check"),
        match=data.get("match"),
        pack=pack,
    )


def pack_directory(module_name: str) -> Path:
    module = importlib.import_module(module_name)
    paths = list(getattr(module, "__path__", []))
    if paths:
        return Path(paths[0])
    return Path(module.__file__).parent  # type: ignore[arg-type]


def load_pack(directory: Path, pack: str) -> list[Rule]:
    if not directory.is_dir():
        raise RuleLoadError(f"{directory}: rule pack directory not found")
    files = sorted(p for p in directory.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    # Parsing and validating ~50 YAML files costs ~0.2 s at every start: the
    # validated content is cached, keyed by every file's path, size and mtime.
    from iamlint import __version__, cache

    stamp = hashlib.sha256(repr((__version__, str(directory), [
        (str(p), st.st_size, st.st_mtime_ns) for p in files for st in (p.stat(),)
    ])).encode()).hexdigest()[:24]
    # one entry per pack directory, replaced when its stamp changes
    name = "rules-" + hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16] + ".json"
    cached = cache.read_json(name)
    if isinstance(cached, dict) and cached.get("stamp") == stamp and len(cached.get("rules", ())) == len(files):
        return [_rule_from_data(data, p, pack) for data, p in zip(cached["rules"], files)]
    datas = [_read_rule_data(p) for p in files]
    cache.write_json(name, {"stamp": stamp, "rules": datas})
    return [_rule_from_data(data, p, pack) for data, p in zip(datas, files)]


def _installed_entry_points() -> list[tuple[str, str]]:
    """(name, value) of the ``iamlint.rules`` entry points of installed packages.

    ``importlib.metadata`` costs ~20 ms to import and scan at every start, so
    the answer is cached, keyed by what it reads: the package metadata
    (``*.dist-info``, ``*.egg-info``, ``*.egg-link``) in each ``sys.path``
    directory (:func:`_metadata_stamp`).
    """
    import sys

    from iamlint import cache

    stamp = [(entry, _metadata_stamp(entry)) for entry in sys.path]
    key = hashlib.sha256(repr(stamp).encode()).hexdigest()
    # one entry per Python environment and search path (the console script,
    # `python -m iamlint` and the language server see different first entries:
    # sharing one entry made them replace each other's), replaced when the
    # stamp changes
    where = repr((sys.prefix, [entry for entry, _ in stamp]))
    name = "entry-points-" + hashlib.sha256(where.encode()).hexdigest()[:16] + ".json"
    cached = cache.read_json(name)
    if isinstance(cached, dict) and cached.get("stamp") == key and isinstance(cached.get("found"), list):
        return [tuple(x) for x in cached["found"]]
    from importlib.metadata import entry_points

    found = sorted({(ep.name, ep.value) for ep in entry_points(group=ENTRY_POINT_GROUP)})
    cache.write_json(name, {"stamp": key, "found": found})
    return found


_METADATA_SUFFIXES = (".dist-info", ".egg-info", ".egg-link")


def _metadata_stamp(entry: str) -> object:
    """What changes when a package is installed into, removed from or
    reinstalled in the ``sys.path`` directory ``entry``: the names of its
    metadata folders and, when it has any, its modification time.  A folder
    without metadata (a script's own folder, the working directory) is stamped
    by the empty list, so files written there do not invalidate the cache.  A
    zip file (``python311.zip``) is stamped by its modification time."""
    path = entry or "."
    try:
        with os.scandir(path) as found:
            names = sorted(e.name for e in found if e.name.endswith(_METADATA_SUFFIXES))
        return [os.stat(path).st_mtime_ns, names] if names else []
    except NotADirectoryError:
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return None
    except OSError:
        return None


def _entry_point_packs() -> list[tuple[str, str]]:
    found = _installed_entry_points()
    # the built-in pack first, whether or not the distribution metadata is installed
    packs = [("builtin", BUILTIN_PACK)]
    packs += sorted((n, v) for n, v in found if v != BUILTIN_PACK)
    return packs


class Registry:
    """All loaded rules, by id, in id order."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self.rules:
                other = self.rules[rule.id]
                raise RuleLoadError(f"{rule.source}: duplicate rule id {rule.id} (also in {other.source})")
            self.rules[rule.id] = rule
        self.rules = dict(sorted(self.rules.items()))

    @classmethod
    def load(cls, extend_rules: Iterable[str | Path] = (), entry_points: bool = True) -> "Registry":
        rules: list[Rule] = []
        packs = _entry_point_packs() if entry_points else [("builtin", BUILTIN_PACK)]
        for name, module in packs:
            try:
                directory = pack_directory(module)
            except ImportError as exc:
                raise RuleLoadError(f"rule pack {name!r}: cannot import {module}: {exc}") from exc
            rules += load_pack(directory, name)
        for extra in extend_rules:
            rules += load_pack(Path(extra), str(extra))
        return cls(rules)

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id.upper())
