"""A bounded fuzz campaign over every input kind iamlint reads.

Seeds are files of the shared corpus (``../shared/corpus``: managed policies,
CloudFormation JSON/YAML, Terraform HCL, account dumps, raw policies) plus the
repository's own examples and fixtures (Terraform plan JSON among them), so the
campaign also runs where the corpus is missing.  Each input is a seed after one
to three mutations: byte flips, truncation, type swaps at a random JSON pointer,
deep nesting, huge numbers, hostile Unicode, other encodings, YAML tags, anchors
and merges, HCL heredocs, interpolation and ``for`` expressions, splices of two
seeds.

Every input is linted through the public API (:func:`iamlint.api.lint_bytes`)
and rendered by every reporter, in a worker process.  A failure is

- an exception that escapes (a ``RecursionError`` is iamlint's documented
  "nested too deeply" answer and does not count),
- an input that takes longer than ``--timeout`` seconds (5 by default): the
  worker is killed and a fresh one started,
- a worker whose peak resident memory passes ``--max-rss-mb`` (500 MB).

Failing inputs are written to ``--save DIR`` (one file each, with the reason) so
they can be replayed: ``python tests/robustness/fuzz_campaign.py --replay FILE``.

Run it by hand for longer, with another seed::

    .venv/bin/python tests/robustness/fuzz_campaign.py --seconds 1800 --seed 7

The test suite runs it with a fixed seed for about a minute
(``tests/robustness/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
#: seeds per corpus folder (the campaign samples from these)
PER_FOLDER = 40
MAX_SEED_BYTES = 200_000


# --------------------------------------------------------------------------- seeds


def _kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".tf", ".hcl")):
        return "hcl"
    if name.endswith((".yaml", ".yml", ".template")):
        return "yaml"
    return "json"


def collect_seeds(rng: random.Random, corpus: Path = CORPUS) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the seed files, a fixed sample for a fixed seed."""
    seeds: list[tuple[str, bytes]] = []
    folders = []
    if corpus.is_dir():
        folders = sorted(p for p in corpus.iterdir() if p.is_dir() and p.name not in ("manifests", "derived"))
    local = [ROOT / "examples", ROOT / "tests" / "sources" / "fixtures", ROOT / "tests" / "roles" / "fixtures"]
    for folder in folders + local:
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in (".json", ".yaml", ".yml", ".template", ".tf", ".tpl")
        )
        files = [p for p in files if p.stat().st_size <= MAX_SEED_BYTES]
        if folder in folders and len(files) > PER_FOLDER:
            files = rng.sample(files, PER_FOLDER)
        for p in files:
            name = p.name if not p.name.endswith(".tpl") else p.name[:-4]
            seeds.append((name, p.read_bytes()))
    return seeds


# ----------------------------------------------------------------------- mutations

HOSTILE_TEXT = [
    "\u202e",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x1b]0;pwn\x07",
    "\x1b[2J",
    "\r",
    "\u2028",
    "e\u0301" * 50,
    "\U0001f600",
    "\ud800",
    "::error file=x::y",
    "${",
    "%{",
    "}}",
    "\\",
    '"',
    "'",
    "*?" * 20,
    "ä" * 1000,
]
HOSTILE_JSON_STRINGS = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\u001b[31m"', '"a\\u202eb"']
HUGE_NUMBERS = [b"1e400", b"-1e400", b"1" * 5000, b"1e-400", b"0." + b"0" * 4000 + b"1", b"123456789" * 100 + b".5"]


def _flip_bytes(rng: random.Random, data: bytes, name: str) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _truncate(rng: random.Random, data: bytes, name: str) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _json_nodes(value: Any, pointer: list) -> list[list]:
    out = [pointer]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _json_nodes(v, [*pointer, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _json_nodes(v, [*pointer, i])
    return out


def _replacement(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            0,
            -1,
            1.5,
            "",
            "*",
            [],
            {},
            [[]],
            {"": {}},
            "x" * 10_000,
            10**30,
            [rng.choice(HOSTILE_TEXT)] * 3,
            {"Fn::Sub": "${AWS::Region}" * 50},
            {"Ref": "AWS::NoValue"},
            {"Fn::Join": ["", [{"Ref": "X"}] * 100]},
            {"Fn::If": ["C", "*", {"Ref": "AWS::NoValue"}]},
            "arn:aws:iam::*:role/*",
            "${aws:username}",
            {"StringLike": {"*": "*"}},
        ]
    )


def _swap_type(rng: random.Random, data: bytes, name: str) -> bytes:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _flip_bytes(rng, data, name)
    nodes = _json_nodes(value, [])
    for _ in range(rng.randint(1, 4)):
        pointer = rng.choice(nodes)
        if not pointer:
            value = _replacement(rng)
            nodes = [[]]
            continue
        parent = value
        try:
            for token in pointer[:-1]:
                parent = parent[token]
            parent[pointer[-1]] = _replacement(rng)
        except (KeyError, IndexError, TypeError):
            pass
    return json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 2])).encode(
        "utf-8", "surrogatepass"
    )


def _deep_nesting(rng: random.Random, data: bytes, name: str) -> bytes:
    depth = rng.choice([200, 2_000, 20_000])
    if _kind_of(Path(name)) == "hcl":
        deep = b"[" * depth + b"]" * depth
        return data + b"\nlocals {\n  deep = " + deep + b"\n}\n"
    if _kind_of(Path(name)) == "yaml":
        return data + b"\nDeep: " + b"[" * depth + b"]" * depth + b"\n"
    at = data.find(b"[") if rng.random() < 0.5 else data.find(b"{", 1)
    if at < 0:
        at = 0
    inner = rng.choice([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth])
    return data[: at + 1] + inner + b"," + data[at + 1 :]


def _huge_number(rng: random.Random, data: bytes, name: str) -> bytes:
    digits = [i for i, c in enumerate(data) if 48 <= c <= 57]
    number = rng.choice(HUGE_NUMBERS)
    if not digits:
        return data + number
    i = rng.choice(digits)
    return data[:i] + number + data[i + 1 :]


def _hostile_unicode(rng: random.Random, data: bytes, name: str) -> bytes:
    text = data.decode("utf-8", "replace")
    quotes = [i for i, c in enumerate(text) if c == '"']
    for _ in range(rng.randint(1, 5)):
        i = rng.choice(quotes) + 1 if quotes and rng.random() < 0.7 else rng.randrange(len(text) + 1)
        piece = rng.choice(HOSTILE_TEXT + HOSTILE_JSON_STRINGS)
        text = text[:i] + piece + text[i:]
    return text.encode("utf-8", "surrogatepass")


def _encoding(rng: random.Random, data: bytes, name: str) -> bytes:
    text = data.decode("utf-8", "replace")
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig", "utf-7"])
    try:
        return text.encode(enc, "replace")
    except (LookupError, UnicodeError):
        return data


YAML_SNIPPETS = [
    b"\nX: !!python/object/apply:os.system ['echo PWNED']\n",
    b"\nX: !!binary AAAA\n",
    b"\nX: !Ref\n",
    b"\nX: !GetAtt [a, b, c, d]\n",
    b"\nX: !Sub [1, 2]\n",
    b"\nA: &a [x, x, x, x, x, x, x, x]\nB: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nC: &c [*b, *b, *b, *b, *b, "
    b"*b, *b, *b]\n"
    b"D: !Join ['', [*c, *c, *c, *c, *c, *c, *c, *c]]\n",
    b"\nBase: &base {Effect: Allow, Action: '*', Resource: '*'}\nM: {<<: *base, <<: *base}\nN: {<<: [*base, "
    b"*undefined]}\n",
    b"\nX: *undefined_alias\n",
    b"\n? [complex, key]\n: value\n",
    b"\n--- \nsecond: doc\n",
    b"\nX: !FindInMap [M, !Ref K, !Select [0, !Split [',', !Sub '${A},${B}']]]\n",
    b"\nX: !If [C, !If [C, !If [C, '*', '*'], '*'], '*']\n",
    b"\n%TAG ! tag:evil.example,2000:\n",
]

HCL_SNIPPETS = [
    b'\nresource "aws_iam_policy" "h" {\n  policy = <<EOF\n{"Statement": [${local.x}]}\nEOF\n}\n',
    b'\nresource "aws_iam_policy" "h" {\n  policy = <<-EOT\n    {"Version": "2012-10-17"\n',
    b'\nlocals {\n  a = "${"${"${local.a}"}"}"\n  b = [for x in var.y : x if x != ""]\n}\n',
    b"\nlocals {\n  m = {for k, v in var.m : k\n    => v}\n}\n",
    b'\nresource "aws_iam_role_policy" "r" {\n  policy = templatefile("${path.module}/../../../etc/passwd", {})\n}\n',
    b'\nresource "aws_iam_role_policy" "r" {\n  policy = file("/dev/zero")\n}\n',
    b'\ndata "aws_iam_policy_document" "d" {\n  dynamic "statement" {\n    for_each = var.s\n'
    b"    content { actions = statement.value }\n  }\n}\n",
    b"\nlocals {\n  x = jsonencode({Statement = [for i in range(1000000) : i]})\n}\n",
    b'\nresource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode(local.undefined)\n}\n',
    b"\n%{ for x in y }${x}%{ endfor }\n",
    b'\nx = "\\u{1F600}"\n',
    b'\nresource "a" "b" {\n',
]


def _format_specific(rng: random.Random, data: bytes, name: str) -> bytes:
    kind = _kind_of(Path(name))
    if kind == "yaml":
        snippet = rng.choice(YAML_SNIPPETS)
    elif kind == "hcl":
        snippet = rng.choice(HCL_SNIPPETS)
    else:
        return _swap_type(rng, data, name)
    if rng.random() < 0.5:
        return data + snippet
    lines = data.split(b"\n")
    i = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:i]) + snippet + b"\n".join(lines[i:])


MUTATIONS: list[Callable[[random.Random, bytes, str], bytes]] = [
    _flip_bytes,
    _truncate,
    _swap_type,
    _swap_type,
    _deep_nesting,
    _huge_number,
    _hostile_unicode,
    _encoding,
    _format_specific,
    _format_specific,
    _format_specific,
]


def mutate(rng: random.Random, seeds: list[tuple[str, bytes]]) -> tuple[str, bytes, list[str]]:
    name, data = rng.choice(seeds)
    applied = []
    if rng.random() < 0.08:  # splice two seeds
        other = rng.choice(seeds)[1]
        data = data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]
        applied.append("splice")
    for _ in range(rng.randint(1, 3)):
        m = rng.choice(MUTATIONS)
        data = m(rng, data, name)
        applied.append(m.__name__.lstrip("_"))
    return name, data, applied


# -------------------------------------------------------------------------- worker


def _lint_one(workdir: str, name: str, data: bytes) -> None:
    """Lint and render one input; raises what the public API raises."""
    # imported here, in the spawned worker, after its memory limit is set
    from iamlint import api  # noqa: PLC0415
    from iamlint.config import Config  # noqa: PLC0415
    from iamlint.reporters import FORMATS, RunResult, render  # noqa: PLC0415

    # each input alone in a fresh directory: a Terraform module is every .tf
    # file of its directory, and Terraform file() needs a real path
    directory = tempfile.mkdtemp(dir=workdir)
    path = os.path.join(directory, name)
    try:
        with open(path, "wb") as f:
            f.write(data)
        try:
            report = api.lint_bytes(path, data, Config(), api.default_registry())
        except RecursionError:
            return
        run = RunResult(
            files=[report],
            findings=list(report.findings),
            documents=report.documents,
            registry=api.default_registry(),
            show_source=True,
            root=directory,
        )
        for fmt in FORMATS:
            render(fmt, run)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _planted_failure(workdir: str, name: str, data: bytes) -> None:
    """A lint that always raises: lets the test suite show the harness can fail."""
    raise ValueError("planted failure")


def _worker(conn, workdir: str, max_as: int, lint: str = "_lint_one") -> None:
    if max_as:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (max_as, max_as))
    lint_one = globals()[lint]
    while True:
        item = conn.recv()
        if item is None:
            return
        name, data = item
        try:
            lint_one(workdir, name, data)
            error = None
        except BaseException:  # noqa: BLE001 - the campaign reports whatever escapes
            error = traceback.format_exc(limit=12)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send((error, rss_mb))


class Worker:
    """A fresh interpreter (spawned, not forked: a fork of a test runner would
    start with the runner's memory, and the peak-memory limit would measure it)."""

    def __init__(self, workdir: str, max_as: int, lint: str = "_lint_one") -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, workdir, max_as, lint), daemon=True)
        self.proc.start()

    def run(self, name: str, data: bytes, timeout: float):
        self.conn.send((name, data))
        if not self.conn.poll(timeout):
            return "timeout", None
        try:
            return self.conn.recv()
        except EOFError:
            return f"worker died (exit code {self.proc.exitcode})", None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)


# ------------------------------------------------------------------------ campaign


def campaign(
    seed: int,
    seconds: float,
    timeout: float = 5.0,
    max_rss_mb: float = 500.0,
    save: str | None = None,
    max_inputs: int | None = None,
    log=print,
    lint: str = "_lint_one",
) -> list[dict]:
    """Run the campaign; the failures (dicts with reason, input name, mutations)."""
    rng = random.Random(seed)
    seeds = collect_seeds(rng)
    failures: list[dict] = []
    workdir = tempfile.mkdtemp(prefix="iamlint-fuzz-")
    max_as = int((max_rss_mb * 3) * 1024 * 1024)
    worker = None
    start, count = time.monotonic(), 0
    try:
        # warm the worker (imports, catalog) so the first input's time is its own
        worker = Worker(workdir, max_as, lint)
        worker.run("warm.json", b'{"Version": "2012-10-17", "Statement": []}', 120)
        baseline_mb = None
        while time.monotonic() - start < seconds and (max_inputs is None or count < max_inputs):
            name, data, applied = mutate(rng, seeds)
            count += 1
            t0 = time.monotonic()
            error, rss_mb = worker.run(name, data, timeout)
            elapsed = time.monotonic() - t0
            if error == "timeout":
                # a busy machine can stall one run: confirm in a fresh worker before failing
                worker.kill()
                worker = Worker(workdir, max_as, lint)
                worker.run("warm.json", b'{"Version": "2012-10-17", "Statement": []}', 120)
                t0 = time.monotonic()
                error, rss_mb = worker.run(name, data, timeout)
                elapsed = time.monotonic() - t0
            if baseline_mb is None and rss_mb:
                baseline_mb = rss_mb
            reason = None
            if error:
                reason = error
            elif rss_mb is not None and rss_mb > max_rss_mb:
                reason = f"peak memory {rss_mb:.0f} MB > {max_rss_mb:.0f} MB"
            if reason:
                failures.append(
                    {
                        "reason": reason,
                        "name": name,
                        "mutations": applied,
                        "seconds": round(elapsed, 2),
                        "bytes": len(data),
                    }
                )
                log(f"FAIL #{count} {name} {applied}: {reason.strip().splitlines()[-1]}")
                if save:
                    os.makedirs(save, exist_ok=True)
                    stem = os.path.join(save, f"{len(failures):03d}-{name}")
                    Path(stem).write_bytes(data)
                    Path(stem + ".reason.txt").write_text(f"{applied}\n{reason}\n")
                if error == "timeout" or reason.startswith(("worker died", "peak memory")) or "MemoryError" in reason:
                    worker.kill()
                    worker = Worker(workdir, max_as, lint)
                    worker.run("warm.json", b'{"Version": "2012-10-17", "Statement": []}', 120)
    finally:
        if worker is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
            worker.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"{count} inputs from {len(seeds)} seeds in {time.monotonic() - start:.0f} s, {len(failures)} failures")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per input")
    parser.add_argument("--max-rss-mb", type=float, default=500.0)
    parser.add_argument("--save", default="fuzz-failures", help="directory for failing inputs")
    parser.add_argument("--replay", metavar="FILE", help="lint one saved input in this process and show the traceback")
    args = parser.parse_args(argv)
    if args.replay:
        workdir = tempfile.mkdtemp(prefix="iamlint-replay-")
        name = os.path.basename(args.replay).split("-", 1)[-1]
        _lint_one(workdir, name, Path(args.replay).read_bytes())
        print("no exception")
        return 0
    failures = campaign(args.seed, args.seconds, args.timeout, args.max_rss_mb, args.save)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
