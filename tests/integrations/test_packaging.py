"""The wheel built from the working tree: its version is ``iamlint.__version__``
(the one place it is written; pyproject.toml reads it from there) and it
ships ``iamlint/py.typed`` (PEP 561) and the built-in rule pack.

The build runs offline on a copy of the tree (``--no-build-isolation
--no-index``: the test extra's setuptools and wheel), so it neither needs the
package index nor writes ``build/`` into the checkout.
"""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import iamlint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    pytest.importorskip("wheel", reason="building a wheel needs the `wheel` package (test extra)")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    skip = shutil.ignore_patterns(".git", ".venv", ".hypothesis", "build", "*.egg-info", "*_cache", "tests")
    shutil.copytree(ROOT, src, ignore=skip)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(tmp / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = (tmp / "dist").glob("iamlint-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_version_is_the_package_version(wheel):
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = email.parser.Parser().parsestr(wheel.read(name).decode("utf-8"))
    assert metadata["Name"] == "iamlint"
    assert metadata["Version"] == iamlint.__version__
    assert name == f"iamlint-{iamlint.__version__}.dist-info/METADATA"


def test_the_wheel_ships_py_typed_and_the_rule_pack(wheel):
    names = set(wheel.namelist())
    assert "iamlint/py.typed" in names
    assert any(n.startswith("iamlint/builtin_rules/trust/IAM301-") for n in names), sorted(names)[:20]
