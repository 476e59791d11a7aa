"""``--jobs``: lint many files in worker processes.

Workers are forked after the parent has linted the first file, so they
inherit the loaded rules, configuration and the IAM catalog data that file
needed instead of loading them again.  Files are split into contiguous chunks
and the reports come back in input order, so output is the same as with one
job.  Where ``fork`` is unavailable (Windows, macOS default) the files are
linted in this process.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence

#: (path, explicit) items and the per-item lint function, inherited by forked workers
_WORK: dict = {}
MIN_FILES_PER_JOB = 8


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def tune_gc() -> None:
    """For a batch run, after the warm-up file: what is loaded now (rules,
    catalog tables) lives for the whole run, so keep it out of the garbage
    collector's scans (fork then also shares it copy-on-write), and collect
    young objects less often -- linting creates many short-lived containers but
    few reference cycles.  Measured on the managed-policy corpus: 15% less time
    for 8 MB more peak memory."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def _run_chunk(bounds: tuple[int, int]) -> list:
    lint_one = _WORK["lint_one"]
    items = _WORK["items"]
    return [lint_one(path, explicit) for path, explicit in items[bounds[0] : bounds[1]]]


def _aligned(items: Sequence[tuple[str, bool]], size: int) -> list[tuple[int, int]]:
    """Contiguous chunks of about ``size`` items, a chunk ending where a
    directory's files end when that is at most ``size`` items further: a
    Terraform file is linted with its module (its directory), which a worker
    lints once for all the module's files it gets, so a module is best not split."""
    dirs = [os.path.dirname(path) for path, _explicit in items]
    bounds = []
    start = 0
    while start < len(items):
        end = min(start + size, len(items))
        stretch = end
        while stretch < len(items) and stretch - end < size and dirs[stretch] == dirs[stretch - 1]:
            stretch += 1
        if stretch < len(items) and dirs[stretch] == dirs[stretch - 1]:
            stretch = end  # a directory larger than a chunk: split anyway
        bounds.append((start, stretch))
        start = stretch
    return bounds


def lint_items(
    items: Sequence[tuple[str, bool]], lint_one: Callable, jobs: int, progress: Callable[[int], None] | None = None
) -> list:
    """``[lint_one(path, explicit) for path, explicit in items]``, in ``jobs`` processes."""
    items = list(items)
    results: list = []
    if not items:
        return results
    # the first file warms up rules and catalog in the parent, then workers fork
    results.append(lint_one(*items[0]))
    if progress:
        progress(1)
    tune_gc()
    rest = items[1:]
    jobs = min(jobs, max(1, len(rest) // MIN_FILES_PER_JOB))
    if jobs > 1:
        import multiprocessing  # noqa: PLC0415 (~8 ms, only when files are linted in worker processes)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for path, explicit in rest:
            results.append(lint_one(path, explicit))
            if progress:
                progress(1)
        return results
    _WORK.update(items=rest, lint_one=lint_one)
    n_chunks = min(len(rest), jobs * 8)
    size = -(-len(rest) // n_chunks)
    chunks = _aligned(rest, size)
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(jobs) as pool:
            for chunk in pool.imap(_run_chunk, chunks):
                results.extend(chunk)
                if progress:
                    progress(len(chunk))
    finally:
        _WORK.clear()
    return results
