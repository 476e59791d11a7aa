"""End to end with a real editor: headless Neovim (Debian's 0.7 works) as the
LSP client of ``iamlint lsp``.  It opens a GitHub OIDC trust policy without
``sub``, receives the diagnostic on the statement's lines, applies the
server's quick fix, fills in the repository, saves, and the diagnostic goes.

``.ci/run`` installs Neovim; the test is skipped only when ``nvim`` is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitHubDeploy",
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    }
  ]
}
"""


def test_neovim_receives_the_oidc_diagnostic_and_it_disappears_after_fix_and_save(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("nvim is not installed (.ci/run installs Debian's neovim)")
    policy = tmp_path / "deploy-trust.json"
    policy.write_text(POLICY)
    out = tmp_path / "result.txt"
    env = {
        **os.environ,
        "IAMLINT_POLICY": str(policy),
        "IAMLINT_OUT": str(out),
        "IAMLINT_CMD": json.dumps([sys.executable, "-m", "iamlint", "lsp"]),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {HERE / 'nvim' / 'iamlint_e2e.lua'}"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert out.is_file(), (proc.returncode, proc.stdout, proc.stderr)
    lines = out.read_text().splitlines()
    assert lines[-1] == "RESULT ok", lines
    diag = next(line for line in lines if line.startswith("DIAG "))
    code, lnum, col, end_lnum, _end_col, href = diag.split()[1:7]
    assert code == "IAM306"
    # on the statement's lines (0-based: the statement spans lines 3-9), at the Federated principal
    statement = range(3, 10)
    assert int(lnum) in statement and int(end_lnum) in statement
    assert int(lnum) == 6 and int(col) == POLICY.splitlines()[6].index('"arn:aws:iam::111122223333:oidc-provider')
    assert href.endswith("/docs/rules/IAM306.md")
    assert "SAVED" in lines and "CLEARED" in lines
    saved = json.loads(policy.read_text())
    condition = saved["Statement"][0]["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:sub"] == "repo:octo-org/deploy:ref:refs/heads/main"
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"


def _readme_neovim_snippet() -> str:
    """The Lua block that follows "Neovim" in the README's editor section."""
    readme = (HERE.parents[1] / "README.md").read_text(encoding="utf-8")
    editors = readme[readme.index("### Editors") :]
    start = editors.index("```lua\n", editors.index("Neovim")) + len("```lua\n")
    return editors[start : editors.index("```", start)]


def test_with_the_readme_setup_a_changed_config_file_applies_without_a_restart(tmp_path):
    """The README's Neovim snippet, the server from PATH; .iamlint.toml and
    pyproject.toml written behind the editor's back take effect at the next
    save and the next change of the buffer (issue 15, point 6)."""
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("nvim is not installed (.ci/run installs Debian's neovim)")
    snippet = tmp_path / "init.lua"
    snippet.write_text(_readme_neovim_snippet())
    assert 'cmd = { "iamlint", "lsp" }' in snippet.read_text()
    project = tmp_path / "infra"
    project.mkdir()
    policy = project / "deploy-trust.json"
    policy.write_text(POLICY)
    out = tmp_path / "result.txt"
    env = {
        **os.environ,
        "IAMLINT_SNIPPET": str(snippet),
        "IAMLINT_POLICY": str(policy),
        "IAMLINT_OUT": str(out),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {HERE / 'nvim' / 'iamlint_config_e2e.lua'}"],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert out.is_file(), (proc.returncode, proc.stdout, proc.stderr)
    lines = out.read_text().splitlines()
    assert lines == ["REPORTED", "IGNORED", "REPORTED AGAIN", "RESULT ok"], lines
