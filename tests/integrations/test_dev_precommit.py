"""The project's own ``.pre-commit-config.yaml`` (the hooks for working on
iamlint; the hook iamlint offers to others, ``.pre-commit-hooks.yaml``, is
tested in test_precommit.py).

The config must be valid, and ``pre-commit run --all-files`` with it must pass
on the working tree: ruff, ruff-format, mypy, import-linter and iamlint's own
hook on ``examples/``.  The run happens in a temporary git repository holding
the working tree (tracked and untracked, not ignored files), so ruff-format
cannot rewrite a file of the checkout; the tools are this checkout's
``.venv``, linked into the copy, as the hooks name them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".pre-commit-config.yaml"
VENV = ROOT / ".venv"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "iamlint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "iamlint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _pre_commit(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_config_is_valid_and_every_hook_is_local_and_offline():
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (test extra)")
    proc = _pre_commit(["validate-config", str(CONFIG)], ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    assert set(hooks) == {"ruff", "ruff-format", "mypy", "import-linter", "iamlint-examples"}
    for hook in hooks.values():
        assert hook["language"] == "system", hook["id"]
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), hook["id"]
        assert (ROOT / tool).is_file() or not VENV.is_dir(), f"{hook['id']}: {tool} is not installed"
    assert hooks["iamlint-examples"]["files"] == "^examples/"


def _working_tree_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def test_pre_commit_run_all_files_passes_on_the_working_tree(tmp_path):
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (test extra)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (VENV / "bin").is_dir():
        pytest.skip("no .venv in the checkout (the hooks call its tools)")
    copy = tmp_path / "iamlint"
    for rel in _working_tree_files():
        dest = copy / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    (copy / ".venv").symlink_to(VENV, target_is_directory=True)
    env = {**os.environ, **GIT_ENV, "HOME": str(tmp_path), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    env.pop("NO_COLOR", None)
    git = ["git", "-C", str(copy)]
    subprocess.run([*git, "init", "-q", "-b", "main"], env=env, check=True, capture_output=True)
    subprocess.run([*git, "add", "-A"], env=env, check=True, capture_output=True)
    proc = _pre_commit(["run", "--all-files", "--color", "never", "--show-diff-on-failure"], copy, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    results = {line.split(".")[0]: line.rsplit(".", 1)[-1] for line in out.splitlines() if "..." in line}
    for name in ("ruff check", "ruff format", "mypy", "import-linter (layers, no cycles)", "iamlint check examples/"):
        assert results.get(name) == "Passed", out
