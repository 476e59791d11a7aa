"""``iamlint check --fix`` never loses or misplaces a byte of the user's files.

Hostile and careless file-system states from issue 14: a link, FIFO or
directory planted at the temporary name the old code used, an unwritable
directory, an edit or a deletion while iamlint works, symlinked, hard-linked,
read-only and non-regular files, and CRLF files.  Every refusal is one line on
stderr naming the file, the rest of the run goes on, and the exit code is 2.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint import fixes
from iamlint.cli import main

NO_VERSION = """{
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
  ]
}
"""
FIXED = NO_VERSION.replace('{\n  "Statement"', '{\n  "Version": "2012-10-17",\n  "Statement"')
OLD_TMP = ".iamlint-fix.tmp"
NOBODY = 65534


def _fix(*paths):
    return CliRunner().invoke(main, ["check", "--fix", *map(str, paths)], catch_exceptions=False)


def _no_temp_files(directory: Path, *expected: str) -> bool:
    return sorted(p.name for p in directory.iterdir() if "iamlint-fix" in p.name) == sorted(expected)


def _refused(result, path) -> list[str]:
    """The stderr lines that name ``path`` and are not 'fixed' reports."""
    return [
        line
        for line in result.stderr.splitlines()
        if str(path) in line and " fixed " not in line and "would fix" not in line
    ]


def _assert_refused(result, path, *words):
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = _refused(result, path)
    assert line.startswith(f"iamlint: {path}: not fixed")
    for word in words:
        assert word in line, line


# ---------------------------------------------------------------------------
# things planted at the temporary name of the old code
# ---------------------------------------------------------------------------


def test_symlink_at_the_old_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    planted = tmp_path / ("policy.json" + OLD_TMP)
    planted.symlink_to(victim)
    result = _fix(policy)
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not policy.is_symlink() and policy.read_text() == FIXED
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    assert _no_temp_files(tmp_path, planted.name)


def test_fifo_at_the_old_temporary_name_does_not_block(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    planted = tmp_path / ("policy.json" + OLD_TMP)
    os.mkfifo(planted)
    # a subprocess with a hang guard: the old code blocked forever opening the FIFO
    run = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--fix", str(policy)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert policy.read_text() == FIXED
    assert stat.S_ISFIFO(planted.lstat().st_mode)


def test_directory_at_the_old_temporary_name(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    planted = tmp_path / ("policy.json" + OLD_TMP)
    planted.mkdir()
    result = _fix(policy)
    assert result.exit_code == 0, result.stderr
    assert policy.read_text() == FIXED
    assert planted.is_dir() and not any(planted.iterdir())


def _as_nobody(fn):
    """Run ``fn()`` in a forked child with uid/gid 65534 and return what it
    returns (it must be JSON).  The child never execs: the interpreter and the
    virtual environment live under /root, which that user cannot read, so the
    code the child needs is imported by the parent beforehand."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            data = json.dumps(fn()).encode()
            os.write(write_end, data)
            status = 0
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            os.write(write_end, json.dumps({"child error": repr(exc)}).encode())
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


@pytest.fixture
def shared_dir():
    """A directory under /tmp that uid 65534 can reach (pytest's tmp_path is
    private to root), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="iamlint-fix-"))
    base.chmod(0o755)
    yield base
    base.chmod(0o755)
    shutil.rmtree(base)


def _fix_as_nobody(base: Path, policy: Path) -> dict:
    """``iamlint check --fix policy`` as uid/gid 65534: exit code and stderr."""
    cache = base / "cache"
    cache.mkdir()
    os.chown(cache, NOBODY, NOBODY)
    # import everything --fix needs while this process can still read the venv
    warm = base / "warm"
    warm.mkdir()
    (warm / "policy.json").write_text(NO_VERSION)
    assert _fix(warm / "policy.json").exit_code == 0

    def child():
        os.environ["IAMLINT_CACHE_DIR"] = str(cache)
        result = _fix(policy)
        return {"exit": result.exit_code, "stderr": result.stderr}

    out = _as_nobody(child)
    assert "child error" not in out, out
    return out


def _assert_refused_as_nobody(out: dict, policy: Path, *words):
    assert out["exit"] == 2, out
    assert "Traceback" not in out["stderr"]
    [line] = [x for x in out["stderr"].splitlines() if str(policy) in x]
    assert line.startswith(f"iamlint: {policy}: not fixed"), line
    for word in words:
        assert word in line, line


def test_unwritable_directory_is_a_one_line_error(shared_dir):
    policy = shared_dir / "policy.json"
    policy.write_text(NO_VERSION)
    if os.geteuid() != 0:
        shared_dir.chmod(0o555)
        if os.access(shared_dir, os.W_OK):
            pytest.skip("this user can write a directory of mode 0555")
        _assert_refused(_fix(policy), policy, "Permission denied")
    else:
        # the directory is root's (0755), the policy nobody's (writable by it)
        os.chown(policy, NOBODY, NOBODY)
        _assert_refused_as_nobody(_fix_as_nobody(shared_dir, policy), policy, "Permission denied")
    assert policy.read_text() == NO_VERSION
    assert _no_temp_files(shared_dir)


def test_another_users_file_is_not_replaced_by_ours(shared_dir):
    """Writable by everyone, in a directory everyone can write, but owned by
    root: the replacement made by uid 65534 would belong to 65534."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a file of another user")
    work = shared_dir / "work"
    work.mkdir()
    work.chmod(0o777)
    policy = work / "policy.json"
    policy.write_text(NO_VERSION)
    policy.chmod(0o666)
    _assert_refused_as_nobody(_fix_as_nobody(shared_dir, policy), policy, "another user")
    assert policy.read_text() == NO_VERSION and policy.stat().st_uid == 0
    assert _no_temp_files(work)


# ---------------------------------------------------------------------------
# the file changes while iamlint works on it
# ---------------------------------------------------------------------------


def _during_the_run(monkeypatch, action):
    """Run ``action(path)`` after the fixes are computed and before they are
    written, as an editor or another process would."""
    compute = fixes.fixes_for

    def fixes_for(path, *args, **kwargs):
        found = compute(path, *args, **kwargs)
        action(path)
        return found

    monkeypatch.setattr(fixes, "fixes_for", fixes_for)


def test_an_edit_made_during_the_run_is_kept(tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    edited = NO_VERSION.replace("s3:GetObject", "s3:GetObjectTagging")
    _during_the_run(monkeypatch, lambda p: Path(p).write_text(edited))
    result = _fix(policy)
    _assert_refused(result, policy, "changed")
    assert policy.read_text() == edited
    assert _no_temp_files(tmp_path)


def test_a_file_replaced_during_the_run_is_kept(tmp_path, monkeypatch):
    """An editor's atomic save: same text, new file."""
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)

    def save(p):
        Path(p + ".new").write_text(NO_VERSION)
        os.replace(p + ".new", p)

    inode = policy.stat().st_ino
    _during_the_run(monkeypatch, save)
    result = _fix(policy)
    _assert_refused(result, policy, "changed")
    assert policy.read_text() == NO_VERSION and policy.stat().st_ino != inode


def test_an_edit_made_while_the_fix_is_written_is_kept(tmp_path, monkeypatch):
    """The original is compared once more after the temporary file is on disk,
    just before the rename."""
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    edited = NO_VERSION.replace("s3:GetObject", "s3:GetObjectTagging")
    fsync = os.fsync

    def fsync_and_edit(fd):
        fsync(fd)
        policy.write_text(edited)

    monkeypatch.setattr(fixes.os, "fsync", fsync_and_edit)
    result = _fix(policy)
    monkeypatch.undo()
    _assert_refused(result, policy, "changed")
    assert policy.read_text() == edited
    assert _no_temp_files(tmp_path)


def test_a_file_deleted_during_the_run_is_not_recreated(tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    _during_the_run(monkeypatch, os.unlink)
    result = _fix(policy)
    _assert_refused(result, policy, "removed")
    assert not policy.exists()
    assert _no_temp_files(tmp_path)


def test_the_rest_of_the_run_goes_on_after_a_refusal(tmp_path, monkeypatch):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(NO_VERSION)
    second.write_text(NO_VERSION)
    _during_the_run(monkeypatch, lambda p: p == str(first) and os.unlink(p))
    result = _fix(first, second)
    _assert_refused(result, first, "removed")
    assert second.read_text() == FIXED


# ---------------------------------------------------------------------------
# links, permissions and file types of the file itself
# ---------------------------------------------------------------------------


def test_a_symlink_inside_the_tree_stays_a_symlink_and_its_target_is_fixed(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "shared").mkdir()
    target = repo / "shared" / "policy.json"
    target.write_text(NO_VERSION)
    (repo / "infra").mkdir()
    link = repo / "infra" / "policy.json"
    link.symlink_to(Path("..") / "shared" / "policy.json")
    result = _fix(link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "shared", "policy.json")
    assert target.read_text() == FIXED
    assert _no_temp_files(repo / "shared") and _no_temp_files(repo / "infra")


def test_a_symlink_out_of_the_tree_is_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "policy.json"
    outside.parent.mkdir()
    outside.write_text(NO_VERSION)
    link = repo / "policy.json"
    link.symlink_to(outside)
    result = _fix(link)
    _assert_refused(result, link, "symbolic link", str(outside))
    assert link.is_symlink() and outside.read_text() == NO_VERSION


def test_a_hard_link_is_not_split(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    other = tmp_path / "copy.json"
    os.link(policy, other)
    result = _fix(policy)
    _assert_refused(result, policy, "hard links")
    assert policy.read_text() == NO_VERSION
    assert policy.stat().st_ino == other.stat().st_ino


def test_a_read_only_file_is_not_rewritten(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    policy.chmod(0o444)
    result = _fix(policy)
    _assert_refused(result, policy, "read-only")
    assert policy.read_text() == NO_VERSION
    assert stat.S_IMODE(policy.stat().st_mode) == 0o444


def test_a_refused_fix_is_an_error_next_to_the_findings_it_leaves(tmp_path):
    """The file was linted: its findings and the refusal are both reported,
    and it counts as a checked file."""
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    policy.chmod(0o444)
    result = CliRunner().invoke(main, ["check", "--fix", "--format", "json", str(policy)], catch_exceptions=False)
    assert result.exit_code == 2
    out = json.loads(result.stdout)
    assert [f["rule"] for f in out["findings"]] == ["IAM004"]
    assert out["summary"]["files"] == 1
    [error] = out["errors"]
    assert error["file"] == str(policy) and error["message"] == "not fixed: it is read-only"
    text = _fix(policy)
    assert "Found 1 finding (1 warning) in 1 file." in text.stdout


def test_an_explicit_fifo_is_an_error_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    run = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--fix", str(fifo)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    [_line] = [x for x in run.stderr.splitlines() if str(fifo) in x]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_fifo_is_never_written(tmp_path):
    """fix_file itself, in a subprocess with a hang guard: it must neither
    block on the FIFO nor replace it by a regular file."""
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    code = (
        "import sys\n"
        "from iamlint.api import default_registry\n"
        "from iamlint.config import Config\n"
        "from iamlint.fixes import fix_file\n"
        "r = fix_file(sys.argv[1], Config(), default_registry())\n"
        "print(r.error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "not a regular file" in run.stdout
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_permission_bits_are_kept(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    policy.chmod(0o640)
    assert _fix(policy).exit_code == 0
    assert policy.read_text() == FIXED
    assert stat.S_IMODE(policy.stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_write_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch, failing):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixes.os, failing, fail)
    result = _fix(policy)
    monkeypatch.undo()
    _assert_refused(result, policy, "No space left on device")
    assert policy.read_text() == NO_VERSION
    assert _no_temp_files(tmp_path)


def test_diff_does_not_refuse_what_it_does_not_write(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(NO_VERSION)
    policy.chmod(0o444)
    os.link(policy, tmp_path / "copy.json")
    result = CliRunner().invoke(main, ["check", "--diff", str(policy)], catch_exceptions=False)
    assert result.exit_code == 1
    assert '+  "Version": "2012-10-17",' in result.stdout


# ---------------------------------------------------------------------------
# line endings
# ---------------------------------------------------------------------------

SAML_YAML = """Resources:
  SsoRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Federated: arn:aws:iam::111122223333:saml-provider/okta
            Action: sts:AssumeRoleWithSAML
"""
TF_HEREDOC = """resource "aws_iam_policy" "read" {
  name   = "read"
  policy = <<EOF
{
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
  ]
}
EOF
}
"""
TF_JSONENCODE = """resource "aws_iam_policy" "read" {
  name = "read"
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "arn:aws:s3:::b/*"
    }]
  })
}
"""


@pytest.mark.parametrize(
    "name,content",
    [
        ("policy.json", NO_VERSION),
        ("template.yaml", SAML_YAML),
        ("heredoc.tf", TF_HEREDOC),
        ("main.tf", TF_JSONENCODE),
    ],
)
def test_crlf_files_get_crlf_lines(tmp_path, name, content):
    path = tmp_path / name
    crlf = content.replace("\n", "\r\n").encode()
    path.write_bytes(crlf)
    result = _fix(path)
    assert " fixed " in result.stderr, result.stderr
    data = path.read_bytes()
    assert data != crlf
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")
