"""What a long run keeps alive is bounded by one module, not by the run: the
language server lints every version of a buffer, a repository run reads
thousands of files (issue 14: the fuzz campaign's worker grew by ~25 MB for
every deeply nested .tf file it had seen)."""

from __future__ import annotations

import gc
import weakref

from iamlint.sources import hclpos

TF = 'resource "aws_iam_policy" "p" {\n  policy = "{}"\n  name = "%s"\n}\n'


def _alive(refs: list[weakref.ref]) -> int:
    """How many of the parsed files are still held (by the cache: the test keeps none)."""
    gc.collect()
    return sum(ref() is not None for ref in refs)


def test_the_hcl_parse_cache_keeps_one_text_per_path(tmp_path):
    path = str(tmp_path / "main.tf")
    first = hclpos.parse_cached(path, TF % "a")
    assert hclpos.parse_cached(path, TF % "a") is first  # parsed once
    refs = [weakref.ref(first)]
    del first
    for i in range(50):  # an editor's versions of one buffer
        refs.append(weakref.ref(hclpos.parse_cached(path, TF % i)))
    assert _alive(refs) == 1  # the last version only
    assert refs[-1]() is hclpos.parse_cached(path, TF % 49)


def test_the_hcl_parse_cache_keeps_the_files_of_one_directory(tmp_path):
    refs: list[weakref.ref] = []
    for d in range(20):
        module = tmp_path / f"m{d}"
        for name in ("main.tf", "iam.tf", "variables.tf"):
            refs.append(weakref.ref(hclpos.parse_cached(str(module / name), TF % name)))
        assert _alive(refs) == 3  # siblings are shared within a module ...
        assert all(ref() is not None for ref in refs[-3:])
    # ... and a new module drops the last one
    last = weakref.ref(hclpos.parse_cached(str(tmp_path / "other" / "main.tf"), TF % "x"))
    assert _alive([*refs, last]) == 1 and last() is not None
