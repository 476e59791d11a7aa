"""Shared fixtures.  Rule examples are discovered in tests/rules/test_rule_examples.py."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# iamlint's caches (compiled rule packs, catalog index, lint results) go to a
# throw-away directory for the test session, inherited by subprocesses, so
# tests neither read a developer's cache nor fill it.
_CACHE = tempfile.mkdtemp(prefix="iamlint-test-cache-")
os.environ["IAMLINT_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def registry():
    from iamlint.engine.registry import Registry

    return Registry.load()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not available")
    return CORPUS
