"""The README's install and pre-commit snippets, run as written (issue 15,
point 2): only what the README tells the reader to put in is substituted (the
path of their clone, the commit ``git rev-parse HEAD`` prints).

The clone is a temporary git repository holding the working tree, so the
snippets are checked against what is on disk.  Both install iamlint and its
dependencies from the package index into fresh environments (pip for the
install snippet, pre-commit for the hook): about half a minute each.  The
GitHub Actions snippet is run in test_action.py, the Neovim one in
test_neovim.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from actions_support import GIT_ENV, ROOT, clone_of_working_tree, git

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

README = (ROOT / "README.md").read_text(encoding="utf-8")
POLICY_NO_SUB = (Path(__file__).resolve().parent / "precommit_repo" / "bad-github-trust.json").read_text()
POLICY_GOOD = (Path(__file__).resolve().parent / "precommit_repo" / "good-github-trust.json").read_text()


def _block(after: str, language: str) -> str:
    """The first ``language`` code block of the README after the text ``after``."""
    start = README.index(f"```{language}\n", README.index(after)) + len(f"```{language}\n")
    return README[start : README.index("```", start)]


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """A user's home with a clone of this repository at ~/src/iamlint."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, **GIT_ENV, "HOME": str(home)}
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))  # the index's files, not the tests' state
    env.pop("NO_COLOR", None)
    env.pop("VIRTUAL_ENV", None)
    clone = home / "src" / "iamlint"
    sha = clone_of_working_tree(clone, env)
    return home, clone, sha, env


def test_the_install_snippet_installs_a_working_iamlint(user):
    home, clone, _, env = user
    snippet = _block("## Install", "sh")
    assert "pip install iamlint" not in snippet
    # "In the directory that holds the clone as `iamlint/`": run there, as written
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", snippet],
        cwd=clone.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^iamlint \d+\.\d+", proc.stdout, re.M), proc.stdout
    iamlint = home / ".local" / "share" / "iamlint-venv" / "bin" / "iamlint"
    check = subprocess.run(
        [str(iamlint), "check", "--no-cache", str(ROOT / "examples" / "admin-policy.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 1 and "IAM201" in check.stdout, check.stdout + check.stderr
    # the rule pack ships inside the installed package, not read from the clone
    rules = subprocess.run([str(iamlint), "rules"], env=env, capture_output=True, text=True, timeout=120, cwd=home)
    assert rules.returncode == 0 and "IAM306" in rules.stdout, rules.stderr


def _precommit_config(clone: Path, env: dict) -> str:
    """The README's snippet with the clone's path and the commit that the
    README's command prints put in."""
    snippet = _block("### pre-commit", "yaml")
    assert "v0.1.0" not in snippet
    command = re.search(r"put in: (git -C \S+ rev-parse HEAD)", snippet).group(1)
    command = command.replace("/path/to/iamlint", str(clone))
    sha = subprocess.run(shlex.split(command), env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", sha)
    config = snippet.replace("/path/to/iamlint", str(clone)).replace("COMMIT_SHA", sha)
    assert str(clone) in config and sha in config
    return config


def test_the_precommit_snippet_blocks_a_bad_commit_and_lets_a_good_one_through(user, tmp_path):
    try:
        import pre_commit  # noqa: F401, PLC0415 (optional: the test is skipped without it)
    except ImportError:
        pytest.skip("pre-commit is not installed")
    home, clone, _, env = user
    env = {
        **env,
        "PRE_COMMIT_HOME": str(home / "pre-commit-cache"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }
    project = tmp_path / "infra"
    project.mkdir()
    git(["init", "-q", "-b", "main"], project, env)
    (project / ".pre-commit-config.yaml").write_text(_precommit_config(clone, env))
    git(["add", ".pre-commit-config.yaml"], project, env)
    git(["commit", "-q", "--no-verify", "-m", "pre-commit"], project, env)
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    (project / "deploy-trust.json").write_text(POLICY_NO_SUB)
    (project / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    git(["add", "deploy-trust.json", "package.json"], project, env)
    blocked = git(["commit", "-m", "deploy role"], project, env, check=False)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert re.search(r"deploy-trust\.json:\d+:\d+: IAM306", out), out
    assert "package.json" not in out.replace("deploy-trust.json", ""), out
    assert git(["rev-list", "--count", "HEAD"], project, env).stdout.strip() == "1"  # nothing committed

    (project / "deploy-trust.json").write_text(POLICY_GOOD)
    git(["add", "deploy-trust.json"], project, env)
    passed = git(["commit", "-m", "deploy role, scoped"], project, env, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "iamlint" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr
    assert git(["rev-list", "--count", "HEAD"], project, env).stdout.strip() == "2"


def test_the_vscode_settings_snippet_is_json_that_starts_the_server():
    """VS Code itself cannot run here: the settings are valid JSON whose command
    and arguments are the language server the other tests drive."""
    settings = json.loads(_block("VS Code", "json"))
    assert [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]] == ["iamlint", "lsp"]
    assert {"json", "yaml", "terraform"} <= set(settings["glspc.server.languageId"])
