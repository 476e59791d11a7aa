"""What a long run keeps alive is bounded by one module, not by the run: the
language server lints every version of a buffer, a repository run reads
thousands of files (issue 14: the fuzz campaign's worker grew by ~25 MB for
every deeply nested .tf file it had seen)."""

from __future__ import annotations

from iamlint.sources import hclpos

TF = 'resource "aws_iam_policy" "p" {\n  policy = "{}"\n  name = "%s"\n}\n'


def test_the_hcl_parse_cache_keeps_one_text_per_path(tmp_path):
    path = str(tmp_path / "main.tf")
    first = hclpos.parse_cached(path, TF % "a")
    assert hclpos.parse_cached(path, TF % "a") is first  # parsed once
    for i in range(50):  # an editor's versions of one buffer
        hclpos.parse_cached(path, TF % i)
    assert len(hclpos._CACHE) == 1
    assert hclpos.parse_cached(path, TF % "a") is not first  # an old version is parsed again


def test_the_hcl_parse_cache_keeps_the_files_of_one_directory(tmp_path):
    for d in range(20):
        module = tmp_path / f"m{d}"
        for name in ("main.tf", "iam.tf", "variables.tf"):
            hclpos.parse_cached(str(module / name), TF % name)
        assert len(hclpos._CACHE) == 3  # siblings are shared within a module ...
    # ... and a new module drops the last one
    hclpos.parse_cached(str(tmp_path / "other" / "main.tf"), TF % "x")
    assert len(hclpos._CACHE) == 1
