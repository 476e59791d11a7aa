"""The work of linting one file grows linearly with what is in it (issue 14,
"super-linear costs").

Each test checks a structural property -- how much text a step scans, how many
times a step runs -- for n elements of one dimension, never a time: the
exponents themselves are measured by ``benchmarks/complexity.py``.  The inputs
come from that benchmark's generators, and every test also checks that the
answers (positions, fingerprints, assembled roles) are exactly what the
straightforward way gives.
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from bisect import bisect_right
from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.config import Config
from iamlint.engine import runner
from iamlint.engine.registry import Registry
from iamlint.parsing.jsontext import JsonLocator, parse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import complexity  # noqa: E402  (the benchmark's generators)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


# --------------------------------------------------------------------------
# JSON positions: a line start is searched from the nearest known offset


class _CountingText(str):
    """Text that adds up how many characters ``count`` and ``rfind`` scan (the
    locator's only searches for newlines; ``rfind`` stops at the last match)."""

    scanned = 0

    def count(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        _CountingText.scanned += max(0, end - start)
        return str.count(self, sub, start, end)

    def rfind(self, sub, start=0, end=None):  # type: ignore[override]
        end = len(self) if end is None else end
        found = str.rfind(self, sub, start, end)
        _CountingText.scanned += max(0, end - (found if found >= 0 else start))  # it searches backwards
        return found


def _expected_span(text: str, start: int, end: int) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) by brute force over the text's newlines."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(newlines, offset - 1)
        line_start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - line_start + 1

    return (*position(start), *position(end))


@pytest.mark.parametrize("layout", ["one line", "indented"])
@pytest.mark.parametrize("order", ["ascending", "descending", "random"])
def test_locating_every_element_of_a_long_array_scans_the_text_a_bounded_number_of_times(layout, order):
    """n lookups in one Action array (a finding per unknown action) scan for
    newlines near each lookup, not back to the start of the text: in a
    minified policy the old line-start search made them cost O(n^2)."""
    n = 4000
    generate = complexity.one_line if layout == "one line" else complexity.unknown_actions
    text = generate(n, 1)[1].decode()
    pointers = [f"/Statement/0/Action/{i}" for i in range(n)]
    if order == "descending":
        pointers.reverse()
    elif order == "random":
        random.Random(14).shuffle(pointers)
    reference = JsonLocator(text)  # full indexing: the offsets to compare with
    _CountingText.scanned = 0
    lazy = JsonLocator(_CountingText(text), valid=True)
    spans = {p: lazy.span(p) for p in pointers}
    scanned = _CountingText.scanned
    for pointer in pointers[:: n // 200]:
        start, end = reference._find(pointer)[:2]
        assert tuple(spans[pointer]) == _expected_span(text, start, end), pointer
        assert spans[pointer] == reference.span(pointer)
    # each lookup scans within a few KB of an offset seen before (the old
    # search scanned half of a 100 KB line per lookup: ~2e8 characters here)
    assert scanned <= 3 * len(text) + 2 * 4096 * n
    assert scanned < n * len(text) / 20


def test_parse_locator_positions_agree_with_full_indexing_on_long_lines():
    """The positions of parse()'s lazy locator, looked up in any order, are
    those of the full index on one-line and CRLF texts with a byte-order mark."""
    value = json.loads(complexity.one_line(300, 2)[1])
    texts = [json.dumps(value), "\ufeff" + json.dumps(value, indent=1).replace("\n", "\r\n"),
             json.dumps(value, indent=2).replace(', "', ',\n"', 50)]
    pointers = [""] + [f"/Statement/0/Action/{i}" for i in range(300)] + ["/Statement/0/Resource", "/Version"]
    rnd = random.Random(3)
    for text in texts:
        reference = JsonLocator(text)
        for sample in (pointers, pointers[::-1], rnd.sample(pointers, len(pointers))):
            lazy = parse(text).locator
            for pointer in sample:
                assert lazy.span(pointer) == reference.span(pointer), pointer
                assert lazy.key_span(pointer) == reference.key_span(pointer), pointer


# --------------------------------------------------------------------------
# fingerprints: the enclosing statement is hashed once, not once per finding


class _CountingHash:
    """hashlib.sha256 that adds up the bytes it is given (copies included)."""

    hashed = 0

    def __init__(self, data: bytes = b"", inner=None) -> None:
        self._inner = inner if inner is not None else hashlib.sha256()
        self.update(data)

    def update(self, data: bytes) -> None:
        _CountingHash.hashed += len(data)
        self._inner.update(data)

    def copy(self) -> "_CountingHash":
        return _CountingHash(inner=self._inner.copy())

    def hexdigest(self) -> str:
        return self._inner.hexdigest()


class _CountingHashlib:
    sha256 = _CountingHash


def _old_fingerprint(finding, value) -> str:
    """The fingerprint as it was always computed: rule, file, owner, pointer
    with ``#`` for indexes, and the statement's and the value's canonical JSON
    with the message (numbers blanked) -- the oracle for statements below
    runner.LARGE_STATEMENT, whose fingerprints must not change."""
    import re

    parts = finding.pointer.split("/")
    statement = value["Statement"][int(parts[2])]
    node = value
    for token in parts[1:]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    message = re.sub(r"[0-9]+", "#", finding.message)
    encode = json.JSONEncoder(sort_keys=True, default=str).encode
    head = encode(statement)
    if len(head) > runner.LARGE_STATEMENT:
        head = '"sha256:' + hashlib.sha256(head.encode()).hexdigest() + '"'
    text = "[[" + head + "," + encode(node) + "]," + json.dumps(message) + "]"
    return runner.fingerprint(finding.rule, finding.file, finding.owner, finding.pointer, text)


@pytest.mark.parametrize("dimension, n", [
    ("actions", 300),  # one rule, one pointer shape: every finding shares the statement's hashing
    ("arns", 2000),
    ("principals", 2000),
    ("conditions", 3000),  # a pointer per key: the large statement enters as its digest
])
def test_fingerprints_hash_each_statement_a_bounded_number_of_times(monkeypatch, registry, dimension, n):
    name, data = complexity.GENERATORS[dimension].generate(n, 3)
    value = json.loads(data)
    monkeypatch.setattr(runner, "hashlib", _CountingHashlib)
    _CountingHash.hashed = 0
    report = lint_bytes(name, data, Config(), registry)
    hashed = _CountingHash.hashed
    monkeypatch.undo()
    inside = [f for f in report.findings if f.pointer.startswith("/Statement/0/")]
    assert len(inside) >= n // 2
    # per finding its own value and message, plus each statement a few times
    # (hashing the statement per finding: n * len(data), 10**7 bytes and more)
    assert hashed <= 4 * len(data) + 400 * len(report.findings)
    for finding in inside:
        assert finding.fingerprint == _old_fingerprint(finding, value), finding


def test_fingerprints_of_ordinary_statements_are_unchanged(registry):
    """Statements below the size limit (every one of the shared corpus) keep
    their fingerprints: a baseline written before still matches."""
    data = complexity.statements(40, 5)[1]
    value = json.loads(data)
    report = lint_bytes("policy.json", data, Config(), registry)
    inside = [f for f in report.findings if f.pointer.count("/") >= 3]
    assert len(inside) >= 40
    for finding in inside:
        assert finding.fingerprint == _old_fingerprint(finding, value)
