"""Configuration files: ``[tool.iamlint]`` in ``pyproject.toml`` or ``.iamlint.toml``.

The configuration of a checked file is the nearest one found by walking up
from the file's directory (``.iamlint.toml`` before ``pyproject.toml`` in the
same directory; a ``pyproject.toml`` without ``[tool.iamlint]`` does not
count).  ``--config FILE`` replaces the search.  Every file is validated
against ``config-schema.json``; a problem is a :class:`ConfigError` whose
message is one line naming the file and the key.

Per-rule options live in one table, ``[tool.iamlint.options]`` (``options``
at the top of ``.iamlint.toml``): option names are the ones rules declare
(``iamlint rule ID`` lists them) and mean the same for every rule using them.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from iamlint.api import default_registry
from iamlint.config import Config, closest_selector, selects_any, unknown_selector_message
from iamlint.engine.registry import Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (mypy checks this branch; tomli is installed there only)
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_NAMES = (".iamlint.toml", "pyproject.toml")

_KEY_TO_FIELD = {
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "per-file-ignores": "per_file_ignores",
    "severity": "severity",
    "fail-on": "fail_on",
    "exclude": "exclude",
    "kinds": "kinds",
    "extend-rules": "extend_rules",
    "options": "options",
}


class ConfigError(Exception):
    """A configuration file is unreadable or invalid (one-line message)."""


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (~60 ms, only when a configuration file is read)

    schema = json.loads((Path(__file__).parent / "config-schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _builtin_did_you_mean(word: str) -> str:
    """`` (did you mean `IAM304`?)`` for a malformed selector (``304``), from
    the built-in rules (the file's own rule packs are not loaded yet)."""
    try:
        close = closest_selector(word, [r.id for r in default_registry()])
    except Exception:  # noqa: BLE001 (a broken rule pack is reported on its own; no hint then)
        return ""
    return f" (did you mean `{close}`?)" if close else ""


def _table_name(path: Path) -> str:
    return "[tool.iamlint]" if path.name == "pyproject.toml" else ""


def validate(data: Any, path: str | os.PathLike) -> None:
    """Raise ConfigError naming the file and key for the first problem."""
    path = Path(path)
    table = _table_name(path)
    prefix = f"{path}: {table + ' ' if table else ''}"
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix}must be a table of settings")
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if not errors:
        return
    err = errors[0]
    if err.validator == "additionalProperties" and not err.absolute_path:
        unknown = sorted(set(data) - set(_KEY_TO_FIELD))
        key = unknown[0]
        hint = _did_you_mean(key, _KEY_TO_FIELD)
        if not hint:
            hint = " (rule options go in the `options` table)"
        raise ConfigError(f"{prefix}unknown key `{key}`{hint}")
    where = ".".join(str(p) for p in err.absolute_path)
    message = err.message
    if err.validator == "pattern" and where:
        what = "rule id (e.g. IAM301)" if where == "severity" else "rule id or id prefix (e.g. IAM301, IAM3, ALL)"
        message = f"{err.instance!r} is not a {what}{_builtin_did_you_mean(str(err.instance))}"
    elif err.validator == "enum":
        message = f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    elif err.validator == "type":
        message = f"expected {err.validator_value}, got {type(err.instance).__name__} {err.instance!r}"
    raise ConfigError(f"{prefix}key `{where or '(top level)'}`: {message}")


def read_file(path: str | os.PathLike) -> dict | None:
    """The iamlint settings of one file (None: a pyproject.toml without [tool.iamlint])."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text: {exc.reason}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {str(exc).splitlines()[0]}") from exc
    if p.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "iamlint" not in tool:
            return None
        data = tool["iamlint"]
    return data


def config_from_dict(data: dict, path: str | os.PathLike | None = None) -> Config:
    """A validated Config; ``extend-rules`` become absolute (relative to the file)."""
    if path is not None:
        validate(data, path)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        kwargs[_KEY_TO_FIELD[key]] = value
    if "per_file_ignores" in kwargs:
        kwargs["per_file_ignores"] = {k: list(v) for k, v in kwargs["per_file_ignores"].items()}
    if "severity" in kwargs:
        kwargs["severity"] = {k.upper(): v for k, v in kwargs["severity"].items()}
    if path is not None:
        base = Path(path).resolve().parent
        kwargs["extend_rules"] = [str((base / d).resolve()) for d in kwargs.get("extend_rules", [])]
        kwargs["source"] = str(path)
    return Config(**kwargs)


def load_file(path: str | os.PathLike) -> Config:
    """The Config of one configuration file (``--config FILE``)."""
    data = read_file(path)
    if data is None:
        raise ConfigError(f"{path}: no [tool.iamlint] table")
    return config_from_dict(data, path)


def find_config_file(start: str | os.PathLike, _known: dict[Path, Path | None] | None = None) -> Path | None:
    """The nearest configuration file at or above ``start`` (a file or directory).

    ``_known`` memoises the answer of every directory on the way up, so that
    a caller asking for many directories of one tree (a walk) looks at each
    directory once instead of at all its parents again (quadratic in the
    depth of the tree)."""
    p = Path(start).absolute()
    directory = p if _exists(p, stat.S_ISDIR) else p.parent
    known = {} if _known is None else _known
    climbed = []
    found = None
    d = directory
    while True:  # upwards one level at a time (``.parents`` would build every level at once)
        if d in known:
            found = known[d]
            break
        climbed.append(d)
        found = _config_file_in(d)
        if found is not None or d.parent == d:
            break
        d = d.parent
    for d in climbed:  # each is at or below where the search ended: the same answer
        known[d] = found
    return found


def _config_file_in(d: Path) -> Path | None:
    """The configuration file of directory ``d`` itself, if any."""
    for name in CONFIG_NAMES:
        candidate = d / name
        if _exists(candidate, stat.S_ISREG):
            if name == "pyproject.toml" and not _has_iamlint_table(candidate):
                continue
            return candidate
    return None


def _exists(path: Path, is_kind: Callable[[int], bool]) -> bool:
    """Whether ``path`` is there and of that kind; a path that cannot be
    examined (a directory without search permission, a name over PATH_MAX)
    counts as absent, so the search goes on upwards (the walk that met the
    directory reports it, once)."""
    try:
        return is_kind(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _has_iamlint_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "iamlint" not in text:
        return False
    return read_file(path) is not None


def check_options(config: Config, registry) -> None:
    """Every option in ``config`` must be declared by some loaded rule."""
    declared: dict[str, dict] = {}
    for rule in registry:
        for name, spec in rule.options.items():
            declared.setdefault(name, spec)
    where = f"{config.source}: " if config.source else ""
    table = "[tool.iamlint.options]" if config.source and Path(config.source).name == "pyproject.toml" else "options"
    for name, value in config.options.items():
        if name not in declared:
            raise ConfigError(f"{where}{table} unknown option `{name}`{_did_you_mean(name, declared)}")
        expected = declared[name].get("type")
        if expected and not _type_ok(value, expected):
            raise ConfigError(
                f"{where}{table} option `{name}`: expected {expected}, got {type(value).__name__} {value!r}"
            )


def check_selectors(config: Config, registry) -> None:
    """Every rule id or prefix in a configuration file must name a loaded rule
    (``select``, ``extend-select``, ``ignore``, ``per-file-ignores``; the keys
    of ``severity`` are whole ids): a typo would otherwise silently run no
    rules or ignore nothing.  Raises ConfigError with a did-you-mean."""
    ids = [r.id for r in registry]
    known = {i.upper() for i in ids}
    where = f"{config.source}: " if config.source else ""
    table = "[tool.iamlint] " if config.source and Path(config.source).name == "pyproject.toml" else ""
    lists = [("select", config.select), ("extend-select", config.extend_select), ("ignore", config.ignore)]
    lists += [(f"per-file-ignores.{pattern}", sel) for pattern, sel in config.per_file_ignores.items()]
    for key, selectors in lists:
        for sel in selectors:
            if not selects_any(sel, ids):
                raise ConfigError(f"{where}{table}key `{key}`: {unknown_selector_message(sel, ids)}")
    for rule_id in config.severity:
        if rule_id.upper() not in known:
            message = unknown_selector_message(rule_id, ids).replace(" or prefix", "")
            raise ConfigError(f"{where}{table}key `severity`: {message}")


_TYPES: dict[str, type | tuple[type, ...]] = {
    "array": list,
    "list": list,
    "string": str,
    "str": str,
    "boolean": bool,
    "bool": bool,
    "integer": int,
    "int": int,
    "number": (int, float),
    "object": dict,
    "table": dict,
}


def _type_ok(value: Any, expected: str) -> bool:
    base = expected.split("[", 1)[0].split(" ", 1)[0].strip().lower()
    py = _TYPES.get(base)
    if py is None:
        return True
    if py is int and isinstance(value, bool):
        return False
    return isinstance(value, py)


class ConfigResolver:
    """The Config of each checked file, with command-line overrides on top.

    ``overrides`` is applied to every Config found (``--select`` etc.).
    Configuration files are read once; errors raise :class:`ConfigError`.
    """

    def __init__(self, config_file: str | None = None, overrides: Callable[[Config], Config] | None = None):
        self.config_file = config_file
        self.overrides = overrides or (lambda c: c)
        self._by_file: dict[str | None, Config] = {}
        self._by_dir: dict[str, Config] = {}
        self._found: dict[Path, Path | None] = {}  # directory -> its nearest configuration file
        self._by_raw_dir: dict[str, Config] = {}
        self._registries: dict[tuple[str, ...], Registry] = {}
        if config_file is not None:
            self._explicit = self.overrides(self._load_checked(config_file))

    def _load_checked(self, path: str | os.PathLike) -> Config:
        """The Config of a file, its rule selectors checked against the rules it
        loads (before the command-line overrides, so errors name the file)."""
        config = load_file(path)
        check_selectors(config, self.registry_for(config))
        return config

    def _config_of(self, path: Path | None) -> Config:
        key = str(path) if path is not None else None
        if key not in self._by_file:
            self._by_file[key] = self.overrides(self._load_checked(path) if path is not None else Config())
        return self._by_file[key]

    def for_path(self, path: str | os.PathLike, is_dir: bool | None = None) -> Config:
        """The Config of ``path``; ``is_dir`` spares the file-system look-up when
        the caller knows what ``path`` is (a file found by walking a tree)."""
        if self.config_file is not None:
            return self._explicit
        if is_dir is False:
            # a file: its configuration is its directory's, memoised by the
            # directory as written (Path(path).absolute().parent is a function
            # of os.path.dirname(path) while the working directory stays)
            raw_dir = os.path.dirname(os.fspath(path))
            found = self._by_raw_dir.get(raw_dir)
            if found is None:
                found = self._by_raw_dir[raw_dir] = self.for_path(raw_dir or ".", True)
            return found
        p = Path(path).absolute()
        if is_dir is None:
            is_dir = _exists(p, stat.S_ISDIR)
        directory = str(p if is_dir else p.parent)
        if directory not in self._by_dir:
            self._by_dir[directory] = self._config_of(find_config_file(directory, self._found))
        return self._by_dir[directory]

    def root(self) -> Config:
        """The configuration of the current directory (used for run-wide settings)."""
        return self.for_path(os.getcwd())

    def excluded(self, path: str, is_dir: bool | None = None) -> bool:
        return self.for_path(path, is_dir).excluded(path)

    def registry_for(self, config: Config) -> Registry:
        """The rule registry for a Config (built-in + entry points + its extend-rules), cached."""
        key = tuple(config.extend_rules)
        if key not in self._registries:
            self._registries[key] = Registry.load(config.extend_rules)
        registry = self._registries[key]
        if config.options:
            check_options(config, registry)
        return registry


def load(config_file: str | None, paths: Iterable[str] = ()) -> Config:
    """One Config for a run: ``--config FILE`` or the one nearest the first path."""
    if config_file:
        return load_file(config_file)
    first = next(iter(paths), None) or os.getcwd()
    if first == "-":
        first = os.getcwd()
    found = find_config_file(first)
    return load_file(found) if found else Config()
