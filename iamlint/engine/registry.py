"""Rule registry: loads rule packs (directories of rule files) once per run.

A rule pack is a directory of YAML rule files.  The built-in pack (the
repository's top-level ``rules/`` folder, installed as ``iamlint.builtin_rules``)
is registered through the same ``iamlint.rules`` entry-point group that
third-party packs use; ``extend-rules`` directories from the configuration are
loaded the same way.  Every rule file is validated against ``rule-schema.json``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from iamlint import cache
from iamlint.config import Config
from iamlint.engine.errors import RuleLoadError as RuleLoadError  # re-exported: raised by every loader here
from iamlint.engine.match import compile_match, validate_match
from iamlint.engine.report import Report
from iamlint.model.document import Document

ENTRY_POINT_GROUP = "iamlint.rules"
BUILTIN_PACK = "iamlint.builtin_rules"
#: The JSON Schema every rule file is validated against.
RULE_SCHEMA = Path(__file__).parent / "rule-schema.json"


#: A rule's check.  It is called with the runner's ``Context`` (checks are
#: imported by name, so the argument is not typed here) and yields Reports, or
#: returns None when it has nothing to say.  A ``scope: role`` rule's check is
#: a :data:`RoleCheck`.
Check = Callable[[Any], Iterable[Report] | None]
#: The check of a ``scope: role`` rule: called with a ``RoleContext``, it yields
#: (Report, Document the report's pointer belongs to) pairs.
RoleCheck = Callable[[Any], Iterable[tuple[Report, Document]] | None]


@dataclass
class Rule:
    id: str
    name: str
    severity: str
    kinds: tuple[str, ...]
    summary: str
    docs: dict[str, Any]
    examples: dict[str, Any]
    source: str
    scope: str = "document"
    tags: tuple[str, ...] = ()
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    parse_errors: bool = False
    check_ref: str | None = None
    match: dict[str, Any] | None = None
    pack: str = "builtin"
    #: one line saying what to do about a finding (text output's ``help:``)
    help: str = ""
    _check: Check | None = field(default=None, repr=False)

    @property
    def check(self) -> Check:
        """The check callable, imported on first use."""
        if self._check is None:
            if self.check_ref:
                module, func = self.check_ref.split(":")
                try:
                    self._check = getattr(importlib.import_module(module), func)
                except (ImportError, AttributeError) as exc:
                    raise RuleLoadError(f"{self.source}: check: cannot import {self.check_ref}: {exc}") from exc
            else:
                self._check = compile_match(self.match or {}, self)
        return self._check

    def option(self, name: str, overrides: dict[str, Any] | None = None) -> Any:
        if overrides and name in overrides:
            return overrides[name]
        spec = self.options.get(name) or {}
        return spec.get("default")


@lru_cache(maxsize=1)
def _rule_validator() -> Any:  # a jsonschema validator (jsonschema has no type information)
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (heavy, ~60 ms here; only when a rule file is validated, not on a cache hit)

    schema = json.loads(RULE_SCHEMA.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _yaml_load(text: str) -> Any:
    import yaml  # noqa: PLC0415 (~13 ms; only when a rule file is read past the pack cache)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def load_rule_file(path: Path, pack: str = "builtin") -> Rule:
    return _rule_from_data(_read_rule_data(_rule_file_bytes(path), path), path, pack)


def _unreadable(path: Path, exc: Exception) -> RuleLoadError:
    return RuleLoadError(f"{path}: not a readable YAML rule file: {(str(exc).splitlines() or [type(exc).__name__])[0]}")


def _rule_file_bytes(path: Path) -> bytes:
    try:
        return cache.read_regular(path)
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _read_rule_data(raw: bytes, path: Path) -> dict[str, Any]:
    """The rule file's content (``raw``, the bytes of ``path``), validated
    against rule-schema.json."""
    try:
        data = _yaml_load(raw.decode("utf-8"))
    except Exception as exc:  # YAML errors of any kind, not UTF-8
        raise _unreadable(path, exc) from exc
    errors = sorted(_rule_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "oneOf" and not err.absolute_path:
            msg = "exactly one of `check` or `match` is required"
        else:
            msg = err.message
        raise RuleLoadError(f"{path}: field `{where}`: {msg}")
    rule_data: dict[str, Any] = data  # valid: a mapping
    if rule_data.get("match") is not None:
        validate_match(rule_data["match"], str(path))
    return rule_data


def _rule_from_data(data: dict[str, Any], path: Path, pack: str) -> Rule:
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
        help=" ".join(str(data.get("help") or "").split()),
    )


def pack_directory(module_name: str) -> Path:
    module = importlib.import_module(module_name)
    paths = list(getattr(module, "__path__", []))
    if paths:
        return Path(paths[0])
    return Path(module.__file__).parent  # type: ignore[arg-type]


def load_pack(directory: Path, pack: str) -> list[Rule]:
    return _load_pack(directory, pack)[0]


def _code_key(module_name: str) -> str | bytes | None:
    """The content of the code an installed pack's ``check:`` entries can run:
    its top-level package (from its ``RECORD`` when installed from a wheel,
    see :func:`iamlint.cache.package_digest`), or its module file."""
    top = sys.modules.get(module_name.partition(".")[0])
    paths = list(getattr(top, "__path__", None) or ())
    if paths:
        return cache.package_digest(Path(paths[0]), (".py",))
    source = getattr(top, "__file__", None)
    return cache.file_bytes(source) if source else None


def _validation_inputs() -> list[bytes | None]:
    """What decides whether a rule file is valid besides its content: the rule
    schema and the code that validates with it (this module, the checks of
    ``match:`` blocks)."""
    return [cache.file_bytes(path) for path in (RULE_SCHEMA, Path(__file__), Path(__file__).with_name("match.py"))]


#: A rule pack's validated rule files, one entry per pack directory.
RULES_CACHE = cache.Namespace("rules", derives_from=_validation_inputs, legacy=["rules-" + "?" * 16 + ".json"])
#: The installed entry points, one entry per Python environment and search
#: path (the console script, `python -m iamlint` and the language server see
#: different first entries: sharing one entry made them replace each other's).
ENTRY_POINTS_CACHE = cache.Namespace("entry-points", legacy=["entry-points-" + "?" * 16 + ".json"])


def _load_pack(directory: Path, pack: str) -> tuple[list[Rule], str]:
    """The pack's rules and its content key (see :func:`iamlint.cache.key`).

    Parsing and validating ~50 YAML files costs ~0.2 s at every start, so the
    validated content is cached (:data:`RULES_CACHE`), keyed by every file's
    name and content, the rule schema and the validating code
    (:func:`_validation_inputs`); reading and hashing the files costs ~0.4 ms.
    The content is parsed from the bytes that were hashed, so an entry always
    matches its key."""
    if not directory.is_dir():
        raise RuleLoadError(f"{directory}: rule pack directory not found")
    files = sorted(p for p in directory.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    contents = [_rule_file_bytes(p) for p in files]
    entry = RULES_CACHE.entry(
        where=[str(directory.resolve())],
        what=[
            str(directory),
            str(len(files)),
            *(part for p, raw in zip(files, contents, strict=True) for part in (str(p), raw)),
        ],
    )
    stamp = entry.content
    cached = entry.read_json()
    datas = cached.get("rules") if cached is not None else None
    if isinstance(datas, list) and len(datas) == len(files):
        try:
            return [_rule_from_data(data, p, pack) for data, p in zip(datas, files, strict=True)], stamp
        except (KeyError, TypeError, AttributeError):
            pass  # a damaged entry: validate again
    datas = [_read_rule_data(raw, p) for raw, p in zip(contents, files, strict=True)]
    entry.write_json({"rules": datas})
    return [_rule_from_data(data, p, pack) for data, p in zip(datas, files, strict=True)], stamp


def _installed_entry_points() -> list[tuple[str, str]]:
    """(name, value) of the ``iamlint.rules`` entry points of installed packages.

    ``importlib.metadata`` costs ~20 ms to import and scan at every start, so
    the answer is cached (:data:`ENTRY_POINTS_CACHE`), keyed by what it reads:
    the package metadata folders (``*.dist-info``, ``*.egg-info``) in each
    ``sys.path`` entry and their ``entry_points.txt`` (:func:`_metadata_stamp`).
    """
    parts: list[bytes | str | None] = []
    for entry in sys.path:
        stamp = _metadata_stamp(entry)
        parts += [entry, str(len(stamp)), *stamp]
    cached_entry = ENTRY_POINTS_CACHE.entry(where=[repr((sys.prefix, sys.path))], what=parts)
    cached = cached_entry.read_json()
    if cached is not None and isinstance(cached.get("found"), list):
        return [tuple(x) for x in cached["found"]]
    from importlib.metadata import entry_points  # noqa: PLC0415 (~25 ms; only when the cache misses)

    found = sorted({(ep.name, ep.value) for ep in entry_points(group=ENTRY_POINT_GROUP)})
    cached_entry.write_json({"found": found})
    return found


def _is_metadata(name: str, in_egg: bool) -> bool:
    """Whether ``importlib.metadata`` reads the child ``name`` of a search path
    entry as a distribution's metadata (``in_egg``: the entry is a ``*.egg``)."""
    low = name.lower()
    return low.endswith((".dist-info", ".egg-info")) or (in_egg and low == "egg-info")


def _metadata_stamp(entry: str) -> list[str | bytes | None]:
    """What ``importlib.metadata`` reads for the entry points of the
    ``sys.path`` entry ``entry``: the names of its metadata folders and the
    content of their ``entry_points.txt`` (None where there is none).  A folder
    without metadata (a script's own folder, the working directory) is stamped
    by the empty list, so files written there do not invalidate the cache.  A
    zip file is stamped by the names, CRC-32s and sizes of its metadata
    members (from the archive's directory, without reading their data);
    a missing entry (``python311.zip``) by ``[None]``."""
    path = entry or "."
    in_egg = path.lower().endswith(".egg")
    try:
        with os.scandir(path) as found:
            names = sorted(e.name for e in found if _is_metadata(e.name, in_egg))
    except NotADirectoryError:
        return _zip_stamp(path, in_egg)
    except OSError:
        return [None]
    return [part for name in names for part in (name, cache.file_bytes(os.path.join(path, name, "entry_points.txt")))]


def _zip_stamp(path: str, in_egg: bool) -> list[str | bytes | None]:
    import zipfile  # noqa: PLC0415 (~4 ms; only for a zip file on sys.path, which is rare)

    try:
        with zipfile.ZipFile(path) as archive:
            return [
                f"{info.filename}\0{info.CRC}\0{info.file_size}"
                for info in archive.infolist()
                if _is_metadata(info.filename.split("/", 1)[0], in_egg)
            ]
    except (OSError, zipfile.BadZipFile):
        return [None]


def _entry_point_packs() -> list[tuple[str, str]]:
    found = _installed_entry_points()
    # the built-in pack first, whether or not the distribution metadata is installed
    packs = [("builtin", BUILTIN_PACK)]
    packs += sorted((n, v) for n, v in found if v != BUILTIN_PACK)
    return packs


def applicable(rule: Rule, doc: Document) -> bool:
    """Whether document rule ``rule`` runs on ``doc``."""
    if rule.scope != "document" or doc.kind not in rule.kinds:
        return False
    return doc.value is not None or rule.parse_errors


class RuleSet:
    """The enabled rules of a configuration; remembers which apply to each kind
    of document."""

    __slots__ = ("_by_kind", "rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        #: (rule, check) of the rules that apply, by (document kind, parsed)
        self._by_kind: dict[tuple[str, bool], tuple[tuple[Rule, Check], ...]] = {}

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def for_document(self, doc: Document) -> tuple[tuple[Rule, Check], ...]:
        """(rule, its check callable) of the rules that apply to ``doc``."""
        key = (doc.kind, doc.value is not None)
        todo = self._by_kind.get(key)
        if todo is None:
            todo = self._by_kind[key] = tuple((r, r.check) for r in self.rules if applicable(r, doc))
        return todo


class Registry:
    """All loaded rules, by id, in id order.

    ``content_key`` (set by :meth:`load`) is a hash of every loaded pack's
    content (:func:`_load_pack`) and of the code of installed packs
    (:func:`_code_key`; iamlint's own is the caller's to cover), for caches of
    what the rules decide."""

    content_key: str | None = None

    def __init__(self, rules: Iterable[Rule]):
        self.rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self.rules:
                other = self.rules[rule.id]
                raise RuleLoadError(f"{rule.source}: duplicate rule id {rule.id} (also in {other.source})")
            self.rules[rule.id] = rule
        self.rules = dict(sorted(self.rules.items()))
        #: :meth:`enabled` by (select, extend-select, ignore)
        self._enabled: dict[tuple[tuple[str, ...], ...], RuleSet] = {}

    @classmethod
    def load(cls, extend_rules: Iterable[str | Path] = (), entry_points: bool = True) -> Registry:
        rules: list[Rule] = []
        keys: list[str | bytes | None] = []

        def add(directory: Path, name: str) -> None:
            pack_rules, key = _load_pack(directory, name)
            rules.extend(pack_rules)
            keys.extend((name, key))

        packs = _entry_point_packs() if entry_points else [("builtin", BUILTIN_PACK)]
        for name, module in packs:
            try:
                directory = pack_directory(module)
            except ImportError as exc:
                raise RuleLoadError(f"rule pack {name!r}: cannot import {module}: {exc}") from exc
            add(directory, name)
            if module != BUILTIN_PACK:
                keys.append(_code_key(module))
        for extra in extend_rules:
            add(Path(extra), str(extra))
        registry = cls(rules)
        registry.content_key = cache.key(*keys)
        return registry

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id.upper())

    @cached_property
    def rules_key(self) -> str:
        """The rules' content, for caches of what they decide: :attr:`content_key`
        when the registry was loaded from packs (every rule file, the rule
        schema), else every rule file's content."""
        return self.content_key or cache.key(
            *(part for rule in self for part in (rule.id, rule.source, cache.file_bytes(rule.source)))
        )

    def enabled(self, config: Config, path: str | None = None) -> RuleSet:
        """The rules ``config`` enables for ``path``; the same RuleSet for every
        file without per-file ignores, so per-kind filtering happens once."""
        if path is not None and config.per_file_ignores:
            return RuleSet(r for r in self if config.rule_enabled(r.id, path))
        key = (tuple(config.select), tuple(config.extend_select), tuple(config.ignore))
        rules = self._enabled.get(key)
        if rules is None:
            rules = self._enabled[key] = RuleSet(r for r in self if config.rule_enabled(r.id))
        return rules
