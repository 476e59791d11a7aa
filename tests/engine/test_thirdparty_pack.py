"""A third-party rule pack installed with pip is listed and fires, through the
same ``iamlint.rules`` entry-point group as the built-in pack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "thirdparty_pack"
NO_SID = '{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}\n'


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """Install the pack into a fresh --target directory; return the environment using it."""
    pytest.importorskip("wheel", reason="building the fixture pack needs the `wheel` package (test extra)")
    root = tmp_path_factory.mktemp("pack")
    src = root / "src"
    shutil.copytree(FIXTURE, src)  # the build writes into the source tree
    target = root / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(src),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert (target / "iamlint_acme_rules-0.1.0.dist-info" / "entry_points.txt").is_file()
    env = dict(os.environ, PYTHONPATH=str(target))
    return env


def _iamlint(env, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "iamlint", *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_pack_rule_is_listed(installed):
    r = _iamlint(installed, "rules", "--format", "json")
    assert r.returncode == 0, r.stderr
    rules = {x["id"]: x for x in json.loads(r.stdout)}
    assert rules["ACME001"]["pack"] == "acme"
    assert rules["ACME001"]["name"] == "statement-without-sid"
    assert "IAM004" in rules  # the built-in pack is still there


def test_pack_rule_fires_and_documents_itself(installed, tmp_path):
    p = tmp_path / "p.json"
    p.write_text(NO_SID)
    r = _iamlint(installed, "check", "--format", "json", str(p), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    hits = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "ACME001"]
    assert len(hits) == 1 and hits[0]["line"] == 2, hits
    doc = _iamlint(installed, "rule", "ACME001")
    assert doc.returncode == 0 and "## What it flags" in doc.stdout


def test_without_the_pack_the_rule_is_unknown(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = _iamlint(env, "rule", "ACME001")
    assert r.returncode == 2


def test_entry_point_cache_is_kept_per_search_path(tmp_path):
    """The console script, `python -m iamlint` and other entry scripts start with
    different sys.path[0]: each keeps its own cached answer instead of replacing
    the other's (which sent every other run through importlib.metadata)."""
    probe = (
        "import sys\nimport iamlint.engine.registry as r\nr.Registry.load()\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    scripts = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "probe.py").write_text(probe)
        scripts.append(folder / "probe.py")
    env = {**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")}
    scanned = [
        subprocess.run([sys.executable, str(s)], capture_output=True, text=True, check=True, env=env).stdout.strip()
        for s in scripts + scripts
    ]
    assert scanned == ["True", "True", "False", "False"]


def test_entry_point_cache_survives_unrelated_files_but_not_installs(tmp_path):
    """The cached entry points are keyed by the package metadata on sys.path:
    a file written next to the entry script (or in the working directory) keeps
    the cache; a package installed there (a new *.dist-info) does not."""
    probe = (
        "import sys\nimport iamlint.engine.registry as r\nr.Registry.load()\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "probe.py").write_text(probe)
    env = {**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")}

    def scanned() -> bool:
        out = subprocess.run(
            [sys.executable, str(folder / "probe.py")],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=tmp_path,
        ).stdout.strip()
        return out == "True"

    assert scanned() is True  # first run: nothing cached
    assert scanned() is False
    (folder / "notes.txt").write_text("an unrelated file")
    (tmp_path / "report.sarif").write_text("{}")
    assert scanned() is False
    (folder / "acme_rules-1.0.dist-info").mkdir()
    assert scanned() is True
    assert scanned() is False
