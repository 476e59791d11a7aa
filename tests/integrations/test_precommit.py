"""The real ``pre-commit try-repo`` against this repository.

pre-commit installs iamlint from a git repository into its own environment
(from PyPI for the dependencies: the first run takes a minute).  The hook
repository is a temporary git repository holding the current working tree
(tracked and untracked, not ignored files), so the test checks what is on
disk, not only what was committed.  The target repository holds the sample
files of ``precommit_repo/`` plus files without IAM material.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "precommit_repo"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "iamlint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "iamlint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(args, cwd, env):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


def _working_tree_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401, PLC0415 (optional: the test is skipped without it)
    except ImportError:
        pytest.skip("pre-commit is not installed")
    tmp = tmp_path_factory.mktemp("precommit")
    env = {**os.environ, **GIT_ENV, "HOME": str(tmp), "PRE_COMMIT_HOME": str(tmp / "cache")}
    env.pop("NO_COLOR", None)
    hook_repo = tmp / "hook-repo"
    for rel in _working_tree_files():
        dest = hook_repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    assert (hook_repo / ".pre-commit-hooks.yaml").is_file()
    _git(["init", "-q", "-b", "main"], hook_repo, env)
    _git(["add", "-A"], hook_repo, env)
    _git(["commit", "-q", "-m", "iamlint working tree"], hook_repo, env)

    target = tmp / "target"
    target.mkdir()
    for sample in SAMPLES.glob("*.json"):
        shutil.copy2(sample, target / sample.name)
    (target / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (target / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (target / "notes.txt").write_text("not checked\n")
    _git(["init", "-q", "-b", "main"], target, env)
    _git(["add", "-A"], target, env)
    _git(["commit", "-q", "-m", "samples"], target, env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return hook_repo, target, env


def _try_repo(repos, *files: str) -> subprocess.CompletedProcess:
    hook_repo, target, env = repos
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "iamlint", "--color", "never"]
    cmd += ["--files", *files] if files else ["--all-files"]
    return subprocess.run(cmd, cwd=target, env=env, capture_output=True, text=True, timeout=900)


def test_try_repo_fails_on_the_bad_file_with_the_located_finding(repos):
    proc = _try_repo(repos)  # --all-files: bad, good and non-IAM files
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "bad-github-trust.json:6:34: IAM306 oidc-trust-without-subject [error]" in out, out
    assert "good-github-trust.json:" not in out, out
    assert "package.json" not in out and "docker-compose.yml" not in out, out


def test_try_repo_passes_on_the_good_file(repos):
    proc = _try_repo(repos, "good-github-trust.json", "package.json", "docker-compose.yml")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out, out
    assert "IAM" not in out.replace("iamlint", ""), out


GITHUB_ROLE_TF = """resource "aws_iam_role" "deploy" {
  name = "github-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:my-org/my-repo:ref:refs/heads/main"
        }
      }
    }]
  })
}
"""
ATTACH_TF = """resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/%s"
}
"""


def test_a_changed_attachment_file_is_linted_with_its_module(repos):
    """Only attach.tf changes (AdministratorAccess attached to the GitHub role
    of role.tf): the hook, given attach.tf alone, fails with the finding."""
    _hook_repo, target, env = repos
    module = target / "infra" / "github"
    module.mkdir(parents=True)
    (module / "role.tf").write_text(GITHUB_ROLE_TF)
    (module / "attach.tf").write_text(ATTACH_TF % "AWSDenyAll")
    _git(["add", "infra"], target, env)
    _git(["commit", "-q", "-m", "github role"], target, env)
    before = _try_repo(repos, "infra/github/attach.tf")
    assert before.returncode == 0, before.stdout + before.stderr
    (module / "attach.tf").write_text(ATTACH_TF % "AdministratorAccess")
    _git(["add", "infra/github/attach.tf"], target, env)
    proc = _try_repo(repos, "infra/github/attach.tf")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    # in the changed file, at the ARN it writes (where a full run reports it too)
    assert (
        "infra/github/attach.tf:3:16: IAM401 overbroad-managed-policy-attachment [error] AWS managed policy "
        "`AdministratorAccess` grants role `aws_iam_role.deploy` administrator access"
    ) in out, out
    assert out.count("IAM401") == 1, out
