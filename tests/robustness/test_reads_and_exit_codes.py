"""Reads that cannot block or grow without bound, and exit codes that tell the
truth: 1 means "findings" and nothing else; every error is one line naming
the path on stderr, exit 2, and the run goes on with the other files.

Each case runs iamlint in a subprocess with a generous hang-guard timeout
(the fixed code answers in about a second)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GOOD = '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
HANG_GUARD = 60


def _iamlint(*args, cwd, env=None, prefix=(), stdin=None):
    env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "iamlint", "check", *args],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        cwd=cwd,
        env=env,
        input=stdin,
    )


def _assert_one_line_errors(proc, *names):
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    for name in names:
        assert any(name in line for line in lines), (name, proc.stderr)
    for line in lines:
        assert line.startswith("iamlint: "), line


def _good_file_was_linted(proc, good) -> bool:
    return any(f["file"] == str(good) for f in json.loads(proc.stdout)["findings"])


@pytest.fixture
def no_cache_dir(tmp_path):
    return {"IAMLINT_CACHE_DIR": str(tmp_path / "cache")}


# --- FIFOs and devices ----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_an_explicit_fifo_is_a_one_line_error_not_a_hang(tmp_path, no_cache_dir, cache):
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    proc = _iamlint("--format", "json", *cache, str(fifo), str(good), cwd=tmp_path, env=no_cache_dir)
    assert proc.returncode == 2
    _assert_one_line_errors(proc, str(fifo))
    assert "not a regular file" in proc.stderr
    assert _good_file_was_linted(proc, good)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_walked_tree_skips_a_fifo(tmp_path, no_cache_dir):
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "fifo.json")
    good = tree / "good.json"
    good.write_text(GOOD)
    proc = _iamlint("--format", "json", str(tree), cwd=tmp_path, env=no_cache_dir)
    assert proc.returncode == 1, proc.stderr  # the good file's finding, nothing else
    assert proc.stderr == ""
    assert _good_file_was_linted(proc, good)
    assert "fifo.json" not in proc.stdout


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null here")
def test_an_explicit_device_is_a_one_line_error(tmp_path, no_cache_dir):
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    proc = _iamlint("--format", "json", "/dev/null", str(good), cwd=tmp_path, env=no_cache_dir)
    assert proc.returncode == 2
    _assert_one_line_errors(proc, "/dev/null")
    assert "not a regular file" in proc.stderr
    assert _good_file_was_linted(proc, good)


def test_stdin_still_works_and_is_bounded_by_the_size_limit(tmp_path, no_cache_dir):
    proc = _iamlint("--format", "json", "-", cwd=tmp_path, env=no_cache_dir, stdin=GOOD)
    assert proc.returncode == 1 and proc.stderr == ""
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["IAM011"]
    proc = _iamlint("--max-file-size", "50", "-", cwd=tmp_path, env=no_cache_dir, stdin=GOOD)
    assert proc.returncode == 2
    _assert_one_line_errors(proc, "iamlint: -: ")
    assert "max-file-size" in proc.stderr


# --- file-system errors during a walk -----------------------------------------------


def _without_permission_bypass():
    """A command prefix under which file permissions apply to this test's
    process: nothing for a non-root user; as root, ``setpriv`` without the
    capabilities that bypass them (the interpreter lives under /root, mode 700,
    so switching to an unprivileged uid could not even start it)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop the permission-bypass capabilities")
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search")
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True, timeout=HANG_GUARD)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr.decode(errors='replace')[:200]}")
    return prefix


def test_an_unreadable_sub_directory_is_one_line_and_the_walk_goes_on(tmp_path, no_cache_dir):
    prefix = _without_permission_bypass()
    tree = tmp_path / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "locked" / "hidden.json").write_text(GOOD)
    (tree / "locked").chmod(0)
    good = tree / "z-good.json"
    good.write_text(GOOD)
    try:
        proc = _iamlint("--format", "json", str(tree), cwd=tmp_path, env=no_cache_dir, prefix=prefix)
    finally:
        (tree / "locked").chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    _assert_one_line_errors(proc, str(tree / "locked"))
    assert len(proc.stderr.splitlines()) == 1
    assert _good_file_was_linted(proc, good)


def _deep_tree(root: Path) -> Path:
    """root/d…d/d…d/…/p.json with a path longer than PATH_MAX (4096 on Linux),
    built relative to directory descriptors (the path itself cannot be used)."""
    name = "d" * 200
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(25):
            os.mkdir(name, dir_fd=fd)
            sub = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = sub
        out = os.open("p.json", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, GOOD.encode())
        os.close(out)
    finally:
        os.close(fd)
    return root.joinpath(*[name] * 25, "p.json")


def _remove_deep_tree(root: Path) -> None:
    # shutil.rmtree works by descriptors, so the long path is no obstacle
    shutil.rmtree(root)


@pytest.mark.skipif(sys.platform != "linux", reason="PATH_MAX semantics of Linux")
def test_a_path_longer_than_path_max_is_one_line_and_the_walk_goes_on(tmp_path, no_cache_dir):
    tree = tmp_path / "tree"
    tree.mkdir()
    good = tree / "good.json"
    good.write_text(GOOD)
    deep = _deep_tree(tree)
    try:
        walked = _iamlint("--format", "json", str(tree), cwd=tmp_path, env=no_cache_dir)
        explicit = _iamlint("--format", "json", str(deep), str(good), cwd=tmp_path, env=no_cache_dir)
    finally:
        _remove_deep_tree(tree)
    for proc in (walked, explicit):
        assert proc.returncode == 2, proc.stderr[-2000:]
        _assert_one_line_errors(proc)
        assert "File name too long" in proc.stderr
        assert len(proc.stderr.splitlines()) == 1
        assert _good_file_was_linted(proc, good)


@pytest.mark.skipif(shutil.which("rm") is None, reason="needs rm to remove a tree this deep")
def test_a_tree_nested_deeper_than_the_recursion_limit_is_walked(tmp_path, no_cache_dir):
    # 1,200 levels of "a/" (2,400 characters, within PATH_MAX): a recursive
    # walk runs out of Python stack and the whole run is lost.  The tree lives
    # outside pytest's tmp_path: pytest's clean-up (shutil.rmtree) recurses
    # too, and would fail on it in every later session; rm walks iteratively.
    tree = Path(tempfile.mkdtemp(prefix="iamlint-deep-tree-"))
    try:
        fd = os.open(tree, os.O_RDONLY)
        try:
            for _ in range(1200):
                os.mkdir("a", dir_fd=fd)
                sub = os.open("a", os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = sub
            out = os.open("deep.json", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(out, GOOD.encode())
            os.close(out)
        finally:
            os.close(fd)
        proc = _iamlint("--format", "json", str(tree), cwd=tmp_path, env=no_cache_dir)
    finally:
        subprocess.run(["rm", "-rf", str(tree)], check=True, timeout=HANG_GUARD)
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stderr[-2000:]
    assert _good_file_was_linted(proc, tree.joinpath(*["a"] * 1200, "deep.json"))


# --- a damaged result cache -------------------------------------------------------------

DAMAGED_ENTRIES = {
    "a number": lambda entry: 5,
    "an object": lambda entry: {"a": 1},
    "a short list": lambda entry: entry[:1],
    "documents is a string": lambda entry: [entry[0], entry[1], {**entry[2], "documents": "x"}],
    "findings is a string": lambda entry: [entry[0], entry[1], {**entry[2], "findings": "x"}],
    "a finding of wrong types": lambda entry: [
        entry[0],
        entry[1],
        {**entry[2], "findings": [[1, 2, "bogus", None, 5, ["a", "b", 1, 1], 7, 8, 9, []]]},
    ],
    "skipped is a string": lambda entry: [entry[0], entry[1], {**entry[2], "skipped": "no"}],
    "the payload is a list": lambda entry: [entry[0], entry[1], []],
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_ENTRIES))
def test_a_damaged_cache_entry_is_linted_again(tmp_path, damage):
    cache = tmp_path / "cache"
    env = {"IAMLINT_CACHE_DIR": str(cache)}
    p = tmp_path / "p.json"
    p.write_text(GOOD)
    first = _iamlint("--format", "json", str(p), cwd=tmp_path, env=env)
    assert first.returncode == 1
    (shard,) = glob.glob(str(cache / "results-*.json"))
    data = json.loads(Path(shard).read_text())
    data["files"][str(p)] = DAMAGED_ENTRIES[damage](data["files"][str(p)])
    Path(shard).write_text(json.dumps(data))
    again = _iamlint("--format", "json", str(p), cwd=tmp_path, env=env)
    assert "Traceback" not in again.stderr, again.stderr[-2000:]
    assert (again.returncode, again.stderr) == (1, "")
    assert json.loads(again.stdout) == json.loads(first.stdout)


@pytest.mark.parametrize("files", ['"x"', "5", "[1]", '{"p.json": null}'])
def test_a_damaged_cache_shard_is_ignored(tmp_path, files):
    cache = tmp_path / "cache"
    env = {"IAMLINT_CACHE_DIR": str(cache)}
    p = tmp_path / "p.json"
    p.write_text(GOOD)
    first = _iamlint("--format", "json", str(p), cwd=tmp_path, env=env)
    (shard,) = glob.glob(str(cache / "results-*.json"))
    key = json.loads(Path(shard).read_text())["key"]
    Path(shard).write_text(f'{{"key": {json.dumps(key)}, "files": {files}}}')
    again = _iamlint("--format", "json", str(p), cwd=tmp_path, env=env)
    assert (again.returncode, again.stderr) == (1, "")
    assert json.loads(again.stdout) == json.loads(first.stdout)


# --- the last-resort guard --------------------------------------------------------------


def _run_with_patch(tmp_path, patch: str, *args, command="check"):
    """``iamlint COMMAND ARGS`` in a subprocess after ``patch`` (Python source) breaks part of it."""
    code = (
        f"import sys\n{patch}\nfrom iamlint.cli import run\nsys.argv = ['iamlint', {command!r}, *sys.argv[1:]]\nrun()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        cwd=tmp_path,
        env={**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")},
    )


def test_an_unexpected_error_in_one_file_is_one_line_and_the_run_goes_on(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(GOOD)
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    patch = (
        "import iamlint.resultcache as rc\n"
        "real = rc.ResultCache.lint_path\n"
        "def broken(self, path, *a, **k):\n"
        "    if path.endswith('bad.json'):\n"
        "        raise ValueError('boom\\nsecond line')\n"
        "    return real(self, path, *a, **k)\n"
        "rc.ResultCache.lint_path = broken\n"
    )
    proc = _run_with_patch(tmp_path, patch, "--format", "json", str(bad), str(good))
    assert proc.returncode == 2
    _assert_one_line_errors(proc, str(bad))
    assert len(proc.stderr.splitlines()) == 1
    assert "internal error" in proc.stderr and "please report it" in proc.stderr
    assert _good_file_was_linted(proc, good)


def test_an_unexpected_error_outside_per_file_work_exits_2_not_1(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    patch = (
        "import iamlint.reporters as rep\n"
        "def broken(fmt, run):\n"
        "    raise RuntimeError('reporter bug')\n"
        "rep.render = broken\n"
    )
    proc = _run_with_patch(tmp_path, patch, str(good))
    assert proc.returncode == 2
    _assert_one_line_errors(proc, "internal error")
    assert len(proc.stderr.splitlines()) == 1


def test_an_unwritable_output_file_is_one_line_exit_2(tmp_path, no_cache_dir):
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    out = tmp_path / "good.json" / "report.txt"  # a missing directory is created; a file cannot hold one
    proc = _iamlint("--output", str(out), str(good), cwd=tmp_path, env=no_cache_dir)
    assert proc.returncode == 2
    _assert_one_line_errors(proc, str(out))
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [["rules"], ["rule", "IAM001"]])
def test_an_unexpected_error_in_the_rule_commands_exits_2_not_1(tmp_path, command):
    patch = (
        "import iamlint.configfile as cf\n"
        "def broken(self, config):\n"
        "    raise RuntimeError('registry bug')\n"
        "cf.ConfigResolver.registry_for = broken\n"
    )
    proc = _run_with_patch(tmp_path, patch, *command[1:], command=command[0])
    assert proc.returncode == 2
    _assert_one_line_errors(proc, "internal error (RuntimeError: registry bug)")
    assert len(proc.stderr.splitlines()) == 1
