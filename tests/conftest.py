"""Shared fixtures.  Rule examples are discovered in tests/rules/test_rule_examples.py."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from iamlint.engine.registry import Registry

# iamlint's caches (compiled rule packs, catalog index, lint results) go to a
# throw-away directory for the test session, inherited by subprocesses, so
# tests neither read a developer's cache nor fill it.
_CACHE = tempfile.mkdtemp(prefix="iamlint-test-cache-")
os.environ["IAMLINT_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(scope="session", autouse=True)
def catalog_index() -> None:
    """Build (or read) the catalog index once, first: the catalog memoises its
    index for the process, so a test that runs with the cache off (an
    in-process ``--no-cache`` run) would otherwise leave every later test of
    its worker without one, depending on which files xdist gave that worker."""
    from iamlint.knowledge import catalog  # noqa: PLC0415 (after IAMLINT_CACHE_DIR is set above)

    assert catalog.known_action_table() is not None, f"no catalog index in {_CACHE}"


REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load()


CORPUS_MISSING = (
    f"the shared corpus is missing: no directory {CORPUS} (../shared/corpus beside the repository). "
    "The tests marked 'corpus' read it; to run without them, deselect them explicitly: -m 'not corpus'."
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for the ``corpus`` fixture is a corpus test (before
    ``-m`` deselects, so ``-m 'not corpus'`` leaves it out)."""
    for item in items:
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A corpus test fails, with one message saying why, when the corpus is
    missing: a CI run without it must not pass by skipping."""
    if item.get_closest_marker("corpus") is not None and not CORPUS.is_dir():
        pytest.fail(CORPUS_MISSING, pytrace=False)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus directory (``../shared/corpus``)."""
    if not CORPUS.is_dir():
        pytest.fail(CORPUS_MISSING, pytrace=False)
    return CORPUS
